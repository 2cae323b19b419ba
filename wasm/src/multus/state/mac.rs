//! Go's `net.ParseMAC`, which Multus uses to validate a `mac` request: 6, 8 or 20 bytes
//! written as `xx:xx:…`, `xx-xx-…` or `xxxx.xxxx.…`.

/// Whether `s` is a hardware address `net.ParseMAC` accepts.
pub(crate) fn is_valid(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() < 14 {
        return false;
    }
    let hex = |c: u8| c.is_ascii_hexdigit();
    if b[2] == b':' || b[2] == b'-' {
        let sep = b[2];
        if (b.len() + 1) % 3 != 0 || !matches!((b.len() + 1) / 3, 6 | 8 | 20) {
            return false;
        }
        b.chunks(3).all(|g| hex(g[0]) && hex(g[1]) && (g.len() == 2 || g[2] == sep))
    } else if b[4] == b'.' {
        if (b.len() + 1) % 5 != 0 || !matches!(2 * (b.len() + 1) / 5, 6 | 8 | 20) {
            return false;
        }
        b.chunks(5).all(|g| g[..4].iter().all(|c| hex(*c)) && (g.len() == 4 || g[4] == b'.'))
    } else {
        false
    }
}

#[cfg(test)]
mod tests {
    use super::is_valid;

    #[test]
    fn accepts_what_go_accepts() {
        for ok in [
            "02:23:45:67:89:01",
            "02-23-45-67-89-AB",
            "0223.4567.89ab",
            "02:23:45:67:89:01:02:03",
            "00:00:00:00:fe:80:00:00:00:00:00:00:02:00:5e:10:00:00:00:01",
        ] {
            assert!(is_valid(ok), "{}", ok);
        }
        for bad in [
            "",
            "02:23:45:67:89",
            "02:23:45:67:89:0g",
            "02:23-45:67:89:01",
            "02:23:45:67:89:01:",
            "0223.4567.89ab.",
            "02:23:45:67:89:01:02",
            "0223:4567:89ab",
        ] {
            assert!(!is_valid(bad), "{}", bad);
        }
    }
}
