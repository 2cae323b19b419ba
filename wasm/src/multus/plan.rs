//! The delegate plan (`pod_network_plan`): Multus `CmdAdd` steps 9–10 and
//! `CreateCNIRuntimeConf`. For each delegate, in order: its interface name (Multus
//! `getIfname`), its list with `cniVersion` filled in, its `CNI_ARGS` and capability
//! args, its default-route filters (the ECMP check); and the scratch cache to write
//! before anything runs.

#[path = "state/delegate_list.rs"]
mod delegate_list;
#[path = "state/runtime.rs"]
mod runtime;

use crate::cni::gofmt::quote;
use crate::cni::input::{bad_input, object, opt_array, opt_obj, opt_str, opt_str_list, req_str};
use crate::cni::ip::Ip;
use crate::cni::validate;
use crate::error::{code, EngineError};
use crate::multus::scratch_cache::{self, CacheEntry};
use delegate_list::DelegateList;
use serde_json::{json, Value};

#[derive(Clone, Copy, PartialEq, Eq)]
enum Command {
    Add,
    Del,
    Check,
}

/// `default-route` handling of one delegate.
struct Route {
    filter_v4: bool,
    filter_v6: bool,
    gateways: Vec<String>,
}

/// `pod_network_plan`. Input `{"conf": MultusConf, "containerId", "netns", "ifName",
/// "cniArgs", "k8sArgs", "delegates": DelegateConf[], "command"?: "ADD" | "DEL" |
/// "CHECK", "secondaryOnly"?: bool, "uniqueArgs"?: bool}` (ADD by default); answers
/// `{"delegates": PlannedDelegate[], "scratchCache"}`.
///
/// * The master is the first delegate, unless `secondaryOnly` (the daemon's `/delegate`
///   API, Go Multus's `cmdDelegateAdd`): then no delegate is the master and each takes
///   only its own requests as capability args.
/// * Interface names: the request, else `ifName` for the master (index 0), else
///   `net<index>`. For ADD and CHECK every name must pass libcni's checks (code 4 for
///   the runtime's `ifName`, code 7 for a requested name) and be unique (code 7), so a
///   pod fails before any delegate runs.
/// * `default-route`: when any delegate requests it (even `[]`), more than one IPv4 or
///   more than one IPv6 gateway in total is `multus does not support ECMP for
///   default-route` (code 7, ADD and CHECK); each delegate then gets filters that are
///   true except for the families it requested itself.
/// * ADD adds `MAC` and `IP` pairs to `CNI_ARGS` for the requests, validated with
///   Multus's messages.
/// * `uniqueArgs` (the daemon): each `CNI_ARGS` key once (see `runtime::base_args`); a
///   `MAC`/`IP` request replaces a runtime pair of that key.
/// * DEL never fails on a request: names are not checked, an ECMP conflict or an
///   invalid gateway only drops `defaultRoute`, and `MAC`/`IP` are not added.
/// * `collect` (`multus explain`): every problem the command would meet is listed in
///   `problems` (`{"code","msg","details"?,"index"?}`, in the order the errors would be
///   met, so the first is the error answered without `collect`) instead of answering the
///   first; a delegate whose config does not parse or whose requests are invalid is left
///   out of `delegates` (each keeps its `index`), an ECMP conflict drops `defaultRoute`.
pub fn pod_network_plan(input: &Value) -> Result<Value, EngineError> {
    object(input, "pod_network_plan")?;
    let conf = input.get("conf").unwrap_or(&Value::Null);
    object(conf, "conf")?;
    let top_version = opt_str(conf, "cniVersion")?.unwrap_or("");
    let runtime_config = opt_obj(conf, "runtimeConfig")?;
    let container_id = req_str(input, "containerId")?;
    let netns = req_str(input, "netns")?;
    let if_name = req_str(input, "ifName")?;
    let cni_args = opt_str(input, "cniArgs")?.unwrap_or("");
    let command = match opt_str(input, "command")? {
        None | Some("ADD") => Command::Add,
        Some("DEL") => Command::Del,
        Some("CHECK") => Command::Check,
        Some(other) => {
            return Err(bad_input("command", "\"ADD\", \"DEL\" or \"CHECK\"", &json!(other)))
        }
    };
    let secondary_only = match input.get("secondaryOnly") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(other) => return Err(bad_input("secondaryOnly", "a boolean", other)),
    };
    let unique_args = match input.get("uniqueArgs") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(other) => return Err(bad_input("uniqueArgs", "a boolean", other)),
    };
    let mut problems = Problems {
        collect: match input.get("collect") {
            None | Some(Value::Null) => false,
            Some(Value::Bool(b)) => *b,
            Some(other) => return Err(bad_input("collect", "a boolean", other)),
        },
        list: Vec::new(),
    };
    let base_args =
        runtime::base_args(input.get("k8sArgs").unwrap_or(&Value::Null), cni_args, unique_args)?;
    let delegates = opt_array(input, "delegates")?.map(Vec::as_slice).unwrap_or(&[]);
    if delegates.is_empty() {
        return Err(EngineError::new(
            code::INVALID_NETWORK_CONFIG,
            "the pod has no delegates to plan",
        ));
    }
    let mut lists: Vec<Option<DelegateList>> = Vec::new();
    let mut names: Vec<(String, bool)> = Vec::new();
    for (i, d) in delegates.iter().enumerate() {
        object(d, "delegates[]")?;
        let name = req_str(d, "name")?;
        lists.push(
            problems.check(delegate_list::parse(name, req_str(d, "bytes")?, top_version), i)?,
        );
        names.push(match opt_str(d, "ifnameRequest")?.filter(|r| !r.is_empty()) {
            Some(req) => (req.to_string(), true),
            None if i == 0 => (if_name.to_string(), false),
            None => (format!("net{}", i), false),
        });
    }
    let routes = problems.check(default_routes(delegates, command), usize::MAX)?.flatten();
    let mut planned = Vec::new();
    for (i, d) in delegates.iter().enumerate() {
        let name = req_str(d, "name")?;
        let (ifname, requested) = &names[i];
        let list = match &lists[i] {
            Some(list) => list,
            None => continue,
        };
        if command != Command::Del {
            problems.check(check_name(name, ifname, *requested), i)?;
            if let Some(j) = names[..i].iter().position(|(other, _)| other == ifname) {
                let e = EngineError::new(
                    code::INVALID_NETWORK_CONFIG,
                    format!(
                        "interface name {} is requested by network {} and by network {}; each attachment needs its own name",
                        quote(ifname),
                        quote(req_str(&delegates[j], "name")?),
                        quote(name)
                    ),
                );
                problems.check::<()>(Err(e), i)?;
            }
        }
        let mut args = base_args.clone();
        if command == Command::Add {
            let requests = problems.check(runtime::request_args(d), i)?;
            for (key, value) in requests.into_iter().flatten() {
                // The pod's own request wins over a runtime pair of the same key.
                match args.iter_mut().find(|(k, _)| unique_args && *k == key) {
                    Some(slot) => slot.1 = value,
                    None => args.push((key, value)),
                }
            }
        }
        let master = i == 0 && !secondary_only;
        let (caps, devinfo) = match problems
            .check(runtime::capability_args(master, runtime_config, d, (container_id, ifname)), i)?
        {
            Some(found) => found,
            None => continue,
        };
        let mut p = serde_json::Map::new();
        p.insert("index".into(), json!(i));
        p.insert("name".into(), json!(name));
        p.insert("isMaster".into(), json!(master));
        p.insert("isConflist".into(), json!(list.is_conflist));
        p.insert("ifName".into(), json!(ifname));
        p.insert("list".into(), list.list.clone());
        p.insert("containerId".into(), json!(container_id));
        p.insert("netns".into(), json!(netns));
        p.insert("args".into(), json!(args.iter().map(|(k, v)| json!([k, v])).collect::<Vec<_>>()));
        p.insert("capabilityArgs".into(), Value::Object(caps));
        if let Some(r) = routes.as_ref().map(|r| &r[i]) {
            let route =
                json!({ "filterV4": r.filter_v4, "filterV6": r.filter_v6, "gateways": r.gateways });
            p.insert("defaultRoute".into(), route);
        }
        if let Some(file) = devinfo {
            p.insert("deviceInfoFile".into(), json!(file));
        }
        for key in ["resourceName", "deviceID"] {
            if let Some(v) = opt_str(d, key)?.filter(|v| !v.is_empty()) {
                p.insert(key.into(), json!(v));
            }
        }
        planned.push(Value::Object(p));
    }
    let gateways: Vec<Option<Vec<String>>> =
        delegates.iter().map(|d| gateway_texts(d).unwrap_or(None)).collect();
    let entries: Vec<CacheEntry> = delegates
        .iter()
        .enumerate()
        .filter_map(|(i, d)| lists[i].as_ref().map(|list| (i, d, list)))
        .map(|(i, d, list)| CacheEntry {
            delegate: d,
            bytes: &list.bytes,
            is_conflist: list.is_conflist,
            gateways: gateways[i].as_deref(),
            filter_v4: routes.as_ref().map_or(false, |r| r[i].filter_v4),
            filter_v6: routes.as_ref().map_or(false, |r| r[i].filter_v6),
        })
        .collect();
    let mut out = json!({ "delegates": planned, "scratchCache": scratch_cache::encode(&entries) });
    if problems.collect {
        out["problems"] = Value::Array(problems.list);
    }
    Ok(out)
}

