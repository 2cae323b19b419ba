//! Network configuration files as libcni loads them (`ConfListFromBytes`,
//! `ConfFromBytes` + `ConfListFromConf`), including the `cniVersions` selection of
//! SPEC section 1.A rule 3, and the `network_config_parse` operation.

use crate::cni::gofmt::quote;
use crate::cni::input::{bad_input, field, go_type, json_kind, object, opt_str, req_str};
use crate::cni::{plugin_conf, validate, version};
use crate::error::{code, EngineError};
use serde_json::{json, Map, Value};

const LIST: &str = "error parsing configuration list: ";
const CONF: &str = "error parsing configuration: ";

fn invalid(prefix: &str, reason: String) -> EngineError {
    EngineError::new(code::INVALID_NETWORK_CONFIG, format!("{}{}", prefix, reason))
}

/// `network_config_parse`. Input `{"text", "kind"?: "auto" | "conf" | "conflist"}`; with
/// `auto`, a top-level `plugins` key makes a list, anything else a single plugin config
/// wrapped into a one-plugin list. Answers `{"list": NetworkConfigList}` whose
/// `plugins` are the raw plugin objects and whose `bytes` is the input text.
///
/// A list without `plugins` (and without `loadOnlyInlinedPlugins`) comes back with no
/// plugins, as libcni's `ConfListFromBytes` returns it: the caller appends the
/// `<confdir>/<name>/*.conf` plugin files and fails with `no plugin configs found` when
/// there are none.
pub fn network_config_parse(input: &Value) -> Result<Value, EngineError> {
    object(input, "network_config_parse")?;
    let text = req_str(input, "text")?;
    let kind = opt_str(input, "kind")?.unwrap_or("auto");
    let prefix = match kind {
        "conflist" => LIST,
        "conf" | "auto" => CONF,
        other => {
            return Err(bad_input("kind", "\"auto\", \"conf\" or \"conflist\"", &json!(other)))
        }
    };
    let doc: Value = serde_json::from_str(text)
        .map_err(|e| EngineError::new(code::DECODING_FAILURE, format!("{}{}", prefix, e)))?;
    let is_list = match kind {
        "conflist" => true,
        "conf" => false,
        _ => doc.get("plugins").is_some(),
    };
    let mut list = if is_list { parse_list(&doc)? } else { parse_conf(&doc)? };
    let name = list.get("name").and_then(Value::as_str).unwrap_or("");
    validate::network_name(name)?;
    list.insert("bytes".into(), json!(text));
    Ok(json!({ "list": list }))
}

/// `ConfFromBytes` then `ConfListFromConf`: the list takes the plugin's `name` and
/// `cniVersion` and nothing else (so `disableCheck` in a single config has no effect).
fn parse_conf(doc: &Value) -> Result<Map<String, Value>, EngineError> {
    let conf = plugin_conf::check(doc).map_err(|reason| invalid(CONF, reason))?;
    let version = doc.as_object().and_then(|m| field(m, "cniVersion")).and_then(Value::as_str);
    let version = version.unwrap_or("");
    let wrapper = json!({ "name": conf.name, "cniVersion": version, "plugins": [doc] });
    parse_list(&wrapper)
}

