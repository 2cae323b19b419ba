//! Go's `json.MarshalIndent(v, "", "    ")` of a value whose object keys are already in
//! the order Go writes them (struct field order).

use crate::cni::gojson;
use serde_json::Value;

/// The indented text of `v`; objects keep their key order, empty objects and arrays
/// are `{}` and `[]`, strings and numbers are escaped and printed as Go does.
pub(crate) fn marshal_indent(v: &Value) -> String {
    let mut out = String::new();
    write(&mut out, v, 0);
    out
}

fn newline(out: &mut String, depth: usize) {
    out.push('\n');
    for _ in 0..depth {
        out.push_str("    ");
    }
}

fn write(out: &mut String, v: &Value, depth: usize) {
    match v {
        Value::Array(items) if !items.is_empty() => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                newline(out, depth + 1);
                write(out, item, depth + 1);
            }
            newline(out, depth);
            out.push(']');
        }
        Value::Object(m) if !m.is_empty() => {
            out.push('{');
            for (i, (k, item)) in m.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                newline(out, depth + 1);
                out.push_str(&gojson::marshal(&Value::String(k.clone())));
                out.push_str(": ");
                write(out, item, depth + 1);
            }
            newline(out, depth);
            out.push('}');
        }
        Value::Array(_) => out.push_str("[]"),
        Value::Object(_) => out.push_str("{}"),
        scalar => out.push_str(&gojson::marshal(scalar)),
    }
}

#[cfg(test)]
mod tests {
    use super::marshal_indent;
    use serde_json::json;

    #[test]
    fn indents_as_go_does() {
        let v = json!({"name": "a<b", "ips": ["10.1.1.3"], "dns": {}, "x": [], "mtu": 1500});
        assert_eq!(
            marshal_indent(&v),
            "{\n    \"name\": \"a\\u003cb\",\n    \"ips\": [\n        \"10.1.1.3\"\n    ],\n    \"dns\": {},\n    \"x\": [],\n    \"mtu\": 1500\n}"
        );
    }
}
