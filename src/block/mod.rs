//! The LZ4 block codec, built for streams: knows blocks and the buffer around them, nothing of
//! records, options or I/O.
//!
//! # The LZ4 block format
//!
//! A block is a sequence of *sequences*. Each sequence is a run of literal bytes copied as they
//! are, then a *match*: a copy of earlier output, `offset` bytes back (1 to 65,535), `length`
//! bytes long (at least 4). Bytes are laid out as
//!
//! ```text
//! token  [literal length bytes]  literals  offset (2 bytes LE)  [match length bytes]
//! ```
//!
//! The token's high nibble is the literal count, its low nibble the match length minus 4; a
//! nibble of 15 is followed by bytes that add to it, each 255 meaning "more follows". The last
//! sequence of a block is literals only (the block ends right after them). A match may overlap
//! its own output (offset < length repeats a pattern), and in a stream it may reach back into
//! the bytes of earlier blocks: the *history*. Compressors keep the last 5 bytes of a block
//! literal and start no match in its last 12 bytes, so that decoders can copy in wide steps;
//! decoders do not rely on it (a block that ignores those rules still decodes here).
//!
//! # Prefix mode
//!
//! Both halves work on one linear buffer holding the history right before the block's bytes,
//! the layout of [`Window`](crate::window::Window):
//!
//! ```text
//! buf: [ ... | history (<= 64 KiB) | block's bytes ... room for a page ]
//!              ^low / history       ^start                             ^end
//! ```
//!
//! so a match into the history is an ordinary backward copy within the buffer, as liblz4 does
//! in its prefix mode: no external dictionary, no second code path, nothing copied per block.
//!
//! - [`decode`](decode::decode) writes the block's bytes at `start`, refusing any match that
//!   reaches before the history or past the room; while 32 bytes of room remain, short
//!   literal runs and matches are copied in fixed-size moves (the bytes past them land in the
//!   room, where later sequences overwrite them), so no slack is needed after the page.
//! - [`fast::FastTable`] is liblz4's fast compressor (`LZ4_compress_fast_continue`)
//!   with its hash table kept across blocks: entries are *indexes* (stream positions, as liblz4
//!   counts them), so a table filled while compressing one block still points at the right
//!   bytes when the buffer's history moves, and the history is never hashed again. An entry
//!   below the history the strategy allows is never used. Its blocks equal liblz4's byte for
//!   byte when the history is the same.
//! - [`hc::HcCompressor`] is liblz4's high-compression compressor
//!   (`LZ4_compress_HC_continue`) at levels 1 to 12, its hash and chain tables kept across
//!   blocks in the same way; [`hc`] explains the levels. Its blocks too equal liblz4 1.10's.
//!
//! [`Matcher`] is whichever of the two a stream uses.

pub(crate) mod decode;
pub(crate) mod encode;
pub(crate) mod fast;
pub(crate) mod hc;

use fast::FastTable;
use hc::HcCompressor;

/// The shortest match.
pub(crate) const MIN_MATCH: usize = 4;

/// The farthest a match can reach back.
pub(crate) const MAX_DISTANCE: usize = 65_535;

/// The last bytes of a block that a compressor keeps literal (`LASTLITERALS`).
pub(crate) const LAST_LITERALS: usize = 5;

/// No match starts in the last `MFLIMIT` bytes of a block.
pub(crate) const MFLIMIT: usize = 12;

/// Blocks shorter than this are all literals (liblz4's `LZ4_minLength`; its optimal parser alone
/// does not check it).
pub(crate) const MIN_LENGTH: usize = MFLIMIT + 1;

/// The compressor a stream uses, with its tables: the fast one or HC.
pub(crate) enum Matcher {
    /// liblz4's fast compressor at an acceleration.
    Fast(FastTable),
    /// liblz4's HC compressor at a level.
    High(HcCompressor),
}

impl Matcher {
    /// The index the stream's first byte has (a dictionary ends right before it).
    pub(crate) fn first_index(&self, dictionary: bool) -> u32 {
        match self {
            Matcher::Fast(_) if dictionary => fast::DICTIONARY_END,
            Matcher::Fast(_) => 0,
            Matcher::High(_) => hc::FIRST_INDEX,
        }
    }

    /// The shortest dictionary this compressor uses: liblz4's fast compressor ignores one
    /// shorter than 8 bytes (so blocks reference nothing before the stream), HC uses any.
    pub(crate) fn min_dictionary(&self) -> usize {
        match self {
            Matcher::Fast(_) => fast::MIN_DICTIONARY,
            Matcher::High(_) => 1,
        }
    }

    /// Empties the tables, for a new stream.
    pub(crate) fn reset(&mut self) {
        match self {
            Matcher::Fast(table) => table.reset(),
            Matcher::High(hc) => hc.reset(),
        }
    }

    /// Loads a dictionary, `buf` (at most 64 KiB) whose first byte has index `base`.
    pub(crate) fn load_dictionary(&mut self, buf: &[u8], base: u32) {
        match self {
            Matcher::Fast(table) => table.load_dictionary(buf, base),
            Matcher::High(hc) => hc.load_dictionary(buf, base),
        }
    }

    /// Rebases the tables if compressing `len` more bytes from index `next` would take indexes
    /// past 2 GiB; returns how much the indexes went down.
    pub(crate) fn rebase_for(&mut self, next: u32, len: usize) -> u32 {
        match self {
            Matcher::Fast(table) => table.rebase_for(next, len),
            Matcher::High(hc) => hc.rebase_for(next, len),
        }
    }

    /// Compresses `buf[start..end]` as one block into `out` (at least
    /// `compress_bound(end - start)` long), with `buf[low..start]` as its history and `base`
    /// the index of `buf[0]`; returns the block's length.
    pub(crate) fn compress(
        &mut self,
        buf: &[u8],
        base: u32,
        low: usize,
        start: usize,
        end: usize,
        out: &mut [u8],
    ) -> usize {
        match self {
            Matcher::Fast(table) => table.compress(buf, base, low, start, end, out),
            Matcher::High(hc) => hc.compress(buf, base, low, start, end, out),
        }
    }
}
