//! NAD → CNI config (nad-client `GetCNIConfig`) and config files in a directory (`GetCNIConfigFromFile`).

use crate::error::{code, EngineError};
use serde_json::Value;

/// `nad_config` (not implemented yet).
pub fn nad_config(_input: &Value) -> Result<Value, EngineError> {
    Err(EngineError::new(code::INTERNAL, "engine operation nad_config is not implemented yet"))
}

/// `conf_file_lookup` (not implemented yet).
pub fn conf_file_lookup(_input: &Value) -> Result<Value, EngineError> {
    Err(EngineError::new(
        code::INTERNAL,
        "engine operation conf_file_lookup is not implemented yet",
    ))
}
