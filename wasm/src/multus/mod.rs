//! Multus's pure logic: its config, the annotations, NAD → delegate, the delegate plan,
//! the scratch cache, default routes and network-status.

pub mod annotation;
pub mod chain;
pub mod conf;
pub mod daemon_conf;
pub mod delegate;
pub mod generate;
pub mod k8s_args;
pub mod nad;
mod parse;
pub mod plan;
pub mod routes;
pub mod scratch_cache;
pub mod status;
