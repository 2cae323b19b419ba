//! The engine's one error type. Codes are the CNI spec's (1–7, 11, 50, 51, 999), so the
//! host can turn an engine error into a `CniError` without translation.

use serde_json::{json, Value};
use std::fmt;

/// A failed engine operation: a CNI error code, a message a person can act on, and
/// optional details (for example every diagnostic of a config validation).
#[derive(Debug, Clone, PartialEq)]
pub struct EngineError {
    pub code: u32,
    pub msg: String,
    pub details: String,
}

impl EngineError {
    /// An error with the given CNI code and message and no details.
    pub fn new(code: u32, msg: impl Into<String>) -> Self {
        EngineError { code, msg: msg.into(), details: String::new() }
    }

    /// The same error with `details` set.
    pub fn with_details(mut self, details: impl Into<String>) -> Self {
        self.details = details.into();
        self
    }

    /// The `{"code","msg","details"}` object of the envelope (`details` omitted when empty).
    pub fn to_json(&self) -> Value {
        let mut v = json!({ "code": self.code, "msg": self.msg });
        if !self.details.is_empty() {
            v["details"] = Value::String(self.details.clone());
        }
        v
    }
}

impl fmt::Display for EngineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.msg)
    }
}

/// CNI error codes (SPEC §5 plus libcni's 8 and 999).
pub mod code {
    pub const INCOMPATIBLE_VERSION: u32 = 1;
    pub const UNSUPPORTED_FIELD: u32 = 2;
    pub const UNKNOWN_CONTAINER: u32 = 3;
    pub const INVALID_ENV: u32 = 4;
    pub const IO_FAILURE: u32 = 5;
    pub const DECODING_FAILURE: u32 = 6;
    pub const INVALID_NETWORK_CONFIG: u32 = 7;
    pub const TRY_AGAIN_LATER: u32 = 11;
    pub const INTERNAL: u32 = 999;
}
