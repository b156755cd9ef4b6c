//! The sans-IO decompressor: one block in, its bytes out.
//!
//! [`Decompressor`] decodes each block against the last 64 KiB of the stream decoded so far
//! (the initial dictionary before the first block), whatever strategy the writer used: that is
//! the most any LZ4 stream can reference, so it decodes every stream liblz4 or python-lz4 can
//! write, including liblz4 double-buffer streams whose blocks reach past the previous block
//! (`FORMAT.md`, "History"). Blocks decode straight into the page of a [`Window`], right after
//! the history (the crate's decoder in prefix mode, [`block::decode`](crate::block::decode)),
//! and the bytes handed back are that page, so nothing is copied.
//!
//! A block that does not decode, decodes to more than a page, or references bytes the history
//! does not hold is an error (`InvalidData`), never wrong bytes. The decompressor does not
//! change on an error, so the caller may skip the block (its history will then be missing, so
//! later blocks may fail too).

use crate::block::decode::{decode, DecodeError};
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
    /// A decompressor for `opts`. Only the page size and the dictionary matter here.
    ///
    /// # Errors
    ///
    /// `InvalidInput` for options that are not valid (every constructor refuses them; see
    /// [`StreamOptions::validate`]).
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
    /// # Errors
    ///
    /// `InvalidData`: an empty block, a block longer than `compress_bound(page_size)`, a
    /// malformed block, one that decodes to more than a page, one that references bytes before
    /// the history. The history is then as it was.
    pub fn decompress(&mut self, block: &[u8]) -> Result<&[u8], Error> {
        let len = self.decode(block)?;
        Ok(self.window.recent(len))
    }

    /// Decodes `block` into the window; returns how many bytes it decoded to, which are the last
    /// bytes of the history until the next call.
    pub(crate) fn decode(&mut self, block: &[u8]) -> Result<usize, Error> {
        // The most a block of this size can decode to (a byte of a match's length adds at most
        // 255 bytes): the window grows with the blocks, not with what the page size allows.
        let limit = self
            .page_size
            .min(block.len().saturating_mul(255).saturating_add(64));
        self.window
            .reserve(limit)
            .map_err(|err| Error::at_block(err.reason().clone(), self.blocks))?;
        let (buf, history, start) = self.window.buffer_mut();
        let len = decode_block(
            block,
            buf,
            history,
            start,
            limit,
            self.page_size,
            self.blocks,
        )?;
        self.window.commit(len, WINDOW_SIZE);
        self.blocks += 1;
        Ok(len)
    }

    /// Decodes `block` into `buf` at `at` (with room for a page after it) instead of the window,
    /// with the bytes before `at` (up to 64 KiB of them) as its history: the caller keeps there
    /// the stream's last bytes, or all of the stream when it is shorter. Returns how many bytes
    /// the block decoded to; bytes of `buf` after those may be overwritten. This saves the
    /// reader the copy out of the window for large reads, but leaves the window's history
    /// behind: [`replace_history`](Self::replace_history) before the next
    /// [`decode`](Self::decode).
    pub(crate) fn decode_into(
        &mut self,
        block: &[u8],
        buf: &mut [u8],
        at: usize,
    ) -> Result<usize, Error> {
        debug_assert!(buf.len() - at >= self.page_size);
        let len = decode_block(
            block,
            buf,
            at.saturating_sub(WINDOW_SIZE),
            at,
            self.page_size,
            self.page_size,
            self.blocks,
        )?;
        self.blocks += 1;
        Ok(len)
    }

    /// Makes the last 64 KiB of `bytes`, the stream decoded so far, the history (after
    /// [`decode_into`](Self::decode_into)).
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

/// Decodes `block` (block number `blocks`) into `buf` at `start`, with `buf[history..start]` as
/// its history and room for `limit` bytes (at most `page_size`, the page the block must fit);
/// returns how many bytes it decoded to.
#[allow(clippy::too_many_arguments)]
fn decode_block(
    block: &[u8],
    buf: &mut [u8],
    history: usize,
    start: usize,
    limit: usize,
    page_size: usize,
    blocks: u64,
) -> Result<usize, Error> {
    let at_block = |reason| Error::at_block(reason, blocks);
    if block.is_empty() {
        return Err(at_block(Reason::EmptyBlock));
    }
    check_block_size(block.len(), page_size).map_err(at_block)?;
    decode(block, buf, history, start, limit).map_err(|err| at_block(reason(err, page_size)))
}

/// Why the decoder refused a block, in the crate's terms.
fn reason(err: DecodeError, page_size: usize) -> Reason {
    match err {
        DecodeError::Overflow => Reason::PageOverflow { page_size },
        DecodeError::BeyondHistory => Reason::BeyondHistory,
        DecodeError::OffsetZero => Reason::Malformed {
            detail: "a match has offset 0",
        },
        DecodeError::LiteralsPastEnd => Reason::Malformed {
            detail: "a literal run goes past the end of the block",
        },
        DecodeError::Truncated => Reason::Malformed {
            detail: "the block ends inside a sequence",
        },
    }
}
