//! The block decoder, prefix mode: decodes a block into a buffer right after its history.
//!
//! Speed in safe Rust comes from making the common sequence cheap to check:
//!
//! - While at least 32 bytes of input and 32 bytes of room remain, a sequence is read through
//!   one fixed 32-byte view of the input: the token, a literal run of up to 14 bytes and the
//!   offset all lie within it, so their reads need no bounds checks, and the literals are
//!   copied as a fixed 16-byte move (bytes past the run land in the room, where the next
//!   sequence overwrites them). Neither the literals nor a short match (up to 18 bytes) can
//!   then overflow the room, so only the offset needs checking.
//! - A match that does not overlap its own output (offset at least its length) is one fixed
//!   `copy_within` of 18 bytes (short matches) or 32 (up to 32 bytes): `copy_within` moves as
//!   `memmove` does, reading the whole source before writing, so the match's bytes (all before
//!   the output position) arrive intact even when the fixed move's tail overlaps, and the bytes
//!   past the match are overwritten later. An overlapping short match with offset 8 to 15
//!   moves 8+8+2 bytes in order; closer overlaps repeat their pattern in 8-byte moves. Only
//!   longer matches and literal runs call `memmove` for their exact length.
//! - Everything else (long literal runs, the last 32 bytes of the room, the block's last
//!   bytes) takes the careful path, which checks every length against the input and the room.
//!
//! What paid, measured against liblz4 on the corpus (`benches/throughput.rs`): bounding the
//! fast path by the room instead of slack after it (2-3%), fixed 32-byte moves for medium runs
//! (3%), one 18-byte `memmove`-like move for every short match that does not overlap instead
//! of 16+2 moves for offsets of 16 or more only (8-10%). What did not: 16-byte chunk loops
//! instead of `memmove` for long matches (20% slower); inlining the match copier into the
//! loop (slower); fixed 16+16-byte moves for medium matches; loops of 32-byte moves for
//! matches of 33 to 128 bytes (4% slower than `memmove`); cutting the buffer at the room's end
//! so the compiler drops bounds checks (1% slower).
//!
//! Whatever the path, every length is checked against the page before any byte is written
//! where output may not go, every offset against the history, and output bytes that the block
//! did not write are never part of the result: the caller receives exactly `start..start + n`.

use super::MIN_MATCH;

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
/// may reference, producing at most `limit` bytes (`buf` must hold `start + limit`; all of
/// `buf[start..start + limit]` may be overwritten). Returns how many bytes the block decoded
/// to: `buf[start..start + n]`.
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
        // fixed 32-byte view, at least 32 bytes before the end of the room, so that neither
        // the literals nor a short match can overflow it and both copy as fixed-size moves.
        if ip + 32 <= block.len() && op + 32 <= end {
            let view: &[u8; 32] = block[ip..ip + 32].try_into().expect("32 bytes");
            let token = view[0];
            let literals = (token >> 4) as usize;
            if literals < 15 {
                buf[op..op + 16].copy_from_slice(&view[1..17]);
                op += literals;
                let offset = u16::from_le_bytes([view[1 + literals], view[2 + literals]]) as usize;
                ip += 3 + literals;
                let code = (token & 15) as usize;
                if code < 15 {
                    // At most 18 bytes, which fit before `end`.
                    if offset == 0 {
                        return Err(DecodeError::OffsetZero);
                    }
                    if offset > op - history {
                        return Err(DecodeError::BeyondHistory);
                    }
                    let from = op - offset;
                    let length = code + MIN_MATCH;
                    if offset >= length {
                        // One fixed 18-byte move: `copy_within` moves as `memmove` does, so
                        // the match's bytes (all before `op`) arrive intact, and what follows
                        // them is overwritten later.
                        buf.copy_within(from..from + 18, op);
                    } else if offset >= 8 {
                        // 16-byte moves would read bytes not yet written; 8-byte moves in
                        // order do not.
                        buf.copy_within(from..from + 8, op);
                        buf.copy_within(from + 8..from + 16, op + 8);
                        buf.copy_within(from + 16..from + 18, op + 16);
                    } else {
                        copy_match(buf, op, offset, length, end);
                    }
                    op += length;
                    continue;
                }
                let length = read_length(block, &mut ip)? + 15 + MIN_MATCH;
                check_match(offset, length, op, history, end)?;
                copy_match(buf, op, offset, length, end);
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
        if literals <= 32 && ip + 32 <= block.len() && op + 32 <= end {
            // A medium run (15 to 32 bytes, most long runs): one fixed move, no call.
            buf[op..op + 32].copy_from_slice(&block[ip..ip + 32]);
        } else {
            buf[op..op + literals].copy_from_slice(&block[ip..ip + literals]);
        }
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
        copy_match(buf, op, offset, length, end);
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
/// pattern when the match overlaps its own output; bytes up to `end` may be overwritten.
#[inline]
fn copy_match(buf: &mut [u8], op: usize, offset: usize, length: usize, end: usize) {
    let from = op - offset;
    if offset >= length {
        if length <= 32 && op + 32 <= end {
            // As `memmove`: the match's bytes, all before `op`, arrive intact.
            buf.copy_within(from..from + 32, op);
        } else {
            buf.copy_within(from..from + length, op);
        }
        return;
    }
    if op + length + 16 <= end {
        // An overlapping match, with room to copy in whole chunks past its end.
        if offset >= 16 {
            wild_copy::<16>(buf, from, op, length);
        } else if offset >= 8 {
            wild_copy::<8>(buf, from, op, length);
        } else {
            // The first 8 bytes one by one; after them the output repeats with a period that
            // is a multiple of `offset` and at least 8, so 8-byte chunks can follow.
            for i in 0..8 {
                buf[op + i] = buf[from + i];
            }
            if length > 8 {
                let period = offset * 8usize.div_ceil(offset);
                wild_copy::<8>(buf, op + 8 - period, op + 8, length - 8);
            }
        }
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

/// Copies `length` bytes from `from` to `to` in `N`-byte chunks, writing up to `N - 1` bytes
/// past the end; `to - from >= N`, so each chunk's source is written before it is read.
#[inline(always)]
fn wild_copy<const N: usize>(buf: &mut [u8], from: usize, to: usize, length: usize) {
    let mut i = 0;
    while i < length {
        buf.copy_within(from + i..from + i + N, to + i);
        i += N;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode_vec(block: &[u8], history: &[u8], limit: usize) -> Result<Vec<u8>, DecodeError> {
        let mut buf = history.to_vec();
        buf.resize(history.len() + limit, 0xAA);
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
