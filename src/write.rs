//! [`Lz4StreamWriter`]: compresses what is written to it into an inner writer.
//!
//! The writer gathers input into the compressor's page, in place, and compresses the page into
//! one record when it is full, so the stream does not depend on how the caller splits its
//! writes. The record waits in `record` until the inner writer has taken all of it; every call
//! first hands the inner writer what is still waiting there and returns its error untouched
//! (`Interrupted`, `WouldBlock` or any other) before it takes new input. So when the inner writer
//! fails, nothing is lost or written twice, and the next call goes on where the last stopped.
//!
//! With the double buffer, a write of two pages or more while the page is empty has its first
//! page copied into the page and compressed, and the pages after it compressed where they lie,
//! each with the page before it (in the caller's memory) as its history: the compressor's
//! table holds stream indexes, not addresses, so it serves either buffer. Only the last page's
//! last 64 KiB is then copied, as the history. That saves a copy of nearly every byte (3 to 4%
//! of the writer's time at 64 KiB and 1 MiB pages, measured with `perf`). Such a write hands
//! over one record per page; if the inner writer fails once pages have been taken, the write
//! returns them and the error waits for the next call, which returns it first.
//!
//! With [`threads(n)`](crate::StreamOptions::threads), `n >= 2`, the pages go to a
//! [`Pool`] instead, which compresses them on `n` threads; the record
//! waiting for the inner writer is then followed by those the pool has compressed since, handed
//! over in order by the same rule, and every call makes room for one more job (waiting for the
//! oldest, and handing it over) before it takes input, so the same guarantees hold.

use std::fmt;
use std::io::{self, Write};

