//! The network-selection annotations: text and JSON forms, the default-network
//! annotation, namespace isolation.

use super::parse::selection;
use crate::cni::input::{object, opt_str, req_str};
use crate::error::{code, EngineError};
use serde_json::{json, Map, Value};

/// The pod annotation naming extra networks.
pub const NETWORKS: &str = "k8s.v1.cni.cncf.io/networks";
/// The pod annotation replacing the cluster network.
pub const DEFAULT_NETWORK: &str = "v1.multus-cni.io/default-network";

/// The most bytes of annotation text a networks or default-network annotation may hold:
/// a quarter of the API server's 256 KiB for all of a pod's annotations, and over ten
/// times what the largest request of [`MAX_NETWORKS`] networks with every field set takes.
pub const MAX_ANNOTATION_BYTES: usize = 64 * 1024;
/// The most networks one pod may request. Real pods ask for a handful (SR-IOV and telco
/// pods for up to about a dozen); 64 is far above that and keeps the worst ADD, and the
/// DEL that undoes it, to a few seconds of delegate calls.
pub const MAX_NETWORKS: usize = 64;

/// Refuses an annotation over [`MAX_ANNOTATION_BYTES`] before it is parsed.
fn check_size(key: &str, annotation: &str) -> Result<(), String> {
    if annotation.len() > MAX_ANNOTATION_BYTES {
        return Err(format!(
            "the {} annotation is {} bytes long; at most {} bytes are accepted",
            key,
            annotation.len(),
            MAX_ANNOTATION_BYTES
        ));
    }
    Ok(())
}

fn invalid(msg: String) -> EngineError {
    EngineError::new(code::INVALID_NETWORK_CONFIG, msg)
}

/// `network_selections_parse`. Input `{"annotation", "defaultNamespace"}`; answers
/// `{"elements": [NetworkSelection]}`, none for an empty annotation. Errors are code 7
/// with Multus's messages (`parsePodNetworkAnnotation: …`).
pub fn network_selections_parse(input: &Value) -> Result<Value, EngineError> {
    object(input, "network_selections_parse")?;
    let annotation = req_str(input, "annotation")?;
    let default_ns = req_str(input, "defaultNamespace")?;
    let elements = selections(annotation, default_ns).map_err(invalid)?;
    Ok(json!({ "elements": elements }))
}

/// Multus's `GetPodNetwork`: no elements for an empty annotation.
fn selections(annotation: &str, default_ns: &str) -> Result<Vec<Value>, String> {
    if annotation.is_empty() {
        return Ok(Vec::new());
    }
    check_size(NETWORKS, annotation)?;
    let elements = selection::parse(annotation, default_ns)?;
    if elements.len() > MAX_NETWORKS {
        return Err(format!(
            "the {} annotation requests {} networks; a pod may request at most {}",
            NETWORKS,
            elements.len(),
            MAX_NETWORKS
        ));
    }
    Ok(elements)
}

/// `tryLoadK8sPodDefaultNetwork`'s parsing: exactly one element.
fn default_network(annotation: &str, multus_ns: &str) -> Result<Value, String> {
    const PREFIX: &str = "tryLoadK8sPodDefaultNetwork: ";
    check_size(DEFAULT_NETWORK, annotation).map_err(|e| format!("{}{}", PREFIX, e))?;
    let mut elements = selection::parse(annotation, multus_ns)
        .map_err(|e| format!("{}failed to parse CRD object: {}", PREFIX, e))?;
    if elements.len() > 1 {
        return Err(format!(
            "{}more than one default network is specified: {}",
            PREFIX, annotation
        ));
    }
    // Multus indexes the first element without checking (a JSON `[]` crashes it).
    elements
        .pop()
        .ok_or_else(|| format!("{}no default network is specified: {}", PREFIX, annotation))
}

/// `default_network_parse`. Input `{"annotation", "multusNamespace"}`; answers
/// `{"element": NetworkSelection}`.
pub fn default_network_parse(input: &Value) -> Result<Value, EngineError> {
    object(input, "default_network_parse")?;
    let annotation = req_str(input, "annotation")?;
    let multus_ns = req_str(input, "multusNamespace")?;
    let element = default_network(annotation, multus_ns).map_err(invalid)?;
    Ok(json!({ "element": element }))
}

/// `pod_network_requests`. Input `{"conf": MultusConf, "podNamespace", "annotations"}`;
/// answers `{"defaultNetwork"?, "networks"}` after Multus's namespace-isolation check,
/// with errors wrapped as `TryLoadPodDelegates` wraps them.
pub fn pod_network_requests(input: &Value) -> Result<Value, EngineError> {
    object(input, "pod_network_requests")?;
    let conf = input.get("conf").unwrap_or(&Value::Null);
    let pod_ns = req_str(input, "podNamespace")?;
    let empty = Map::new();
    let annotations = input.get("annotations").and_then(Value::as_object).unwrap_or(&empty);
    let annotation = |key: &str| -> Result<Option<&str>, EngineError> {
        match annotations.get(key) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(other) => Err(crate::cni::input::bad_input(key, "a string", other)),
        }
    };
    let multus_ns = opt_str(conf, "multusNamespace")?.unwrap_or("kube-system");
    let mut out = Map::new();
    if let Some(text) = annotation(DEFAULT_NETWORK)? {
        let element = default_network(text, multus_ns).map_err(|e| {
            invalid(format!(
                "TryLoadPodDelegates: error in loading K8s cluster default network from pod annotation: {}",
                e
            ))
        })?;
        out.insert("defaultNetwork".into(), element);
    }
    // Multus returns a networks-annotation parse error as it is.
    let networks = selections(annotation(NETWORKS)?.unwrap_or(""), pod_ns).map_err(invalid)?;
    if conf.get("namespaceIsolation").and_then(Value::as_bool).unwrap_or(false) {
        let global: Vec<&str> = match conf.get("globalNamespaces") {
            Some(Value::Array(items)) => items.iter().filter_map(Value::as_str).collect(),
            _ => vec!["default"],
        };
        for n in &networks {
            let ns = n.get("namespace").and_then(Value::as_str).unwrap_or("");
            if ns != pod_ns && !global.contains(&ns) {
                return Err(invalid(format!(
                    "TryLoadPodDelegates: error in getting k8s network for pod: GetNetworkDelegates: namespace isolation enabled, annotation violates permission, pod is in namespace {} but refers to target namespace {}",
                    pod_ns, ns
                )));
            }
        }
    }
    out.insert("networks".into(), Value::Array(networks));
    Ok(Value::Object(out))
}
