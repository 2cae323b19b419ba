//! libcni's result cache files (`<cacheDir>/results/<net>-<cid>-<ifname>`, kind
//! `cniCacheV1`, SPEC rule 69): the `cache_entry_encode` and `cache_entry_decode`
//! operations.

use crate::cni::convert::{parse_stored, stored_as};
use crate::cni::input::{json_kind, object, opt_obj, opt_str, pairs, req_str};
use crate::cni::{base64, gojson};
use crate::error::{code, EngineError};
use serde_json::{json, Map, Value};

const KIND: &str = "cniCacheV1";

/// `cache_entry_encode`. Input `{"containerId", "ifName", "networkName", "netns"?,
/// "configText", "cniArgs"?, "capabilityArgs"?, "result"}`; answers `{"text"}`: the file
/// as libcni writes it (struct order kind, containerId, config (base64), ifName,
/// networkName, netns, cniArgs, capabilityArgs, result; empty optional fields omitted;
/// maps with sorted keys).
pub fn cache_entry_encode(input: &Value) -> Result<Value, EngineError> {
    object(input, "cache_entry_encode")?;
    let kind = json!(KIND);
    let container_id = json!(req_str(input, "containerId")?);
    let config = json!(base64::encode(req_str(input, "configText")?.as_bytes()));
    let if_name = json!(req_str(input, "ifName")?);
    let network_name = json!(req_str(input, "networkName")?);
    let netns = opt_str(input, "netns")?.filter(|s| !s.is_empty()).map(|s| json!(s));
    let cni_args = match input.get("cniArgs") {
        None | Some(Value::Null) => None,
        Some(v) => {
            let list = pairs("cniArgs", v)?;
            let list = list.into_iter().map(|(k, v)| json!([k, v]));
            Some(Value::Array(list.collect())).filter(|l| l != &json!([]))
        }
    };
    let caps =
        opt_obj(input, "capabilityArgs")?.filter(|m| !m.is_empty()).cloned().map(Value::Object);
    let result = parse_stored(input.get("result").unwrap_or(&Value::Null))?.to_value();
    let mut fields: Vec<(&str, &Value)> = vec![
        ("kind", &kind),
        ("containerId", &container_id),
        ("config", &config),
        ("ifName", &if_name),
        ("networkName", &network_name),
    ];
    if let Some(v) = &netns {
        fields.push(("netns", v));
    }
    if let Some(v) = &cni_args {
        fields.push(("cniArgs", v));
    }
    if let Some(v) = &caps {
        fields.push(("capabilityArgs", v));
    }
    fields.push(("result", &result));
    Ok(json!({ "text": gojson::marshal_struct(&fields) }))
}

fn corrupt(reason: String) -> EngineError {
    EngineError::new(code::DECODING_FAILURE, format!("cannot decode cached result: {}", reason))
}

/// `cache_entry_decode`. Input `{"text", "toVersion"?}`; answers `{"entry", "configText"?,
/// "result"?, "legacy"?}`.
///
/// A `cniCacheV1` file gives its entry, its decoded config text and its result (parsed,
/// and converted to `toVersion` when given). Any other JSON is a legacy cache: a bare
/// result; the entry's strings are then empty and `legacy` is `true`. Text that is not
/// JSON, and a `cniCacheV1` file with a field of the wrong type, are code 6.
pub fn cache_entry_decode(input: &Value) -> Result<Value, EngineError> {
    object(input, "cache_entry_decode")?;
    let text = req_str(input, "text")?;
    let to = opt_str(input, "toVersion")?;
    let doc: Value =
        serde_json::from_str(text).map_err(|e| corrupt(format!("invalid JSON: {}", e)))?;
    let is_v1 = doc.get("kind").and_then(Value::as_str) == Some(KIND);
    let mut out = Map::new();
    if !is_v1 {
        let result = match to {
            Some(to) => stored_as(&doc, to)?,
            None => parse_stored(&doc)?,
        };
        let entry = json!({ "kind": KIND, "containerId": "", "config": "", "ifName": "", "networkName": "" });
        out.insert("entry".into(), entry);
        out.insert("result".into(), result.to_value());
        out.insert("legacy".into(), json!(true));
        return Ok(Value::Object(out));
    }
    let mut entry = Map::new();
    entry.insert("kind".into(), json!(KIND));
    for key in ["containerId", "config", "ifName", "networkName"] {
        entry.insert(key.into(), json!(string(&doc, key)?));
    }
    let netns = string(&doc, "netns")?;
    if !netns.is_empty() {
        entry.insert("netns".into(), json!(netns));
    }
    for key in ["cniArgs", "capabilityArgs", "result"] {
        if let Some(v) = doc.get(key).filter(|v| !v.is_null()) {
            check_shape(key, v)?;
            entry.insert(key.into(), v.clone());
        }
    }
    let config = string(&doc, "config")?;
    if !config.is_empty() {
        let bytes = base64::decode(&config)
            .map_err(|e| corrupt(format!("\"config\" is not base64: {}", e)))?;
        out.insert("configText".into(), json!(String::from_utf8_lossy(&bytes)));
    }
    if let Some(raw) = doc.get("result").filter(|v| !v.is_null()) {
        let result = match to {
            Some(to) => stored_as(raw, to)?,
            None => parse_stored(raw)?,
        };
        out.insert("result".into(), result.to_value());
    }
    out.insert("entry".into(), Value::Object(entry));
    Ok(Value::Object(out))
}

fn string(doc: &Value, key: &str) -> Result<String, EngineError> {
    match doc.get(key) {
        None | Some(Value::Null) => Ok(String::new()),
        Some(Value::String(s)) => Ok(s.clone()),
        Some(other) => {
            Err(corrupt(format!("{:?} must be a string, got {}", key, json_kind(other))))
        }
    }
}

fn check_shape(key: &str, v: &Value) -> Result<(), EngineError> {
    let ok = match key {
        "cniArgs" => pairs(key, v).is_ok(),
        _ => v.is_object(),
    };
    if ok {
        Ok(())
    } else {
        let want =
            if key == "cniArgs" { "a list of [key, value] string pairs" } else { "an object" };
        Err(corrupt(format!("{:?} must be {}, got {}", key, want, json_kind(v))))
    }
}
