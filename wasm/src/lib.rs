//! The multus-deno engine: every decision about CNI configs, results, annotations and
//! delegate plans that needs no I/O. Each operation takes one JSON value and returns one
//! JSON value or an [`EngineError`]; [`call`] wraps that in the JSON envelope the
//! TypeScript host reads. The wasm build imports nothing and is deterministic.

#![deny(missing_docs)]

pub mod cni;
mod error;
pub mod multus;
mod ops;

#[cfg(all(target_arch = "wasm32", target_os = "unknown"))]
mod abi;

pub use error::{code, EngineError};
pub use ops::{call, op_names, ABI_VERSION};
