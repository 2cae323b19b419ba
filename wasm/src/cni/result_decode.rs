//! Decoding a result's JSON into [`CniResult`] as libcni's typed `json.Unmarshal` does:
//! struct fields match keys case-insensitively, unknown keys are dropped, `null` leaves
//! a field empty, addresses go through Go's parsers. Unlike libcni, a missing address or
//! route destination is an error rather than a `"<nil>"` in the re-written result.

use crate::cni::gofmt::quote;
use crate::cni::input::{field, quote_value};
use crate::cni::ip::{Cidr, Ip};
use crate::cni::result::{
    family, CniResult, Dns, Family, Interface, Ip020, IpConfig, Result020, ResultList, Route,
};
use crate::error::{code, EngineError};
use serde_json::{Map, Value};

type Obj = Map<String, Value>;

/// Decodes `v` (an object) as a result of `version`. An unknown version is libcni's
/// `unsupported CNI result version "X"` (code 1); a malformed field is code 6 with a
/// message naming the field and its value.
pub fn decode(version: &str, v: &Value) -> Result<CniResult, EngineError> {
    let fam = family(version).ok_or_else(|| unsupported(version))?;
    let obj = match v {
        Value::Object(m) => m,
        other => return Err(fail("", other, "expected a result object")),
    };
    let dns = match object(obj, "dns", "dns")? {
        Some(d) => decode_dns(d)?,
        None => Dns::default(),
    };
    let version = version.to_string();
    Ok(match fam {
        Family::V020 => CniResult::V020(Result020 {
            version,
            ip4: object(obj, "ip4", "ip4")?.map(|m| decode_ip020(m, "ip4")).transpose()?,
            ip6: object(obj, "ip6", "ip6")?.map(|m| decode_ip020(m, "ip6")).transpose()?,
            dns,
        }),
        Family::V040 | Family::V100 => {
            let v1 = fam == Family::V100;
            let mut interfaces = Vec::new();
            for (i, m) in list(obj, "interfaces", "interfaces")?.into_iter().enumerate() {
                interfaces.push(decode_interface(m, &format!("interfaces[{}]", i), v1)?);
            }
            let mut ips = Vec::new();
            for (i, m) in list(obj, "ips", "ips")?.into_iter().enumerate() {
                ips.push(decode_ip(m, &format!("ips[{}]", i), v1)?);
            }
            let list = ResultList { version, interfaces, ips, routes: routes(obj, "routes")?, dns };
            if v1 {
                CniResult::V100(list)
            } else {
                CniResult::V040(list)
            }
        }
    })
}

/// libcni's `unsupported CNI result version "X"` (code 1).
pub fn unsupported(version: &str) -> EngineError {
    EngineError::new(
        code::INCOMPATIBLE_VERSION,
        format!("unsupported CNI result version {}", quote(version)),
    )
}

fn fail(path: &str, v: &Value, reason: &str) -> EngineError {
    let what = if path.is_empty() {
        "cannot decode CNI result".to_string()
    } else {
        format!("cannot decode CNI result field {}", path)
    };
    EngineError::new(code::DECODING_FAILURE, format!("{} {}: {}", what, quote_value(v), reason))
}

fn missing(path: &str) -> EngineError {
    EngineError::new(
        code::DECODING_FAILURE,
        format!("cannot decode CNI result field {}: missing", path),
    )
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{}.{}", path, key)
    }
}

fn object<'a>(obj: &'a Obj, key: &str, path: &str) -> Result<Option<&'a Obj>, EngineError> {
    match field(obj, key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Object(m)) => Ok(Some(m)),
        Some(other) => Err(fail(path, other, "expected an object")),
    }
}

fn list<'a>(obj: &'a Obj, key: &str, path: &str) -> Result<Vec<&'a Obj>, EngineError> {
    match field(obj, key) {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(items)) => items
            .iter()
            .enumerate()
            .map(|(i, item)| {
                item.as_object()
                    .ok_or_else(|| fail(&format!("{}[{}]", path, i), item, "expected an object"))
            })
            .collect(),
        Some(other) => Err(fail(path, other, "expected an array")),
    }
}

