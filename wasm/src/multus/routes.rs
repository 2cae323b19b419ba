//! default-route decisions and libcni cache edits.

use crate::error::{code, EngineError};
use serde_json::Value;

/// `default_route_actions` (not implemented yet).
pub fn default_route_actions(_input: &Value) -> Result<Value, EngineError> {
    Err(EngineError::new(
        code::INTERNAL,
        "engine operation default_route_actions is not implemented yet",
    ))
}

/// `cache_default_routes_edit` (not implemented yet).
pub fn cache_default_routes_edit(_input: &Value) -> Result<Value, EngineError> {
    Err(EngineError::new(
        code::INTERNAL,
        "engine operation cache_default_routes_edit is not implemented yet",
    ))
}
