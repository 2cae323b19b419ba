//! The thick daemon's config (`daemon-config.json`, Multus's `ControllerNetConf` and
//! `MultusConf` read from the same file): every default, the derived values, the
//! semantic checks, and the overlay that the daemon applies to each incoming CNI config.

mod duration;
pub(crate) mod fields;
pub(crate) mod paths;

use crate::cni::input::{json_kind, object, req_str};
use crate::error::{code, EngineError};
use fields::Fields;
use serde_json::{json, Map, Value};

/// The default `socketDir` (Multus `DefaultMultusRunDir`).
pub const DEFAULT_SOCKET_DIR: &str = "/run/multus/";
/// The default `cniConfigDir`, where `00-multus.conf` is written.
pub const DEFAULT_CNI_CONFIG_DIR: &str = "/etc/cni/net.d";
/// The default `perNodeCertificate.certDuration`.
const DEFAULT_CERT_DURATION: &str = "10m";
/// Requests allowed to wait for a slot. A waiting request costs a few KiB (its body and a
/// promise); what `connectionLimit` bounds, delegates running, is the expensive part. So
/// the bound is generous: a node-reboot burst of hundreds of pods queues instead of failing.
const DEFAULT_MAX_QUEUED: i64 = 1024;
/// How long the daemon waits for its own `/readyz` (Multus `WaitUntilAPIReady`: 60 s).
const DEFAULT_READYZ_TIMEOUT_SECONDS: f64 = 60.0;
/// The largest request body the daemon reads (1 MiB; a shim's request is a few KB).
const DEFAULT_MAX_REQUEST_BYTES: i64 = 1024 * 1024;
/// Time a connection has to deliver one whole request.
const DEFAULT_REQUEST_TIMEOUT_SECONDS: f64 = 10.0;
/// Connections open at once beyond the requests running and queued.
const SPARE_CONNECTIONS: i64 = 64;
/// The key the daemon strips from incoming configs in auto mode.
const READINESS_KEY: &str = "readinessindicatorfile";

/// Go's prefix for every problem with the daemon config file's contents.
pub(crate) const UNMARSHAL: &str = "failed to unmarshall the daemon configuration: ";

/// `daemon_conf_parse`. Input `{"text"}`: the daemon config file's contents. Answers
/// `{"conf"}` with every default applied and `socketPath`, `autoConfig`, `overlay`
/// (the keys laid over each incoming CNI config), `dropKeys` (keys removed from it
/// first) and `warnings` (problems Multus only logs).
///
/// Errors: code 6 when the text is not JSON or not an object; code 7 listing every
/// mistyped value and every semantic problem (`connection limit must be greater than 0,
/// got 0`, `failed to configure PerNodeCertificate: …`, `failed to parse certDuration:
/// …`), `msg` the first, `details` all of them when there are several.
pub fn daemon_conf_parse(input: &Value) -> Result<Value, EngineError> {
    object(input, "daemon_conf_parse")?;
    let text = req_str(input, "text")?;
    let doc: Value = serde_json::from_str(text)
        .map_err(|e| EngineError::new(code::DECODING_FAILURE, format!("{}{}", UNMARSHAL, e)))?;
    let empty = Map::new();
    let raw = match &doc {
        Value::Object(m) => m,
        Value::Null => &empty,
        other => {
            return Err(EngineError::new(
                code::DECODING_FAILURE,
                format!(
                    "{}json: cannot unmarshal {} into Go value of type server.ControllerNetConf",
                    UNMARSHAL,
                    json_kind(other)
                ),
            ))
        }
    };
    let mut problems = Vec::new();
    let mut warnings = Vec::new();
    let mut conf = Map::new();
    read_server(raw, &mut conf, &mut problems, &mut warnings);
    read_multus(raw, &mut conf, &mut problems, &mut warnings);
    read_ours(raw, &mut conf, &mut problems);
    if let Some(first) = problems.first() {
        let mut err = EngineError::new(code::INVALID_NETWORK_CONFIG, first.clone());
        if problems.len() > 1 {
            err = err.with_details(problems.join("; "));
        }
        return Err(err);
    }
    let auto = conf.get("autoConfig") == Some(&Value::Bool(true));
    let mut overlay = raw.clone();
    let mut drop_keys = Vec::new();
    if auto {
        overlay.remove(READINESS_KEY);
        drop_keys.push(READINESS_KEY);
    }
    conf.insert("overlay".into(), Value::Object(overlay));
    conf.insert("dropKeys".into(), json!(drop_keys));
    conf.insert("warnings".into(), json!(warnings));
    Ok(json!({ "conf": conf }))
}

/// Collects `f`'s type errors into `problems` with Go's prefix.
fn take_errors(f: Fields, problems: &mut Vec<String>) {
    problems.extend(f.errors.into_iter().map(|e| format!("{}{}", UNMARSHAL, e)));
}

