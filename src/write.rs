//! [`Lz4StreamWriter`]: compresses what is written to it into an inner writer.
//!
//! A thin front end of the record encoder ([`Encoder`](crate::codec::encoder::Encoder)), whose
//! sink is the inner writer: the encoder gathers input into pages, compresses each full page
//! into a record, and hands the record to the inner writer before it takes more input, so an
//! error of the inner writer (`Interrupted`, `WouldBlock` or any other) loses nothing and
//! writes nothing twice. Its module documentation tells the rest: large writes compressed in
//! place, and the pool of threads.

use std::fmt;
use std::io::{self, Write};

use crate::codec::encoder::Encoder;
use crate::error::FinishError;
use crate::options::StreamOptions;

/// Compresses bytes written to it as an LZ4 stream into an inner writer.
///
/// - [`flush`](Write::flush) ends the partial page as a shorter block and flushes the inner
///   writer, so the other end can decode everything written so far (a socket, a pipe).
/// - [`finish`](Self::finish) writes the rest and the end marker (if the options ask for one),
///   flushes, and returns the inner writer; if that fails, the writer comes back in the
///   [`FinishError`]. Dropping an unfinished writer makes a best-effort finish and ignores its
///   errors: call `finish` to see them.
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
    /// The pages, the compressor (or the pool of threads), and the record waiting.
    encoder: Encoder,
}

impl<W: Write> Lz4StreamWriter<W> {
    /// A writer with the default options (64 KiB pages, 4-byte prefixes, double buffer).
    pub fn new(inner: W) -> Self {
        Self::with_options(inner, &StreamOptions::new()).expect("the default options are valid")
    }

    /// A writer with `opts`.
    ///
    /// # Errors
    ///
    /// `InvalidInput` if the options break a writer's rules ([`StreamOptions::validate`];
    /// `FORMAT.md`, "Records").
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
        Ok(Lz4StreamWriter {
            inner: Some(inner),
            encoder: Encoder::new(opts)?,
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

    /// Uncompressed bytes taken so far.
    pub fn total_in(&self) -> u64 {
        self.encoder.total_in()
    }

    /// Compressed bytes the inner writer has taken so far.
    pub fn total_out(&self) -> u64 {
        self.encoder.total_out()
    }

    /// The sizes of the blocks written since the last call, for streams with
    /// [`SizePrefix::OutOfBand`](crate::SizePrefix::OutOfBand) (empty for others): the reader needs them, in order.
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
        self.encoder.take_block_sizes()
    }

    /// The sizes of the blocks written since [`take_block_sizes`](Self::take_block_sizes) was
    /// last called, without taking them. The writer keeps one `usize` per block until they
    /// are taken (8 bytes a block on 64-bit targets: 134 MB for 16 MiB written in 1-byte
    /// pages), so an application that writes long out-of-band streams should take them as it
    /// goes, as it must send them anyway.
    pub fn block_sizes(&self) -> &[usize] {
        self.encoder.block_sizes()
    }

    /// Writes everything out, then the end marker if configured, and flushes the inner writer;
    /// after it no more input is taken. [`finish`](Self::finish) calls it, then returns the
    /// inner writer.
    ///
    /// # Errors
    ///
    /// The inner writer's errors, untouched (`WouldBlock` included): call it again and it goes
    /// on where it stopped, nothing lost or written twice. `WriteZero` if the inner writer
    /// takes no bytes. With threads, [`Reason::WorkerPanicked`](crate::Reason::WorkerPanicked) if a compression thread
    /// panicked.
    pub fn try_finish(&mut self) -> io::Result<()> {
        let inner = self
            .inner
            .as_mut()
            .expect("the inner writer is there until finish");
        self.encoder.finish(inner)?;
        self.flush_inner()
    }

    /// Finishes the stream (see [`try_finish`](Self::try_finish)) and returns the inner writer.
    ///
    /// # Errors
    ///
    /// Those of [`try_finish`](Self::try_finish), with this writer given back in the
    /// [`FinishError`], so nothing is lost: call `finish` again (after `WouldBlock`, say).
    /// Dropping the [`FinishError`] (or converting it into its [`io::Error`], as `?` does)
    /// drops the writer, which makes one more best-effort attempt.
    pub fn finish(mut self) -> Result<W, FinishError<Self>> {
        match self.try_finish() {
            Ok(()) => Ok(self
                .inner
                .take()
                .expect("the inner writer is there until finish")),
            Err(err) => Err(FinishError::new(self, err)),
        }
    }

    /// Flushes the inner writer, marked as a call into it (see `Drop`).
    fn flush_inner(&mut self) -> io::Result<()> {
        let inner = self
            .inner
            .as_mut()
            .expect("the inner writer is there until finish");
        flush_marked(inner, &mut self.encoder)
    }
}

/// Flushes `inner`; a panic in it leaves the encoder marked as panicked, so `Drop` does not
/// call the inner writer again.
fn flush_marked<W: Write>(inner: &mut W, encoder: &mut Encoder) -> io::Result<()> {
    encoder.set_panicked(true);
    let result = inner.flush();
    encoder.set_panicked(false);
    result
}

impl<W: Write> Write for Lz4StreamWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let inner = self
            .inner
            .as_mut()
            .expect("the inner writer is there until finish");
        self.encoder.write(inner, buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        let inner = self
            .inner
            .as_mut()
            .expect("the inner writer is there until finish");
        self.encoder.write_pending(inner)?;
        self.flush_inner()
    }
}

