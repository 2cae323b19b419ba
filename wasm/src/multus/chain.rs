//! libcni's subdirectory chaining and the auxiliary chain.

use crate::error::{code, EngineError};
use serde_json::Value;

/// `conflist_chain` (not implemented yet).
pub fn conflist_chain(_input: &Value) -> Result<Value, EngineError> {
    Err(EngineError::new(code::INTERNAL, "engine operation conflist_chain is not implemented yet"))
}
