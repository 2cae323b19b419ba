//! IP addresses and CIDRs as Go's `net` package parses and prints them: results carry
//! them through `net.ParseIP`/`net.ParseCIDR`, so libcni normalises their text
//! (`2001:DB8::0001` → `2001:db8::1`, `::ffff:1.2.3.4` → `1.2.3.4`).

use std::fmt::Write;
use std::net::Ipv6Addr;
use std::str::FromStr;

/// An IP address in Go's 16-byte form (IPv4 as `::ffff:a.b.c.d`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ip(
    /// The 16 address bytes.
    pub [u8; 16],
);

/// An address with a prefix length, as `types.ParseCIDR` keeps it: the full address
/// (not masked), the prefix, and the address family's bit length as written (32 or 128).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cidr {
    /// The address as written (not masked).
    pub ip: Ip,
    /// The prefix length.
    pub prefix: u8,
    /// 32 for an address written as IPv4, 128 for one written as IPv6.
    pub bits: u8,
}

impl Ip {
    /// `net.ParseIP`: dotted IPv4 (no leading zeros) or IPv6 without a zone.
    pub fn parse(s: &str) -> Option<Ip> {
        parse_with_bits(s).map(|(ip, _)| ip)
    }

    /// Go's `ip.To4() != nil`: IPv4, including IPv4-mapped IPv6.
    pub fn is_v4(&self) -> bool {
        self.0[..10].iter().all(|b| *b == 0) && self.0[10] == 0xff && self.0[11] == 0xff
    }

    /// Go's `IP.String()`: dotted for IPv4 (and IPv4-mapped), RFC 5952 for IPv6.
    pub fn to_go_string(&self) -> String {
        let b = &self.0;
        if self.is_v4() {
            return format!("{}.{}.{}.{}", b[12], b[13], b[14], b[15]);
        }
        let groups: Vec<u16> =
            (0..8).map(|i| u16::from(b[2 * i]) << 8 | u16::from(b[2 * i + 1])).collect();
        // The first longest run of at least two zero groups becomes "::".
        let (mut best_start, mut best_len) = (8usize, 0usize);
        let mut i = 0;
        while i < 8 {
            let mut j = i;
            while j < 8 && groups[j] == 0 {
                j += 1;
            }
            if j - i >= 2 && j - i > best_len {
                best_start = i;
                best_len = j - i;
            }
            i = if j > i { j } else { i + 1 };
        }
        let mut out = String::new();
        let mut i = 0;
        while i < 8 {
            if i == best_start {
                out.push_str("::");
                i += best_len;
                continue;
            }
            if i > 0 && !out.ends_with(':') {
                out.push(':');
            }
            let _ = write!(out, "{:x}", groups[i]);
            i += 1;
        }
        out
    }
}

impl Cidr {
    /// `net.ParseCIDR` (keeping the unmasked address, as libcni's `types.ParseCIDR`).
    pub fn parse(s: &str) -> Option<Cidr> {
        let (addr, mask) = s.split_once('/')?;
        let (ip, bits) = parse_with_bits(addr)?;
        // Go's dtoi: decimal digits only, leading zeros allowed.
        if mask.is_empty() || !mask.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let mut prefix: u32 = 0;
        for b in mask.bytes() {
            prefix = prefix * 10 + u32::from(b - b'0');
            if prefix > u32::from(bits) {
                return None;
            }
        }
        if prefix > u32::from(bits) {
            return None;
        }
        Some(Cidr { ip, prefix: prefix as u8, bits })
    }

    /// Go's `IPNet.String()`. An IPv4-mapped address written as IPv6 prints in dotted
    /// form with the mask's last 32 bits, as Go does.
    pub fn to_go_string(&self) -> String {
        let prefix = if self.ip.is_v4() && self.bits == 128 {
            self.prefix.saturating_sub(96)
        } else {
            self.prefix
        };
        format!("{}/{}", self.ip.to_go_string(), prefix)
    }
}

fn parse_with_bits(s: &str) -> Option<(Ip, u8)> {
    // netip.ParseAddr decides by whichever of '.' or ':' comes first.
    match s.find(['.', ':']) {
        Some(i) if s.as_bytes().get(i) == Some(&b'.') => parse_v4(s).map(|ip| (ip, 32)),
        Some(_) => Ipv6Addr::from_str(s).ok().map(|a| (Ip(a.octets()), 128)),
        None => None,
    }
}

fn parse_v4(s: &str) -> Option<Ip> {
    let mut out = [0u8; 16];
    out[10] = 0xff;
    out[11] = 0xff;
    let mut fields = 0;
    for part in s.split('.') {
        if fields == 4
            || part.is_empty()
            || part.len() > 3
            || !part.bytes().all(|b| b.is_ascii_digit())
        {
            return None;
        }
        if part.len() > 1 && part.starts_with('0') {
            return None;
        }
        let n: u16 = part.parse().ok()?;
        if n > 255 {
            return None;
        }
        out[12 + fields] = n as u8;
        fields += 1;
    }
    if fields == 4 {
        Some(Ip(out))
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::{Cidr, Ip};

    fn ip(s: &str) -> String {
        Ip::parse(s).map(|i| i.to_go_string()).unwrap_or_else(|| "<invalid>".into())
    }

    fn cidr(s: &str) -> String {
        Cidr::parse(s).map(|c| c.to_go_string()).unwrap_or_else(|| "<invalid>".into())
    }

    #[test]
    fn ips_print_as_go_does() {
        assert_eq!(ip("10.0.0.1"), "10.0.0.1");
        assert_eq!(ip("010.0.0.1"), "<invalid>");
        assert_eq!(ip("1.2.3"), "<invalid>");
        assert_eq!(ip("1.2.3.4.5"), "<invalid>");
        assert_eq!(ip("2001:DB8::0001"), "2001:db8::1");
        assert_eq!(ip("::ffff:1.2.3.4"), "1.2.3.4");
        assert_eq!(ip("::1.2.3.4"), "::102:304");
        assert_eq!(ip("1:0:0:1:0:0:0:1"), "1:0:0:1::1");
        assert_eq!(ip("1:0:0:1:0:0:1:1"), "1::1:0:0:1:1");
        assert_eq!(ip("1:0:1:1:1:1:1:1"), "1:0:1:1:1:1:1:1");
        assert_eq!(ip("::"), "::");
        assert_eq!(ip("fe80::1%eth0"), "<invalid>");
        assert_eq!(ip(""), "<invalid>");
    }

    #[test]
    fn cidrs_print_as_go_does() {
        assert_eq!(cidr("10.1.2.3/24"), "10.1.2.3/24");
        assert_eq!(cidr("10.1.2.3/024"), "10.1.2.3/24");
        assert_eq!(cidr("10.1.2.3/33"), "<invalid>");
        assert_eq!(cidr("10.1.2.3"), "<invalid>");
        assert_eq!(cidr("10.1.2.3/"), "<invalid>");
        assert_eq!(cidr("10.1.2.3/+8"), "<invalid>");
        assert_eq!(cidr("::ffff:10.1.2.3/120"), "10.1.2.3/24");
        assert_eq!(cidr("::ffff:10.1.2.3/64"), "10.1.2.3/0");
        assert_eq!(cidr("2001:db8::/64"), "2001:db8::/64");
        assert_eq!(cidr("::0/0"), "::/0");
    }
}