impl<W: Write> Drop for Lz4StreamWriter<W> {
    fn drop(&mut self) {
        if self.inner.is_some() && !self.encoder.panicked() {
            // Best effort, as `BufWriter` does: errors here have nowhere to go (a deferred one
            // included: the record it left waiting gets one more try).
            self.encoder.forget_deferred();
            let _ = self.try_finish();
        }
    }
}

impl<W: Write + fmt::Debug> fmt::Debug for Lz4StreamWriter<W> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Lz4StreamWriter")
            .field("inner", &self.inner)
            .field("page_size", &self.encoder.page_size())
            .field("pending", &self.encoder.pending())
            .field("unwritten", &self.encoder.unwritten())
            .field("finished", &self.encoder.is_finished())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Lz4StreamReader;
    use std::io::Read;

    /// Panics once, on its `panic_at`-th call.
    struct PanicsOnce {
        out: Vec<u8>,
        calls: usize,
        panic_at: usize,
    }

    impl Write for PanicsOnce {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            self.calls += 1;
            if self.calls == self.panic_at {
                panic!("inner writer panics");
            }
            self.out.extend_from_slice(buf);
            Ok(buf.len())
        }

        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    /// A write compressed in place whose inner writer panics between two pages leaves the
    /// history right, so that a caller that catches the panic and goes on makes a valid stream.
    #[test]
    fn in_place_history_survives_a_panicking_inner_writer() {
        let data: Vec<u8> = (0..2000u32)
            .flat_map(|i| format!("{} {} ", i % 97, i * 7919 % 1009).into_bytes())
            .collect();
        let opts = StreamOptions::new().page_size(1000);
        let inner = PanicsOnce {
            out: Vec::new(),
            calls: 0,
            panic_at: 3,
        };
        let mut writer = Lz4StreamWriter::with_options(inner, &opts).unwrap();
        // The first page goes through the page (writes shorter than a page), so the history
        // in the window is that page.
        writer.write_all(&data[..500]).unwrap();
        writer.write_all(&data[500..1000]).unwrap();
        let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            writer.write(&data[1000..8000]).unwrap()
        }));
        assert!(caught.is_err());
        // Two more pages were taken: the second's record waits, and the history must be that
        // page, not the first write's.
        writer.write_all(&data[3000..]).unwrap();
        let stream = writer.finish().unwrap().out;
        let mut decoded = Vec::new();
        Lz4StreamReader::with_options(&stream[..], &opts)
            .unwrap()
            .read_to_end(&mut decoded)
            .unwrap();
        assert!(decoded == data);
    }
}
