//! The installer's (Multus thin_entrypoint's) generated config: `00-multus.conf` for CNI
//! versions below 1.0.0 and a `00-multus.conflist` wrapper from 1.0.0 on, laid out
//! exactly as thin_entrypoint's templates lay it out, with the primary config as the one
//! delegate.

use super::primary::{capabilities, Keep};
use crate::cni::input::{bad_input, json_kind, object, opt_str, req_str};
use crate::cni::{gofmt::quote, gojson, version};
use crate::error::{code, EngineError};
use serde_json::{json, Value};

const DEFAULT_NAME: &str = "multus-cni-network";

fn invalid(msg: String) -> EngineError {
    EngineError::new(code::INVALID_NETWORK_CONFIG, msg)
}

fn opt_bool(input: &Value, key: &str, default: bool) -> Result<bool, EngineError> {
    match input.get(key) {
        None | Some(Value::Null) => Ok(default),
        Some(Value::Bool(b)) => Ok(*b),
        Some(other) => Err(bad_input(key, "a boolean", other)),
    }
}

/// A JSON string's body (no quotes) without Go's HTML escaping: what `%q` and the
/// template's bare `{{ . }}` give for ordinary strings, but always valid JSON.
fn body(s: &str) -> String {
    let quoted = serde_json::to_string(s).unwrap_or_default();
    quoted[1..quoted.len().saturating_sub(1)].to_string()
}

/// `thin_conf_generate`. Input `{"primary": {"path", "text"}, "options": {cniVersion?,
/// kubeconfig, namespaceIsolation?, globalNamespaces?, logToStderr? (default true),
/// logLevel?, logFile?, binDir?, confDir?, readinessindicatorfile?,
/// overrideNetworkName?, forceCniVersion?}}`. Answers `{"fileName", "text"}`.
///
/// Unlike thin_entrypoint, the Multus conf dir is written as `confDir` (the key the
/// plugin reads), not `cniConf`.
pub fn generate(input: &Value) -> Result<Value, EngineError> {
    object(input, "thin_conf_generate")?;
    let primary = input.get("primary").unwrap_or(&Value::Null);
    let path = req_str(primary, "path")?;
    let text = req_str(primary, "text")?;
    let opts = input.get("options").unwrap_or(&Value::Null);
    object(opts, "options")?;
    let wanted = opt_str(opts, "cniVersion")?.unwrap_or("");
    let kubeconfig = req_str(opts, "kubeconfig")?;
    let doc: Value = serde_json::from_str(text).map_err(|e| {
        EngineError::new(
            code::DECODING_FAILURE,
            format!("cannot read master CNI config json: {}", e),
        )
    })?;
    let mut master = match doc {
        Value::Object(m) => m,
        other => {
            return Err(EngineError::new(
                code::DECODING_FAILURE,
                format!(
                    "cannot read master CNI config json: json: cannot unmarshal {} into Go value of type map[string]interface {{}}",
                    json_kind(&other)
                ),
            ))
        }
    };
    let in_file = format!("in master CNI config file {}", quote(path));
    let master_version = master
        .get("cniVersion")
        .ok_or_else(|| invalid(format!("cannot get cniVersion {}", in_file)))?
        .clone();
    let cni_version = if opt_bool(opts, "forceCniVersion", false)? {
        if wanted.is_empty() {
            return Err(invalid(
                "cannot force the CNI version of the master CNI config: no cniVersion given".into(),
            ));
        }
        master.insert("cniVersion".into(), json!(wanted));
        wanted.to_string()
    } else {
        let master_version = master_version.as_str().ok_or_else(|| {
            invalid(format!("cniVersion {} is not a string: {}", in_file, master_version))
        })?;
        if !wanted.is_empty() && master_version != wanted {
            return Err(invalid(format!(
                "Multus cni version is {} while master plugin cni version is {}",
                quote(wanted),
                quote(master_version)
            )));
        }
        master_version.to_string()
    };
    let name = if opt_bool(opts, "overrideNetworkName", false)? {
        match master.get("name") {
            Some(Value::String(s)) => s.clone(),
            Some(other) => {
                return Err(invalid(format!("name {} is not a string: {}", in_file, other)))
            }
            None => return Err(invalid(format!("cannot get name {}", in_file))),
        }
    } else {
        DEFAULT_NAME.to_string()
    };
    let caps = capabilities(&master, Keep::All, false).map_err(invalid)?;
    let mut lines = String::new();
    let mut line = |key: &str, raw: String| {
        lines.push_str("\n        \"");
        lines.push_str(key);
        lines.push_str("\": ");
        lines.push_str(&raw);
        lines.push(',');
    };
    if !caps.is_empty() {
        line("capabilities", gojson::marshal(&Value::Object(caps)));
    }
    if opt_bool(opts, "namespaceIsolation", false)? {
        line("namespaceIsolation", "true".into());
    }
    let quoted = |s: &str| format!("\"{}\"", body(s));
    if let Some(g) = opt_str(opts, "globalNamespaces")?.filter(|s| !s.is_empty()) {
        line("globalNamespaces", quoted(g));
    }
    if !opt_bool(opts, "logToStderr", true)? {
        line("logToStderr", "false".into());
    }
    let level = opt_str(opts, "logLevel")?.unwrap_or("");
    match level.to_lowercase().as_str() {
        "" => {}
        l @ ("debug" | "error" | "panic" | "verbose") => line("logLevel", quoted(l)),
        _ => {
            return Err(invalid(format!(
                "Log levels should be one of: debug/verbose/error/panic, did not understand: {}",
                quote(level)
            )))
        }
    }
    for (key, json_key) in [
        ("logFile", "logFile"),
        ("binDir", "binDir"),
        ("confDir", "confDir"),
        ("readinessindicatorfile", "readinessindicatorfile"),
    ] {
        if let Some(v) = opt_str(opts, key)?.filter(|s| !s.is_empty()) {
            line(json_key, quoted(v));
        }
    }
    let delegate = gojson::marshal(&Value::Object(master));
    let conflist = version::gte(&cni_version, "1.0.0").unwrap_or(false);
    let (file_name, text) = if conflist {
        let text = format!(
            "{{\n    \"cniVersion\": \"{}\",\n    \"name\": \"{}\",\n    \"plugins\": [ {{\n        \"type\": \"multus\",{}\n        \"kubeconfig\": \"{}\",\n        \"delegates\": [\n            {}\n        ]\n    }}]\n}}\n",
            body(&cni_version), body(&name), lines, body(kubeconfig), delegate
        );
        ("00-multus.conflist", text)
    } else {
        let text = format!(
            "{{\n        \"cniVersion\": \"{}\",\n        \"name\": \"{}\",\n        \"type\": \"multus\",{}\n        \"kubeconfig\": \"{}\",\n        \"delegates\": [\n                {}\n        ]\n}}\n",
            body(&cni_version), body(&name), lines, body(kubeconfig), delegate
        );
        ("00-multus.conf", text)
    };
    Ok(json!({ "fileName": file_name, "text": text }))
}
