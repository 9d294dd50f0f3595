//! Hexadecimal encoding and decoding without external dependencies.

use std::fmt;

const LOWER: &[u8; 16] = b"0123456789abcdef";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FromHexError {
    OddLength,
    InvalidChar { c: char, index: usize },
}

impl fmt::Display for FromHexError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::OddLength => f.write_str("hex string has an odd number of digits"),
            Self::InvalidChar { c, index } => write!(f, "invalid hex character {c:?} at index {index}"),
        }
    }
}

impl std::error::Error for FromHexError {}

pub fn encode(data: impl AsRef<[u8]>) -> String {
    let bytes = data.as_ref();
    let mut out = Vec::with_capacity(bytes.len() * 2);
    for &b in bytes {
        out.push(LOWER[(b >> 4) as usize]);
        out.push(LOWER[(b & 0x0f) as usize]);
    }
    // SAFETY: every byte pushed comes from the ASCII table above.
    unsafe { String::from_utf8_unchecked(out) }
}

fn nibble(c: u8, index: usize) -> Result<u8, FromHexError> {
    match c {
        b'0'..=b'9' => Ok(c - b'0'),
        b'a'..=b'f' => Ok(c - b'a' + 10),
        b'A'..=b'F' => Ok(c - b'A' + 10),
        _ => Err(FromHexError::InvalidChar { c: c as char, index }),
    }
}

pub fn decode(s: impl AsRef<[u8]>) -> Result<Vec<u8>, FromHexError> {
    let s = s.as_ref();
    if s.len() % 2 != 0 {
        return Err(FromHexError::OddLength);
    }
    s.chunks_exact(2)
        .enumerate()
        .map(|(i, pair)| Ok(nibble(pair[0], 2 * i)? << 4 | nibble(pair[1], 2 * i + 1)?))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let data = [0u8, 1, 0x7f, 0x80, 0xfe, 0xff];
        assert_eq!(encode(data), "00017f80feff");
        assert_eq!(decode(encode(data)).unwrap(), data);
    }

    #[test]
    fn uppercase_is_accepted() {
        assert_eq!(decode("DEADBEEF").unwrap(), vec![0xde, 0xad, 0xbe, 0xef]);
    }

    #[test]
    fn errors() {
        assert_eq!(decode("abc"), Err(FromHexError::OddLength));
        assert_eq!(decode("zz"), Err(FromHexError::InvalidChar { c: 'z', index: 0 }));
    }
}
