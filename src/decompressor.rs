//! The sans-IO decompressor: one block in, its bytes out.
//!
//! [`Decompressor`] decodes each block against the last 64 KiB of the stream decoded so far
//! (the initial dictionary before the first block), whatever strategy the writer used: that is
//! the most any LZ4 stream can reference, so it decodes every stream liblz4 or python-lz4 can
//! write, including liblz4 double-buffer streams whose blocks reach past the previous block
//! (SPEC 1.1). Blocks decode straight into the page of a [`Window`], and the bytes handed back
//! are that page, so nothing is copied.
//!
//! A block that does not decode, decodes to more than a page, or references bytes the history
//! does not hold is an error (`InvalidData`), never wrong bytes. The decompressor does not
//! change on an error, so the caller may skip the block (its history will then be missing, so
//! later blocks may fail too).

use lz4_flex::block::{decompress_into, decompress_into_with_dict, DecompressError};

use crate::error::{Error, Reason};
use crate::options::{StreamOptions, WINDOW_SIZE};
use crate::record::check_block_size;
use crate::window::Window;

/// Decompresses a stream one block at a time (python-lz4's `LZ4StreamDecompressor.decompress`).
///
/// ```
/// use lz4_stream::{Compressor, Decompressor, SizePrefix, StreamOptions};
///
/// // Out-of-band sizes: records are bare blocks, and the application keeps their sizes.
/// let opts = StreamOptions::new().size_prefix(SizePrefix::OutOfBand);
/// let mut compressor = Compressor::new(&opts)?;
/// let (mut first, mut second) = (Vec::new(), Vec::new());
/// compressor.compress(b"to be or not to be", &mut first)?;
/// compressor.compress(b", to be or not to be", &mut second)?;
///
/// let mut decompressor = Decompressor::new(&opts)?;
/// assert_eq!(decompressor.decompress(&first)?, b"to be or not to be");
/// assert_eq!(decompressor.decompress(&second)?, b", to be or not to be");
/// # Ok::<(), lz4_stream::Error>(())
/// ```
pub struct Decompressor {
    /// The history (the last 64 KiB decoded) and the page the next block decodes into.
    window: Window,
    /// The most bytes one block may decode to.
    page_size: usize,
    /// Blocks decoded so far, to number errors.
    blocks: u64,
}

impl Decompressor {
    /// A decompressor for `opts`; fails with `InvalidInput` if the page size is out of range.
    /// Only the page size and the dictionary matter here.
    pub fn new(opts: &StreamOptions) -> Result<Decompressor, Error> {
        opts.check_reader()?;
        Ok(Decompressor {
            window: Window::new(opts.get_page_size(), opts.dictionary_window(), WINDOW_SIZE),
            page_size: opts.get_page_size(),
            blocks: 0,
        })
    }

    /// Decodes `block` (a block without its size prefix) and returns its bytes.
    ///
    /// Errors (`InvalidData`): an empty block, a block longer than
    /// `compress_bound(page_size)`, a malformed block, one that decodes to more than a page,
    /// one that references bytes before the history.
    pub fn decompress(&mut self, block: &[u8]) -> Result<&[u8], Error> {
        let len = self.decode(block)?;
        Ok(self.window.recent(len))
    }

    /// Decodes `block` into the window; returns how many bytes it decoded to, which are the last
    /// bytes of the history until the next call.
    pub(crate) fn decode(&mut self, block: &[u8]) -> Result<usize, Error> {
        self.window.make_room();
        let (history, room) = self.window.history_and_room();
        let len = decode_block(block, history, room, self.page_size, self.blocks)?;
        self.window.commit(len, WINDOW_SIZE);
        self.blocks += 1;
        Ok(len)
    }

    /// Decodes `block` into `out` (at least a page long) instead of the window, with `history`
    /// (the last 64 KiB of the stream, kept by the caller) as its dictionary; returns how many
    /// bytes it decoded to. This saves the reader the copy out of the window for large reads,
    /// but leaves the window's history behind: [`replace_history`](Self::replace_history)
    /// before the next [`decode`](Self::decode).
    pub(crate) fn decode_outside(
        &mut self,
        block: &[u8],
        history: &[u8],
        out: &mut [u8],
    ) -> Result<usize, Error> {
        debug_assert!(history.len() == WINDOW_SIZE);
        let len = decode_block(
            block,
            history,
            &mut out[..self.page_size],
            self.page_size,
            self.blocks,
        )?;
        self.blocks += 1;
        Ok(len)
    }

    /// Makes the last 64 KiB of `bytes`, the stream decoded so far, the history (after
    /// [`decode_outside`](Self::decode_outside)).
    pub(crate) fn replace_history(&mut self, bytes: &[u8]) {
        self.window.replace_history(bytes);
    }

    /// The bytes of the latest block, `len` long (as `decode` returned).
    pub(crate) fn recent(&self, len: usize) -> &[u8] {
        self.window.recent(len)
    }

    /// The page size: the most bytes one block may decode to.
    pub fn page_size(&self) -> usize {
        self.page_size
    }

    /// The number of blocks decoded so far.
    pub fn blocks(&self) -> u64 {
        self.blocks
    }

    /// The history the next block may reference: the last 64 KiB of the stream (with the
    /// dictionary before it), or all of it if shorter.
    pub fn history(&self) -> &[u8] {
        self.window.history()
    }
}

/// Decodes `block` (block number `blocks`) into `room` (a page) with `history` as its
/// dictionary; returns how many bytes it decoded to.
fn decode_block(
    block: &[u8],
    history: &[u8],
    room: &mut [u8],
    page_size: usize,
    blocks: u64,
) -> Result<usize, Error> {
    let at_block = |reason| Error::at_block(reason, blocks);
    if block.is_empty() {
        return Err(at_block(Reason::EmptyBlock));
    }
    check_block_size(block.len(), page_size).map_err(at_block)?;
    let decoded = if history.is_empty() {
        decompress_into(block, room)
    } else {
        decompress_into_with_dict(block, room, history)
    };
    decoded.map_err(|err| at_block(reason(err, page_size)))
}

/// Why lz4_flex refused a block, in this crate's terms.
fn reason(err: DecompressError, page_size: usize) -> Reason {
    match err {
        DecompressError::OutputTooSmall { .. } => Reason::PageOverflow { page_size },
        DecompressError::OffsetOutOfBounds => Reason::BeyondHistory,
        DecompressError::OffsetZero => Reason::Malformed {
            detail: "a match has offset 0",
        },
        DecompressError::LiteralOutOfBounds => Reason::Malformed {
            detail: "a literal run goes past the end of the block",
        },
        DecompressError::ExpectedAnotherByte => Reason::Malformed {
            detail: "the block ends inside a sequence",
        },
        _ => Reason::Malformed {
            detail: "the block does not decode",
        },
    }
}
