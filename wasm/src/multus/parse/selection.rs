//! The networks annotation grammar: Multus's `parsePodNetworkAnnotation` and
//! `parsePodNetworkObjectName` (k8sclient.go), with their messages, plus the NPWG
//! checks Multus leaves out.

use super::decode::decode;
use super::go_unmarshal;
use super::mac::parse_mac;
use super::schema::SELECTIONS;
use crate::cni::gofmt::quote;
use crate::cni::input::field;
use crate::cni::ip::{Cidr, Ip};
use serde_json::{json, Map, Value};

const PREFIX: &str = "parsePodNetworkAnnotation: ";
const JSON_FORM: &str =
    "parsePodNetworkAnnotation: failed to parse pod Network Attachment Selection Annotation JSON format: ";
const OBJECT_NAME: &str = "parsePodNetworkObjectName: ";

/// The DNS-1123 label `^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`.
fn dns_label(s: &str) -> bool {
    let ok = |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit();
    let bytes = s.as_bytes();
    match (bytes.first(), bytes.last()) {
        (Some(&first), Some(&last)) => {
            ok(first) && ok(last) && bytes.iter().all(|&b| ok(b) || b == b'-')
        }
        _ => false,
    }
}

/// Kubernetes' DNS-1123 subdomain: dot-separated labels, at most 253 characters.
fn dns_subdomain(s: &str) -> bool {
    s.len() <= 253 && s.split('.').all(dns_label)
}

const LABEL_RULE: &str = "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name', or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
const SUBDOMAIN_RULE: &str = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";

/// Ours (Multus checks only the text form): a JSON element's explicit namespace must be a
/// DNS-1123 label and its name a DNS-1123 subdomain, as the API server requires of a
/// namespace and a NAD, so that neither can change the path of the NAD request. The
/// reasons are the API server's own (`k8s.io/apimachinery` validation). An empty name
/// passes here and fails the NAD lookup, as in the text form.
fn check_names(ns: &str, name: &str) -> Result<(), String> {
    if !ns.is_empty() && (ns.len() > 63 || !dns_label(ns)) {
        let why = if ns.len() > 63 { "must be no more than 63 characters" } else { LABEL_RULE };
        return Err(format!(
            "{}invalid namespace {} of network {}: {}",
            PREFIX,
            quote(ns),
            quote(name),
            why
        ));
    }
    if !name.is_empty() && !dns_subdomain(name) {
        let why =
            if name.len() > 253 { "must be no more than 253 characters" } else { SUBDOMAIN_RULE };
        return Err(format!("{}invalid network name {}: {}", PREFIX, quote(name), why));
    }
    Ok(())
}

/// `parsePodNetworkObjectName`: `[<namespace>/]<name>[@<ifname>]`.
fn object_name(item: &str) -> Result<(String, String, String), String> {
    let slash: Vec<&str> = item.split('/').collect();
    let (ns, rest) = match slash.as_slice() {
        [ns, rest] => (ns.trim().to_string(), *rest),
        [rest] => (String::new(), *rest),
        _ => return Err(format!("{}Invalid network object (failed at '/')", OBJECT_NAME)),
    };
    let at: Vec<&str> = rest.split('@').collect();
    let name = at.first().copied().unwrap_or("").trim().to_string();
    let ifname = match at.as_slice() {
        [_] => String::new(),
        [_, ifname] => ifname.trim().to_string(),
        _ => return Err(format!("{}Invalid network object (failed at '@')", OBJECT_NAME)),
    };
    for part in [&ns, &name] {
        if !part.is_empty() && !dns_label(part) {
            return Err(format!(
                "{}Failed to parse: one or more items did not match comma-delimited format (must consist of lower case alphanumeric characters). Must start and end with an alphanumeric character), mismatch @ '{}'",
                OBJECT_NAME, part
            ));
        }
    }
    if ifname.len() > 15 || ifname.contains([' ', '\t', '\n', '\u{b}', '\u{c}', '\r', '/']) {
        return Err(format!(
            "{}Failed to parse interface name: must be less than 15 chars and not contain '/' or spaces. interface name '{}'",
            OBJECT_NAME, ifname
        ));
    }
    Ok((ns, name, ifname))
}

