//! Go's `%v` of a value decoded into `interface{}`, which Multus puts in its messages
//! about a malformed cache (`wrong route format: map[gw:10.1.1.1]`).

use crate::cni::gojson;
use serde_json::Value;

/// `fmt.Sprintf("%v", v)` for a JSON value Go decoded into `interface{}`: `<nil>`,
/// strings bare, `[a b]` for arrays and `map[k:v]` (keys sorted) for objects.
pub(crate) fn go_v(v: &Value) -> String {
    match v {
        Value::Null => "<nil>".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(_) => gojson::marshal(v),
        Value::String(s) => s.clone(),
        Value::Array(items) => {
            let parts: Vec<String> = items.iter().map(go_v).collect();
            format!("[{}]", parts.join(" "))
        }
        Value::Object(m) => {
            let mut entries: Vec<(&String, &Value)> = m.iter().collect();
            entries.sort_by(|a, b| a.0.cmp(b.0));
            let parts: Vec<String> =
                entries.iter().map(|(k, v)| format!("{}:{}", k, go_v(v))).collect();
            format!("map[{}]", parts.join(" "))
        }
    }
}
