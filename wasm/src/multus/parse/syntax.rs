//! Go's `encoding/json` well-formedness check (`checkValid`): the same state machine as
//! Go's scanner, so a malformed document is reported with Go's words
//! (`invalid character 'a' looking for beginning of value`,
//! `unexpected end of JSON input`), which Multus puts into its messages.

use crate::cni::gofmt::quote;

#[derive(Clone, Copy, PartialEq)]
enum Frame {
    ObjectKey,
    ObjectValue,
    Array,
}

#[derive(Clone, Copy, PartialEq)]
enum St {
    BeginValue,
    BeginValueOrEmpty,
    BeginStringOrEmpty,
    BeginString,
    EndValue,
    EndTop,
    InString,
    InStringEsc,
    InStringEscU(u8),
    Neg,
    One,
    Zero,
    Dot,
    Dot0,
    E,
    ESign,
    E0,
    /// Inside `true`, `false` or `null`: the word and how many bytes were read.
    Literal(&'static [u8], usize),
}

/// Go's `quoteChar`: the byte as Go prints it in a syntax error, e.g. `'a'`, `'\n'`.
fn quote_char(c: u8) -> String {
    match c {
        b'\'' => "'\\''".to_string(),
        b'"' => "'\"'".to_string(),
        _ => {
            let q = quote(&char::from(c).to_string());
            format!("'{}'", &q[1..q.len() - 1])
        }
    }
}

fn is_space(c: u8) -> bool {
    c == b' ' || c == b'\t' || c == b'\r' || c == b'\n'
}

struct Scanner {
    st: St,
    stack: Vec<Frame>,
}

impl Scanner {
    fn err(c: u8, context: &str) -> String {
        format!("invalid character {} {}", quote_char(c), context)
    }

    fn begin_value(&mut self, c: u8) -> Result<(), String> {
        if is_space(c) {
            return Ok(());
        }
        self.st = match c {
            b'{' => {
                self.stack.push(Frame::ObjectKey);
                St::BeginStringOrEmpty
            }
            b'[' => {
                self.stack.push(Frame::Array);
                St::BeginValueOrEmpty
            }
            b'"' => St::InString,
            b'-' => St::Neg,
            b'0' => St::Zero,
            b'1'..=b'9' => St::One,
            b't' => St::Literal(b"true", 1),
            b'f' => St::Literal(b"false", 1),
            b'n' => St::Literal(b"null", 1),
            _ => return Err(Self::err(c, "looking for beginning of value")),
        };
        Ok(())
    }

    fn end_value(&mut self, c: u8) -> Result<(), String> {
        let top = match self.stack.last() {
            None => {
                self.st = St::EndTop;
                return self.step(c);
            }
            Some(f) => *f,
        };
        if is_space(c) {
            self.st = St::EndValue;
            return Ok(());
        }
        match (top, c) {
            (Frame::ObjectKey, b':') => {
                self.stack.pop();
                self.stack.push(Frame::ObjectValue);
                self.st = St::BeginValue;
            }
            (Frame::ObjectKey, _) => return Err(Self::err(c, "after object key")),
            (Frame::ObjectValue, b',') => {
                self.stack.pop();
                self.stack.push(Frame::ObjectKey);
                self.st = St::BeginString;
            }
            (Frame::ObjectValue, b'}') | (Frame::Array, b']') => {
                self.stack.pop();
                self.st = if self.stack.is_empty() { St::EndTop } else { St::EndValue };
            }
            (Frame::ObjectValue, _) => {
                return Err(Self::err(c, "after object key:value pair"));
            }
            (Frame::Array, b',') => self.st = St::BeginValue,
            (Frame::Array, _) => return Err(Self::err(c, "after array element")),
        }
        Ok(())
    }

