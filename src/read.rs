//! [`Lz4StreamReader`]: serves the decompressed bytes of a stream read from an inner reader.
//!
//! The reader reads one record at a time: exactly the bytes of its size prefix, then exactly the
//! bytes of its block, never more, so the inner reader stands right after the last record served
//! and a stream can be embedded in a larger byte stream. Progress inside a record is kept in the
//! reader, so an `Interrupted` or `WouldBlock` from the inner reader (or an end of input that
//! later turns out not to be one, as on a growing file) loses nothing: the next call goes on.
//!
//! The block is decoded by the [`Decompressor`] into its window, and [`BufRead::fill_buf`] hands
//! out that page in place. Memory is bounded by the options: the window (64 KiB of history, a
//! page, some spare room) and one compressed block, whose buffer grows only as the block's bytes
//! actually arrive, so a lying prefix costs nothing.
//!
//! Corrupt data (`InvalidData`) is final: every later call returns the same error.

use std::fmt;
use std::io::{self, BufRead, Read};

use crate::decompressor::Decompressor;
use crate::error::{Error, Reason};
use crate::options::{SizePrefix, StreamOptions};
use crate::record::{check_block_size, read_prefix, MAX_PREFIX_WIDTH};

/// The first allocation for a block's bytes; the buffer then doubles as bytes arrive.
const FIRST_BLOCK_ALLOCATION: usize = 64 * 1024;

/// Reads an LZ4 stream from an inner reader and serves its decompressed bytes through
/// [`Read`] and [`BufRead`].
///
/// The stream ends at a record boundary where the input ends, or at an end marker (a zero size
/// prefix). With `end_marker(true)` the end marker is required: input ending without it is
/// `UnexpectedEof`.
///
/// ```
/// use std::io::{BufRead, Read, Write};
/// use lz4_stream::{Lz4StreamReader, Lz4StreamWriter, StreamOptions};
///
/// let opts = StreamOptions::new().end_marker(true);
/// let mut writer = Lz4StreamWriter::with_options(Vec::new(), &opts)?;
/// writer.write_all(b"first line\nsecond line\n")?;
/// let mut bytes = writer.finish()?;
/// bytes.extend_from_slice(b"whatever follows the stream");
///
/// let mut input = &bytes[..];
/// let mut reader = Lz4StreamReader::with_options(&mut input, &opts)?;
/// let lines: Vec<String> = reader.by_ref().lines().collect::<Result<_, _>>()?;
/// assert_eq!(lines, ["first line", "second line"]);
/// // The reader stopped right after the end marker.
/// assert_eq!(input, b"whatever follows the stream");
/// # Ok::<(), std::io::Error>(())
/// ```
pub struct Lz4StreamReader<R: Read> {
    inner: R,
    /// Decodes blocks and holds the history and the latest decoded page.
    decompressor: Decompressor,
    /// How records state their size.
    prefix: SizePrefix,
    /// The sizes of the blocks still to read, for out-of-band streams.
    block_sizes: Option<std::vec::IntoIter<usize>>,
    /// Whether input must end with an end marker.
    require_end_marker: bool,
    /// The size prefix of the current record, as its bytes arrive.
    prefix_bytes: [u8; MAX_PREFIX_WIDTH],
    /// How many bytes of the prefix have arrived.
    prefix_got: usize,
    /// The current block's size, once its prefix is complete.
    block_size: Option<usize>,
    /// The current block's bytes; grows as they arrive, up to the largest block seen.
    block: Vec<u8>,
    /// How many bytes of the block have arrived.
    block_got: usize,
    /// Bytes the latest block decoded to (they end the decompressor's history).
    decoded: usize,
    /// How many of those the caller has consumed.
    consumed: usize,
    /// Offset of the current record in the compressed stream, for error messages.
    record_offset: u64,
    /// Set at the end of the stream.
    done: bool,
    /// The error that ended the stream, returned again by every later call.
    failed: Option<Error>,
}

impl<R: Read> Lz4StreamReader<R> {
    /// A reader with the default options (64 KiB pages, 4-byte prefixes).
    pub fn new(inner: R) -> Self {
        Self::with_options(inner, &StreamOptions::new()).expect("the default options are valid")
    }

    /// A reader with `opts`: its page size, prefix, dictionary and end marker (the strategy does
    /// not matter to a reader). `InvalidInput` for a page size out of range or for
    /// [`SizePrefix::OutOfBand`], which needs [`with_block_sizes`](Self::with_block_sizes).
    pub fn with_options(inner: R, opts: &StreamOptions) -> io::Result<Self> {
        if opts.get_size_prefix() == SizePrefix::OutOfBand {
            return Err(Error::new(Reason::BlockSizesMismatch).into());
        }
        Self::build(inner, opts, None)
    }

    /// A reader for a stream whose records have no prefixes ([`SizePrefix::OutOfBand`]): the
    /// block sizes come from the application, in order, and the stream ends after the last.
    /// `InvalidInput` with any other prefix. A size of 0 or above `compress_bound(page_size)`
    /// is `InvalidData` when the reader reaches it.
    pub fn with_block_sizes(
        inner: R,
        opts: &StreamOptions,
        sizes: impl IntoIterator<Item = usize>,
    ) -> io::Result<Self> {
        if opts.get_size_prefix() != SizePrefix::OutOfBand {
            return Err(Error::new(Reason::BlockSizesMismatch).into());
        }
        let sizes: Vec<usize> = sizes.into_iter().collect();
        Self::build(inner, opts, Some(sizes.into_iter()))
    }

