//! Helpers shared by the fuzz targets:
//!
//! - fault injection: inner readers, buffered readers and writers ([`HostileReader`],
//!   [`HostileBufReader`], [`HostileWriter`]) that follow a fault schedule of short transfers,
//!   errors of every [`KINDS`], `Ok(0)` and (once a run) a panic, with a shared [`Log`] of what
//!   they injected; the panic hook that lets an injected panic be caught ([`catch`]); the drivers
//!   that use a reader or writer the way a careful caller would ([`drive_reader`],
//!   [`drive_writer`]): retrying every injected error, and checking that each error they get is
//!   one the crate may return at that point;
//! - stretching: [`expand`] turns a few bytes into 64 KiB and more of data with matches near and
//!   far, [`replay`] repeats the records of a stream, so that short fuzz inputs make streams that
//!   pass 64 KiB (the readers' large-read path, the window's history move);
//! - [`StreamCase`], the input of `read_arbitrary` and `bufread`, and what both check against
//!   (the sans-IO path, [`sans_io`]);
//! - the mapping of raw fuzz numbers to option values that favours the interesting small ones,
//!   and the decoder differential.
//!
//! Every input layout is fixed-size fields followed by a trailing `Vec<u8>` (the rest of the
//! input), so `seeds.py` writes seeds with `struct.pack`; see each target's `Case`.

use std::cell::Cell;
use std::error::Error as StdError;
use std::fmt;
use std::io::{self, BufRead, ErrorKind, Read, Write};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::rc::Rc;
use std::sync::Once;

use arbitrary::Arbitrary;
use lz4_stream::{
    compress_bound, split_record, Compressor, Decompressor, Error, Mode, Reason, Record,
    SizePrefix, Strategy, StreamOptions, WINDOW_SIZE,
};
// liblz4, compiled in by lzzzz: the differential and the oracle call its functions directly.
use lzzzz as _;

/// The decoder differential of `tests/decode_differential.rs` (ours against `lz4_flex` and
/// liblz4, judged by a reference decoder written from the LZ4 block format): the same file,
/// so the test and the fuzz target judge by the same rules.
#[path = "../../tests/codec/differential.rs"]
pub mod differential;

/// The peers' fixture dictionaries (`tests/fixtures/`), which inputs may name.
pub const DICT_32K: &[u8] = include_bytes!("../../tests/fixtures/dict_32k.bin");
/// The 100 KiB one: longer than the window, only its last 64 KiB count.
pub const DICT_100K: &[u8] = include_bytes!("../../tests/fixtures/dict_100k.bin");

/// The trailing bytes of an input: the rest of it, as it is. (`Vec<u8>`'s own `arbitrary` would
/// read a "one more?" byte before each byte, spending half the input on them; this way every
/// byte is data, and seeds are the data itself.)
#[derive(Clone, Debug, Default)]
pub struct Bytes(pub Vec<u8>);

impl<'a> Arbitrary<'a> for Bytes {
    fn arbitrary(u: &mut arbitrary::Unstructured<'a>) -> arbitrary::Result<Self> {
        Ok(Bytes(Vec::arbitrary(u)?))
    }

    fn arbitrary_take_rest(u: arbitrary::Unstructured<'a>) -> arbitrary::Result<Self> {
        Ok(Bytes(u.take_rest().to_vec()))
    }
}

impl std::ops::Deref for Bytes {
    type Target = Vec<u8>;

    fn deref(&self) -> &Vec<u8> {
        &self.0
    }
}

// ---------------------------------------------------------------------------------------------
// Fault injection.

/// The error kinds injected (`Fault::Error`): the two a caller retries by habit, those a
/// socket, pipe, file or device returns, and those the crate itself uses for its own errors
/// (`InvalidData`, `UnexpectedEof`, `InvalidInput`, `WriteZero`, `Other`), which must still come
/// back as the inner reader's or writer's error, untouched.
pub const KINDS: [ErrorKind; 16] = [
    ErrorKind::Interrupted,
    ErrorKind::WouldBlock,
    ErrorKind::Other,
    ErrorKind::UnexpectedEof,
    ErrorKind::BrokenPipe,
    ErrorKind::TimedOut,
    ErrorKind::InvalidData,
    ErrorKind::InvalidInput,
    ErrorKind::ConnectionReset,
    ErrorKind::ConnectionAborted,
    ErrorKind::NotConnected,
    ErrorKind::PermissionDenied,
    ErrorKind::WriteZero,
    ErrorKind::OutOfMemory,
    ErrorKind::Unsupported,
    ErrorKind::StorageFull,
];

/// What an inner reader or writer does on one call, from one byte of its schedule.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    /// Transfer as much as asked (a buffered reader: fill its buffer to its capacity).
    None,
    /// Transfer at most this many bytes (at least 1).
    Short(usize),
    /// Fail with an error of this kind, transferring nothing.
    Error(ErrorKind),
    /// Return `Ok(0)`: a reader's end of input that is not one (a growing file), a writer that
    /// takes nothing.
    Zero,
    /// Panic (at most once a run), transferring nothing.
    Panic,
}

impl Fault {
    /// The fault a schedule byte stands for: half the values none, the rest short transfers,
    /// `Interrupted`, `WouldBlock`, any kind of [`KINDS`], `Ok(0)` and a panic.
    pub fn from_byte(byte: u8) -> Fault {
        let high = byte >> 4;
        match byte & 15 {
            0..=7 => Fault::None,
            8 => Fault::Short(1),
            9 => Fault::Short(1 + high as usize * high as usize * 5),
            10 => Fault::Error(ErrorKind::Interrupted),
            11 => Fault::Error(ErrorKind::WouldBlock),
            12 => Fault::Error(KINDS[high as usize]),
            13 => Fault::Zero,
            14 => Fault::Panic,
            _ => Fault::Short(1 + high as usize * 997),
        }
    }
}

/// What the hostile inner readers and writers of one run injected, shared with the driver
/// (the drivers must not call `get_mut` on a reader to find out: that has side effects).
#[derive(Debug, Default)]
pub struct Log {
    /// Calls made on the inner reader or writer.
    pub calls: Cell<u64>,
    /// Errors injected (`Fault::Error`).
    pub errors: Cell<u64>,
    /// `Ok(0)`s injected (`Fault::Zero`), each one not the real end of input.
    pub zeros: Cell<u64>,
    /// Panics injected (0 or 1).
    pub panics: Cell<u64>,
    /// A reader's bytes not read (or consumed) yet.
    pub remaining: Cell<usize>,
    /// When set, no more faults (to let `finish` complete, or to read cleanly).
    pub calm: Cell<bool>,
}

impl Log {
    fn bump(cell: &Cell<u64>) {
        cell.set(cell.get() + 1);
    }
}

/// The payload of an injected error, so that the drivers know the inner reader's or writer's
/// error from the crate's own.
#[derive(Debug)]
pub struct Injected(pub ErrorKind);