    fn step(&mut self, c: u8) -> Result<(), String> {
        match self.st {
            St::BeginValue => self.begin_value(c),
            St::BeginValueOrEmpty => {
                if is_space(c) {
                    Ok(())
                } else if c == b']' {
                    self.end_value(c)
                } else {
                    self.begin_value(c)
                }
            }
            St::BeginStringOrEmpty if c == b'}' => {
                self.stack.pop();
                self.stack.push(Frame::ObjectValue);
                self.end_value(c)
            }
            St::BeginStringOrEmpty | St::BeginString => {
                if is_space(c) {
                    Ok(())
                } else if c == b'"' {
                    self.st = St::InString;
                    Ok(())
                } else {
                    Err(Self::err(c, "looking for beginning of object key string"))
                }
            }
            St::EndValue => self.end_value(c),
            St::EndTop => {
                if is_space(c) {
                    Ok(())
                } else {
                    Err(Self::err(c, "after top-level value"))
                }
            }
            St::InString => {
                match c {
                    b'"' => self.st = St::EndValue,
                    b'\\' => self.st = St::InStringEsc,
                    c if c < 0x20 => return Err(Self::err(c, "in string literal")),
                    _ => {}
                }
                Ok(())
            }
            St::InStringEsc => {
                self.st = match c {
                    b'b' | b'f' | b'n' | b'r' | b't' | b'\\' | b'/' | b'"' => St::InString,
                    b'u' => St::InStringEscU(0),
                    _ => return Err(Self::err(c, "in string escape code")),
                };
                Ok(())
            }
            St::InStringEscU(n) => {
                if !c.is_ascii_hexdigit() {
                    return Err(Self::err(c, "in \\u hexadecimal character escape"));
                }
                self.st = if n == 3 { St::InString } else { St::InStringEscU(n + 1) };
                Ok(())
            }
            St::Neg => {
                self.st = match c {
                    b'0' => St::Zero,
                    b'1'..=b'9' => St::One,
                    _ => return Err(Self::err(c, "in numeric literal")),
                };
                Ok(())
            }
            St::One if c.is_ascii_digit() => Ok(()),
            St::One | St::Zero => match c {
                b'.' => {
                    self.st = St::Dot;
                    Ok(())
                }
                b'e' | b'E' => {
                    self.st = St::E;
                    Ok(())
                }
                _ => self.end_value(c),
            },
            St::Dot => {
                if !c.is_ascii_digit() {
                    return Err(Self::err(c, "after decimal point in numeric literal"));
                }
                self.st = St::Dot0;
                Ok(())
            }
            St::Dot0 => match c {
                b'0'..=b'9' => Ok(()),
                b'e' | b'E' => {
                    self.st = St::E;
                    Ok(())
                }
                _ => self.end_value(c),
            },
            St::E if c == b'+' || c == b'-' => {
                self.st = St::ESign;
                Ok(())
            }
            St::E | St::ESign => {
                if !c.is_ascii_digit() {
                    return Err(Self::err(c, "in exponent of numeric literal"));
                }
                self.st = St::E0;
                Ok(())
            }
            St::E0 if c.is_ascii_digit() => Ok(()),
            St::E0 => self.end_value(c),
            St::Literal(word, i) => {
                if c != word[i] {
                    let context = format!(
                        "in literal {} (expecting {})",
                        String::from_utf8_lossy(word),
                        quote_char(word[i])
                    );
                    return Err(Self::err(c, &context));
                }
                self.st = if i + 1 == word.len() { St::EndValue } else { St::Literal(word, i + 1) };
                Ok(())
            }
        }
    }
}

/// Go's `checkValid`: `Ok` for a well-formed JSON document, else Go's `SyntaxError` text.
pub fn check(text: &str) -> Result<(), String> {
    let mut s = Scanner { st: St::BeginValue, stack: Vec::new() };
    for &c in text.as_bytes() {
        s.step(c)?;
    }
    // Go's scanner.eof(): a trailing number or a complete value ends the document.
    if s.st != St::EndTop {
        s.step(b' ')?;
    }
    if s.st == St::EndTop {
        Ok(())
    } else {
        Err("unexpected end of JSON input".to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::check;

    fn msg(s: &str) -> String {
        check(s).err().unwrap_or_else(|| "ok".into())
    }

    #[test]
    fn messages_match_go() {
        assert_eq!(
            msg("[adsfasdfasdfasf]"),
            "invalid character 'a' looking for beginning of value"
        );
        assert_eq!(msg(""), "unexpected end of JSON input");
        assert_eq!(msg("  "), "unexpected end of JSON input");
        assert_eq!(msg("{\"a\":1"), "unexpected end of JSON input");
        assert_eq!(msg("{\"a\" 1}"), "invalid character '1' after object key");
        assert_eq!(msg("{\"a\":1 \"b\"}"), "invalid character '\"' after object key:value pair");
        assert_eq!(msg("[1 2]"), "invalid character '2' after array element");
        assert_eq!(msg("{1}"), "invalid character '1' looking for beginning of object key string");
        assert_eq!(msg("{} x"), "invalid character 'x' after top-level value");
        assert_eq!(msg("\"a\nb\""), "invalid character '\\n' in string literal");
        assert_eq!(msg("\"\\x\""), "invalid character 'x' in string escape code");
        assert_eq!(msg("\"\\u12g4\""), "invalid character 'g' in \\u hexadecimal character escape");
        assert_eq!(msg("-a"), "invalid character 'a' in numeric literal");
        assert_eq!(msg("1.x"), "invalid character 'x' after decimal point in numeric literal");
        assert_eq!(msg("1ex"), "invalid character 'x' in exponent of numeric literal");
        assert_eq!(msg("tru "), "invalid character ' ' in literal true (expecting 'e')");
        assert_eq!(msg("nul"), "invalid character ' ' in literal null (expecting 'l')");
        assert_eq!(msg("\"ab"), "unexpected end of JSON input");
        assert_eq!(msg("01"), "invalid character '1' after top-level value");
        assert_eq!(msg("[,]"), "invalid character ',' looking for beginning of value");
        assert_eq!(
            msg("{'a':1}"),
            "invalid character '\\'' looking for beginning of object key string"
        );
        assert_eq!(msg("é"), "invalid character 'Ã' looking for beginning of value");
        assert_eq!(
            msg(" {\"a\": [1, -2.5e+3, true, null, {}], \"b\": {\"c\": \"\\u00e9\"}} "),
            "ok"
        );
        assert_eq!(msg("7"), "ok");
        assert_eq!(msg("[]"), "ok");
    }
}