    fn build(
        inner: R,
        opts: &StreamOptions,
        block_sizes: Option<std::vec::IntoIter<usize>>,
    ) -> io::Result<Self> {
        Ok(Lz4StreamReader {
            inner,
            decompressor: Decompressor::new(opts)?,
            prefix: opts.get_size_prefix(),
            block_sizes,
            require_end_marker: opts.get_end_marker(),
            prefix_bytes: [0; MAX_PREFIX_WIDTH],
            prefix_got: 0,
            block_size: None,
            block: Vec::new(),
            block_got: 0,
            decoded: 0,
            consumed: 0,
            record_offset: 0,
            done: false,
            failed: None,
        })
    }

    /// The inner reader.
    pub fn get_ref(&self) -> &R {
        &self.inner
    }

    /// The inner reader, mutably. Reading from it directly corrupts the stream.
    pub fn get_mut(&mut self) -> &mut R {
        &mut self.inner
    }

    /// The inner reader. Once the stream has ended, it stands right after the last record.
    pub fn into_inner(self) -> R {
        self.inner
    }

    /// An error about the current record.
    fn error(&self, reason: Reason) -> Error {
        Error::at_block(reason, self.decompressor.blocks()).with_offset(self.record_offset)
    }

    /// Records `reason` as the end of the stream and returns it.
    fn fail(&mut self, reason: Reason) -> io::Error {
        let err = self.error(reason);
        self.failed = Some(err.clone());
        err.into()
    }

    /// Reads and decodes the next record. `Ok(false)` at the end of the stream.
    fn next_block(&mut self) -> io::Result<bool> {
        let size = match self.block_size {
            Some(size) => size,
            None => match self.read_size()? {
                Some(size) => size,
                None => {
                    self.done = true;
                    return Ok(false);
                }
            },
        };
        while self.block_got < size {
            if self.block.len() == self.block_got {
                // Room for more of the block: no more than has arrived already (and the first
                // 64 KiB), so memory follows the bytes received, not what the prefix claims.
                let room = self
                    .block_got
                    .max(FIRST_BLOCK_ALLOCATION)
                    .min(size - self.block_got);
                self.block.resize(self.block_got + room, 0);
            }
            let end = self.block.len().min(size);
            match self.inner.read(&mut self.block[self.block_got..end])? {
                0 => {
                    let got = self.block_got;
                    return Err(self.error(Reason::TruncatedBlock { got, size }).into());
                }
                n => self.block_got += n,
            }
        }
        match self.decompressor.decode(&self.block[..size]) {
            Ok(len) => {
                self.decoded = len;
                self.consumed = 0;
            }
            Err(err) => {
                let err = err.with_offset(self.record_offset);
                self.failed = Some(err.clone());
                return Err(err.into());
            }
        }
        self.record_offset += (self.prefix.width() + size) as u64;
        self.block_size = None;
        self.block_got = 0;
        self.prefix_got = 0;
        Ok(true)
    }

    /// Reads the next record's size (from its prefix or the out-of-band list) and checks it.
    /// `Ok(None)` at the end of the stream.
    fn read_size(&mut self) -> io::Result<Option<usize>> {
        let size = match &mut self.block_sizes {
            Some(sizes) => match sizes.next() {
                Some(0) => return Err(self.fail(Reason::EmptyBlock)),
                Some(size) => size,
                None => return Ok(None),
            },
            None => match self.read_prefix()? {
                0 => return Ok(None),
                size => size,
            },
        };
        if let Err(reason) = check_block_size(size, self.decompressor.page_size()) {
            return Err(self.fail(reason));
        }
        self.block_size = Some(size);
        Ok(Some(size))
    }

    /// Reads a size prefix; 0 for an end marker or, when none is required, for the end of input
    /// at a record boundary.
    fn read_prefix(&mut self) -> io::Result<usize> {
        let width = self.prefix.width();
        while self.prefix_got < width {
            match self
                .inner
                .read(&mut self.prefix_bytes[self.prefix_got..width])?
            {
                0 if self.prefix_got == 0 && !self.require_end_marker => return Ok(0),
                0 if self.prefix_got == 0 => {
                    return Err(self.error(Reason::MissingEndMarker).into())
                }
                0 => {
                    let got = self.prefix_got;
                    return Err(self.error(Reason::TruncatedPrefix { got, width }).into());
                }
                n => self.prefix_got += n,
            }
        }
        let size = read_prefix(&self.prefix_bytes[..width]);
        if size == 0 {
            self.record_offset += width as u64;
        }
        Ok(size)
    }
}

impl<R: Read> BufRead for Lz4StreamReader<R> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        while self.consumed == self.decoded {
            if let Some(err) = &self.failed {
                return Err(err.clone().into());
            }
            if self.done || !self.next_block()? {
                return Ok(&[]);
            }
        }
        Ok(&self.decompressor.recent(self.decoded)[self.consumed..])
    }

    fn consume(&mut self, amt: usize) {
        self.consumed = (self.consumed + amt).min(self.decoded);
    }
}

impl<R: Read> Read for Lz4StreamReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        let available = self.fill_buf()?;
        let n = available.len().min(buf.len());
        buf[..n].copy_from_slice(&available[..n]);
        self.consume(n);
        Ok(n)
    }
}

impl<R: Read + fmt::Debug> fmt::Debug for Lz4StreamReader<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Lz4StreamReader")
            .field("inner", &self.inner)
            .field("page_size", &self.decompressor.page_size())
            .field("blocks", &self.decompressor.blocks())
            .field("record_offset", &self.record_offset)
            .field("done", &self.done)
            .finish()
    }
}
