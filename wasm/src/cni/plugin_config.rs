//! libcni's `buildOneConfig`: the stdin a plugin of a list receives for one command, and
//! the `plugin_config` operation.

use crate::cni::convert::{convert, parse_plugin_output};
use crate::cni::input::{bad_input, object, opt_array, opt_obj, req_str};
use crate::cni::{gojson, plugin_conf, version};
use crate::error::{code, EngineError};
use serde_json::{json, Map, Value};

/// What a plugin's config is built for, besides the plugin object itself.
pub struct Request<'a> {
    /// The list's name.
    pub name: &'a str,
    /// The list's (selected) version.
    pub cni_version: &'a str,
    /// ADD, DEL, CHECK, GC or STATUS.
    pub command: &'a str,
    /// The result to hand on as `prevResult` (converted to `cni_version`).
    pub prev_result: Option<&'a Value>,
    /// The runtime's capability arguments.
    pub capability_args: Option<&'a Map<String, Value>>,
    /// GC's valid attachments (`[]` when not given).
    pub valid_attachments: Option<&'a Vec<Value>>,
}

/// The plugin's `type` and its config text for `req`.
pub fn build(plugin: &Value, req: &Request) -> Result<(String, String), EngineError> {
    let conf = plugin_conf::check(plugin).map_err(|reason| {
        EngineError::new(
            code::INVALID_NETWORK_CONFIG,
            format!("error parsing configuration: {}", reason),
        )
    })?;
    let mut config = plugin.as_object().cloned().unwrap_or_default();
    config.insert("name".into(), json!(req.name));
    config.insert("cniVersion".into(), json!(req.cni_version));
    match req.command {
        "ADD" | "DEL" | "CHECK" => {
            let wants_prev = req.command != "DEL" || version::gte(req.cni_version, "0.4.0")?;
            if let (Some(prev), true) = (req.prev_result, wants_prev) {
                let result = parse_plugin_output(prev, req.cni_version)?;
                config.insert("prevResult".into(), convert(result, req.cni_version)?.to_value());
            }
            let mut runtime = Map::new();
            if let Some(args) = req.capability_args {
                for (cap, declared) in &conf.capabilities {
                    if let (true, Some(value)) = (*declared, args.get(cap)) {
                        runtime.insert(cap.clone(), value.clone());
                    }
                }
            }
            if !runtime.is_empty() {
                config.insert("runtimeConfig".into(), Value::Object(runtime));
            }
        }
        "GC" => {
            let attachments = gc_attachments(req.valid_attachments)?;
            config.insert("cni.dev/valid-attachments".into(), attachments.clone());
            config.insert("cni.dev/attachments".into(), attachments);
        }
        "STATUS" => {}
        other => return Err(bad_input("command", "ADD, DEL, CHECK, GC or STATUS", &json!(other))),
    }
    Ok((conf.plugin_type, gojson::marshal(&Value::Object(config))))
}

/// `[{containerID, ifname}]` as libcni marshals `[]types.GCAttachment`.
fn gc_attachments(list: Option<&Vec<Value>>) -> Result<Value, EngineError> {
    let mut out = Vec::new();
    for item in list.map(Vec::as_slice).unwrap_or(&[]) {
        let get = |key: &str| match item.get(key) {
            None | Some(Value::Null) => Ok(String::new()),
            Some(Value::String(s)) => Ok(s.clone()),
            Some(other) => Err(bad_input(key, "a string", other)),
        };
        if !item.is_object() {
            return Err(bad_input("validAttachments", "an array of {containerID, ifname}", item));
        }
        out.push(json!({ "containerID": get("containerID")?, "ifname": get("ifname")? }));
    }
    Ok(Value::Array(out))
}

/// `plugin_config`. Input `{"plugin", "name", "cniVersion", "command", "prevResult"?,
/// "capabilityArgs"?, "validAttachments"?}`; answers `{"config": "<json text>"}`.
///
/// `name` and `cniVersion` are injected; for ADD/DEL/CHECK `prevResult` (converted to
/// `cniVersion`; never on DEL below 0.4.0) and `runtimeConfig` (capabilities the plugin
/// declares `true` that `capabilityArgs` supplies; omitted when empty); for GC both
/// `cni.dev/valid-attachments` and `cni.dev/attachments`. Keys come out sorted at every
/// level, as Go writes a map.
pub fn plugin_config(input: &Value) -> Result<Value, EngineError> {
    object(input, "plugin_config")?;
    let plugin = input.get("plugin").unwrap_or(&Value::Null);
    let req = Request {
        name: req_str(input, "name")?,
        cni_version: req_str(input, "cniVersion")?,
        command: req_str(input, "command")?,
        prev_result: input.get("prevResult").filter(|v| !v.is_null()),
        capability_args: opt_obj(input, "capabilityArgs")?,
        valid_attachments: opt_array(input, "validAttachments")?,
    };
    let (_, config) = build(plugin, &req)?;
    Ok(json!({ "config": config }))
}
