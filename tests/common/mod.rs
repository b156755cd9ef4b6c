//! Helpers shared by the integration tests: generators of interesting inputs and options,
//! whole-stream compress/decompress helpers, the error downcast, and I/O wrappers that split or
//! fail reads and writes.
//!
//! Each test file includes this module with `mod common;` and uses only part of it.
#![allow(dead_code)]

use std::collections::VecDeque;
use std::env;
use std::fmt;
use std::io::{self, BufRead, ErrorKind, Read, Write};

use lz4_stream::{
    split_record, Lz4StreamReader, Lz4StreamWriter, Mode, Reason, Record, SizePrefix, Strategy,
    StreamOptions, MAX_ACCELERATION, MAX_HC_LEVEL,
};
use quickcheck::{Arbitrary, Gen, QuickCheck};

// ---------------------------------------------------------------------------------------------
// Randomness on top of quickcheck's `Gen` (which exposes no ranges of its own).

/// A `QuickCheck` runner with `default_tests` cases, unless `QUICKCHECK_TESTS` says otherwise
/// (to run a property longer: `QUICKCHECK_TESTS=5000 cargo test --test roundtrip`).
pub fn qc(default_tests: u64) -> QuickCheck {
    let tests = env::var("QUICKCHECK_TESTS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default_tests);
    QuickCheck::new()
        .tests(tests)
        .max_tests(tests * 10)
        .min_tests_passed(tests)
}

/// A number in `0..n` (`n > 0`).
pub fn below(g: &mut Gen, n: usize) -> usize {
    assert!(n > 0);
    (u64::arbitrary(g) % n as u64) as usize
}

/// A number in `lo..=hi`.
pub fn between(g: &mut Gen, lo: usize, hi: usize) -> usize {
    lo + below(g, hi - lo + 1)
}

/// `true` with probability `percent`/100.
pub fn chance(g: &mut Gen, percent: usize) -> bool {
    below(g, 100) < percent
}

/// `len` uniformly random bytes.
pub fn random_bytes(g: &mut Gen, len: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(len + 8);
    while out.len() < len {
        out.extend_from_slice(&u64::arbitrary(g).to_le_bytes());
    }
    out.truncate(len);
    out
}

/// A biased length: often tiny, often a few KiB, sometimes past 64 KiB, sometimes ~300 KB.
pub fn gen_len(g: &mut Gen) -> usize {
    match below(g, 10) {
        0..=2 => below(g, 65),
        3..=5 => below(g, 4097),
        6..=7 => below(g, 70_001),
        _ => below(g, 300_001),
    }
}

const WORDS: &[&str] = &[
    "the ",
    "stream ",
    "block ",
    "lz4 ",
    "page ",
    "window ",
    "history ",
    "of ",
    "and ",
    "a ",
    "compress",
    "decompress",
    "\n",
    ", ",
    "prefix ",
    "record ",
    "<div class=\"x\">",
    "</div>\n",
    "0123456789",
    "ring ",
    "buffer ",
    "double ",
];

/// Appends `len` bytes to `buf`, made of segments of different kinds: random bytes, runs of one
/// byte, text from a small vocabulary, short repeating patterns, and copies of bytes already in
/// `buf` (near or up to ~150 KB back, so matches cross blocks and the 64 KiB window). Whatever
/// `buf` holds already (a dictionary) can be copied from too.
pub fn extend_data(g: &mut Gen, buf: &mut Vec<u8>, len: usize) {
    let end = buf.len() + len;
    let seg_max = *g.choose(&[16, 256, 4096, 65_536]).unwrap();
    while buf.len() < end {
        let seg = 1 + below(g, seg_max.min(end - buf.len()));
        match below(g, 6) {
            0 => buf.extend_from_slice(&random_bytes(g, seg)),
            1 => {
                let byte = u8::arbitrary(g);
                buf.resize(buf.len() + seg, byte);
            }
            2 => {
                let stop = buf.len() + seg;
                while buf.len() < stop {
                    let word = g.choose(WORDS).unwrap().as_bytes();
                    let n = word.len().min(stop - buf.len());
                    buf.extend_from_slice(&word[..n]);
                }
            }
            3 => {
                let period = between(g, 1, 16);
                let pattern = random_bytes(g, period);
                for i in 0..seg {
                    buf.push(pattern[i % pattern.len()]);
                }
            }
            _ if !buf.is_empty() => {
                // A copy from `distance` back, possibly overlapping itself.
                let reach = buf.len().min(150_000);
                let distance = match below(g, 3) {
                    0 => between(g, 1, reach.min(64)),
                    1 => between(g, 1, reach),
                    _ => reach - below(g, reach.min(1000)),
                };
                let from = buf.len() - distance;
                for i in 0..seg {
                    buf.push(buf[from + i]);
                }
            }
            _ => buf.push(u8::arbitrary(g)),
        }
    }
}

/// `len` bytes of mixed data (see [`extend_data`]).
pub fn gen_data(g: &mut Gen, len: usize) -> Vec<u8> {
    let mut buf = Vec::with_capacity(len);
    extend_data(g, &mut buf, len);
    buf
}

/// `len` bytes of mixed data that also copies from the end of `dictionary`.
pub fn gen_data_after(g: &mut Gen, dictionary: &[u8], len: usize) -> Vec<u8> {
    let mut buf = Vec::with_capacity(dictionary.len() + len);
    buf.extend_from_slice(dictionary);
    extend_data(g, &mut buf, len);
    buf.split_off(dictionary.len())
}

// ---------------------------------------------------------------------------------------------
// Options.

/// Any prefix width: 0 (out of band), 1, 2 or 4.
pub fn gen_prefix(g: &mut Gen) -> SizePrefix {
    *g.choose(&[
        SizePrefix::OutOfBand,
        SizePrefix::U8,
        SizePrefix::U16,
        SizePrefix::U32,
    ])
    .unwrap()
}

/// The widest page a writer with `prefix` accepts, capped at `cap`.
pub fn widest_page(prefix: SizePrefix, cap: usize) -> usize {
    match prefix {
        SizePrefix::U8 => 239,
        SizePrefix::U16 => 65_264,
        SizePrefix::U32 | SizePrefix::OutOfBand => cap,
    }
}

/// A page size a writer with `prefix` accepts, in `1..=200_000`: biased to small pages, to
/// 64 KiB and to the widest page the prefix allows.
pub fn gen_page(g: &mut Gen, prefix: SizePrefix) -> usize {
    let widest = widest_page(prefix, 200_000);
    let page = match below(g, 10) {
        0..=2 => between(g, 1, 16),
        3..=4 => between(g, 17, 1024),
        5 => 65_536,
        6 => widest,
        7 => between(g, 1025, 70_000),
        _ => between(g, 1, 200_000),
    };
    page.min(widest)
}

/// Double buffer half the time; else a ring with a window in `0..=65_536`, biased to the edges.
pub fn gen_strategy(g: &mut Gen) -> Strategy {
    if chance(g, 50) {
        return Strategy::DoubleBuffer;
    }
    let window = match below(g, 6) {
        0 => 0,
        1 => between(g, 1, 16),
        2 => 65_536,
        3 => 65_535,
        _ => below(g, 65_537),
    };
    Strategy::RingBuffer { window }
}

/// No dictionary, a short one, or one longer than 64 KiB (whose head must not matter).
pub fn gen_dictionary(g: &mut Gen) -> Vec<u8> {
    match below(g, 10) {
        0..=3 => Vec::new(),
        4..=6 => {
            let len = between(g, 1, 2000);
            gen_data(g, len)
        }
        _ => {
            let len = between(g, 65_537, 100_000);
            gen_data(g, len)
        }
    }
}

/// Options any writer accepts; the end marker only with a prefix.
pub fn gen_options(g: &mut Gen) -> StreamOptions {
    let prefix = gen_prefix(g);
    let opts = StreamOptions::new()
        .size_prefix(prefix)
        .page_size(gen_page(g, prefix))
        .strategy(gen_strategy(g))
        .dictionary(gen_dictionary(g))
        .end_marker(prefix != SizePrefix::OutOfBand && chance(g, 40))
        .mode(gen_mode(g))
        // Parallel compression (issue 10) a fifth of the time.
        .threads(if chance(g, 20) { between(g, 2, 8) } else { 1 });
    opts.validate().expect("generated options are valid");
    opts
}

/// A compression mode: `Mode::High { level }` 40% of the time (every level `1..=12` alike),
/// else `Mode::Fast` with mostly small accelerations, sometimes large ones up to liblz4's most.
/// HC levels 10-12 are 10 to 50 times slower than the fast mode: data for them must be capped
/// with [`cap_for_mode`].
pub fn gen_mode(g: &mut Gen) -> Mode {
    if chance(g, 40) {
        let level = between(g, 1, MAX_HC_LEVEL as usize) as u32;
        return Mode::High { level };
    }
    let acceleration = match below(g, 8) {
        0..=3 => 1,
        4 | 5 => 1 + below(g, 16) as u32,
        6 => 1 + below(g, 1000) as u32,
        _ => [100, 65_536, MAX_ACCELERATION][below(g, 3)],
    };
    Mode::Fast { acceleration }
}

/// A short description of `opts` for failure messages (the dictionary can be 100 KB).
pub fn describe(opts: &StreamOptions) -> String {
    format!(
        "page {} prefix {:?} {:?} dictionary {} bytes end marker {} {:?} threads {}",
        opts.get_page_size(),
        opts.get_size_prefix(),
        opts.get_strategy(),
        opts.get_dictionary().len(),
        opts.get_end_marker(),
        opts.get_mode(),
        opts.get_threads()
    )
}

/// Caps `len` so that data of that length makes at most `max_blocks` blocks of `page` bytes:
/// each block costs the codec a pass over up to 64 KiB of history, so tiny pages must come with
/// short data for the tests to stay fast.
pub fn cap_blocks(len: usize, page: usize, max_blocks: usize) -> usize {
    len.min(page.saturating_mul(max_blocks))
}

/// The longest data [`Case`] sends through HC levels 10-12 (the optimal parser): just past the
/// 64 KiB window, so the tests stay fast while the history still slides.
pub const SLOW_MODE_MAX_LEN: usize = 70_000;

/// Caps `len` for `mode`: HC levels 10 and above only with at most [`SLOW_MODE_MAX_LEN`] bytes.
pub fn cap_for_mode(len: usize, mode: Mode) -> usize {
    match mode {
        Mode::High { level } if level >= 10 => len.min(SLOW_MODE_MAX_LEN),
        _ => len,
    }
}

/// Options and data for one round trip.
#[derive(Clone)]
pub struct Case {
    /// The options of both ends.
    pub opts: StreamOptions,
    /// What goes through the stream.
    pub data: Vec<u8>,
}

impl fmt::Debug for Case {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Case {{ {}, data {} bytes",
            describe(&self.opts),
            self.data.len()
        )?;
        if self.data.len() <= 64 {
            write!(f, ": {:?}", self.data)?;
        }
        f.write_str(" }")
    }
}

impl Arbitrary for Case {
    fn arbitrary(g: &mut Gen) -> Case {
        let opts = gen_options(g);
        let len = cap_blocks(gen_len(g), opts.get_page_size(), 1000);
        let len = cap_for_mode(len, opts.get_mode());
        let data = gen_data_after(g, opts.get_dictionary(), len);
        Case { opts, data }
    }

    fn shrink(&self) -> Box<dyn Iterator<Item = Case>> {
        let mut smaller = Vec::new();
        if !self.data.is_empty() {
            for len in [0, self.data.len() / 2, self.data.len() - 1] {
                smaller.push(Case {
                    opts: self.opts.clone(),
                    data: self.data[..len].to_vec(),
                });
            }
        }
        if !self.opts.get_dictionary().is_empty() {
            smaller.push(Case {
                opts: self.opts.clone().dictionary(Vec::new()),
                data: self.data.clone(),
            });
        }
        Box::new(smaller.into_iter())
    }
}

/// Lengths summing to `total`, to split writes or reads: 0-length pieces included, and a mix
/// of tiny pieces, pieces around `page` and big ones.
pub fn gen_splits(g: &mut Gen, total: usize, page: usize) -> Vec<usize> {
    let mut splits = Vec::new();
    let mut left = total;
    let style = below(g, 4);
    while left > 0 {
        let piece = match (style, below(g, 8)) {
            (_, 0) => 0,
            (0, _) => below(g, 17),
            (1, _) => below(g, page.saturating_mul(2).max(2)),
            (2, _) => below(g, 100_000),
            _ => {
                let any = below(g, 5000);
                *g.choose(&[1, page.saturating_sub(1), page, page + 1, any])
                    .unwrap()
            }
        };
        let piece = piece.min(left);
        splits.push(piece);
        left -= piece;
    }
    if chance(g, 20) {
        splits.push(0);
    }
    splits
}

// ---------------------------------------------------------------------------------------------
// Whole streams.

/// The crate's error inside an `io::Error`; panics if there is none.
pub fn lz4_error(err: &io::Error) -> &lz4_stream::Error {
    err.get_ref()
        .and_then(|inner| inner.downcast_ref::<lz4_stream::Error>())
        .unwrap_or_else(|| panic!("not an lz4_stream::Error: {err:?}"))
}

/// The reason of the crate's error inside an `io::Error`.
pub fn reason(err: &io::Error) -> &Reason {
    lz4_error(err).reason()
}

/// Compresses `data` with `Lz4StreamWriter` in one `write_all`; returns the stream and, for
/// out-of-band streams, the block sizes (empty otherwise).
pub fn compress(opts: &StreamOptions, data: &[u8]) -> (Vec<u8>, Vec<usize>) {
    let mut writer = Lz4StreamWriter::with_options(Vec::new(), opts).expect("valid options");
    writer.write_all(data).expect("writing to a Vec");
    writer.try_finish().expect("finishing into a Vec");
    let sizes = writer.take_block_sizes();
    (writer.finish().expect("finished already"), sizes)
}

/// A reader for `inner` with `opts`, given `sizes` when the prefix is out of band.
pub fn reader<R: Read>(
    inner: R,
    opts: &StreamOptions,
    sizes: &[usize],
) -> io::Result<Lz4StreamReader<R>> {
    if opts.get_size_prefix() == SizePrefix::OutOfBand {
        Lz4StreamReader::with_block_sizes(inner, opts, sizes.to_vec())
    } else {
        Lz4StreamReader::with_options(inner, opts)
    }
}

/// Decompresses a whole stream with `Lz4StreamReader::read_to_end`.
pub fn decompress(opts: &StreamOptions, stream: &[u8], sizes: &[usize]) -> io::Result<Vec<u8>> {
    let mut out = Vec::new();
    reader(stream, opts, sizes)?.read_to_end(&mut out)?;
    Ok(out)
}

/// The blocks of a stream (without prefixes), found with `split_record` (or `sizes` out of
/// band), and whether it ends with an end marker. Panics if the stream is not well framed.
pub fn blocks_of<'a>(
    opts: &StreamOptions,
    stream: &'a [u8],
    sizes: &[usize],
) -> (Vec<&'a [u8]>, bool) {
    let mut blocks = Vec::new();
    let mut rest = stream;
    if opts.get_size_prefix() == SizePrefix::OutOfBand {
        for &size in sizes {
            let (block, after) = rest.split_at(size);
            blocks.push(block);
            rest = after;
        }
        assert!(rest.is_empty(), "bytes after the last out-of-band block");
        return (blocks, false);
    }
    while !rest.is_empty() {
        let (record, after) = split_record(rest, opts.get_size_prefix(), opts.get_page_size())
            .expect("a well-framed stream");
        rest = after;
        match record {
            Record::Block(block) => blocks.push(block),
            Record::End => {
                assert!(rest.is_empty(), "bytes after the end marker");
                return (blocks, true);
            }
        }
    }
    (blocks, false)
}

