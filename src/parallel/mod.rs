//! Parallel compression: pages compressed on a pool of threads, records handed out in order.
//!
//! Each block of the stream format depends only on uncompressed bytes: its page and the
//! history before it (the previous page for the double buffer, the last `window` bytes for the
//! ring, the dictionary first). So pages can be compressed on any thread, given a copy of that
//! history. A [`Job`] is one buffer `[history | pages]`: consecutive pages, up to
//! [`JOB_BYTES`] (at least one page; a flush ends a job early). A worker empties its tables,
//! loads the history into them as a dictionary (as liblz4's `LZ4_loadDict` and
//! `LZ4_loadDictHC` do), compresses the pages in order into records, each page finding the
//! ones before it in the tables as in the serial compressor, and sends the records back with
//! the job's sequence number; [`Pool`] hands them out in sequence. Jobs of several pages
//! matter to the fast compressor: loading a 64 KiB history costs a quarter of compressing a
//! 64 KiB page (perf: 20% of the threads' time with one page per job, 5% with 256 KiB jobs),
//! and so does waking a thread for little work: on 2 cores at 64 KiB pages, two threads ran
//! 1.15x the serial writer's speed with one page per job, 1.38-1.54x with 256 KiB jobs,
//! 1.51x with 512 KiB and 1.49x with 1 MiB (`benches/throughput.rs`, 11 rounds each): past
//! 256 KiB the limit is the two cores, shared by the threads and the writer's own copies, and
//! larger jobs only cost memory (a writer at `threads(4)`: 8.8 MB of peak heap with 256 KiB
//! jobs, 15.7 MB with 512 KiB). The fast compressor then loads only the last 32 KiB of the
//! history ([`FAST_DICTIONARY`]), which halves the load for 0.05% of size: 1.53-1.63x.
//!
//! Every block thus depends on its job's history and pages alone, never on which thread
//! compressed it or when; and jobs are cut by the input and the flushes only: the stream is
//! the same for every number of threads (from 2: one thread keeps the serial compressor,
//! whose tables are kept across every block).
//!
//! Memory stays bounded by the options: at most `2n` jobs are in flight (submitted, and not yet
//! handed out), each with its buffer and its records, and their buffers are reused. The writer
//! waits for the oldest job when the limit is reached, so a slow inner writer stalls the
//! caller instead of queueing without limit.
//!
//! The pool is `std::thread` and `std::sync::mpsc`: one channel of jobs shared by the workers
//! behind a mutex, one channel of results. That is all this needs (no work stealing, no
//! scoped borrowing: jobs own their buffers), and it keeps the crate free of dependencies. A
//! worker that panics (a bug) sends a failure instead of its record; the pool then fails every
//! later call rather than hang or write a stream with a hole in it. Dropping the pool closes the
//! jobs channel and joins the workers, each of which stops after its current job.

use std::collections::BTreeMap;
use std::panic::{self, AssertUnwindSafe};
use std::sync::mpsc::{self, Receiver, Sender, TryRecvError};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use crate::block::Matcher;
use crate::codec::compressor::matcher_for;
use crate::error::{Error, Reason};
use crate::options::{compress_bound, Mode, SizePrefix, Strategy, StreamOptions, WINDOW_SIZE};
use crate::record::write_prefix;
use crate::window::{grow, grow_exact};

/// Consecutive pages to compress: `input[..history]` is the history of the first, the pages
/// follow, of the lengths `pages`.
struct Job {
    seq: u64,
    input: Vec<u8>,
    history: usize,
    pages: Vec<usize>,
    /// Where the records go (room for each page's prefix and largest block).
    record: Vec<u8>,
    /// The length of each page's record.
    records: Vec<usize>,
    /// Makes the worker panic, to test what a panic does.
    #[cfg(test)]
    panic: bool,
}

