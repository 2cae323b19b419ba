//! The network-selection annotations: text and JSON forms, the default-network annotation, namespace isolation.

use crate::error::{code, EngineError};
use serde_json::Value;

/// `network_selections_parse` (not implemented yet).
pub fn network_selections_parse(_input: &Value) -> Result<Value, EngineError> {
    Err(EngineError::new(
        code::INTERNAL,
        "engine operation network_selections_parse is not implemented yet",
    ))
}

/// `default_network_parse` (not implemented yet).
pub fn default_network_parse(_input: &Value) -> Result<Value, EngineError> {
    Err(EngineError::new(
        code::INTERNAL,
        "engine operation default_network_parse is not implemented yet",
    ))
}

/// `pod_network_requests` (not implemented yet).
pub fn pod_network_requests(_input: &Value) -> Result<Value, EngineError> {
    Err(EngineError::new(
        code::INTERNAL,
        "engine operation pod_network_requests is not implemented yet",
    ))
}