/// The offsets where the records of a stream end (the prefix of the end marker included).
pub fn record_ends(opts: &StreamOptions, stream: &[u8], sizes: &[usize]) -> Vec<usize> {
    let width = opts.get_size_prefix().width();
    let (blocks, end_marker) = blocks_of(opts, stream, sizes);
    let mut ends = Vec::new();
    let mut at = 0;
    for block in blocks {
        at += width + block.len();
        ends.push(at);
    }
    if end_marker {
        ends.push(at + width);
    }
    ends
}

// ---------------------------------------------------------------------------------------------
// I/O wrappers.

/// A reader that returns at most `limits[i]` bytes on its i-th call (cycling; each limit >= 1).
pub struct ShortReader<R> {
    /// The reader underneath.
    pub inner: R,
    limits: Vec<usize>,
    call: usize,
}

impl<R> ShortReader<R> {
    /// Wraps `inner`; `limits` must be non-empty and positive.
    pub fn new(inner: R, limits: Vec<usize>) -> Self {
        assert!(!limits.is_empty() && limits.iter().all(|&k| k > 0));
        ShortReader {
            inner,
            limits,
            call: 0,
        }
    }
}

impl<R: Read> Read for ShortReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let limit = self.limits[self.call % self.limits.len()];
        self.call += 1;
        let n = buf.len().min(limit);
        self.inner.read(&mut buf[..n])
    }
}

