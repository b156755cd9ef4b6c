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
//! - [`FastTable`](fast::FastTable) is liblz4's fast compressor (`LZ4_compress_fast_continue`)
//!   with its hash table kept across blocks: entries are *indexes* (stream positions, as liblz4
//!   counts them), so a table filled while compressing one block still points at the right
//!   bytes when the buffer's history moves, and the history is never hashed again. An entry
//!   below the history the strategy allows is never used. Its blocks equal liblz4's byte for
//!   byte when the history is the same.

pub(crate) mod decode;
pub(crate) mod fast;

/// The shortest match.
pub(crate) const MIN_MATCH: usize = 4;

/// The farthest a match can reach back.
pub(crate) const MAX_DISTANCE: usize = 65_535;

/// The last bytes of a block that a compressor keeps literal (`LASTLITERALS`).
pub(crate) const LAST_LITERALS: usize = 5;

/// No match starts in the last `MFLIMIT` bytes of a block.
pub(crate) const MFLIMIT: usize = 12;
