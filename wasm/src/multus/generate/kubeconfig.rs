//! The thin plugin's kubeconfig, as Multus's thin_entrypoint writes it from the pod's
//! service account: cluster `local`, user `multus`, context `multus-context`, the API
//! server from `KUBERNETES_SERVICE_*`, the CA inline. Written as JSON, which kubectl and
//! client-go read like YAML and which the plugin parses without a YAML library.

use crate::cni::base64;
use crate::cni::input::{object, opt_str, req_str};
use crate::error::{code, EngineError};
use serde_json::{json, Map, Value};

fn invalid(msg: &str) -> EngineError {
    EngineError::new(code::INVALID_NETWORK_CONFIG, msg.to_string())
}

/// Go's `net.JoinHostPort`: an IPv6 literal (any host with a colon) gets brackets.
fn join_host_port(host: &str, port: &str) -> String {
    if host.contains(':') {
        format!("[{}]:{}", host, port)
    } else {
        format!("{}:{}", host, port)
    }
}

/// `thin_kubeconfig_generate`. Input `{"serviceHost", "servicePort", "serviceProtocol"?
/// (default https), "caPem"?, "token", "tokenFile"?, "skipTlsVerify"?}`; answers
/// `{"text", "server"}`.
///
/// With `skipTlsVerify` the CA is left out and `insecure-skip-tls-verify` is set, as
/// thin_entrypoint's hidden flag does. `tokenFile` (ours) names a token file the plugin
/// reads on every run, so the kubelet's token rotation reaches it; the inline token stays
/// as the fallback client-go uses when that file cannot be read. Errors never quote the
/// token.
pub fn generate(input: &Value) -> Result<Value, EngineError> {
    object(input, "thin_kubeconfig_generate")?;
    let host = req_str(input, "serviceHost")?.trim();
    let port = req_str(input, "servicePort")?.trim();
    if host.is_empty() || port.is_empty() {
        return Err(invalid(
            "cannot write the kubeconfig: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT must both be set (run in a pod)",
        ));
    }
    let protocol = match opt_str(input, "serviceProtocol")?.map(str::trim) {
        None | Some("") => "https",
        Some(p) => p,
    };
    if protocol != "https" && protocol != "http" {
        return Err(EngineError::new(
            code::INVALID_NETWORK_CONFIG,
            format!(
                "cannot write the kubeconfig: KUBERNETES_SERVICE_PROTOCOL {:?} is neither https nor http",
                protocol
            ),
        ));
    }
    let token = req_str(input, "token")?.trim();
    if token.is_empty() {
        return Err(invalid("cannot write the kubeconfig: the service account token is empty"));
    }
    let skip_tls = match input.get("skipTlsVerify") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(_) => {
            return Err(invalid("invalid engine input: \"skipTlsVerify\" must be a boolean"))
        }
    };
    let server = format!("{}://{}", protocol, join_host_port(host, port));
    let mut cluster = Map::new();
    cluster.insert("server".into(), json!(server));
    if skip_tls {
        cluster.insert("insecure-skip-tls-verify".into(), json!(true));
    } else {
        let ca = opt_str(input, "caPem")?.unwrap_or("");
        if !ca.contains("-----BEGIN CERTIFICATE-----") {
            return Err(invalid(
                "cannot write the kubeconfig: the service account's ca.crt holds no PEM certificate (--skip-tls-verify trusts any server instead)",
            ));
        }
        cluster.insert("certificate-authority-data".into(), json!(base64::encode(ca.as_bytes())));
    }
    let mut user = Map::new();
    user.insert("token".into(), json!(token));
    if let Some(file) = opt_str(input, "tokenFile")?.filter(|f| !f.is_empty()) {
        if !file.starts_with('/') {
            return Err(EngineError::new(
                code::INVALID_NETWORK_CONFIG,
                format!(
                    "cannot write the kubeconfig: the token file {:?} is not an absolute path",
                    file
                ),
            ));
        }
        user.insert("tokenFile".into(), json!(file));
    }
    let doc = json!({
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{ "name": "local", "cluster": Value::Object(cluster) }],
        "users": [{ "name": "multus", "user": Value::Object(user) }],
        "contexts": [{ "name": "multus-context", "context": { "cluster": "local", "user": "multus" } }],
        "current-context": "multus-context",
    });
    let text = serde_json::to_string_pretty(&doc).unwrap_or_default() + "\n";
    Ok(json!({ "text": text, "server": server }))
}
