//! The operation table and the JSON envelope. Native tests and the wasm ABI both go
//! through [`call`], so a case file means the same thing on both sides.

use crate::cni;
use crate::error::{code, EngineError};
use serde_json::{json, Value};

/// Bumped whenever an export's name, argument shape or envelope changes.
pub const ABI_VERSION: u32 = 1;

type Op = fn(&Value) -> Result<Value, EngineError>;

const OPS: &[(&str, Op)] = &[("version_info", cni::version::version_info)];

/// The names of every operation, in table order.
pub fn op_names() -> Vec<&'static str> {
    OPS.iter().map(|(n, _)| *n).collect()
}

/// Runs operation `op` on the JSON document `input` and returns the envelope
/// `{"ok": value}` or `{"error": {"code", "msg", "details"?}}` as bytes.
pub fn call(op: &str, input: &[u8]) -> Vec<u8> {
    let out = match OPS.iter().find(|(n, _)| *n == op) {
        None => Err(EngineError::new(code::INTERNAL, format!("unknown engine operation {:?}", op))),
        Some((_, f)) => match serde_json::from_slice::<Value>(input) {
            Err(e) => Err(EngineError::new(
                code::DECODING_FAILURE,
                format!("cannot decode the input of engine operation {:?}: {}", op, e),
            )),
            Ok(v) => f(&v),
        },
    };
    let envelope = match out {
        Ok(v) => json!({ "ok": v }),
        Err(e) => json!({ "error": e.to_json() }),
    };
    serde_json::to_vec(&envelope).unwrap_or_else(|_| b"{\"error\":{\"code\":999,\"msg\":\"cannot encode the engine output\"}}".to_vec())
}
