//! Default routes after a delegate's ADD: Multus's decision (`CmdAdd`, after
//! `DelegateAdd`) and its edits of libcni's cached result (`netutils`
//! `DeleteDefaultGWCache` / `AddDefaultGWCache`).

use crate::cni::gofmt::{go_v, quote};
use crate::cni::input::{bad_input, object, opt_obj, opt_str_list, req_str};
use crate::cni::ip::{Cidr, Ip};
use crate::cni::{gojson, version};
use crate::error::{code, EngineError};
use crate::multus::status::as_100;
use serde_json::{json, Map, Value};

/// `default_route_actions`. Input `{"delegate": PlannedDelegate, "result"}`; answers
/// `{"actions": {"deleteV4", "deleteV6", "add"} | null}`.
///
/// `null` when the delegate has no `defaultRoute` or its result (as 1.0.0) has neither
/// interfaces nor IPs. Otherwise a family's default routes go when it is filtered or
/// gateways were requested, and the requested gateways are added unless both families
/// are filtered.
pub fn default_route_actions(input: &Value) -> Result<Value, EngineError> {
    object(input, "default_route_actions")?;
    let delegate = input.get("delegate").unwrap_or(&Value::Null);
    object(delegate, "delegate")?;
    let route = match opt_obj(delegate, "defaultRoute")? {
        Some(r) => Value::Object(r.clone()),
        None => return Ok(json!({ "actions": null })),
    };
    let result = as_100(input.get("result").unwrap_or(&Value::Null))?;
    if result.interfaces.is_empty() && result.ips.is_empty() {
        return Ok(json!({ "actions": null }));
    }
    let flag = |key: &str| match route.get(key) {
        None | Some(Value::Null) => Ok(false),
        Some(Value::Bool(b)) => Ok(*b),
        Some(other) => Err(bad_input(key, "a boolean", other)),
    };
    let (filter_v4, filter_v6) = (flag("filterV4")?, flag("filterV6")?);
    let gateways = opt_str_list(&route, "gateways")?.unwrap_or_default();
    let add =
        if gateways.is_empty() || (filter_v4 && filter_v6) { Vec::new() } else { gateways.clone() };
    Ok(json!({
        "actions": {
            "deleteV4": filter_v4 || !gateways.is_empty(),
            "deleteV6": filter_v6 || !gateways.is_empty(),
            "add": add,
        }
    }))
}

fn malformed(msg: String) -> EngineError {
    EngineError::new(code::DECODING_FAILURE, msg)
}