/// Compressed pages: their records, one after the other in `record`, or `ok == false` if the
/// worker panicked.
struct Done {
    seq: u64,
    input: Vec<u8>,
    record: Vec<u8>,
    records: Vec<usize>,
    ok: bool,
}

/// How much input a job holds at most (at least one page): enough that loading its history,
/// and waking a thread for it, cost little beside compressing it.
const JOB_BYTES: usize = 256 * 1024;

/// How much of a job's history the fast compressor loads into its table.
const FAST_DICTIONARY: usize = 32 * 1024;

/// The worker pool of one writer, and the page being gathered.
pub(crate) struct Pool {
    /// Jobs for the workers; `None` once dropped (which stops them).
    jobs: Option<Sender<Job>>,
    /// Compressed pages, in any order.
    results: Receiver<Done>,
    workers: Vec<JoinHandle<()>>,
    /// Pages received ahead of their turn.
    ready: BTreeMap<u64, Done>,
    /// The sequence number of the next job submitted, and of the next record handed out.
    next_seq: u64,
    next_out: u64,
    /// Jobs submitted and not yet handed out, and how many may be.
    in_flight: usize,
    max_in_flight: usize,
    /// The job being gathered: `input[..history]` is its history, then the pages closed so
    /// far (of the lengths `pages`), then the page being filled.
    input: Vec<u8>,
    history: usize,
    pages: Vec<usize>,
    /// Bytes of the closed pages.
    closed: usize,
    /// Pages a job holds at most.
    pages_per_job: usize,
    /// Reused buffers.
    spare_inputs: Vec<Vec<u8>>,
    spare_records: Vec<Vec<u8>>,
    page_size: usize,
    prefix: SizePrefix,
    /// The bytes of history a page may reference: the previous page (`None`, the double
    /// buffer) or the ring's window.
    ring_window: Option<usize>,
    /// Set once a worker panicked: every later call fails.
    failed: bool,
    /// The workers' shared queue, to see in tests that they all stopped.
    #[cfg(test)]
    queue: std::sync::Weak<Mutex<Receiver<Job>>>,
    /// Makes the next job's worker panic.
    #[cfg(test)]
    panic_next: bool,
}

impl Pool {
    /// A pool of `opts.get_threads()` workers for a writer with `opts` (already checked).
    pub(crate) fn new(opts: &StreamOptions) -> Pool {
        let threads = opts.get_threads().max(1);
        let ring_window = match opts.get_strategy() {
            Strategy::DoubleBuffer => None,
            Strategy::RingBuffer { window } => Some(window),
        };
        let (jobs, job_queue) = mpsc::channel::<Job>();
        let (done, results) = mpsc::channel::<Done>();
        let job_queue = Arc::new(Mutex::new(job_queue));
        let workers = (0..threads)
            .map(|_| {
                let (job_queue, done) = (Arc::clone(&job_queue), done.clone());
                let (mode, prefix) = (opts.get_mode(), opts.get_size_prefix());
                std::thread::spawn(move || work(&job_queue, &done, mode, prefix, ring_window))
            })
            .collect();
        let page_size = opts.get_page_size();
        let mut pool = Pool {
            jobs: Some(jobs),
            results,
            workers,
            ready: BTreeMap::new(),
            next_seq: 0,
            next_out: 0,
            in_flight: 0,
            max_in_flight: 2 * threads,
            input: Vec::new(),
            history: 0,
            pages: Vec::new(),
            closed: 0,
            pages_per_job: (JOB_BYTES / page_size).max(1),
            spare_inputs: Vec::new(),
            spare_records: Vec::new(),
            page_size,
            prefix: opts.get_size_prefix(),
            ring_window,
            failed: false,
            #[cfg(test)]
            queue: Arc::downgrade(&job_queue),
            #[cfg(test)]
            panic_next: false,
        };
        let dictionary = opts.dictionary_window();
        let reach = ring_window.unwrap_or(WINDOW_SIZE).min(dictionary.len());
        pool.input = pool.new_input(&dictionary[dictionary.len() - reach..]);
        pool
    }

