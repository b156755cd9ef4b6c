//! The record decoder: stream bytes in, decoded pages out, no I/O.
//!
//! [`Decoder`] is given the stream's bytes by whoever has them (a reader that reads them, a
//! `BufRead` that lends them, a writer that is handed them, an async poll) and says how many
//! more the current record needs: the rest of its size prefix, or the rest of its block, never
//! more. A front end that asks its source for at most [`needs`](Decoder::needs) bytes at a time
//! therefore never reads past the last record it serves, which is what lets a stream sit inside
//! a larger byte stream.
//!
//! Its state is one [`State`]: inside a prefix, inside a block, done, failed. A complete
//! block is decoded by the [`Decompressor`] into its window (or, for a reader's large reads,
//! straight into the caller's buffer), and the page it decoded to waits in the window as the
//! decoder's *output* until the front end has served it; only then does the decoder take the
//! next record's bytes. So a decoded page is never overwritten before it is served, and the
//! history a block needs is always in the window.
//!
//! Memory follows the bytes that arrive: the buffer of a block that is not lent whole grows
//! with what has been received of it (from 64 KiB, doubling), never with what its prefix
//! claims, so a lying prefix costs nothing.

use crate::codec::decompressor::Decompressor;
use crate::diagnose::{diagnose, Hint};
use crate::error::{Error, Reason};
use crate::options::{SizePrefix, StreamOptions};
use crate::record::{check_block_size, read_prefix, MAX_PREFIX_WIDTH};

/// How many of a stream's first bytes the diagnosis of a failing first record looks at.
const HEAD: usize = 8;

/// The first allocation for a block's bytes; the buffer then doubles as bytes arrive.
const FIRST_BLOCK_ALLOCATION: usize = 64 * 1024;

/// Where the decoder stands in the stream.
#[derive(Debug)]
pub(crate) enum State {
    /// Waiting for (the rest of) a size prefix, `got` bytes of which are in `prefix_bytes`.
    /// `got == 0` is a record boundary.
    Prefix { got: usize },
    /// Inside a block of `size` bytes, `got` of which have arrived in `block`. With `got ==
    /// size` the block is complete and waits to be decoded.
    Block { size: usize, got: usize },
    /// The stream ended: an end marker, the end of input at a record boundary, or the last
    /// out-of-band size used up.
    Done,
    /// Corrupt data ended the stream; every later call gets this error again.
    Failed(Error),
}

/// The byte-fed record decoder (see the module docs).
pub(crate) struct Decoder {
    /// Decodes blocks and holds the history and the latest decoded page.
    decompressor: Decompressor,
    /// How records state their size.
    prefix: SizePrefix,
    /// The sizes of the blocks still to come, for out-of-band streams.
    block_sizes: Option<std::vec::IntoIter<usize>>,
    /// Whether the input must end with an end marker.
    require_end_marker: bool,
    /// Where the decoder stands.
    state: State,
    /// The size prefix of the current record, as its bytes arrive (kept for the diagnosis).
    prefix_bytes: [u8; MAX_PREFIX_WIDTH],
    /// The current block's bytes, when they are handed over piecemeal.
    block: Vec<u8>,
    /// Bytes the latest block decoded to into the window (they end the history).
    decoded: usize,
    /// How many of those have been served.
    consumed: usize,
    /// Offset of the current record in the compressed stream: the bytes of all records before
    /// it (and of an end marker, once read).
    record_offset: u64,
    /// Compressed bytes taken so far: given to [`filled`](Self::filled), or decoded whole.
    total_in: u64,
    /// Compressed bytes of the latest consecutive records whose blocks decoded to nothing.
    idle: u64,
    /// The most `idle` may reach (the options' `max_idle_input`): past it, the stream fails,
    /// so that no call takes input forever without output.
    max_idle: u64,
}

impl Decoder {
    /// A decoder for `opts` and, for out-of-band streams, the block sizes.
    pub(crate) fn new(
        opts: &StreamOptions,
        block_sizes: Option<Vec<usize>>,
    ) -> Result<Self, Error> {
        let out_of_band = opts.get_size_prefix() == SizePrefix::OutOfBand;
        if out_of_band != block_sizes.is_some() {
            return Err(Error::new(Reason::BlockSizesMismatch));
        }
        let mut decoder = Decoder {
            decompressor: Decompressor::new(opts)?,
            prefix: opts.get_size_prefix(),
            block_sizes: block_sizes.map(Vec::into_iter),
            require_end_marker: opts.get_end_marker(),
            state: State::Prefix { got: 0 },
            prefix_bytes: [0; MAX_PREFIX_WIDTH],
            block: Vec::new(),
            decoded: 0,
            consumed: 0,
            record_offset: 0,
            total_in: 0,
            idle: 0,
            max_idle: opts.get_max_idle_input(),
        };
        decoder.begin_record();
        Ok(decoder)
    }

