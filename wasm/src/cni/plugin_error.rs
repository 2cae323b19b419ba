//! A failed plugin exec turned into a CNI error as libcni's `invoke.RawExec` does
//! (SPEC rule 60), and the `plugin_error` operation.

use crate::cni::gofmt::quote;
use crate::cni::input::{bad_input, json_kind, object, opt_str, req_str};
use crate::error::code;
use crate::error::EngineError;
use serde_json::{json, Map, Value};

/// `plugin_error`. Input `{"stdout", "stderr", "exitCode": n | null, "signal"?}`;
/// answers the CNI error `{"code", "msg", "details"?}` (as data: the op itself succeeds).
///
/// * stdout holds an error object: its `code`, `msg` and `details`, kept as the plugin
///   sent them. A missing or 0 code becomes 999, and an empty `msg` is replaced by the
///   message libcni would give for empty stdout, so the error always says something.
/// * stdout is empty: `netplugin failed: "<stderr>": exit status 1`, or
///   `netplugin failed with no error message: exit status 1` without stderr (code 999).
/// * stdout is not an error object: `netplugin failed but error parsing its diagnostic
///   message "<stdout>": <reason>` (code 999).
pub fn plugin_error(input: &Value) -> Result<Value, EngineError> {
    object(input, "plugin_error")?;
    let stdout = req_str(input, "stdout")?;
    let stderr = req_str(input, "stderr")?;
    let exit = exit_description(input)?;
    let without_stdout = || {
        if stderr.is_empty() {
            format!("netplugin failed with no error message: {}", exit)
        } else {
            format!("netplugin failed: {}: {}", quote(stderr), exit)
        }
    };
    if stdout.is_empty() {
        return Ok(json!({ "code": code::INTERNAL, "msg": without_stdout() }));
    }
    match decode_error(stdout) {
        Err(reason) => Ok(json!({
            "code": code::INTERNAL,
            "msg": format!(
                "netplugin failed but error parsing its diagnostic message {}: {}",
                quote(stdout),
                reason
            ),
        })),
        Ok((code, msg, details)) => {
            let mut out = Map::new();
            out.insert(
                "code".into(),
                json!(if code == 0 { u64::from(code::INTERNAL) } else { code }),
            );
            out.insert("msg".into(), json!(if msg.is_empty() { without_stdout() } else { msg }));
            if !details.is_empty() {
                out.insert("details".into(), json!(details));
            }
            Ok(Value::Object(out))
        }
    }
}

/// Decodes stdout as libcni's `types.Error{code uint, msg, details string}`.
fn decode_error(stdout: &str) -> Result<(u64, String, String), String> {
    let v: Value = serde_json::from_str(stdout).map_err(|e| e.to_string())?;
    let obj = match v {
        Value::Object(m) => m,
        Value::Null => Map::new(),
        other => {
            return Err(format!("cannot unmarshal {} into an error object", json_kind(&other)))
        }
    };
    let text = |key: &str| match crate::cni::input::field(&obj, key) {
        None | Some(Value::Null) => Ok(String::new()),
        Some(Value::String(s)) => Ok(s.clone()),
        Some(other) => {
            Err(format!("cannot unmarshal {} into the string field {:?}", json_kind(other), key))
        }
    };
    let code = match crate::cni::input::field(&obj, "code") {
        None | Some(Value::Null) => 0,
        Some(v) => v.as_u64().ok_or_else(|| {
            format!("cannot unmarshal {} into the unsigned integer field \"code\"", v)
        })?,
    };
    Ok((code, text("msg")?, text("details")?))
}

/// Go's `ExitError` text: `exit status N` or `signal: killed`.
fn exit_description(input: &Value) -> Result<String, EngineError> {
    if let Some(signal) = opt_str(input, "signal")? {
        return Ok(format!("signal: {}", signal_name(signal)));
    }
    match input.get("exitCode") {
        None | Some(Value::Null) => Ok("exit status unknown".to_string()),
        Some(v) => match v.as_i64() {
            Some(n) => Ok(format!("exit status {}", n)),
            None => Err(bad_input("exitCode", "an integer or null", v)),
        },
    }
}

/// Go's description of a Linux signal (`syscall.Signal.String()`).
fn signal_name(signal: &str) -> String {
    let name = match signal.trim_start_matches("SIG") {
        "HUP" => "hangup",
        "INT" => "interrupt",
        "QUIT" => "quit",
        "ILL" => "illegal instruction",
        "TRAP" => "trace/breakpoint trap",
        "ABRT" | "IOT" => "aborted",
        "BUS" => "bus error",
        "FPE" => "floating point exception",
        "KILL" => "killed",
        "USR1" => "user defined signal 1",
        "SEGV" => "segmentation fault",
        "USR2" => "user defined signal 2",
        "PIPE" => "broken pipe",
        "ALRM" => "alarm clock",
        "TERM" => "terminated",
        "STKFLT" => "stack fault",
        "CHLD" => "child exited",
        "CONT" => "continued",
        "STOP" => "stopped (signal)",
        "TSTP" => "stopped",
        "TTIN" => "stopped (tty input)",
        "TTOU" => "stopped (tty output)",
        "URG" => "urgent I/O condition",
        "XCPU" => "CPU time limit exceeded",
        "XFSZ" => "file size limit exceeded",
        "VTALRM" => "virtual timer expired",
        "PROF" => "profiling timer expired",
        "WINCH" => "window changed",
        "IO" | "POLL" => "I/O possible",
        "PWR" => "power failure",
        "SYS" => "bad system call",
        _ => return signal.to_string(),
    };
    name.to_string()
}