/// Random per-call limits for a [`ShortReader`] or [`ShortWriter`]: often 1, often small,
/// sometimes large.
pub fn gen_limits(g: &mut Gen) -> Vec<usize> {
    let n = between(g, 1, 20);
    (0..n)
        .map(|_| match below(g, 4) {
            0 => 1,
            1 => between(g, 1, 8),
            2 => between(g, 1, 300),
            _ => between(g, 1, 100_000),
        })
        .collect()
}

/// A writer that takes at most `limits[i]` bytes on its i-th call (cycling; each >= 1).
pub struct ShortWriter<W> {
    /// The writer underneath.
    pub inner: W,
    limits: Vec<usize>,
    call: usize,
}

impl<W> ShortWriter<W> {
    /// Wraps `inner`; `limits` must be non-empty and positive.
    pub fn new(inner: W, limits: Vec<usize>) -> Self {
        assert!(!limits.is_empty() && limits.iter().all(|&k| k > 0));
        ShortWriter {
            inner,
            limits,
            call: 0,
        }
    }
}

impl<W: Write> Write for ShortWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let limit = self.limits[self.call % self.limits.len()];
        self.call += 1;
        let n = buf.len().min(limit);
        self.inner.write(&buf[..n])
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// When a [`FaultyWriter`] or [`FaultyReader`] fails, and how.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    /// Fail the `k`-th call (counting from 0; for a writer, `write` and `flush` calls together).
    AtCall(usize),
    /// Fail the first call made when exactly `k` bytes have gone through (calls before it get
    /// at most the bytes up to `k`, so the failure lands exactly at byte `k`).
    AtByte(usize),
}

