//! The CNI specification's pure parts: versions, results, `CNI_ARGS`, per-plugin config
//! building and attachment validation, as libcni implements them.

pub mod args;
pub mod base64;
pub mod cache;
pub mod config;
pub mod convert;
pub mod gofmt;
pub mod gojson;
pub mod input;
pub mod ip;
pub mod plan;
pub mod plugin_conf;
pub mod plugin_config;
pub mod plugin_error;
pub mod result;
pub mod result_decode;
pub mod skel;
pub mod validate;
pub mod version;
