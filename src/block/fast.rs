//! The fast compressor: liblz4's `LZ4_compress_fast_continue`, with its hash table kept across
//! the blocks of a stream.
//!
//! # How it finds matches
//!
//! One table of 4,096 entries maps a hash of the 5 bytes at a position (liblz4's `LZ4_hash5`
//! on the little-endian 8-byte word) to the latest position that had it. The search walks the
//! block, looks up each position's hash, stores the position in its place, and takes the
//! candidate if it is within reach and its first 4 bytes agree; the match then extends
//! forward as far as the bytes agree and backward over bytes equal on both sides. Positions
//! with no match make the walk skip ahead faster and faster (every 64 misses, one byte more
//! per step; `acceleration` starts the steps larger), so incompressible data is crossed
//! quickly. After a match the walk tries the position right after it at once.
//!
//! # Indexes, not positions
//!
//! Entries are *indexes*: the stream's bytes numbered as liblz4 numbers them (from 0 at the
//! start of the stream, or from 64 KiB with a dictionary, which sits right before that). The
//! caller says which index the first byte of its buffer has (`base`), so the table stays right
//! when the buffer's history moves to the front, and never needs hashing again: a new block only
//! adds its own positions. An entry below the lowest byte the block may reference (`low`: the
//! strategy's history) is stale and never used, nor one farther than 65,535 bytes back. So
//! that indexes fit `u32`, the table is rebased before they pass 2 GiB, as liblz4 rebases.
//!
//! Given the same history, the blocks are liblz4's byte for byte: same hash, same table, same
//! skipping, same tie-breaks, same encoding.

use super::encode::{count, read32, read64, Encoder};
use super::{LAST_LITERALS, MAX_DISTANCE, MFLIMIT, MIN_LENGTH, MIN_MATCH};

/// log2 of the table's entries (liblz4's `LZ4_HASHLOG` at its default memory usage).
const HASH_LOG: u32 = 12;

/// Entries in the table.
const TABLE_SIZE: usize = 1 << HASH_LOG;

/// Misses before the search step grows by one (liblz4's `LZ4_skipTrigger`).
const SKIP_TRIGGER: u32 = 6;

/// Indexes stay below this: past it, the table is rebased (liblz4's `LZ4_renormDictT`).
const INDEX_LIMIT: u64 = 0x8000_0000;

/// A dictionary shorter than this is not loaded (liblz4's `LZ4_loadDict` needs one 8-byte
/// word to hash), so the stream's first block references nothing before itself.
pub(crate) const MIN_DICTIONARY: usize = 8;

/// The index of the first byte of a stream with a dictionary: the dictionary ends right
/// before it (liblz4's `LZ4_loadDict` starts counting at 64 KiB).
pub(crate) const DICTIONARY_END: u32 = 65_536;

/// The hash table of the fast compressor, kept across the blocks of a stream.
pub(crate) struct FastTable {
    /// For each hash, the index of the latest position that had it (0 until one did, which
    /// points at the first byte of the stream, or at nothing usable, as in liblz4).
    entries: Box<[u32; TABLE_SIZE]>,
    /// liblz4's acceleration, `1..=65537`: how fast the search steps grow.
    acceleration: u32,
}

impl FastTable {
    /// An empty table for a compressor with liblz4's `acceleration` (`1..=65537`).
    pub(crate) fn new(acceleration: u32) -> FastTable {
        debug_assert!((1..=65_537).contains(&acceleration));
        FastTable {
            entries: Box::new([0; TABLE_SIZE]),
            acceleration,
        }
    }

    /// Empties the table, for a new stream.
    pub(crate) fn reset(&mut self) {
        self.entries.fill(0);
    }

    /// Hashes the positions of a dictionary, `buf[..len]` whose first byte has index `base`
    /// (liblz4's `LZ4_loadDict`: every third position).
    pub(crate) fn load_dictionary(&mut self, buf: &[u8], base: u32) {
        if buf.len() < MIN_DICTIONARY {
            return;
        }
        for p in (0..=buf.len() - MIN_DICTIONARY).step_by(3) {
            self.entries[hash(buf, p)] = base.wrapping_add(p as u32);
        }
    }

