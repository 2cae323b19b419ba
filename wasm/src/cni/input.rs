//! Reading an operation's JSON input: typed access to its keys with errors that name the
//! key, Go's case-insensitive matching of struct fields, and short quotations of JSON
//! values for messages.

use crate::error::{code, EngineError};
use serde_json::{Map, Value};

/// An error about the shape of an operation's input: a bug in the caller, not bad CNI data.
pub fn bad_input(key: &str, want: &str, got: &Value) -> EngineError {
    EngineError::new(
        code::INTERNAL,
        format!("invalid engine input: {:?} must be {}, got {}", key, want, quote_value(got)),
    )
}

/// The input as an object, or an error naming the operation.
pub fn object<'a>(input: &'a Value, op: &str) -> Result<&'a Map<String, Value>, EngineError> {
    input.as_object().ok_or_else(|| bad_input(op, "an object", input))
}

/// A required string key.
pub fn req_str<'a>(input: &'a Value, key: &str) -> Result<&'a str, EngineError> {
    match input.get(key) {
        Some(Value::String(s)) => Ok(s),
        Some(other) => Err(bad_input(key, "a string", other)),
        None => Err(bad_input(key, "a string", &Value::Null)),
    }
}

/// An optional string key (`null` counts as absent).
pub fn opt_str<'a>(input: &'a Value, key: &str) -> Result<Option<&'a str>, EngineError> {
    match input.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(other) => Err(bad_input(key, "a string", other)),
    }
}

/// An optional object key (`null` counts as absent).
pub fn opt_obj<'a>(
    input: &'a Value,
    key: &str,
) -> Result<Option<&'a Map<String, Value>>, EngineError> {
    match input.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Object(m)) => Ok(Some(m)),
        Some(other) => Err(bad_input(key, "an object", other)),
    }
}

/// An optional array key (`null` counts as absent).
pub fn opt_array<'a>(input: &'a Value, key: &str) -> Result<Option<&'a Vec<Value>>, EngineError> {
    match input.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Array(a)) => Ok(Some(a)),
        Some(other) => Err(bad_input(key, "an array", other)),
    }
}

/// An optional list of strings (`null` counts as absent).
pub fn opt_str_list(input: &Value, key: &str) -> Result<Option<Vec<String>>, EngineError> {
    match opt_array(input, key)? {
        None => Ok(None),
        Some(items) => items
            .iter()
            .map(|v| v.as_str().map(str::to_string).ok_or_else(|| bad_input(key, "strings", v)))
            .collect::<Result<Vec<_>, _>>()
            .map(Some),
    }
}

/// A list of `[key, value]` string pairs (CNI_ARGS as libcni holds them).
pub fn pairs(key: &str, v: &Value) -> Result<Vec<(String, String)>, EngineError> {
    let items = v.as_array().ok_or_else(|| bad_input(key, "an array of [key, value] pairs", v))?;
    items
        .iter()
        .map(|p| match p.as_array().map(Vec::as_slice) {
            Some([Value::String(k), Value::String(v)]) => Ok((k.clone(), v.clone())),
            _ => Err(bad_input(key, "an array of [key, value] string pairs", p)),
        })
        .collect()
}

/// The value of struct field `name` as Go's `encoding/json` finds it: keys match
/// case-insensitively and the last matching key of the document wins.
pub fn field<'a>(obj: &'a Map<String, Value>, name: &str) -> Option<&'a Value> {
    obj.iter().rev().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v)
}

/// The JSON text of `v`, shortened to about 60 characters, for messages.
pub fn quote_value(v: &Value) -> String {
    let text = v.to_string();
    if text.chars().count() <= 60 {
        return text;
    }
    let mut short: String = text.chars().take(57).collect();
    short.push_str("...");
    short
}

/// The JSON kind of `v` in the words Go's decoder uses ("number", "array", ...).
pub fn json_kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// Go's `%T` of a value decoded into `interface{}` (libcni prints these in messages).
pub fn go_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "<nil>",
        Value::Bool(_) => "bool",
        Value::Number(_) => "float64",
        Value::String(_) => "string",
        Value::Array(_) => "[]interface {}",
        Value::Object(_) => "map[string]interface {}",
    }
}
