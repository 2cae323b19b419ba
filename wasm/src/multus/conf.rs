//! The Multus CNI config (`LoadNetConf`): defaults, validation, overlay.

use super::delegate;
use super::parse::decode::{decode, join_key};
use super::parse::go_unmarshal;
use super::parse::schema::MULTUS_NET_CONF;
use crate::cni::convert::convert;
use crate::cni::gofmt::quote;
use crate::cni::input::{object, opt_obj, opt_str_list, req_str};
use crate::cni::result_decode::decode as decode_result;
use crate::error::{code, EngineError};
use serde_json::{json, Map, Value};

const PREFIX: &str = "LoadNetConf: ";

/// One problem: its JSON path, Multus's wording (for `msg`) and plain words (for
/// `details`).
struct Problem {
    path: String,
    go: String,
    human: String,
}

/// `multus_conf_parse`. Input `{"text", "overlay"?: {..}, "dropKeys"?: [..]}`; answers
/// `{"conf": MultusConf}`. Every problem is reported at once: code 7, `msg` Multus's
/// wording of the first (in `LoadNetConf`'s order), `details` one line per problem,
/// each starting with the JSON path it is about.
pub fn multus_conf_parse(input: &Value) -> Result<Value, EngineError> {
    object(input, "multus_conf_parse")?;
    let text = req_str(input, "text")?;
    let overlay = opt_obj(input, "overlay")?;
    let drop_keys = opt_str_list(input, "dropKeys")?.unwrap_or_default();
    let mut doc = go_unmarshal(text).map_err(|e| {
        let msg = format!("{}failed to load netconf: {}", PREFIX, e);
        EngineError::new(code::INVALID_NETWORK_CONFIG, msg).with_details(format!("$: {}", e))
    })?;
    if doc.is_null() && overlay.is_some() {
        // `null` decodes to no keys; the overlay then supplies them.
        doc = json!({});
    }
    if let Value::Object(m) = &mut doc {
        for (k, v) in overlay.into_iter().flatten() {
            m.insert(k.clone(), v.clone());
        }
        for k in &drop_keys {
            m.remove(k);
        }
    }

    let decoded = decode(&doc, &MULTUS_NET_CONF);
    // Go stops at the first decoding problem; the message is about that one.
    let go_first =
        decoded.go_error().map(|p| format!("{}failed to load netconf: {}", PREFIX, p.go));
    let mut problems: Vec<Problem> = decoded
        .problems
        .iter()
        // Their Go wording is `go_first` (only the first one is Go's message).
        .map(|p| Problem { path: p.path.clone(), go: String::new(), human: p.human.clone() })
        .collect();
    let c = match &decoded.value {
        Value::Object(m) => m.clone(),
        _ => Map::new(),
    };
    let s = |key: &str| c.get(key).and_then(Value::as_str).unwrap_or("").to_string();
    let cni_version = s("cniVersion");
    let raw = doc.as_object().cloned().unwrap_or_default();
    // Whether the value at `path` (or inside it) had a decoding problem: such values are
    // left at their defaults, so later checks skip them rather than report them twice.
    let problem_at = |path: &str| {
        decoded.problems.iter().any(|p| {
            p.path == path
                || p.path.starts_with(&format!("{}[", path))
                || p.path.starts_with(&format!("{}.", path))
        })
    };

    let prev = c.get("prevResult").filter(|_| !problem_at(&key_path(&raw, "cniVersion")));
    if let Some(Value::Object(prev)) = prev {
        let version = if cni_version.is_empty() { "0.1.0" } else { cni_version.as_str() };
        let parsed = decode_result(version, &Value::Object(prev.clone()));
        let failure = match parsed {
            Err(e) => Some(format!("could not parse prevResult: {}", e.msg)),
            Ok(r) => convert(r, "1.0.0")
                .err()
                .map(|e| format!("could not convert result to current version: {}", e.msg)),
        };
        if let Some(reason) = failure {
            let path = key_path(&raw, "prevResult");
            problems.push(Problem { path, go: format!("{}{}", PREFIX, reason), human: reason });
        }
    }

    let delegates = match c.get("delegates") {
        Some(Value::Array(items)) => items.clone(),
        _ => Vec::new(),
    };
    let cluster_network = s("clusterNetwork");
    let root_broken = decoded.problems.iter().any(|p| p.path == "$");
    let delegates_path = key_path(&raw, "delegates");
    if delegates.is_empty()
        && cluster_network.is_empty()
        && !root_broken
        && !problem_at(&delegates_path)
        && !problem_at(&key_path(&raw, "clusterNetwork"))
    {
        let reason = "at least one delegate/clusterNetwork must be specified";
        problems.push(Problem {
            path: "$".into(),
            go: format!("{}{}", PREFIX, reason),
            human: reason.into(),
        });
    }

    let mut loaded = Vec::new();
    let mut warnings = Vec::new();
    if cluster_network.is_empty() {
        for (i, d) in delegates.iter().enumerate() {
            let path = format!("{}[{}]", delegates_path, i);
            if problem_at(&path) {
                continue;
            }
            // Each delegate is loaded from its own text, keys in the order written.
            let bytes = serde_json::to_string(d).unwrap_or_default();
            let named = delegate::load(&bytes, None, "", "")
                .map(|conf| name_static(conf, d, (&s("name"), i), &mut warnings));
            match named {
                Ok(conf) => loaded.push(Value::Object(conf)),
                Err(e) => problems.push(Problem {
                    path,
                    go: format!("{}failed to load delegate {} config: {}", PREFIX, i, e),
                    human: e,
                }),
            }
        }
    }

    if let Some(first) = problems.first() {
        let msg = go_first.unwrap_or_else(|| first.go.clone());
        let details: Vec<String> =
            problems.iter().map(|p| format!("{}: {}", p.path, p.human)).collect();
        return Err(
            EngineError::new(code::INVALID_NETWORK_CONFIG, msg).with_details(details.join("\n"))
        );
    }
    let mut conf = build(&c, loaded);
    if let Some(Value::Array(list)) = conf.get_mut("warnings") {
        list.extend(warnings.into_iter().map(Value::String));
    }
    Ok(json!({ "conf": conf }))
}