/// Where the plan's errors go: answered at once, or listed when `collect` is set.
struct Problems {
    collect: bool,
    list: Vec<Value>,
}

impl Problems {
    /// `Ok(Some(v))` for a success; for a failure the error itself, or (collecting) the
    /// error listed with the delegate's `index` (`usize::MAX`: the whole pod) and `Ok(None)`.
    fn check<T>(
        &mut self,
        r: Result<T, EngineError>,
        index: usize,
    ) -> Result<Option<T>, EngineError> {
        match r {
            Ok(v) => Ok(Some(v)),
            Err(e) if self.collect => {
                let mut v = e.to_json();
                if index != usize::MAX {
                    v["index"] = json!(index);
                }
                self.list.push(v);
                Ok(None)
            }
            Err(e) => Err(e),
        }
    }
}

/// libcni's interface-name checks, worded for the attachment.
fn check_name(network: &str, ifname: &str, requested: bool) -> Result<(), EngineError> {
    validate::interface_name(ifname).map_err(|e| {
        let code = if requested { code::INVALID_NETWORK_CONFIG } else { code::INVALID_ENV };
        EngineError::new(
            code,
            format!(
                "invalid interface name {} for network {}: {}",
                quote(ifname),
                quote(network),
                e.msg
            ),
        )
        .with_details(e.details)
    })
}

