//! CNI versions: libcni's `ParseVersion` and comparisons, the VERSION answer, and
//! `version_compare`.

use crate::cni::gofmt::quote;
use crate::cni::input::{object, req_str};
use crate::error::{code, EngineError};
use serde_json::{json, Value};

/// Every version this engine parses and converts results for, oldest first.
pub const SUPPORTED: &[&str] = &["0.1.0", "0.2.0", "0.3.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0"];

/// The newest version this engine implements (libcni's `version.Current()`).
pub const CURRENT: &str = "1.1.0";

/// `version_info`: the VERSION answer. Input `{"cniVersion"?: string}`; the answer echoes
/// the asked version when it is one we support (SPEC section 2 VERSION), else the newest.
pub fn version_info(input: &Value) -> Result<Value, EngineError> {
    if !input.is_object() {
        return Err(EngineError::new(
            code::DECODING_FAILURE,
            "version_info input must be an object",
        ));
    }
    let asked = input.get("cniVersion").and_then(Value::as_str).unwrap_or("");
    let current = if SUPPORTED.contains(&asked) { asked } else { CURRENT };
    Ok(json!({ "cniVersion": current, "supportedVersions": SUPPORTED }))
}

/// `version_compare`: input `{"a", "b"}`, answer `{"cmp": -1 | 0 | 1}` comparing the two
/// versions numerically as libcni does (`""` is 0.1.0).
pub fn version_compare(input: &Value) -> Result<Value, EngineError> {
    object(input, "version_compare")?;
    let a = parse(req_str(input, "a")?)?;
    let b = parse(req_str(input, "b")?)?;
    let cmp = match a.cmp(&b) {
        std::cmp::Ordering::Less => -1,
        std::cmp::Ordering::Equal => 0,
        std::cmp::Ordering::Greater => 1,
    };
    Ok(json!({ "cmp": cmp }))
}

/// libcni's `ParseVersion`: `""` is 0.1.0; otherwise one to three dot-separated integers
/// (missing parts are 0). Errors carry libcni's wording and code 6.
pub fn parse(version: &str) -> Result<(i64, i64, i64), EngineError> {
    if version.is_empty() {
        return Ok((0, 1, 0));
    }
    let parts: Vec<&str> = version.split('.').collect();
    if parts.len() >= 4 {
        return Err(decoding(format!("invalid version {}: too many parts", quote(version))));
    }
    let mut nums = [0i64; 3];
    for (i, (part, label)) in parts.iter().zip(["major", "minor", "micro"]).enumerate() {
        nums[i] = atoi(part).map_err(|reason| {
            decoding(format!(
                "failed to convert {} version part {}: {}",
                label,
                quote(part),
                reason
            ))
        })?;
    }
    Ok((nums[0], nums[1], nums[2]))
}

/// `version >= other` by libcni's `GreaterThanOrEqualTo`.
pub fn gte(version: &str, other: &str) -> Result<bool, EngineError> {
    Ok(parse(version)? >= parse(other)?)
}

/// `version > other` by libcni's `GreaterThan`.
pub fn gt(version: &str, other: &str) -> Result<bool, EngineError> {
    Ok(parse(version)? > parse(other)?)
}

fn decoding(msg: String) -> EngineError {
    EngineError::new(code::DECODING_FAILURE, msg)
}

/// Go's `strconv.Atoi`, with its error text.
fn atoi(s: &str) -> Result<i64, String> {
    let syntax = || format!("strconv.Atoi: parsing {}: invalid syntax", quote(s));
    let digits = s.strip_prefix(['+', '-']).unwrap_or(s);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(syntax());
    }
    s.parse::<i64>().map_err(|_| format!("strconv.Atoi: parsing {}: value out of range", quote(s)))
}
