//! A plugin configuration object as libcni's `NetworkPluginConfFromBytes` checks it:
//! the typed fields of `types.PluginConf` must have their types and `type` must be set.

use crate::cni::input::{field, json_kind};
use serde_json::{Map, Value};

/// What libcni reads from a plugin object: its `type` and its declared capabilities.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PluginConf {
    /// `type`: the plugin binary's name.
    pub plugin_type: String,
    /// `name` (empty when absent).
    pub name: String,
    /// `capabilities` in document order.
    pub capabilities: Vec<(String, bool)>,
}

fn type_error(v: &Value, path: &str, go_type: &str) -> String {
    format!(
        "json: cannot unmarshal {} into Go struct field PluginConf.{} of type {}",
        json_kind(v),
        path,
        go_type
    )
}

fn check_string(obj: &Map<String, Value>, key: &str, path: &str) -> Result<String, String> {
    match field(obj, key) {
        None | Some(Value::Null) => Ok(String::new()),
        Some(Value::String(s)) => Ok(s.clone()),
        Some(other) => Err(type_error(other, path, "string")),
    }
}

fn check_strings(obj: &Map<String, Value>, key: &str, path: &str) -> Result<(), String> {
    match field(obj, key) {
        None | Some(Value::Null) => Ok(()),
        Some(Value::Array(items)) => items
            .iter()
            .find(|v| !matches!(v, Value::String(_) | Value::Null))
            .map_or(Ok(()), |v| Err(type_error(v, path, "string"))),
        Some(other) => Err(type_error(other, path, "[]string")),
    }
}

/// Checks `v` as a `types.PluginConf`. The error is the reason only; callers put
/// libcni's prefix (`error parsing configuration: `) in front.
pub fn check(v: &Value) -> Result<PluginConf, String> {
    let empty = Map::new();
    let obj = match v {
        Value::Object(m) => m,
        Value::Null => &empty,
        other => {
            return Err(format!(
                "json: cannot unmarshal {} into Go value of type types.PluginConf",
                json_kind(other)
            ))
        }
    };
    check_string(obj, "cniVersion", "cniVersion")?;
    let name = check_string(obj, "name", "name")?;
    let plugin_type = check_string(obj, "type", "type")?;
    let mut capabilities = Vec::new();
    match field(obj, "capabilities") {
        None | Some(Value::Null) => {}
        Some(Value::Object(caps)) => {
            for (k, v) in caps {
                match v {
                    Value::Bool(b) => capabilities.push((k.clone(), *b)),
                    Value::Null => capabilities.push((k.clone(), false)),
                    other => return Err(type_error(other, "capabilities", "bool")),
                }
            }
        }
        Some(other) => return Err(type_error(other, "capabilities", "map[string]bool")),
    }
    match field(obj, "ipam") {
        None | Some(Value::Null) => {}
        Some(Value::Object(ipam)) => {
            check_string(ipam, "type", "ipam.type")?;
        }
        Some(other) => return Err(type_error(other, "ipam", "types.IPAM")),
    }
    match field(obj, "dns") {
        None | Some(Value::Null) => {}
        Some(Value::Object(dns)) => {
            check_strings(dns, "nameservers", "dns.nameservers")?;
            check_string(dns, "domain", "dns.domain")?;
            check_strings(dns, "search", "dns.search")?;
            check_strings(dns, "options", "dns.options")?;
        }
        Some(other) => return Err(type_error(other, "dns", "types.DNS")),
    }
    match field(obj, "prevResult") {
        None | Some(Value::Null) | Some(Value::Object(_)) => {}
        Some(other) => return Err(type_error(other, "prevResult", "map[string]interface {}")),
    }
    check_attachments(obj)?;
    if plugin_type.is_empty() {
        return Err("missing 'type'".to_string());
    }
    Ok(PluginConf { plugin_type, name, capabilities })
}

fn check_attachments(obj: &Map<String, Value>) -> Result<(), String> {
    let path = "cni.dev/valid-attachments";
    match field(obj, path) {
        None | Some(Value::Null) => Ok(()),
        Some(Value::Array(items)) => {
            for item in items {
                match item {
                    Value::Null => {}
                    Value::Object(a) => {
                        check_string(a, "containerID", &format!("{}.containerID", path))?;
                        check_string(a, "ifname", &format!("{}.ifname", path))?;
                    }
                    other => return Err(type_error(other, path, "types.GCAttachment")),
                }
            }
            Ok(())
        }
        Some(other) => Err(type_error(other, path, "[]types.GCAttachment")),
    }
}
