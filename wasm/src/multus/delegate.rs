//! Delegate configs (`LoadDelegateNetConf`): conf or conflist, deviceID and cni-args
//! injection, element requests.

use super::parse::decode::decode;
use super::parse::go_unmarshal;
use super::parse::schema::{NET_CONF_LIST, PLUGIN_CONF};
use crate::cni::gofmt::quote;
use crate::cni::gojson;
use crate::cni::input::{object, opt_obj, opt_str, quote_value, req_str};
use crate::error::{code, EngineError};
use serde_json::{json, Map, Value};

const LOAD: &str = "LoadDelegateNetConf: ";
const LIST: &str = "LoadDelegateNetConf: failed with: LoadDelegateNetConfList: ";
const ARGS: &str = "LoadDelegateNetConf(): failed to add cni-args in NetConfList bytes: ";

/// `delegate_load`. Input `{"configText", "element"?: NetworkSelection, "deviceID"?,
/// "resourceName"?}`; answers `{"delegate": DelegateConf}`. Errors are code 7 with
/// Multus's messages; a plugin `type` that is not a plain file name is refused too.
pub fn delegate_load(input: &Value) -> Result<Value, EngineError> {
    object(input, "delegate_load")?;
    let text = req_str(input, "configText")?;
    let element = opt_obj(input, "element")?;
    let device_id = opt_str(input, "deviceID")?.unwrap_or("");
    let resource_name = opt_str(input, "resourceName")?.unwrap_or("");
    let delegate = load(text, element, device_id, resource_name)
        .map_err(|msg| EngineError::new(code::INVALID_NETWORK_CONFIG, msg))?;
    Ok(json!({ "delegate": delegate }))
}

/// Multus's `LoadDelegateNetConf(bytes, element, deviceID, resourceName)` as a
/// `DelegateConf` object, or the error message.
pub(crate) fn load(
    text: &str,
    element: Option<&Map<String, Value>>,
    device_id: &str,
    resource_name: &str,
) -> Result<Map<String, Value>, String> {
    let unmarshal = |e: String| format!("{}error unmarshalling delegate config: {}", LOAD, e);
    let mut doc = go_unmarshal(text).map_err(unmarshal)?;
    let conf = decode(&doc, &PLUGIN_CONF);
    if let Some(p) = conf.go_error() {
        return Err(unmarshal(p.go.clone()));
    }
    let conf_type = str_of(&conf.value, "type");
    let is_list = conf_type.is_empty();
    let (conf_name, first_type) = if is_list {
        let list = decode(&doc, &NET_CONF_LIST);
        if let Some(p) = list.go_error() {
            return Err(format!("{}error unmarshalling delegate conflist: {}", LIST, p.go));
        }
        let plugins = match list.value.get("plugins") {
            Some(Value::Array(items)) => items.clone(),
            _ => return Err(format!("{}delegate must have the 'type' or 'plugin' field", LIST)),
        };
        let first = match plugins.first() {
            None => return Err(format!("{}the 'plugins' list is empty", LIST)),
            Some(p) => str_of(p, "type"),
        };
        if first.is_empty() {
            return Err(format!("{}a plugin delegate must have the 'type' field", LIST));
        }
        for (i, plugin) in plugins.iter().enumerate() {
            check_type(&str_of(plugin, "type"), Some(i))?;
        }
        (str_of(&list.value, "name"), first)
    } else {
        check_type(&conf_type, None)?;
        (str_of(&conf.value, "name"), conf_type)
    };

    let mut injected = false;
    if !device_id.is_empty() {
        for target in targets(&mut doc, is_list, "addDeviceIDInConfList: ")
            .map_err(|e| format!("{}failed to add deviceID in NetConfList bytes: {}", LOAD, e))?
        {
            target.insert("deviceID".into(), json!(device_id));
            target.insert("pciBusID".into(), json!(device_id));
        }
        injected = true;
    }
    if let Some(Value::Object(cni_args)) = element.and_then(|e| e.get("cniArgs")) {
        let found = targets(&mut doc, is_list, "addCNIArgsInConfList(): ")
            .map_err(|e| format!("{}{}", ARGS, e))?;
        for target in found {
            inject_cni_args(target, cni_args)?;
        }
        injected = true;
    }

    let mut out = Map::new();
    let mut name = conf_name.clone();
    if let Some(Value::String(n)) = element.and_then(|e| e.get("name")) {
        if !n.is_empty() {
            let ns = element.and_then(|e| e.get("namespace")).and_then(Value::as_str);
            name = format!("{}/{}", ns.unwrap_or(""), n);
        }
    }
    out.insert("name".into(), json!(name));
    out.insert("confName".into(), json!(conf_name));
    out.insert("type".into(), json!(first_type));
    out.insert("isConflist".into(), json!(is_list));
    let bytes = if injected { gojson::marshal(&doc) } else { text.to_string() };
    out.insert("bytes".into(), json!(bytes));
    if let Some(e) = element {
        copy_requests(e, &mut out, device_id.is_empty());
    }
    if !device_id.is_empty() {
        out.insert("deviceID".into(), json!(device_id));
        out.insert("resourceName".into(), json!(resource_name));
    }
    Ok(out)
}

