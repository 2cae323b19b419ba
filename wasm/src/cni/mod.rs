//! The CNI specification's pure parts: versions, results, `CNI_ARGS`, per-plugin config
//! building and attachment validation, as libcni implements them.

pub mod version;
