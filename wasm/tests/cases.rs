//! Runs the case files under `tests/cases/<op>/*.json` natively. The Deno test
//! `src/engine/cases_test.ts` runs the same files through `engine.wasm`.
//!
//! A case file: `{"description": "...", "input": <json>, "expect": {"ok": <json>}}` or
//! `{"expect": {"error": {"code": n, "msg": "...", "details"?: "..."}}}`.

use serde_json::Value;
use std::fs;
use std::path::{Path, PathBuf};

fn cases_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests").join("cases")
}

fn run_op(op: &str) {
    let dir = cases_dir().join(op);
    let mut files: Vec<PathBuf> = fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("no case directory {}: {}", dir.display(), e))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().map_or(false, |x| x == "json"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no case files in {}", dir.display());
    let mut failures = Vec::new();
    for file in &files {
        let case: Value = serde_json::from_slice(&fs::read(file).unwrap())
            .unwrap_or_else(|e| panic!("{}: invalid JSON: {}", file.display(), e));
        let input = serde_json::to_vec(&case["input"]).unwrap();
        let got: Value = serde_json::from_slice(&multus_engine::call(op, &input)).unwrap();
        let expect = &case["expect"];
        let ok = match expect.get("error") {
            Some(want) => {
                let e = &got["error"];
                e["code"] == want["code"]
                    && e["msg"] == want["msg"]
                    && (want.get("details").is_none() || e["details"] == want["details"])
            }
            None => got.get("ok") == expect.get("ok"),
        };
        if !ok {
            failures.push(format!("{}\n  expected {}\n  got      {}", file.display(), expect, got));
        }
    }
    assert!(failures.is_empty(), "{} case(s) failed:\n{}", failures.len(), failures.join("\n"));
}

macro_rules! case_tests {
    ($($op:ident),* $(,)?) => {
        $( #[test] fn $op() { run_op(stringify!($op)); } )*

        #[test]
        fn every_case_directory_has_a_test_and_an_op() {
            let listed: Vec<&str> = vec![$(stringify!($op)),*];
            let ops = multus_engine::op_names();
            for entry in fs::read_dir(cases_dir()).unwrap() {
                let name = entry.unwrap().file_name().into_string().unwrap();
                assert!(listed.contains(&name.as_str()), "case directory {} has no test", name);
                assert!(ops.contains(&name.as_str()), "case directory {} names no engine op", name);
            }
        }
    };
}

case_tests!(
    version_info,
    version_compare,
    skel_check,
    attachment_check,
    cni_args_parse,
    cni_args_build,
    result_parse,
    result_convert,
    network_config_parse,
    plugin_config,
    list_plan,
    plugin_error,
    cache_entry_encode,
    cache_entry_decode,
    multus_conf_parse,
    delegate_load,
    network_selections_parse,
    default_network_parse,
    pod_network_requests,
    nad_config,
    conf_file_lookup,
    k8s_args_parse,
    conflist_chain,
    pod_network_plan,
    scratch_cache_decode,
    default_route_actions,
    cache_default_routes_edit,
    network_status,
    empty_result,
    daemon_conf_parse,
    multus_conf_generate,
    thin_conf_generate,
    thin_kubeconfig_generate,
);