/// A delegate's `default-route` gateways in Go's text form; `None` when not requested.
fn gateway_texts(d: &Value) -> Result<Option<Vec<String>>, EngineError> {
    let list = match opt_str_list(d, "gatewayRequest")? {
        Some(list) => list,
        None => return Ok(None),
    };
    let mut out = Vec::new();
    for gw in &list {
        let ip = Ip::parse(gw).ok_or_else(|| {
            EngineError::new(
                code::INVALID_NETWORK_CONFIG,
                format!(
                    "invalid default-route gateway {} for network {}",
                    quote(gw),
                    quote(d.get("name").and_then(Value::as_str).unwrap_or(""))
                ),
            )
        })?;
        out.push(ip.to_go_string());
    }
    Ok(Some(out))
}

/// Multus `CheckGatewayConfig`: `None` when no delegate requests `default-route`.
fn default_routes(
    delegates: &[Value],
    command: Command,
) -> Result<Option<Vec<Route>>, EngineError> {
    let mut requests = Vec::new();
    for d in delegates {
        match gateway_texts(d) {
            Ok(r) => requests.push(r),
            Err(_) if command == Command::Del => return Ok(None),
            Err(e) => return Err(e),
        }
    }
    if requests.iter().all(Option::is_none) {
        return Ok(None);
    }
    let is_v4 = |gw: &String| Ip::parse(gw).map_or(false, |ip| ip.is_v4());
    let all: Vec<&String> = requests.iter().flatten().flatten().collect();
    let v4 = all.iter().filter(|g| is_v4(g)).count();
    if v4 > 1 || all.len() - v4 > 1 {
        if command == Command::Del {
            return Ok(None);
        }
        return Err(EngineError::new(
            code::INVALID_NETWORK_CONFIG,
            "multus does not support ECMP for default-route",
        ));
    }
    Ok(Some(
        requests
            .into_iter()
            .map(|r| {
                let gateways = r.unwrap_or_default();
                Route {
                    filter_v4: !gateways.iter().any(is_v4),
                    filter_v6: !gateways.iter().any(|g| !is_v4(g)),
                    gateways,
                }
            })
            .collect(),
    ))
}
