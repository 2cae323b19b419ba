//! Strict semantic versions as `github.com/blang/semver` (v3) parses them, which Multus's
//! config generator uses for its version check (`semver.Make`): exactly
//! `major.minor.patch`, no leading zeroes, optional `-prerelease` and `+build`; a
//! prerelease sorts before its release. libcni's looser `ParseVersion` is
//! `crate::cni::version`.

use crate::cni::gofmt::quote;

/// A parsed version: the three numbers and whether it carries a prerelease (enough to
/// compare against a release such as 0.4.0).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct SemVer {
    numbers: (u64, u64, u64),
    prerelease: bool,
}

impl SemVer {
    /// A release version (no prerelease).
    pub(crate) const fn release(major: u64, minor: u64, patch: u64) -> Self {
        SemVer { numbers: (major, minor, patch), prerelease: false }
    }

    /// Whether `self` is older than `other`, a release.
    pub(crate) fn lt_release(&self, other: &SemVer) -> bool {
        self.numbers < other.numbers || (self.numbers == other.numbers && self.prerelease)
    }
}

fn number(part: &str, label: &str) -> Result<u64, String> {
    if !part.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("Invalid character(s) found in {} number {}", label, quote(part)));
    }
    if part.len() > 1 && part.starts_with('0') {
        let mut title = label.to_string();
        title[..1].make_ascii_uppercase();
        return Err(format!("{} number must not contain leading zeroes {}", title, quote(part)));
    }
    let syntax = if part.is_empty() { "invalid syntax" } else { "value out of range" };
    part.parse::<u64>()
        .map_err(|_| format!("strconv.ParseUint: parsing {}: {}", quote(part), syntax))
}

fn alphanumeric(s: &str) -> bool {
    s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

/// blang/semver's `Parse`, with its messages (`No Major.Minor.Patch elements found`,
/// `Invalid character(s) found in major number "v1"`, ...).
pub(crate) fn parse(s: &str) -> Result<SemVer, String> {
    if s.is_empty() {
        return Err("Version string empty".into());
    }
    let parts: Vec<&str> = s.splitn(3, '.').collect();
    let (major, minor, rest) = match parts.as_slice() {
        [a, b, c] => (*a, *b, *c),
        _ => return Err("No Major.Minor.Patch elements found".into()),
    };
    let major = number(major, "major")?;
    let minor = number(minor, "minor")?;
    let (rest, build) = match rest.split_once('+') {
        Some((r, b)) => (r, Some(b)),
        None => (rest, None),
    };
    let (patch, pre) = match rest.split_once('-') {
        Some((p, pre)) => (p, Some(pre)),
        None => (rest, None),
    };
    let patch = number(patch, "patch")?;
    if let Some(pre) = pre {
        for id in pre.split('.') {
            if id.is_empty() {
                return Err("Prerelease is empty".into());
            }
            if id.bytes().all(|b| b.is_ascii_digit()) {
                if id.len() > 1 && id.starts_with('0') {
                    return Err(format!(
                        "Numeric PreRelease version must not contain leading zeroes {}",
                        quote(id)
                    ));
                }
            } else if !alphanumeric(id) {
                return Err(format!("Invalid character(s) found in prerelease {}", quote(id)));
            }
        }
    }
    if let Some(build) = build {
        for id in build.split('.') {
            if id.is_empty() {
                return Err("Build meta data is empty".into());
            }
            if !alphanumeric(id) {
                return Err(format!("Invalid character(s) found in build meta data {}", quote(id)));
            }
        }
    }
    Ok(SemVer { numbers: (major, minor, patch), prerelease: pre.is_some() })
}

#[cfg(test)]
mod tests {
    use super::{parse, SemVer};

    #[test]
    fn parses_and_compares() {
        let v040 = SemVer::release(0, 4, 0);
        assert!(parse("0.3.1").unwrap().lt_release(&v040));
        assert!(parse("0.4.0-rc1").unwrap().lt_release(&v040));
        assert!(!parse("0.4.0").unwrap().lt_release(&v040));
        assert!(!parse("1.0.0+build.1").unwrap().lt_release(&v040));
    }

    #[test]
    fn reports_blang_errors() {
        assert_eq!(parse("").unwrap_err(), "Version string empty");
        assert_eq!(parse("0.4").unwrap_err(), "No Major.Minor.Patch elements found");
        assert_eq!(
            parse("v1.0.0").unwrap_err(),
            "Invalid character(s) found in major number \"v1\""
        );
        assert_eq!(
            parse("01.0.0").unwrap_err(),
            "Major number must not contain leading zeroes \"01\""
        );
        assert_eq!(parse("1.0.x").unwrap_err(), "Invalid character(s) found in patch number \"x\"");
        assert_eq!(parse("1..0").unwrap_err(), "strconv.ParseUint: parsing \"\": invalid syntax");
        assert_eq!(parse("1.0.0-").unwrap_err(), "Prerelease is empty");
    }
}
