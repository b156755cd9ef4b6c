//! [`DecompressingWriter`]: a [`Write`] that takes a stream's bytes and writes what they decode
//! to into an inner writer.
//!
//! The writer feeds what it is given to the byte-fed record decoder
//! ([`Decoder`](crate::codec::decoder::Decoder)), which takes only what the current record
//! needs. A record given whole in one `write` is decoded where it lies in the caller's buffer;
//! one given in pieces is gathered in the decoder's block buffer. Each decoded page waits in
//! the decoder's window until the inner writer has taken all of it, and every call first hands
//! the inner writer what is still waiting, returning its error untouched (`Interrupted`,
//! `WouldBlock` or any other) before it takes new bytes. An error of the inner writer after a
//! call has taken bytes ends the call with the count of what it took, and the next call
//! returns it first (`Interrupted` and `WouldBlock`, which only say "not now", are not kept:
//! the next call simply tries again); the page stays waiting. Nothing is lost or written twice.
//! Corrupt data is final: the `write` that meets it returns the error (or, if it took good
//! records first, what it took), and every later call (`flush` and `finish` included) returns
//! the error.

use std::fmt;
use std::io::{self, Write};

use crate::codec::decoder::{Decoder, State};
use crate::codec::io::{is_transient, write_some};
use crate::error::{Error, FinishError, Reason};
use crate::options::StreamOptions;

/// Takes the bytes of an LZ4 stream through [`Write`] and writes what they decode to into an
/// inner writer: decompression on the writing side, for a sink that is given the compressed
/// stream (a response body handler, a `tee`, [`io::copy`] from a source you do not control).
///
/// [`finish`](Self::finish) checks that the stream ended where a record ends (and with its end
/// marker, when the options require one) and gives the inner writer back. Bytes given after
/// the end marker are an error (`InvalidData`).
///
/// ```
/// use std::io::{self, Write};
/// use lz4_stream::{DecompressingWriter, Lz4StreamWriter, StreamOptions};
///
/// let opts = StreamOptions::new().page_size(4096);
/// let mut writer = Lz4StreamWriter::with_options(Vec::new(), &opts)?;
/// writer.write_all(&b"a line of text\n".repeat(1000))?;
/// let stream = writer.finish()?;
///
/// // The compressed stream arrives in pieces of any size.
/// let mut decoder = DecompressingWriter::with_options(Vec::new(), &opts)?;
/// for piece in stream.chunks(100) {
///     decoder.write_all(piece)?;
/// }
/// let text = decoder.finish()?;
/// assert_eq!(text, b"a line of text\n".repeat(1000));
/// # Ok::<(), io::Error>(())
/// ```
pub struct DecompressingWriter<W: Write> {
    /// The inner writer; `None` once [`finish`](Self::finish) has given it back.
    inner: Option<W>,
    /// The records' state, the history, and the decoded page waiting for the inner writer.
    decoder: Decoder,
    /// Compressed bytes taken: the sum of what `write` returned (a failed call takes nothing,
    /// as `Write` says, even if the decoder read the failing record).
    total_in: u64,
    /// Decoded bytes the inner writer has taken.
    total_out: u64,
    /// Set while the inner writer is called, so that `Drop` after a panic in it does not call
    /// it again.
    panicked: bool,
    /// An error of the inner writer that came after a `write` had taken bytes: the next call
    /// returns it, before anything else.
    deferred: Option<io::Error>,
}

impl<W: Write> DecompressingWriter<W> {
    /// A writer with the default options (64 KiB pages, 4-byte prefixes).
    pub fn new(inner: W) -> Self {
        Self::with_options(inner, &StreamOptions::new()).expect("the default options are valid")
    }

    /// A writer with `opts`: its page size, prefix, dictionary and end marker, as a reader's
    /// (the strategy, mode and threads do not matter here).
    ///
    /// # Errors
    ///
    /// `InvalidInput` for options that are not valid (see [`StreamOptions::validate`]) or for
    /// [`SizePrefix::OutOfBand`](crate::SizePrefix::OutOfBand), which needs
    /// [`with_block_sizes`](Self::with_block_sizes).
    pub fn with_options(inner: W, opts: &StreamOptions) -> io::Result<Self> {
        Ok(Self::build(inner, Decoder::new(opts, None)?))
    }

    /// A writer for a stream whose records have no prefixes
    /// ([`SizePrefix::OutOfBand`](crate::SizePrefix::OutOfBand)): the block sizes come from the
    /// application, in order, and the stream ends after the last.
    ///
    /// # Errors
    ///
    /// `InvalidInput` with any other prefix, or options that are not valid. A size of 0 or
    /// above `compress_bound(page_size)` is `InvalidData` when the writer reaches it.
    pub fn with_block_sizes(
        inner: W,
        opts: &StreamOptions,
        sizes: impl IntoIterator<Item = usize>,
    ) -> io::Result<Self> {
        let sizes = sizes.into_iter().collect();
        Ok(Self::build(inner, Decoder::new(opts, Some(sizes))?))
    }

    fn build(inner: W, decoder: Decoder) -> Self {
        DecompressingWriter {
            inner: Some(inner),
            decoder,
            total_in: 0,
            total_out: 0,
            panicked: false,
            deferred: None,
        }
    }

    /// The inner writer.
    pub fn get_ref(&self) -> &W {
        self.inner
            .as_ref()
            .expect("the inner writer is there until finish")
    }

    /// The inner writer, mutably. Writing to it directly mixes its bytes with the decoded ones.
    pub fn get_mut(&mut self) -> &mut W {
        self.inner
            .as_mut()
            .expect("the inner writer is there until finish")
    }