/// An error of `kind` from a fault injector.
pub fn injected(kind: io::ErrorKind) -> io::Error {
    io::Error::new(kind, "injected fault")
}

/// A writer into a `Vec` that fails once, with `kind`, where its [`Fault`] says, takes at most
/// `max_write` bytes per call, and counts its calls.
pub struct FaultyWriter {
    /// Everything written so far.
    pub out: Vec<u8>,
    fault: Option<Fault>,
    kind: io::ErrorKind,
    max_write: usize,
    /// How many times it failed.
    pub failures: usize,
    /// Calls of `write` and `flush` so far.
    pub calls: usize,
    /// Calls of `flush` that succeeded.
    pub flushes: usize,
    /// How many bytes were in `out` at the latest successful `flush`.
    pub flushed_len: usize,
}

impl FaultyWriter {
    /// A writer that fails once as `fault` says (or never, with `None`).
    pub fn new(fault: Option<Fault>, kind: io::ErrorKind, max_write: usize) -> Self {
        FaultyWriter {
            out: Vec::new(),
            fault,
            kind,
            max_write: max_write.max(1),
            failures: 0,
            calls: 0,
            flushes: 0,
            flushed_len: 0,
        }
    }

    /// Whether this call fails; consumes the fault if so.
    fn fails_now(&mut self) -> bool {
        let call = self.calls;
        self.calls += 1;
        let fails = match self.fault {
            Some(Fault::AtCall(k)) => k == call,
            Some(Fault::AtByte(k)) => k == self.out.len(),
            None => false,
        };
        if fails {
            self.fault = None;
            self.failures += 1;
        }
        fails
    }
}

