//! NAD → CNI config (nad-client `GetCNIConfig`) and config files in a directory
//! (`GetCNIConfigFromFile`).

use super::parse::decode::decode;
use super::parse::go_unmarshal;
use super::parse::libcni;
use super::parse::schema::RAW_MAP;
use crate::cni::gojson;
use crate::cni::input::{bad_input, object, opt_str, req_str};
use crate::error::{code, EngineError};
use serde_json::{json, Value};

/// The NAD annotation naming the device resource.
pub const RESOURCE_NAME: &str = "k8s.v1.cni.cncf.io/resourceName";

fn invalid(msg: String) -> EngineError {
    EngineError::new(code::INVALID_NETWORK_CONFIG, msg)
}

/// `nad_config`. Input `{"nad": NetworkAttachmentDefinition}`; answers `{"configText",
/// "resourceName"?}` for a NAD with a `spec.config` (its `name` filled in from the NAD
/// when missing or empty, as nad-client does), or `{"fromFile": true, "nadName",
/// "resourceName"?}` when the spec is empty and the config must come from `confDir`.
pub fn nad_config(input: &Value) -> Result<Value, EngineError> {
    object(input, "nad_config")?;
    let nad = input.get("nad").unwrap_or(&Value::Null);
    object(nad, "nad")?;
    let meta = nad.get("metadata").unwrap_or(&Value::Null);
    let nad_name = opt_str(meta, "name")?.unwrap_or("");
    let resource = match meta.get("annotations").and_then(|a| a.get(RESOURCE_NAME)) {
        None => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(other) => return Err(bad_input(RESOURCE_NAME, "a string", other)),
    };
    let config = opt_str(nad.get("spec").unwrap_or(&Value::Null), "config")?.unwrap_or("");
    let mut out = if config.is_empty() {
        json!({ "fromFile": true, "nadName": nad_name })
    } else {
        json!({ "configText": spec_config(config, nad_name).map_err(invalid)? })
    };
    if let Some(r) = resource {
        out["resourceName"] = json!(r);
    }
    Ok(out)
}

/// nad-client `GetCNIConfigFromSpec`, wrapped as `GetCNIConfig` wraps it.
fn spec_config(config: &str, nad_name: &str) -> Result<String, String> {
    let fail = |e: String| {
        format!("GetCNIConfig: err in getCNIConfigFromSpec: failed to unmarshal Spec.Config: {}", e)
    };
    let mut doc = go_unmarshal(config).map_err(fail)?;
    if let Some(p) = decode(&doc, &RAW_MAP).go_error() {
        return Err(fail(p.go.clone()));
    }
    let m = match &mut doc {
        Value::Object(m) => m,
        // `null` decodes to a nil map, which nad-client then writes to (and panics).
        _ => return Err(fail("the config is null, not an object".into())),
    };
    match m.get("name") {
        Some(Value::String(n)) if !n.is_empty() => Ok(config.to_string()),
        Some(v) if !v.is_string() => Ok(config.to_string()),
        _ => {
            m.insert("name".into(), json!(nad_name));
            Ok(gojson::marshal(&doc))
        }
    }
}

/// Go's `filepath.Join(dir, name)` for a base name (and `Clean` of the result).
fn join(dir: &str, name: &str) -> String {
    if name.starts_with('/') {
        return name.to_string();
    }
    let mut parts: Vec<&str> = Vec::new();
    for part in dir.split('/').chain(name.split('/')) {
        match part {
            "" | "." => {}
            ".." if parts.last().map_or(false, |p| *p != "..") => {
                parts.pop();
            }
            ".." if dir.starts_with('/') => {}
            p => parts.push(p),
        }
    }
    let joined = parts.join("/");
    if dir.starts_with('/') {
        format!("/{}", joined)
    } else if joined.is_empty() {
        ".".into()
    } else {
        joined
    }
}

