//! Typed reads of the daemon config's keys as Go's `encoding/json` decodes them into
//! Multus's structs: keys match case-insensitively (the last match wins), `null` leaves
//! the default, and a value of the wrong JSON type is reported in Go's words
//! (`json: cannot unmarshal string into Go struct field ControllerNetConf.logToStderr of
//! type bool`). Every problem is collected, so a config with several mistakes is
//! reported at once.

use crate::cni::input::{field, json_kind};
use serde_json::{Map, Number, Value};

/// Reads fields of one JSON object, collecting a message for every value of the wrong
/// type.
pub(crate) struct Fields<'a> {
    obj: &'a Map<String, Value>,
    /// Go's struct name used in type errors (`ControllerNetConf`, `MultusConf`).
    pub(crate) owner: &'static str,
    /// One message per mistyped value, in reading order.
    pub(crate) errors: Vec<String>,
}

impl<'a> Fields<'a> {
    /// A reader over `obj` whose type errors name the Go struct `owner`.
    pub(crate) fn new(obj: &'a Map<String, Value>, owner: &'static str) -> Self {
        Fields { obj, owner, errors: Vec::new() }
    }

    /// The value of `key`, matched as Go matches struct fields; `null` is absent.
    pub(crate) fn get(&self, key: &str) -> Option<&'a Value> {
        field(self.obj, key).filter(|v| !v.is_null())
    }

    fn mistyped(&mut self, key: &str, got: &Value, go_type: &str) {
        self.errors.push(format!(
            "json: cannot unmarshal {} into Go struct field {}.{} of type {}",
            json_kind(got),
            self.owner,
            key,
            go_type
        ));
    }

    /// A `string` field.
    pub(crate) fn string(&mut self, key: &str, default: &str) -> String {
        match self.get(key) {
            None => default.to_string(),
            Some(Value::String(s)) => s.clone(),
            Some(other) => {
                self.mistyped(key, other, "string");
                default.to_string()
            }
        }
    }

    /// A `bool` field.
    pub(crate) fn boolean(&mut self, key: &str, default: bool) -> bool {
        match self.get(key) {
            None => default,
            Some(Value::Bool(b)) => *b,
            Some(other) => {
                self.mistyped(key, other, "bool");
                default
            }
        }
    }

    /// An `*int` field: `None` when absent, `null` or mistyped.
    pub(crate) fn int(&mut self, key: &str) -> Option<i64> {
        match self.get(key) {
            None => None,
            Some(Value::Number(n)) => match integer(n) {
                Some(i) => Some(i),
                None => {
                    self.errors.push(format!(
                        "json: cannot unmarshal number {} into Go struct field {}.{} of type int",
                        n, self.owner, key
                    ));
                    None
                }
            },
            Some(other) => {
                self.mistyped(key, other, "int");
                None
            }
        }
    }

    /// A `float64` field: `None` when absent, `null` or mistyped.
    pub(crate) fn number(&mut self, key: &str) -> Option<f64> {
        match self.get(key) {
            None => None,
            Some(Value::Number(n)) => n.as_f64(),
            Some(other) => {
                self.mistyped(key, other, "float64");
                None
            }
        }
    }

    /// An object field (a nested struct): `None` when absent, `null` or mistyped.
    pub(crate) fn object(&mut self, key: &str, go_type: &str) -> Option<&'a Map<String, Value>> {
        match self.get(key) {
            None => None,
            Some(Value::Object(m)) => Some(m),
            Some(other) => {
                self.mistyped(key, other, go_type);
                None
            }
        }
    }

    /// A `map[string]bool` field, in document order; mistyped entries are reported and
    /// left out.
    pub(crate) fn bool_map(&mut self, key: &str) -> Option<Map<String, Value>> {
        let obj = self.object(key, "map[string]bool")?;
        let mut out = Map::new();
        for (name, v) in obj {
            match v {
                Value::Bool(_) => {
                    out.insert(name.clone(), v.clone());
                }
                // Go's decoder leaves a null map entry at the zero value.
                Value::Null => {
                    out.insert(name.clone(), Value::Bool(false));
                }
                other => self.mistyped(&format!("{}.{}", key, name), other, "bool"),
            }
        }
        Some(out)
    }
}

/// A JSON number as Go's `int` accepts it: an integer literal within 64 bits.
fn integer(n: &Number) -> Option<i64> {
    n.as_i64()
}
