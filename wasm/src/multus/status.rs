//! The network-status annotation and the `AddedInterface` events (nad-client
//! `CreateNetworkStatuses` and `SetNetworkStatus`, Multus `DelegateAdd`), and Multus's
//! empty result for a pod that is gone at ADD time.

#[path = "state/device_info.rs"]
mod device_info;
#[path = "state/indent.rs"]
mod indent;
#[path = "state/status_build.rs"]
mod status_build;

use crate::cni::convert::{convert, parse_stored};
use crate::cni::input::{bad_input, object, opt_array, req_str};
use crate::cni::ip::{Cidr, Ip};
use crate::cni::result::{CniResult, Interface, IpConfig, ResultList};
use crate::error::{code, EngineError};
use serde_json::{json, Value};

/// A result of any version as 1.0.0 (`cni100.NewResultFromResult`).
pub(crate) fn as_100(raw: &Value) -> Result<ResultList, EngineError> {
    match convert(parse_stored(raw)?, "1.0.0")? {
        CniResult::V100(r) => Ok(r),
        _ => {
            Err(EngineError::new(code::INTERNAL, "result conversion to 1.0.0 gave another layout"))
        }
    }
}

/// `network_status`. Input `{"entries": [{"name", "isDefault", "ifName", "result",
/// "deviceInfo"?}]}`; answers `{"statuses", "annotation", "events"}`.
///
/// `statuses` are every entry's `CreateNetworkStatuses` concatenated (results of any
/// version, converted to 1.0.0; IPs without their prefix; a result without interfaces
/// gives none). `annotation` is `SetNetworkStatus`'s value: each status indented with
/// four spaces, joined with `,` inside `[` `]`. `events` has one Normal `AddedInterface`
/// per entry whose result has interfaces or IPs: `Add <ifName> [<ip/prefix> ...] from
/// <name>` (no ` from` part when the name is empty). A `deviceInfo` Go could not decode
/// is left out, as Multus leaves it out.
pub fn network_status(input: &Value) -> Result<Value, EngineError> {
    object(input, "network_status")?;
    let mut statuses = Vec::new();
    let mut events = Vec::new();
    for entry in opt_array(input, "entries")?.map(Vec::as_slice).unwrap_or(&[]) {
        object(entry, "entries[]")?;
        let name = req_str(entry, "name")?;
        let if_name = req_str(entry, "ifName")?;
        let is_default = match entry.get("isDefault") {
            None | Some(Value::Null) => false,
            Some(Value::Bool(b)) => *b,
            Some(other) => return Err(bad_input("isDefault", "a boolean", other)),
        };
        let result = as_100(entry.get("result").unwrap_or(&Value::Null))?;
        let dev = entry.get("deviceInfo").filter(|v| !v.is_null()).and_then(device_info::normalise);
        statuses.extend(status_build::statuses(&result, name, is_default, dev.as_ref()));
        if !result.interfaces.is_empty() || !result.ips.is_empty() {
            let ips: Vec<String> = result.ips.iter().map(|ip| ip.address.to_go_string()).collect();
            let mut message = format!("Add {} [{}]", if_name, ips.join(" "));
            if !name.is_empty() {
                message = format!("{} from {}", message, name);
            }
            events
                .push(json!({ "type": "Normal", "reason": "AddedInterface", "message": message }));
        }
    }
    let texts: Vec<String> = statuses.iter().map(indent::marshal_indent).collect();
    Ok(json!({
        "statuses": statuses,
        "annotation": format!("[{}]", texts.join(",")),
        "events": events,
    }))
}

/// `empty_result`. Input `{"cniVersion", "ifName", "netns"}`; answers `{"result"}`:
/// Multus's `emptyCNIResult`, one interface `{name: ifName, sandbox: netns}` and one IP
/// `0.0.0.0/0` with gateway `0.0.0.0`, written in `cniVersion`'s own layout (converted
/// from 1.0.0 by libcni's rules; `""` is 0.1.0).
pub fn empty_result(input: &Value) -> Result<Value, EngineError> {
    object(input, "empty_result")?;
    let version = req_str(input, "cniVersion")?;
    let if_name = req_str(input, "ifName")?;
    let netns = req_str(input, "netns")?;
    let zero = Ip::parse("0.0.0.0");
    let address = Cidr::parse("0.0.0.0/0");
    let (zero, address) = match (zero, address) {
        (Some(z), Some(a)) => (z, a),
        _ => return Err(EngineError::new(code::INTERNAL, "cannot build the empty result")),
    };
    let result = ResultList {
        version: "1.0.0".into(),
        interfaces: vec![Interface {
            name: if_name.to_string(),
            sandbox: netns.to_string(),
            ..Interface::default()
        }],
        ips: vec![IpConfig {
            version: String::new(),
            interface: None,
            address,
            gateway: Some(zero),
        }],
        routes: Vec::new(),
        dns: Default::default(),
    };
    let result = convert(CniResult::V100(result), version)?;
    Ok(json!({ "result": result.to_value() }))
}
