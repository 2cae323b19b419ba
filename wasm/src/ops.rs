//! The operation table and the JSON envelope. Native tests and the wasm ABI both go
//! through [`call`], so a case file means the same thing on both sides.

use crate::cni::{
    args, cache, config, convert, plan, plugin_config, plugin_error, skel, validate, version,
};
use crate::error::{code, EngineError};
use crate::multus;
use serde_json::{json, Value};

/// Bumped whenever an export's name, argument shape or envelope changes.
pub const ABI_VERSION: u32 = 1;

type Op = fn(&Value) -> Result<Value, EngineError>;

const OPS: &[(&str, Op)] = &[
    ("version_info", version::version_info),
    ("version_compare", version::version_compare),
    ("skel_check", skel::skel_check),
    ("attachment_check", validate::attachment_check),
    ("cni_args_parse", args::cni_args_parse),
    ("cni_args_build", args::cni_args_build),
    ("result_parse", convert::result_parse),
    ("result_convert", convert::result_convert),
    ("network_config_parse", config::network_config_parse),
    ("plugin_config", plugin_config::plugin_config),
    ("list_plan", plan::list_plan),
    ("plugin_error", plugin_error::plugin_error),
    ("cache_entry_encode", cache::cache_entry_encode),
    ("cache_entry_decode", cache::cache_entry_decode),
    ("multus_conf_parse", multus::conf::multus_conf_parse),
    ("delegate_load", multus::delegate::delegate_load),
    ("network_selections_parse", multus::annotation::network_selections_parse),
    ("default_network_parse", multus::annotation::default_network_parse),
    ("pod_network_requests", multus::annotation::pod_network_requests),
    ("nad_config", multus::nad::nad_config),
    ("conf_file_lookup", multus::nad::conf_file_lookup),
    ("k8s_args_parse", multus::k8s_args::k8s_args_parse),
    ("conflist_chain", multus::chain::conflist_chain),
    ("pod_network_plan", multus::plan::pod_network_plan),
    ("scratch_cache_decode", multus::scratch_cache::scratch_cache_decode),
    ("default_route_actions", multus::routes::default_route_actions),
    ("cache_default_routes_edit", multus::routes::cache_default_routes_edit),
    ("network_status", multus::status::network_status),
    ("empty_result", multus::status::empty_result),
    ("daemon_conf_parse", multus::daemon_conf::daemon_conf_parse),
    ("multus_conf_generate", multus::generate::multus_conf_generate),
    ("thin_conf_generate", multus::generate::thin_conf_generate),
    ("thin_kubeconfig_generate", multus::generate::thin_kubeconfig_generate),
];

/// The names of every operation, in table order.
pub fn op_names() -> Vec<&'static str> {
    OPS.iter().map(|(n, _)| *n).collect()
}

/// Runs operation `op` on the JSON document `input` and returns the envelope
/// `{"ok": value}` or `{"error": {"code", "msg", "details"?}}` as bytes.
pub fn call(op: &str, input: &[u8]) -> Vec<u8> {
    let out = match OPS.iter().find(|(n, _)| *n == op) {
        None => Err(EngineError::new(code::INTERNAL, format!("unknown engine operation {:?}", op))),
        Some((_, f)) => match serde_json::from_slice::<Value>(input) {
            Err(e) => Err(EngineError::new(
                code::DECODING_FAILURE,
                format!("cannot decode the input of engine operation {:?}: {}", op, e),
            )),
            Ok(v) => f(&v),
        },
    };
    let envelope = match out {
        Ok(v) => json!({ "ok": v }),
        Err(e) => json!({ "error": e.to_json() }),
    };
    serde_json::to_vec(&envelope).unwrap_or_else(|_| {
        b"{\"error\":{\"code\":999,\"msg\":\"cannot encode the engine output\"}}".to_vec()
    })
}
