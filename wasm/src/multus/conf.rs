//! The Multus CNI config (`LoadNetConf`): defaults, validation, overlay.

use crate::error::{code, EngineError};
use serde_json::Value;

/// `multus_conf_parse` (not implemented yet).
pub fn multus_conf_parse(_input: &Value) -> Result<Value, EngineError> {
    Err(EngineError::new(
        code::INTERNAL,
        "engine operation multus_conf_parse is not implemented yet",
    ))
}
