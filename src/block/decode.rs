//! The block decoder, prefix mode: decodes a block into a buffer right after its history.
//!
//! Speed in safe Rust comes from making the common sequence cheap to check:
//!
//! - While at least 32 bytes of input and [`SLACK`] bytes of output room remain, a sequence is
//!   read through one fixed 32-byte view of the input: the token, a literal run of up to 14
//!   bytes and the offset all lie within it, so their reads need no bounds checks, and the
//!   literals are copied as a fixed 16-byte move (bytes past the run land in the room after
//!   the output, where the next sequence overwrites them).
//! - A short match (length up to 18) whose offset is at least 16 is copied as a fixed 16-byte
//!   move (and 2 more bytes); a match that overlaps its own output (offset below its length)
//!   repeats its pattern by doubling copies; longer matches are one `copy_within`.
//! - Everything else (long literal runs, the block's last bytes, a buffer without slack) takes
//!   the careful path, which checks every length against the input and the output.
//!
//! Whatever the path, every length is checked against the page before any byte is written
//! where output may not go, every offset against the history, and output bytes that the block
//! did not write are never part of the result: the caller receives exactly `start..start + n`.

use super::{MIN_MATCH, SLACK};

/// Why a block does not decode.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum DecodeError {
    /// The block decodes to more bytes than the room allows (a page).
    Overflow,
    /// A match reaches before the history.
    BeyondHistory,
    /// A match has offset 0.
    OffsetZero,
    /// A literal run goes past the end of the block.
    LiteralsPastEnd,
    /// The block ends inside a sequence (a token, a length, an offset).
    Truncated,
}

/// Decodes `block` into `buf` at `start`, with `buf[history..start]` as the bytes its matches
/// may reference, producing at most `limit` bytes (`buf` must hold `start + limit`; more room
/// after that, up to [`SLACK`] bytes, makes decoding faster and may be overwritten). Returns how
/// many bytes the block decoded to: `buf[start..start + n]`.
pub(crate) fn decode(
    block: &[u8],
    buf: &mut [u8],
    history: usize,
    start: usize,
    limit: usize,
) -> Result<usize, DecodeError> {
    debug_assert!(history <= start && start + limit <= buf.len());
    let end = start + limit;
    let mut ip = 0;
    let mut op = start;
    loop {
        // The fast path: a whole sequence whose token, short literal run and offset lie in a
        // fixed 32-byte view, with room for fixed-size copies after the output.
        if ip + 32 <= block.len() && op + SLACK <= buf.len() {
            let view: &[u8; 32] = block[ip..ip + 32].try_into().expect("32 bytes");
            let token = view[0];
            let literals = (token >> 4) as usize;
            if literals < 15 && literals <= end - op {
                buf[op..op + 16].copy_from_slice(&view[1..17]);
                op += literals;
                let offset = u16::from_le_bytes([view[1 + literals], view[2 + literals]]) as usize;
                ip += 3 + literals;
                let code = (token & 15) as usize;
                let length = if code < 15 {
                    code + MIN_MATCH
                } else {
                    read_length(block, &mut ip)? + 15 + MIN_MATCH
                };
                check_match(offset, length, op, history, end)?;
                if offset >= 16 && length <= 18 {
                    let from = op - offset;
                    buf.copy_within(from..from + 16, op);
                    buf.copy_within(from + 16..from + 18, op + 16);
                } else {
                    copy_match(buf, op, offset, length);
                }
                op += length;
                continue;
            }
        }
        // The careful path: one sequence, every length checked.
        let token = *block.get(ip).ok_or(DecodeError::Truncated)?;
        ip += 1;
        let mut literals = (token >> 4) as usize;
        if literals == 15 {
            literals += read_length(block, &mut ip)?;
        }
        if literals > block.len() - ip {
            return Err(DecodeError::LiteralsPastEnd);
        }
        if literals > end - op {
            return Err(DecodeError::Overflow);
        }
        buf[op..op + literals].copy_from_slice(&block[ip..ip + literals]);
        ip += literals;
        op += literals;
        if ip == block.len() {
            // The last sequence: literals only.
            return Ok(op - start);
        }
        let offset = match block.get(ip..ip + 2) {
            Some(bytes) => u16::from_le_bytes([bytes[0], bytes[1]]) as usize,
            None => return Err(DecodeError::Truncated),
        };
        ip += 2;
        let mut length = (token & 15) as usize + MIN_MATCH;
        if length == 15 + MIN_MATCH {
            length += read_length(block, &mut ip)?;
        }
        check_match(offset, length, op, history, end)?;
        copy_match(buf, op, offset, length);
        op += length;
    }
}