    /// Where the decoder stands.
    pub(crate) fn state(&self) -> &State {
        &self.state
    }

    /// The page size: the most bytes one block decodes to.
    pub(crate) fn page_size(&self) -> usize {
        self.decompressor.page_size()
    }

    /// Blocks decoded so far.
    pub(crate) fn blocks(&self) -> u64 {
        self.decompressor.blocks()
    }

    /// Compressed bytes taken so far that belong to whole records (and an end marker).
    pub(crate) fn record_offset(&self) -> u64 {
        self.record_offset
    }

    /// Compressed bytes taken so far (a failed record's included).
    pub(crate) fn total_in(&self) -> u64 {
        self.total_in
    }

    /// The decoded bytes not yet served.
    pub(crate) fn output(&self) -> &[u8] {
        &self.decompressor.recent(self.decoded)[self.consumed..]
    }

    /// Marks `n` bytes of [`output`](Self::output) as served.
    pub(crate) fn consume(&mut self, n: usize) {
        self.consumed = (self.consumed + n).min(self.decoded);
    }

    /// Forgets the output (the bytes went to the caller some other way).
    pub(crate) fn clear_output(&mut self) {
        self.decoded = 0;
        self.consumed = 0;
    }

    /// The error that ended the stream, if corrupt data did.
    pub(crate) fn failure(&self) -> Option<&Error> {
        match &self.state {
            State::Failed(err) => Some(err),
            _ => None,
        }
    }

    /// Whether the stream has ended (an end marker, or the end of input at a boundary).
    pub(crate) fn is_done(&self) -> bool {
        matches!(self.state, State::Done)
    }

    /// Whether the decoder is at a record boundary, where a whole record may be decoded in
    /// place ([`whole_record`](Self::whole_record)).
    fn at_boundary(&self) -> bool {
        matches!(self.state, State::Prefix { got: 0 })
            || matches!(self.state, State::Block { got: 0, .. } if self.prefix.width() == 0)
    }

    /// How many more bytes the current record needs: the rest of its prefix or of its block.
    /// 0 once the stream is over, or while a complete block waits to be decoded.
    pub(crate) fn needs(&self) -> usize {
        match self.state {
            State::Prefix { got } => self.prefix.width() - got,
            State::Block { size, got } => size - got,
            State::Done | State::Failed(_) => 0,
        }
    }

    /// Where the next bytes of the stream go: a buffer of at least one and at most
    /// [`needs`](Self::needs) bytes (empty when nothing is needed). Fill a prefix of it, then
    /// call [`filled`](Self::filled).
    pub(crate) fn input(&mut self) -> &mut [u8] {
        match self.state {
            State::Prefix { got } => &mut self.prefix_bytes[got..self.prefix.width()],
            State::Block { size, got } => {
                if self.block.len() <= got {
                    // Room for more of the block: no more than has arrived already (and the
                    // first 64 KiB), so memory follows the bytes received.
                    let room = got.max(FIRST_BLOCK_ALLOCATION).min(size - got);
                    self.block.resize(got + room, 0);
                }
                let end = self.block.len().min(size);
                &mut self.block[got..end]
            }
            State::Done | State::Failed(_) => &mut [],
        }
    }

    /// `n` bytes were written at the start of [`input`](Self::input). Returns whether the
    /// current block is now complete, waiting for [`decode_held`](Self::decode_held).
    ///
    /// # Errors
    ///
    /// `InvalidData` for a size prefix out of range (the stream has then failed).
    pub(crate) fn filled(&mut self, n: usize) -> Result<bool, Error> {
        debug_assert!(n <= self.needs());
        self.total_in += n as u64;
        match self.state {
            State::Prefix { got } => {
                let got = got + n;
                let width = self.prefix.width();
                if got < width {
                    self.state = State::Prefix { got };
                    return Ok(false);
                }
                match read_prefix(&self.prefix_bytes[..width]) {
                    0 => {
                        self.record_offset += width as u64;
                        self.state = State::Done;
                        Ok(false)
                    }
                    size => {
                        self.state = State::Block { size, got: 0 };
                        self.check_size(size)?;
                        Ok(false)
                    }
                }
            }
            State::Block { size, got } => {
                self.state = State::Block { size, got: got + n };
                Ok(got + n == size)
            }
            State::Done | State::Failed(_) => Ok(false),
        }
    }

