//! The Kubernetes values of `CNI_ARGS` (Multus `GetK8sArgs`: libcni's `LoadArgs` into
//! Multus's `K8sArgs`).

use crate::cni::gofmt::{quote, quote_list};
use crate::cni::input::{object, req_str};
use crate::cni::ip::Ip;
use crate::error::{code, EngineError};
use serde_json::{json, Value};

fn invalid(msg: String) -> EngineError {
    EngineError::new(code::INVALID_ENV, msg)
}

/// `k8s_args_parse`. Input `{"cniArgs"}`; answers `{"args": {"podNamespace", "podName",
/// "podUid", "infraContainerId"}}`. Pairs are processed in order as libcni's `LoadArgs`
/// does: each is exactly `K=V`; `IP` must be an IP address (or empty); `IgnoreUnknown`
/// a boolean word; other keys are unknown, an error unless `IgnoreUnknown` is true.
/// Errors are code 4 with libcni's messages.
pub fn k8s_args_parse(input: &Value) -> Result<Value, EngineError> {
    object(input, "k8s_args_parse")?;
    let args = req_str(input, "cniArgs")?;
    let mut out =
        json!({ "podNamespace": "", "podName": "", "podUid": "", "infraContainerId": "" });
    if args.is_empty() {
        return Ok(json!({ "args": out }));
    }
    let mut unknown = Vec::new();
    let mut ignore_unknown = false;
    for pair in args.split(';') {
        let kv: Vec<&str> = pair.split('=').collect();
        let (key, value) = match kv.as_slice() {
            [k, v] => (*k, *v),
            _ => return Err(invalid(format!("ARGS: invalid pair {}", quote(pair)))),
        };
        let parse_error = |reason: String| {
            invalid(format!("ARGS: error parsing value of pair {}: {}", quote(pair), reason))
        };
        match key {
            "IgnoreUnknown" => {
                ignore_unknown = match value.to_lowercase().as_str() {
                    "1" | "true" => true,
                    "0" | "false" => false,
                    other => {
                        return Err(parse_error(format!(
                            "boolean unmarshal error: invalid input {}",
                            other
                        )))
                    }
                }
            }
            "IP" => {
                if !value.is_empty() && Ip::parse(value).is_none() {
                    return Err(parse_error(format!("invalid IP address: {}", value)));
                }
            }
            "K8S_POD_NAME" => out["podName"] = json!(value),
            "K8S_POD_NAMESPACE" => out["podNamespace"] = json!(value),
            "K8S_POD_INFRA_CONTAINER_ID" => out["infraContainerId"] = json!(value),
            "K8S_POD_UID" => out["podUid"] = json!(value),
            // The embedded struct is a field too, one that cannot take a text value.
            "CommonArgs" => {
                return Err(invalid(
                    "ARGS: cannot unmarshal into field 'CommonArgs' - type '*types.CommonArgs' does not implement encoding.TextUnmarshaler"
                        .to_string(),
                ))
            }
            _ => unknown.push(pair.to_string()),
        }
    }
    if !unknown.is_empty() && !ignore_unknown {
        return Err(invalid(format!("ARGS: unknown args {}", quote_list(&unknown))));
    }
    Ok(json!({ "args": out }))
}
