//! [`Lz4StreamWriter`]: compresses what is written to it into an inner writer.
//!
//! The writer gathers input into the compressor's page, in place, and compresses the page into
//! one record when it is full, so the stream does not depend on how the caller splits its
//! writes. The record waits in `record` until the inner writer has taken all of it; every call
//! first hands the inner writer what is still waiting there and returns its error untouched
//! (`Interrupted`, `WouldBlock` or any other) before it takes new input. So when the inner writer
//! fails, nothing is lost or written twice, and the next call goes on where the last stopped.
//!
//! Every byte is copied into the page, large writes too: the compressor's hash table, kept
//! across blocks, points into the window, and one copy per byte is what liblz4's users pay in
//! its double-buffer layout as well (a few percent of the compression's time).

use std::fmt;
use std::io::{self, Write};

use crate::compressor::Compressor;
use crate::error::{Error, Reason};
use crate::options::{SizePrefix, StreamOptions};

/// Compresses bytes written to it as an LZ4 stream into an inner writer.
///
/// - [`flush`](Write::flush) ends the partial page as a shorter block and flushes the inner
///   writer, so the other end can decode everything written so far (a socket, a pipe).
/// - [`finish`](Self::finish) writes the rest and the end marker (if the options ask for one),
///   flushes, and returns the inner writer. Dropping an unfinished writer makes a best-effort
///   finish and ignores its errors: call `finish` to see them.
///
/// ```
/// use std::io::{Read, Write};
/// use lz4_stream::{Lz4StreamReader, Lz4StreamWriter};
///
/// let mut writer = Lz4StreamWriter::new(Vec::new());
/// for _ in 0..1000 {
///     writer.write_all(b"a line of text that repeats\n")?;
/// }
/// let stream = writer.finish()?;
/// assert!(stream.len() < 1000);
///
/// let mut text = String::new();
/// Lz4StreamReader::new(&stream[..]).read_to_string(&mut text)?;
/// assert_eq!(text, "a line of text that repeats\n".repeat(1000));
/// # Ok::<(), std::io::Error>(())
/// ```
pub struct Lz4StreamWriter<W: Write> {
    /// The inner writer; `None` only once `finish` has taken it.
    inner: Option<W>,
    /// Holds the page being gathered and the history.
    compressor: Compressor,
    /// Bytes gathered in the compressor's page so far.
    filled: usize,
    /// The latest record, allocated once at its largest size.
    record: Vec<u8>,
    /// `record[written..len]` is what the inner writer has not taken yet.
    written: usize,
    /// End of the record in `record`.
    len: usize,
    /// Block sizes not yet taken by the application, for out-of-band streams only.
    block_sizes: Option<Vec<usize>>,
    /// Whether `finish` writes an end marker.
    end_marker: bool,
    /// Set once the last record (the end marker, or the last block) is queued: no more input.
    finished: bool,
    /// Set while the inner writer runs, so that `Drop` after a panic in it writes nothing more
    /// (as `std::io::BufWriter` does).
    panicked: bool,
}

impl<W: Write> Lz4StreamWriter<W> {
    /// A writer with the default options (64 KiB pages, 4-byte prefixes, double buffer).
    pub fn new(inner: W) -> Self {
        Self::with_options(inner, &StreamOptions::new()).expect("the default options are valid")
    }

    /// A writer with `opts`; `InvalidInput` if they break a writer's rules (SPEC 1.2).
    ///
    /// ```
    /// use lz4_stream::{Lz4StreamWriter, SizePrefix, StreamOptions, Strategy};
    ///
    /// let opts = StreamOptions::new()
    ///     .page_size(16 * 1024)
    ///     .size_prefix(SizePrefix::U16)
    ///     .strategy(Strategy::RingBuffer { window: 65_536 })
    ///     .end_marker(true);
    /// let writer = Lz4StreamWriter::with_options(Vec::new(), &opts)?;
    /// let stream = writer.finish()?;
    /// assert_eq!(stream, [0, 0]); // an empty stream: just the end marker
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn with_options(inner: W, opts: &StreamOptions) -> io::Result<Self> {
        let compressor = Compressor::new(opts)?;
        let record = vec![0; compressor.record_bound()];
        Ok(Lz4StreamWriter {
            inner: Some(inner),
            compressor,
            filled: 0,
            record,
            written: 0,
            len: 0,
            block_sizes: (opts.get_size_prefix() == SizePrefix::OutOfBand).then(Vec::new),
            end_marker: opts.get_end_marker(),
            finished: false,
            panicked: false,
        })
    }

    /// The inner writer.
    pub fn get_ref(&self) -> &W {
        self.inner
            .as_ref()
            .expect("the inner writer is there until finish")
    }

    /// The inner writer, mutably. Writing to it directly corrupts the stream.
    pub fn get_mut(&mut self) -> &mut W {
        self.inner
            .as_mut()
            .expect("the inner writer is there until finish")
    }

