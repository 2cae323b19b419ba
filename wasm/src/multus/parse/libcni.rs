//! libcni v1.3.0's config readers with Go's messages: `NetworkPluginConfFromBytes`
//! (a `.conf` file or a plugin of a list) and `NetworkConfFromBytes` (a conflist).

use super::decode::decode;
use super::go_unmarshal;
use super::schema::{PLUGIN_CONF, RAW_MAP};
use crate::cni::gofmt::quote;
use crate::cni::gojson;
use crate::cni::input::go_type;
use crate::cni::version;
use serde_json::{Map, Value};

/// What libcni reads from a plugin config.
pub struct Plugin {
    /// `name` ("" when absent).
    pub name: String,
    /// `type` ("" when absent).
    pub plugin_type: String,
}

/// A conflist as `NetworkConfFromBytes` returns it.
pub struct ConfList {
    /// The list's `name`.
    pub name: String,
    /// `loadOnlyInlinedPlugins`.
    pub inline_only: bool,
    /// The inline plugins' objects, as written.
    pub plugins: Vec<Value>,
}

const CONF: &str = "error parsing configuration: ";
const LIST: &str = "error parsing configuration list: ";

fn field_str(m: &Value, key: &str) -> String {
    m.get(key).and_then(Value::as_str).unwrap_or("").to_string()
}

/// Decodes `v` as a `types.PluginConf`; the error is Go's, without libcni's prefix.
/// `type` is not checked: callers word a missing `type` their own way.
pub fn plugin_value(v: &Value) -> Result<Plugin, String> {
    let decoded = decode(v, &PLUGIN_CONF);
    if let Some(p) = decoded.go_error() {
        return Err(p.go.clone());
    }
    Ok(Plugin {
        name: field_str(&decoded.value, "name"),
        plugin_type: field_str(&decoded.value, "type"),
    })
}

/// `NetworkPluginConfFromBytes` without its `type` check: the error carries libcni's
/// prefix `error parsing configuration: `.
pub fn plugin_text(text: &str) -> Result<Plugin, String> {
    let v = go_unmarshal(text).map_err(|e| format!("{}{}", CONF, e))?;
    plugin_value(&v).map_err(|e| format!("{}{}", CONF, e))
}

/// `NetworkPluginConfFromBytes`: [`plugin_text`] plus `error parsing configuration:
/// missing 'type'`.
pub fn plugin_conf(text: &str) -> Result<Plugin, String> {
    let p = plugin_text(text)?;
    if p.plugin_type.is_empty() {
        return Err(format!("{}missing 'type'", CONF));
    }
    Ok(p)
}

/// `NetworkConfFromBytes`: a conflist with libcni's checks and messages.
pub fn conf_list(text: &str) -> Result<ConfList, String> {
    let doc = go_unmarshal(text).map_err(|e| format!("{}{}", LIST, e))?;
    if let Some(p) = decode(&doc, &RAW_MAP).go_error() {
        return Err(format!("{}{}", LIST, p.go));
    }
    let empty = Map::new();
    let raw = doc.as_object().unwrap_or(&empty);
    let name = match raw.get("name") {
        None => return Err(format!("{}no name", LIST)),
        Some(Value::String(s)) => s.clone(),
        Some(other) => return Err(format!("{}invalid name type {}", LIST, go_type(other))),
    };
    let cni_version = match raw.get("cniVersion") {
        None => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(other) => return Err(format!("{}invalid cniVersion type {}", LIST, go_type(other))),
    };
    if let Some(versions) = raw.get("cniVersions") {
        check_versions(versions, &cni_version)?;
    }
    read_bool(raw, "disableCheck")?;
    read_bool(raw, "disableGC")?;
    let inline_only = read_bool(raw, "loadOnlyInlinedPlugins")?;
    let plugins = match raw.get("plugins") {
        None if inline_only => {
            return Err(format!("{}`loadOnlyInlinedPlugins` is true, and no 'plugins' key", LIST))
        }
        None => Vec::new(),
        Some(Value::Array(items)) if items.is_empty() => {
            return Err(format!("{}no plugins in list", LIST))
        }
        Some(Value::Array(items)) => items.clone(),
        Some(other) => return Err(format!("{}invalid 'plugins' type {}", LIST, go_type(other))),
    };
    for (i, plugin) in plugins.iter().enumerate() {
        // libcni re-marshals each plugin and parses it as a plugin config.
        plugin_conf(&gojson::marshal(plugin))
            .map_err(|e| format!("failed to parse plugin config {}: {}", i, e))?;
    }
    Ok(ConfList { name, inline_only, plugins })
}

/// The checks libcni makes while picking a version from `cniVersions`.
fn check_versions(raw: &Value, cni_version: &str) -> Result<(), String> {
    let items = match raw {
        Value::Array(items) => items,
        // libcni prints the type of its failed type assertion, always this.
        _ => return Err(format!("{}invalid type for cniVersions: []interface {{}}", LIST)),
    };
    for (i, item) in items.iter().enumerate() {
        let v = match item {
            Value::String(s) => s,
            other => {
                return Err(format!(
                    "{}invalid type for cniVersions index {}: {}",
                    LIST,
                    i,
                    go_type(other)
                ))
            }
        };
        version::parse(v).map_err(|e| {
            format!("{}invalid cniVersions entry {} at index {}: {}", LIST, v, i, e.msg)
        })?;
    }
    if !cni_version.is_empty() {
        version::parse(cni_version)
            .map_err(|e| format!("{}invalid cniVersion {}: {}", LIST, cni_version, e.msg))?;
    }
    Ok(())
}

/// libcni's `readBool`: a boolean, or `"true"`/`"false"` in any case.
fn read_bool(raw: &Map<String, Value>, key: &str) -> Result<bool, String> {
    match raw.get(key) {
        None => Ok(false),
        Some(Value::Bool(b)) => Ok(*b),
        Some(Value::String(s)) => match s.to_lowercase().as_str() {
            "true" => Ok(true),
            "false" => Ok(false),
            lower => Err(format!("{}invalid value {} for {}", LIST, quote(lower), key)),
        },
        Some(other) => Err(format!("{}invalid type {} for {}", LIST, go_type(other), key)),
    }
}
