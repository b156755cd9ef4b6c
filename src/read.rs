//! [`Lz4StreamReader`]: serves the decompressed bytes of a stream read from an inner reader.
//!
//! The reader reads one record at a time: exactly the bytes of its size prefix, then exactly the
//! bytes of its block, never more, so the inner reader stands right after the last record served
//! and a stream can be embedded in a larger byte stream. Progress inside a record is kept in the
//! reader, so an `Interrupted` or `WouldBlock` from the inner reader (or an end of input that
//! later turns out not to be one, as on a growing file) loses nothing: the next call goes on.
//!
//! The block is decoded by the [`Decompressor`] into its window, and [`BufRead::fill_buf`] hands
//! out that page in place. A `read` into a buffer with room for whole pages fills it with whole
//! blocks, and decodes them straight into it once it holds 64 KiB of history, which saves
//! copying them out of the window. Memory is bounded by the options: the window (64 KiB of history, a
//! page, some spare room) and one compressed block, whose buffer grows only as the block's bytes
//! actually arrive, so a lying prefix costs nothing.
//!
//! Corrupt data (`InvalidData`) is final: every later call returns the same error.
//!
//! Wrap a [`BufRead`] (a `&[u8]`, a [`BufReader`](std::io::BufReader))? Use
//! [`Lz4StreamBufReader`](crate::Lz4StreamBufReader): it decodes each block straight from the
//! inner reader's buffer when the whole record is there, instead of copying it out first.
//!
//! Both readers are front ends of one [`Core`], the state machine of records, generic over the
//! [`Source`] of their bytes: [`Copying`] reads them out of a [`Read`] into the core's block
//! buffer; `Borrowing` (in `bufread.rs`) lends them from a `BufRead`'s buffer when it holds the
//! whole record, and reads them like `Copying` when it does not.

use std::fmt;
use std::io::{self, BufRead, Read};

use crate::decompressor::Decompressor;
use crate::diagnose::{diagnose, Hint};
use crate::error::{Error, Reason};
use crate::options::{SizePrefix, StreamOptions, WINDOW_SIZE};
use crate::record::{check_block_size, read_prefix, MAX_PREFIX_WIDTH};

/// How many of a stream's first bytes the diagnosis of a failing first record looks at.
const HEAD: usize = 8;

/// The options the diagnosis of a failing first record weighs.
struct FirstRecord {
    prefix: SizePrefix,
    page_size: usize,
    /// Whether the reader has a dictionary.
    dictionary: bool,
}

impl FirstRecord {
    fn diagnose(&self, head: &[u8], reason: &Reason) -> Option<Hint> {
        diagnose(head, reason, self.prefix, self.page_size, self.dictionary)
    }
}

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
    core: Core<Copying<R>>,
}

impl<R: Read> Lz4StreamReader<R> {
    /// A reader with the default options (64 KiB pages, 4-byte prefixes).
    pub fn new(inner: R) -> Self {
        Self::with_options(inner, &StreamOptions::new()).expect("the default options are valid")
    }

    /// A reader with `opts`: its page size, prefix, dictionary and end marker (the strategy,
    /// mode and threads do not matter to a reader).
    ///
    /// # Errors
    ///
    /// `InvalidInput` for options that are not valid (a page size out of range, a ring window
    /// over 64 KiB, a mode or thread count out of range: every constructor refuses them; see
    /// [`StreamOptions::validate`]) or for [`SizePrefix::OutOfBand`], which needs
    /// [`with_block_sizes`](Self::with_block_sizes).
    pub fn with_options(inner: R, opts: &StreamOptions) -> io::Result<Self> {
        let core = Core::with_options(Copying(inner), opts)?;
        Ok(Lz4StreamReader { core })
    }

    /// A reader for a stream whose records have no prefixes ([`SizePrefix::OutOfBand`]): the
    /// block sizes come from the application, in order, and the stream ends after the last.
    ///
    /// # Errors
    ///
    /// `InvalidInput` with any other prefix, or options that are not valid. A size of 0 or
    /// above `compress_bound(page_size)` is `InvalidData` when the reader reaches it.
    pub fn with_block_sizes(
        inner: R,
        opts: &StreamOptions,
        sizes: impl IntoIterator<Item = usize>,
    ) -> io::Result<Self> {
        let core = Core::with_block_sizes(Copying(inner), opts, sizes)?;
        Ok(Lz4StreamReader { core })
    }

    /// The inner reader.
    pub fn get_ref(&self) -> &R {
        &self.core.source.0
    }

    /// The inner reader, mutably. Reading from it directly corrupts the stream.
    pub fn get_mut(&mut self) -> &mut R {
        &mut self.core.source.0
    }

