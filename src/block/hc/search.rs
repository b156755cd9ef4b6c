//! The hash and chain tables of levels 3 to 12 and the search that walks them (liblz4's
//! `LZ4HC_Insert` and `LZ4HC_InsertAndGetWiderMatch`).
//!
//! The hash table maps a hash of 4 bytes to the latest position that had it; the chain table
//! gives, for each position of the last 64 KiB (indexed by the position's low 16 bits), the
//! distance back to the previous position with the same hash (capped at 65,535, which leads
//! out of reach). A search walks from the hash table's entry down the chain, comparing bytes.

use super::super::encode::{count, read32, read64};
use super::super::{LAST_LITERALS, MAX_DISTANCE, MFLIMIT, MIN_MATCH};

/// log2 of the hash table's entries (liblz4's `LZ4HC_HASH_LOG`).
const HASH_LOG: u32 = 15;

/// The hash table's entries.
pub(super) const HASH_SIZE: usize = 1 << HASH_LOG;

/// The chain table's entries: one per position of the last 64 KiB.
const CHAIN_SIZE: usize = 1 << 16;

/// The block being compressed and the buffer around it, with the limits every search uses.
pub(super) struct Block<'a> {
    /// The buffer: history, then the block.
    pub(super) buf: &'a [u8],
    /// The index of `buf[0]` (wrapping).
    pub(super) base: u32,
    /// The lowest position a match may reference.
    pub(super) low: usize,
    /// `low`'s index.
    pub(super) low_index: u32,
    /// The block's first byte.
    pub(super) start: usize,
    /// Just past the block's last byte.
    pub(super) end: usize,
}

impl<'a> Block<'a> {
    pub(super) fn new(buf: &'a [u8], base: u32, low: usize, start: usize, end: usize) -> Self {
        Block {
            buf,
            base,
            low,
            low_index: base.wrapping_add(low as u32),
            start,
            end,
        }
    }

    /// The index of position `p`.
    #[inline(always)]
    pub(super) fn index(&self, p: usize) -> u32 {
        self.base.wrapping_add(p as u32)
    }

    /// The position of index `i`.
    #[inline(always)]
    pub(super) fn position(&self, i: u32) -> usize {
        i.wrapping_sub(self.base) as usize
    }

    /// The last position a match may start at (the block is at least `MFLIMIT` long).
    #[inline(always)]
    pub(super) fn mflimit(&self) -> usize {
        self.end - MFLIMIT
    }

    /// Where matches must end.
    #[inline(always)]
    pub(super) fn match_limit(&self) -> usize {
        self.end - LAST_LITERALS
    }
}

/// A match found by a search: `len` bytes, `off` back, starting `back` bytes before the
/// position searched.
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct Match {
    pub(super) len: usize,
    pub(super) off: usize,
    pub(super) back: usize,
}

/// Whether the bytes searched are one repeated pattern (liblz4's `repeat_state_e`).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Repeat {
    Untested,
    Not,
    Confirmed,
}

/// The hash and chain tables (levels 1 and 2 use the hash table only, as two tables).
pub(crate) struct Tables {
    /// For each hash, the index of the latest position inserted that had it (0: none).
    pub(super) hash: Box<[u32]>,
    /// For each position (its index's low 16 bits), the distance to the previous position
    /// with the same hash; empty for levels 1 and 2.
    chain: Box<[u16]>,
    /// The index of the first position not yet inserted.
    pub(super) next_to_update: u32,
}

/// liblz4's `LZ4HC_hashPtr`: the 4 bytes at `p`, multiplied, top 15 bits.
#[inline(always)]
fn hash(word: u32) -> usize {
    (word.wrapping_mul(2_654_435_761) >> (32 - HASH_LOG)) as usize
}

impl Tables {
    /// Empty tables; `chains` for levels 3 to 12.
    pub(super) fn new(chains: bool) -> Tables {
        Tables {
            hash: vec![0; HASH_SIZE].into_boxed_slice(),
            // liblz4 fills the chains with 0xFF: a link never set leads 65,535 back, out of
            // reach.
            chain: if chains {
                vec![u16::MAX; CHAIN_SIZE].into_boxed_slice()
            } else {
                Box::new([])
            },
            next_to_update: 0,
        }
    }

    /// Empties the tables, as [`new`](Self::new) made them.
    pub(super) fn reset(&mut self) {
        self.hash.fill(0);
        self.chain.fill(u16::MAX);
        self.next_to_update = 0;
    }

