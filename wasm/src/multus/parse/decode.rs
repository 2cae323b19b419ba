//! `json.Unmarshal` into a Go type, as Go 1.26's decoder does it: keys match struct
//! fields exactly or case-insensitively (the last one wins), `null` leaves scalars alone
//! and empties slices, maps and pointers, a value of the wrong kind is skipped and
//! remembered (the first one becomes the error), and a failing `UnmarshalText` (`net.IP`)
//! stops decoding. Every problem is kept, with its JSON path, so callers can report them
//! all; [`Decoded::go_error`] is the one Go would have returned.

use crate::cni::input::{json_kind, quote_value};
use crate::cni::ip::Ip;
use serde_json::{Map, Value};

/// A Go type that JSON is decoded into.
pub enum Ty {
    /// `string`
    Str,
    /// `bool`
    Bool,
    /// `int` (64-bit)
    Int,
    /// `interface {}`
    Any,
    /// `net.IP`, decoded by its `UnmarshalText`
    Ip,
    /// `map[string]T`
    Map(&'static Ty),
    /// `[]T`
    Slice(&'static Ty),
    /// `*T`
    Ptr(&'static Ty),
    /// a struct
    Struct(&'static Struct),
}

/// A Go struct type.
pub struct Struct {
    /// `reflect.Type.Name()`, e.g. `NetConf`.
    pub name: &'static str,
    /// `reflect.Type.String()`, e.g. `types.NetConf`.
    pub qualified: &'static str,
    /// The fields JSON can set.
    pub fields: &'static [Field],
}

/// One struct field: its JSON key, its type and, for a field promoted from an embedded
/// struct, the embedded field's Go name (Go 1.24+ puts it into error paths).
pub struct Field {
    /// The JSON key (the `json` tag name).
    pub key: &'static str,
    /// The field's type.
    pub ty: &'static Ty,
    /// The embedded struct field it is promoted from.
    pub via: Option<&'static str>,
}

/// One problem found while decoding.
#[derive(Debug, Clone)]
pub struct Problem {
    /// JSON path of the value (`$.runtimeConfig.ips[0]`).
    pub path: String,
    /// Go's error text.
    pub go: String,
    /// The same problem in plain words.
    pub human: String,
    /// A `net.IP` text error: Go stops at it and reports it before any type error.
    pub hard: bool,
}

/// The decoded value in canonical form (struct keys renamed to their field's key, fields
/// Go would not set left out, `null` scalars in slices replaced by zero values) and
/// every problem in document order.
pub struct Decoded {
    /// Canonical value; `Value::Null` when the top level was skipped.
    pub value: Value,
    /// Problems in document order.
    pub problems: Vec<Problem>,
}

impl Decoded {
    /// The error Go's `json.Unmarshal` returns: the first hard error, else the first
    /// type error.
    pub fn go_error(&self) -> Option<&Problem> {
        self.problems.iter().find(|p| p.hard).or_else(|| self.problems.first())
    }
}

impl Ty {
    /// `reflect.Type.String()`.
    pub fn go_name(&self) -> String {
        match self {
            Ty::Str => "string".into(),
            Ty::Bool => "bool".into(),
            Ty::Int => "int".into(),
            Ty::Any => "interface {}".into(),
            Ty::Ip => "net.IP".into(),
            Ty::Map(t) => format!("map[string]{}", t.go_name()),
            Ty::Slice(t) => format!("[]{}", t.go_name()),
            Ty::Ptr(t) => format!("*{}", t.go_name()),
            Ty::Struct(s) => s.qualified.into(),
        }
    }

    fn human(&self) -> String {
        match self {
            Ty::Str => "a string".into(),
            Ty::Bool => "true or false".into(),
            Ty::Int => "an integer".into(),
            Ty::Any => "a JSON value".into(),
            Ty::Ip => "an IP address string".into(),
            Ty::Map(t) => match t {
                Ty::Any => "an object".into(),
                _ => format!("an object whose values are {}", plural(t)),
            },
            Ty::Slice(t) => format!("an array of {}", plural(t)),
            Ty::Ptr(t) => t.human(),
            Ty::Struct(_) => "an object".into(),
        }
    }

    /// Go's zero value in canonical form.
    fn zero(&self) -> Value {
        match self {
            Ty::Str => Value::String(String::new()),
            Ty::Bool => Value::Bool(false),
            Ty::Int => Value::from(0),
            Ty::Struct(_) => Value::Object(Map::new()),
            _ => Value::Null,
        }
    }
}

fn plural(t: &Ty) -> String {
    match t {
        Ty::Str => "strings".into(),
        Ty::Bool => "booleans".into(),
        Ty::Int => "integers".into(),
        Ty::Ip => "IP address strings".into(),
        Ty::Ptr(inner) => plural(inner),
        Ty::Map(_) | Ty::Struct(_) => "objects".into(),
        Ty::Slice(_) => "arrays".into(),
        Ty::Any => "JSON values".into(),
    }
}

/// The JSON path of `key` inside `base`.
pub fn join_key(base: &str, key: &str) -> String {
    let plain =
        !key.is_empty() && key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    if plain {
        format!("{}.{}", base, key)
    } else {
        format!("{}[{}]", base, Value::String(key.to_string()))
    }
}

struct Ctx {
    stack: Vec<String>,
    strukt: Option<&'static str>,
    problems: Vec<Problem>,
}

impl Ctx {
    fn mismatch(&mut self, path: &str, v: &Value, ty: &Ty) {
        let what = match v {
            Value::Number(n) if matches!(ty, Ty::Int) => format!("number {}", n),
            other => json_kind(other).to_string(),
        };
        let go = match self.strukt {
            Some(s) => format!(
                "json: cannot unmarshal {} into Go struct field {}.{} of type {}",
                what,
                s,
                self.stack.join("."),
                ty.go_name()
            ),
            None => {
                format!("json: cannot unmarshal {} into Go value of type {}", what, ty.go_name())
            }
        };
        let human = format!("must be {}, got {} {}", ty.human(), json_kind(v), quote_value(v));
        self.problems.push(Problem { path: path.to_string(), go, human, hard: false });
    }

    /// Decodes `v` as `ty`; `None` means "no effect" (Go leaves the target unchanged).
    fn value(&mut self, v: &Value, ty: &Ty, path: &str) -> Option<Value> {
        if v.is_null() {
            return match ty {
                Ty::Map(_) | Ty::Slice(_) | Ty::Ptr(_) | Ty::Any | Ty::Ip => Some(Value::Null),
                _ => None,
            };
        }
        match (ty, v) {
            (Ty::Ptr(inner), _) => self.value(v, inner, path),
            (Ty::Any, _) => Some(v.clone()),
            (Ty::Str, Value::String(_)) | (Ty::Bool, Value::Bool(_)) => Some(v.clone()),
            (Ty::Int, Value::Number(n)) if n.is_i64() => Some(v.clone()),
            (Ty::Ip, Value::String(s)) if s.is_empty() => Some(Value::Null),
            (Ty::Ip, Value::String(s)) => match Ip::parse(s) {
                Some(ip) => Some(Value::String(ip.to_go_string())),
                None => {
                    let go = format!("invalid IP address: {}", s);
                    let human = go.clone();
                    self.problems.push(Problem { path: path.to_string(), go, human, hard: true });
                    None
                }
            },
            (Ty::Slice(elem), Value::Array(items)) => {
                let mut out = Vec::with_capacity(items.len());
                for (i, item) in items.iter().enumerate() {
                    let p = format!("{}[{}]", path, i);
                    out.push(self.value(item, elem, &p).unwrap_or_else(|| elem.zero()));
                }
                Some(Value::Array(out))
            }
            (Ty::Map(elem), Value::Object(m)) => {
                let mut out = Map::new();
                for (k, item) in m {
                    let p = join_key(path, k);
                    out.insert(
                        k.clone(),
                        self.value(item, elem, &p).unwrap_or_else(|| elem.zero()),
                    );
                }
                Some(Value::Object(out))
            }
            (Ty::Struct(s), Value::Object(m)) => Some(Value::Object(self.object(s, m, path))),
            _ => {
                self.mismatch(path, v, ty);
                None
            }
        }
    }

    fn object(
        &mut self,
        s: &'static Struct,
        m: &Map<String, Value>,
        path: &str,
    ) -> Map<String, Value> {
        let mut out = Map::new();
        let (saved_len, saved_struct) = (self.stack.len(), self.strukt);
        for (k, item) in m {
            let field = s
                .fields
                .iter()
                .find(|f| f.key == k)
                .or_else(|| s.fields.iter().find(|f| fold_eq(f.key, k)));
            let field = match field {
                Some(f) => f,
                None => continue,
            };
            if let Some(via) = field.via {
                self.stack.push(via.to_string());
            }
            self.stack.push(field.key.to_string());
            self.strukt = Some(s.name);
            if let Some(decoded) = self.value(item, field.ty, &join_key(path, k)) {
                out.insert(field.key.to_string(), decoded);
            }
            self.stack.truncate(saved_len);
            self.strukt = saved_struct;
        }
        out
    }
}

/// Go's case-insensitive key match (Unicode simple folding, approximated by lowercasing).
fn fold_eq(a: &str, b: &str) -> bool {
    a.eq_ignore_ascii_case(b) || a.to_lowercase() == b.to_lowercase()
}

/// Decodes `v` (already well-formed JSON) as Go type `ty`.
pub fn decode(v: &Value, ty: &Ty) -> Decoded {
    let mut ctx = Ctx { stack: Vec::new(), strukt: None, problems: Vec::new() };
    let value = ctx.value(v, ty, "$").unwrap_or(Value::Null);
    Decoded { value, problems: ctx.problems }
}