/// The keys of Multus's `ControllerNetConf` (`pkg/server/types.go`).
fn read_server(
    raw: &Map<String, Value>,
    conf: &mut Map<String, Value>,
    problems: &mut Vec<String>,
    warnings: &mut Vec<String>,
) {
    let mut f = Fields::new(raw, "ControllerNetConf");
    let socket_dir = f.string("socketDir", DEFAULT_SOCKET_DIR);
    let connection_limit = f.int("connectionLimit");
    let metrics_port = f.int("metricsPort");
    let log_level = f.string("logLevel", "");
    conf.insert("chrootDir".into(), json!(f.string("chrootDir", "")));
    conf.insert("socketPath".into(), json!(paths::join(&[&socket_dir, "multus.sock"])));
    conf.insert("socketDir".into(), json!(socket_dir));
    conf.insert("metricsPort".into(), json!(metrics_port));
    conf.insert("enablePprof".into(), json!(f.boolean("enablePprof", false)));
    conf.insert("connectionLimit".into(), json!(connection_limit));
    conf.insert("logFile".into(), json!(f.string("logFile", "")));
    conf.insert("logToStderr".into(), json!(f.boolean("logToStderr", false)));
    let cert = f.object("perNodeCertificate", "server.PerNodeCertificate");
    let mut cert_fields = cert.map(|m| Fields::new(m, "PerNodeCertificate"));
    let cert_conf = cert_fields.as_mut().map(|cf| per_node_certificate(cf, problems));
    conf.insert("perNodeCertificate".into(), cert_conf.unwrap_or(Value::Null));
    take_errors(f, problems);
    if let Some(cf) = cert_fields {
        take_errors(cf, problems);
    }
    if let Some(limit) = connection_limit.filter(|l| *l <= 0) {
        problems.push(format!("connection limit must be greater than 0, got {}", limit));
    }
    if let Some(port) = metrics_port.filter(|p| !(0..=65535).contains(p)) {
        problems.push(format!("metricsPort must be between 0 and 65535, got {}", port));
    }
    let known = ["debug", "verbose", "error", "panic"];
    if !log_level.is_empty() && !known.contains(&log_level.to_lowercase().as_str()) {
        warnings.push(format!("multus logging: cannot set logging level to {}", log_level));
    }
    conf.insert("logLevel".into(), json!(log_level));
}

/// `perNodeCertificate` with its default duration and Multus's checks (made only when
/// it is enabled, as Multus does).
fn per_node_certificate(f: &mut Fields, problems: &mut Vec<String>) -> Value {
    let enabled = f.boolean("enabled", false);
    let bootstrap = f.string("bootstrapKubeconfig", "");
    let cert_dir = f.string("certDir", "");
    let mut duration = f.string("certDuration", "");
    if duration.is_empty() {
        duration = DEFAULT_CERT_DURATION.into();
    }
    let parsed = duration::parse_duration(&duration);
    if enabled {
        if bootstrap.is_empty() || cert_dir.is_empty() {
            problems.push(format!(
                "failed to configure PerNodeCertificate: enabled: {}, BootstrapKubeconfig: {}, CertDir: {}",
                enabled,
                crate::cni::gofmt::quote(&bootstrap),
                crate::cni::gofmt::quote(&cert_dir)
            ));
        }
        match &parsed {
            Err(e) => problems.push(format!("failed to parse certDuration: {}", e)),
            Ok(ns) if *ns <= 0 => problems.push(format!(
                "certDuration must be positive, got {}",
                crate::cni::gofmt::quote(&duration)
            )),
            Ok(_) => {}
        }
    }
    let seconds = parsed.ok().filter(|ns| *ns > 0).map(|ns| ns as f64 / 1e9);
    json!({
        "enabled": enabled,
        "bootstrapKubeconfig": bootstrap,
        "certDir": cert_dir,
        "certDuration": duration,
        "certDurationSeconds": seconds,
    })
}

