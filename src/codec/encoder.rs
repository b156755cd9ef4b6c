//! The record encoder: input in, records out, to whatever sink the front end gives it.
//!
//! [`Encoder`] gathers input into the compressor's page, in place, and compresses the page into
//! one record when it is full, so the stream does not depend on how the caller splits its
//! input. The record waits in `record` until the sink has taken all of it; every call first
//! hands the sink what is still waiting there and returns its error untouched (`Interrupted`,
//! `WouldBlock` or any other) before it takes new input. So when the sink fails, nothing is
//! lost or written twice, and the next call goes on where the last stopped.
//!
//! The encoder owns no I/O: each call is given the sink, any [`Write`]. The compressing writer
//! gives it its inner writer; the async writers a bridge to their inner writer that turns
//! `Pending` into `WouldBlock` and back (exact, since `WouldBlock` loses nothing);
//! [`CompressingReader`](crate::CompressingReader) the caller's read buffer, which says
//! `WouldBlock` when it is full. Input comes as a slice ([`write`](Encoder::write)) or is read
//! straight into the page ([`fill`](Encoder::fill)).
//!
//! With the double buffer, a write of two pages or more while the page is empty has its first
//! page copied into the page and compressed, and the pages after it compressed where they lie,
//! each with the page before it (in the caller's memory) as its history: the compressor's
//! table holds stream indexes, not addresses, so it serves either buffer. Only the last page's
//! last 64 KiB is then copied, as the history. That saves a copy of nearly every byte (3 to 4%
//! of the writer's time at 64 KiB and 1 MiB pages, measured with `perf`). Such a write hands
//! over one record per page; if the sink fails once pages have been taken, the write returns
//! them and the error waits for the next call, which returns it first (unless it only said
//! "not now", `Interrupted` or `WouldBlock`: the next call then simply tries again).
//!
//! With [`threads(n)`](crate::StreamOptions::threads), `n >= 2`, the pages go to a [`Pool`]
//! instead, which compresses them on `n` threads; the record waiting for the sink is then
//! followed by those the pool has compressed since, handed over in order by the same rule, and
//! every call makes room for one more job (waiting for the oldest, and handing it over) before
//! it takes input, so the same guarantees hold.

use std::io::{self, Write};

use crate::codec::compressor::Compressor;
use crate::codec::io::{is_transient, overclaimed, write_some};
use crate::error::{Error, Reason};
use crate::options::{compress_bound, SizePrefix, StreamOptions, WINDOW_SIZE};
use crate::parallel::Pool;
use crate::window::{grow, grow_exact};

/// The record encoder (see the module docs).
pub(crate) struct Encoder {
    /// What compresses: the serial compressor, or the pool of threads.
    engine: Engine,
    /// The latest record, and how much of it the sink has taken.
    out: Output,
    /// Block sizes not yet taken by the application, for out-of-band streams only.
    block_sizes: Option<Vec<usize>>,
    /// Whether `finish` writes an end marker.
    end_marker: bool,
    /// Set once the last record (the end marker, or the last block) is queued: no more input.
    finished: bool,
    /// An error of the sink that came after a write had taken input (see `write_pages`): the
    /// next call returns it, before anything else.
    deferred: Option<io::Error>,
    /// Input bytes taken so far.
    total_in: u64,
}

/// The latest record, waiting for the sink.
struct Output {
    /// The record, allocated once at its largest size.
    record: Vec<u8>,
    /// `record[written..len]` is what the sink has not taken yet.
    written: usize,
    /// End of the record in `record`.
    len: usize,
    /// Set while the sink runs, so that a front end's `Drop` after a panic in it writes nothing
    /// more (as `std::io::BufWriter` does).
    panicked: bool,
    /// Record bytes the sink has taken so far.
    total_out: u64,
}

impl Output {
    /// Makes the first `len` bytes of `record` the record to hand over.
    fn set(&mut self, len: usize) {
        self.written = 0;
        self.len = len;
    }

    /// Hands `sink` what is left of the record.
    fn hand_over<S: Write + ?Sized>(&mut self, sink: &mut S) -> io::Result<()> {
        while self.written < self.len {
            self.panicked = true;
            let result = write_some(sink, &self.record[self.written..self.len]);
            self.panicked = false;
            let n = result?;
            self.written += n;
            self.total_out += n as u64;
        }
        Ok(())
    }
}

