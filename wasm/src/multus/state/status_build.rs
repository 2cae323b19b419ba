//! nad-client's `CreateNetworkStatuses` (v1.7.6): network-status entries from one
//! attachment's result, already converted to 1.0.0.

use crate::cni::ip::Ip;
use crate::cni::result::{Dns, ResultList};
use serde_json::{json, Map, Value};

/// One `NetworkStatus` before it is written (fields in Go's struct order).
struct Status {
    interface: String,
    ips: Vec<String>,
    mac: String,
    mtu: i64,
    default: bool,
}

/// The statuses of one attachment named `name`.
///
/// Exactly one interface: one entry with the last sandbox interface's name, MAC and MTU,
/// every IP, `default` as given. Otherwise one entry per sandbox interface, IPs placed by
/// their `interface` index (those without one go to the last entry); for the default
/// network `default` marks the interface of the first IP with a gateway and an index,
/// or, when there is none, the first sandbox interface. Every entry carries the
/// gateways of the result's default routes (routes without a gateway are skipped: Go
/// writes them as `"<nil>"`) and the DNS settings.
pub(crate) fn statuses(
    r: &ResultList,
    name: &str,
    is_default: bool,
    dev: Option<&Value>,
) -> Vec<Value> {
    let gateways: Vec<String> = r
        .routes
        .iter()
        .filter(|route| is_zero(&route.dst.ip))
        .filter_map(|route| route.gw.map(|gw| gw.to_go_string()))
        .collect();
    let ip_text = |i: usize| r.ips[i].address.ip.to_go_string();
    let mut out: Vec<Status> = Vec::new();
    if r.interfaces.len() == 1 {
        let mut s = Status {
            interface: String::new(),
            ips: Vec::new(),
            mac: String::new(),
            mtu: 0,
            default: is_default,
        };
        for iface in r.interfaces.iter().filter(|i| !i.sandbox.is_empty()) {
            s.interface = iface.name.clone();
            s.mac = iface.mac.clone();
            s.mtu = iface.mtu;
        }
        s.ips = (0..r.ips.len()).map(ip_text).collect();
        out.push(s);
    } else {
        let gw_index = if is_default {
            r.ips
                .iter()
                .find(|ip| ip.gateway.is_some() && ip.interface.is_some())
                .and_then(|ip| ip.interface)
        } else {
            None
        };
        let mut index_map: Vec<(i64, usize)> = Vec::new();
        let (mut did_set, mut found_first) = (false, false);
        for (i, iface) in r.interfaces.iter().enumerate().filter(|(_, f)| !f.sandbox.is_empty()) {
            let mut default = false;
            if is_default && gw_index == Some(i as i64) && !did_set {
                default = true;
                did_set = true;
            }
            if is_default && gw_index.is_none() && !found_first {
                default = true;
                found_first = true;
            }
            index_map.push((i as i64, out.len()));
            out.push(Status {
                interface: iface.name.clone(),
                ips: Vec::new(),
                mac: iface.mac.clone(),
                mtu: iface.mtu,
                default,
            });
        }
        for (n, ip) in r.ips.iter().enumerate() {
            let target = match ip.interface {
                Some(idx) => index_map.iter().find(|(orig, _)| *orig == idx).map(|(_, new)| *new),
                None => out.len().checked_sub(1),
            };
            if let Some(t) = target {
                out[t].ips.push(ip_text(n));
            }
        }
    }
    out.into_iter().map(|s| status_value(s, name, &r.dns, dev, &gateways)).collect()
}

/// Go's `route.Dst.IP.Equal(net.IPv4zero) || Equal(net.IPv6zero)`.
fn is_zero(ip: &Ip) -> bool {
    let b = &ip.0;
    b.iter().all(|x| *x == 0) || (ip.is_v4() && b[12..].iter().all(|x| *x == 0))
}

fn status_value(
    s: Status,
    name: &str,
    dns: &Dns,
    dev: Option<&Value>,
    gateways: &[String],
) -> Value {
    let mut m = Map::new();
    m.insert("name".into(), json!(name));
    if !s.interface.is_empty() {
        m.insert("interface".into(), json!(s.interface));
    }
    if !s.ips.is_empty() {
        m.insert("ips".into(), json!(s.ips));
    }
    if !s.mac.is_empty() {
        m.insert("mac".into(), json!(s.mac));
    }
    if s.mtu != 0 {
        m.insert("mtu".into(), json!(s.mtu));
    }
    if s.default {
        m.insert("default".into(), json!(true));
    }
    let mut d = Map::new();
    if !dns.nameservers.is_empty() {
        d.insert("nameservers".into(), json!(dns.nameservers));
    }
    if !dns.domain.is_empty() {
        d.insert("domain".into(), json!(dns.domain));
    }
    if !dns.search.is_empty() {
        d.insert("search".into(), json!(dns.search));
    }
    if !dns.options.is_empty() {
        d.insert("options".into(), json!(dns.options));
    }
    m.insert("dns".into(), Value::Object(d));
    if let Some(dev) = dev {
        m.insert("device-info".into(), dev.clone());
    }
    if !gateways.is_empty() {
        m.insert("gateway".into(), json!(gateways));
    }
    Value::Object(m)
}