    /// A buffer for the next page, starting with `history`.
    fn new_input(&mut self, history: &[u8]) -> Vec<u8> {
        // (A new buffer grows with the pages gathered into it; spare ones are reused.)
        let mut input = self.spare_inputs.pop().unwrap_or_default();
        input.clear();
        input.extend_from_slice(history);
        self.history = history.len();
        input
    }

    /// The page size.
    pub(crate) fn page_size(&self) -> usize {
        self.page_size
    }

    /// How records state their size.
    pub(crate) fn size_prefix(&self) -> SizePrefix {
        self.prefix
    }

    /// Bytes gathered in the page being filled so far.
    pub(crate) fn filled(&self) -> usize {
        self.input.len() - self.history - self.closed
    }

    /// Bytes gathered and not yet submitted.
    pub(crate) fn pending(&self) -> usize {
        self.input.len() - self.history
    }

    /// Adds bytes to the page (at most what is left of it); returns how many it took. When
    /// the page is full it is closed, and when the job is full it is submitted, which needs
    /// [`has_room`](Self::has_room).
    pub(crate) fn gather(&mut self, buf: &[u8]) -> Result<usize, Error> {
        let n = buf.len().min(self.page_size - self.filled());
        self.input.try_reserve(n).map_err(|_| {
            Error::new(Reason::OutOfMemory {
                bytes: self.input.len() + n,
            })
        })?;
        self.input.extend_from_slice(&buf[..n]);
        self.close_if_full()?;
        Ok(n)
    }

    /// Closes the page if it is full, and submits the job if that fills it.
    fn close_if_full(&mut self) -> Result<(), Error> {
        if self.filled() == self.page_size {
            self.pages.push(self.page_size);
            self.closed += self.page_size;
            if self.pages.len() == self.pages_per_job {
                self.submit()?;
            }
        }
        Ok(())
    }

    /// Adds the bytes `read` puts in the page's free room (it returns how many, as
    /// [`Read::read`](std::io::Read::read) does); otherwise as [`gather`](Self::gather).
    pub(crate) fn gather_with(
        &mut self,
        read: impl FnOnce(&mut [u8]) -> std::io::Result<usize>,
    ) -> std::io::Result<usize> {
        // Room that follows the data: what the page holds so far, at least 64 KiB.
        let room = (self.page_size - self.filled()).min(self.filled().max(WINDOW_SIZE));
        let at = self.input.len();
        grow(&mut self.input, at + room)?;
        let n = match read(&mut self.input[at..]) {
            Ok(n) if n <= room => n,
            Ok(n) => {
                self.input.truncate(at);
                return Err(crate::codec::io::overclaimed("reader", n, room));
            }
            Err(err) => {
                self.input.truncate(at);
                return Err(err);
            }
        };
        self.input.truncate(at + n);
        self.close_if_full()?;
        Ok(n)
    }

    /// Whether another job may be submitted now (else [`next_records`](Self::next_records) must
    /// hand one out first).
    pub(crate) fn has_room(&self) -> bool {
        self.in_flight < self.max_in_flight
    }

