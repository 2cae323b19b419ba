//! Go-faithful parsing shared by the Multus operations: `encoding/json`'s syntax check
//! and typed decoding with Go's messages, the Go types Multus decodes into, `net.ParseMAC`,
//! raw-message handling, and libcni's config readers.

pub mod decode;
pub mod libcni;
pub mod mac;
pub mod raw;
pub mod schema;
pub mod selection;
pub mod syntax;

use serde_json::Value;

/// `json.Unmarshal`'s first step: the document, or Go's syntax error text.
pub fn go_unmarshal(text: &str) -> Result<Value, String> {
    syntax::check(text)?;
    // Go accepts a few documents serde rejects (lone surrogate escapes, very deep
    // nesting, huge numbers); those come back with serde's words.
    serde_json::from_str(text).map_err(|e| e.to_string())
}