impl fmt::Display for Injected {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "injected fault ({:?})", self.0)
    }
}

impl StdError for Injected {}

/// Whether `err` is an injected error, handed back untouched (the same kind).
pub fn injected(err: &io::Error) -> Option<ErrorKind> {
    let kind = err.get_ref()?.downcast_ref::<Injected>()?.0;
    assert_eq!(err.kind(), kind, "an injected error's kind changed: {err}");
    Some(kind)
}

/// The payload of an injected panic.
#[derive(Debug)]
pub struct InjectedPanic;

/// Installs (once) a panic hook that stays silent for injected panics and hands every other
/// panic to the hook before it (libFuzzer's, which aborts: a panic of the crate is a finding,
/// even one a caller could catch).
pub fn quiet_injected_panics() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if info.payload().downcast_ref::<InjectedPanic>().is_none() {
                previous(info);
            }
        }));
    });
}

/// Runs `f`, catching an injected panic; any other panic has aborted already.
pub fn catch<T>(f: impl FnOnce() -> T) -> Result<T, InjectedPanic> {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(value) => Ok(value),
        Err(payload) if payload.downcast_ref::<InjectedPanic>().is_some() => Err(InjectedPanic),
        Err(payload) => std::panic::resume_unwind(payload),
    }
}

/// A fault schedule (cycled), with the run's [`Log`]. After a failed call (error, `Ok(0)` or
/// panic) the next always makes progress, so retrying always terminates; at most one panic a
/// run.
pub struct Faults {
    schedule: Vec<u8>,
    next: usize,
    just_failed: bool,
    /// What was injected.
    pub log: Rc<Log>,
}

impl Faults {
    /// A schedule from raw bytes; all zeros (or empty) never fails.
    pub fn new(schedule: &[u8], log: Rc<Log>) -> Self {
        Faults {
            schedule: schedule.to_vec(),
            next: 0,
            just_failed: false,
            log,
        }
    }

    /// The fault of the next call (and logs it; a panic fault panics here).
    fn next(&mut self) -> Fault {
        Log::bump(&self.log.calls);
        if self.schedule.is_empty() || self.log.calm.get() {
            return Fault::None;
        }
        let byte = self.schedule[self.next % self.schedule.len()];
        self.next = self.next.wrapping_add(1);
        let mut fault = Fault::from_byte(byte);
        if fault == Fault::Panic && self.log.panics.get() > 0 {
            fault = Fault::None;
        }
        let fails = matches!(fault, Fault::Error(_) | Fault::Zero | Fault::Panic);
        if fails && self.just_failed {
            self.just_failed = false;
            return Fault::Short(1);
        }
        self.just_failed = fails;
        match fault {
            Fault::Error(_) => Log::bump(&self.log.errors),
            Fault::Zero => Log::bump(&self.log.zeros),
            Fault::Panic => {
                Log::bump(&self.log.panics);
                std::panic::panic_any(InjectedPanic);
            }
            _ => {}
        }
        fault
    }
}

fn error(kind: ErrorKind) -> io::Error {
    io::Error::new(kind, Injected(kind))
}

/// A reader of `data` that misbehaves as its [`Faults`] say.
pub struct HostileReader<'a> {
    /// The bytes not read yet.
    pub data: &'a [u8],
    /// The schedule.
    pub faults: Faults,
}

impl<'a> HostileReader<'a> {
    /// A reader of `data` following `faults`.
    pub fn new(data: &'a [u8], faults: Faults) -> Self {
        faults.log.remaining.set(data.len());
        HostileReader { data, faults }
    }
}

impl Read for HostileReader<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let len = match self.faults.next() {
            Fault::None | Fault::Panic => buf.len(),
            Fault::Short(max) => buf.len().min(max),
            Fault::Error(kind) => return Err(error(kind)),
            Fault::Zero => return Ok(0),
        };
        let n = self.data.read(&mut buf[..len])?;
        self.faults.log.remaining.set(self.data.len());
        Ok(n)
    }
}

/// A buffered reader of `data` that misbehaves as its [`Faults`] say: `fill_buf` shows buffers
/// of any size up to its capacity (`Short`: that many bytes), fails, shows an empty buffer
/// (`Ok(0)`: a false end of input) or panics, whenever it has to refill; `read` serves its
/// buffer first, else reads past it (as `BufReader` does), with the same faults. It checks the
/// crate keeps `BufRead`'s contract: `consume` never passes what `fill_buf` showed.
pub struct HostileBufReader<'a> {
    data: &'a [u8],
    /// The bytes shown by the latest `fill_buf` and not consumed: `data[..buffered]`.
    buffered: usize,
    capacity: usize,
    /// The schedule.
    pub faults: Faults,
}

impl<'a> HostileBufReader<'a> {
    /// A buffered reader of `data` with buffers of at most `capacity` bytes (at least 1).
    pub fn new(data: &'a [u8], capacity: usize, faults: Faults) -> Self {
        faults.log.remaining.set(data.len());
        HostileBufReader {
            data,
            buffered: 0,
            capacity: capacity.max(1),
            faults,
        }
    }

    /// What is left: the buffer shown and the bytes after it.
    pub fn rest(&self) -> &'a [u8] {
        self.data
    }

    fn advance(&mut self, n: usize) {
        self.data = &self.data[n..];
        self.buffered -= n.min(self.buffered);
        self.faults.log.remaining.set(self.data.len());
    }
}

impl BufRead for HostileBufReader<'_> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        if self.buffered == 0 {
            let len = match self.faults.next() {
                Fault::None | Fault::Panic => self.capacity,
                Fault::Short(max) => max.min(self.capacity),
                Fault::Error(kind) => return Err(error(kind)),
                Fault::Zero => return Ok(&[]),
            };
            self.buffered = len.min(self.data.len());
        }
        Ok(&self.data[..self.buffered])
    }

    fn consume(&mut self, amt: usize) {
        assert!(
            amt <= self.buffered,
            "consume({amt}) past the {} bytes fill_buf showed",
            self.buffered
        );
        self.advance(amt);
    }
}

impl Read for HostileBufReader<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let available = if self.buffered > 0 {
            self.buffered
        } else {
            match self.faults.next() {
                Fault::None | Fault::Panic => self.data.len(),
                Fault::Short(max) => max,
                Fault::Error(kind) => return Err(error(kind)),
                Fault::Zero => return Ok(0),
            }
        };
        let n = buf.len().min(available).min(self.data.len());
        buf[..n].copy_from_slice(&self.data[..n]);
        self.advance(n);
        Ok(n)
    }
}

/// A writer into a `Vec` that misbehaves as its [`Faults`] say (`flush` too).
pub struct HostileWriter {
    /// Everything written so far.
    pub out: Vec<u8>,
    /// The schedule.
    pub faults: Faults,
}

