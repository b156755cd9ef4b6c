//! Parallel compression: pages compressed on a pool of threads, records handed out in order.
//!
//! Each block of the stream format depends only on uncompressed bytes: its page and the
//! history before it (the previous page for the double buffer, the last `window` bytes for the
//! ring, the dictionary first). So once a page is full it can be compressed on any thread,
//! given a copy of that history: a [`Job`] is one buffer `[history | page]`. A worker empties
//! its tables, loads the history into them as a dictionary (as liblz4's `LZ4_loadDict` and
//! `LZ4_loadDictHC` do), compresses the page into a record, and sends the record back with
//! the job's sequence number; [`Pool`] hands the records out in sequence.
//!
//! Every block thus depends on its history and page alone, never on which thread compressed
//! it or when: the stream is the same for every number of threads (from 2: one thread keeps
//! the serial compressor, whose tables are kept across blocks).
//!
//! Memory stays bounded by the options: at most `2n` jobs are in flight (submitted, and not yet
//! handed out), each with its buffer and its record, and their buffers are reused. The writer
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
use crate::compressor::matcher_for;
use crate::error::{Error, Reason};
use crate::options::{compress_bound, Mode, SizePrefix, Strategy, StreamOptions, WINDOW_SIZE};
use crate::record::write_prefix;

/// A page to compress: `input[..history]` is its history, `input[history..history + len]` the
/// page.
struct Job {
    seq: u64,
    input: Vec<u8>,
    history: usize,
    len: usize,
    /// Where the record goes (at least the prefix and `compress_bound(page_size)` long).
    record: Vec<u8>,
}

/// A compressed page: its record, `record[..len]`, or `None` if the worker panicked.
struct Done {
    seq: u64,
    input: Vec<u8>,
    record: Vec<u8>,
    len: Option<usize>,
}

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
    /// The buffer being gathered: `input[..history]` is its history, the page follows.
    input: Vec<u8>,
    history: usize,
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
                std::thread::spawn(move || work(&job_queue, &done, mode, prefix))
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
            spare_inputs: Vec::new(),
            spare_records: Vec::new(),
            page_size,
            prefix: opts.get_size_prefix(),
            ring_window,
            failed: false,
        };
        let dictionary = opts.dictionary_window();
        let reach = ring_window.unwrap_or(WINDOW_SIZE).min(dictionary.len());
        pool.input = pool.new_input(&dictionary[dictionary.len() - reach..]);
        pool
    }

    /// A buffer for the next page, starting with `history`.
    fn new_input(&mut self, history: &[u8]) -> Vec<u8> {
        let mut input = self.spare_inputs.pop().unwrap_or_else(|| {
            let mut input = Vec::new();
            input.reserve_exact(WINDOW_SIZE + self.page_size);
            input
        });
        input.clear();
        input.extend_from_slice(history);
        self.history = history.len();
        input
    }

    /// The room a record needs: the prefix and the largest block of a page.
    fn record_size(&self) -> usize {
        self.prefix.width() + compress_bound(self.page_size)
    }

    /// The page size.
    pub(crate) fn page_size(&self) -> usize {
        self.page_size
    }

    /// How records state their size.
    pub(crate) fn size_prefix(&self) -> SizePrefix {
        self.prefix
    }

    /// Bytes gathered in the page so far.
    pub(crate) fn filled(&self) -> usize {
        self.input.len() - self.history
    }

    /// Adds bytes to the page (at most what is left of it); returns how many it took.
    pub(crate) fn gather(&mut self, buf: &[u8]) -> usize {
        let n = buf.len().min(self.page_size - self.filled());
        self.input.extend_from_slice(&buf[..n]);
        n
    }

    /// Whether another job may be submitted now (else [`next_record`](Self::next_record) must
    /// hand one out first).
    pub(crate) fn has_room(&self) -> bool {
        self.in_flight < self.max_in_flight
    }

    /// Submits the gathered page (which may be partial, but not empty) as the next job; the
    /// next page's history is taken from it. Needs [`has_room`](Self::has_room).
    pub(crate) fn submit(&mut self) -> Result<(), Error> {
        self.check()?;
        debug_assert!(self.has_room() && self.filled() > 0);
        let len = self.filled();
        let reach = match self.ring_window {
            None => len.min(WINDOW_SIZE),
            Some(window) => window.min(self.input.len()),
        };
        let input = std::mem::take(&mut self.input);
        let history = self.history;
        self.input = self.new_input(&input[input.len() - reach..]);
        let size = self.record_size();
        let record = self.spare_records.pop().unwrap_or_else(|| vec![0; size]);
        let job = Job {
            seq: self.next_seq,
            input,
            history,
            len,
            record,
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

    /// Hands out the next record in sequence, if it is compressed (waiting for it if `wait`):
    /// swaps it into `record` and returns its length (the previous contents of `record` are
    /// kept for reuse). `None` when no job is in flight, or none is ready and `wait` is false.
    pub(crate) fn next_record(
        &mut self,
        record: &mut Vec<u8>,
        wait: bool,
    ) -> Result<Option<usize>, Error> {
        self.check()?;
        loop {
            if let Some(done) = self.ready.remove(&self.next_out) {
                self.next_out += 1;
                self.in_flight -= 1;
                self.spare_inputs.push(done.input);
                let Some(len) = done.len else {
                    self.failed = true;
                    return self.check().map(|()| None);
                };
                let previous = std::mem::replace(record, done.record);
                // (The writer's first record is only big enough for an end marker.)
                if previous.len() >= self.record_size() {
                    self.spare_records.push(previous);
                }
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
fn work(jobs: &Mutex<Receiver<Job>>, done: &Sender<Done>, mode: Mode, prefix: SizePrefix) {
    let mut matcher = matcher_for(mode);
    loop {
        // The lock is held only while waiting for a job, not while compressing it.
        let job = match jobs.lock() {
            Ok(queue) => queue.recv(),
            Err(_) => return,
        };
        let Ok(mut job) = job else { return };
        let len = panic::catch_unwind(AssertUnwindSafe(|| {
            compress_job(&mut matcher, &mut job, prefix)
        }));
        let len = match len {
            Ok(len) => Some(len),
            Err(_) => {
                // The tables may be half-written: start again from new ones.
                matcher = matcher_for(mode);
                None
            }
        };
        let result = Done {
            seq: job.seq,
            input: job.input,
            record: job.record,
            len,
        };
        if done.send(result).is_err() {
            return;
        }
    }
}

/// Compresses one job's page into its record, with tables holding only its history; returns
/// the record's length.
fn compress_job(matcher: &mut Matcher, job: &mut Job, prefix: SizePrefix) -> usize {
    matcher.reset();
    let history = &job.input[..job.history];
    // As the serial compressor: a history too short for this compressor is not used.
    let dictionary = if history.len() >= matcher.min_dictionary() {
        history
    } else {
        &[]
    };
    let first = matcher.first_index(!dictionary.is_empty());
    let base = first.wrapping_sub(job.history as u32);
    matcher.load_dictionary(dictionary, first.wrapping_sub(dictionary.len() as u32));
    let width = prefix.width();
    let low = job.history - dictionary.len();
    let end = job.history + job.len;
    let size = matcher.compress(
        &job.input,
        base,
        low,
        job.history,
        end,
        &mut job.record[width..],
    );
    write_prefix(prefix, size, &mut job.record);
    width + size
}