/// `filepath.Ext`: the suffix from the last `.` of the base name.
fn ext(name: &str) -> &str {
    let base = name.rsplit('/').next().unwrap_or(name);
    base.rfind('.').map_or("", |i| &base[i..])
}

/// `conf_file_lookup`. Input `{"name", "dir", "files": [{"name", "text"}], "mode"?}`;
/// answers `{"file", "configText"}`. `dir` mode is nad-client's `GetCNIConfigFromFile`
/// (`.conf`, `.json` and `.conflist` files in lexical order, the first whose CNI `name`
/// matches, every file before it parsed); `file` mode is Multus's single-file load of a
/// `.conf` (the only file given). The caller adds `GetCNIConfig: err in
/// GetCNIConfigFromFile: ` where nad-client does.
pub fn conf_file_lookup(input: &Value) -> Result<Value, EngineError> {
    object(input, "conf_file_lookup")?;
    let name = req_str(input, "name")?;
    let dir = req_str(input, "dir")?;
    let mut files = Vec::new();
    for f in input.get("files").and_then(Value::as_array).into_iter().flatten() {
        files.push((req_str(f, "name")?.to_string(), req_str(f, "text")?.to_string()));
    }
    match opt_str(input, "mode")?.unwrap_or("dir") {
        "dir" => lookup_dir(name, dir, files),
        "file" => {
            let (file, text) = files
                .into_iter()
                .next()
                .ok_or_else(|| bad_input("files", "one file in file mode", &json!([])))?;
            let path = join(dir, &file);
            let plugin = libcni::plugin_text(&text)
                .map_err(|e| invalid(format!("error loading CNI config file {}: {}", path, e)))?;
            if plugin.plugin_type.is_empty() {
                return Err(invalid(format!(
                    "error loading CNI config file {}: no 'type'; perhaps this is supposed to be a .conflist?",
                    path
                )));
            }
            Ok(json!({ "file": path, "configText": text }))
        }
        other => Err(bad_input("mode", "\"dir\" or \"file\"", &json!(other))),
    }
}

fn lookup_dir(name: &str, dir: &str, files: Vec<(String, String)>) -> Result<Value, EngineError> {
    let mut files: Vec<(String, String)> = files
        .into_iter()
        .filter(|(f, _)| matches!(ext(f), ".conf" | ".json" | ".conflist"))
        .map(|(f, text)| (join(dir, &f), text))
        .collect();
    files.sort_by(|a, b| a.0.cmp(&b.0));
    if files.is_empty() {
        return Err(invalid(format!("No networks found in {}", dir)));
    }
    for (path, text) in files {
        if path.ends_with(".conflist") {
            let list = libcni::conf_list(&text)
                .map_err(|e| invalid(format!("Error loading CNI conflist file {}: {}", path, e)))?;
            // libcni would append `<dir>/<name>/*.conf`; a list that has no inline
            // plugins is refused here (its bytes would not carry those plugins anyway).
            if list.plugins.is_empty() {
                return Err(invalid(format!(
                    "Error loading CNI conflist file {}: no plugin configs found",
                    path
                )));
            }
            if list.name == name || name.is_empty() {
                return Ok(json!({ "file": path, "configText": text }));
            }
        } else {
            let plugin = libcni::plugin_text(&text)
                .map_err(|e| invalid(format!("Error loading CNI config file {}: {}", path, e)))?;
            let matches = plugin.name == name || name.is_empty();
            if plugin.plugin_type.is_empty() {
                let reason = if matches {
                    "no 'type'; perhaps this is a .conflist?"
                } else {
                    "error parsing configuration: missing 'type'"
                };
                return Err(invalid(format!("Error loading CNI config file {}: {}", path, reason)));
            }
            if matches {
                return Ok(json!({ "file": path, "configText": text }));
            }
        }
    }
    Err(invalid(format!("no network available in the name {} in cni dir {}", name, dir)))
}