impl Write for FaultyWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.fails_now() {
            return Err(injected(self.kind));
        }
        let mut n = buf.len().min(self.max_write);
        if let Some(Fault::AtByte(k)) = self.fault {
            if self.out.len() < k {
                n = n.min(k - self.out.len());
            }
        }
        self.out.extend_from_slice(&buf[..n]);
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        if self.fails_now() {
            return Err(injected(self.kind));
        }
        self.flushes += 1;
        self.flushed_len = self.out.len();
        Ok(())
    }
}

/// A reader over `data` that fails once, with `kind`, where its [`Fault`] says, and returns at
/// most `max_read` bytes per call. With `ErrorKind::UnexpectedEof` it reports a (false) end of
/// input, `Ok(0)`, instead of an error.
pub struct FaultyReader {
    data: VecDeque<u8>,
    /// Bytes handed out so far.
    pub pos: usize,
    fault: Option<Fault>,
    kind: io::ErrorKind,
    max_read: usize,
    /// How many times it failed.
    pub failures: usize,
    /// Calls of `read` so far.
    pub calls: usize,
}

impl FaultyReader {
    /// A reader of `data` that fails once as `fault` says (or never, with `None`).
    pub fn new(data: &[u8], fault: Option<Fault>, kind: io::ErrorKind, max_read: usize) -> Self {
        FaultyReader {
            data: data.iter().copied().collect(),
            pos: 0,
            fault,
            kind,
            max_read: max_read.max(1),
            failures: 0,
            calls: 0,
        }
    }

