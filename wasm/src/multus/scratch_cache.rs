//! Multus's scratch cache `<cniDir>/<containerID>` (Go Multus's DelegateNetConf list).

use crate::error::{code, EngineError};
use serde_json::Value;

/// `scratch_cache_decode` (not implemented yet).
pub fn scratch_cache_decode(_input: &Value) -> Result<Value, EngineError> {
    Err(EngineError::new(
        code::INTERNAL,
        "engine operation scratch_cache_decode is not implemented yet",
    ))
}
