//! libcni's subdirectory chaining and the auxiliary chain (Multus
//! `loadSubdirectoryChain`, `losslessConfListBytes`).

use super::parse::libcni;
use super::parse::raw::{compact, members};
use crate::cni::gojson;
use crate::cni::input::{bad_input, object, opt_obj, req_str};
use crate::error::{code, EngineError};
use serde_json::{json, Value};

fn invalid(msg: String) -> EngineError {
    EngineError::new(code::INVALID_NETWORK_CONFIG, msg)
}

/// libcni's `^[a-zA-Z0-9][a-zA-Z0-9_.-]*$` for a list name used as a directory.
fn valid_name(name: &str) -> bool {
    let mut bytes = name.bytes();
    bytes.next().map_or(false, |b| b.is_ascii_alphanumeric())
        && bytes.all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'.' || b == b'-')
}

/// The auxiliary chain's conflist: a `passthru` plugin named `passthru-cni`.
fn aux_chain(aux: &serde_json::Map<String, Value>) -> Result<String, EngineError> {
    let version = req_str(&Value::Object(aux.clone()), "cniVersion")?.to_string();
    let name = req_str(&Value::Object(aux.clone()), "name")?.to_string();
    Ok(format!(
        "{{\"cniVersion\":{},\"name\":{},\"plugins\":[{{\"type\":\"passthru\",\"name\":\"passthru-cni\"}}]}}",
        json!(version),
        json!(name)
    ))
}

/// `conflist_chain`. Input `{"text"?, "auxChain"?: {"cniVersion", "name"},
/// "extraPlugins": [{"name", "text"}]}` where `extraPlugins` are the `.conf` files of
/// `<dir>/<list name>/`; answers `{"configText", "name", "pluginCount"}`. Unless the
/// list sets `loadOnlyInlinedPlugins`, the list name must be usable as a directory name
/// and each file's plugin is appended. The text is Multus's lossless conflist: the list's
/// own keys as written (sorted, compacted, as Go re-marshals a raw map) with `plugins`
/// rebuilt from each plugin's JSON.
pub fn conflist_chain(input: &Value) -> Result<Value, EngineError> {
    object(input, "conflist_chain")?;
    let text = match (input.get("text").and_then(Value::as_str), opt_obj(input, "auxChain")?) {
        (Some(t), _) => t.to_string(),
        (None, Some(aux)) => aux_chain(aux)?,
        (None, None) => return Err(bad_input("text", "a string (or auxChain)", &Value::Null)),
    };
    let mut extra = Vec::new();
    for f in input.get("extraPlugins").and_then(Value::as_array).into_iter().flatten() {
        extra.push((req_str(f, "name")?.to_string(), req_str(f, "text")?.to_string()));
    }
    let list = libcni::conf_list(&text)
        .map_err(|e| invalid(format!("error loading network config from bytes: {}", e)))?;
    // Inline plugins: libcni keeps each as Go re-marshals it.
    let mut plugins: Vec<String> = list.plugins.iter().map(gojson::marshal).collect();
    if !list.inline_only {
        if !valid_name(&list.name) {
            return Err(invalid(format!("invalid network config name: {}", list.name)));
        }
        extra.retain(|(name, _)| name.ends_with(".conf"));
        extra.sort_by(|a, b| a.0.cmp(&b.0));
        for (name, text) in extra {
            libcni::plugin_conf(&text)
                .map_err(|e| invalid(format!("error loading plugin configs: {}: {}", name, e)))?;
            plugins.push(text);
        }
    }
    if plugins.is_empty() {
        return Err(invalid("no plugin configs found".into()));
    }
    let mut fields: Vec<(String, String)> = Vec::new();
    for (k, v) in members(&text) {
        fields.retain(|(key, _)| *key != k);
        fields.push((k, v));
    }
    fields.retain(|(k, _)| k != "plugins");
    let joined: Vec<String> = plugins.iter().map(|p| compact(p)).collect();
    fields.push(("plugins".into(), format!("[{}]", joined.join(","))));
    fields.sort_by(|a, b| a.0.cmp(&b.0));
    let body: Vec<String> = fields
        .iter()
        .map(|(k, v)| format!("{}:{}", gojson::marshal(&json!(k)), compact(v)))
        .collect();
    Ok(json!({
        "configText": format!("{{{}}}", body.join(",")),
        "name": list.name,
        "pluginCount": plugins.len(),
    }))
}
