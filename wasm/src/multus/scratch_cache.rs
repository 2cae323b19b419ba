//! Multus's scratch cache `<cniDir>/<containerID>`: the pod's delegate list as Go
//! Multus's `[]*DelegateNetConf` JSON, written before any delegate runs and read back by
//! DEL. Both directions are Go-compatible, so a node that switches between Go Multus
//! and this implementation during a pod's lifetime still deletes its attachments.

#[path = "state/netconf_view.rs"]
mod netconf_view;

use crate::cni::input::{field, json_kind, object, req_str};
use crate::cni::ip::Ip;
use crate::cni::{base64, gojson};
use crate::error::{code, EngineError};
use serde_json::{json, Map, Value};

/// One delegate as the plan writes it to the scratch cache.
pub(crate) struct CacheEntry<'a> {
    /// The `DelegateConf` the plan was given (name and requests).
    pub(crate) delegate: &'a Value,
    /// The bytes the delegate runs with (its config, `cniVersion` filled in).
    pub(crate) bytes: &'a str,
    /// Whether the bytes are a conflist.
    pub(crate) is_conflist: bool,
    /// `default-route` gateways in Go's text form, when requested.
    pub(crate) gateways: Option<&'a [String]>,
    /// `IsFilterV4Gateway`.
    pub(crate) filter_v4: bool,
    /// `IsFilterV6Gateway`.
    pub(crate) filter_v6: bool,
}

/// The scratch cache text: Go's `json.Marshal` of the `DelegateNetConf` list (struct
/// field order, `omitempty` as tagged), plus `portMappingsRequest` and
/// `bandwidthRequest`, which Go does not write and ignores when reading.
pub(crate) fn encode(entries: &[CacheEntry]) -> String {
    let items: Vec<String> = entries.iter().map(encode_one).collect();
    format!("[{}]", items.join(","))
}

fn encode_one(e: &CacheEntry) -> String {
    let doc: Value = serde_json::from_str(e.bytes).unwrap_or(Value::Null);
    let d = e.delegate;
    let string = |key: &str| d.get(key).and_then(Value::as_str).unwrap_or("").to_string();
    let mut parts = vec![
        ("Conf", gojson::marshal(&netconf_view::plugin_conf(&doc))),
        ("ConfList", netconf_view::conf_list_text(&doc, e.is_conflist)),
        ("Name", gojson::marshal(&json!(string("name")))),
    ];
    for (key, tag) in [
        ("ifnameRequest", "ifnameRequest"),
        ("macRequest", "macRequest"),
        ("infinibandGUIDRequest", "infinibandGUIDRequest"),
    ] {
        let value = string(key);
        if !value.is_empty() {
            parts.push((tag, gojson::marshal(&json!(value))));
        }
    }
    if let Some(Value::Array(ips)) =
        d.get("ipRequest").filter(|v| v.as_array().map_or(false, |a| !a.is_empty()))
    {
        parts.push(("ipRequest", gojson::marshal(&Value::Array(ips.clone()))));
    }
    if let Some(gws) = e.gateways {
        parts.push(("default-route", gojson::marshal(&json!(gws))));
    }
    parts.push(("IsFilterV4Gateway", e.filter_v4.to_string()));
    parts.push(("IsFilterV6Gateway", e.filter_v6.to_string()));
    for key in ["deviceID", "resourceName"] {
        let value = string(key);
        if !value.is_empty() {
            parts.push((key, gojson::marshal(&json!(value))));
        }
    }
    parts.push(("Bytes", gojson::marshal(&json!(base64::encode(e.bytes.as_bytes())))));
    for key in ["portMappingsRequest", "bandwidthRequest"] {
        if let Some(v) = d.get(key).filter(|v| !v.is_null()) {
            parts.push((key, gojson::marshal(v)));
        }
    }
    let fields: Vec<String> =
        parts.iter().map(|(k, v)| format!("{}:{}", gojson::marshal(&json!(k)), v)).collect();
    format!("{{{}}}", fields.join(","))
}

fn corrupt(reason: String) -> EngineError {
    EngineError::new(
        code::DECODING_FAILURE,
        format!("failed to load the cached delegates: {}", reason),
    )
}

/// `scratch_cache_decode`. Input `{"text"}`; answers `{"delegates": DelegateConf[]}`,
/// the first being the master.
///
/// Reads what `pod_network_plan` writes and what Go Multus writes. As in Go Multus's
/// DEL, `Bytes` is the config and a delegate is a conflist when `ConfList.plugins` is not
/// empty; `confName` and `type` come from the bytes (from `Conf`/`ConfList` when the
/// bytes are not a JSON object). Field names match case-insensitively, as Go's decoder
/// matches them. Text that is not a non-empty array of delegates, a field of the wrong
/// type, missing or non-base64 `Bytes` or an invalid `default-route` gateway is code 6.
pub fn scratch_cache_decode(input: &Value) -> Result<Value, EngineError> {
    object(input, "scratch_cache_decode")?;
    let text = req_str(input, "text")?;
    let doc: Value =
        serde_json::from_str(text).map_err(|e| corrupt(format!("invalid JSON: {}", e)))?;
    let items = match &doc {
        Value::Array(items) if !items.is_empty() => items,
        Value::Array(_) | Value::Null => {
            return Err(corrupt("the cache lists no delegates".into()))
        }
        other => return Err(corrupt(format!("expected a JSON array, got {}", json_kind(other)))),
    };
    let mut out = Vec::new();
    for (i, item) in items.iter().enumerate() {
        out.push(
            decode_one(item).map_err(|reason| corrupt(format!("delegate {}: {}", i, reason)))?,
        );
    }
    Ok(json!({ "delegates": out }))
}

