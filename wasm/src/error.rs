//! The engine's one error type. Codes are the CNI spec's (1–7, 11, 50, 51, 999), so the
//! host can turn an engine error into a `CniError` without translation.

use serde_json::{json, Value};
use std::fmt;

/// A failed engine operation: a CNI error code, a message a person can act on, and
/// optional details (for example every diagnostic of a config validation).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EngineError {
    /// The CNI error code (see [`code`]).
    pub code: u32,
    /// The message a person reads.
    pub msg: String,
    /// Extra detail; empty when there is none.
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

/// CNI error codes (SPEC section 5 plus libcni's 8 and 999).
pub mod code {
    /// 1: incompatible CNI version.
    pub const INCOMPATIBLE_VERSION: u32 = 1;
    /// 2: unsupported field in the network configuration.
    pub const UNSUPPORTED_FIELD: u32 = 2;
    /// 3: container unknown or does not exist.
    pub const UNKNOWN_CONTAINER: u32 = 3;
    /// 4: invalid necessary environment variables.
    pub const INVALID_ENV: u32 = 4;
    /// 5: I/O failure.
    pub const IO_FAILURE: u32 = 5;
    /// 6: failed to decode content.
    pub const DECODING_FAILURE: u32 = 6;
    /// 7: invalid network config.
    pub const INVALID_NETWORK_CONFIG: u32 = 7;
    /// 8: invalid netns (libcni).
    pub const INVALID_NETNS: u32 = 8;
    /// 11: try again later.
    pub const TRY_AGAIN_LATER: u32 = 11;
    /// 50: plugin not available (STATUS).
    pub const PLUGIN_NOT_AVAILABLE: u32 = 50;
    /// 51: plugin not available, existing containers may have limited connectivity.
    pub const LIMITED_CONNECTIVITY: u32 = 51;
    /// 999: internal error (libcni's code for any non-CNI error).
    pub const INTERNAL: u32 = 999;
}
