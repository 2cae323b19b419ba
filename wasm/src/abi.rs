//! The wasm boundary: the only file that sees pointers. The host writes the input JSON
//! into a buffer from `alloc`, calls one export per operation, and receives a pointer to
//! `[u32 little-endian length][envelope JSON bytes]`, which it frees with `dealloc`.

use crate::ops::call;

/// ABI marker: the host refuses a module without the export for the version it speaks.
#[no_mangle]
pub extern "C" fn multus_engine_abi_1() {}

/// Allocates `len` bytes for the host to write an input into.
#[no_mangle]
pub extern "C" fn alloc(len: usize) -> *mut u8 {
    let mut buf = Vec::<u8>::with_capacity(len.max(1));
    let ptr = buf.as_mut_ptr();
    std::mem::forget(buf);
    ptr
}

/// Frees a buffer returned by `alloc` or by an operation.
///
/// # Safety
/// `ptr` must come from `alloc(len)` or be an operation's output of total length `len`.
#[no_mangle]
pub unsafe extern "C" fn dealloc(ptr: *mut u8, len: usize) {
    drop(Vec::from_raw_parts(ptr, 0, len.max(1)));
}

unsafe fn run(op: &str, ptr: *mut u8, len: usize) -> *mut u8 {
    let input = Vec::from_raw_parts(ptr, len, len.max(1));
    let body = call(op, &input);
    drop(input);
    let mut out = Vec::with_capacity(body.len() + 4);
    out.extend_from_slice(&(body.len() as u32).to_le_bytes());
    out.extend_from_slice(&body);
    let mut out = out.into_boxed_slice();
    let p = out.as_mut_ptr();
    std::mem::forget(out);
    p
}

macro_rules! exports {
    ($($name:ident),* $(,)?) => {
        $(
            /// Engine operation; see `ops.rs`. Takes ownership of the input buffer.
            ///
            /// # Safety
            /// `ptr` must be a buffer of `len` bytes from `alloc(len)`.
            #[no_mangle]
            pub unsafe extern "C" fn $name(ptr: *mut u8, len: usize) -> *mut u8 {
                run(stringify!($name), ptr, len)
            }
        )*
    };
}

exports!(
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