/// libcni's `NetworkConfFromBytes`.
fn parse_list(doc: &Value) -> Result<Map<String, Value>, EngineError> {
    let empty = Map::new();
    let raw = match doc {
        Value::Object(m) => m,
        Value::Null => &empty,
        other => {
            return Err(EngineError::new(
                code::DECODING_FAILURE,
                format!(
                    "{}json: cannot unmarshal {} into Go value of type map[string]interface {{}}",
                    LIST,
                    json_kind(other)
                ),
            ))
        }
    };
    let name = match raw.get("name") {
        None => return Err(invalid(LIST, "no name".into())),
        Some(Value::String(s)) => s.clone(),
        Some(other) => return Err(invalid(LIST, format!("invalid name type {}", go_type(other)))),
    };
    let mut cni_version = match raw.get("cniVersion") {
        None => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(other) => {
            return Err(invalid(LIST, format!("invalid cniVersion type {}", go_type(other))))
        }
    };
    if let Some(raw_versions) = raw.get("cniVersions") {
        cni_version = select_version(raw_versions, &cni_version)?;
    }
    let disable_check = read_bool(raw, "disableCheck")?;
    let disable_gc = read_bool(raw, "disableGC")?;
    let inline_only = read_bool(raw, "loadOnlyInlinedPlugins")?;
    let plugins = match raw.get("plugins") {
        None if inline_only => {
            return Err(invalid(
                LIST,
                "`loadOnlyInlinedPlugins` is true, and no 'plugins' key".into(),
            ))
        }
        None => Vec::new(),
        Some(Value::Array(items)) if items.is_empty() => {
            return Err(invalid(LIST, "no plugins in list".into()))
        }
        Some(Value::Array(items)) => items.clone(),
        Some(other) => {
            return Err(invalid(LIST, format!("invalid 'plugins' type {}", go_type(other))))
        }
    };
    for (i, plugin) in plugins.iter().enumerate() {
        plugin_conf::check(plugin).map_err(|reason| {
            invalid("", format!("failed to parse plugin config {}: {}{}", i, CONF, reason))
        })?;
    }
    let mut list = Map::new();
    list.insert("name".into(), json!(name));
    list.insert("cniVersion".into(), json!(cni_version));
    list.insert("disableCheck".into(), json!(disable_check));
    list.insert("disableGC".into(), json!(disable_gc));
    list.insert("loadOnlyInlinedPlugins".into(), json!(inline_only));
    list.insert("plugins".into(), Value::Array(plugins));
    Ok(list)
}

/// Rule 3: the highest of `cniVersion` and `cniVersions` that is not newer than 1.1.0;
/// `cniVersion` unchanged when none qualifies.
fn select_version(raw_versions: &Value, cni_version: &str) -> Result<String, EngineError> {
    let items = match raw_versions {
        Value::Array(items) => items,
        other => {
            return Err(invalid(LIST, format!("invalid type for cniVersions: {}", go_type(other))))
        }
    };
    let mut candidates: Vec<(String, (i64, i64, i64))> = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let v = item.as_str().ok_or_else(|| {
            invalid(LIST, format!("invalid type for cniVersions index {}: {}", i, go_type(item)))
        })?;
        let parsed = version::parse(v).map_err(|e| {
            invalid(LIST, format!("invalid cniVersions entry {} at index {}: {}", v, i, e.msg))
        })?;
        if parsed <= version::parse(version::CURRENT)? {
            candidates.push((v.to_string(), parsed));
        }
    }
    if !cni_version.is_empty() {
        let parsed = version::parse(cni_version)
            .map_err(|e| invalid(LIST, format!("invalid cniVersion {}: {}", cni_version, e.msg)))?;
        if parsed <= version::parse(version::CURRENT)? {
            candidates.push((cni_version.to_string(), parsed));
        }
    }
    Ok(candidates
        .into_iter()
        .max_by(|a, b| a.1.cmp(&b.1))
        .map_or_else(|| cni_version.to_string(), |(v, _)| v))
}

/// libcni's `readBool`: a boolean, or the string `true`/`false` in any case.
fn read_bool(raw: &Map<String, Value>, key: &str) -> Result<bool, EngineError> {
    match raw.get(key) {
        None => Ok(false),
        Some(Value::Bool(b)) => Ok(*b),
        Some(Value::String(s)) => match s.to_lowercase().as_str() {
            "true" => Ok(true),
            "false" => Ok(false),
            lower => Err(invalid(LIST, format!("invalid value {} for {}", quote(lower), key))),
        },
        Some(other) => Err(invalid(LIST, format!("invalid type {} for {}", go_type(other), key))),
    }
}
