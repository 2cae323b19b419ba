//! Reading the primary CNI config for the generators: its capabilities (from a single
//! config, or from every plugin of a list) and Go's `%v` of it for one message.

use crate::cni::input::quote_value;
use serde_json::{Map, Value};

/// Which capability values a generator keeps.
#[derive(Clone, Copy, PartialEq)]
pub(crate) enum Keep {
    /// Only `true` ones (the daemon's generator, `setCapabilities`).
    Enabled,
    /// Every value, `false` included (thin_entrypoint).
    All,
}

/// The primary's capabilities, merged in document order (a later plugin's value
/// replaces an earlier one's). A list's `plugins` are read when the key is present and
/// non-empty; otherwise the top-level `capabilities` (Multus's generator looks at the
/// top level of an empty list, thin_entrypoint does not).
///
/// Errors (where Multus would panic on a type assertion) name the offending value.
pub(crate) fn capabilities(
    doc: &Map<String, Value>,
    keep: Keep,
    top_level_of_empty_list: bool,
) -> Result<Map<String, Value>, String> {
    let mut out = Map::new();
    match doc.get("plugins") {
        Some(Value::Array(plugins)) if !plugins.is_empty() => {
            for (i, plugin) in plugins.iter().enumerate() {
                match plugin {
                    Value::Object(p) => merge(&mut out, p, keep)?,
                    other if keep == Keep::All => {
                        return Err(format!(
                            "plugin {} of the primary CNI configuration is not an object: {}",
                            i,
                            quote_value(other)
                        ))
                    }
                    _ => {}
                }
            }
        }
        Some(Value::Array(_)) if !top_level_of_empty_list => {}
        None | Some(Value::Array(_)) => merge(&mut out, doc, keep)?,
        Some(other) => {
            return Err(format!(
                "\"plugins\" of the primary CNI configuration is not a list: {}",
                quote_value(other)
            ))
        }
    }
    Ok(out)
}

fn merge(
    out: &mut Map<String, Value>,
    conf: &Map<String, Value>,
    keep: Keep,
) -> Result<(), String> {
    let caps = match conf.get("capabilities") {
        Some(Value::Object(m)) => m,
        Some(other) if keep == Keep::All => {
            return Err(format!(
                "\"capabilities\" of the primary CNI configuration is not an object: {}",
                quote_value(other)
            ))
        }
        _ => return Ok(()),
    };
    for (name, value) in caps {
        match value {
            Value::Bool(true) => {
                out.insert(name.clone(), Value::Bool(true));
            }
            Value::Bool(false) if keep == Keep::All => {
                out.insert(name.clone(), Value::Bool(false));
            }
            Value::Bool(false) => {}
            other => {
                return Err(format!(
                    "capability \"{}\" of the primary CNI configuration is not a boolean: {}",
                    name,
                    quote_value(other)
                ))
            }
        }
    }
    Ok(())
}
