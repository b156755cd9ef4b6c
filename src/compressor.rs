//! The sans-IO compressor: one chunk in, one record out.
//!
//! [`Compressor`] turns each chunk of at most a page into one record (size prefix and LZ4
//! block), keeping the history the strategy allows the next block to reference (SPEC 1.1):
//!
//! - [`Strategy::DoubleBuffer`]: the previous block only (or, before the first block, the
//!   dictionary), as python-lz4 and liblz4's double-buffer users compress; their decoders keep
//!   no more.
//! - [`Strategy::RingBuffer`]: the last `window` bytes of the stream, across block boundaries.
//!
//! The chunk is copied into the page of a [`Window`] and compressed there with the history as
//! the dictionary, so the history costs no copy per block. [`Lz4StreamWriter`] fills the page in
//! place instead of handing chunks over, which saves the copy into the page as well.
//!
//! [`Lz4StreamWriter`]: crate::Lz4StreamWriter

use lz4_flex::block::{compress_into, compress_into_with_dict, get_maximum_output_size};

use crate::error::{Error, Reason};
use crate::options::{compress_bound, SizePrefix, Strategy, StreamOptions, WINDOW_SIZE};
use crate::record::write_prefix;
use crate::window::Window;

/// Compresses a stream one chunk at a time (python-lz4's `LZ4StreamCompressor.compress`).
///
/// ```
/// use lz4_stream::{Compressor, Decompressor, StreamOptions, SizePrefix};
///
/// let opts = StreamOptions::new().page_size(4096).size_prefix(SizePrefix::U16);
/// let mut compressor = Compressor::new(&opts)?;
/// let mut stream = Vec::new();
/// let record = compressor.compress(b"a first chunk; ", &mut stream)?;
/// assert_eq!(record, stream.len());
/// compressor.compress(b"a second chunk refers to the first chunk", &mut stream)?;
///
/// // A record is a 2-byte size prefix and the block it announces.
/// let first = u16::from_le_bytes([stream[0], stream[1]]) as usize;
/// let mut decompressor = Decompressor::new(&opts)?;
/// assert_eq!(decompressor.decompress(&stream[2..2 + first])?, b"a first chunk; ");
/// # Ok::<(), lz4_stream::Error>(())
/// ```
pub struct Compressor {
    /// The history and the page being compressed.
    window: Window,
    /// How each record states its size.
    prefix: SizePrefix,
    /// The largest chunk.
    page_size: usize,
    /// `None` for the double buffer (only the previous block stays referable), else the ring's
    /// window.
    ring_window: Option<usize>,
    /// Blocks compressed so far, to number errors.
    blocks: u64,
}

impl Compressor {
    /// A compressor for `opts`; fails with `InvalidInput` if the options break a writer's rules.
    pub fn new(opts: &StreamOptions) -> Result<Compressor, Error> {
        opts.check_writer()?;
        let ring_window = match opts.get_strategy() {
            Strategy::DoubleBuffer => None,
            Strategy::RingBuffer { window } => Some(window),
        };
        let mut window = Window::new(
            opts.get_page_size(),
            opts.dictionary_window(),
            ring_window.unwrap_or(WINDOW_SIZE),
        );
        window.make_room();
        Ok(Compressor {
            window,
            prefix: opts.get_size_prefix(),
            page_size: opts.get_page_size(),
            ring_window,
            blocks: 0,
        })
    }

    /// Compresses `chunk` (at most a page) as the next block and appends its record (the size
    /// prefix, then the block; with [`SizePrefix::OutOfBand`] the bare block) to `out`.
    /// Returns the number of bytes appended.
    ///
    /// An empty chunk gives the 1-byte block `00`, which decodes to nothing (as in python-lz4
    /// and liblz4). A chunk longer than the page is `InvalidInput`, and changes nothing.
    pub fn compress(&mut self, chunk: &[u8], out: &mut Vec<u8>) -> Result<usize, Error> {
        if chunk.len() > self.page_size {
            return Err(Error::at_block(
                Reason::ChunkTooLong {
                    len: chunk.len(),
                    page_size: self.page_size,
                },
                self.blocks,
            ));
        }
        self.window.page_mut()[..chunk.len()].copy_from_slice(chunk);
        let at = out.len();
        out.resize(at + self.record_bound(), 0);
        let len = self.compress_page(chunk.len(), &mut out[at..]);
        out.truncate(at + len);
        Ok(len)
    }

