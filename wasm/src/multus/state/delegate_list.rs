//! A delegate's bytes as the network configuration list libcni runs, with the Multus
//! config's `cniVersion` filled in when the delegate has none.

use crate::cni::config::network_config_parse;
use crate::cni::gofmt::quote;
use crate::cni::gojson;
use crate::cni::input::field;
use crate::error::{code, EngineError};
use serde_json::{json, Map, Value};

/// A delegate ready to run: whether it is a conflist, its list and the bytes the list
/// was parsed from.
pub(crate) struct DelegateList {
    /// Multus's rule: a config without a non-empty `type` is a conflist.
    pub(crate) is_conflist: bool,
    /// `network_config_parse`'s list (`bytes` included).
    pub(crate) list: Value,
    /// The bytes the delegate runs with.
    pub(crate) bytes: String,
}

/// Parses `bytes` as libcni does (a conf is a one-plugin list). When the list has no
/// `cniVersion` and `top_version` is not empty, `top_version` is written into the bytes
/// (as the first key, the rest of the text untouched) and the list re-parsed, so the
/// list, its plugins and its `bytes` agree. Errors name the delegate.
pub(crate) fn parse(
    name: &str,
    bytes: &str,
    top_version: &str,
) -> Result<DelegateList, EngineError> {
    let doc: Option<Value> = serde_json::from_str(bytes).ok();
    let is_conflist = match doc.as_ref().and_then(Value::as_object) {
        Some(m) => !matches!(field(m, "type"), Some(Value::String(s)) if !s.is_empty()),
        None => false,
    };
    let list = parse_list(name, bytes, is_conflist)?;
    let version = list.get("cniVersion").and_then(Value::as_str).unwrap_or("");
    if !version.is_empty() || top_version.is_empty() {
        return Ok(DelegateList { is_conflist, list, bytes: bytes.to_string() });
    }
    let obj = match doc.as_ref().and_then(Value::as_object) {
        Some(m) => m,
        None => return Ok(DelegateList { is_conflist, list, bytes: bytes.to_string() }),
    };
    let injected = inject_version(bytes, obj, top_version);
    let list = parse_list(name, &injected, is_conflist)?;
    Ok(DelegateList { is_conflist, list, bytes: injected })
}

fn parse_list(name: &str, bytes: &str, is_conflist: bool) -> Result<Value, EngineError> {
    let kind = if is_conflist { "conflist" } else { "conf" };
    let parsed = network_config_parse(&json!({ "text": bytes, "kind": kind }))
        .map_err(|e| EngineError { msg: format!("delegate {}: {}", quote(name), e.msg), ..e })?;
    let list = parsed.get("list").cloned().unwrap_or(Value::Null);
    let has_plugins =
        list.get("plugins").and_then(Value::as_array).map_or(false, |p| !p.is_empty());
    if !has_plugins {
        return Err(EngineError::new(
            code::INVALID_NETWORK_CONFIG,
            format!("delegate {}: no plugin configs found", quote(name)),
        ));
    }
    Ok(list)
}

/// The text with `"cniVersion":"<v>"` as its first key. When a key that Go would read as
/// `cniVersion` (any letter case) is already there (empty or `null`), the object is
/// re-serialised without it instead.
fn inject_version(text: &str, obj: &Map<String, Value>, version: &str) -> String {
    let pair = format!("\"cniVersion\":{}", gojson::marshal(&json!(version)));
    let start = text.len() - text.trim_start().len();
    if obj.keys().any(|k| k.eq_ignore_ascii_case("cniVersion")) || !text[start..].starts_with('{') {
        let mut m = Map::new();
        m.insert("cniVersion".into(), json!(version));
        for (k, v) in obj.iter().filter(|(k, _)| !k.eq_ignore_ascii_case("cniVersion")) {
            m.insert(k.clone(), v.clone());
        }
        return Value::Object(m).to_string();
    }
    let (head, rest) = text.split_at(start + 1);
    let sep = if rest.trim_start().starts_with('}') { "" } else { "," };
    format!("{}{}{}{}", head, pair, sep, rest)
}
