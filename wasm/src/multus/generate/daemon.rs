//! The thick daemon's `00-multus.conf` (Multus `pkg/server/config`: `ParseMultusConfig`,
//! `CheckVersionCompatibility`, `setCapabilities`, `overrideNetworkName`, `Generate`).

use super::primary::{capabilities, Keep};
use super::semver;
use crate::cni::gofmt::go_v;
use crate::cni::gojson;
use crate::cni::input::{json_kind, object, opt_str, req_str};
use crate::error::{code, EngineError};
use crate::multus::daemon_conf::fields::Fields;
use crate::multus::daemon_conf::{paths, DEFAULT_CNI_CONFIG_DIR, UNMARSHAL};
use serde_json::{json, Map, Value};

/// The generated file's name.
const FILE_NAME: &str = "00-multus.conf";
const DEFAULT_NAME: &str = "multus-cni-network";
const DEFAULT_TYPE: &str = "multus-shim";
const LOAD: &str = "failed to load the primary CNI configuration as a multus delegate with error";

fn invalid(msg: String) -> EngineError {
    EngineError::new(code::INVALID_NETWORK_CONFIG, msg)
}

/// The `MultusConf` values the generator keeps, read from the daemon config.
struct Daemon {
    strings: Vec<(&'static str, String)>,
    capabilities: Map<String, Value>,
    log_to_stderr: bool,
    log_options: Option<String>,
    namespace_isolation: bool,
    force_version: bool,
    override_name: bool,
    cni_config_dir: String,
    autoconfig_dir: String,
    /// Ours: the shim's bound on waiting for `/readyz` (a positive number, as written).
    shim_ready_timeout: Option<Value>,
}

impl Daemon {
    fn get(&self, key: &str) -> &str {
        self.strings.iter().find(|(k, _)| *k == key).map_or("", |(_, v)| v.as_str())
    }
}

fn read_daemon(raw: &Map<String, Value>) -> Result<Daemon, EngineError> {
    let mut f = Fields::new(raw, "MultusConf");
    let mut strings = Vec::new();
    for key in [
        "binDir",
        "cniVersion",
        "logFile",
        "logLevel",
        "globalNamespaces",
        "cniDir",
        "auxiliaryCNIChainName",
        "daemonSocketDir",
    ] {
        let value = f.string(key, "");
        strings.push((key, value));
    }
    let kind = f.string("type", DEFAULT_TYPE);
    strings.push(("type", if kind.is_empty() { DEFAULT_TYPE.into() } else { kind }));
    let log_options = f.object("logOptions", "logging.LogOptions").map(|m| {
        let mut inner = Fields::new(m, "LogOptions");
        let mut parts: Vec<(&str, String)> = Vec::new();
        for key in ["maxAge", "maxSize", "maxBackups"] {
            if let Some(n) = inner.int(key) {
                parts.push((key, n.to_string()));
            }
        }
        if inner.get("compress").is_some() {
            parts.push(("compress", inner.boolean("compress", false).to_string()));
        }
        f.errors.extend(inner.errors);
        struct_text(&parts)
    });
    let daemon = Daemon {
        capabilities: f.bool_map("capabilities").unwrap_or_default(),
        log_to_stderr: f.boolean("logToStderr", false),
        namespace_isolation: f.boolean("namespaceIsolation", false),
        force_version: f.boolean("forceCNIVersion", false),
        override_name: f.boolean("overrideNetworkName", false),
        cni_config_dir: f.string("cniConfigDir", DEFAULT_CNI_CONFIG_DIR),
        autoconfig_dir: f.string("multusAutoconfigDir", ""),
        shim_ready_timeout: f
            .number("daemonReadyTimeoutSeconds")
            .filter(|n| *n > 0.0)
            .and_then(|_| f.get("daemonReadyTimeoutSeconds").cloned()),
        strings,
        log_options,
    };
    if let Some(first) = f.errors.first() {
        let mut err = invalid(format!("{}{}", UNMARSHAL, first));
        if f.errors.len() > 1 {
            let all: Vec<String> = f.errors.iter().map(|e| format!("{}{}", UNMARSHAL, e)).collect();
            err = err.with_details(all.join("; "));
        }
        return Err(err);
    }
    Ok(daemon)
}

/// `multus_conf_generate`. Input `{"daemon": <daemon config object>, "primary": {"path",
/// "text"}, "autoconfigDir"?}` (`autoconfigDir` defaults to the daemon's
/// `multusAutoconfigDir`). Answers `{"text", "name", "capabilities", "clusterNetwork",
/// "cniVersion", "primaryRewrite"?}`; `primaryRewrite` is the primary's new text when
/// `forceCNIVersion` has to change its `cniVersion` (Multus rewrites the file).
pub fn generate(input: &Value) -> Result<Value, EngineError> {
    object(input, "multus_conf_generate")?;
    let raw = match input.get("daemon") {
        Some(Value::Object(m)) => m,
        other => {
            return Err(crate::cni::input::bad_input(
                "daemon",
                "an object",
                other.unwrap_or(&Value::Null),
            ))
        }
    };
    let primary = input.get("primary").unwrap_or(&Value::Null);
    let path = req_str(primary, "path")?;
    let text = req_str(primary, "text")?;
    let daemon = read_daemon(raw)?;
    let mut dir = opt_str(input, "autoconfigDir")?.unwrap_or(&daemon.autoconfig_dir).to_string();
    if dir.is_empty() {
        dir = daemon.cni_config_dir.clone();
    }
    let cluster_network = paths::clean(path);
    for conf_dir in [dir.as_str(), daemon.cni_config_dir.as_str()] {
        if !conf_dir.is_empty() && cluster_network == paths::join(&[conf_dir, FILE_NAME]) {
            return Err(invalid(format!(
                "cannot specify {}/{} to prevent recursive config load",
                conf_dir, FILE_NAME
            )));
        }
    }
    let top_version = daemon.get("cniVersion").to_string();
    let parsed: Result<Value, String> = serde_json::from_str(text).map_err(|e| e.to_string());
    let mut rewrite = None;
    let doc = if daemon.force_version {
        let mut doc = match parsed {
            Ok(Value::Object(m)) => m,
            Ok(other) => {
                return Err(invalid(format!(
                    "failed to unmarshall cni config {}: json: cannot unmarshal {} into Go value of type map[string]interface {{}}",
                    path,
                    json_kind(&other)
                )))
            }
            Err(e) => {
                return Err(EngineError::new(
                    code::DECODING_FAILURE,
                    format!("failed to unmarshall cni config {}: {}", path, e),
                ))
            }
        };
        if doc.get("cniVersion") != Some(&json!(top_version)) {
            doc.insert("cniVersion".into(), json!(top_version));
            rewrite = Some(gojson::marshal(&Value::Object(doc.clone())));
        }
        Value::Object(doc)
    } else {
        parsed.map_err(|e| {
            invalid(format!(
                "{} 'failed to access the primary CNI configuration from {}: failed to unmarshall primary CNI config: {}'",
                LOAD, path, e
            ))
        })?
    };
    let wrap = |reason: String| invalid(format!("{} '{}'", LOAD, reason));
    check_version_compatibility(&top_version, &doc).map_err(wrap)?;
    let obj =
        doc.as_object().ok_or_else(|| wrap("couldn't get cni config from delegate".into()))?;
    let mut caps = daemon.capabilities.clone();
    caps.extend(capabilities(obj, Keep::Enabled, true).map_err(wrap)?);
    let name = if daemon.override_name { primary_name(obj)? } else { DEFAULT_NAME.to_string() };
    let text = marshal(&daemon, &caps, &name, &cluster_network);
    let mut sorted: Vec<(String, Value)> = caps.into_iter().collect();
    sorted.sort_by(|a, b| a.0.cmp(&b.0));
    let mut out = json!({
        "text": text,
        "name": name,
        "capabilities": sorted.into_iter().collect::<Map<String, Value>>(),
        "clusterNetwork": cluster_network,
        "cniVersion": top_version,
    });
    if let Some(rewrite) = rewrite {
        out["primaryRewrite"] = json!(rewrite);
    }
    Ok(out)
}

/// Multus's `CheckVersionCompatibility`: a top-level version of 0.4.0 or later (CHECK
/// exists) needs a primary of 0.4.0 or later.
fn check_version_compatibility(top: &str, doc: &Value) -> Result<(), String> {
    let v040 = semver::SemVer::release(0, 4, 0);
    let multus =
        semver::parse(top).map_err(|_| "couldn't get top level cni version".to_string())?;
    if multus.lt_release(&v040) {
        return Ok(());
    }
    let delegate = doc
        .get("cniVersion")
        .and_then(Value::as_str)
        .ok_or_else(|| "couldn't get cni version of delegate".to_string())?;
    if semver::parse(delegate)?.lt_release(&v040) {
        return Err(format!(
            "delegate cni version is {} while top level cni version is {}",
            delegate, top
        ));
    }
    Ok(())
}

/// Multus's `overrideNetworkName`: the primary's `name`.
fn primary_name(doc: &Map<String, Value>) -> Result<String, EngineError> {
    const PREFIX: &str = "could not override the network name: ";
    match doc.get("name") {
        Some(Value::String(s)) if !s.is_empty() => Ok(s.clone()),
        Some(Value::String(_)) => Err(invalid(format!(
            "{}the primary CNI Configuration does not feature the network name: {}",
            PREFIX,
            go_v(&Value::Object(doc.clone()))
        ))),
        _ => Err(invalid(format!("{}failed to access delegate CNI plugin name", PREFIX))),
    }
}

/// `json.Marshal(MultusConf)` (plus our `daemonReadyTimeoutSeconds`) after `Generate` cleared `cniConfigDir`,
/// `multusConfigFile`, `multusAutoconfigDir`, `multusMasterCNI`, `forceCNIVersion` and
/// `readinessindicatorfile`: struct field order, `omitempty` except `cniVersion`,
/// `name` and `type`.
fn marshal(d: &Daemon, caps: &Map<String, Value>, name: &str, cluster_network: &str) -> String {
    let mut parts: Vec<(&str, String)> = Vec::new();
    let text = |v: &str| gojson::marshal(&json!(v));
    let string = |parts: &mut Vec<(&str, String)>, key: &'static str, value: &str, always| {
        if always || !value.is_empty() {
            parts.push((key, text(value)));
        }
    };
    string(&mut parts, "binDir", d.get("binDir"), false);
    if !caps.is_empty() {
        parts.push(("capabilities", gojson::marshal(&Value::Object(caps.clone()))));
    }
    string(&mut parts, "cniVersion", d.get("cniVersion"), true);
    string(&mut parts, "logFile", d.get("logFile"), false);
    string(&mut parts, "logLevel", d.get("logLevel"), false);
    if d.log_to_stderr {
        parts.push(("logToStderr", "true".into()));
    }
    if let Some(opts) = &d.log_options {
        parts.push(("logOptions", opts.clone()));
    }
    string(&mut parts, "name", name, true);
    string(&mut parts, "clusterNetwork", cluster_network, false);
    if d.namespace_isolation {
        parts.push(("namespaceIsolation", "true".into()));
    }
    string(&mut parts, "globalNamespaces", d.get("globalNamespaces"), false);
    string(&mut parts, "type", d.get("type"), true);
    string(&mut parts, "cniDir", d.get("cniDir"), false);
    string(&mut parts, "auxiliaryCNIChainName", d.get("auxiliaryCNIChainName"), false);
    string(&mut parts, "daemonSocketDir", d.get("daemonSocketDir"), false);
    if d.override_name {
        parts.push(("overrideNetworkName", "true".into()));
    }
    // Not a Multus key (its shim always waits 60 s): ours, last, only when set.
    if let Some(v) = &d.shim_ready_timeout {
        parts.push(("daemonReadyTimeoutSeconds", gojson::marshal(v)));
    }
    struct_text(&parts)
}

/// A Go struct's JSON text from its fields' already-marshalled values, in order.
pub(crate) fn struct_text(parts: &[(&str, String)]) -> String {
    let fields: Vec<String> =
        parts.iter().map(|(k, v)| format!("{}:{}", gojson::marshal(&json!(k)), v)).collect();
    format!("{{{}}}", fields.join(","))
}