/// `cache_default_routes_edit`. Input `{"cacheText", "deleteV4", "deleteV6", "add"}`;
/// answers `{"text"}`: the libcni cache file with its `result` edited, written as Go's
/// `json.Marshal` of a map writes it (keys sorted; every other key kept). With nothing
/// to do the text comes back unchanged.
///
/// Results without `cniVersion` or at 0.1.0/0.2.0 keep routes in `ip4.routes` /
/// `ip6.routes`; 0.3.0, 0.3.1, 0.4.0 and 1.0.0 on in top-level `routes`; any other
/// version is `not supported version: <v>` (code 1). Deleting drops the default routes
/// (prefix length 0: `0.0.0.0/0`, `::/0`, `::0/0`) of the flagged families and, as Multus
/// does, every route without `dst`; a list left empty is removed. Adding appends
/// `{"dst": "0.0.0.0/0" | "::/0", "gw"}` per gateway (at 0.1.0/0.2.0 only to an existing
/// block of its family). A malformed cache is code 6 with Multus's message.
pub fn cache_default_routes_edit(input: &Value) -> Result<Value, EngineError> {
    object(input, "cache_default_routes_edit")?;
    let text = req_str(input, "cacheText")?;
    let flag = |key: &str| match input.get(key) {
        None | Some(Value::Null) => Ok(false),
        Some(Value::Bool(b)) => Ok(*b),
        Some(other) => Err(bad_input(key, "a boolean", other)),
    };
    let (v4, v6) = (flag("deleteV4")?, flag("deleteV6")?);
    let mut add = Vec::new();
    for gw in opt_str_list(input, "add")?.unwrap_or_default() {
        let ip = Ip::parse(&gw).ok_or_else(|| {
            EngineError::new(
                code::INVALID_NETWORK_CONFIG,
                format!("invalid default-route gateway {}", quote(&gw)),
            )
        })?;
        add.push(ip);
    }
    if !v4 && !v6 && add.is_empty() {
        return Ok(json!({ "text": text }));
    }
    let mut doc: Value =
        serde_json::from_str(text).map_err(|e| malformed(format!("invalid JSON: {}", e)))?;
    let cache = match &mut doc {
        Value::Object(m) => m,
        Value::Null => return Err(malformed("cannot get result from cache".into())),
        other => {
            return Err(malformed(format!(
                "json: cannot unmarshal {} into Go value of type map[string]interface {{}}",
                crate::cni::input::json_kind(other)
            )))
        }
    };
    let result = match cache.get_mut("result") {
        None => return Err(malformed("cannot get result from cache".into())),
        Some(Value::Object(r)) => r,
        Some(other) => return Err(malformed(format!("wrong result type: {}", go_v(other)))),
    };
    let legacy = match result.get("cniVersion") {
        None => true,
        Some(Value::String(v)) if v == "0.1.0" || v == "0.2.0" => true,
        Some(Value::String(v)) if matches!(v.as_str(), "0.3.0" | "0.3.1" | "0.4.0") => false,
        Some(Value::String(v)) if version::gte(v, "1.0.0").unwrap_or(false) => false,
        Some(Value::String(v)) => {
            return Err(EngineError::new(
                code::INCOMPATIBLE_VERSION,
                format!("not supported version: {}", v),
            ))
        }
        Some(other) => return Err(malformed(format!("wrong cniVersion format: {}", go_v(other)))),
    };
    if legacy {
        for (family, on) in [("ip4", v4), ("ip6", v6)] {
            if on {
                edit_block(result, family, |routes| drop_defaults(routes, family == "ip4"), false)?;
            }
        }
        for gw in &add {
            let family = if gw.is_v4() { "ip4" } else { "ip6" };
            edit_block(
                result,
                family,
                |mut routes| {
                    routes.push(default_route(gw));
                    Ok(routes)
                },
                true,
            )?;
        }
    } else {
        if v4 || v6 {
            if let Some(routes) = result.get("routes") {
                let mut routes = routes_of(routes, "routes")?;
                for (on, is_v4) in [(v4, true), (v6, false)] {
                    if on {
                        routes = drop_defaults(routes, is_v4)?;
                    }
                }
                put_routes(result, routes);
            }
        }
        if !add.is_empty() {
            let mut routes = match result.get("routes") {
                Some(r) => routes_of(r, "routes")?,
                None => Vec::new(),
            };
            routes.extend(add.iter().map(default_route));
            put_routes(result, routes);
        }
    }
    Ok(json!({ "text": gojson::marshal(&doc) }))
}

/// Applies `edit` to `<family>.routes` of a 0.1.0/0.2.0 result; nothing when the block
/// is absent, or (unless `create`) when it has no `routes`.
fn edit_block(
    result: &mut Map<String, Value>,
    family: &str,
    edit: impl FnOnce(Vec<Value>) -> Result<Vec<Value>, EngineError>,
    create: bool,
) -> Result<(), EngineError> {
    let block = match result.get_mut(family) {
        None => return Ok(()),
        Some(Value::Object(b)) => b,
        Some(other) => return Err(malformed(format!("wrong {} format: {}", family, go_v(other)))),
    };
    let routes = match block.get("routes") {
        None if !create => return Ok(()),
        None => Vec::new(),
        Some(r) => routes_of(r, &format!("{} routes", family))?,
    };
    put_routes(block, edit(routes)?);
    Ok(())
}

fn routes_of(v: &Value, what: &str) -> Result<Vec<Value>, EngineError> {
    match v {
        Value::Array(items) => Ok(items.clone()),
        other => Err(malformed(format!("wrong {} format: {}", what, go_v(other)))),
    }
}

fn put_routes(m: &mut Map<String, Value>, routes: Vec<Value>) {
    if routes.is_empty() {
        m.remove("routes");
    } else {
        m.insert("routes".into(), Value::Array(routes));
    }
}

/// Multus `deleteDefaultGWResultRoutes`, recognising every spelling of a default route
/// of the family: routes without `dst` are dropped too.
fn drop_defaults(routes: Vec<Value>, v4: bool) -> Result<Vec<Value>, EngineError> {
    let mut out = Vec::new();
    for r in routes {
        let route = match &r {
            Value::Object(m) => m,
            other => return Err(malformed(format!("wrong route format: {}", go_v(other)))),
        };
        let dst = match route.get("dst") {
            None => continue,
            Some(Value::String(s)) => s,
            Some(other) => return Err(malformed(format!("wrong dst format: {}", go_v(other)))),
        };
        let is_default = Cidr::parse(dst).map_or(false, |c| c.prefix == 0 && (c.bits == 32) == v4);
        if !is_default {
            out.push(r);
        }
    }
    Ok(out)
}

fn default_route(gw: &Ip) -> Value {
    let dst = if gw.is_v4() { "0.0.0.0/0" } else { "::/0" };
    json!({ "dst": dst, "gw": gw.to_go_string() })
}