    /// Rebases the table if compressing `len` more bytes from index `next` would take indexes
    /// past 2 GiB; returns how much the indexes went down (subtract it from the caller's
    /// `base`), 0 if nothing changed. Entries older than 64 KiB before `next` all become 0.
    pub(crate) fn rebase_for(&mut self, next: u32, len: usize) -> u32 {
        if next as u64 + len as u64 <= INDEX_LIMIT {
            return 0;
        }
        let delta = next - 65_536;
        for entry in self.entries.iter_mut() {
            *entry = entry.saturating_sub(delta);
        }
        delta
    }

    /// Compresses `buf[start..end]` as one block into `out` (at least
    /// `compress_bound(end - start)` long); returns the block's length. Matches may reference
    /// `buf[low..start]` (the history) and the block's own earlier bytes; `base` is the index of
    /// `buf[0]` (wrapping: the buffer may begin before index 0).
    pub(crate) fn compress(
        &mut self,
        buf: &[u8],
        base: u32,
        low: usize,
        start: usize,
        end: usize,
        out: &mut [u8],
    ) -> usize {
        debug_assert!(low <= start && start <= end && end <= buf.len());
        let acceleration = self.acceleration;
        let mut enc = Encoder { out, op: 0 };
        let mut anchor = start;
        if end - start < MIN_LENGTH {
            enc.last_literals(&buf[anchor..end]);
            return enc.op;
        }
        let table = &mut *self.entries;
        let index = |p: usize| base.wrapping_add(p as u32);
        let low_index = index(low);
        // The last position a match may start at, plus one, and where matches must end.
        let mflimit_plus_one = end - MFLIMIT + 1;
        let match_limit = end - LAST_LITERALS;
        // A usable candidate for position `p`: at or above `low` and within reach.
        let usable = |entry: u32, p: usize| {
            entry >= low_index && entry.wrapping_add(MAX_DISTANCE as u32) >= index(p)
        };
        let position = |entry: u32| entry.wrapping_sub(base) as usize;

        let mut ip = start;
        table[hash(buf, ip)] = index(ip);
        ip += 1;
        let mut forward_hash = hash(buf, ip);

        'blocks: loop {
            // Look for a match, skipping ahead faster the longer none is found.
            let mut candidate;
            {
                let mut forward = ip;
                let mut step = 1;
                let mut searches = acceleration << SKIP_TRIGGER;
                loop {
                    let h = forward_hash;
                    ip = forward;
                    forward += step;
                    step = (searches >> SKIP_TRIGGER) as usize;
                    searches += 1;
                    if forward > mflimit_plus_one {
                        break 'blocks;
                    }
                    let entry = table[h];
                    forward_hash = hash(buf, forward);
                    table[h] = index(ip);
                    if !usable(entry, ip) {
                        continue;
                    }
                    candidate = position(entry);
                    if read32(buf, candidate) == read32(buf, ip) {
                        break;
                    }
                }
            }
            // Extend it backward over equal bytes.
            while ip > anchor && candidate > low && buf[ip - 1] == buf[candidate - 1] {
                ip -= 1;
                candidate -= 1;
            }
            let mut token = enc.literals(&buf[anchor..ip]);
            loop {
                // The match: its offset, then how far it extends.
                let offset = ip - candidate;
                let length = count(buf, ip + MIN_MATCH, candidate + MIN_MATCH, match_limit);
                ip += length + MIN_MATCH;
                enc.finish_sequence(token, offset as u16, length);
                anchor = ip;
                if ip >= mflimit_plus_one {
                    break 'blocks;
                }
                table[hash(buf, ip - 2)] = index(ip - 2);
                // Try the position right after the match at once.
                let h = hash(buf, ip);
                let entry = table[h];
                table[h] = index(ip);
                if usable(entry, ip) && read32(buf, position(entry)) == read32(buf, ip) {
                    candidate = position(entry);
                    token = enc.literals(&[]);
                    continue;
                }
                break;
            }
            ip += 1;
            forward_hash = hash(buf, ip);
        }
        enc.last_literals(&buf[anchor..end]);
        enc.op
    }
}

/// liblz4's `LZ4_hash5` of the 8 bytes at `p`: the low 5 bytes, multiplied, top 12 bits.
#[inline(always)]
fn hash(buf: &[u8], p: usize) -> usize {
    const PRIME: u64 = 889_523_592_379;
    let word = read64(buf, p);
    ((word << 24).wrapping_mul(PRIME) >> (64 - HASH_LOG)) as usize
}