impl Write for HostileWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let len = match self.faults.next() {
            Fault::None | Fault::Panic => buf.len(),
            Fault::Short(max) => buf.len().min(max),
            Fault::Error(kind) => return Err(error(kind)),
            Fault::Zero => return Ok(0),
        };
        self.out.extend_from_slice(&buf[..len]);
        Ok(len)
    }

    fn flush(&mut self) -> io::Result<()> {
        match self.faults.next() {
            Fault::Error(kind) => Err(error(kind)),
            _ => Ok(()),
        }
    }
}

/// Whether an error is one that a caller retries (and the crate must survive).
pub fn is_transient(err: &io::Error) -> bool {
    matches!(err.kind(), ErrorKind::Interrupted | ErrorKind::WouldBlock)
}

/// Retries `op` while it fails with a transient error.
pub fn retry<T>(mut op: impl FnMut() -> io::Result<T>) -> io::Result<T> {
    loop {
        match op() {
            Err(err) if is_transient(&err) => continue,
            result => return result,
        }
    }
}

/// The crate's error inside an `io::Error`: there must be one.
pub fn crate_error(err: &io::Error) -> &Error {
    err.get_ref()
        .and_then(|inner| inner.downcast_ref::<Error>())
        .unwrap_or_else(|| panic!("neither the crate's error nor an injected one: {err:?}"))
}

// ---------------------------------------------------------------------------------------------
// Drivers.

/// A read length from a raw number: mostly up to 64 KiB, an eighth of the values up to 1 MiB
/// (reads of a page or more take the reader's path that decodes whole blocks straight into the
/// caller's buffer, once 64 KiB of the stream are there). 0 stands for reading through
/// `fill_buf`/`consume`.
pub fn read_len(raw: u16) -> usize {
    if raw % 8 == 7 {
        (raw as usize) << 4
    } else {
        raw as usize
    }
}

/// How a reader driven by [`drive_reader`] ended.
#[derive(Debug)]
pub struct ReadRun {
    /// The bytes it served.
    pub data: Vec<u8>,
    /// `Ok`: it returned `Ok(0)` (the end of the stream, or a false end of input at a record
    /// boundary: see `early_end`); `Err`: an error that is not the injected faults' doing.
    pub result: io::Result<()>,
    /// How many bytes had been served when an injected panic came through (once a run).
    pub panicked_at: Option<usize>,
    /// It ended (`Ok(0)`) on a false end of input: an injected `Ok(0)` at a record boundary,
    /// with input left.
    pub early_end: bool,
    /// Calls made.
    pub calls: usize,
}

/// Reads `reader` to its end as a careful caller would: reads of the lengths `reads` gives
/// (cycled; 0: `fill_buf` and `consume` of part of it), retrying every error that the injected
/// faults explain:
///
/// - an injected error, handed back untouched (never more of them than were injected);
/// - `UnexpectedEof` of the crate (a truncated prefix or block, a missing end marker) while
///   input is left: a false end of input met inside a record, which the reader must resume
///   after (never more of them than were injected);
/// - an injected panic (once).
///
/// Any other error ends the run (`result`), and so does `Ok(0)`. A reader that keeps failing
/// without the faults to explain it, or keeps going without progress, fails the run.
pub fn drive_reader<R: BufRead>(reader: &mut R, reads: &[u16], log: &Log) -> ReadRun {
    let mut data = Vec::new();
    let mut buf = Vec::new();
    let mut returned_errors = 0;
    let mut returned_eofs = 0;
    let mut panicked_at = None;
    let mut idle = 0;
    let mut calls = 0;
    let result = loop {
        let want = reads
            .get(calls % reads.len().max(1))
            .copied()
            .map_or(1 << 16, read_len);
        calls += 1;
        let calls_before = log.calls.get();
        let got = catch(|| {
            if want == 0 {
                let available = reader.fill_buf()?;
                let n = available.len().min(1 + calls % 1000);
                data.extend_from_slice(&available[..n]);
                reader.consume(n);
                Ok(n)
            } else {
                if buf.len() < want {
                    buf.resize(want, 0);
                }
                let n = reader.read(&mut buf[..want])?;
                data.extend_from_slice(&buf[..n]);
                Ok(n)
            }
        });
        let progress = log.calls.get() != calls_before;
        match got {
            Err(InjectedPanic) => {
                assert_eq!(log.panics.get(), 1, "a panic that was not injected");
                assert!(panicked_at.is_none(), "two panics");
                panicked_at = Some(data.len());
            }
            Ok(Ok(0)) => {
                let early_end = log.remaining.get() > 0 && log.zeros.get() > returned_eofs;
                break Ok(early_end);
            }
            Ok(Ok(_)) => idle = 0,
            Ok(Err(err)) => {
                if injected(&err).is_some() {
                    returned_errors += 1;
                    assert!(
                        returned_errors <= log.errors.get(),
                        "more injected errors returned than injected: {err}"
                    );
                } else if err.kind() == ErrorKind::UnexpectedEof && log.remaining.get() > 0 {
                    let reason = crate_error(&err).reason();
                    assert!(
                        matches!(
                            reason,
                            Reason::TruncatedPrefix { .. }
                                | Reason::TruncatedBlock { .. }
                                | Reason::MissingEndMarker
                        ),
                        "UnexpectedEof with input left: {err}"
                    );
                    returned_eofs += 1;
                    assert!(
                        returned_eofs <= log.zeros.get(),
                        "UnexpectedEof with input left and no false end of input: {err}"
                    );
                } else {
                    break Err(err);
                }
            }
        }
        if !progress {
            idle += 1;
            assert!(idle < 64, "the reader makes no progress (calls {calls})");
        }
    };
    let (result, early_end) = match result {
        Ok(early_end) => (Ok(()), early_end),
        Err(err) => (Err(err), false),
    };
    ReadRun {
        data,
        result,
        panicked_at,
        early_end,
        calls,
    }
}

/// Checks what a reader served after an injected panic: before the panic, the stream's bytes;
/// after it, the bytes of the stream past those the panicking call took (lost with it, as
/// with any reader: that call returned nothing), or a prefix of them when it ended on an error
/// (InvalidData: a block that needed the lost call's bytes as history).
///
/// The second half found a bug (`tests/reader_panic.rs`: after a panic in a large read, the
/// reader's history was stale, and it served wrong bytes; the reader is now poisoned instead,
/// `Reason::Poisoned`). It is on unless `LZ4S_FUZZ_STRICT_PANIC=0` is in the environment.
pub fn check_after_panic(served: &[u8], expected: &[u8], at: usize, completed: bool) {
    assert!(
        served[..at] == expected[..at],
        "the reader served other bytes before the panic"
    );
    let after = &served[at..];
    if completed && strict_panic() {
        assert!(
            after.len() <= expected.len() - at && expected.ends_with(after),
            "after a panic in the inner reader, the reader served bytes that are not the \
             stream's rest ({} bytes served after the panic at {at}, {} expected at most)",
            after.len(),
            expected.len() - at
        );
    }
}

