//! The readers' driver: pulls records from a [`Source`] into the [`Decoder`] and serves what
//! they decode through `fill_buf`/`consume`/`read`.
//!
//! Every reader is this driver over some source: [`Lz4StreamReader`](crate::Lz4StreamReader)
//! over a [`Read`](std::io::Read) ([`Copying`]), [`Lz4StreamBufReader`](crate::Lz4StreamBufReader)
//! over a [`BufRead`](std::io::BufRead) ([`Borrowing`]), and the async readers over a bridge
//! that turns a poll's `Pending` into `WouldBlock` and back (see `crate::tokio`), which is
//! exact because this driver loses nothing on `WouldBlock`. The driver does not own the source,
//! so a bridge that holds a poll's `Context` can be made for one call.
//!
//! The source is asked for at most what the current record still needs, so the inner reader
//! stands right after the last record served. When the source lends its bytes (a `BufRead`)
//! and holds a whole record, the block is decoded where it lies and the record consumed.
//!
//! A `read` into a buffer with room for whole pages fills it with whole blocks, and decodes
//! them straight into it once it holds 64 KiB of history, which saves copying them out of the
//! window.

use std::fmt;
use std::io::{self, BufRead, Read};

use crate::codec::decoder::{Decoder, State};
use crate::codec::decompressor::Decompressor;
use crate::codec::io::{is_transient, overclaimed};
use crate::error::{Error, Reason};
use crate::options::WINDOW_SIZE;

/// Where a reader gets the bytes of records from.
pub(crate) trait Source {
    /// Reads into `buf`, as [`Read::read`] does (`Ok(0)`: the end of input, for now). Only
    /// called when [`peek`](Source::peek) returns `None`.
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize>;

    /// The unconsumed bytes the source holds in memory (reading more if it holds none), or
    /// `None` if it never lends its bytes. An empty slice is the end of input, for now.
    fn peek(&mut self) -> io::Result<Option<&[u8]>>;

    /// Marks the first `n` bytes of what [`peek`](Source::peek) returned as read.
    fn consume(&mut self, n: usize);
}

/// A plain reader: each block's bytes are read into the decoder's buffer.
pub(crate) struct Copying<'a, R: ?Sized>(pub(crate) &'a mut R);

impl<R: Read + ?Sized> Source for Copying<'_, R> {
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

/// A buffered reader: whole records are decoded where they lie in its buffer, the pieces of
/// others copied out of it.
pub(crate) struct Borrowing<'a, R: ?Sized>(pub(crate) &'a mut R);

impl<R: BufRead + ?Sized> Source for Borrowing<'_, R> {
    #[inline]
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.0.read(buf)
    }

    #[inline]
    fn peek(&mut self) -> io::Result<Option<&[u8]>> {
        self.0.fill_buf().map(Some)
    }

    #[inline]
    fn consume(&mut self, n: usize) {
        self.0.consume(n);
    }
}

/// The driver (see the module docs).
pub(crate) struct Pull {
    /// The records' state, the history and the decoded page.
    pub(crate) decoder: Decoder,
    /// An error of the source that came after a large `read` had served bytes (see
    /// `read_blocks`): the next call returns it, before anything else.
    deferred: Option<io::Error>,
    /// Decoded bytes served so far.
    total_out: u64,
    /// Set while a large read decodes blocks into the caller's buffer, whose bytes become the
    /// history only when the read returns: if the source panics meanwhile (and the caller
    /// catches it), the history is lost, and every later call fails instead of decoding
    /// against a stale one.
    poisoned: bool,
}

impl Pull {
    /// A driver of `decoder`.
    pub(crate) fn new(decoder: Decoder) -> Self {
        Pull {
            decoder,
            deferred: None,
            total_out: 0,
            poisoned: false,
        }
    }

    /// Decoded bytes served so far.
    pub(crate) fn total_out(&self) -> u64 {
        self.total_out
    }

