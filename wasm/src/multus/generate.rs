//! Generated CNI configs: the daemon's `00-multus.conf` (auto mode, Multus's
//! `pkg/server/config` generator) and the installer's thin config (Multus's
//! thin_entrypoint) with its kubeconfig.

mod daemon;
mod kubeconfig;
mod primary;
mod semver;
mod thin;

use crate::error::EngineError;
use serde_json::Value;

/// `multus_conf_generate`: the thick daemon's `00-multus.conf` from its config and the
/// primary CNI config. Input `{"daemon": <daemon config object>, "primary": {"path",
/// "text"}, "autoconfigDir"?}`; answer `{"text", "name", "capabilities",
/// "clusterNetwork", "cniVersion", "primaryRewrite"?}`.
///
/// As Multus: `clusterNetwork` is the primary's path, `name` is `multus-cni-network`
/// (the primary's name with `overrideNetworkName`), `type` defaults to `multus-shim`,
/// `capabilities` are the daemon's own plus every enabled capability of the primary (of
/// each plugin of a list), the daemon-only keys are left out, and a primary older than
/// 0.4.0 under a top-level 0.4.0 or later is refused. Unlike Multus, an unreadable or
/// invalid primary is an error (Multus writes an empty file) and a capability that is
/// not a boolean is an error (Multus panics).
pub fn multus_conf_generate(input: &Value) -> Result<Value, EngineError> {
    daemon::generate(input)
}

/// `thin_conf_generate`: the installer's config, as Multus's thin_entrypoint writes it.
/// Input `{"primary": {"path", "text"}, "options": {...}}`; answer `{"fileName",
/// "text"}` (`00-multus.conf` below CNI 1.0.0, `00-multus.conflist` from 1.0.0 on).
pub fn thin_conf_generate(input: &Value) -> Result<Value, EngineError> {
    thin::generate(input)
}

/// `thin_kubeconfig_generate`: the thin plugin's kubeconfig from the installer pod's
/// service account, as thin_entrypoint writes it (JSON). Input `{"serviceHost",
/// "servicePort", "serviceProtocol"?, "caPem"?, "token", "tokenFile"?, "skipTlsVerify"?}`;
/// answer `{"text", "server"}`.
pub fn thin_kubeconfig_generate(input: &Value) -> Result<Value, EngineError> {
    kubeconfig::generate(input)
}