/// The annotation's elements as Go decodes them (canonical `NetworkSelectionElement`
/// objects), with the raw objects (for keys Multus ignores).
/// A decoded element and its raw object.
type Element = (Map<String, Value>, Map<String, Value>);

fn elements(annotation: &str) -> Result<Vec<Element>, String> {
    if !annotation.contains(['[', '{', '"']) {
        let mut out = Vec::new();
        for item in annotation.split(',') {
            let (ns, name, ifname) =
                object_name(item.trim()).map_err(|e| format!("{}{}", PREFIX, e))?;
            let mut m = Map::new();
            m.insert("name".into(), json!(name));
            m.insert("namespace".into(), json!(ns));
            m.insert("interface".into(), json!(ifname));
            out.push((m, Map::new()));
        }
        return Ok(out);
    }
    let doc = go_unmarshal(annotation).map_err(|e| format!("{}{}", JSON_FORM, e))?;
    let decoded = decode(&doc, &SELECTIONS);
    if let Some(p) = decoded.go_error() {
        return Err(format!("{}{}", JSON_FORM, p.go));
    }
    let items = match (&decoded.value, &doc) {
        (Value::Array(items), Value::Array(raw)) => items.iter().zip(raw.iter()),
        _ => return Ok(Vec::new()),
    };
    let mut out = Vec::new();
    for (i, (item, raw)) in items.enumerate() {
        match (item, raw) {
            (Value::Object(m), Value::Object(r)) => out.push((m.clone(), r.clone())),
            _ => {
                return Err(format!(
                    "{}element {} is null, not a network selection object",
                    JSON_FORM, i
                ))
            }
        }
    }
    Ok(out)
}

fn str_of<'a>(m: &'a Map<String, Value>, key: &str) -> &'a str {
    m.get(key).and_then(Value::as_str).unwrap_or("")
}

/// Ours (NPWG, libcni): an interface name is at most 15 bytes, not `.` or `..`, and has
/// no `/`, `:` or whitespace.
fn check_interface(ifname: &str) -> Result<(), String> {
    let bad = ifname.len() > 15
        || ifname == "."
        || ifname == ".."
        || ifname.chars().any(|c| c == '/' || c == ':' || c.is_whitespace());
    if bad {
        return Err(format!(
            "{}Failed to parse interface name: must be less than 15 chars, not be . or .., and not contain '/', ':' or spaces. interface name '{}'",
            PREFIX, ifname
        ));
    }
    Ok(())
}