    /// Moves every index down by `delta`; entries that would go below 0 become 0 (they were
    /// out of reach anyway). Chain links are distances, which do not change.
    pub(super) fn rebase(&mut self, delta: u32) {
        for entry in self.hash.iter_mut() {
            *entry = entry.saturating_sub(delta);
        }
        self.next_to_update = self.next_to_update.saturating_sub(delta);
    }

    /// Inserts every position from the first not yet inserted (but none below index `floor`)
    /// up to `target` (excluded) into the hash and chain tables, then marks `target` as the
    /// next (even when that goes back, as liblz4's `LZ4HC_Insert` does).
    #[inline(always)]
    pub(super) fn insert(&mut self, buf: &[u8], base: u32, floor: u32, target: usize) {
        let target_index = base.wrapping_add(target as u32);
        let mut idx = self.next_to_update.max(floor);
        let chain = &mut *self.chain;
        let table = &mut *self.hash;
        while idx < target_index {
            let p = idx.wrapping_sub(base) as usize;
            let h = hash(read32(buf, p));
            // Wrapping, as liblz4: after `next_to_update` went back, the latest entry may be
            // after `idx` (a link out of reach then).
            let delta = idx.wrapping_sub(table[h]).min(MAX_DISTANCE as u32);
            chain[idx as u16 as usize] = delta as u16;
            table[h] = idx;
            idx += 1;
        }
        self.next_to_update = target_index;
    }

    /// The link from the position with index `i`.
    #[inline(always)]
    fn link(&self, i: u32) -> u32 {
        self.chain[i as u16 as usize] as u32
    }

    /// Inserts the positions up to `ip`, then searches the chain of `ip` for a match longer
    /// than `longest`, ending by `limit`, that may also start up to `ip - i_low` bytes earlier
    /// (liblz4's `LZ4HC_InsertAndGetWiderMatch`, in its prefix mode). Examines at most
    /// `attempts` candidates; `patterns` skips over runs of a repeated pattern (levels 9+),
    /// `chain_swap` follows the chain of a later byte of the best match when it reaches further
    /// (the optimal parser). Returns a match of length `longest` or less if none is longer.
    #[allow(clippy::too_many_arguments)]
    #[inline(always)]
    pub(super) fn wider_match(
        &mut self,
        b: &Block,
        ip: usize,
        i_low: usize,
        limit: usize,
        mut longest: usize,
        attempts: u32,
        patterns: bool,
        chain_swap: bool,
    ) -> Match {
        let buf = b.buf;
        let ip_index = b.index(ip);
        let lowest = b.low_index.max(ip_index.wrapping_sub(MAX_DISTANCE as u32));
        let look_back = ip - i_low;
        let mut attempts = attempts;
        let mut chain_pos: u32 = 0;
        let pattern = read32(buf, ip);
        let mut repeat = Repeat::Untested;
        let mut src_pattern_len = 0;
        let mut found = Match {
            len: longest,
            off: 0,
            back: 0,
        };
        self.insert(buf, b.base, b.low_index, ip);
        let mut match_index = self.hash[hash(pattern)];
        // The two bytes where a longer match would end, read again only when `longest` grows.
        let mut ending = read16(buf, i_low + longest - 1);
        // (A candidate at or after `ip` cannot happen, as positions are inserted in order and
        // only up to the one searched; the check keeps a table gone wrong from reading past the
        // block.)
        while match_index >= lowest && match_index < ip_index && attempts > 0 {
            let mut match_len = 0;
            attempts -= 1;
            let m = b.position(match_index);
            // Two bytes where a longer match would end rule most candidates out at once.
            if ending == read16(buf, m + longest - 1 - look_back) && read32(buf, m) == pattern {
                let back = if look_back > 0 {
                    count_back(buf, ip, m, i_low, b.low)
                } else {
                    0
                };
                match_len = MIN_MATCH + count(buf, ip + MIN_MATCH, m + MIN_MATCH, limit) + back;
                if match_len > longest {
                    longest = match_len;
                    ending = read16(buf, i_low + longest - 1);
                    found = Match {
                        len: longest,
                        off: (ip_index - match_index) as usize,
                        back,
                    };
                }
            }

            if chain_swap && match_len == longest && match_index + longest as u32 <= ip_index {
                // A better match: continue on the chain of whichever of its bytes links
                // furthest back, which skips candidates that cannot be longer.
                const TRIGGER: u32 = 4;
                let mut distance = 1;
                let end = (longest - MIN_MATCH + 1) as u32;
                let mut accel = 1 << TRIGGER;
                let mut pos = 0;
                while pos < end {
                    let candidate = self.link(match_index + pos);
                    let step = accel >> TRIGGER;
                    accel += 1;
                    if candidate > distance {
                        distance = candidate;
                        chain_pos = pos;
                        accel = 1 << TRIGGER;
                    }
                    pos += step;
                }
                if distance > 1 {
                    if distance > match_index {
                        break;
                    }
                    match_index -= distance;
                    continue;
                }
            }

            if patterns && chain_pos == 0 && self.link(match_index) == 1 {
                // The previous position has the same hash: maybe a run of one pattern.
                let candidate = match_index - 1;
                if repeat == Repeat::Untested {
                    if (pattern & 0xFFFF) == (pattern >> 16) && (pattern & 0xFF) == (pattern >> 24)
                    {
                        repeat = Repeat::Confirmed;
                        src_pattern_len = count_pattern(buf, ip + 4, limit, pattern) + 4;
                    } else {
                        repeat = Repeat::Not;
                    }
                }
                if repeat == Repeat::Confirmed && candidate >= lowest {
                    let mp = b.position(candidate);
                    if read32(buf, mp) == pattern {
                        let forward = count_pattern(buf, mp + 4, limit, pattern) + 4;
                        let back_len = reverse_count_pattern(buf, mp, b.low, pattern);
                        // Not below the lowest index a match may have.
                        let back_len =
                            (candidate - (candidate - back_len as u32).max(lowest)) as usize;
                        let segment = back_len + forward;
                        if segment >= src_pattern_len && forward <= src_pattern_len {
                            // The run holds the whole source pattern: jump to where it ends
                            // best (maybe followed by more matching bytes).
                            match_index = candidate + forward as u32 - src_pattern_len as u32;
                        } else {
                            // Jump to the run's start: the farthest match it gives.
                            match_index = candidate - back_len as u32;
                            if look_back == 0 {
                                let max_len = segment.min(src_pattern_len);
                                if longest < max_len {
                                    if ip_index - match_index > MAX_DISTANCE as u32 {
                                        break;
                                    }
                                    longest = max_len;
                                    ending = read16(buf, i_low + longest - 1);
                                    found = Match {
                                        len: longest,
                                        off: (ip_index - match_index) as usize,
                                        back: 0,
                                    };
                                }
                                let next = self.link(match_index);
                                if next > match_index {
                                    break;
                                }
                                match_index -= next;
                            }
                        }
                        continue;
                    }
                }
            }

            match_index = match_index.wrapping_sub(self.link(match_index + chain_pos));
        }
        found
    }
}