    /// Submits what was gathered (the last page may be partial) as the next job, if anything
    /// was; the next job's history is taken from it. Needs [`has_room`](Self::has_room).
    pub(crate) fn submit(&mut self) -> Result<(), Error> {
        self.check()?;
        if self.filled() > 0 {
            self.pages.push(self.filled());
            self.closed += self.filled();
        }
        if self.pages.is_empty() {
            return Ok(());
        }
        debug_assert!(self.has_room());
        let last = *self.pages.last().expect("a page");
        let reach = match self.ring_window {
            None => last.min(WINDOW_SIZE),
            Some(window) => window.min(self.input.len()),
        };
        let input = std::mem::take(&mut self.input);
        let history = self.history;
        self.input = self.new_input(&input[input.len() - reach..]);
        self.closed = 0;
        let pages = std::mem::take(&mut self.pages);
        // Room for each page's prefix and largest block: what the pages hold, not what the
        // page size allows.
        let size = pages
            .iter()
            .map(|&len| self.prefix.width() + compress_bound(len))
            .sum();
        let mut record = self.spare_records.pop().unwrap_or_default();
        grow_exact(&mut record, size)?;
        let job = Job {
            seq: self.next_seq,
            input,
            history,
            pages,
            record,
            records: Vec::new(),
            #[cfg(test)]
            panic: std::mem::take(&mut self.panic_next),
        };
        let sent = self.jobs.as_ref().map(|jobs| jobs.send(job).is_ok());
        if sent != Some(true) {
            // Every worker is gone: only a panic outside the guarded compression does that.
            self.failed = true;
            return self.check();
        }
        self.next_seq += 1;
        self.in_flight += 1;
        Ok(())
    }

    /// Hands out the records of the next job in sequence, if it is compressed (waiting for it
    /// if `wait`): swaps them into `record` and returns their length (the previous contents of
    /// `record` are kept for reuse), adding each record's length to `sizes`. `None` when no job
    /// is in flight, or none is ready and `wait` is false.
    pub(crate) fn next_records(
        &mut self,
        record: &mut Vec<u8>,
        sizes: Option<&mut Vec<usize>>,
        wait: bool,
    ) -> Result<Option<usize>, Error> {
        self.check()?;
        loop {
            if let Some(done) = self.ready.remove(&self.next_out) {
                self.next_out += 1;
                self.in_flight -= 1;
                self.spare_inputs.push(done.input);
                if !done.ok {
                    self.failed = true;
                    return self.check().map(|()| None);
                }
                if let Some(sizes) = sizes {
                    sizes.extend_from_slice(&done.records);
                }
                let len = done.records.iter().sum();
                let previous = std::mem::replace(record, done.record);
                self.spare_records.push(previous);
                return Ok(Some(len));
            }
            if self.in_flight == 0 {
                return Ok(None);
            }
            let done = if wait {
                self.results.recv().ok()
            } else {
                match self.results.try_recv() {
                    Ok(done) => Some(done),
                    Err(TryRecvError::Empty) => return Ok(None),
                    Err(TryRecvError::Disconnected) => None,
                }
            };
            match done {
                Some(done) => {
                    self.ready.insert(done.seq, done);
                }
                None => {
                    self.failed = true;
                    return self.check().map(|()| None);
                }
            }
        }
    }

    /// The pool's failure, once a worker panicked.
    fn check(&self) -> Result<(), Error> {
        if self.failed {
            Err(Error::new(Reason::WorkerPanicked))
        } else {
            Ok(())
        }
    }
}

impl Drop for Pool {
    fn drop(&mut self) {
        // Closing the channel stops each worker after its current job.
        self.jobs = None;
        for worker in self.workers.drain(..) {
            let _ = worker.join();
        }
    }
}

/// A worker: takes jobs until the channel closes, compresses each with its own tables.
fn work(
    jobs: &Mutex<Receiver<Job>>,
    done: &Sender<Done>,
    mode: Mode,
    prefix: SizePrefix,
    ring_window: Option<usize>,
) {
    let mut matcher = matcher_for(mode);
    loop {
        // The lock is held only while waiting for a job, not while compressing it.
        let job = match jobs.lock() {
            Ok(queue) => queue.recv(),
            Err(_) => return,
        };
        let Ok(mut job) = job else { return };
        let result = panic::catch_unwind(AssertUnwindSafe(|| {
            #[cfg(test)]
            assert!(!job.panic, "a worker panics, as the test asked");
            compress_job(&mut matcher, &mut job, prefix, ring_window)
        }));
        if result.is_err() {
            // The tables may be half-written: start again from new ones.
            matcher = matcher_for(mode);
        }
        let result = Done {
            seq: job.seq,
            input: job.input,
            record: job.record,
            records: job.records,
            ok: result.is_ok(),
        };
        if done.send(result).is_err() {
            return;
        }
    }
}