fn str_of(v: &Value, key: &str) -> String {
    v.get(key).and_then(Value::as_str).unwrap_or("").to_string()
}

/// Ours: a plugin type names a binary in the CNI bin directories, so it must be a plain
/// file name (libcni's `FindInPath` would otherwise follow a path).
fn check_type(t: &str, plugin: Option<usize>) -> Result<(), String> {
    if !t.is_empty() && !t.contains(['/', '\0']) && t != "." && t != ".." {
        return Ok(());
    }
    let which = plugin.map_or(String::new(), |i| format!(" of plugin {}", i));
    Err(format!(
        "{}invalid plugin type {}{}: a type is the file name of a plugin binary in the CNI bin directories, never a path",
        LOAD,
        quote(t),
        which
    ))
}

/// The objects to inject into: the config itself, or every plugin of a conflist (found
/// under the exact key `plugins`, as Multus looks it up).
fn targets<'a>(
    doc: &'a mut Value,
    is_list: bool,
    prefix: &str,
) -> Result<Vec<&'a mut Map<String, Value>>, String> {
    let obj = match doc {
        Value::Object(m) => m,
        _ => return Err(format!("{}failed to unmarshal inBytes: not an object", prefix)),
    };
    if !is_list {
        return Ok(vec![obj]);
    }
    let plugins = match obj.get_mut("plugins") {
        None => return Err(format!("{}unable to get plugin list", prefix)),
        Some(Value::Array(items)) => items,
        Some(_) => return Err(format!("{}unable to typecast plugin list", prefix)),
    };
    let mut out = Vec::new();
    for (i, plugin) in plugins.iter_mut().enumerate() {
        match plugin {
            Value::Object(m) => out.push(m),
            _ => return Err(format!("{}unable to typecast plugin #{}", prefix, i)),
        }
    }
    Ok(out)
}

/// Multus's `injectCNIArgs`: merge into `args.cni`, creating what is missing.
fn inject_cni_args(
    conf: &mut Map<String, Value>,
    cni_args: &Map<String, Value>,
) -> Result<(), String> {
    let args = conf.entry("args").or_insert(Value::Null);
    if args.is_null() {
        *args = json!({});
    }
    let args = match args {
        Value::Object(m) => m,
        other => {
            return Err(format!(
                "{}\"args\" in the delegate config must be an object to take cni-args, got {}",
                ARGS,
                quote_value(other)
            ))
        }
    };
    let cni = args.entry("cni").or_insert(Value::Null);
    if cni.is_null() {
        *cni = json!({});
    }
    match cni {
        Value::Object(m) => {
            for (k, v) in cni_args {
                m.insert(k.clone(), v.clone());
            }
            Ok(())
        }
        other => Err(format!(
            "{}\"args.cni\" in the delegate config must be an object to take cni-args, got {}",
            ARGS,
            quote_value(other)
        )),
    }
}

/// Copies an element's requests onto the delegate (`ifnameRequest`, `macRequest`, ...).
fn copy_requests(e: &Map<String, Value>, out: &mut Map<String, Value>, take_device_id: bool) {
    let non_empty = |key: &str| match e.get(key) {
        Some(Value::String(s)) if !s.is_empty() => Some(Value::String(s.clone())),
        _ => None,
    };
    let present = |key: &str| e.get(key).filter(|v| !v.is_null()).cloned();
    let copies = [
        ("ifnameRequest", non_empty("interface")),
        ("macRequest", non_empty("mac")),
        ("ipRequest", present("ips")),
        ("infinibandGUIDRequest", non_empty("infinibandGuid")),
        ("portMappingsRequest", present("portMappings")),
        ("bandwidthRequest", present("bandwidth")),
        ("gatewayRequest", present("defaultRoute")),
        ("deviceID", if take_device_id { non_empty("deviceID") } else { None }),
    ];
    for (key, value) in copies {
        if let Some(v) = value {
            out.insert(key.into(), v);
        }
    }
}