/// `parsePodNetworkAnnotation(annotation, defaultNamespace)`: validated elements in
/// the `NetworkSelection` shape, or the message Multus would return.
pub fn parse(annotation: &str, default_namespace: &str) -> Result<Vec<Value>, String> {
    if annotation.is_empty() {
        return Err(format!("{}pod annotation does not have \"network\" as key", PREFIX));
    }
    let json_form = annotation.contains(['[', '{', '"']);
    let mut out = Vec::new();
    for (m, raw) in elements(annotation)? {
        let name = str_of(&m, "name").to_string();
        let mut ns = str_of(&m, "namespace").to_string();
        if json_form {
            check_names(&ns, &name)?;
        }
        if ns.is_empty() {
            ns = default_namespace.to_string();
        }
        let mac = str_of(&m, "mac");
        if !mac.is_empty() {
            parse_mac(mac).map_err(|e| format!("{}failed to mac: {}", PREFIX, e))?;
        }
        let guid = str_of(&m, "infiniband-guid");
        if !guid.is_empty() {
            parse_mac(guid)
                .map_err(|e| format!("{}failed to validate infiniband GUID: {}", PREFIX, e))?;
        }
        if let Some(Value::Array(ips)) = m.get("ips") {
            for ip in ips.iter().filter_map(Value::as_str) {
                if ip.contains('/') {
                    if Cidr::parse(ip).is_none() {
                        return Err(format!(
                            "failed to parse CIDR {}: invalid CIDR address: {}",
                            quote(ip),
                            ip
                        ));
                    }
                } else if Ip::parse(ip).is_none() {
                    return Err(format!("failed to parse IP address {}", quote(ip)));
                }
            }
        }
        let mut ifname = str_of(&m, "interface").to_string();
        if ifname.is_empty() {
            ifname = str_of(&m, "interfaceRequest").to_string();
        }
        if json_form && !ifname.is_empty() {
            check_interface(&ifname)?;
        }
        let claim = field(&raw, "ipam-claim-reference").and_then(Value::as_str).unwrap_or("");
        if !claim.is_empty() && m.get("ips").map_or(false, |v| !v.is_null()) {
            return Err(format!(
                "{}network {}/{} sets both \"ips\" and \"ipam-claim-reference\"; the NPWG specification (v1.3) allows only one",
                PREFIX, ns, name
            ));
        }
        let mut e = Map::new();
        e.insert("name".into(), json!(name));
        e.insert("namespace".into(), json!(ns));
        if !ifname.is_empty() {
            e.insert("interface".into(), json!(ifname));
        }
        output_requests(&m, &mut e)?;
        out.push(Value::Object(e));
    }
    Ok(out)
}

/// The requests of a decoded element in the `NetworkSelection` shape.
fn output_requests(m: &Map<String, Value>, e: &mut Map<String, Value>) -> Result<(), String> {
    if let Some(ips @ Value::Array(_)) = m.get("ips") {
        e.insert("ips".into(), ips.clone());
    }
    for (from, to) in
        [("mac", "mac"), ("infiniband-guid", "infinibandGuid"), ("deviceID", "deviceID")]
    {
        let v = str_of(m, from);
        if !v.is_empty() {
            e.insert(to.into(), json!(v));
        }
    }
    if let Some(Value::Array(maps)) = m.get("portMappings") {
        let entries: Vec<Value> = maps.iter().filter(|p| p.is_object()).map(port_mapping).collect();
        e.insert("portMappings".into(), Value::Array(entries));
    }
    if let Some(bw @ Value::Object(_)) = m.get("bandwidth") {
        e.insert("bandwidth".into(), bandwidth(bw));
    }
    if let Some(args @ Value::Object(_)) = m.get("cni-args") {
        e.insert("cniArgs".into(), args.clone());
    }
    if let Some(Value::Array(gws)) = m.get("default-route") {
        if gws.iter().any(Value::is_null) {
            return Err(format!(
                "{}invalid default-route gateway \"\" for network {}/{}: not an IP address",
                PREFIX,
                str_of(e, "namespace"),
                str_of(e, "name")
            ));
        }
        e.insert("defaultRoute".into(), Value::Array(gws.clone()));
    }
    Ok(())
}

/// A decoded `PortMapEntry` in the facade's `PortMapping` shape (Go's `omitempty`).
pub fn port_mapping(v: &Value) -> Value {
    let int = |k: &str| v.get(k).cloned().filter(Value::is_i64).unwrap_or_else(|| json!(0));
    let mut out = json!({ "hostPort": int("hostPort"), "containerPort": int("containerPort") });
    for key in ["protocol", "hostIP"] {
        if let Some(Value::String(s)) = v.get(key) {
            if !s.is_empty() {
                out[key] = json!(s);
            }
        }
    }
    out
}

/// A decoded `BandwidthEntry`: all four rates, 0 when unset.
pub fn bandwidth(v: &Value) -> Value {
    let int = |k: &str| v.get(k).cloned().filter(Value::is_i64).unwrap_or_else(|| json!(0));
    json!({
        "ingressRate": int("ingressRate"),
        "ingressBurst": int("ingressBurst"),
        "egressRate": int("egressRate"),
        "egressBurst": int("egressBurst"),
    })
}