    /// Copies as much of `bytes` as the current record needs; returns how many it took (taken
    /// even on an error) and what [`filled`](Self::filled) returned: whether the block is now
    /// complete, or the error of a size prefix out of range.
    pub(crate) fn feed(&mut self, bytes: &[u8]) -> (usize, Result<bool, Error>) {
        let input = self.input();
        let n = input.len().min(bytes.len());
        input[..n].copy_from_slice(&bytes[..n]);
        (n, self.filled(n))
    }

    /// The input ended (for now). At a record boundary the stream is done, unless an end
    /// marker is required; inside a record it is truncated. The state does not change on an
    /// error, so input that arrives later (a growing file) goes on.
    ///
    /// # Errors
    ///
    /// `UnexpectedEof`: inside a prefix or a block, or without a required end marker.
    pub(crate) fn end_of_input(&mut self) -> Result<(), Error> {
        match self.state {
            State::Prefix { got: 0 } if self.require_end_marker => {
                Err(self.error(Reason::MissingEndMarker, &[]))
            }
            State::Prefix { got: 0 } => {
                self.state = State::Done;
                Ok(())
            }
            State::Prefix { got } => {
                let width = self.prefix.width();
                Err(self.error(Reason::TruncatedPrefix { got, width }, &[]))
            }
            State::Block { size, got } if got < size => {
                Err(self.error(Reason::TruncatedBlock { got, size }, &self.block[..got]))
            }
            State::Block { .. } | State::Done | State::Failed(_) => Ok(()),
        }
    }

    /// The length of the whole record at the start of `held` (prefix and block), if the
    /// decoder is at a record boundary and `held` holds all of it with a valid, non-zero
    /// size: then [`decode_whole`](Self::decode_whole) may decode it where it lies.
    pub(crate) fn whole_record(&self, held: &[u8]) -> Option<usize> {
        if !self.at_boundary() {
            return None;
        }
        let width = self.prefix.width();
        let size = match self.state {
            State::Block { size, .. } => size,
            _ if held.len() >= width => read_prefix(&held[..width]),
            _ => return None,
        };
        (size > 0 && held.len() - width >= size && check_block_size(size, self.page_size()).is_ok())
            .then_some(width + size)
    }

    /// Decodes the record `record` (as [`whole_record`](Self::whole_record) measured it) into
    /// the window; its bytes become the output.
    ///
    /// # Errors
    ///
    /// `InvalidData` for a block that does not decode (the stream has then failed).
    pub(crate) fn decode_whole(&mut self, record: &[u8]) -> Result<usize, Error> {
        self.decode_whole_with(record, |decompressor, block| decompressor.decode(block))
            .map(|len| self.set_output(len))
    }

    /// Decodes the complete block held (after [`filled`](Self::filled) said so) into the
    /// window; its bytes become the output.
    ///
    /// # Errors
    ///
    /// As [`decode_whole`](Self::decode_whole).
    pub(crate) fn decode_held(&mut self) -> Result<usize, Error> {
        self.decode_held_with(|decompressor, block| decompressor.decode(block))
            .map(|len| self.set_output(len))
    }

    /// Makes the latest `len` decoded bytes the output.
    pub(crate) fn set_output(&mut self, len: usize) -> usize {
        self.decoded = len;
        self.consumed = 0;
        len
    }

    /// [`decode_whole`](Self::decode_whole) with the decoding left to `decode` (the large-read
    /// path decodes into the caller's buffer); the output is left alone.
    pub(crate) fn decode_whole_with(
        &mut self,
        record: &[u8],
        decode: impl FnOnce(&mut Decompressor, &[u8]) -> Result<usize, Error>,
    ) -> Result<usize, Error> {
        let width = self.prefix.width();
        self.total_in += record.len() as u64;
        let result = decode(&mut self.decompressor, &record[width..]);
        let result = result.map_err(|err| {
            let hint = self.diagnose(&record[..record.len().min(HEAD)], err.reason());
            err.with_hint(hint)
        });
        self.decoded_record(result, record.len() - width)
    }

