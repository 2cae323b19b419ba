//! What libcni runs for DEL, CHECK, GC and STATUS of a network configuration list
//! (`DelNetworkList`, `CheckNetworkList`, `GCNetworkList`, `GetStatusNetworkList`), and
//! the `list_plan` operation.

use crate::cni::convert::stored_as;
use crate::cni::gofmt::quote;
use crate::cni::input::{bad_input, object, opt_array, opt_obj, req_str};
use crate::cni::plugin_config::{build, Request};
use crate::cni::version;
use crate::error::{code, EngineError};
use serde_json::{json, Value};

/// `list_plan`. Input `{"list": NetworkConfigList, "command": "DEL" | "CHECK" | "GC" |
/// "STATUS", "cachedResult"?, "capabilityArgs"?, "validAttachments"?}`; answers
/// `{"steps": [{"type", "config"}]}` in execution order.
///
/// * DEL: every plugin in reverse order; from 0.4.0 on `prevResult` is the cached result
///   converted to the list's version; a cached result that cannot be read or converted
///   is dropped, as libcni drops an unreadable cache, and DEL runs without it.
/// * CHECK: below 0.4.0 code 1 `configuration version "X" does not support the CHECK
///   command`; `disableCheck` gives no steps; otherwise forward order with the converted
///   cached result as `prevResult`.
/// * GC: no steps when `disableGC` or below 1.1.0; otherwise forward order, each config
///   with the valid attachments. (Deleting stale cached attachments is the caller's job.)
/// * STATUS: no steps below 1.1.0; otherwise forward order with `name` and `cniVersion`.
pub fn list_plan(input: &Value) -> Result<Value, EngineError> {
    object(input, "list_plan")?;
    let list = input.get("list").unwrap_or(&Value::Null);
    object(list, "list")?;
    let name = req_str(list, "name")?;
    let cni_version = req_str(list, "cniVersion")?;
    let plugins = opt_array(list, "plugins")?.map(Vec::as_slice).unwrap_or(&[]);
    let command = req_str(input, "command")?;
    let cached = input.get("cachedResult").filter(|v| !v.is_null());
    let mut prev = None;
    let mut reverse = false;
    match command {
        "DEL" => {
            reverse = true;
            if version::gte(cni_version, "0.4.0")? {
                prev = cached.and_then(|c| stored_as(c, cni_version).ok()).map(|r| r.to_value());
            }
        }
        "CHECK" => {
            if !version::gte(cni_version, "0.4.0")? {
                return Err(EngineError::new(
                    code::INCOMPATIBLE_VERSION,
                    format!(
                        "configuration version {} does not support the CHECK command",
                        quote(cni_version)
                    ),
                ));
            }
            if flag(list, "disableCheck")? {
                return Ok(json!({ "steps": [] }));
            }
            if let Some(c) = cached {
                let result = stored_as(c, cni_version).map_err(|e| {
                    EngineError::new(
                        e.code,
                        format!("failed to get network {} cached result: {}", quote(name), e.msg),
                    )
                })?;
                prev = Some(result.to_value());
            }
        }
        "GC" | "STATUS" => {
            let newest = version::gte(cni_version, "1.1.0").unwrap_or(false);
            if !newest || (command == "GC" && flag(list, "disableGC")?) {
                return Ok(json!({ "steps": [] }));
            }
        }
        other => return Err(bad_input("command", "DEL, CHECK, GC or STATUS", &json!(other))),
    }
    let req = Request {
        name,
        cni_version,
        command,
        prev_result: prev.as_ref(),
        capability_args: opt_obj(input, "capabilityArgs")?,
        valid_attachments: opt_array(input, "validAttachments")?,
    };
    let order: Vec<&Value> =
        if reverse { plugins.iter().rev().collect() } else { plugins.iter().collect() };
    let mut steps = Vec::new();
    for plugin in order {
        let (plugin_type, config) = build(plugin, &req)?;
        steps.push(json!({ "type": plugin_type, "config": config }));
    }
    Ok(json!({ "steps": steps }))
}

fn flag(list: &Value, key: &str) -> Result<bool, EngineError> {
    match list.get(key) {
        None | Some(Value::Null) => Ok(false),
        Some(Value::Bool(b)) => Ok(*b),
        Some(other) => Err(bad_input(key, "a boolean", other)),
    }
}
