//! Go's `time.ParseDuration`, for `perNodeCertificate.certDuration` (`"10m"`, `"1h30m"`,
//! `"1.5h"`), with Go's error messages.

use crate::cni::gofmt::quote;

const UNITS: &[(&str, u64)] = &[
    ("ns", 1),
    ("us", 1_000),
    ("\u{b5}s", 1_000),
    ("\u{3bc}s", 1_000),
    ("ms", 1_000_000),
    ("s", 1_000_000_000),
    ("m", 60_000_000_000),
    ("h", 3_600_000_000_000),
];

const MAX: u64 = 1 << 63;

/// The duration in nanoseconds, or Go's message (`time: invalid duration "x"`,
/// `time: missing unit in duration "1"`, `time: unknown unit "d" in duration "1d"`).
pub(crate) fn parse_duration(orig: &str) -> Result<i64, String> {
    let invalid = || format!("time: invalid duration {}", quote(orig));
    let mut s = orig.as_bytes();
    let mut neg = false;
    if let Some(&c) = s.first() {
        if c == b'-' || c == b'+' {
            neg = c == b'-';
            s = &s[1..];
        }
    }
    if s == b"0" {
        return Ok(0);
    }
    if s.is_empty() {
        return Err(invalid());
    }
    let mut total: u64 = 0;
    while !s.is_empty() {
        if !(s[0] == b'.' || s[0].is_ascii_digit()) {
            return Err(invalid());
        }
        let digits = s.iter().take_while(|c| c.is_ascii_digit()).count();
        let mut whole: u64 = 0;
        for &c in &s[..digits] {
            whole = whole
                .checked_mul(10)
                .and_then(|v| v.checked_add(u64::from(c - b'0')))
                .filter(|v| *v <= MAX)
                .ok_or_else(invalid)?;
        }
        s = &s[digits..];
        let (mut frac, mut scale, mut frac_digits) = (0u64, 1f64, 0usize);
        if s.first() == Some(&b'.') {
            s = &s[1..];
            frac_digits = s.iter().take_while(|c| c.is_ascii_digit()).count();
            let mut overflow = false;
            for &c in &s[..frac_digits] {
                if overflow {
                    continue;
                }
                match frac.checked_mul(10).and_then(|v| v.checked_add(u64::from(c - b'0'))) {
                    Some(v) if v <= MAX => {
                        frac = v;
                        scale *= 10.0;
                    }
                    _ => overflow = true,
                }
            }
            s = &s[frac_digits..];
        }
        if digits == 0 && frac_digits == 0 {
            return Err(invalid());
        }
        let unit_len = s.iter().take_while(|c| !(**c == b'.' || c.is_ascii_digit())).count();
        if unit_len == 0 {
            return Err(format!("time: missing unit in duration {}", quote(orig)));
        }
        let unit_text = String::from_utf8_lossy(&s[..unit_len]).into_owned();
        s = &s[unit_len..];
        let unit = UNITS.iter().find(|(name, _)| *name == unit_text).map(|(_, n)| *n).ok_or_else(
            || format!("time: unknown unit {} in duration {}", quote(&unit_text), quote(orig)),
        )?;
        let mut v = whole.checked_mul(unit).filter(|v| *v <= MAX).ok_or_else(invalid)?;
        if frac > 0 {
            v = v
                .checked_add((frac as f64 * (unit as f64 / scale)) as u64)
                .filter(|v| *v <= MAX)
                .ok_or_else(invalid)?;
        }
        total = total.checked_add(v).filter(|v| *v <= MAX).ok_or_else(invalid)?;
    }
    if neg {
        return Ok(0i64.wrapping_sub(total as i64));
    }
    i64::try_from(total).map_err(|_| invalid())
}

#[cfg(test)]
mod tests {
    use super::parse_duration;

    #[test]
    fn parses_go_durations() {
        assert_eq!(parse_duration("10m"), Ok(600_000_000_000));
        assert_eq!(parse_duration("1h30m"), Ok(5_400_000_000_000));
        assert_eq!(parse_duration("1.5h"), Ok(5_400_000_000_000));
        assert_eq!(parse_duration("-2s"), Ok(-2_000_000_000));
        assert_eq!(parse_duration("0"), Ok(0));
        assert_eq!(parse_duration(".5s"), Ok(500_000_000));
        assert_eq!(parse_duration("3\u{b5}s"), Ok(3_000));
    }

    #[test]
    fn reports_go_errors() {
        assert_eq!(parse_duration(""), Err("time: invalid duration \"\"".into()));
        assert_eq!(parse_duration("x"), Err("time: invalid duration \"x\"".into()));
        assert_eq!(parse_duration("10"), Err("time: missing unit in duration \"10\"".into()));
        assert_eq!(parse_duration("1d"), Err("time: unknown unit \"d\" in duration \"1d\"".into()));
        assert_eq!(parse_duration(".s"), Err("time: invalid duration \".s\"".into()));
        assert!(parse_duration("99999999999999999999h").is_err());
    }
}