    /// [`decode_held`](Self::decode_held) with the decoding left to `decode`.
    pub(crate) fn decode_held_with(
        &mut self,
        decode: impl FnOnce(&mut Decompressor, &[u8]) -> Result<usize, Error>,
    ) -> Result<usize, Error> {
        let State::Block { size, got } = self.state else {
            unreachable!("decode_held follows a complete block");
        };
        debug_assert_eq!(got, size);
        let result = decode(&mut self.decompressor, &self.block[..size]);
        let result = result.map_err(|err| {
            let head = self.head(&self.block[..size]);
            let hint = self.diagnose(&head, err.reason());
            err.with_hint(hint)
        });
        self.decoded_record(result, size)
    }

    /// Makes the bytes of the large-read path's buffer, the stream decoded so far, the history.
    pub(crate) fn replace_history(&mut self, bytes: &[u8]) {
        self.clear_output();
        self.decompressor.replace_history(bytes);
    }

    /// The history the next block may reference.
    pub(crate) fn history(&self) -> &[u8] {
        self.decompressor.history()
    }

    /// Ends the record whose block of `size` bytes decoded with `result`: moves past it, or
    /// records the stream's failure.
    fn decoded_record(
        &mut self,
        result: Result<usize, Error>,
        size: usize,
    ) -> Result<usize, Error> {
        match result {
            Ok(0) if self.idle + (self.prefix.width() + size) as u64 > self.max_idle => {
                let bytes = self.idle + (self.prefix.width() + size) as u64;
                let err = Error::at_block(Reason::Idle { bytes }, self.blocks())
                    .with_offset(self.record_offset);
                self.state = State::Failed(err.clone());
                Err(err)
            }
            Ok(len) => {
                let record = (self.prefix.width() + size) as u64;
                self.idle = if len == 0 { self.idle + record } else { 0 };
                self.record_offset += record;
                if let Some(sizes) = &mut self.block_sizes {
                    sizes.next();
                }
                self.state = State::Prefix { got: 0 };
                self.begin_record();
                Ok(len)
            }
            Err(err) => {
                let err = err.with_offset(self.record_offset);
                self.state = State::Failed(err.clone());
                Err(err)
            }
        }
    }

    /// At a record boundary of an out-of-band stream, takes the next size from the list (the
    /// stream is done when there is none). A bad size fails the stream here, but its error
    /// only comes out once the output before it has been served.
    fn begin_record(&mut self) {
        let Some(sizes) = &self.block_sizes else {
            return;
        };
        match sizes.as_slice().first().copied() {
            None => self.state = State::Done,
            Some(size) => {
                self.state = State::Block { size, got: 0 };
                let _ = self.check_size(size);
            }
        }
    }

    /// Checks the size of the block the decoder is now in; fails the stream if it is out of
    /// range (0, for an out-of-band size, or above `compress_bound(page_size)`).
    fn check_size(&mut self, size: usize) -> Result<(), Error> {
        let checked = match size {
            0 => Err(Reason::EmptyBlock),
            size => check_block_size(size, self.page_size()),
        };
        checked.map_err(|reason| {
            let err = self.error(reason, &[]);
            self.state = State::Failed(err.clone());
            err
        })
    }

    /// An error about the current record, whose block's bytes so far are `block` (with its
    /// likely cause, on the stream's first record).
    fn error(&self, reason: Reason, block: &[u8]) -> Error {
        let hint = self.diagnose(&self.head(block), &reason);
        Error::at_block(reason, self.blocks())
            .with_offset(self.record_offset)
            .with_hint(hint)
    }

    /// The first bytes of the current record: its prefix's as read, then `block`'s.
    fn head(&self, block: &[u8]) -> Vec<u8> {
        let got = match self.state {
            State::Prefix { got } => got,
            _ => self.prefix.width(),
        };
        let prefix = &self.prefix_bytes[..got];
        let mut head = prefix.to_vec();
        head.extend_from_slice(&block[..block.len().min(HEAD - prefix.len())]);
        head
    }

    /// The likely cause of `reason`, when the current record is the stream's first.
    fn diagnose(&self, head: &[u8], reason: &Reason) -> Option<Hint> {
        let first = self.record_offset == 0 && self.blocks() == 0;
        let dictionary = !self.decompressor.history().is_empty();
        first
            .then(|| diagnose(head, reason, self.prefix, self.page_size(), dictionary))
            .flatten()
    }
}