/// Compresses one job's pages into their records, with tables holding only the job's history
/// at first (each page then finds the pages before it in the tables, as the serial compressor
/// does); `ring_window` as in [`Pool`].
fn compress_job(
    matcher: &mut Matcher,
    job: &mut Job,
    prefix: SizePrefix,
    ring_window: Option<usize>,
) {
    matcher.reset();
    let history = &job.input[..job.history];
    // As the serial compressor: a history too short for this compressor is not used.
    let usable = history.len() >= matcher.min_dictionary();
    // The fast compressor's table holds 4,096 positions: loading only the last 32 KiB of the
    // history (10,923 positions, every third) leaves it much as the whole 64 KiB would, at half
    // the cost (see the module documentation). HC's chains take every position.
    let reach = match matcher {
        Matcher::Fast(_) => FAST_DICTIONARY,
        Matcher::High(_) => WINDOW_SIZE,
    };
    let dictionary = if usable {
        &history[history.len() - history.len().min(reach)..]
    } else {
        &[]
    };
    let first = matcher.first_index(usable);
    let base = first.wrapping_sub(job.history as u32);
    matcher.load_dictionary(dictionary, first.wrapping_sub(dictionary.len() as u32));
    let width = prefix.width();
    // The lowest byte the first page may reference (all the history, even where the table
    // holds none of its positions: a match may extend backward into it); then, for the double
    // buffer, the start of the page before.
    let mut low = if usable { 0 } else { job.history };
    let mut start = job.history;
    let mut out = 0;
    job.records.clear();
    for &len in &job.pages {
        let end = start + len;
        if let Some(window) = ring_window {
            low = low.max(start.saturating_sub(window));
        }
        let size = matcher.compress(
            &job.input,
            base,
            low,
            start,
            end,
            &mut job.record[out + width..],
        );
        write_prefix(prefix, size, &mut job.record[out..]);
        job.records.push(width + size);
        out += width + size;
        if ring_window.is_none() {
            low = start;
        }
        start = end;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A worker that panics (here: one asked to, by a flag only tests have) fails the
    /// pool: the job's records are an error, and so is every later call, rather than a hang or
    /// a stream with a hole in it.
    #[test]
    fn a_panicking_worker_is_an_error() {
        let opts = StreamOptions::new().page_size(100).threads(2);
        let mut pool = Pool::new(&opts);
        pool.panic_next = true;
        assert_eq!(pool.gather(&[7; 100]).unwrap(), 100);
        pool.submit().unwrap();
        let mut record = Vec::new();
        let err = pool.next_records(&mut record, None, true).unwrap_err();
        assert_eq!(err.reason(), &Reason::WorkerPanicked);
        assert_eq!(err.kind(), std::io::ErrorKind::Other);
        assert_eq!(
            pool.gather(&[7; 10])
                .and_then(|_| pool.submit())
                .unwrap_err()
                .reason(),
            &Reason::WorkerPanicked
        );
        assert!(pool.next_records(&mut record, None, false).is_err());
    }

    /// Dropping the pool (and so the writer) stops and joins every worker, even with jobs in
    /// flight.
    #[test]
    fn dropping_stops_the_workers() {
        let opts = StreamOptions::new().page_size(4096).threads(4);
        let mut pool = Pool::new(&opts);
        let queue = pool.queue.clone();
        assert!(queue.upgrade().is_some());
        for _ in 0..3 {
            pool.gather(&[1; 4096]).unwrap();
            pool.submit().unwrap();
        }
        drop(pool);
        assert!(queue.upgrade().is_none(), "a worker still holds the queue");
    }
}