/// Whether `LZ4S_FUZZ_STRICT_PANIC` is set (see [`check_after_panic`]).
pub fn strict_panic() -> bool {
    static STRICT: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *STRICT.get_or_init(|| std::env::var_os("LZ4S_FUZZ_STRICT_PANIC").is_none_or(|v| v != "0"))
}

/// One call on a writer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WriteOp {
    /// Write the next bytes, this many (0: an empty write, then all the rest).
    Write(usize),
    /// `flush()`.
    Flush,
}

/// How a writer driven by [`drive_writer`] went.
#[derive(Debug, Default)]
pub struct WriteRun {
    /// Where the data was cut into shorter blocks by a flush (each flush's position).
    pub flushes: Vec<usize>,
    /// The out-of-band sizes `take_block_sizes` gave, in order.
    pub sizes: Vec<usize>,
    /// The injected panic, if one came through: the data position of the call it interrupted
    /// and how many bytes that call offered (0 for a flush or the finish).
    pub panicked: Option<(usize, usize)>,
}

/// Writes `data` into `writer` by `ops` (cycled until the data is all written), then
/// `try_finish`, as a careful caller would: every error the injected faults explain is retried
/// (an injected error, handed back untouched; `WriteZero` after an injected `Ok(0)`), a
/// `write` that fails took nothing (the same bytes are offered again), and after an injected
/// panic the call is made again with the same bytes. Any other error fails the run.
pub fn drive_writer<W: Write>(
    writer: &mut lz4_stream::Lz4StreamWriter<W>,
    data: &[u8],
    ops: &[WriteOp],
    log: &Log,
) -> WriteRun {
    let mut run = WriteRun::default();
    let mut returned_errors = 0;
    let mut returned_zeros = 0;
    let mut pos = 0;
    let mut step = 0;
    // Retries `call` until it succeeds, explaining each failure by the faults.
    let mut call = |run: &mut WriteRun,
                    at: usize,
                    offered: usize,
                    op: &mut dyn FnMut() -> io::Result<usize>|
     -> usize {
        let mut idle = 0;
        loop {
            let calls_before = log.calls.get();
            match catch(&mut *op) {
                Ok(Ok(n)) => return n,
                Err(InjectedPanic) => {
                    assert_eq!(log.panics.get(), 1, "a panic that was not injected");
                    assert!(run.panicked.is_none(), "two panics");
                    run.panicked = Some((at, offered));
                }
                Ok(Err(err)) => {
                    if injected(&err).is_some() {
                        returned_errors += 1;
                        assert!(
                            returned_errors <= log.errors.get(),
                            "more injected errors returned than injected: {err}"
                        );
                    } else if err.kind() == ErrorKind::WriteZero {
                        returned_zeros += 1;
                        assert!(
                            returned_zeros <= log.zeros.get(),
                            "WriteZero without an inner writer taking nothing: {err}"
                        );
                    } else {
                        panic!("the writer failed: {err}");
                    }
                }
            }
            // A failed call must have got somewhere with the inner writer, but for a few (a
            // deferred error handed back).
            if log.calls.get() == calls_before {
                idle += 1;
                assert!(
                    idle < 8,
                    "the writer keeps failing without calling the inner writer"
                );
            } else {
                idle = 0;
            }
        }
    };
    while pos < data.len() {
        let op = ops.get(step % ops.len().max(1)).copied();
        step += 1;
        match op {
            Some(WriteOp::Flush) => {
                call(&mut run, pos, 0, &mut || writer.flush().map(|()| 0));
                run.flushes.push(pos);
            }
            op => {
                let len = match op {
                    Some(WriteOp::Write(0)) => {
                        let n = call(&mut run, pos, 0, &mut || writer.write(&[]));
                        assert_eq!(n, 0, "an empty write took bytes");
                        data.len() - pos
                    }
                    Some(WriteOp::Write(len)) => len,
                    _ => data.len() - pos,
                };
                let end = data.len().min(pos + len);
                while pos < end {
                    let chunk = &data[pos..end];
                    let n = call(&mut run, pos, chunk.len(), &mut || writer.write(chunk));
                    assert!(n > 0 && n <= end - pos, "write returned {n}");
                    pos += n;
                }
            }
        }
        run.sizes.extend(writer.take_block_sizes());
    }
    call(&mut run, pos, 0, &mut || writer.try_finish().map(|()| 0));
    run.sizes.extend(writer.take_block_sizes());
    run
}

/// Checks what a writer's stream decodes to after an injected panic in its inner writer, with
/// the interrupted call made again with the same bytes: the stream is valid, and decodes to
/// the data with the bytes that call had taken before the panic repeated (the caller cannot
/// know how many; at most what it offered).
pub fn check_writer_after_panic(decoded: &[u8], data: &[u8], at: usize, offered: usize) {
    assert!(
        decoded.len() >= data.len() && decoded.len() - data.len() <= offered,
        "after a panic in the inner writer the stream decodes to {} bytes, the data is {} \
         (the panicking call offered {offered} at {at})",
        decoded.len(),
        data.len()
    );
    let taken = decoded.len() - data.len();
    assert!(
        decoded[..at + taken] == data[..at + taken] && decoded[at + taken..] == data[at..],
        "after a panic in the inner writer the stream decodes to other bytes than the data \
         with the panicking call's {taken} taken bytes repeated (at {at})"
    );
}

// ---------------------------------------------------------------------------------------------
// Options from raw numbers.

/// A page size in `1..=max` from a raw number, mostly small (many blocks from little data)
/// but reaching `max`.
pub fn page_size(raw: u32, max: usize) -> usize {
    let value = (raw >> 2) as usize;
    let limit = match raw % 4 {
        0 => 256,
        1 => 4096,
        2 => 65_536,
        _ => max,
    };
    1 + value % limit.min(max)
}

/// The size prefixes a writer may use with pages of `page_size` bytes.
pub fn writer_prefixes(page_size: usize) -> Vec<SizePrefix> {
    [
        SizePrefix::OutOfBand,
        SizePrefix::U8,
        SizePrefix::U16,
        SizePrefix::U32,
    ]
    .into_iter()
    .filter(|prefix| compress_bound(page_size) <= prefix.max_block_size())
    .collect()
}

/// Any prefix, from a raw number: out of band, 1, 2 or 4 bytes.
pub fn any_prefix(raw: u8) -> SizePrefix {
    [
        SizePrefix::OutOfBand,
        SizePrefix::U8,
        SizePrefix::U16,
        SizePrefix::U32,
    ][raw as usize % 4]
}