    /// The front ends' `Debug` fields, with `inner` as the inner reader.
    pub(crate) fn debug_fields<'a, 'b>(
        &self,
        f: &'a mut fmt::DebugStruct<'a, 'b>,
        inner: &dyn fmt::Debug,
    ) -> &'a mut fmt::DebugStruct<'a, 'b> {
        f.field("inner", inner)
            .field("page_size", &self.decoder.page_size())
            .field("blocks", &self.decoder.blocks())
            .field("record_offset", &self.decoder.record_offset())
            .field("done", &self.decoder.is_done())
    }

    /// `BufRead::fill_buf`.
    pub(crate) fn fill_buf<S: Source>(&mut self, source: &mut S) -> io::Result<&[u8]> {
        self.check_poisoned()?;
        if let Some(err) = self.deferred.take() {
            return Err(err);
        }
        while self.decoder.output().is_empty() {
            let decoded = advance(&mut self.decoder, source, &mut |decompressor, block| {
                decompressor.decode(block)
            })?;
            match decoded {
                Some(len) => {
                    self.decoder.set_output(len);
                }
                None => break,
            }
        }
        Ok(self.decoder.output())
    }

    /// `BufRead::consume`.
    pub(crate) fn consume(&mut self, amt: usize) {
        let amt = amt.min(self.decoder.output().len());
        self.decoder.consume(amt);
        self.total_out += amt as u64;
    }

    /// `Read::read`.
    pub(crate) fn read<S: Source>(&mut self, source: &mut S, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        self.check_poisoned()?;
        if self.decoder.output().is_empty()
            && buf.len() >= self.decoder.page_size()
            && self.deferred.is_none()
            && matches!(
                self.decoder.state(),
                State::Prefix { .. } | State::Block { .. }
            )
        {
            let n = self.read_blocks(source, buf)?;
            self.total_out += n as u64;
            return Ok(n);
        }
        let available = self.fill_buf(source)?;
        let n = available.len().min(buf.len());
        buf[..n].copy_from_slice(&available[..n]);
        self.consume(n);
        Ok(n)
    }

    /// Serves a `read` into a buffer with room for a whole page or more, while no decoded byte
    /// is waiting: decodes as many whole blocks as fit, and once 64 KiB of the stream are in
    /// `buf` (or from the start, when the stream so far is all in `buf`: the first read of a
    /// stream without a dictionary), decodes them straight into it, with the bytes before them
    /// as their history, instead of into the window and then out of it (which saves copying
    /// what they decode to; one copy of `buf`'s last 64 KiB into the window then keeps the
    /// history). An error after some bytes were served ends the call early: a corrupt block's
    /// is returned by the next call (as always), and so is the source's, kept in `deferred`
    /// meanwhile (but not `Interrupted` or `WouldBlock`, which only say "not now": the next
    /// call asks the source again).
    fn read_blocks<S: Source>(&mut self, source: &mut S, buf: &mut [u8]) -> io::Result<usize> {
        let page_size = self.decoder.page_size();
        self.decoder.clear_output();
        let mut pos = 0;
        let mut history_in_buf = false;
        let whole_stream_in_buf = self.decoder.history().is_empty();
        let poisoned = &mut self.poisoned;
        while buf.len() - pos >= page_size {
            let decoded = advance(&mut self.decoder, source, &mut |decompressor, block| {
                if pos >= WINDOW_SIZE || whole_stream_in_buf {
                    history_in_buf = true;
                    *poisoned = true;
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
                Err(err) if pos == 0 => {
                    // Nothing went into `buf`: the history is the window's still.
                    self.poisoned = false;
                    return Err(err);
                }
                Err(err) => {
                    // Corrupt data is in the decoder's state already.
                    if self.decoder.failure().is_none() && !is_transient(&err) {
                        self.deferred = Some(err);
                    }
                    break;
                }
            }
        }
        if history_in_buf {
            self.decoder.replace_history(&buf[..pos]);
        }
        self.poisoned = false;
        Ok(pos)
    }

    /// The error of a reader whose history a panic lost (see `poisoned`).
    fn check_poisoned(&self) -> io::Result<()> {
        if self.poisoned {
            return Err(Error::at_block(Reason::Poisoned, self.decoder.blocks()).into());
        }
        Ok(())
    }
}

/// Moves the decoder on with bytes from `source` until a block is decoded (with `decode`,
/// whose length it returns) or the stream ends (`None`).
///
/// # Errors
///
/// The source's errors, untouched; the decoder's ([`Error`]) for corrupt or truncated input;
/// `Other` for a source that claims to have read more bytes than it was given room for.
pub(crate) fn advance<S: Source>(
    decoder: &mut Decoder,
    source: &mut S,
    decode: &mut impl FnMut(&mut Decompressor, &[u8]) -> Result<usize, Error>,
) -> io::Result<Option<usize>> {
    loop {
        match decoder.state() {
            State::Done => return Ok(None),
            State::Failed(err) => return Err(err.clone().into()),
            State::Prefix { .. } | State::Block { .. } => {}
        }
        if let Some(held) = source.peek()? {
            if held.is_empty() {
                decoder.end_of_input()?;
                continue;
            }
            if let Some(len) = decoder.whole_record(held) {
                let decoded = decoder.decode_whole_with(&held[..len], &mut *decode);
                // The record is read, whether it decoded or not.
                source.consume(len);
                return Ok(Some(decoded?));
            }
            let (taken, complete) = decoder.feed(held);
            source.consume(taken);
            if complete? {
                return Ok(Some(decoder.decode_held_with(&mut *decode)?));
            }
            continue;
        }
        let input = decoder.input();
        let room = input.len();
        let n = source.read(input)?;
        if n > room {
            return Err(overclaimed("reader", n, room));
        }
        if n == 0 {
            decoder.end_of_input()?;
        } else if decoder.filled(n)? {
            return Ok(Some(decoder.decode_held_with(&mut *decode)?));
        }
    }
}