impl Encoder {
    /// An encoder for `opts`.
    pub(crate) fn new(opts: &StreamOptions) -> io::Result<Self> {
        let (engine, record) = if opts.get_threads() >= 2 {
            opts.check_writer()?;
            // The pool swaps its records in: this one is only for the end marker.
            (Engine::Parallel(Pool::new(opts)), vec![0; 4])
        } else {
            // (The record grows with the pages compressed into it.)
            (Engine::Serial(Compressor::new(opts)?, 0), Vec::new())
        };
        Ok(Encoder {
            engine,
            out: Output {
                record,
                written: 0,
                len: 0,
                panicked: false,
                total_out: 0,
            },
            block_sizes: (opts.get_size_prefix() == SizePrefix::OutOfBand).then(Vec::new),
            end_marker: opts.get_end_marker(),
            finished: false,
            deferred: None,
            total_in: 0,
        })
    }

    /// The page size.
    pub(crate) fn page_size(&self) -> usize {
        self.engine.page_size()
    }

    /// Input bytes gathered and not yet compressed into a record.
    pub(crate) fn pending(&self) -> usize {
        self.engine.pending()
    }

    /// Record bytes not yet taken by the sink (the latest record's).
    pub(crate) fn unwritten(&self) -> usize {
        self.out.len - self.out.written
    }

    /// Whether the last record is queued.
    pub(crate) fn is_finished(&self) -> bool {
        self.finished
    }

    /// Whether the sink panicked in its latest call.
    pub(crate) fn panicked(&self) -> bool {
        self.out.panicked
    }

    /// Marks a call into the sink outside the encoder (its `flush`) as running.
    pub(crate) fn set_panicked(&mut self, running: bool) {
        self.out.panicked = running;
    }

    /// Input bytes taken so far.
    pub(crate) fn total_in(&self) -> u64 {
        self.total_in
    }

    /// Record bytes the sink has taken so far.
    pub(crate) fn total_out(&self) -> u64 {
        self.out.total_out
    }

    /// Drops the deferred error (a best-effort finish gives the waiting record one more try).
    pub(crate) fn forget_deferred(&mut self) {
        self.deferred = None;
    }

    /// The sizes of the blocks compressed and not yet taken (out-of-band streams only).
    pub(crate) fn block_sizes(&self) -> &[usize] {
        self.block_sizes.as_deref().unwrap_or_default()
    }

    /// The sizes of the blocks compressed since the last call (out-of-band streams only).
    pub(crate) fn take_block_sizes(&mut self) -> Vec<usize> {
        self.block_sizes
            .as_mut()
            .map(std::mem::take)
            .unwrap_or_default()
    }

    /// Hands `sink` what is left of the latest record (after returning the deferred error, if
    /// any), and with threads every record compressed since, in order (waiting for all in
    /// flight if `wait`).
    pub(crate) fn write_record<S: Write + ?Sized>(
        &mut self,
        sink: &mut S,
        wait: bool,
    ) -> io::Result<()> {
        if let Some(err) = self.deferred.take() {
            return Err(err);
        }
        loop {
            self.out.hand_over(sink)?;
            if !self.next_records(wait)? {
                return Ok(());
            }
        }
    }

    /// Makes room for more input: hands `sink` what waits, compresses a full page (and hands
    /// its record over), and with threads makes room for one more page in flight, handing
    /// `sink` the records compressed so far and waiting for the oldest if the pool is full.
    fn make_room<S: Write + ?Sized>(&mut self, sink: &mut S) -> io::Result<()> {
        self.write_record(sink, false)?;
        if self.seal_if_full()? {
            self.write_record(sink, false)?;
        }
        while matches!(&self.engine, Engine::Parallel(pool) if !pool.has_room()) {
            if !self.next_records(true)? {
                break;
            }
            self.write_record(sink, false)?;
        }
        Ok(())
    }

