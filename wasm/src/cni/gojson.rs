//! JSON text as Go's `encoding/json` writes a `map[string]interface{}`: keys sorted at
//! every level, `<`, `>`, `&`, U+2028 and U+2029 escaped, numbers printed as float64.
//! libcni re-serialises every plugin config and cache file this way, so the bytes a
//! delegate reads on stdin match what libcni would have sent.

use serde_json::{Number, Value};
use std::fmt::Write;

/// Compact Go-style JSON text of `v`, with object keys sorted at every level.
pub fn marshal(v: &Value) -> String {
    let mut out = String::new();
    write_value(&mut out, v);
    out
}

/// Compact Go-style JSON text of a struct: the fields in the given order (Go writes
/// struct fields in declaration order), each value written by [`marshal`].
pub fn marshal_struct(fields: &[(&str, &Value)]) -> String {
    let mut out = String::from("{");
    for (i, (k, v)) in fields.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        write_string(&mut out, k);
        out.push(':');
        write_value(&mut out, v);
    }
    out.push('}');
    out
}

fn write_value(out: &mut String, v: &Value) {
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => write_number(out, n),
        Value::String(s) => write_string(out, s),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_value(out, item);
            }
            out.push(']');
        }
        Value::Object(map) => {
            let mut entries: Vec<(&String, &Value)> = map.iter().collect();
            entries.sort_by(|a, b| a.0.cmp(b.0));
            out.push('{');
            for (i, (k, item)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_string(out, k);
                out.push(':');
                write_value(out, item);
            }
            out.push('}');
        }
    }
}

/// Go decodes JSON numbers into `interface{}` as float64 and prints them with
/// `strconv.FormatFloat(f, 'f', -1, 64)`, switching to the `e` form (`1e+21`, `1e-7`)
/// below 1e-6 and from 1e21 on.
fn write_number(out: &mut String, n: &Number) {
    let f = n.as_f64().unwrap_or(0.0);
    let abs = f.abs();
    if abs != 0.0 && !(1e-6..1e21).contains(&abs) {
        let text = format!("{:e}", f);
        let (mantissa, exp) = text.split_once('e').unwrap_or((&text, "0"));
        let exp: i32 = exp.parse().unwrap_or(0);
        let sign = if exp < 0 { '-' } else { '+' };
        let _ = write!(out, "{}e{}{:02}", mantissa, sign, exp.abs());
        if (-9..0).contains(&exp) {
            // Go cleans "e-07" up to "e-7".
            let len = out.len();
            out.remove(len - 2);
        }
    } else {
        let _ = write!(out, "{}", f);
    }
}

fn write_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '<' | '>' | '&' | '\u{2028}' | '\u{2029}' => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::marshal;
    use serde_json::json;

    #[test]
    fn numbers_print_as_go_float64() {
        let v = json!([8080, -1, 1.5, 1e21, 1.5e-7, 0.000001, 1e-10, 123456789012345678u64]);
        assert_eq!(marshal(&v), "[8080,-1,1.5,1e+21,1.5e-7,0.000001,1e-10,123456789012345680]");
    }

    #[test]
    fn keys_sort_and_html_escapes() {
        let v = json!({"b": "<a&b>", "a": {"z": 1, "y": "\u{2028}\u{1}"}});
        assert_eq!(marshal(&v), r#"{"a":{"y":"\u2028\u0001","z":1},"b":"\u003ca\u0026b\u003e"}"#);
    }
}
