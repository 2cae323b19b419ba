//! Delegate configs (`LoadDelegateNetConf`): conf or conflist, deviceID and cni-args injection, element requests.

use crate::error::{code, EngineError};
use serde_json::Value;

/// `delegate_load` (not implemented yet).
pub fn delegate_load(_input: &Value) -> Result<Value, EngineError> {
    Err(EngineError::new(code::INTERNAL, "engine operation delegate_load is not implemented yet"))
}