#[inline(always)]
fn read16(buf: &[u8], p: usize) -> u16 {
    u16::from_le_bytes([buf[p], buf[p + 1]])
}

/// How many bytes before `ip` equal those before `m`, going no lower than `i_min` and `m_min`
/// (liblz4's `LZ4HC_countBack`).
#[inline(always)]
fn count_back(buf: &[u8], ip: usize, m: usize, i_min: usize, m_min: usize) -> usize {
    let max = (ip - i_min).min(m - m_min);
    let mut n = 0;
    while max - n > 3 {
        let v = read32(buf, ip - n - 4) ^ read32(buf, m - n - 4);
        if v != 0 {
            return n + (v.leading_zeros() / 8) as usize;
        }
        n += 4;
    }
    while n < max && buf[ip - n - 1] == buf[m - n - 1] {
        n += 1;
    }
    n
}

/// How many bytes from `p` on repeat `pattern` (a run of a 1-, 2- or 4-byte pattern, read
/// little-endian), stopping at `end` (liblz4's `LZ4HC_countPattern`).
#[inline(always)]
pub(super) fn count_pattern(buf: &[u8], p: usize, end: usize, pattern: u32) -> usize {
    let wide = pattern as u64 | (pattern as u64) << 32;
    let mut q = p;
    while q + 8 <= end {
        let diff = read64(buf, q) ^ wide;
        if diff != 0 {
            return q + (diff.trailing_zeros() / 8) as usize - p;
        }
        q += 8;
    }
    let mut byte = wide;
    while q < end && buf[q] == byte as u8 {
        q += 1;
        byte >>= 8;
    }
    q - p
}

/// How many bytes before `p` repeat `pattern` backwards, going no lower than `low` (liblz4's
/// `LZ4HC_reverseCountPattern`).
#[inline(always)]
fn reverse_count_pattern(buf: &[u8], p: usize, low: usize, pattern: u32) -> usize {
    let mut q = p;
    while q >= low + 4 {
        if read32(buf, q - 4) != pattern {
            break;
        }
        q -= 4;
    }
    let bytes = pattern.to_le_bytes();
    let mut k = 4;
    while q > low && k > 0 {
        if buf[q - 1] != bytes[k - 1] {
            break;
        }
        q -= 1;
        k -= 1;
    }
    p - q
}
