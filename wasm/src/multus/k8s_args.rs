//! The Kubernetes values of `CNI_ARGS` (Multus `GetK8sArgs`).

use crate::error::{code, EngineError};
use serde_json::Value;

/// `k8s_args_parse` (not implemented yet).
pub fn k8s_args_parse(_input: &Value) -> Result<Value, EngineError> {
    Err(EngineError::new(code::INTERNAL, "engine operation k8s_args_parse is not implemented yet"))
}