    /// Compressed bytes taken so far.
    pub fn total_in(&self) -> u64 {
        self.total_in
    }

    /// Decoded bytes the inner writer has taken so far.
    pub fn total_out(&self) -> u64 {
        self.total_out
    }

    /// Hands the inner writer the decoded bytes still waiting.
    fn write_output(&mut self) -> io::Result<()> {
        let inner = self
            .inner
            .as_mut()
            .expect("the inner writer is there until finish");
        loop {
            let output = self.decoder.output();
            if output.is_empty() {
                return Ok(());
            }
            self.panicked = true;
            let result = write_some(inner, output);
            self.panicked = false;
            let n = result?;
            self.decoder.consume(n);
            self.total_out += n as u64;
        }
    }

    /// Checks that the stream ended where a record ends, with its end marker if required, and
    /// hands the inner writer everything, then flushes it; the writer stays usable (the input
    /// may go on after an error). [`finish`](Self::finish) does this and gives the inner writer
    /// back.
    ///
    /// # Errors
    ///
    /// `UnexpectedEof` if the stream stops inside a record or lacks a required end marker;
    /// `InvalidData` if it failed on corrupt data; the inner writer's errors, untouched.
    pub fn try_finish(&mut self) -> io::Result<()> {
        if let Some(err) = self.deferred.take() {
            return Err(err);
        }
        self.write_output()?;
        self.decoder.end_of_input()?;
        if let Some(err) = self.decoder.failure() {
            return Err(err.clone().into());
        }
        self.flush_inner()
    }

    /// Finishes the stream (see [`try_finish`](Self::try_finish)) and gives the inner writer
    /// back.
    ///
    /// # Errors
    ///
    /// As [`try_finish`](Self::try_finish), with this writer given back in the
    /// [`FinishError`], so nothing is lost: write the rest of the stream, or let the inner
    /// writer recover, and finish again.
    pub fn finish(mut self) -> Result<W, FinishError<Self>> {
        match self.try_finish() {
            Ok(()) => Ok(self
                .inner
                .take()
                .expect("the inner writer is there until finish")),
            Err(err) => Err(FinishError::new(self, err)),
        }
    }

    fn flush_inner(&mut self) -> io::Result<()> {
        self.panicked = true;
        let result = self.get_mut().flush();
        self.panicked = false;
        result
    }
}

impl<W: Write> Write for DecompressingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let taken = self.take(buf)?;
        self.total_in += taken as u64;
        Ok(taken)
    }

    /// Hands the inner writer every decoded byte, and flushes it. (A block is decoded once all
    /// of its bytes are given: a partial record stays waiting.)
    ///
    /// # Errors
    ///
    /// The inner writer's, or the error that ended the stream (corrupt data).
    fn flush(&mut self) -> io::Result<()> {
        if let Some(err) = self.deferred.take() {
            return Err(err);
        }
        self.write_output()?;
        if let Some(err) = self.decoder.failure() {
            return Err(err.clone().into());
        }
        self.flush_inner()
    }
}

impl<W: Write> DecompressingWriter<W> {
    /// `write`, without the count of bytes taken.
    fn take(&mut self, buf: &[u8]) -> io::Result<usize> {
        if let Some(err) = self.deferred.take() {
            return Err(err);
        }
        let mut taken = 0;
        loop {
            match self.write_output() {
                Ok(()) => {}
                Err(err) if taken == 0 => return Err(err),
                // The page waits: the next call hands it over first, after returning the error
                // (unless it only said "not now": then it simply tries again).
                Err(err) => {
                    if !is_transient(&err) {
                        self.deferred = Some(err);
                    }
                    return Ok(taken);
                }
            }
            if taken == buf.len() {
                return Ok(taken);
            }
            match self.decoder.state() {
                State::Failed(err) if taken == 0 => return Err(err.clone().into()),
                State::Done if taken == 0 => return Err(Error::new(Reason::AfterEnd).into()),
                // What this call took is taken; the next call meets the end or the error.
                State::Failed(_) | State::Done => return Ok(taken),
                State::Prefix { .. } | State::Block { .. } => {}
            }
            // A record that fails is taken too (it is read, as a reader reads it); the error
            // comes now if the call took nothing before it, else with the next call.
            let rest = &buf[taken..];
            let before = taken;
            let result = match self.decoder.whole_record(rest) {
                Some(len) => {
                    taken += len;
                    self.decoder.decode_whole(&rest[..len]).map(drop)
                }
                None => {
                    let (n, complete) = self.decoder.feed(rest);
                    taken += n;
                    match complete {
                        Ok(true) => self.decoder.decode_held().map(drop),
                        other => other.map(drop),
                    }
                }
            };
            if let Err(err) = result {
                return if before == 0 {
                    Err(err.into())
                } else {
                    Ok(taken)
                };
            }
        }
    }
}

impl<W: Write> Drop for DecompressingWriter<W> {
    fn drop(&mut self) {
        if self.inner.is_some() && !self.panicked {
            // Best effort, as `BufWriter` does: errors here have nowhere to go.
            let _ = self.write_output();
        }
    }
}

impl<W: Write + fmt::Debug> fmt::Debug for DecompressingWriter<W> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DecompressingWriter")
            .field("inner", &self.inner)
            .field("page_size", &self.decoder.page_size())
            .field("blocks", &self.decoder.blocks())
            .field("total_in", &self.total_in())
            .field("unwritten", &self.decoder.output().len())
            .finish()
    }
}