fn string(obj: &Obj, key: &str, path: &str) -> Result<String, EngineError> {
    match field(obj, key) {
        None | Some(Value::Null) => Ok(String::new()),
        Some(Value::String(s)) => Ok(s.clone()),
        Some(other) => Err(fail(&join(path, key), other, "expected a string")),
    }
}

fn strings(obj: &Obj, key: &str, path: &str) -> Result<Vec<String>, EngineError> {
    let path = join(path, key);
    match field(obj, key) {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(items)) => items
            .iter()
            .enumerate()
            .map(|(i, item)| match item {
                Value::Null => Ok(String::new()),
                Value::String(s) => Ok(s.clone()),
                other => Err(fail(&format!("{}[{}]", path, i), other, "expected a string")),
            })
            .collect(),
        Some(other) => Err(fail(&path, other, "expected an array")),
    }
}

fn int(obj: &Obj, key: &str, path: &str) -> Result<Option<i64>, EngineError> {
    match field(obj, key) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => {
            v.as_i64().map(Some).ok_or_else(|| fail(&join(path, key), v, "expected an integer"))
        }
    }
}

fn ip(obj: &Obj, key: &str, path: &str) -> Result<Option<Ip>, EngineError> {
    match field(obj, key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.is_empty() => Ok(None),
        Some(v @ Value::String(s)) => {
            Ip::parse(s).map(Some).ok_or_else(|| fail(&join(path, key), v, "invalid IP address"))
        }
        Some(other) => Err(fail(&join(path, key), other, "expected a string")),
    }
}

fn cidr(obj: &Obj, key: &str, path: &str) -> Result<Cidr, EngineError> {
    match field(obj, key) {
        None | Some(Value::Null) => Err(missing(&join(path, key))),
        Some(v @ Value::String(s)) => {
            Cidr::parse(s).ok_or_else(|| fail(&join(path, key), v, "invalid CIDR address"))
        }
        Some(other) => Err(fail(&join(path, key), other, "expected a string")),
    }
}

fn decode_dns(d: &Obj) -> Result<Dns, EngineError> {
    Ok(Dns {
        nameservers: strings(d, "nameservers", "dns")?,
        domain: string(d, "domain", "dns")?,
        search: strings(d, "search", "dns")?,
        options: strings(d, "options", "dns")?,
    })
}

fn routes(obj: &Obj, path: &str) -> Result<Vec<Route>, EngineError> {
    let mut out = Vec::new();
    for (i, m) in list(obj, "routes", path)?.into_iter().enumerate() {
        let p = format!("{}[{}]", path, i);
        out.push(Route {
            dst: cidr(m, "dst", &p)?,
            gw: ip(m, "gw", &p)?,
            mtu: int(m, "mtu", &p)?.unwrap_or(0),
            advmss: int(m, "advmss", &p)?.unwrap_or(0),
            priority: int(m, "priority", &p)?.unwrap_or(0),
            table: int(m, "table", &p)?,
            scope: int(m, "scope", &p)?,
        });
    }
    Ok(out)
}

fn decode_ip020(m: &Obj, path: &str) -> Result<Ip020, EngineError> {
    Ok(Ip020 {
        ip: cidr(m, "ip", path)?,
        gateway: ip(m, "gateway", path)?,
        routes: routes(m, &join(path, "routes"))?,
    })
}

fn decode_interface(m: &Obj, path: &str, v1: bool) -> Result<Interface, EngineError> {
    let mut i = Interface {
        name: string(m, "name", path)?,
        mac: string(m, "mac", path)?,
        sandbox: string(m, "sandbox", path)?,
        ..Interface::default()
    };
    if v1 {
        i.mtu = int(m, "mtu", path)?.unwrap_or(0);
        i.socket_path = string(m, "socketPath", path)?;
        i.pci_id = string(m, "pciID", path)?;
    }
    Ok(i)
}

fn decode_ip(m: &Obj, path: &str, v1: bool) -> Result<IpConfig, EngineError> {
    Ok(IpConfig {
        version: if v1 { String::new() } else { string(m, "version", path)? },
        interface: int(m, "interface", path)?,
        address: cidr(m, "address", path)?,
        gateway: ip(m, "gateway", path)?,
    })
}