/// The `MultusConf` keys the daemon itself uses; the rest are type-checked here and used
/// by `multus_conf_generate` and the overlay.
fn read_multus(
    raw: &Map<String, Value>,
    conf: &mut Map<String, Value>,
    problems: &mut Vec<String>,
    warnings: &mut Vec<String>,
) {
    let mut f = Fields::new(raw, "MultusConf");
    let cni_version = f.string("cniVersion", "");
    let config_file = f.string("multusConfigFile", "auto");
    let cni_config_dir = f.string("cniConfigDir", DEFAULT_CNI_CONFIG_DIR);
    // Ours: Multus fails (exit 2) without it; the directory the file is written to is
    // where the primary usually sits (thin_entrypoint's default uses one dir for both).
    let mut autoconfig_dir = f.string("multusAutoconfigDir", "");
    if autoconfig_dir.is_empty() {
        autoconfig_dir = cni_config_dir.clone();
    }
    let auto = config_file == "auto";
    conf.insert("logOptions".into(), log_options(&mut f));
    conf.insert("cniVersion".into(), json!(cni_version));
    conf.insert("multusConfigFile".into(), json!(config_file));
    conf.insert("autoConfig".into(), json!(auto));
    conf.insert("cniConfigDir".into(), json!(cni_config_dir));
    conf.insert("multusAutoconfigDir".into(), json!(autoconfig_dir));
    conf.insert("multusMasterCNI".into(), json!(f.string("multusMasterCNI", "")));
    conf.insert("forceCNIVersion".into(), json!(f.boolean("forceCNIVersion", false)));
    conf.insert("overrideNetworkName".into(), json!(f.boolean("overrideNetworkName", false)));
    conf.insert(READINESS_KEY.into(), json!(f.string(READINESS_KEY, "")));
    for key in [
        "binDir",
        "name",
        "clusterNetwork",
        "globalNamespaces",
        "type",
        "cniDir",
        "auxiliaryCNIChainName",
        "daemonSocketDir",
    ] {
        f.string(key, "");
    }
    f.boolean("namespaceIsolation", false);
    f.bool_map("capabilities");
    // Ours, carried into the generated config for the shim.
    let shim_ready = f.number("daemonReadyTimeoutSeconds");
    take_errors(f, problems);
    if let Some(n) = shim_ready.filter(|n| *n <= 0.0) {
        problems.push(format!("daemonReadyTimeoutSeconds must be greater than 0, got {}", n));
    }
    if auto && cni_version.is_empty() {
        warnings.push(
            "the CNI version is a mandatory parameter when the '-multus-config-file=auto' option is used"
                .into(),
        );
    }
    if config_file.is_empty() {
        problems.push(
            "multusConfigFile is empty: set it to \"auto\" or to the path of a CNI config file to copy".into(),
        );
    }
}

/// `logOptions` (`logging.LogOptions`): only the keys that are set, `null` when absent.
fn log_options(f: &mut Fields) -> Value {
    let opts = match f.object("logOptions", "logging.LogOptions") {
        Some(m) => m,
        None => return Value::Null,
    };
    let mut inner = Fields::new(opts, "LogOptions");
    let mut out = Map::new();
    for key in ["maxAge", "maxSize", "maxBackups"] {
        if let Some(n) = inner.int(key) {
            out.insert(key.into(), json!(n));
        }
    }
    if inner.get("compress").is_some() {
        out.insert("compress".into(), json!(inner.boolean("compress", false)));
    }
    f.errors.extend(inner.errors);
    Value::Object(out)
}

/// This implementation's own keys.
fn read_ours(raw: &Map<String, Value>, conf: &mut Map<String, Value>, problems: &mut Vec<String>) {
    let mut f = Fields::new(raw, "DaemonConf");
    let limit = conf.get("connectionLimit").and_then(Value::as_i64).filter(|l| *l > 0);
    let queued = f.int("maxQueuedRequests").unwrap_or_else(|| {
        limit.map_or(DEFAULT_MAX_QUEUED, |l| l.saturating_mul(16).max(DEFAULT_MAX_QUEUED))
    });
    let readyz = f.number("readyzTimeoutSeconds").unwrap_or(DEFAULT_READYZ_TIMEOUT_SECONDS);
    let max_bytes = f.int("maxRequestBytes").unwrap_or(DEFAULT_MAX_REQUEST_BYTES);
    let request_timeout =
        f.number("requestTimeoutSeconds").unwrap_or(DEFAULT_REQUEST_TIMEOUT_SECONDS);
    let connections = f.int("maxConnections").unwrap_or_else(|| {
        queued.max(0).saturating_add(limit.unwrap_or(0)).saturating_add(SPARE_CONNECTIONS)
    });
    conf.insert("kubeconfig".into(), json!(f.string("kubeconfig", "")));
    conf.insert("nodeName".into(), json!(f.string("nodeName", "")));
    conf.insert("maxQueuedRequests".into(), json!(queued));
    conf.insert("readyzTimeoutSeconds".into(), number(readyz));
    conf.insert("maxRequestBytes".into(), json!(max_bytes));
    conf.insert("requestTimeoutSeconds".into(), number(request_timeout));
    conf.insert("maxConnections".into(), json!(connections));
    conf.insert("cleanupOnExit".into(), json!(f.boolean("cleanupOnExit", false)));
    conf.insert("dynamicNetworks".into(), json!(f.boolean("dynamicNetworks", false)));
    take_errors(f, problems);
    if queued < 0 {
        problems.push(format!("maxQueuedRequests must be 0 or greater, got {}", queued));
    }
    if readyz <= 0.0 {
        problems.push(format!("readyzTimeoutSeconds must be greater than 0, got {}", readyz));
    }
    if max_bytes < 1 {
        problems.push(format!("maxRequestBytes must be greater than 0, got {}", max_bytes));
    }
    if request_timeout <= 0.0 {
        problems
            .push(format!("requestTimeoutSeconds must be greater than 0, got {}", request_timeout));
    }
    if connections < 1 {
        problems.push(format!("maxConnections must be greater than 0, got {}", connections));
    }
}

/// `n` as JSON: an integer when it is one (`60`, not `60.0`).
fn number(n: f64) -> Value {
    if n.fract() == 0.0 && n.abs() < 9.0e15 {
        json!(n as i64)
    } else {
        json!(n)
    }
}