/// Ours: a static delegate that is a single config without a `name` (or with an empty
/// one) runs as network `<multus name>` (index 0) or `<multus name>-<index>`, written
/// into its bytes as their first key, so the plugin, libcni's result cache and the
/// scratch cache agree on it (and two such delegates do not share cache keys or IPAM
/// data). A conflist, or a Multus config without a name, keeps libcni's validation.
fn name_static(
    conf: Map<String, Value>,
    d: &Value,
    (multus_name, index): (&str, usize),
    warnings: &mut Vec<String>,
) -> Map<String, Value> {
    let unnamed = conf.get("confName").and_then(Value::as_str).map_or(true, str::is_empty);
    let is_list = conf.get("isConflist").and_then(Value::as_bool).unwrap_or(true);
    let obj = match d {
        Value::Object(m) if unnamed && !is_list && !multus_name.is_empty() => m,
        _ => return conf,
    };
    let derived =
        if index == 0 { multus_name.to_string() } else { format!("{}-{}", multus_name, index) };
    // Go reads any letter case of `name`: those keys go, the derived name comes first.
    let mut named = Map::new();
    named.insert("name".into(), json!(derived));
    for (k, v) in obj.iter().filter(|(k, _)| !k.eq_ignore_ascii_case("name")) {
        named.insert(k.clone(), v.clone());
    }
    let bytes = Value::Object(named).to_string();
    match delegate::load(&bytes, None, "", "") {
        Ok(loaded) => {
            warnings.push(format!(
                "delegates[{}] (type {}) has no \"name\": it runs as network {} (set \"name\" in the delegate to choose one)",
                index,
                quote(conf.get("type").and_then(Value::as_str).unwrap_or("")),
                quote(&derived)
            ));
            loaded
        }
        Err(_) => conf,
    }
}

/// The path of top-level key `key` as written in the document (Go matches keys
/// case-insensitively, so `ClusterNetwork` sets `clusterNetwork`).
fn key_path(raw: &Map<String, Value>, key: &str) -> String {
    let written = raw.keys().rev().find(|k| k.eq_ignore_ascii_case(key));
    join_key("$", written.map_or(key, String::as_str))
}

