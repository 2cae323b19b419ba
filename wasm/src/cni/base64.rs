//! Standard base64 with padding, as Go's `encoding/json` writes and reads a `[]byte`
//! (the `config` of libcni's cache files).

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Encodes `data` with padding.
pub fn encode(data: &[u8]) -> String {
    let mut out = String::with_capacity((data.len() + 2) / 3 * 4);
    for chunk in data.chunks(3) {
        let b = [chunk[0], chunk.get(1).copied().unwrap_or(0), chunk.get(2).copied().unwrap_or(0)];
        let n = u32::from(b[0]) << 16 | u32::from(b[1]) << 8 | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Decodes padded standard base64, skipping `\r` and `\n` as Go's decoder does. The error
/// names the first offending byte offset.
pub fn decode(text: &str) -> Result<Vec<u8>, String> {
    let clean: Vec<u8> = text.bytes().filter(|b| *b != b'\r' && *b != b'\n').collect();
    if clean.len() % 4 != 0 {
        return Err(format!("illegal base64 data at input byte {}", clean.len() / 4 * 4));
    }
    let mut out = Vec::with_capacity(clean.len() / 4 * 3);
    for (q, quad) in clean.chunks(4).enumerate() {
        let last = q + 1 == clean.len() / 4;
        let mut n: u32 = 0;
        let mut pad = 0;
        for (i, &c) in quad.iter().enumerate() {
            let v = match c {
                b'=' if last && i >= 2 => {
                    pad += 1;
                    0
                }
                _ if pad > 0 => {
                    return Err(format!("illegal base64 data at input byte {}", q * 4 + i))
                }
                _ => match ALPHABET.iter().position(|a| *a == c) {
                    Some(p) => p as u32,
                    None => return Err(format!("illegal base64 data at input byte {}", q * 4 + i)),
                },
            };
            n = n << 6 | v;
        }
        let bytes = [(n >> 16) as u8, (n >> 8) as u8, n as u8];
        out.extend_from_slice(&bytes[..3 - pad]);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::{decode, encode};

    #[test]
    fn round_trips() {
        for s in ["", "f", "fo", "foo", "foob", "fooba", "foobar", "{\"a\":1}\n"] {
            assert_eq!(decode(&encode(s.as_bytes())).unwrap(), s.as_bytes());
        }
        assert_eq!(encode(b"foobar"), "Zm9vYmFy");
        assert_eq!(encode(b"fo"), "Zm8=");
        assert!(decode("Zm8").is_err());
        assert!(decode("Z=8=").is_err());
        assert!(decode("Zm8=Zm8=").is_err());
    }
}