    /// The largest record [`compress_page`](Self::compress_page) may need room for: the prefix
    /// and the room `lz4_flex` asks for (a little more than `compress_bound`).
    pub(crate) fn record_bound(&self) -> usize {
        self.prefix.width() + get_maximum_output_size(self.page_size)
    }

    /// The page, for the writer to gather input into.
    pub(crate) fn page_mut(&mut self) -> &mut [u8] {
        self.window.page_mut()
    }

    /// Compresses the first `len` bytes of the page into `dst` (at least
    /// [`record_bound`](Self::record_bound) long) as one record; returns the record's length.
    pub(crate) fn compress_page(&mut self, len: usize, dst: &mut [u8]) -> usize {
        let (history, page) = self.window.history_and_page(len);
        let size = compress_record(self.prefix, page, history, dst);
        self.window.commit(len, self.ring_window.unwrap_or(len));
        self.window.make_room();
        self.blocks += 1;
        size
    }

    /// Whether [`compress_in_place`](Self::compress_in_place) may be used: with the double
    /// buffer only, whose blocks reference nothing but the block before them.
    pub(crate) fn can_compress_in_place(&self) -> bool {
        self.ring_window.is_none()
    }

    /// Double buffer only: compresses `chunk` (at most a page) where it lies, as the next block,
    /// into `dst` (at least [`record_bound`](Self::record_bound) long) as one record; returns the
    /// record's length. `previous` is the block before it when that block lies in the caller's
    /// memory too (compressed here as well), `None` when it is in the window.
    ///
    /// This saves the writer the copy of large writes into the page, but leaves the history
    /// behind: [`remember`](Self::remember) the last such chunk before anything else.
    pub(crate) fn compress_in_place(
        &mut self,
        chunk: &[u8],
        previous: Option<&[u8]>,
        dst: &mut [u8],
    ) -> usize {
        debug_assert!(self.can_compress_in_place() && chunk.len() <= self.page_size);
        let history = match previous {
            Some(previous) => &previous[previous.len().saturating_sub(WINDOW_SIZE)..],
            None => self.window.history(),
        };
        let size = compress_record(self.prefix, chunk, history, dst);
        self.blocks += 1;
        size
    }

    /// Makes `block`, the latest chunk given to [`compress_in_place`](Self::compress_in_place),
    /// the history: its last 64 KiB (the double buffer's history is the previous block).
    pub(crate) fn remember(&mut self, block: &[u8]) {
        self.window.replace_history(block);
    }

    /// The page size: the longest chunk [`compress`](Self::compress) takes.
    pub fn page_size(&self) -> usize {
        self.page_size
    }

    /// How records state their block's size.
    pub fn size_prefix(&self) -> SizePrefix {
        self.prefix
    }

    /// The number of blocks compressed so far.
    pub fn blocks(&self) -> u64 {
        self.blocks
    }
}

/// Compresses `chunk` with `history` as its dictionary into `dst` (at least
/// [`Compressor::record_bound`] long) as one record: the prefix, then the block. Returns the
/// record's length.
fn compress_record(prefix: SizePrefix, chunk: &[u8], history: &[u8], dst: &mut [u8]) -> usize {
    let width = prefix.width();
    let block = &mut dst[width..];
    let size = if history.is_empty() {
        compress_into(chunk, block)
    } else {
        compress_into_with_dict(chunk, block, history)
    }
    // lz4_flex fails only when the output is shorter than `get_maximum_output_size`, and
    // `record_bound` makes room for that.
    .expect("record buffer holds lz4_flex's maximum output");
    debug_assert!(size <= compress_bound(chunk.len()));
    write_prefix(prefix, size, dst);
    width + size
}