    /// The inner reader. Once the stream has ended, it stands right after the last record.
    pub fn into_inner(self) -> R {
        self.core.source.0
    }
}

impl<R: Read> BufRead for Lz4StreamReader<R> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        self.core.fill_buf()
    }

    fn consume(&mut self, amt: usize) {
        self.core.consume(amt);
    }
}

impl<R: Read> Read for Lz4StreamReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.core.read(buf)
    }
}

impl<R: Read + fmt::Debug> fmt::Debug for Lz4StreamReader<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.core
            .debug_fields(&mut f.debug_struct("Lz4StreamReader"), &self.core.source.0)
            .finish()
    }
}

/// Where the core gets the bytes of records from.
///
/// Reading must never take more than the caller asks for: that is what keeps the inner reader
/// at a record boundary. [`peek`](Source::peek) is the fast path of a source that holds bytes
/// in memory (a `BufRead`): the core decodes a block right where `peek` shows it, when the whole
/// record is there, then [`consume`](Source::consume)s exactly that record.
pub(crate) trait Source {
    /// Reads into `buf`, as [`Read::read`] does (`Ok(0)`: the end of input, for now).
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize>;

    /// The unconsumed bytes the source holds in memory (reading more if it holds none), or
    /// `None` if it never lends its bytes. An empty slice is the end of input, for now: the next
    /// [`read`](Source::read) must then report it too, without asking the inner reader again.
    fn peek(&mut self) -> io::Result<Option<&[u8]>>;

    /// Marks the first `n` bytes of what [`peek`](Source::peek) returned as read.
    fn consume(&mut self, n: usize);
}

/// The source of [`Lz4StreamReader`]: a plain reader, each block copied into the core's buffer.
pub(crate) struct Copying<R>(pub(crate) R);

impl<R: Read> Source for Copying<R> {
    #[inline]
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.0.read(buf)
    }

    #[inline]
    fn peek(&mut self) -> io::Result<Option<&[u8]>> {
        Ok(None)
    }

    #[inline]
    fn consume(&mut self, _n: usize) {}
}

/// The state machine of a reader: reads records from a [`Source`], decodes their blocks, and
/// serves the bytes through `fill_buf`/`consume`/`read`, which the front ends forward to.
pub(crate) struct Core<S> {
    /// Where the records come from.
    pub(crate) source: S,
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
    /// The current block's bytes (when they are copied); grows as they arrive, up to the largest
    /// block seen.
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
    /// An error of the inner reader that came after a `read` had served bytes (see
    /// `read_blocks`): the next call returns it, before anything else.
    deferred: Option<io::Error>,
}

impl<S: Source> Core<S> {
    /// A core for `opts` (see [`Lz4StreamReader::with_options`]).
    pub(crate) fn with_options(source: S, opts: &StreamOptions) -> io::Result<Self> {
        if opts.get_size_prefix() == SizePrefix::OutOfBand {
            return Err(Error::new(Reason::BlockSizesMismatch).into());
        }
        Self::build(source, opts, None)
    }

    /// A core for an out-of-band stream (see [`Lz4StreamReader::with_block_sizes`]).
    pub(crate) fn with_block_sizes(
        source: S,
        opts: &StreamOptions,
        sizes: impl IntoIterator<Item = usize>,
    ) -> io::Result<Self> {
        if opts.get_size_prefix() != SizePrefix::OutOfBand {
            return Err(Error::new(Reason::BlockSizesMismatch).into());
        }
        let sizes: Vec<usize> = sizes.into_iter().collect();
        Self::build(source, opts, Some(sizes.into_iter()))
    }

    fn build(
        source: S,
        opts: &StreamOptions,
        block_sizes: Option<std::vec::IntoIter<usize>>,
    ) -> io::Result<Self> {
        Ok(Core {
            source,
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
            deferred: None,
        })
    }

    /// `BufRead::fill_buf` of the front ends.
    pub(crate) fn fill_buf(&mut self) -> io::Result<&[u8]> {
        if let Some(err) = self.deferred.take() {
            return Err(err);
        }
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

    /// `BufRead::consume` of the front ends.
    pub(crate) fn consume(&mut self, amt: usize) {
        self.consumed = (self.consumed + amt).min(self.decoded);
    }

    /// `Read::read` of the front ends.
    pub(crate) fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        if self.consumed == self.decoded
            && buf.len() >= self.decompressor.page_size()
            && self.deferred.is_none()
            && self.failed.is_none()
        {
            return self.read_blocks(buf);
        }
        let available = self.fill_buf()?;
        let n = available.len().min(buf.len());
        buf[..n].copy_from_slice(&available[..n]);
        self.consume(n);
        Ok(n)
    }