    /// With threads, and once the record is handed over: takes the next job's records from the
    /// pool as the record to hand over (waiting for them if `wait`). Whether there were any.
    fn next_records(&mut self, wait: bool) -> io::Result<bool> {
        let Engine::Parallel(pool) = &mut self.engine else {
            return Ok(false);
        };
        match pool.next_records(&mut self.out.record, self.block_sizes.as_mut(), wait)? {
            Some(len) => {
                self.out.set(len);
                Ok(true)
            }
            None => Ok(false),
        }
    }

    /// `Write::write`: takes input from `buf` (after handing `sink` what waits), compressing
    /// each page as it fills.
    pub(crate) fn write<S: Write + ?Sized>(
        &mut self,
        sink: &mut S,
        buf: &[u8],
    ) -> io::Result<usize> {
        // Room first, so that an error of the sink comes before any input is taken.
        self.make_room(sink)?;
        if self.finished {
            return Err(Error::new(Reason::Finished).into());
        }
        if let Engine::Serial(compressor, filled) = &self.engine {
            if *filled == 0
                && buf.len() >= 2 * compressor.page_size()
                && compressor.can_compress_in_place()
            {
                let n = self.write_pages(sink, buf)?;
                self.total_in += n as u64;
                return Ok(n);
            }
        }
        let n = match &mut self.engine {
            Engine::Serial(compressor, filled) => {
                let page = compressor.page_room(*filled, buf.len())?;
                let n = buf.len().min(page.len());
                page[..n].copy_from_slice(&buf[..n]);
                *filled += n;
                n
            }
            // (Closes the page when full, and submits the job when that fills it.)
            Engine::Parallel(pool) => pool.gather(buf)?,
        };
        self.took(n)
    }

    /// Takes input read straight into the page by `read` (given the page's free room, it
    /// returns how many bytes it put there, as [`Read::read`](io::Read::read) does), after
    /// handing `sink` what waits. `Ok(0)` from `read` is passed on.
    pub(crate) fn fill<S: Write + ?Sized>(
        &mut self,
        sink: &mut S,
        read: impl FnOnce(&mut [u8]) -> io::Result<usize>,
    ) -> io::Result<usize> {
        self.make_room(sink)?;
        if self.finished {
            return Err(Error::new(Reason::Finished).into());
        }
        let n = match &mut self.engine {
            Engine::Serial(compressor, filled) => {
                // Room that follows the data: what the page holds so far, at least 64 KiB.
                let want = (*filled).max(WINDOW_SIZE);
                let room = compressor.page_room(*filled, want)?;
                let room_len = room.len();
                let n = read(room)?;
                if n > room_len {
                    return Err(overclaimed("reader", n, room_len));
                }
                *filled += n;
                n
            }
            Engine::Parallel(pool) => pool.gather_with(read)?,
        };
        self.took(n)
    }

    /// Counts `n` bytes of input taken. A page that is now full is compressed by the next
    /// call ([`make_room`](Self::make_room), or [`seal_into`](Self::seal_into) straight into
    /// the caller's memory); the pool closes its own.
    fn took(&mut self, n: usize) -> io::Result<usize> {
        self.total_in += n as u64;
        Ok(n)
    }

    /// Compresses the page into the record if it is full (without threads; the record must
    /// have been handed over). Whether it did.
    fn seal_if_full(&mut self) -> io::Result<bool> {
        match self.engine {
            Engine::Serial(ref compressor, filled) if filled == compressor.page_size() => {
                self.seal_page()?;
                Ok(true)
            }
            _ => Ok(false),
        }
    }

    /// Compresses a full page straight into `dst` as one record, when nothing waits and `dst`
    /// has room for the largest record (without threads); returns the record's length, or
    /// `None` (nothing done) otherwise. This saves [`CompressingReader`](crate::CompressingReader)
    /// copying the record out of the encoder.
    pub(crate) fn seal_into(&mut self, dst: &mut [u8]) -> io::Result<Option<usize>> {
        let Engine::Serial(compressor, filled) = &mut self.engine else {
            return Ok(None);
        };
        if *filled < compressor.page_size()
            || self.out.written < self.out.len
            || dst.len() < compressor.record_bound()
        {
            return Ok(None);
        }
        let len = compressor.compress_page(*filled, dst)?;
        if let Some(sizes) = &mut self.block_sizes {
            sizes.push(len);
        }
        *filled = 0;
        self.out.total_out += len as u64;
        Ok(Some(len))
    }

