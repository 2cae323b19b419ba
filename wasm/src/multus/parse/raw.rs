//! Raw JSON text as Go's `json.RawMessage` keeps it: the members of an object with their
//! exact value text, and `json.Compact` with HTML escaping (what `json.Marshal` does to
//! a `RawMessage`). Inputs are well-formed (checked by [`super::syntax::check`] first).

/// Index just past the JSON value starting at `i` (after leading whitespace).
fn skip_value(b: &[u8], mut i: usize) -> usize {
    i = skip_space(b, i);
    match b.get(i) {
        Some(b'"') => skip_string(b, i),
        Some(b'{') | Some(b'[') => {
            let mut depth = 0usize;
            while i < b.len() {
                match b[i] {
                    b'"' => {
                        i = skip_string(b, i);
                        continue;
                    }
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' => {
                        depth = depth.saturating_sub(1);
                        if depth == 0 {
                            return i + 1;
                        }
                    }
                    _ => {}
                }
                i += 1;
            }
            i
        }
        _ => {
            while i < b.len() && !matches!(b[i], b',' | b'}' | b']' | b' ' | b'\t' | b'\r' | b'\n')
            {
                i += 1;
            }
            i
        }
    }
}

fn skip_string(b: &[u8], mut i: usize) -> usize {
    i += 1;
    while i < b.len() {
        match b[i] {
            b'\\' => i += 2,
            b'"' => return i + 1,
            _ => i += 1,
        }
    }
    i
}

fn skip_space(b: &[u8], mut i: usize) -> usize {
    while i < b.len() && matches!(b[i], b' ' | b'\t' | b'\r' | b'\n') {
        i += 1;
    }
    i
}

/// The members of the top-level object of `text`, each key (decoded) with its value's
/// exact text, in document order. Empty when `text` is not an object.
pub fn members(text: &str) -> Vec<(String, String)> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = skip_space(b, 0);
    if b.get(i) != Some(&b'{') {
        return out;
    }
    i += 1;
    loop {
        i = skip_space(b, i);
        if b.get(i) != Some(&b'"') {
            return out;
        }
        let end = skip_string(b, i);
        let key: String =
            text.get(i..end).and_then(|k| serde_json::from_str(k).ok()).unwrap_or_default();
        i = skip_space(b, end) + 1; // the ':'
        let start = skip_space(b, i);
        let stop = skip_value(b, start);
        out.push((key, text.get(start..stop).unwrap_or("").to_string()));
        i = skip_space(b, stop);
        if b.get(i) != Some(&b',') {
            return out;
        }
        i += 1;
    }
}

/// Go's `json.Compact` with HTML escaping: insignificant whitespace removed, `<`, `>`,
/// `&`, U+2028 and U+2029 inside strings escaped; everything else kept byte for byte.
pub fn compact(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut in_string = false;
    let mut escaped = false;
    for c in text.chars() {
        if in_string {
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_string = false;
            }
            match c {
                '<' => out.push_str("\\u003c"),
                '>' => out.push_str("\\u003e"),
                '&' => out.push_str("\\u0026"),
                '\u{2028}' => out.push_str("\\u2028"),
                '\u{2029}' => out.push_str("\\u2029"),
                c => out.push(c),
            }
        } else if c == '"' {
            in_string = true;
            out.push(c);
        } else if !matches!(c, ' ' | '\t' | '\r' | '\n') {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{compact, members};

    #[test]
    fn members_keep_value_text() {
        let m = members(" { \"a\" : [1, 2.50] , \"b\":{\"x\":\"}\\\"\"}, \"c\":true}");
        assert_eq!(m[0], ("a".to_string(), "[1, 2.50]".to_string()));
        assert_eq!(m[1], ("b".to_string(), "{\"x\":\"}\\\"\"}".to_string()));
        assert_eq!(m[2], ("c".to_string(), "true".to_string()));
    }

    #[test]
    fn compact_escapes_html() {
        assert_eq!(
            compact("{ \"a <b>\" : [ 1 , \"x & y\" ] }"),
            "{\"a \\u003cb\\u003e\":[1,\"x \\u0026 y\"]}"
        );
    }
}