    /// The front ends' `Debug` fields, with `inner` as the inner reader.
    pub(crate) fn debug_fields<'a, 'b>(
        &self,
        f: &'a mut fmt::DebugStruct<'a, 'b>,
        inner: &dyn fmt::Debug,
    ) -> &'a mut fmt::DebugStruct<'a, 'b> {
        f.field("inner", inner)
            .field("page_size", &self.decompressor.page_size())
            .field("blocks", &self.decompressor.blocks())
            .field("record_offset", &self.record_offset)
            .field("done", &self.done)
    }

    /// An error about the current record (with its likely cause, on the stream's first record).
    fn error(&self, reason: Reason) -> Error {
        let hint = self
            .first_record()
            .and_then(|first| first.diagnose(&self.head(&self.block[..self.block_got]), &reason));
        Error::at_block(reason, self.decompressor.blocks())
            .with_offset(self.record_offset)
            .with_hint(hint)
    }

    /// The first bytes of the current record, its prefix's as read then `block`'s.
    fn head(&self, block: &[u8]) -> Vec<u8> {
        let prefix = &self.prefix_bytes[..self.prefix_got];
        let mut head = prefix.to_vec();
        head.extend_from_slice(&block[..block.len().min(HEAD - prefix.len())]);
        head
    }

    /// What the diagnosis of the first record needs, if the current record is the first.
    fn first_record(&self) -> Option<FirstRecord> {
        (self.record_offset == 0 && self.decompressor.blocks() == 0).then(|| FirstRecord {
            prefix: self.prefix,
            page_size: self.decompressor.page_size(),
            dictionary: !self.decompressor.history().is_empty(),
        })
    }

    /// Records `reason` as the end of the stream and returns it.
    fn fail(&mut self, reason: Reason) -> io::Error {
        let err = self.error(reason);
        self.failed = Some(err.clone());
        err.into()
    }

    /// Reads and decodes the next record into the window. `Ok(false)` at the end of the stream.
    fn next_block(&mut self) -> io::Result<bool> {
        match self.next_record(|decompressor, block| decompressor.decode(block))? {
            Some(len) => {
                self.decoded = len;
                self.consumed = 0;
                Ok(true)
            }
            None => Ok(false),
        }
    }

    /// Serves a `read` into a buffer with room for a whole page or more, while no decoded byte
    /// is waiting: decodes as many whole blocks as fit, and once 64 KiB of the stream are in
    /// `buf` (or from the start, when the stream so far is all in `buf`: the first read of a
    /// stream without a dictionary), decodes them straight into it, with the bytes before them
    /// as their history, instead of into the window and then out of it (which saves copying
    /// what they decode to, and touching the window at all; one copy of `buf`'s last 64 KiB
    /// into the window then keeps the history). An error after some bytes were served ends the
    /// call early: a corrupt block's is returned by the next call (as always), and so is the
    /// inner reader's, kept in `deferred` meanwhile.
    fn read_blocks(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let page_size = self.decompressor.page_size();
        self.decoded = 0;
        self.consumed = 0;
        let mut pos = 0;
        let mut history_in_buf = false;
        let whole_stream_in_buf = self.decompressor.history().is_empty();
        while buf.len() - pos >= page_size && !self.done && self.failed.is_none() {
            let decoded = self.next_record(|decompressor, block| {
                if pos >= WINDOW_SIZE || whole_stream_in_buf {
                    history_in_buf = true;
                    decompressor.decode_into(block, buf, pos)
                } else {
                    decompressor.decode(block).map(|len| {
                        buf[pos..pos + len].copy_from_slice(decompressor.recent(len));
                        len
                    })
                }
            });
            match decoded {
                Ok(Some(len)) => pos += len,
                Ok(None) => break,
                Err(err) if pos == 0 => return Err(err),
                Err(err) => {
                    // Corrupt data is in `failed` already; keep anything else for the next call.
                    if self.failed.is_none() {
                        self.deferred = Some(err);
                    }
                    break;
                }
            }
        }
        if history_in_buf {
            self.decompressor.replace_history(&buf[..pos]);
        }
        Ok(pos)
    }

    /// Reads the next record and decodes its block with `decode`; returns what that returned
    /// (the length decoded), or `None` at the end of the stream (and sets `done`).
    ///
    /// The fast path: at a record boundary, when the source lends the whole record (prefix and
    /// block), the block is decoded where it lies and the record consumed. Anything else (a
    /// record the source holds only part of, a plain reader, an end marker, a size out of range:
    /// the errors) goes through the copying path, which reads the record a piece at a time.
    fn next_record(
        &mut self,
        decode: impl FnOnce(&mut Decompressor, &[u8]) -> Result<usize, Error>,
    ) -> io::Result<Option<usize>> {
        // At a record boundary. With out-of-band sizes, only for a valid next size: when they are
        // used up the stream has ended and the source must not be touched again (it might
        // block), and a bad size fails on the copying path without touching it.
        let page_size = self.decompressor.page_size();
        let next_size = self.block_sizes.as_ref().map(|sizes| {
            (sizes.as_slice().first().copied())
                .filter(|&size| size > 0 && check_block_size(size, page_size).is_ok())
        });
        if self.prefix_got == 0 && self.block_size.is_none() && next_size != Some(None) {
            let width = self.prefix.width();
            let first = self.first_record();
            if let Some(held) = self.source.peek()? {
                let size = match next_size {
                    Some(size) => size,
                    None if held.len() >= width => Some(read_prefix(&held[..width])),
                    None => None,
                };
                let whole = size.filter(|&size| {
                    size > 0
                        && held.len() - width >= size
                        && check_block_size(size, page_size).is_ok()
                });
                if let Some(size) = whole {
                    let mut decoded = decode(&mut self.decompressor, &held[width..width + size]);
                    if let (Err(err), Some(first)) = (&decoded, &first) {
                        let hint = first.diagnose(&held[..held.len().min(HEAD)], err.reason());
                        decoded = decoded.map_err(|err| err.with_hint(hint));
                    }
                    // The record is read, whether it decoded or not (as on the copying path).
                    self.source.consume(width + size);
                    if let Some(sizes) = &mut self.block_sizes {
                        sizes.next();
                    }
                    return self.decoded(decoded, size);
                }
            }
        }
        let Some(size) = self.fetch_block()? else {
            return Ok(None);
        };
        let decoded = decode(&mut self.decompressor, &self.block[..size]).map_err(|err| {
            let hint = self
                .first_record()
                .and_then(|first| first.diagnose(&self.head(&self.block[..size]), err.reason()));
            err.with_hint(hint)
        });
        self.decoded(decoded, size)
    }

    /// Ends the record whose block of `size` bytes was decoded with `result`: moves past it, or
    /// records the stream's failure.
    fn decoded(&mut self, result: Result<usize, Error>, size: usize) -> io::Result<Option<usize>> {
        match result {
            Ok(len) => {
                self.record_offset += (self.prefix.width() + size) as u64;
                self.block_size = None;
                self.block_got = 0;
                self.prefix_got = 0;
                Ok(Some(len))
            }
            Err(err) => {
                let err = err.with_offset(self.record_offset);
                self.failed = Some(err.clone());
                Err(err.into())
            }
        }
    }

    /// Reads the next record's block into `block`; returns its size, or `None` at the end of
    /// the stream (and sets `done`).
    fn fetch_block(&mut self) -> io::Result<Option<usize>> {
        let size = match self.block_size {
            Some(size) => size,
            None => match self.read_size()? {
                Some(size) => size,
                None => {
                    self.done = true;
                    return Ok(None);
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
            match self.source.read(&mut self.block[self.block_got..end])? {
                0 => {
                    let got = self.block_got;
                    return Err(self.error(Reason::TruncatedBlock { got, size }).into());
                }
                n => self.block_got += n,
            }
        }
        Ok(Some(size))
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
                .source
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Lz4StreamWriter, Strategy};
    use std::io::Write;

    /// Data with matches up to 60 KiB back: a 30 KiB random chunk and its variations.
    fn far_matching_data(len: usize) -> Vec<u8> {
        let mut state = 0x2545_F491_4F6C_DD1Du64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let chunk: Vec<u8> = (0..30_000).map(|_| next() as u8).collect();
        let mut data = Vec::with_capacity(len);
        while data.len() < len {
            let at = (next() % 20_000) as usize;
            data.extend_from_slice(&chunk[at..at + 1 + (next() % 9_000) as usize]);
            data.push(next() as u8);
        }
        data.truncate(len);
        data
    }

    /// Small pages, blocks reaching 64 KiB back across many blocks (a ring buffer), read with
    /// buffers of every kind: whole blocks go to the buffer, through the window first and then
    /// straight, and the history stays right across calls, `fill_buf` and small reads.
    #[test]
    fn large_reads_keep_the_history() {
        let data = far_matching_data(600_000);
        let opts = StreamOptions::new()
            .page_size(1000)
            .strategy(Strategy::RingBuffer { window: 65_536 });
        let mut writer = Lz4StreamWriter::with_options(Vec::new(), &opts).unwrap();
        writer.write_all(&data).unwrap();
        let stream = writer.finish().unwrap();
        assert!(
            stream.len() < data.len() / 3,
            "the blocks reference far back"
        );

        let sizes = [
            100_000,
            999,
            1000,
            70_000,
            65_536 + 1000,
            3,
            200_000,
            1 << 20,
        ];
        let mut reader = Lz4StreamReader::with_options(&stream[..], &opts).unwrap();
        let mut decoded = Vec::new();
        for call in 0.. {
            let mut buf = vec![0; sizes[call % sizes.len()]];
            let n = if call % 5 == 4 {
                let available = reader.fill_buf().unwrap();
                let n = available.len().min(7);
                buf[..n].copy_from_slice(&available[..n]);
                reader.consume(n);
                n
            } else {
                reader.read(&mut buf).unwrap()
            };
            if n == 0 {
                break;
            }
            decoded.extend_from_slice(&buf[..n]);
        }
        assert!(decoded == data);
    }

    /// A corrupt block met during a large read: the read serves the blocks before it, and the
    /// next call (and every later one) returns the error, `InvalidData` with its reason.
    #[test]
    fn large_read_stops_before_a_corrupt_block() {
        let data = far_matching_data(300_000);
        let opts = StreamOptions::new().page_size(4096);
        let mut writer = Lz4StreamWriter::with_options(Vec::new(), &opts).unwrap();
        writer.write_all(&data).unwrap();
        let mut stream = writer.finish().unwrap();
        // Find the 30th record and make its first match reach before the stream's start.
        let mut at = 0;
        for _ in 0..30 {
            at += 4 + read_prefix(&stream[at..at + 4]);
        }
        let size = read_prefix(&stream[at..at + 4]);
        stream[at + 4..at + 4 + size].fill(0xFF);
        let mut reader = Lz4StreamReader::with_options(&stream[..], &opts).unwrap();
        let mut buf = vec![0; 1 << 20];
        let n = reader.read(&mut buf).unwrap();
        assert_eq!(n, 30 * 4096);
        assert!(buf[..n] == data[..n]);
        for _ in 0..2 {
            let err = reader.read(&mut buf).unwrap_err();
            assert_eq!(err.kind(), io::ErrorKind::InvalidData);
            let inner = err.into_inner().unwrap().downcast::<Error>().unwrap();
            assert!(
                matches!(
                    inner.reason(),
                    Reason::Malformed { .. } | Reason::PageOverflow { .. } | Reason::BeyondHistory
                ),
                "{inner}"
            );
            assert_eq!(inner.block(), Some(30));
        }
    }

    /// Serves `data` in pieces of at most `max`, failing once with `Other` at byte `fail_at`.
    struct FailsOnce<'a> {
        data: &'a [u8],
        fail_at: usize,
        at: usize,
        failed: bool,
    }

    impl Read for FailsOnce<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            if self.at == self.fail_at && !self.failed {
                self.failed = true;
                return Err(io::Error::other("injected"));
            }
            let end = if self.at < self.fail_at && !self.failed {
                self.fail_at
            } else {
                self.data.len()
            };
            let n = buf.len().min(end - self.at);
            buf[..n].copy_from_slice(&self.data[self.at..self.at + n]);
            self.at += n;
            Ok(n)
        }
    }

    /// The inner reader fails inside a large read, after blocks were served: the read returns
    /// them, the next call returns the error untouched, and the one after goes on losing nothing.
    #[test]
    fn large_read_defers_the_inner_readers_error() {
        let data = far_matching_data(300_000);
        let opts = StreamOptions::new().page_size(4096);
        let mut writer = Lz4StreamWriter::with_options(Vec::new(), &opts).unwrap();
        writer.write_all(&data).unwrap();
        let stream = writer.finish().unwrap();
        for fail_at in [stream.len() / 2, stream.len() / 2 + 1, stream.len() - 1] {
            let inner = FailsOnce {
                data: &stream,
                fail_at,
                at: 0,
                failed: false,
            };
            let mut reader = Lz4StreamReader::with_options(inner, &opts).unwrap();
            let mut buf = vec![0; 1 << 20];
            let n = reader.read(&mut buf).unwrap();
            assert!(n > 0 && n < data.len());
            let err = reader.read(&mut buf).unwrap_err();
            assert_eq!(
                (err.kind(), err.to_string()),
                (io::ErrorKind::Other, "injected".into())
            );
            let mut decoded = buf[..n].to_vec();
            reader.read_to_end(&mut decoded).unwrap();
            assert!(decoded == data, "fail at {fail_at}");
        }
    }
}
