//! A CNI device-info file's content as nad-client's `DeviceInfo` struct reads and
//! writes it (device-info spec 1.1.0): known fields only, in struct order, empty ones
//! left out.

use crate::cni::input::field;
use serde_json::{Map, Value};

/// The sub-objects of `DeviceInfo` and their fields, in struct order.
const SECTIONS: &[(&str, &[&str])] = &[
    ("pci", &["pci-address", "vhost-net", "rdma-device", "pf-pci-address", "representor-device"]),
    (
        "vdpa",
        &["parent-device", "driver", "path", "pci-address", "pf-pci-address", "representor-device"],
    ),
    ("vhost-user", &["mode", "path"]),
    ("memif", &["role", "path", "mode"]),
];

/// `DeviceInfo` as Go round-trips it, or `None` when Go could not decode it (a field of
/// the wrong type), in which case Multus leaves `device-info` out of the status.
pub(crate) fn normalise(v: &Value) -> Option<Value> {
    let obj = v.as_object()?;
    let mut m = Map::new();
    for key in ["type", "version"] {
        put_str(&mut m, obj, key)?;
    }
    for (section, keys) in SECTIONS {
        match field(obj, section) {
            None | Some(Value::Null) => {}
            Some(Value::Object(s)) => {
                let mut sub = Map::new();
                for key in *keys {
                    put_str(&mut sub, s, key)?;
                }
                m.insert((*section).into(), Value::Object(sub));
            }
            Some(_) => return None,
        }
    }
    Some(Value::Object(m))
}

/// Copies string field `key` when not empty; `None` when it is not a string.
fn put_str(m: &mut Map<String, Value>, obj: &Map<String, Value>, key: &str) -> Option<()> {
    match field(obj, key) {
        None | Some(Value::Null) => Some(()),
        Some(Value::String(s)) => {
            if !s.is_empty() {
                m.insert(key.into(), Value::String(s.clone()));
            }
            Some(())
        }
        Some(_) => None,
    }
}
