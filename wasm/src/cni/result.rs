//! CNI results of every version as libcni's typed structs hold them (`pkg/types/020`,
//! `040`, `100`), and their JSON as libcni writes it.
//!
//! Writing follows Go's struct tags: empty lists and empty strings are omitted, the
//! `interface` index is written when set (even 0), 0.x results always carry `dns`
//! (`"dns": {}` when empty) and 1.x results carry `dns` only when it is not empty (as
//! libcni since v1.2 does; parsers accept both, SPEC rule 75).

use crate::cni::ip::{Cidr, Ip};
use serde_json::{json, Map, Value};

/// The three result layouts: 0.1.0/0.2.0, 0.3.x/0.4.0 and 1.x.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    /// 0.1.0 and 0.2.0: `ip4`/`ip6` blocks.
    V020,
    /// 0.3.0, 0.3.1 and 0.4.0: `interfaces`, `ips` with `version`, `routes`.
    V040,
    /// 1.0.0 and 1.1.0: `ips` without `version`; 1.1 interface and route fields.
    V100,
}

/// The result layout of `version`, or `None` for a version libcni has no parser for.
pub fn family(version: &str) -> Option<Family> {
    match version {
        "0.1.0" | "0.2.0" => Some(Family::V020),
        "0.3.0" | "0.3.1" | "0.4.0" => Some(Family::V040),
        "1.0.0" | "1.1.0" => Some(Family::V100),
        _ => None,
    }
}

/// A route (`types.Route`; the 1.1 fields are decoded in every version, as libcni does).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    /// `dst`.
    pub dst: Cidr,
    /// `gw`.
    pub gw: Option<Ip>,
    /// `mtu` (0 = unset).
    pub mtu: i64,
    /// `advmss` (0 = unset).
    pub advmss: i64,
    /// `priority` (0 = unset).
    pub priority: i64,
    /// `table`.
    pub table: Option<i64>,
    /// `scope`.
    pub scope: Option<i64>,
}

/// DNS settings (`types.DNS`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Dns {
    /// `nameservers`.
    pub nameservers: Vec<String>,
    /// `domain`.
    pub domain: String,
    /// `search`.
    pub search: Vec<String>,
    /// `options`.
    pub options: Vec<String>,
}

/// The `ip4`/`ip6` block of a 0.1.0/0.2.0 result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ip020 {
    /// `ip`.
    pub ip: Cidr,
    /// `gateway`.
    pub gateway: Option<Ip>,
    /// `routes` of this family.
    pub routes: Vec<Route>,
}

/// A 0.1.0/0.2.0 result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Result020 {
    /// `cniVersion`.
    pub version: String,
    /// `ip4`.
    pub ip4: Option<Ip020>,
    /// `ip6`.
    pub ip6: Option<Ip020>,
    /// `dns`.
    pub dns: Dns,
}

/// An interface; `mtu`, `socket_path` and `pci_id` exist in 1.x results only.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Interface {
    /// `name`.
    pub name: String,
    /// `mac`.
    pub mac: String,
    /// `mtu` (1.x; 0 = unset).
    pub mtu: i64,
    /// `sandbox`: the netns path for container interfaces.
    pub sandbox: String,
    /// `socketPath` (1.x).
    pub socket_path: String,
    /// `pciID` (1.x).
    pub pci_id: String,
}

/// An IP of a 0.3.0+ result; `version` exists in 0.3.x/0.4.0 results only.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IpConfig {
    /// `version`, "4" or "6" (0.3.x/0.4.0 only).
    pub version: String,
    /// `interface`: an index into the result's interfaces.
    pub interface: Option<i64>,
    /// `address`.
    pub address: Cidr,
    /// `gateway`.
    pub gateway: Option<Ip>,
}

/// A 0.3.x/0.4.0 or 1.x result (the same fields; which ones are written depends on the
/// family).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResultList {
    /// `cniVersion`.
    pub version: String,
    /// `interfaces`.
    pub interfaces: Vec<Interface>,
    /// `ips`.
    pub ips: Vec<IpConfig>,
    /// `routes`.
    pub routes: Vec<Route>,
    /// `dns`.
    pub dns: Dns,
}

/// A decoded result of any version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CniResult {
    /// A 0.1.0/0.2.0 result.
    V020(Result020),
    /// A 0.3.x/0.4.0 result.
    V040(ResultList),
    /// A 1.x result.
    V100(ResultList),
}

impl CniResult {
    /// The result's `cniVersion`.
    pub fn version(&self) -> &str {
        match self {
            CniResult::V020(r) => &r.version,
            CniResult::V040(r) | CniResult::V100(r) => &r.version,
        }
    }

