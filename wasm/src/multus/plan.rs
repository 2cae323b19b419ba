//! The delegate plan: order, interface names, per-delegate CNI_ARGS and capability args, default-route filters, the scratch cache.

use crate::error::{code, EngineError};
use serde_json::Value;

/// `pod_network_plan` (not implemented yet).
pub fn pod_network_plan(_input: &Value) -> Result<Value, EngineError> {
    Err(EngineError::new(
        code::INTERNAL,
        "engine operation pod_network_plan is not implemented yet",
    ))
}