    /// The bytes not read yet.
    pub fn rest(&self) -> Vec<u8> {
        self.data.iter().copied().collect()
    }
}

impl Read for FaultyReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let call = self.calls;
        self.calls += 1;
        let fails = match self.fault {
            Some(Fault::AtCall(k)) => k == call,
            Some(Fault::AtByte(k)) => k == self.pos,
            None => false,
        };
        if fails {
            self.fault = None;
            self.failures += 1;
            return if self.kind == io::ErrorKind::UnexpectedEof {
                Ok(0)
            } else {
                Err(injected(self.kind))
            };
        }
        let mut n = buf.len().min(self.max_read).min(self.data.len());
        if let Some(Fault::AtByte(k)) = self.fault {
            if self.pos < k {
                n = n.min(k - self.pos);
            }
        }
        for (slot, byte) in buf[..n].iter_mut().zip(self.data.drain(..n)) {
            *slot = byte;
        }
        self.pos += n;
        Ok(n)
    }
}

// ---------------------------------------------------------------------------------------------
// Sequences of writer calls.

/// One call on a writer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    /// Write the next `n` bytes of the data (`n` may be 0).
    Write(usize),
    /// `flush()`.
    Flush,
}

/// Writes covering `total` bytes (split as [`gen_splits`] does), with up to ~100 flushes here
/// and there when `flushes` is set.
pub fn gen_ops(g: &mut Gen, total: usize, page: usize, flushes: bool) -> Vec<Op> {
    let splits = gen_splits(g, total, page);
    let slots = splits.len() + 1;
    let wanted = if flushes { between(g, 1, 100) } else { 0 };
    let mut ops = Vec::new();
    for n in splits {
        if below(g, slots) < wanted {
            ops.push(Op::Flush);
        }
        ops.push(Op::Write(n));
    }
    if below(g, slots) < wanted {
        ops.push(Op::Flush);
    }
    ops
}

/// The lengths of the blocks a writer must emit for `ops`: full pages, and at each flush what is
/// pending (if anything), and at the end the rest.
pub fn expected_block_lengths(ops: &[Op], page: usize) -> Vec<usize> {
    let mut lengths = Vec::new();
    let mut pending = 0;
    for op in ops {
        match *op {
            Op::Write(n) => {
                pending += n;
                while pending >= page {
                    lengths.push(page);
                    pending -= page;
                }
            }
            Op::Flush if pending > 0 => {
                lengths.push(pending);
                pending = 0;
            }
            Op::Flush => {}
        }
    }
    if pending > 0 {
        lengths.push(pending);
    }
    lengths
}

