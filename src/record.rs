//! The record format: a little-endian size prefix, then the block it announces.
//!
//! ```text
//! record      = size-prefix block
//! size-prefix = W bytes, little-endian: the length C of the block (W = 0, 1, 2 or 4)
//! end marker  = a size prefix whose value is 0
//! ```
//!
//! This module reads and writes prefixes and splits records off byte slices (python-lz4's
//! `get_block`). It checks a prefix against the page before anyone reads or allocates the
//! block it announces.

use byteorder::{ByteOrder, LittleEndian};

use crate::error::{Error, Reason};
use crate::options::{compress_bound, SizePrefix};

/// The widest prefix, so prefixes fit a fixed array.
pub(crate) const MAX_PREFIX_WIDTH: usize = 4;

/// One record split off the front of a byte slice by [`split_record`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Record<'a> {
    /// A block, without its prefix: give it to
    /// [`Decompressor::decompress`](crate::Decompressor::decompress).
    Block(&'a [u8]),
    /// The end marker: a zero size prefix. Nothing of the stream follows it.
    End,
}

/// Writes `size` as a prefix of `prefix`'s width into the front of `out` (which must be at least
/// that wide). The caller has checked that the prefix holds `size` (the compressor does, in
/// release builds too, before it compresses: see `compressor::compress_record`).
pub(crate) fn write_prefix(prefix: SizePrefix, size: usize, out: &mut [u8]) {
    debug_assert!(size <= prefix.max_block_size());
    match prefix {
        SizePrefix::OutOfBand => {}
        SizePrefix::U8 => out[0] = size as u8,
        SizePrefix::U16 => LittleEndian::write_u16(out, size as u16),
        SizePrefix::U32 => LittleEndian::write_u32(out, size as u32),
    }
}

/// Reads a prefix of `bytes.len()` bytes (1, 2 or 4).
pub(crate) fn read_prefix(bytes: &[u8]) -> usize {
    match bytes.len() {
        1 => bytes[0] as usize,
        2 => LittleEndian::read_u16(bytes) as usize,
        4 => LittleEndian::read_u32(bytes) as usize,
        _ => 0,
    }
}

/// Checks a block size read from a prefix (or given out of band) against the page: a size the
/// page cannot produce is corrupt data, found before the block is read or room made for it.
pub(crate) fn check_block_size(size: usize, page_size: usize) -> Result<(), Reason> {
    let bound = compress_bound(page_size);
    if size > bound {
        return Err(Reason::BlockTooLarge { size, bound });
    }
    Ok(())
}

/// Splits the first record off `input`, for streams held in memory (python-lz4's `get_block`).
///
/// Returns the record and the bytes after it. `prefix` and `page_size` are those of the stream;
/// the prefix must not be [`SizePrefix::OutOfBand`] (there is nothing to split by).
///
/// # Errors
///
/// `UnexpectedEof` when `input` ends inside the record (an empty `input` included: a stream
/// held in memory ends where its caller stops calling), `InvalidData` when the prefix announces
/// more than `compress_bound(page_size)` bytes, `InvalidInput` for an out-of-band prefix.
///
/// ```
/// use lz4_stream::{split_record, Compressor, Decompressor, Record, StreamOptions};
///
/// let opts = StreamOptions::new();
/// let mut stream = Vec::new();
/// let mut compressor = Compressor::new(&opts)?;
/// compressor.compress(b"hello, ", &mut stream)?;
/// compressor.compress(b"hello, world", &mut stream)?;
///
/// let mut decompressor = Decompressor::new(&opts)?;
/// let mut text = Vec::new();
/// let mut rest = &stream[..];
/// while !rest.is_empty() {
///     let (record, after) = split_record(rest, opts.get_size_prefix(), opts.get_page_size())?;
///     match record {
///         Record::Block(block) => text.extend_from_slice(decompressor.decompress(block)?),
///         Record::End => break,
///     }
///     rest = after;
/// }
/// assert_eq!(text, b"hello, hello, world");
/// # Ok::<(), lz4_stream::Error>(())
/// ```
pub fn split_record(
    input: &[u8],
    prefix: SizePrefix,
    page_size: usize,
) -> Result<(Record<'_>, &[u8]), Error> {
    let width = prefix.width();
    if width == 0 {
        return Err(Error::new(Reason::BlockSizesMismatch));
    }
    if input.len() < width {
        return Err(Error::new(Reason::TruncatedPrefix {
            got: input.len(),
            width,
        }));
    }
    let (head, rest) = input.split_at(width);
    let size = read_prefix(head);
    if size == 0 {
        return Ok((Record::End, rest));
    }
    check_block_size(size, page_size).map_err(Error::new)?;
    if rest.len() < size {
        return Err(Error::new(Reason::TruncatedBlock {
            got: rest.len(),
            size,
        }));
    }
    let (block, rest) = rest.split_at(size);
    Ok((Record::Block(block), rest))
}
