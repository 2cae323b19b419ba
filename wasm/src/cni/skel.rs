//! What the plugin skel (`pkg/skel`) decides about a non-VERSION invocation before it
//! calls the plugin's callback: environment validation, the stdin config, version
//! negotiation and the per-command version floors.

use crate::cni::gofmt::{quote, quote_list};
use crate::cni::input::{bad_input, field, json_kind, object, opt_str_list, req_str};
use crate::cni::{validate, version};
use crate::error::{code, EngineError};
use serde_json::{json, Value};

/// `skel_check`. Input `{"command", "stdin", "containerId", "ifName",
/// "supportedVersions"?}`; answers `{"cniVersion", "config"}` with the config's version
/// (`"0.1.0"` when absent) and the parsed stdin object.
///
/// The order is the skel's: container ID and interface name (ADD, CHECK, DEL), then the
/// stdin config and its name, then the command, then the version checks.
pub fn skel_check(input: &Value) -> Result<Value, EngineError> {
    object(input, "skel_check")?;
    let command = req_str(input, "command")?;
    let stdin = req_str(input, "stdin")?;
    let supported = opt_str_list(input, "supportedVersions")?
        .unwrap_or_else(|| version::SUPPORTED.iter().map(|s| s.to_string()).collect());
    if command == "VERSION" {
        return Err(bad_input("command", "a command other than VERSION", &json!(command)));
    }
    if matches!(command, "ADD" | "CHECK" | "DEL") {
        validate::container_id(req_str(input, "containerId")?)?;
        validate::interface_name(req_str(input, "ifName")?)?;
    }
    let config = read_config(stdin)?;
    let floor = match command {
        "ADD" | "DEL" => None,
        "CHECK" => Some("0.4.0"),
        "GC" | "STATUS" => Some("1.1.0"),
        other => {
            return Err(EngineError::new(
                code::INVALID_ENV,
                format!("unknown CNI_COMMAND: {}", other),
            ))
        }
    };
    let config_version = decode_version(&config)?;
    if let Some(floor) = floor {
        if !version::gte(&config_version, floor)? {
            return Err(EngineError::new(
                code::INCOMPATIBLE_VERSION,
                format!("config version does not allow {}", command),
            ));
        }
        let mut plugin_can = false;
        for v in &supported {
            if version::gte(v, &config_version)? {
                plugin_can = true;
                break;
            }
        }
        if !plugin_can {
            return Err(EngineError::new(
                code::INCOMPATIBLE_VERSION,
                format!("plugin version does not allow {}", command),
            ));
        }
    }
    if !supported.contains(&config_version) {
        return Err(EngineError::new(code::INCOMPATIBLE_VERSION, "incompatible CNI versions")
            .with_details(format!(
                "config is {}, plugin supports {}",
                quote(&config_version),
                quote_list(&supported)
            )));
    }
    Ok(json!({ "cniVersion": config_version, "config": config }))
}

/// The skel's `validateConfig`: stdin must decode into `{name string}` and the name must
/// be a valid network name. Returns the stdin object (`{}` for a `null` stdin).
fn read_config(stdin: &str) -> Result<Value, EngineError> {
    let unmarshal = |reason: String| {
        EngineError::new(
            code::DECODING_FAILURE,
            format!("error unmarshall network config: {}", reason),
        )
    };
    let config: Value = serde_json::from_str(stdin).map_err(|e| unmarshal(e.to_string()))?;
    let config = match config {
        Value::Null => json!({}),
        Value::Object(_) => config,
        other => {
            return Err(unmarshal(format!(
                "cannot unmarshal {} into a network config object",
                json_kind(&other)
            )))
        }
    };
    let name = match config.as_object().and_then(|m| field(m, "name")) {
        None | Some(Value::Null) => "",
        Some(Value::String(s)) => s.as_str(),
        Some(other) => {
            return Err(unmarshal(format!(
                "cannot unmarshal {} into the string field \"name\"",
                json_kind(other)
            )))
        }
    };
    if name.is_empty() {
        return Err(EngineError::new(code::INVALID_NETWORK_CONFIG, "missing network name"));
    }
    validate::network_name(name)?;
    Ok(config)
}

/// libcni's `DecodeVersion` of a config object: `cniVersion`, `"0.1.0"` when absent or
/// empty; a non-string value is a decoding failure (code 6).
pub fn decode_version(config: &Value) -> Result<String, EngineError> {
    let found = config.as_object().and_then(|m| field(m, "cniVersion"));
    match found {
        None | Some(Value::Null) => Ok("0.1.0".to_string()),
        Some(Value::String(s)) if s.is_empty() => Ok("0.1.0".to_string()),
        Some(Value::String(s)) => Ok(s.clone()),
        Some(other) => Err(EngineError::new(
            code::DECODING_FAILURE,
            format!(
                "decoding version from network config: cannot unmarshal {} into the string field \"cniVersion\"",
                json_kind(other)
            ),
        )),
    }
}