use crate::compressor::Compressor;
use crate::error::{Error, Reason};
use crate::options::{SizePrefix, StreamOptions};
use crate::parallel::Pool;

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
    /// What compresses: the serial compressor, or the pool of threads.
    engine: Engine,
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
    /// An error of the inner writer that came after a write had taken input (see
    /// `write_pages`): the next call returns it, before anything else.
    deferred: Option<io::Error>,
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
        let (engine, record) = if opts.get_threads() >= 2 {
            opts.check_writer()?;
            // The pool swaps its records in: this one is only for the end marker.
            (Engine::Parallel(Pool::new(opts)), vec![0; 4])
        } else {
            let compressor = Compressor::new(opts)?;
            let record = vec![0; compressor.record_bound()];
            (Engine::Serial(compressor, 0), record)
        };
        Ok(Lz4StreamWriter {
            inner: Some(inner),
            engine,
            record,
            written: 0,
            len: 0,
            block_sizes: (opts.get_size_prefix() == SizePrefix::OutOfBand).then(Vec::new),
            end_marker: opts.get_end_marker(),
            finished: false,
            panicked: false,
            deferred: None,
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

    /// Hands the inner writer what is left of the latest record (after returning the deferred
    /// error, if any), and with threads every record compressed since, in order (waiting for
    /// all in flight if `wait`).
    fn write_record(&mut self, wait: bool) -> io::Result<()> {
        if let Some(err) = self.deferred.take() {
            return Err(err);
        }
        loop {
            hand_over(
                &mut self.inner,
                &self.record[..self.len],
                &mut self.written,
                &mut self.panicked,
            )?;
            if !self.next_records(wait)? {
                return Ok(());
            }
        }
    }

    /// With threads, makes room for one more page in flight: hands the inner writer the
    /// records compressed so far, waiting for the oldest if the pool is full.
    fn make_room(&mut self) -> io::Result<()> {
        self.write_record(false)?;
        while matches!(&self.engine, Engine::Parallel(pool) if !pool.has_room()) {
            if !self.next_records(true)? {
                break;
            }
            self.write_record(false)?;
        }
        Ok(())
    }

    /// With threads, and once the record is handed over: takes the next job's records from the
    /// pool as the record to hand over (waiting for them if `wait`). Whether there were any.
    fn next_records(&mut self, wait: bool) -> io::Result<bool> {
        let Engine::Parallel(pool) = &mut self.engine else {
            return Ok(false);
        };
        match pool.next_records(&mut self.record, self.block_sizes.as_mut(), wait)? {
            Some(len) => {
                self.written = 0;
                self.len = len;
                Ok(true)
            }
            None => Ok(false),
        }
    }

    /// Compresses the whole pages at the front of `buf` (at least two), when the page is empty
    /// and the double buffer is used, without threads: the first through the page, the others
    /// where they lie (see the module documentation). Each record is handed to the inner writer
    /// before the next page is compressed; the loop stops after the last whole page, or when
    /// the inner writer fails: the pages are taken, so the error is deferred to the next call,
    /// and the record waits like any other. Returns the bytes taken: at least one page.
    fn write_pages(&mut self, buf: &[u8]) -> io::Result<usize> {
        /// Makes the latest page compressed in place the history however the loop ends, a panic
        /// in the inner writer included, so that the history is never stale.
        struct History<'a, 'b> {
            compressor: &'a mut Compressor,
            latest: Option<&'b [u8]>,
        }
        impl Drop for History<'_, '_> {
            fn drop(&mut self) {
                if let Some(block) = self.latest {
                    self.compressor.remember(block);
                }
            }
        }

        let Engine::Serial(compressor, filled) = &mut self.engine else {
            unreachable!("only the serial compressor compresses in place");
        };
        let page_size = compressor.page_size();
        compressor.page_mut()[..page_size].copy_from_slice(&buf[..page_size]);
        *filled = page_size;
        self.seal_page()?;
        let Engine::Serial(compressor, _) = &mut self.engine else {
            unreachable!("the engine does not change");
        };
        let mut taken = page_size;
        let mut history = History {
            compressor,
            latest: None,
        };
        loop {
            let result = hand_over(
                &mut self.inner,
                &self.record[..self.len],
                &mut self.written,
                &mut self.panicked,
            );
            if let Err(err) = result {
                self.deferred = Some(err);
                break;
            }
            if buf.len() - taken < page_size {
                break;
            }
            let len =
                history
                    .compressor
                    .compress_in_place(buf, taken, page_size, &mut self.record)?;
            history.latest = Some(&buf[taken..taken + page_size]);
            taken += page_size;
            if let Some(sizes) = &mut self.block_sizes {
                sizes.push(len);
            }
            self.written = 0;
            self.len = len;
        }
        Ok(taken)
    }

    /// Compresses the gathered bytes into the record (without threads; the record must be
    /// written out).
    fn seal_page(&mut self) -> io::Result<()> {
        let Engine::Serial(compressor, filled) = &mut self.engine else {
            unreachable!("the pool closes its own pages");
        };
        debug_assert_eq!(self.written, self.len);
        let len = compressor.compress_page(*filled, &mut self.record)?;
        if let Some(sizes) = &mut self.block_sizes {
            sizes.push(len);
        }
        *filled = 0;
        self.written = 0;
        self.len = len;
        Ok(())
    }

    /// Writes out everything gathered so far as records, without flushing the inner writer.
    fn write_pending(&mut self) -> io::Result<()> {
        self.make_room()?;
        match &mut self.engine {
            Engine::Serial(_, filled) if *filled > 0 => self.seal_page()?,
            Engine::Serial(..) => {}
            Engine::Parallel(pool) => pool.submit()?,
        }
        self.write_record(true)
    }

    /// Writes everything out, then the end marker if configured, and flushes the inner writer;
    /// after it no more input is taken. [`finish`](Self::finish) calls it, then returns the
    /// inner writer.
    ///
    /// # Errors
    ///
    /// The inner writer's errors, untouched (`WouldBlock` included): call it again and it goes
    /// on where it stopped, nothing lost or written twice. `WriteZero` if the inner writer
    /// takes no bytes. With threads, [`Reason::WorkerPanicked`] if a compression thread
    /// panicked.
    pub fn try_finish(&mut self) -> io::Result<()> {
        self.write_pending()?;
        if !self.finished {
            self.finished = true;
            if self.end_marker {
                // The end marker is a zero prefix as wide as the others (the options'
                // rules guarantee there is a prefix).
                let width = self.engine.size_prefix().width();
                self.record[..width].fill(0);
                self.written = 0;
                self.len = width;
            }
        }
        self.write_record(true)?;
        self.flush_inner()
    }

    /// Finishes the stream (see [`try_finish`](Self::try_finish)) and returns the inner writer.
    ///
    /// # Errors
    ///
    /// Those of [`try_finish`](Self::try_finish). The writer is then dropped, and its drop
    /// makes one more best-effort attempt; to retry (after `WouldBlock`, say) and keep the
    /// writer, call `try_finish` until it succeeds.
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

/// What compresses a writer's pages.
enum Engine {
    /// The serial compressor (one thread; its tables kept across blocks) and the bytes
    /// gathered in its page.
    Serial(Compressor, usize),
    /// The pool of `threads(n)`, `n >= 2`, which gathers the page itself.
    Parallel(Pool),
}

impl Engine {
    fn page_size(&self) -> usize {
        match self {
            Engine::Serial(compressor, _) => compressor.page_size(),
            Engine::Parallel(pool) => pool.page_size(),
        }
    }

    fn size_prefix(&self) -> SizePrefix {
        match self {
            Engine::Serial(compressor, _) => compressor.size_prefix(),
            Engine::Parallel(pool) => pool.size_prefix(),
        }
    }

    /// Bytes gathered and not yet compressed (or submitted).
    fn pending(&self) -> usize {
        match self {
            Engine::Serial(_, filled) => *filled,
            Engine::Parallel(pool) => pool.pending(),
        }
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
        // Room first, so that an error of the inner writer comes before any input is taken.
        self.make_room()?;
        if self.finished {
            return Err(Error::new(Reason::Finished).into());
        }
        let n = match &mut self.engine {
            Engine::Serial(compressor, filled) => {
                if *filled == 0
                    && buf.len() >= 2 * compressor.page_size()
                    && compressor.can_compress_in_place()
                {
                    return self.write_pages(buf);
                }
                let page = &mut compressor.page_mut()[*filled..];
                let n = buf.len().min(page.len());
                page[..n].copy_from_slice(&buf[..n]);
                *filled += n;
                n
            }
            // (Closes the page when full, and submits the job when that fills it.)
            Engine::Parallel(pool) => return Ok(pool.gather(buf)?),
        };
        if self.engine.pending() == self.engine.page_size() {
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
            // Best effort, as `BufWriter` does: errors here have nowhere to go (a deferred one
            // included: the record it left waiting gets one more try).
            self.deferred = None;
            let _ = self.try_finish();
        }
    }
}

impl<W: Write + fmt::Debug> fmt::Debug for Lz4StreamWriter<W> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Lz4StreamWriter")
            .field("inner", &self.inner)
            .field("page_size", &self.engine.page_size())
            .field("pending", &self.engine.pending())
            .field("unwritten", &(self.len - self.written))
            .field("finished", &self.finished)
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