fn decode_one(item: &Value) -> Result<Value, String> {
    let obj =
        item.as_object().ok_or_else(|| format!("expected an object, got {}", json_kind(item)))?;
    let text = |key: &str| -> Result<String, String> {
        match field(obj, key) {
            None | Some(Value::Null) => Ok(String::new()),
            Some(Value::String(s)) => Ok(s.clone()),
            Some(other) => Err(format!("{:?} must be a string, got {}", key, json_kind(other))),
        }
    };
    let strings = |key: &str| -> Result<Option<Vec<String>>, String> {
        match field(obj, key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Array(items)) => items
                .iter()
                .map(|v| match v {
                    Value::String(s) => Ok(s.clone()),
                    Value::Null => Ok(String::new()),
                    other => Err(format!("{:?} must hold strings, got {}", key, json_kind(other))),
                })
                .collect::<Result<Vec<_>, _>>()
                .map(Some),
            Some(other) => Err(format!("{:?} must be an array, got {}", key, json_kind(other))),
        }
    };
    let raw = text("Bytes")?;
    if raw.is_empty() {
        return Err("\"Bytes\" is missing".into());
    }
    let bytes = base64::decode(&raw).map_err(|e| format!("\"Bytes\" is not base64: {}", e))?;
    let bytes = String::from_utf8(bytes).map_err(|_| "\"Bytes\" is not UTF-8 text".to_string())?;
    let empty = Map::new();
    let conf = views(obj, "Conf")?.unwrap_or(&empty);
    let list = views(obj, "ConfList")?.unwrap_or(&empty);
    let plugins = match field(list, "plugins") {
        Some(Value::Array(p)) => p.as_slice(),
        _ => &[],
    };
    let is_conflist = !plugins.is_empty();
    let parsed: Value = serde_json::from_str(&bytes).unwrap_or(Value::Null);
    let (name_src, type_src): (&Value, Option<&Value>) = match parsed.as_object() {
        Some(_) if is_conflist => (&parsed, parsed.get("plugins").and_then(|p| p.get(0))),
        Some(_) => (&parsed, Some(&parsed)),
        None if is_conflist => (&Value::Null, plugins.first()),
        None => (&Value::Null, None),
    };
    let fallback = if is_conflist { list } else { conf };
    let pick = |v: Option<&Value>, key: &str, fb: Option<&Map<String, Value>>| -> String {
        let from =
            |m: &Map<String, Value>| field(m, key).and_then(Value::as_str).map(str::to_string);
        v.and_then(Value::as_object)
            .and_then(from)
            .or_else(|| fb.and_then(from))
            .unwrap_or_default()
    };
    let conf_name = pick(Some(name_src), "name", Some(fallback));
    let plugin_type = pick(type_src, "type", if is_conflist { None } else { Some(conf) });
    let mut m = Map::new();
    m.insert("name".into(), json!(text("Name")?));
    m.insert("confName".into(), json!(conf_name));
    m.insert("type".into(), json!(plugin_type));
    m.insert("isConflist".into(), json!(is_conflist));
    m.insert("bytes".into(), json!(bytes));
    for (key, tag) in [("ifnameRequest", "ifnameRequest"), ("macRequest", "macRequest")] {
        let value = text(tag)?;
        if !value.is_empty() {
            m.insert(key.into(), json!(value));
        }
    }
    if let Some(ips) = strings("ipRequest")?.filter(|l| !l.is_empty()) {
        m.insert("ipRequest".into(), json!(ips));
    }
    let guid = text("infinibandGUIDRequest")?;
    if !guid.is_empty() {
        m.insert("infinibandGUIDRequest".into(), json!(guid));
    }
    for key in ["portMappingsRequest", "bandwidthRequest"] {
        if let Some(v) = field(obj, key).filter(|v| !v.is_null()) {
            m.insert(key.into(), v.clone());
        }
    }
    if let Some(gws) = strings("default-route")? {
        let parsed: Result<Vec<String>, String> = gws
            .iter()
            .map(|g| {
                Ip::parse(g)
                    .map(|ip| ip.to_go_string())
                    .ok_or_else(|| format!("invalid IP address: {}", g))
            })
            .collect();
        m.insert("gatewayRequest".into(), json!(parsed?));
    }
    for key in ["deviceID", "resourceName"] {
        let value = text(key)?;
        if !value.is_empty() {
            m.insert(key.into(), json!(value));
        }
    }
    Ok(Value::Object(m))
}

/// The `Conf` or `ConfList` object (empty when absent or `null`).
fn views<'a>(
    obj: &'a Map<String, Value>,
    key: &str,
) -> Result<Option<&'a Map<String, Value>>, String> {
    match field(obj, key) {
        Some(Value::Object(m)) => Ok(Some(m)),
        None | Some(Value::Null) => Ok(None),
        Some(other) => Err(format!("{:?} must be an object, got {}", key, json_kind(other))),
    }
}
