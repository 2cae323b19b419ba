//! Go's `net.ParseMAC`, which Multus uses for `mac` and `infiniband-guid`: 6, 8 or 20
//! octets written `aa:bb:…`, `aa-bb-…` or `aabb.ccdd.…`.

/// Two hex digits at the start of `s`; when `s` is longer, its third byte must be `sep`.
fn xtoi2(s: &[u8], sep: Option<u8>) -> bool {
    if s.len() < 2 || (s.len() > 2 && Some(s[2]) != sep) {
        return false;
    }
    s[0].is_ascii_hexdigit() && s[1].is_ascii_hexdigit()
}

fn valid(s: &[u8]) -> bool {
    if s.len() < 14 {
        return false;
    }
    if s[2] == b':' || s[2] == b'-' {
        if (s.len() + 1) % 3 != 0 {
            return false;
        }
        let n = (s.len() + 1) / 3;
        if n != 6 && n != 8 && n != 20 {
            return false;
        }
        (0..n).all(|i| xtoi2(&s[3 * i..], Some(s[2])))
    } else if s[4] == b'.' {
        if (s.len() + 1) % 5 != 0 {
            return false;
        }
        let n = 2 * (s.len() + 1) / 5;
        if n != 6 && n != 8 && n != 20 {
            return false;
        }
        (0..n / 2).all(|i| {
            let x = 5 * i;
            xtoi2(&s[x..x + 2], None) && xtoi2(&s[x + 2..], Some(s[4]))
        })
    } else {
        false
    }
}

/// `net.ParseMAC(s)`: `Ok` or Go's error text `address <s>: invalid MAC address`.
pub fn parse_mac(s: &str) -> Result<(), String> {
    if valid(s.as_bytes()) {
        Ok(())
    } else if s.is_empty() {
        Err("invalid MAC address".to_string())
    } else {
        Err(format!("address {}: invalid MAC address", s))
    }
}

#[cfg(test)]
mod tests {
    use super::parse_mac;

    #[test]
    fn accepts_what_go_accepts() {
        for ok in [
            "00:00:5e:00:53:01",
            "02:00:5e:10:00:00:00:01",
            "00:00:00:00:fe:80:00:00:00:00:00:00:02:00:5e:10:00:00:00:01",
            "00-00-5e-00-53-01",
            "0000.5e00.5301",
            "0200.5e10.0000.0001",
            "AA:BB:CC:DD:EE:FF",
        ] {
            assert_eq!(parse_mac(ok), Ok(()), "{}", ok);
        }
        for bad in [
            "01.02.03.04.05.06",
            "01:02:03:04:05:06:",
            "x1:02:03:04:05:06",
            "01002:03:04:05:06",
            "01:02-03-04-05-06",
            "01:02:03:04:05",
            "0123.4567.89AB.CDEF.",
            "01-02:03:04:05:06",
            "0000.5e00-5301",
        ] {
            assert_eq!(
                parse_mac(bad),
                Err(format!("address {}: invalid MAC address", bad)),
                "{}",
                bad
            );
        }
    }
}
