//! The high-compression compressor: liblz4's HC levels 1 to 12 (`LZ4_compress_HC_continue`),
//! with its tables kept across the blocks of a stream.
//!
//! # The levels
//!
//! Each level picks one of three methods and how hard it searches ([`LEVELS`], liblz4 1.10's
//! level table):
//!
//! | level | method | candidates searched per position | good enough match |
//! |--:|---|--:|--:|
//! | 1, 2 | [light matcher](mid) | 2 (one per table) | first found |
//! | 3 to 9 | [hash chains, lazy](chain) | 4, 8, .. 256 | longest, then 2 look-aheads |
//! | 10 | [optimal parser](optimal) | 96 | 64 bytes |
//! | 11 | optimal parser | 512 | 128 bytes |
//! | 12 | optimal parser, every position | 16,384 | 4,095 bytes |
//!
//! - **Levels 1 and 2** keep two tables of 16,384 entries, one keyed by the next 4 bytes and
//!   one by the next 8, and take the first candidate whose bytes agree: the long table first,
//!   then the short one (then trying the next position's long candidate for a longer match).
//!   No chains: this is the fast compressor's single probe made a little smarter.
//! - **Levels 3 to 9** link every position to the previous one with the same 4-byte hash
//!   (a *chain*, 64 Ki entries of 16-bit distances, one per position of the last 64 KiB), walk
//!   `2^(level - 1)` links for the longest match, and before committing look for a longer match
//!   starting inside it, twice over (liblz4's "ML1/ML2/ML3" lazy matching), shortening the
//!   first match when the next one wins. From level 9 on, runs of one repeated 1-, 2- or
//!   4-byte pattern are recognized and skipped over in one step instead of link by link, which
//!   keeps the search fast on long runs.
//! - **Levels 10 to 12** price every way of covering the bytes ahead with literals and matches
//!   (in output bytes) and encode the cheapest, looking at up to 4 KiB at a time; the chain
//!   search there also switches to the chain of a later byte of the match when that chain
//!   reaches further back ("chain swap"). Level 12 searches at every position of the window
//!   instead of only where it may pay off.
//!
//! # Kept across blocks
//!
//! Like [`FastTable`](super::fast::FastTable), the tables hold *indexes*, the stream's bytes
//! numbered so that an empty entry (0) is never within reach: the first byte of a stream is
//! index [`FIRST_INDEX`] (128 Ki; a dictionary sits right before it). The caller says which
//! index the first byte of its buffer has, so the tables serve any buffer holding the block
//! and its history. Positions are inserted into the chains lazily, up to the position being
//! searched, so the last bytes of a block join the chains when the next block is searched, as
//! in liblz4. An entry below the history the strategy allows (`low`) ends the search, as does
//! one farther than 65,535 bytes back. Before indexes would pass 2 GiB they are rebased.
//!
//! With a history of the last 64 KiB (liblz4's contiguous prefix layout), the blocks equal
//! liblz4 1.10's byte for byte, at every level: the tests hold it to that.

mod chain;
mod mid;
mod optimal;
mod search;

use search::Tables;

/// How a level compresses (liblz4's `lz4hc_strat_e`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Method {
    /// Two hash tables, no chains (levels 1 and 2).
    Light,
    /// Hash chains with lazy matching (levels 3 to 9).
    Chain,
    /// Hash chains with an optimal parser (levels 10 to 12).
    Optimal,
}

/// What a level does (liblz4's `cParams_t`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct LevelParams {
    /// The method.
    pub(crate) method: Method,
    /// How many candidates a search examines at most.
    pub(crate) searches: u32,
    /// A match at least this long is taken at once (the optimal parser's `sufficient_len`).
    pub(crate) target_length: usize,
}

/// The highest level.
pub(crate) const MAX_LEVEL: u32 = 12;