    /// The sizes of the blocks written since the last call, for streams with
    /// [`SizePrefix::OutOfBand`] (empty for others): the reader needs them, in order.
    ///
    /// ```
    /// use std::io::{Read, Write};
    /// use lz4_stream::{Lz4StreamReader, Lz4StreamWriter, SizePrefix, StreamOptions};
    ///
    /// let opts = StreamOptions::new().page_size(1024).size_prefix(SizePrefix::OutOfBand);
    /// let mut writer = Lz4StreamWriter::with_options(Vec::new(), &opts)?;
    /// writer.write_all(&[7; 3000])?;
    /// writer.try_finish()?;
    /// let sizes = writer.take_block_sizes();
    /// assert_eq!(sizes.len(), 3);
    /// let stream = writer.finish()?;
    ///
    /// let mut reader = Lz4StreamReader::with_block_sizes(&stream[..], &opts, sizes)?;
    /// let mut data = Vec::new();
    /// reader.read_to_end(&mut data)?;
    /// assert_eq!(data, [7; 3000]);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn take_block_sizes(&mut self) -> Vec<usize> {
        self.block_sizes
            .as_mut()
            .map(std::mem::take)
            .unwrap_or_default()
    }

    /// Hands the inner writer what is left of the latest record.
    fn write_record(&mut self) -> io::Result<()> {
        hand_over(
            &mut self.inner,
            &self.record[..self.len],
            &mut self.written,
            &mut self.panicked,
        )
    }

    /// Compresses the gathered bytes into the record. The record must be written out.
    fn seal_page(&mut self) -> io::Result<()> {
        debug_assert_eq!(self.written, self.len);
        let len = self
            .compressor
            .compress_page(self.filled, &mut self.record)?;
        if let Some(sizes) = &mut self.block_sizes {
            sizes.push(len);
        }
        self.filled = 0;
        self.written = 0;
        self.len = len;
        Ok(())
    }

    /// Writes out everything gathered so far as records, without flushing the inner writer.
    fn write_pending(&mut self) -> io::Result<()> {
        self.write_record()?;
        if self.filled > 0 {
            self.seal_page()?;
            self.write_record()?;
        }
        Ok(())
    }

    /// Writes everything out, then the end marker if configured, and flushes the inner writer;
    /// after it no more input is taken. On error (`WouldBlock` included) call it again: it goes
    /// on where it stopped. [`finish`](Self::finish) calls it, then returns the inner writer.
    pub fn try_finish(&mut self) -> io::Result<()> {
        self.write_pending()?;
        if !self.finished {
            self.finished = true;
            if self.end_marker {
                // The end marker is a zero prefix as wide as the others (the options'
                // rules guarantee there is a prefix).
                let width = self.compressor.size_prefix().width();
                self.record[..width].fill(0);
                self.written = 0;
                self.len = width;
            }
        }
        self.write_record()?;
        self.flush_inner()
    }

    /// Finishes the stream (see [`try_finish`](Self::try_finish)) and returns the inner writer.
    ///
    /// On error the writer is dropped, and its drop makes one more best-effort attempt; to
    /// retry (after `WouldBlock`, say) and keep the writer, call `try_finish` until it succeeds.
    pub fn finish(mut self) -> io::Result<W> {
        self.try_finish()?;
        Ok(self
            .inner
            .take()
            .expect("the inner writer is there until finish"))
    }

    fn flush_inner(&mut self) -> io::Result<()> {
        self.panicked = true;
        let result = self.get_mut().flush();
        self.panicked = false;
        result
    }
}

/// Hands `inner` the bytes of `record` from `written` on, counting them in `written`, and
/// returns the inner writer's error untouched. `panicked` is set while the inner writer runs.
fn hand_over<W: Write>(
    inner: &mut Option<W>,
    record: &[u8],
    written: &mut usize,
    panicked: &mut bool,
) -> io::Result<()> {
    let inner = inner
        .as_mut()
        .expect("the inner writer is there until finish");
    while *written < record.len() {
        *panicked = true;
        let result = inner.write(&record[*written..]);
        *panicked = false;
        match result {
            Ok(0) => {
                return Err(io::Error::new(
                    io::ErrorKind::WriteZero,
                    "the inner writer accepts no more bytes",
                ))
            }
            Ok(n) => *written += n,
            Err(err) => return Err(err),
        }
    }
    Ok(())
}

impl<W: Write> Write for Lz4StreamWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.write_record()?;
        if self.finished {
            return Err(Error::new(Reason::Finished).into());
        }
        let page = &mut self.compressor.page_mut()[self.filled..];
        let n = buf.len().min(page.len());
        page[..n].copy_from_slice(&buf[..n]);
        self.filled += n;
        if self.filled == self.compressor.page_size() {
            self.seal_page()?;
        }
        Ok(n)
    }

    /// Ends the partial page as a block (if any bytes are waiting) and flushes the inner writer.
    fn flush(&mut self) -> io::Result<()> {
        self.write_pending()?;
        self.flush_inner()
    }
}

impl<W: Write> Drop for Lz4StreamWriter<W> {
    fn drop(&mut self) {
        if self.inner.is_some() && !self.panicked {
            // Best effort, as `BufWriter` does: errors here have nowhere to go.
            let _ = self.try_finish();
        }
    }
}

impl<W: Write + fmt::Debug> fmt::Debug for Lz4StreamWriter<W> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Lz4StreamWriter")
            .field("inner", &self.inner)
            .field("page_size", &self.compressor.page_size())
            .field("filled", &self.filled)
            .field("pending", &(self.len - self.written))
            .field("finished", &self.finished)
            .finish()
    }
}
