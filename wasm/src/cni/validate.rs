//! libcni's attachment validation (`pkg/utils`): container IDs, network names and
//! interface names, with libcni's messages and codes, and the `attachment_check` op.

use crate::cni::input::{object, opt_str};
use crate::error::{code, EngineError};
use serde_json::{json, Value};

/// libcni's `^[a-zA-Z0-9][a-zA-Z0-9_.\-]*$` for container IDs and network names.
fn valid_name(s: &str) -> bool {
    let mut bytes = s.bytes();
    match bytes.next() {
        Some(b) if b.is_ascii_alphanumeric() => {}
        _ => return false,
    }
    bytes.all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'.' || b == b'-')
}

/// The longest container ID accepted (ours; libcni has no bound). The ID is a file name
/// by itself (`<cniDir>/<containerID>`) and inside libcni's result file names
/// (`<network>-<containerID>-<ifname>`), which must fit the 255 bytes of a file name: 128
/// leaves over 100 for the network name. Runtimes use 64 hex digits.
pub const MAX_CONTAINER_ID: usize = 128;

/// `ValidateContainerID`: empty → code 3 `missing containerID`; bad characters → code 4
/// `invalid characters in containerID` with the ID as details. Ours: longer than
/// [`MAX_CONTAINER_ID`] → code 4 `containerID is too long` (worded as libcni's
/// `interface name is too long`), before any file is named after it.
pub fn container_id(id: &str) -> Result<(), EngineError> {
    if id.is_empty() {
        return Err(EngineError::new(code::UNKNOWN_CONTAINER, "missing containerID"));
    }
    if !valid_name(id) {
        return Err(EngineError::new(code::INVALID_ENV, "invalid characters in containerID")
            .with_details(id));
    }
    if id.len() > MAX_CONTAINER_ID {
        return Err(EngineError::new(code::INVALID_ENV, "containerID is too long").with_details(
            format!(
                "containerID should be at most {} characters; it is {}",
                MAX_CONTAINER_ID,
                id.len()
            ),
        ));
    }
    Ok(())
}

/// `ValidateNetworkName`: empty → code 7 `missing network name`; bad characters → code 7
/// `invalid characters found in network name` with the name as details.
pub fn network_name(name: &str) -> Result<(), EngineError> {
    if name.is_empty() {
        return Err(EngineError::new(code::INVALID_NETWORK_CONFIG, "missing network name"));
    }
    if !valid_name(name) {
        return Err(EngineError::new(
            code::INVALID_NETWORK_CONFIG,
            "invalid characters found in network name",
        )
        .with_details(name));
    }
    Ok(())
}

/// `ValidateInterfaceName`: non-empty, at most 15 bytes, not `.` or `..`, no `/`, `:` or
/// whitespace. Every failure is code 4 with libcni's message.
pub fn interface_name(name: &str) -> Result<(), EngineError> {
    let fail = |msg: &str| EngineError::new(code::INVALID_ENV, msg);
    if name.is_empty() {
        return Err(fail("interface name is empty"));
    }
    if name.len() > 15 {
        return Err(fail("interface name is too long")
            .with_details("interface name should be less than 16 characters"));
    }
    if name == "." || name == ".." {
        return Err(fail("interface name is . or .."));
    }
    if name.chars().any(|c| c == '/' || c == ':' || c.is_whitespace()) {
        return Err(fail("interface name contains / or : or whitespace characters"));
    }
    Ok(())
}

/// `attachment_check`: libcni's checks before an ADD. Input `{"containerId"?,
/// "networkName"?, "ifName"?}`; each given key is validated, in libcni's order
/// (container ID, network name, interface name). Answers `{}`.
pub fn attachment_check(input: &Value) -> Result<Value, EngineError> {
    object(input, "attachment_check")?;
    if let Some(id) = opt_str(input, "containerId")? {
        container_id(id)?;
    }
    if let Some(name) = opt_str(input, "networkName")? {
        network_name(name)?;
    }
    if let Some(ifname) = opt_str(input, "ifName")? {
        interface_name(ifname)?;
    }
    Ok(json!({}))
}