/// liblz4 1.10's `k_clTable`, levels 1 to 12 (index 0 unused, as level 1).
pub(crate) const LEVELS: [LevelParams; 13] = {
    const fn p(method: Method, searches: u32, target_length: usize) -> LevelParams {
        LevelParams {
            method,
            searches,
            target_length,
        }
    }
    [
        p(Method::Light, 2, 16),
        p(Method::Light, 2, 16),
        p(Method::Light, 2, 16),
        p(Method::Chain, 4, 16),
        p(Method::Chain, 8, 16),
        p(Method::Chain, 16, 16),
        p(Method::Chain, 32, 16),
        p(Method::Chain, 64, 16),
        p(Method::Chain, 128, 16),
        p(Method::Chain, 256, 16),
        p(Method::Optimal, 96, 64),
        p(Method::Optimal, 512, 128),
        p(Method::Optimal, 16_384, optimal::OPT_NUM),
    ]
};

/// The index of a stream's first byte. An empty table entry (0) and a chain link never
/// followed (65,535 back) then always point below anything a block may reference; a
/// dictionary (at most 64 KiB) sits right before it.
pub(crate) const FIRST_INDEX: u32 = 2 * 65_536;

/// Indexes stay below this: past it, the tables are rebased.
const INDEX_LIMIT: u64 = 0x8000_0000;

/// The HC compressor of one stream: its level and its tables.
pub(crate) struct HcCompressor {
    /// What the level does.
    params: LevelParams,
    /// Whether this is level 12, whose optimal parser searches at every position.
    full_update: bool,
    /// The hash and chain tables, kept across blocks.
    tables: Tables,
    /// The optimal parser's prices, allocated once (levels 10 to 12 only).
    prices: Vec<optimal::Price>,
}

impl HcCompressor {
    /// A compressor at `level`, `1..=12`.
    pub(crate) fn new(level: u32) -> HcCompressor {
        debug_assert!((1..=MAX_LEVEL).contains(&level));
        let params = LEVELS[level.min(MAX_LEVEL) as usize];
        let prices = if params.method == Method::Optimal {
            vec![optimal::Price::default(); optimal::OPT_NUM + optimal::TRAILING_LITERALS]
        } else {
            Vec::new()
        };
        HcCompressor {
            params,
            full_update: level >= MAX_LEVEL,
            tables: Tables::new(params.method != Method::Light),
            prices,
        }
    }

    /// Empties the tables, for a new stream.
    pub(crate) fn reset(&mut self) {
        self.tables.reset();
    }

    /// Loads a dictionary, `buf` (at most 64 KiB) whose first byte has index `base`, as
    /// liblz4's `LZ4_loadDictHC` does: every position of it into the chains (but the last 3,
    /// which join when the first block is searched), or, at levels 1 and 2, every third
    /// position into both tables and the last 32 KiB's into the long one.
    pub(crate) fn load_dictionary(&mut self, buf: &[u8], base: u32) {
        if self.params.method == Method::Light {
            mid::load_dictionary(&mut self.tables, buf, base);
        } else {
            self.tables.next_to_update = base;
            if buf.len() >= 4 {
                self.tables.insert(buf, base, base, buf.len() - 3);
            }
        }
    }

    /// Rebases the tables if compressing `len` more bytes from index `next` would take indexes
    /// past 2 GiB; returns how much the indexes went down, 0 if nothing changed.
    pub(crate) fn rebase_for(&mut self, next: u32, len: usize) -> u32 {
        if next as u64 + len as u64 <= INDEX_LIMIT {
            return 0;
        }
        // A multiple of 64 Ki, so that every position keeps its chain slot (its index's low
        // 16 bits).
        let delta = (next - FIRST_INDEX) & !0xFFFF;
        self.tables.rebase(delta);
        delta
    }

    /// Compresses `buf[start..end]` as one block into `out` (at least
    /// `compress_bound(end - start)` long); returns the block's length. Matches may reference
    /// `buf[low..start]` (the history) and the block's own earlier bytes; `base` is the index of
    /// `buf[0]` (wrapping).
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
        let block = search::Block::new(buf, base, low, start, end);
        match self.params.method {
            Method::Light => mid::compress(&mut self.tables, &block, out),
            Method::Chain => chain::compress(&mut self.tables, &block, out, self.params.searches),
            Method::Optimal => optimal::compress(
                &mut self.tables,
                &block,
                out,
                &mut self.prices,
                self.params,
                self.full_update,
            ),
        }
    }
}
