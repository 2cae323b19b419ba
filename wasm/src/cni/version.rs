//! CNI versions: parsing, comparison and the VERSION answer.

use crate::error::{code, EngineError};
use serde_json::{json, Value};

/// Every version this engine parses and converts results for, oldest first.
pub const SUPPORTED: &[&str] = &["0.1.0", "0.2.0", "0.3.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0"];

/// `version_info`: the VERSION answer. Input `{"cniVersion"?: string}`; the answer echoes
/// the asked version when it is one we support (SPEC §2 VERSION), else the newest.
pub fn version_info(input: &Value) -> Result<Value, EngineError> {
    let asked = input.get("cniVersion").and_then(Value::as_str).unwrap_or("");
    let current = if SUPPORTED.contains(&asked) { asked } else { SUPPORTED[SUPPORTED.len() - 1] };
    if !input.is_object() {
        return Err(EngineError::new(code::DECODING_FAILURE, "version_info input must be an object"));
    }
    Ok(json!({ "cniVersion": current, "supportedVersions": SUPPORTED }))
}
