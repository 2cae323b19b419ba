//! Result conversion between versions (SPEC section 2 rules 1–13, libcni's converters), and
//! the `result_parse` and `result_convert` operations.

use crate::cni::gofmt::quote;
use crate::cni::input::{json_kind, object, req_str};
use crate::cni::result::{
    family, CniResult, Family, Interface, Ip020, IpConfig, Result020, ResultList, Route,
};
use crate::cni::result_decode::decode;
use crate::cni::skel::decode_version;
use crate::error::{code, EngineError};
use serde_json::{json, Map, Value};

/// `result_parse`: a plugin's ADD output as libcni decodes it. Input `{"result": <any>,
/// "configVersion"}`; a `null` result is an empty one, and a result without a non-empty
/// string `cniVersion` takes the config's version (`""` meaning 0.1.0). Answers
/// `{"result": <normalised result>}`.
pub fn result_parse(input: &Value) -> Result<Value, EngineError> {
    object(input, "result_parse")?;
    let config_version = match req_str(input, "configVersion")? {
        "" => "0.1.0",
        v => v,
    };
    let raw = input.get("result").unwrap_or(&Value::Null);
    let result = parse_plugin_output(raw, config_version)?;
    Ok(json!({ "result": result.to_value() }))
}

/// libcni's `fixupResultVersion` plus `create.Create`.
pub fn parse_plugin_output(raw: &Value, config_version: &str) -> Result<CniResult, EngineError> {
    let mut obj = match raw {
        Value::Null => Map::new(),
        Value::Object(m) => m.clone(),
        other => {
            return Err(EngineError::new(
                code::DECODING_FAILURE,
                format!(
                    "failed to unmarshal raw result: cannot unmarshal {} into a result object",
                    json_kind(other)
                ),
            ))
        }
    };
    // libcni looks the key up in a map here, so the match is exact.
    let version = match obj.get("cniVersion") {
        Some(Value::String(s)) if !s.is_empty() => s.clone(),
        _ => config_version.to_string(),
    };
    obj.insert("cniVersion".into(), json!(version));
    decode(&version, &Value::Object(obj))
}

/// A stored result (cache, prevResult) as libcni's `create.CreateFromBytes` reads it: its
/// own `cniVersion`, 0.1.0 when absent or empty.
pub fn parse_stored(raw: &Value) -> Result<CniResult, EngineError> {
    if !raw.is_object() {
        return Err(EngineError::new(
            code::DECODING_FAILURE,
            format!("cannot decode CNI result: expected an object, got {}", json_kind(raw)),
        ));
    }
    let version = decode_version(raw)?;
    decode(&version, raw)
}

/// `result_convert`. Input `{"result", "toVersion"}`; answers `{"result"}` converted by
/// libcni's rules.
pub fn result_convert(input: &Value) -> Result<Value, EngineError> {
    object(input, "result_convert")?;
    let to = req_str(input, "toVersion")?;
    let result = parse_stored(input.get("result").unwrap_or(&Value::Null))?;
    Ok(json!({ "result": convert(result, to)?.to_value() }))
}

/// libcni's `convert.Convert`: `""` means 0.1.0; the same version is returned unchanged.
pub fn convert(from: CniResult, to: &str) -> Result<CniResult, EngineError> {
    let to = if to.is_empty() { "0.1.0" } else { to };
    if from.version() == to {
        return Ok(from);
    }
    let no_converter = || {
        EngineError::new(
            code::INCOMPATIBLE_VERSION,
            format!("no converter for CNI result version {} to {}", from.version(), to),
        )
    };
    let target = family(to).ok_or_else(no_converter)?;
    let to = to.to_string();
    match (from, target) {
        (CniResult::V020(mut r), Family::V020) => {
            r.version = to;
            Ok(CniResult::V020(r))
        }
        (CniResult::V020(r), Family::V040) => Ok(CniResult::V040(from_020(r, to))),
        (CniResult::V020(r), Family::V100) => {
            Ok(CniResult::V100(to_100(from_020(r, to.clone()), to)))
        }
        (CniResult::V040(mut r), Family::V040) => {
            r.version = to;
            Ok(CniResult::V040(r))
        }
        (CniResult::V040(r), Family::V100) => Ok(CniResult::V100(to_100(r, to))),
        (CniResult::V040(r), Family::V020) => to_020(r, to).map(CniResult::V020),
        (CniResult::V100(mut r), Family::V100) => {
            r.version = to;
            Ok(CniResult::V100(r))
        }
        (CniResult::V100(r), Family::V040) => Ok(CniResult::V040(to_040(r, to))),
        (CniResult::V100(r), Family::V020) => {
            to_020(to_040(r, "0.4.0".into()), to).map(CniResult::V020)
        }
    }
}