/// Reads the bytes that extend a length nibble of 15: their sum, each 255 meaning "more
/// follows".
#[inline]
fn read_length(block: &[u8], ip: &mut usize) -> Result<usize, DecodeError> {
    let mut sum = 0;
    loop {
        let byte = *block.get(*ip).ok_or(DecodeError::Truncated)?;
        *ip += 1;
        sum += byte as usize;
        if byte != 255 {
            return Ok(sum);
        }
    }
}

/// Checks a match of `length` bytes at `op`, `offset` back: it must reach no further back than
/// the history and end within the room.
#[inline]
fn check_match(
    offset: usize,
    length: usize,
    op: usize,
    history: usize,
    end: usize,
) -> Result<(), DecodeError> {
    if offset == 0 {
        return Err(DecodeError::OffsetZero);
    }
    if offset > op - history {
        return Err(DecodeError::BeyondHistory);
    }
    if length > end - op {
        return Err(DecodeError::Overflow);
    }
    Ok(())
}

/// Copies a checked match of `length` bytes to `op` from `offset` bytes back, repeating the
/// pattern when the match overlaps its own output.
#[inline]
fn copy_match(buf: &mut [u8], op: usize, offset: usize, length: usize) {
    let from = op - offset;
    if offset >= length {
        buf.copy_within(from..from + length, op);
        return;
    }
    if offset == 1 {
        let byte = buf[from];
        buf[op..op + length].fill(byte);
        return;
    }
    // The bytes from `from` on repeat with period `offset`: copy what is already there, which
    // doubles the run each step.
    let mut done = 0;
    while done < length {
        let n = (op + done - from).min(length - done);
        buf.copy_within(from..from + n, op + done);
        done += n;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode_vec(block: &[u8], history: &[u8], limit: usize) -> Result<Vec<u8>, DecodeError> {
        let mut buf = history.to_vec();
        buf.resize(history.len() + limit + SLACK, 0xAA);
        let n = decode(block, &mut buf, 0, history.len(), limit)?;
        Ok(buf[history.len()..history.len() + n].to_vec())
    }

    #[test]
    fn literals_and_overlapping_matches() {
        // "abc" then a match of 9 at offset 3, then 5 literals.
        let block = [
            0x35, b'a', b'b', b'c', 3, 0, 0x50, b'v', b'w', b'x', b'y', b'z',
        ];
        assert_eq!(decode_vec(&block, b"", 100).unwrap(), b"abcabcabcabcvwxyz");
        // A match into the history.
        let block = [0x00, 4, 0, 0x10, b'!'];
        assert_eq!(decode_vec(&block, b"hist", 100).unwrap(), b"hist!");
    }

    #[test]
    fn errors_name_the_rule() {
        assert_eq!(decode_vec(&[], b"", 10), Err(DecodeError::Truncated));
        assert_eq!(
            decode_vec(&[0x30, b'a'], b"", 10),
            Err(DecodeError::LiteralsPastEnd)
        );
        assert_eq!(
            decode_vec(&[0x10, b'a', 0], b"", 10),
            Err(DecodeError::Truncated)
        );
        assert_eq!(
            decode_vec(&[0x10, b'a', 0, 0, 0x00], b"", 10),
            Err(DecodeError::OffsetZero)
        );
        assert_eq!(
            decode_vec(&[0x10, b'a', 2, 0, 0x00], b"", 10),
            Err(DecodeError::BeyondHistory)
        );
        assert_eq!(
            decode_vec(&[0x1F, b'a', 1, 0, 200], b"", 100),
            Err(DecodeError::Overflow)
        );
        assert_eq!(
            decode_vec(&[0x20, b'a', b'b'], b"", 1),
            Err(DecodeError::Overflow)
        );
    }
}