/// Runs `ops` on `writer` over `data` with plain `write` calls (which may take part of the
/// buffer) and `flush`, then `try_finish`. Panics on any error.
pub fn run_ops<W: Write>(writer: &mut Lz4StreamWriter<W>, data: &[u8], ops: &[Op]) {
    let mut at = 0;
    for op in ops {
        match *op {
            Op::Write(n) => {
                let end = at + n;
                loop {
                    let taken = writer.write(&data[at..end]).expect("write");
                    at += taken;
                    if at == end {
                        break;
                    }
                    assert!(taken > 0, "write took nothing of a non-empty buffer");
                }
            }
            Op::Flush => writer.flush().expect("flush"),
        }
    }
    assert_eq!(at, data.len(), "ops cover the data");
    writer.try_finish().expect("try_finish");
}

/// Reads `reader` to the end with calls of varying sizes (and `fill_buf`), retrying every
/// failed call; checks each error is the inner reader's, untouched.
pub fn read_retrying<T: BufRead>(reader: &mut T, kind: ErrorKind) -> (Vec<u8>, usize) {
    let mut out = Vec::new();
    let mut errors = 0;
    let sizes = [5, 1, 64, 1000];
    let mut call = 0;
    loop {
        call += 1;
        let result = if call % 3 == 0 {
            match reader.fill_buf() {
                Ok(buf) => {
                    let n = buf.len().min(17);
                    out.extend_from_slice(&buf[..n]);
                    reader.consume(n);
                    Ok(n)
                }
                Err(err) => Err(err),
            }
        } else {
            let mut buf = [0; 1000];
            let size = sizes[call % sizes.len()];
            reader.read(&mut buf[..size]).map(|n| {
                out.extend_from_slice(&buf[..n]);
                n
            })
        };
        match result {
            Ok(0) => return (out, errors),
            Ok(_) => {}
            Err(err) => {
                assert_eq!(err.kind(), kind, "{err}");
                assert_eq!(err.to_string(), "injected fault");
                errors += 1;
                assert!(errors < 10);
            }
        }
    }
}

/// Data with text, a run and noise, so blocks have matches and literals.
pub fn sample_data() -> Vec<u8> {
    let mut data = b"to be or not to be, that is the question; ".repeat(6);
    data.extend_from_slice(&[b'z'; 90]);
    let mut state = 0x2545_F491_4F6C_DD1D_u64;
    data.extend((0..170).map(|_| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state as u8
    }));
    data.extend_from_slice(b"that is the question");
    data
}

/// Options of every prefix width and both strategies, with small pages so the sample makes
/// several blocks.
pub fn all_options() -> Vec<StreamOptions> {
    vec![
        StreamOptions::new()
            .size_prefix(SizePrefix::U8)
            .page_size(100)
            .end_marker(true),
        StreamOptions::new()
            .size_prefix(SizePrefix::U16)
            .page_size(128)
            .strategy(Strategy::RingBuffer { window: 300 }),
        StreamOptions::new()
            .size_prefix(SizePrefix::U32)
            .page_size(64)
            .dictionary(&b"the question is"[..])
            .end_marker(true),
        StreamOptions::new()
            .size_prefix(SizePrefix::OutOfBand)
            .page_size(100),
        // Parallel compression (issue 10): the same guarantees with the pool's records.
        StreamOptions::new()
            .size_prefix(SizePrefix::U16)
            .page_size(128)
            .strategy(Strategy::RingBuffer { window: 300 })
            .mode(Mode::High { level: 4 })
            .threads(3)
            .end_marker(true),
        StreamOptions::new()
            .size_prefix(SizePrefix::OutOfBand)
            .page_size(100)
            .threads(2),
    ]
}

/// The options of `all_options` with an end marker where a prefix allows one.
pub fn marked(opts: &StreamOptions) -> StreamOptions {
    let prefixed = opts.get_size_prefix() != SizePrefix::OutOfBand;
    opts.clone().end_marker(prefixed)
}

/// Whether an error of this kind only says "not now" (`Interrupted`, `WouldBlock`): a reader
/// that meets one after serving bytes in a call drops it, since the next call asks again.
pub fn is_transient(kind: ErrorKind) -> bool {
    matches!(kind, ErrorKind::Interrupted | ErrorKind::WouldBlock)
}