/// A dictionary from a raw number: none, the peers' fixture dictionaries (32 KiB, and 100 KiB
/// of which the last 64 KiB count), or the first `len` bytes of `data` (taken off it), made
/// longer than 64 KiB when `len`'s top bit is set.
pub fn dictionary(raw: u8, len: u16, data: &mut Vec<u8>) -> Vec<u8> {
    match raw % 4 {
        0 => Vec::new(),
        1 => DICT_32K.to_vec(),
        2 => DICT_100K.to_vec(),
        _ => {
            let n = ((len & 0x7FFF) as usize).min(data.len());
            let mut dictionary: Vec<u8> = data.drain(..n).collect();
            if len & 0x8000 != 0 && !dictionary.is_empty() {
                dictionary = expand(&dictionary, 70_000, u32::from(len));
            }
            dictionary
        }
    }
}

/// An acceleration of `Mode::Fast` in `1..=65537` from a raw number, biased to small values.
pub fn acceleration(raw: u32) -> u32 {
    let value = raw >> 2;
    match raw % 4 {
        0 => 1,
        1 => 1 + value % 16,
        2 => 1 + value % 1024,
        _ => 1 + value % lz4_stream::MAX_ACCELERATION,
    }
}

/// The longest data `round_trip` compresses with HC levels 10-12 (the optimal parser, 10 to 50
/// times slower than the fast compressor); longer data takes levels 7-9 instead.
pub const SLOW_LEVEL_MAX_LEN: usize = 4096;

/// A compression mode for `len` bytes of data from two raw numbers: `Mode::High` for 3 of 8
/// values of `mode` (every level `1..=12` alike, but levels 10-12 become 7-9 when `len` exceeds
/// [`SLOW_LEVEL_MAX_LEN`]), else `Mode::Fast` with [`acceleration`]`(acceleration_raw)`.
pub fn mode(mode: u8, acceleration_raw: u32, len: usize) -> Mode {
    if mode % 8 < 3 {
        let mut level = 1 + u32::from(mode >> 3) % lz4_stream::MAX_HC_LEVEL;
        if level >= 10 && len > SLOW_LEVEL_MAX_LEN {
            level -= 3;
        }
        Mode::High { level }
    } else {
        Mode::Fast {
            acceleration: acceleration(acceleration_raw),
        }
    }
}

/// A history length for the decoder differential from a raw number: the lengths that matter
/// most (none, tiny, the 64 KiB window, a dictionary longer than it) or any up to 70,000.
pub fn history_len(raw: u32) -> usize {
    const LENS: [usize; 8] = [0, 1, 5, 12, 1000, 65_535, 65_536, 70_000];
    match raw & 1 {
        0 => LENS[(raw >> 1) as usize % LENS.len()],
        _ => (raw >> 1) as usize % 70_001,
    }
}

