//! What one delegate runs with (Multus `newCNIRuntimeConf` and `DelegateAdd`): its
//! `CNI_ARGS` pairs and its capability args.

#[path = "mac.rs"]
mod mac;

use crate::cni::gofmt::quote;
use crate::cni::input::{field, object, opt_array, opt_obj, opt_str, opt_str_list};
use crate::cni::ip::{Cidr, Ip};
use crate::error::{code, EngineError};
use serde_json::{json, Map, Value};

/// Where Multus puts the CNI side of device-info files (nad-client `GetCNIDeviceInfoPath`).
const DEVINFO_CNI_DIR: &str = "/var/run/k8s.cni.cncf.io/devinfo/cni/";

/// The master's sources: the runtime's `runtimeConfig` keys.
const RUNTIME_KEYS: [&str; 7] =
    ["portMappings", "bandwidth", "ips", "mac", "infinibandGUID", "deviceID", "CNIDeviceInfoFile"];

/// A secondary's sources: its own requests (no device-info file of its own).
const REQUEST_KEYS: [&str; 7] = [
    "portMappingsRequest",
    "bandwidthRequest",
    "ipRequest",
    "macRequest",
    "infinibandGUIDRequest",
    "deviceID",
    "",
];

/// `createRuntimeConf`'s fixed pairs, then every `k=v` of the process's `CNI_ARGS`
/// (split on `;`, then on the first `=`; a pair without `=` is skipped). A pair fills an
/// existing key whose value is empty when its own value is not; any other pair is
/// appended, so duplicates such as `IgnoreUnknown=1` are kept, as in Multus's thin plugin.
///
/// `unique` (thick mode): a key is never repeated. A pair whose key is already set only
/// fills an empty value; other keys are appended once. Go Multus's daemon reads `CNI_ARGS`
/// from its own environment, where there is none, so its delegates get each key once.
pub(crate) fn base_args(
    k8s: &Value,
    cni_args: &str,
    unique: bool,
) -> Result<Vec<(String, String)>, EngineError> {
    object(k8s, "k8sArgs")?;
    let get = |key: &str| opt_str(k8s, key).map(|v| v.unwrap_or("").to_string());
    let mut args = vec![
        ("IgnoreUnknown".to_string(), "true".to_string()),
        ("K8S_POD_NAMESPACE".to_string(), get("podNamespace")?),
        ("K8S_POD_NAME".to_string(), get("podName")?),
        ("K8S_POD_INFRA_CONTAINER_ID".to_string(), get("infraContainerId")?),
        ("K8S_POD_UID".to_string(), get("podUid")?),
    ];
    if cni_args.is_empty() {
        return Ok(args);
    }
    for pair in cni_args.split(';') {
        let (key, value) = match pair.split_once('=') {
            Some(kv) => kv,
            None => continue,
        };
        if unique {
            match args.iter_mut().find(|(k, _)| k == key) {
                Some(slot) if slot.1.is_empty() => slot.1 = value.to_string(),
                Some(_) => {}
                None => args.push((key.to_string(), value.to_string())),
            }
            continue;
        }
        let slot = args.iter_mut().find(|(k, v)| k == key && v.is_empty() && !value.is_empty());
        match slot {
            Some(slot) => slot.1 = value.to_string(),
            None => args.push((key.to_string(), value.to_string())),
        }
    }
    Ok(args)
}

/// `DelegateAdd`'s extra pairs: `MAC=<mac>` when a MAC is requested and `IP=<a,b>` when
/// IPs are (even an empty list), each validated first with Multus's messages.
pub(crate) fn request_args(d: &Value) -> Result<Vec<(String, String)>, EngineError> {
    let mut out = Vec::new();
    let invalid = |what: &str, v: &str| {
        EngineError::new(
            code::INVALID_NETWORK_CONFIG,
            format!("DelegateAdd: failed to parse {} {}", what, quote(v)),
        )
    };
    if let Some(mac) = opt_str(d, "macRequest")?.filter(|m| !m.is_empty()) {
        if !mac::is_valid(mac) {
            return Err(invalid("mac address", mac));
        }
        out.push(("MAC".to_string(), mac.to_string()));
    }
    if let Some(ips) = opt_str_list(d, "ipRequest")? {
        for ip in &ips {
            let ok =
                if ip.contains('/') { Cidr::parse(ip).is_some() } else { Ip::parse(ip).is_some() };
            if !ok {
                return Err(invalid("IP address", ip));
            }
        }
        out.push(("IP".to_string(), ips.join(",")));
    }
    Ok(out)
}