    /// Compresses the whole pages at the front of `buf` (at least two), when the page is empty
    /// and the double buffer is used, without threads: the first through the page, the others
    /// where they lie (see the module documentation). Each record is handed to `sink` before
    /// the next page is compressed; the loop stops after the last whole page, or when the sink
    /// fails: the pages are taken, so the error is deferred to the next call (if it is more
    /// than "not now"), and the record waits like any other. Returns the bytes taken: at least
    /// one page.
    fn write_pages<S: Write + ?Sized>(&mut self, sink: &mut S, buf: &[u8]) -> io::Result<usize> {
        /// Makes the latest page compressed in place the history however the loop ends, a panic
        /// in the sink included, so that the history is never stale.
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
        compressor.page_room(0, page_size)?[..page_size].copy_from_slice(&buf[..page_size]);
        *filled = page_size;
        let bound = compressor.record_bound();
        grow_exact(&mut self.out.record, bound)?;
        self.seal_page()?;
        let mut taken = page_size;
        let Engine::Serial(compressor, _) = &mut self.engine else {
            unreachable!("the engine does not change");
        };
        let mut history = History {
            compressor,
            latest: None,
        };
        loop {
            if let Err(err) = self.out.hand_over(sink) {
                if !is_transient(&err) {
                    self.deferred = Some(err);
                }
                break;
            }
            if buf.len() - taken < page_size {
                break;
            }
            let len = history.compressor.compress_in_place(
                buf,
                taken,
                page_size,
                &mut self.out.record,
            )?;
            history.latest = Some(&buf[taken..taken + page_size]);
            taken += page_size;
            if let Some(sizes) = &mut self.block_sizes {
                sizes.push(len);
            }
            self.out.set(len);
        }
        Ok(taken)
    }

    /// Compresses the gathered bytes into the record (without threads; the record must be
    /// handed over).
    fn seal_page(&mut self) -> io::Result<()> {
        let Engine::Serial(compressor, filled) = &mut self.engine else {
            unreachable!("the pool closes its own pages");
        };
        debug_assert_eq!(self.out.written, self.out.len);
        let bound = compressor.size_prefix().width() + compress_bound(*filled);
        grow_exact(&mut self.out.record, bound)?;
        let len = compressor.compress_page(*filled, &mut self.out.record)?;
        if let Some(sizes) = &mut self.block_sizes {
            sizes.push(len);
        }
        *filled = 0;
        self.out.set(len);
        Ok(())
    }

    /// Compresses the partial page, if any, and hands `sink` every record (waiting for the
    /// pool). `flush` without the sink's own flush.
    pub(crate) fn write_pending<S: Write + ?Sized>(&mut self, sink: &mut S) -> io::Result<()> {
        self.make_room(sink)?;
        match &mut self.engine {
            Engine::Serial(_, filled) if *filled > 0 => self.seal_page()?,
            Engine::Serial(..) => {}
            Engine::Parallel(pool) => pool.submit()?,
        }
        self.write_record(sink, true)
    }

    /// Hands `sink` everything, then the end marker if configured; after it no more input is
    /// taken. `try_finish` without the sink's own flush.
    pub(crate) fn finish<S: Write + ?Sized>(&mut self, sink: &mut S) -> io::Result<()> {
        self.write_pending(sink)?;
        if !self.finished {
            self.finished = true;
            if self.end_marker {
                // The end marker is a zero prefix as wide as the others (the options'
                // rules guarantee there is a prefix).
                let width = self.engine.size_prefix().width();
                grow(&mut self.out.record, width)?;
                self.out.record[..width].fill(0);
                self.out.set(width);
            }
        }
        self.write_record(sink, true)
    }
}

/// What compresses.
enum Engine {
    /// One thread: the compressor, and how many bytes its page holds.
    Serial(Compressor, usize),
    /// `threads(n)`, `n >= 2`: the pool, which gathers its own pages.
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

    fn pending(&self) -> usize {
        match self {
            Engine::Serial(_, filled) => *filled,
            Engine::Parallel(pool) => pool.pending(),
        }
    }
}