/// `len` bytes of history: `seed` repeated with small changes, or pseudo-random runs and bytes
/// when `seed` is empty (blocks compressed against it then find matches in it).
pub fn history(seed: &[u8], len: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(len);
    if !seed.is_empty() {
        let mut round = 0u8;
        while out.len() < len {
            let n = seed.len().min(len - out.len());
            out.extend(seed[..n].iter().map(|&b| b.wrapping_add(round / 3)));
            round = round.wrapping_add(1);
        }
        return out;
    }
    let mut x = 0x9E37_79B9_7F4A_7C15u64 ^ len as u64;
    while out.len() < len {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let n = ((x >> 8) % 40 + 1) as usize;
        let n = n.min(len - out.len());
        if x & 1 == 0 {
            out.resize(out.len() + n, (x >> 16) as u8);
        } else {
            out.extend((0..n).map(|i| (x >> (i % 8 * 8)) as u8));
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Stretching.

/// `len` bytes made from `seed` and `salt`: pieces of the seed (slightly changed), copies of
/// what came before from near and far (up to 66,000 bytes back: past the 64 KiB window, so
/// the compressors must not reach there), runs and pseudo-random literals. Blocks of it find
/// matches at every distance, which makes the history matter across many blocks.
pub fn expand(seed: &[u8], len: usize, salt: u32) -> Vec<u8> {
    let mut out = Vec::with_capacity(len);
    let mut x = 0x2545_F491_4F6C_DD1Du64 ^ u64::from(salt) << 17 ^ seed.len() as u64;
    let mut next = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    while out.len() < len {
        let r = next();
        let n = (1 + (r >> 8) % 2000) as usize;
        let n = n.min(len - out.len());
        match r % 8 {
            0..=2 if !seed.is_empty() => {
                let from = (r >> 24) as usize % seed.len();
                let piece = &seed[from..seed.len().min(from + n)];
                let flip = (r >> 40) as u8;
                out.extend(
                    piece
                        .iter()
                        .enumerate()
                        .map(|(i, &b)| if i % 251 == 0 { b ^ flip } else { b }),
                );
            }
            3..=5 if !out.is_empty() => {
                let distance = 1 + match r % 3 {
                    0 => (r >> 24) as usize % 64,
                    1 => (r >> 24) as usize % 4096,
                    _ => (r >> 24) as usize % 66_000,
                }
                .min(out.len() - 1);
                let from = out.len() - distance;
                for i in 0..n {
                    out.push(out[from + i]);
                }
            }
            6 => out.resize(out.len() + n, (r >> 32) as u8),
            _ => {
                let mut y = next();
                for _ in 0..n {
                    out.push(y as u8);
                    y = y.rotate_right(8) ^ (y >> 3);
                }
            }
        }
    }
    out
}

/// The data of `raw` stretched by `stretch`, by `stretch % 8`: as it is (0-2), up to 16 copies
/// each slightly changed (3-5), or [`expand`]ed to 64 KiB to 192 KiB (6 and 7: what passes the
/// window, the readers' large reads and the history move).
pub fn stretch(data: &[u8], stretch: u32) -> Vec<u8> {
    let value = (stretch >> 3) as usize;
    match stretch % 8 {
        0..=2 => data.to_vec(),
        3..=5 => {
            let copies = value % 16 + 1;
            let mut out = Vec::with_capacity(data.len() * copies);
            for copy in 0..copies {
                out.extend(data.iter().enumerate().map(|(i, &b)| {
                    if i % 97 == 0 {
                        b ^ copy as u8
                    } else {
                        b
                    }
                }));
            }
            out
        }
        _ => expand(data, WINDOW_SIZE + value % (2 * WINDOW_SIZE), stretch),
    }
}

/// A stream's records (by `prefix` and `page_size`; `OutOfBand`: the input is read with 4-byte
/// prefixes, which become the sizes) repeated `copies` times: the blocks of the first copy
/// reference only what came before them, so the copies after it decode too (a block 0 that
/// used a dictionary then references the copy before it instead: other bytes, still valid).
/// Bytes after the records (an end marker, a bad record) follow the last copy. Returns the
/// stream and, out of band, the sizes.
pub fn replay(
    input: &[u8],
    prefix: SizePrefix,
    page_size: usize,
    copies: usize,
) -> (Vec<u8>, Vec<usize>) {
    let parse = if prefix == SizePrefix::OutOfBand {
        SizePrefix::U32
    } else {
        prefix
    };
    let mut records: Vec<&[u8]> = Vec::new();
    let mut rest = input;
    while let Ok((Record::Block(block), after)) = split_record(rest, parse, page_size) {
        records.push(block);
        rest = after;
    }
    let mut stream = Vec::new();
    let mut sizes = Vec::new();
    for _ in 0..copies.max(1) {
        for block in &records {
            if prefix == SizePrefix::OutOfBand {
                sizes.push(block.len());
            } else {
                let len = block.len() as u32;
                stream.extend_from_slice(&len.to_le_bytes()[..prefix.width()]);
            }
            stream.extend_from_slice(block);
        }
    }
    if prefix == SizePrefix::OutOfBand && !rest.is_empty() {
        sizes.push(rest.len());
    }
    stream.extend_from_slice(rest);
    (stream, sizes)
}

// ---------------------------------------------------------------------------------------------
// The input of the stream readers' targets.

/// The input of `read_arbitrary` and `bufread` (the same layout, so they share seeds): fixed
/// fields, then the bytes. `seeds.py` writes it with `struct.pack("<IBBBHBHI4I4(IB)I8H16BI16B")`
/// order (see there).
#[derive(Arbitrary, Debug)]
pub struct StreamCase {
    /// Page size, up to 1 MiB (see [`page_size`]).
    pub page: u32,
    /// Any prefix ([`any_prefix`]).
    pub prefix: u8,
    /// Whether the reader requires an end marker.
    pub end_marker: bool,
    /// The dictionary ([`dictionary`]).
    pub dictionary: u8,
    /// Its length when taken from the bytes.
    pub dict_len: u16,
    /// How the stream is made from the bytes, by `source % 4`: 0, the bytes are the stream
    /// (out of band: records with 4-byte prefixes, which become the sizes); 1, the same with
    /// its records replayed `stretch % 8 + 1` times ([`replay`]); 2 and 3, the bytes,
    /// [`stretch`]ed, compressed first by a `Compressor` (writer options: a ring window of
    /// `window` bytes, 0: the double buffer; [`mode`] from `(source >> 2) & 7`, the HC level
    /// from `stretch >> 24`, the acceleration from `stretch`), then edited and cut.
    pub source: u8,
    /// The ring buffer's window (0: the double buffer) when compressing.
    pub window: u16,
    /// How much to stretch or replay.
    pub stretch: u32,
    /// Out-of-band sizes in place of the real ones (a raw value `% 8 == 0` replaces the size,
    /// see `block_size`), one for each of the first four blocks.
    pub sizes: [u32; 4],
    /// Bytes changed: (position, xor mask); a zero mask changes nothing.
    pub edits: [(u32, u8); 4],
    /// Cut the stream: 0, not; else at `(cut - 1) % (len + 1)`.
    pub cut: u32,
    /// Lengths of the successive reads (cycled; see [`read_len`]).
    pub reads: [u16; 8],
    /// The fault schedule of the inner reader.
    pub faults: [u8; 16],
    /// The capacity of `bufread`'s inner buffered reader (see [`capacity`]); `read_arbitrary`:
    /// a small `max_idle_input` when `capacity % 4 == 0`.
    pub capacity: u32,
    /// A second schedule (`bufread`: unused, the clean reader's side is clean;
    /// `read_arbitrary`: the `DecompressingWriter`'s inner writer).
    pub faults2: [u8; 16],
    /// The bytes.
    pub bytes: Bytes,
}

/// An out-of-band block size from a raw number: small, about a record, or any.
pub fn block_size(raw: u32) -> usize {
    let value = (raw >> 2) as usize;
    match raw % 4 {
        0 => value % 16,
        1 => value % 300,
        2 => value % 70_000,
        _ => value,
    }
}

/// The capacity of an inner buffered reader from a raw number: tiny (records straddle its
/// end), about a record, 64 KiB and up (whole records), or the whole input at once.
pub fn capacity(raw: u32) -> usize {
    let value = (raw >> 2) as usize;
    match raw % 4 {
        0 => 1 + value % 16,
        1 => 1 + value % 4096,
        2 => 1 + value % (1 << 20),
        _ => usize::MAX,
    }
}

/// A built [`StreamCase`]: the options of the reader, the stream, and (out of band) its sizes.
pub struct Built {
    /// The reader's options.
    pub opts: StreamOptions,
    /// The input of the reader.
    pub input: Vec<u8>,
    /// The out-of-band sizes.
    pub sizes: Vec<usize>,
    /// What the stream decodes to, when it was compressed from data and not changed after.
    pub data: Option<Vec<u8>>,
}

impl StreamCase {
    /// The reader's options and input.
    pub fn build(&self) -> Built {
        let page_size = page_size(self.page, 1 << 20);
        let prefix = any_prefix(self.prefix);
        let mut bytes = self.bytes.0.clone();
        let dictionary = dictionary(self.dictionary, self.dict_len, &mut bytes);
        let mut opts = StreamOptions::new()
            .page_size(page_size)
            .size_prefix(prefix)
            .dictionary(dictionary)
            .end_marker(self.end_marker);
        let mut data = None;
        let (mut input, mut sizes) = match self.source % 4 {
            0 => replay(&bytes, prefix, page_size, 1),
            1 => replay(&bytes, prefix, page_size, self.stretch as usize % 8 + 1),
            _ => {
                let plain = stretch(&bytes, self.stretch);
                // A valid stream to start from, when a writer may use these options.
                let writer_prefix = if writer_prefixes(page_size).contains(&prefix) {
                    prefix
                } else {
                    SizePrefix::U32
                };
                opts = opts
                    .size_prefix(writer_prefix)
                    .strategy(match self.window {
                        0 => Strategy::DoubleBuffer,
                        window => Strategy::RingBuffer {
                            window: window as usize,
                        },
                    })
                    .mode(mode(
                        (self.source >> 2) & 7 | ((self.stretch >> 24) as u8) << 3,
                        self.stretch,
                        plain.len(),
                    ));
                if writer_prefix == SizePrefix::OutOfBand {
                    opts = opts.end_marker(false);
                }
                let mut compressor = Compressor::new(&opts).expect("valid writer options");
                let mut stream = Vec::new();
                let mut sizes = Vec::new();
                // Each record through a scratch buffer: `compress` grows its output by exactly
                // what the record may need, so one `Vec` of many tiny records is reallocated
                // (copied) at every record, quadratic under the address sanitizer's allocator.
                let mut record = Vec::new();
                for chunk in plain.chunks(page_size) {
                    record.clear();
                    sizes.push(compressor.compress(chunk, &mut record).expect("compress"));
                    stream.extend_from_slice(&record);
                }
                if opts.get_end_marker() {
                    stream.resize(stream.len() + writer_prefix.width(), 0);
                }
                if writer_prefix != SizePrefix::OutOfBand {
                    sizes.clear();
                }
                data = Some(plain);
                (stream, sizes)
            }
        };
        if opts.get_size_prefix() == SizePrefix::OutOfBand {
            for (size, &raw) in sizes.iter_mut().zip(&self.sizes) {
                if raw % 8 == 0 && raw != 0 {
                    *size = block_size(raw >> 3);
                    data = None;
                }
            }
        }
        for &(at, xor) in &self.edits {
            if !input.is_empty() && xor != 0 {
                let at = at as usize % input.len();
                input[at] ^= xor;
                data = None;
            }
        }
        if self.cut != 0 {
            let len = (self.cut - 1) as usize % (input.len() + 1);
            if len < input.len() {
                input.truncate(len);
                data = None;
            }
        }
        if opts.get_size_prefix() != SizePrefix::OutOfBand {
            sizes.clear();
        }
        Built {
            opts,
            input,
            sizes,
            data,
        }
    }
}

/// How a stream ended, as a reader or the sans-IO path sees it.
#[derive(Debug, PartialEq, Eq)]
pub enum Outcome {
    /// The stream ended; this many input bytes were left after it.
    Done {
        /// Bytes after the stream.
        rest: usize,
    },
    /// An error: its reason, block and offset.
    Failed {
        /// Why.
        reason: Reason,
        /// The block number.
        block: Option<u64>,
        /// The record's offset.
        offset: Option<u64>,
    },
}

impl Outcome {
    /// The outcome of a crate error.
    pub fn of(err: &Error) -> Outcome {
        Outcome::Failed {
            reason: err.reason().clone(),
            block: err.block(),
            offset: err.offset(),
        }
    }
}

/// Decodes `input` with `split_record` (or the out-of-band sizes) and a `Decompressor`,
/// numbering blocks and records as the readers do.
pub fn sans_io(input: &[u8], opts: &StreamOptions, sizes: &[usize]) -> (Outcome, Vec<u8>) {
    let prefix = opts.get_size_prefix();
    let page_size = opts.get_page_size();
    let mut decompressor = Decompressor::new(opts).expect("valid reader options");
    let mut decoded = Vec::new();
    let mut rest = input;
    let mut offset = 0u64;
    let mut block = 0u64;
    let failed = |reason: Reason, block: u64, offset: u64| Outcome::Failed {
        reason,
        block: Some(block),
        offset: Some(offset),
    };
    let mut sizes = sizes.iter();
    loop {
        let (data, after) = if prefix == SizePrefix::OutOfBand {
            let Some(&size) = sizes.next() else {
                return (Outcome::Done { rest: rest.len() }, decoded);
            };
            if size == 0 {
                return (failed(Reason::EmptyBlock, block, offset), decoded);
            }
            let bound = compress_bound(page_size);
            if size > bound {
                return (
                    failed(Reason::BlockTooLarge { size, bound }, block, offset),
                    decoded,
                );
            }
            if rest.len() < size {
                let reason = Reason::TruncatedBlock {
                    got: rest.len(),
                    size,
                };
                return (failed(reason, block, offset), decoded);
            }
            rest.split_at(size)
        } else {
            if rest.is_empty() {
                let outcome = if opts.get_end_marker() {
                    failed(Reason::MissingEndMarker, block, offset)
                } else {
                    Outcome::Done { rest: 0 }
                };
                return (outcome, decoded);
            }
            match split_record(rest, prefix, page_size) {
                Ok((Record::End, after)) => {
                    return (Outcome::Done { rest: after.len() }, decoded);
                }
                Ok((Record::Block(data), after)) => (data, after),
                Err(err) => {
                    assert_eq!(err.block(), None);
                    return (failed(err.reason().clone(), block, offset), decoded);
                }
            }
        };
        match decompressor.decompress(data) {
            Ok(bytes) => decoded.extend_from_slice(bytes),
            Err(err) => {
                assert_eq!(err.block(), Some(block));
                return (failed(err.reason().clone(), block, offset), decoded);
            }
        }
        offset += (prefix.width() + data.len()) as u64;
        block += 1;
        rest = after;
    }
}

/// Checks a reader's run against the sans-IO path's decoding of the same input: the same
/// bytes and the same outcome (error reason, block and offset; or the end of the stream with
/// `rest` bytes of input left after it), every error of the crate's three kinds and the same
/// when asked again (`again`, the error of one more read); with the allowances of an injected
/// panic (only the bytes after it are checked, loosely) and of an early end on a false end of
/// input at a record boundary (a prefix of the bytes, ending at a block's end).
pub fn check_reader_run(
    run: &ReadRun,
    rest: usize,
    again: Option<io::Result<usize>>,
    expected: &(Outcome, Vec<u8>),
) {
    let (expected_outcome, expected_bytes) = expected;
    if let Some(at) = run.panicked_at {
        let completed = run.result.is_ok() && !run.early_end;
        check_after_panic(&run.data, expected_bytes, at, completed);
        if let Err(err) = &run.result {
            crate_error(err);
        }
        return;
    }
    let clean_end = run.result.is_ok()
        && Outcome::Done { rest } == *expected_outcome
        && run.data == *expected_bytes;
    if run.early_end && !clean_end {
        assert!(
            expected_bytes.starts_with(&run.data),
            "the reader served other bytes before a false end of input"
        );
        return;
    }
    let outcome = match &run.result {
        Ok(()) => Outcome::Done { rest },
        Err(err) => {
            let inner = crate_error(err);
            assert!(
                matches!(
                    err.kind(),
                    ErrorKind::InvalidData | ErrorKind::UnexpectedEof
                ),
                "{err}"
            );
            assert_eq!(err.kind(), inner.kind());
            match again {
                Some(Err(again)) if injected(&again).is_none() => {
                    assert_eq!(crate_error(&again), inner, "asked again, another error");
                }
                Some(Ok(n)) => panic!("after {err}, a read gave Ok({n})"),
                _ => {}
            }
            Outcome::of(inner)
        }
    };
    assert_eq!(&outcome, expected_outcome);
    assert!(
        run.data == *expected_bytes,
        "the reader and the sans-IO path decode differently"
    );
}

// ---------------------------------------------------------------------------------------------
// The new front ends: `CompressingReader` and `DecompressingWriter`.

/// A fault schedule without the faults of `drop`: `Fault::Zero` (a `CompressingReader` takes an
/// inner reader's `Ok(0)` for the end of the data, as every `Read` user does) and/or
/// `Fault::Panic` (its bytes become "no fault").
pub fn without(schedule: &[u8], zero: bool, panic: bool) -> Vec<u8> {
    schedule
        .iter()
        .map(|&byte| match Fault::from_byte(byte) {
            Fault::Zero if zero => 0,
            Fault::Panic if panic => 0,
            _ => byte,
        })
        .collect()
}

/// Whether `err`, from a front end over a hostile inner reader or writer, is the faults' doing:
/// an injected error handed back untouched (never more than were injected), or the `WriteZero`
/// of an inner writer's `Ok(0)` (never more than were injected). Counts them in `seen`.
fn explained(err: &io::Error, log: &Log, seen: &mut (u64, u64)) -> bool {
    if injected(err).is_some() {
        seen.0 += 1;
        assert!(
            seen.0 <= log.errors.get(),
            "more injected errors returned than injected: {err}"
        );
        true
    } else if err.kind() == ErrorKind::WriteZero
        && err
            .get_ref()
            .and_then(|e| e.downcast_ref::<Error>())
            .is_none()
    {
        seen.1 += 1;
        assert!(
            seen.1 <= log.zeros.get(),
            "WriteZero without an inner writer taking nothing: {err}"
        );
        true
    } else {
        false
    }
}

/// Compresses `data` with `CompressingReader` over a hostile inner reader (`schedule`, with
/// neither `Ok(0)` nor panics), read into buffers of the lengths `reads` gives (cycled; see
/// [`read_len`], 0 standing for 1 byte), retrying every injected error. Returns the stream
/// and the out-of-band sizes.
pub fn compressing_reader(
    data: &[u8],
    opts: &StreamOptions,
    reads: &[u16],
    schedule: &[u8],
) -> (Vec<u8>, Vec<usize>) {
    let log = Rc::new(Log::default());
    let schedule = without(schedule, true, true);
    let inner = HostileReader::new(data, Faults::new(&schedule, log.clone()));
    let mut reader =
        lz4_stream::CompressingReader::with_options(inner, opts).expect("valid writer options");
    let mut stream = Vec::new();
    let mut sizes = Vec::new();
    let mut buf = Vec::new();
    let mut seen = (0, 0);
    let mut step = 0;
    loop {
        let want = reads
            .get(step % reads.len().max(1))
            .copied()
            .map_or(1 << 16, read_len)
            .max(1);
        step += 1;
        if buf.len() < want {
            buf.resize(want, 0);
        }
        match reader.read(&mut buf[..want]) {
            Ok(0) => break,
            Ok(n) => {
                assert!(n <= want);
                stream.extend_from_slice(&buf[..n]);
            }
            Err(err) => assert!(
                explained(&err, &log, &mut seen),
                "CompressingReader failed: {err}"
            ),
        }
        sizes.extend(reader.take_block_sizes());
    }
    sizes.extend(reader.take_block_sizes());
    assert_eq!(reader.total_out(), stream.len() as u64);
    assert_eq!(reader.total_in(), data.len() as u64);
    log.calm.set(true);
    assert_eq!(reader.read(&mut [0; 16]).expect("read at the end"), 0);
    (stream, sizes)
}

/// Feeds `input` to a `DecompressingWriter` (out of band: with `sizes`) in pieces of the lengths
/// `pieces` gives (cycled; [`read_len`], 0: all the rest), over a hostile inner writer
/// (`schedule`, without panics), retrying every error the faults explain, then finishes it.
/// Returns its outcome as [`sans_io`] states one (an `AfterEnd` error is the end of the stream
/// with the bytes not taken after it) and what the inner writer got.
///
/// Checks that every other error is the crate's, `InvalidData` from `write` (then `flush` hands
/// over the bytes decoded before it and reports the same error) or `UnexpectedEof` from
/// `finish` only, which gives the writer back; that `write` takes at least a byte and never
/// more than offered, and `total_in` is the sum of what it returned.
pub fn decompressing_writer(
    input: &[u8],
    opts: &StreamOptions,
    sizes: &[usize],
    pieces: &[u16],
    schedule: &[u8],
) -> (Outcome, Vec<u8>) {
    let log = Rc::new(Log::default());
    let schedule = without(schedule, false, true);
    let inner = HostileWriter {
        out: Vec::new(),
        faults: Faults::new(&schedule, log.clone()),
    };
    let mut writer = if opts.get_size_prefix() == SizePrefix::OutOfBand {
        lz4_stream::DecompressingWriter::with_block_sizes(inner, opts, sizes.iter().copied())
    } else {
        lz4_stream::DecompressingWriter::with_options(inner, opts)
    }
    .expect("valid reader options");
    let mut seen = (0, 0);
    let mut pos = 0;
    let mut step = 0;
    let failure = 'feed: loop {
        if pos == input.len() {
            break None;
        }
        let len = pieces
            .get(step % pieces.len().max(1))
            .copied()
            .map_or(0, read_len);
        step += 1;
        let end = if len == 0 {
            input.len()
        } else {
            input.len().min(pos + len)
        };
        while pos < end {
            match writer.write(&input[pos..end]) {
                Ok(n) => {
                    assert!(n > 0 && n <= end - pos, "write returned {n}");
                    pos += n;
                }
                Err(err) if explained(&err, &log, &mut seen) => {}
                Err(err) => break 'feed Some(err),
            }
        }
    };
    assert_eq!(
        writer.total_in(),
        pos as u64,
        "total_in is not what write took"
    );
    let outcome_of = |err: &io::Error, pos: usize| {
        let inner = crate_error(err);
        assert_eq!(err.kind(), inner.kind());
        if *inner.reason() == Reason::AfterEnd {
            Outcome::Done {
                rest: input.len() - pos,
            }
        } else {
            Outcome::of(inner)
        }
    };
    if let Some(err) = failure {
        assert_eq!(err.kind(), ErrorKind::InvalidData, "write failed: {err}");
        let outcome = outcome_of(&err, pos);
        // flush hands over what was decoded before the error, then reports it.
        let again = loop {
            match writer.flush() {
                Err(again) if explained(&again, &log, &mut seen) => {}
                result => break result,
            }
        };
        if *crate_error(&err).reason() != Reason::AfterEnd {
            let again = again.expect_err("flush after corrupt data succeeded");
            assert_eq!(
                crate_error(&again),
                crate_error(&err),
                "flush: another error"
            );
        }
        log.calm.set(true);
        return (outcome, writer.get_ref().out.clone());
    }
    let result = loop {
        match writer.try_finish() {
            Err(err) if explained(&err, &log, &mut seen) => {}
            result => break result,
        }
    };
    log.calm.set(true);
    match (result, writer.finish()) {
        (Ok(()), Ok(inner)) => (Outcome::Done { rest: 0 }, inner.out),
        (Err(err), Err(finish)) => {
            let (again, writer) = finish.into_parts();
            assert_eq!(
                crate_error(&again),
                crate_error(&err),
                "finish: another error"
            );
            assert!(
                matches!(
                    err.kind(),
                    ErrorKind::UnexpectedEof | ErrorKind::InvalidData
                ),
                "finish failed: {err}"
            );
            (outcome_of(&err, pos), writer.get_ref().out.clone())
        }
        (result, finish) => panic!(
            "try_finish gave {result:?}, then finish {:?}",
            finish.err().map(|e| e.into_error())
        ),
    }
}