/// Rule 4: `ip4` then `ip6` become `ips` with a `version`; their routes become `routes`.
fn from_020(r: Result020, to: String) -> ResultList {
    let mut out = ResultList {
        version: to,
        interfaces: Vec::new(),
        ips: Vec::new(),
        routes: Vec::new(),
        dns: r.dns,
    };
    for (block, v) in [(r.ip4, "4"), (r.ip6, "6")] {
        if let Some(block) = block {
            out.ips.push(IpConfig {
                version: v.into(),
                interface: None,
                address: block.ip,
                gateway: block.gateway,
            });
            out.routes.extend(block.routes);
        }
    }
    out
}

/// Rule 7: drop `ips[].version`; interfaces keep name, mac and sandbox.
fn to_100(r: ResultList, to: String) -> ResultList {
    ResultList {
        version: to,
        interfaces: r
            .interfaces
            .into_iter()
            .map(|i| Interface {
                name: i.name,
                mac: i.mac,
                sandbox: i.sandbox,
                ..Interface::default()
            })
            .collect(),
        ips: r.ips.into_iter().map(|ip| IpConfig { version: String::new(), ..ip }).collect(),
        routes: r.routes,
        dns: r.dns,
    }
}

/// Rule 9: `ips[].version` from the address; interfaces lose mtu, socketPath and pciID;
/// routes keep their 1.1 fields (libcni copies them).
fn to_040(r: ResultList, to: String) -> ResultList {
    ResultList {
        version: to,
        interfaces: r
            .interfaces
            .into_iter()
            .map(|i| Interface {
                name: i.name,
                mac: i.mac,
                sandbox: i.sandbox,
                ..Interface::default()
            })
            .collect(),
        ips: r
            .ips
            .into_iter()
            .map(|ip| IpConfig {
                version: if ip.address.ip.is_v4() { "4" } else { "6" }.into(),
                ..ip
            })
            .collect(),
        routes: r.routes,
        dns: r.dns,
    }
}

/// Rule 10: the first IP of each `version` becomes `ip4`/`ip6`; each route goes to the
/// block of its family (only `dst` and `gw` survive) or is dropped.
fn to_020(r: ResultList, to: String) -> Result<Result020, EngineError> {
    let mut out = Result020 { version: to, ip4: None, ip6: None, dns: r.dns };
    for ip in r.ips {
        let block = || Ip020 { ip: ip.address, gateway: ip.gateway, routes: Vec::new() };
        if ip.version == "4" && out.ip4.is_none() {
            out.ip4 = Some(block());
        } else if ip.version == "6" && out.ip6.is_none() {
            out.ip6 = Some(block());
        }
        if out.ip4.is_some() && out.ip6.is_some() {
            break;
        }
    }
    for route in r.routes {
        let slim = Route { mtu: 0, advmss: 0, priority: 0, table: None, scope: None, ..route };
        let target = if route.dst.ip.is_v4() { out.ip4.as_mut() } else { out.ip6.as_mut() };
        if let Some(block) = target {
            block.routes.push(slim);
        }
    }
    if out.ip4.is_none() && out.ip6.is_none() {
        return Err(EngineError::new(
            code::INCOMPATIBLE_VERSION,
            "cannot convert: no valid IP addresses",
        ));
    }
    Ok(out)
}

/// Parses a stored result and converts it to `to`, wrapping conversion failures as
/// libcni's cache reader does.
pub fn stored_as(raw: &Value, to: &str) -> Result<CniResult, EngineError> {
    let result = parse_stored(raw)?;
    convert(result, to).map_err(|e| {
        EngineError::new(
            e.code,
            format!("failed to convert cached result to config version {}: {}", quote(to), e.msg),
        )
    })
}