/// The `MultusConf` with Multus's defaults for everything not set.
fn build(c: &Map<String, Value>, delegates: Vec<Value>) -> Value {
    let s = |key: &str, default: &str| match c.get(key) {
        Some(Value::String(v)) => v.clone(),
        _ => default.to_string(),
    };
    let b = |key: &str, default: bool| c.get(key).and_then(Value::as_bool).unwrap_or(default);
    // A `null` list empties the default, as Go's decoder does.
    let list = |key: &str, default: &[&str]| match c.get(key) {
        Some(Value::Array(items)) => Value::Array(items.clone()),
        Some(_) => json!([]),
        None => json!(default),
    };
    let global = s("globalNamespaces", "");
    let global: Vec<String> = if global.is_empty() {
        vec!["default".into()]
    } else {
        global.split(',').map(|n| n.trim().to_string()).collect()
    };
    let log_level = s("logLevel", "");
    let mut warnings = Vec::new();
    let known = ["debug", "verbose", "error", "panic"];
    if !log_level.is_empty() && !known.contains(&log_level.to_lowercase().as_str()) {
        warnings.push(format!("multus logging: cannot set logging level to {}", log_level));
    }
    let mut conf = json!({
        "cniVersion": s("cniVersion", ""),
        "name": s("name", ""),
        "type": s("type", ""),
        "kubeconfig": s("kubeconfig", ""),
        "clusterNetwork": s("clusterNetwork", ""),
        "defaultNetworks": list("defaultNetworks", &[]),
        "delegates": delegates,
        "confDir": s("confDir", "/etc/cni/multus/net.d"),
        "cniDir": s("cniDir", "/var/lib/cni/multus"),
        "binDir": s("binDir", "/opt/cni/bin"),
        "systemNamespaces": list("systemNamespaces", &["kube-system"]),
        "multusNamespace": s("multusNamespace", "kube-system"),
        "namespaceIsolation": b("namespaceIsolation", false),
        "globalNamespaces": global,
        "readinessindicatorfile": s("readinessindicatorfile", ""),
        "logFile": s("logFile", ""),
        "logLevel": log_level,
        "logToStderr": b("logToStderr", true),
        "auxiliaryCNIChainName": s("auxiliaryCNIChainName", ""),
        "retryDeleteOnError": b("retryDeleteOnError", false),
        "runtimeConfig": runtime_config(c.get("runtimeConfig")),
        "capabilities": c.get("capabilities").filter(|v| v.is_object()).cloned().unwrap_or_else(|| json!({})),
        "daemonSocketDir": s("daemonSocketDir", "/run/multus/"),
        "warnings": warnings,
    });
    if let Some(Value::Object(opts)) = c.get("logOptions") {
        let set: Map<String, Value> = opts
            .iter()
            .filter(|(_, v)| !v.is_null())
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        conf["logOptions"] = Value::Object(set);
    }
    conf
}

/// `runtimeConfig` with the keys Multus reads, empty values left out (Multus only
/// passes on non-empty ones).
fn runtime_config(v: Option<&Value>) -> Value {
    let mut out = Map::new();
    let rc = match v {
        Some(Value::Object(m)) => m,
        _ => return Value::Object(out),
    };
    if let Some(Value::Array(maps)) = rc.get("portMappings") {
        let entries: Vec<Value> = maps
            .iter()
            .filter(|m| m.is_object())
            .map(super::parse::selection::port_mapping)
            .collect();
        if !entries.is_empty() {
            out.insert("portMappings".into(), Value::Array(entries));
        }
    }
    if let Some(bw @ Value::Object(_)) = rc.get("bandwidth") {
        out.insert("bandwidth".into(), super::parse::selection::bandwidth(bw));
    }
    if let Some(Value::Array(ips)) = rc.get("ips") {
        if !ips.is_empty() {
            out.insert("ips".into(), Value::Array(ips.clone()));
        }
    }
    for key in ["mac", "infinibandGUID", "deviceID", "CNIDeviceInfoFile"] {
        if let Some(Value::String(s)) = rc.get(key) {
            if !s.is_empty() {
                out.insert(key.into(), json!(s));
            }
        }
    }
    Value::Object(out)
}
