//! `CNI_ARGS`: libcni's strict `types.LoadArgs` rules, Multus's lenient splitting, and
//! joining pairs back into `K=V;K2=V2` as libcni's `invoke.Args` does.

use crate::cni::gofmt::{quote, quote_list};
use crate::cni::input::{bad_input, object, opt_str, opt_str_list, pairs, req_str};
use crate::error::{code, EngineError};
use serde_json::{json, Value};

fn invalid(msg: String) -> EngineError {
    EngineError::new(code::INVALID_ENV, msg)
}

/// `cni_args_parse`. Input `{"args", "mode"?: "strict" | "lenient", "known"?: [..]}`;
/// answers `{"pairs": [[k, v], ...]}` in order.
///
/// * strict (libcni `LoadArgs`): every `;`-separated pair is exactly `k=v`; with `known`,
///   keys outside it (and other than `IgnoreUnknown`) are an error unless a pair
///   `IgnoreUnknown` is `1`/`true` (case-insensitive; the last such pair wins). The value
///   of `IgnoreUnknown` must be a boolean word, as libcni's `UnmarshallableBool` wants.
/// * lenient (Multus): each pair splits on its first `=`, so `A=b=c` is `["A", "b=c"]`.
pub fn cni_args_parse(input: &Value) -> Result<Value, EngineError> {
    object(input, "cni_args_parse")?;
    let args = req_str(input, "args")?;
    let strict = match opt_str(input, "mode")? {
        None | Some("strict") => true,
        Some("lenient") => false,
        Some(other) => return Err(bad_input("mode", "\"strict\" or \"lenient\"", &json!(other))),
    };
    let known = opt_str_list(input, "known")?;
    let parsed = if strict { parse_strict(args, known.as_deref())? } else { parse_lenient(args)? };
    let pairs: Vec<Value> = parsed.into_iter().map(|(k, v)| json!([k, v])).collect();
    Ok(json!({ "pairs": pairs }))
}

fn parse_strict(
    args: &str,
    known: Option<&[String]>,
) -> Result<Vec<(String, String)>, EngineError> {
    let mut out = Vec::new();
    if args.is_empty() {
        return Ok(out);
    }
    let mut unknown = Vec::new();
    let mut ignore_unknown = false;
    for pair in args.split(';') {
        let kv: Vec<&str> = pair.split('=').collect();
        let (key, value) = match kv.as_slice() {
            [k, v] => (*k, *v),
            _ => return Err(invalid(format!("ARGS: invalid pair {}", quote(pair)))),
        };
        if key == "IgnoreUnknown" {
            ignore_unknown = match value.to_lowercase().as_str() {
                "1" | "true" => true,
                "0" | "false" => false,
                other => {
                    return Err(invalid(format!(
                        "ARGS: error parsing value of pair {}: boolean unmarshal error: invalid input {}",
                        quote(pair),
                        other
                    )))
                }
            };
        } else if let Some(known) = known {
            if !known.iter().any(|k| k == key) {
                unknown.push(pair.to_string());
            }
        }
        out.push((key.to_string(), value.to_string()));
    }
    if !unknown.is_empty() && !ignore_unknown {
        return Err(invalid(format!("ARGS: unknown args {}", quote_list(&unknown))));
    }
    Ok(out)
}

fn parse_lenient(args: &str) -> Result<Vec<(String, String)>, EngineError> {
    if args.is_empty() {
        return Ok(Vec::new());
    }
    args.split(';')
        .map(|pair| match pair.split_once('=') {
            Some((k, v)) => Ok((k.to_string(), v.to_string())),
            None => Err(invalid(format!("ARGS: invalid pair {}", quote(pair)))),
        })
        .collect()
}

/// Joins pairs as libcni's `invoke.Args.AsEnv` does: `k=v` joined by `;`.
pub fn join(pairs: &[(String, String)]) -> String {
    let parts: Vec<String> = pairs.iter().map(|(k, v)| format!("{}={}", k, v)).collect();
    parts.join(";")
}

/// `cni_args_build`. Input `{"pairs": [[k, v], ...]}`; answers `{"args": "k=v;k2=v2"}`.
pub fn cni_args_build(input: &Value) -> Result<Value, EngineError> {
    object(input, "cni_args_build")?;
    let list = pairs("pairs", input.get("pairs").unwrap_or(&Value::Null))?;
    Ok(json!({ "args": join(&list) }))
}
