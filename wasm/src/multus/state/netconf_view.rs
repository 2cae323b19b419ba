//! The `Conf` and `ConfList` fields of Go Multus's scratch cache: a delegate's bytes as
//! Go decodes them into libcni's `types.PluginConf` and `types.NetConfList` and writes
//! them back. Go Multus's DEL only needs `ConfList.plugins` to be non-empty for a
//! conflist (it runs `Bytes`); the rest is there so the file reads as Go writes it.

use crate::cni::gojson;
use crate::cni::input::field;
use serde_json::{json, Map, Value};

/// `PluginConf.MarshalJSON`: the typed fields, keys sorted, `ipam` always present (a
/// struct), `dns` only when not empty. Fields of the wrong type are left out.
pub(crate) fn plugin_conf(doc: &Value) -> Value {
    let empty = Map::new();
    let obj = doc.as_object().unwrap_or(&empty);
    let mut m = Map::new();
    for key in ["cniVersion", "name", "type"] {
        if let Some(Value::String(s)) = field(obj, key).filter(|v| v.as_str() != Some("")) {
            m.insert(key.into(), json!(s));
        }
    }
    if let Some(Value::Object(caps)) = field(obj, "capabilities") {
        let caps: Map<String, Value> = caps
            .iter()
            .filter(|(_, v)| v.is_boolean())
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        if !caps.is_empty() {
            m.insert("capabilities".into(), Value::Object(caps));
        }
    }
    let mut ipam = Map::new();
    if let Some(Value::Object(i)) = field(obj, "ipam") {
        if let Some(Value::String(t)) = field(i, "type").filter(|v| v.as_str() != Some("")) {
            ipam.insert("type".into(), json!(t));
        }
    }
    m.insert("ipam".into(), Value::Object(ipam));
    if let Some(Value::Object(d)) = field(obj, "dns") {
        let dns = dns(d);
        if !dns.is_empty() {
            m.insert("dns".into(), Value::Object(dns));
        }
    }
    Value::Object(m)
}

fn dns(d: &Map<String, Value>) -> Map<String, Value> {
    let mut m = Map::new();
    for key in ["nameservers", "domain", "search", "options"] {
        match field(d, key) {
            Some(Value::String(s)) if !s.is_empty() => {
                m.insert(key.into(), json!(s));
            }
            Some(Value::Array(items)) if !items.is_empty() => {
                let items: Vec<Value> =
                    items.iter().map(|v| if v.is_null() { json!("") } else { v.clone() }).collect();
                m.insert(key.into(), Value::Array(items));
            }
            _ => {}
        }
    }
    m
}

/// `types.NetConfList` as Go writes it, in struct order: `cniVersion`, `name`,
/// `disableCheck`, `disableGC` (each only when set) and `plugins`. A single config's
/// `ConfList` is the zero value, `{}`.
pub(crate) fn conf_list_text(doc: &Value, is_conflist: bool) -> String {
    let empty = Map::new();
    let obj = match doc.as_object() {
        Some(m) if is_conflist => m,
        _ => &empty,
    };
    let mut fields: Vec<(&str, Value)> = Vec::new();
    for key in ["cniVersion", "name"] {
        if let Some(Value::String(s)) = field(obj, key).filter(|v| v.as_str() != Some("")) {
            fields.push((key, json!(s)));
        }
    }
    for key in ["disableCheck", "disableGC"] {
        if let Some(Value::Bool(true)) = field(obj, key) {
            fields.push((key, json!(true)));
        }
    }
    let plugins: Vec<String> = match field(obj, "plugins") {
        Some(Value::Array(items)) => {
            items.iter().map(|p| gojson::marshal(&plugin_conf(p))).collect()
        }
        _ => Vec::new(),
    };
    let mut parts: Vec<String> = fields
        .iter()
        .map(|(k, v)| format!("{}:{}", gojson::marshal(&json!(k)), gojson::marshal(v)))
        .collect();
    if !plugins.is_empty() {
        parts.push(format!("\"plugins\":[{}]", plugins.join(",")));
    }
    format!("{{{}}}", parts.join(","))
}