/// The capability args of one delegate and its CNI device-info file.
///
/// The master takes the runtime's `runtimeConfig` as it is; a secondary takes only its
/// own requests (NPWG section 7.5; Go Multus starts it from the runtime's values). A known
/// `deviceID` sets `CNIDeviceInfoFile` to `<dir>/<name>-<containerID>_<ifName>` with
/// every `/` of the file name turned into `-`. Empty values are left out, as Multus's
/// `len != 0` checks do.
pub(crate) fn capability_args(
    master: bool,
    runtime_config: Option<&Map<String, Value>>,
    d: &Value,
    attachment: (&str, &str),
) -> Result<(Map<String, Value>, Option<String>), EngineError> {
    let rc = runtime_config.cloned().map(Value::Object).unwrap_or_else(|| json!({}));
    let (src, keys) = if master { (&rc, RUNTIME_KEYS) } else { (d, REQUEST_KEYS) };
    let text = |key: &str| -> Result<String, EngineError> {
        match key {
            "" => Ok(String::new()),
            _ => Ok(opt_str(src, key)?.unwrap_or("").to_string()),
        }
    };
    let mut caps = Map::new();
    if let Some(maps) = opt_array(src, keys[0])?.filter(|m| !m.is_empty()) {
        caps.insert("portMappings".into(), Value::Array(maps.iter().map(port_mapping).collect()));
    }
    if let Some(bw) = opt_obj(src, keys[1])? {
        caps.insert("bandwidth".into(), bandwidth(bw));
    }
    if let Some(ips) = opt_str_list(src, keys[2])?.filter(|l| !l.is_empty()) {
        caps.insert("ips".into(), json!(ips));
    }
    for (key, cap) in keys[3..6].iter().zip(["mac", "infinibandGUID", "deviceID"]) {
        let value = text(key)?;
        if !value.is_empty() {
            caps.insert(cap.into(), json!(value));
        }
    }
    let mut devinfo = text(keys[6])?;
    if !text(keys[5])?.is_empty() {
        let name = opt_str(d, "name")?.unwrap_or("");
        let (container_id, if_name) = attachment;
        let file = format!("{}-{}_{}", name, container_id, if_name).replace('/', "-");
        devinfo = format!("{}{}", DEVINFO_CNI_DIR, file);
    }
    if devinfo.is_empty() {
        return Ok((caps, None));
    }
    caps.insert("CNIDeviceInfoFile".into(), json!(devinfo));
    Ok((caps, Some(devinfo)))
}

/// A port mapping as Go's `PortMapEntry` writes it.
fn port_mapping(v: &Value) -> Value {
    let obj = match v.as_object() {
        Some(m) => m,
        None => return v.clone(),
    };
    let mut m = Map::new();
    for key in ["hostPort", "containerPort"] {
        m.insert(key.into(), field(obj, key).cloned().unwrap_or_else(|| json!(0)));
    }
    for key in ["protocol", "hostIP"] {
        if let Some(Value::String(s)) = field(obj, key).filter(|v| v.as_str() != Some("")) {
            m.insert(key.into(), json!(s));
        }
    }
    Value::Object(m)
}

/// A bandwidth request as Go's `BandwidthEntry` writes it (all four keys).
fn bandwidth(obj: &Map<String, Value>) -> Value {
    let mut m = Map::new();
    for key in ["ingressRate", "ingressBurst", "egressRate", "egressBurst"] {
        m.insert(key.into(), field(obj, key).cloned().unwrap_or_else(|| json!(0)));
    }
    Value::Object(m)
}
