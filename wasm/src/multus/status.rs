//! The network-status annotation and AddedInterface events; Multus's empty result.

use crate::error::{code, EngineError};
use serde_json::Value;

/// `network_status` (not implemented yet).
pub fn network_status(_input: &Value) -> Result<Value, EngineError> {
    Err(EngineError::new(code::INTERNAL, "engine operation network_status is not implemented yet"))
}

/// `empty_result` (not implemented yet).
pub fn empty_result(_input: &Value) -> Result<Value, EngineError> {
    Err(EngineError::new(code::INTERNAL, "engine operation empty_result is not implemented yet"))
}
