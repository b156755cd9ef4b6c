//! Levels 1 and 2: the light matcher (liblz4 1.10's `LZ4MID_compress`).
//!
//! Two tables of 16,384 entries, one keyed by a hash of the next 8 bytes, one by a hash of
//! the next 4, each holding the latest position that had the hash. At each position the long
//! candidate is tried first, then the short one; a short match is traded for the next
//! position's long candidate if that one is longer. A match is extended backward over equal
//! bytes, and a few of its first and last positions are added to the tables. Where nothing
//! matches, the walk skips ahead faster the longer the literal run (one more byte per step
//! every 512 literals). There are no chains, so this costs little more than the fast
//! compressor, and finds longer matches.

use super::super::encode::{count, read32, read64, Encoder};
use super::super::{MAX_DISTANCE, MIN_LENGTH, MIN_MATCH};
use super::search::{Block, Tables, HASH_SIZE};

/// log2 of each table's entries (liblz4's `LZ4MID_HASHLOG`).
const HASH_LOG: u32 = 14;

/// Entries per table: the two share the hash table of [`Tables`].
const TABLE_SIZE: usize = 1 << HASH_LOG;

const _: () = assert!(2 * TABLE_SIZE == HASH_SIZE);

/// liblz4's `LZ4MID_hash4Ptr`.
#[inline(always)]
fn hash4(buf: &[u8], p: usize) -> usize {
    (read32(buf, p).wrapping_mul(2_654_435_761) >> (32 - HASH_LOG)) as usize
}

/// liblz4's `LZ4MID_hash8Ptr`: the low 7 bytes of the little-endian 8-byte word.
#[inline(always)]
fn hash8(buf: &[u8], p: usize) -> usize {
    ((read64(buf, p) << 8).wrapping_mul(58_295_818_150_454_627) >> (64 - HASH_LOG)) as usize
}

/// Fills the tables from a dictionary, `buf` whose first byte has index `base` (liblz4's
/// `LZ4MID_fillHTable`): every third position into both, then every position of the last
/// 32 KiB into the long one. A dictionary of 8 bytes or less is not hashed.
pub(super) fn load_dictionary(tables: &mut Tables, buf: &[u8], base: u32) {
    if buf.len() <= 8 {
        return;
    }
    let (short, long) = tables.hash.split_at_mut(TABLE_SIZE);
    let target = buf.len() - 8;
    let mut p = 0;
    while p < target {
        short[hash4(buf, p)] = base.wrapping_add(p as u32);
        long[hash8(buf, p + 1)] = base.wrapping_add(p as u32 + 1);
        p += 3;
    }
    let from = if buf.len() > 32 * 1024 + 8 {
        target - 32 * 1024
    } else {
        0
    };
    for p in from..target {
        long[hash8(buf, p)] = base.wrapping_add(p as u32);
    }
}

/// Compresses the block; returns its length in `out`.
pub(super) fn compress(tables: &mut Tables, b: &Block, out: &mut [u8]) -> usize {
    let buf = b.buf;
    let mut enc = Encoder { out, op: 0 };
    let (mut ip, mut anchor, end) = (b.start, b.start, b.end);
    if end - ip < MIN_LENGTH {
        enc.last_literals(&buf[anchor..end]);
        return enc.op;
    }
    let (short, long) = tables.hash.split_at_mut(TABLE_SIZE);
    let mflimit = b.mflimit();
    let match_limit = b.match_limit();
    let ilimit_index = b.index(end - 8);
    let low_index = b.low_index;
    let in_reach = |ip_index: u32, pos: u32| {
        ip_index.wrapping_sub(pos) <= MAX_DISTANCE as u32 && pos >= low_index
    };

    'main: while ip <= mflimit {
        let ip_index = b.index(ip);
        let mut len;
        let mut distance;
        'found: {
            // The long candidate.
            let h8 = hash8(buf, ip);
            let pos8 = long[h8];
            long[h8] = ip_index;
            if in_reach(ip_index, pos8) {
                len = count(buf, ip, b.position(pos8), match_limit);
                if len >= MIN_MATCH {
                    distance = (ip_index - pos8) as usize;
                    break 'found;
                }
            }
            // The short one, traded for the next position's long one if that is longer.
            let h4 = hash4(buf, ip);
            let pos4 = short[h4];
            short[h4] = ip_index;
            if in_reach(ip_index, pos4) {
                len = count(buf, ip, b.position(pos4), match_limit);
                if len >= MIN_MATCH {
                    let h8 = hash8(buf, ip + 1);
                    let pos8 = long[h8];
                    distance = (ip_index - pos4) as usize;
                    if in_reach(ip_index.wrapping_add(1), pos8) && ip < mflimit {
                        let len2 = count(buf, ip + 1, b.position(pos8), match_limit);
                        if len2 > len {
                            long[h8] = ip_index + 1;
                            ip += 1;
                            len = len2;
                            distance = (ip_index + 1 - pos8) as usize;
                        }
                    }
                    break 'found;
                }
            }
            // No match: step further the longer the literal run.
            ip += 1 + ((ip - anchor) >> 9);
            continue 'main;
        }
        // Extend the match backward.
        while ip > anchor && ip - b.low > distance && buf[ip - 1] == buf[ip - distance - 1] {
            ip -= 1;
            len += 1;
        }
        // The match's first positions join the tables. (liblz4 pairs the positions after
        // `ip` as it is now with the indexes after `ip` as it was found: kept, for the same
        // output.)
        long[hash8(buf, ip + 1)] = ip_index + 1;
        long[hash8(buf, ip + 2)] = ip_index + 2;
        short[hash4(buf, ip + 1)] = ip_index + 1;

        let token = enc.literals(&buf[anchor..ip]);
        enc.finish_sequence(token, distance as u16, len - MIN_MATCH);
        ip += len;
        anchor = ip;

        // And some of its last.
        let end_index = b.index(ip);
        if end_index - 2 < ilimit_index {
            if ip - b.low > 5 {
                long[hash8(buf, ip - 5)] = end_index - 5;
            }
            long[hash8(buf, ip - 3)] = end_index - 3;
            long[hash8(buf, ip - 2)] = end_index - 2;
            short[hash4(buf, ip - 2)] = end_index - 2;
            short[hash4(buf, ip - 1)] = end_index - 1;
        }
    }
    enc.last_literals(&buf[anchor..end]);
    enc.op
}