    /// The result's JSON as libcni writes it.
    pub fn to_value(&self) -> Value {
        let mut m = Map::new();
        let version = self.version();
        if !version.is_empty() {
            m.insert("cniVersion".into(), json!(version));
        }
        match self {
            CniResult::V020(r) => {
                if let Some(ip) = &r.ip4 {
                    m.insert("ip4".into(), ip020_value(ip));
                }
                if let Some(ip) = &r.ip6 {
                    m.insert("ip6".into(), ip020_value(ip));
                }
                m.insert("dns".into(), dns_value(&r.dns));
            }
            CniResult::V040(r) | CniResult::V100(r) => {
                let v1 = matches!(self, CniResult::V100(_));
                if !r.interfaces.is_empty() {
                    let list = r.interfaces.iter().map(|i| interface_value(i, v1)).collect();
                    m.insert("interfaces".into(), Value::Array(list));
                }
                if !r.ips.is_empty() {
                    let list = r.ips.iter().map(|i| ip_value(i, v1)).collect();
                    m.insert("ips".into(), Value::Array(list));
                }
                if !r.routes.is_empty() {
                    m.insert("routes".into(), routes_value(&r.routes));
                }
                if !v1 || !r.dns.is_empty() {
                    m.insert("dns".into(), dns_value(&r.dns));
                }
            }
        }
        Value::Object(m)
    }
}

impl Dns {
    /// `DNS.IsEmpty()`.
    pub fn is_empty(&self) -> bool {
        self.nameservers.is_empty()
            && self.domain.is_empty()
            && self.search.is_empty()
            && self.options.is_empty()
    }
}

fn put_str(m: &mut Map<String, Value>, key: &str, s: &str) {
    if !s.is_empty() {
        m.insert(key.into(), json!(s));
    }
}

fn put_ip(m: &mut Map<String, Value>, key: &str, ip: &Option<Ip>) {
    if let Some(ip) = ip {
        m.insert(key.into(), json!(ip.to_go_string()));
    }
}

fn put_list(m: &mut Map<String, Value>, key: &str, list: &[String]) {
    if !list.is_empty() {
        m.insert(key.into(), json!(list));
    }
}

fn dns_value(d: &Dns) -> Value {
    let mut m = Map::new();
    put_list(&mut m, "nameservers", &d.nameservers);
    put_str(&mut m, "domain", &d.domain);
    put_list(&mut m, "search", &d.search);
    put_list(&mut m, "options", &d.options);
    Value::Object(m)
}

fn routes_value(routes: &[Route]) -> Value {
    Value::Array(routes.iter().map(route_value).collect())
}

fn route_value(r: &Route) -> Value {
    let mut m = Map::new();
    m.insert("dst".into(), json!(r.dst.to_go_string()));
    put_ip(&mut m, "gw", &r.gw);
    for (key, n) in [("mtu", r.mtu), ("advmss", r.advmss), ("priority", r.priority)] {
        if n != 0 {
            m.insert(key.into(), json!(n));
        }
    }
    for (key, n) in [("table", r.table), ("scope", r.scope)] {
        if let Some(n) = n {
            m.insert(key.into(), json!(n));
        }
    }
    Value::Object(m)
}

fn ip020_value(ip: &Ip020) -> Value {
    let mut m = Map::new();
    m.insert("ip".into(), json!(ip.ip.to_go_string()));
    put_ip(&mut m, "gateway", &ip.gateway);
    if !ip.routes.is_empty() {
        m.insert("routes".into(), routes_value(&ip.routes));
    }
    Value::Object(m)
}

fn interface_value(i: &Interface, v1: bool) -> Value {
    let mut m = Map::new();
    m.insert("name".into(), json!(i.name));
    put_str(&mut m, "mac", &i.mac);
    if v1 && i.mtu != 0 {
        m.insert("mtu".into(), json!(i.mtu));
    }
    put_str(&mut m, "sandbox", &i.sandbox);
    if v1 {
        put_str(&mut m, "socketPath", &i.socket_path);
        put_str(&mut m, "pciID", &i.pci_id);
    }
    Value::Object(m)
}

fn ip_value(ip: &IpConfig, v1: bool) -> Value {
    let mut m = Map::new();
    if !v1 {
        m.insert("version".into(), json!(ip.version));
    }
    if let Some(n) = ip.interface {
        m.insert("interface".into(), json!(n));
    }
    m.insert("address".into(), json!(ip.address.to_go_string()));
    put_ip(&mut m, "gateway", &ip.gateway);
    Value::Object(m)
}
