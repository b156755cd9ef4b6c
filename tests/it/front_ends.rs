//! One fault-injection harness over every front end of the codec (issue 9): the compressing
//! writers (`Lz4StreamWriter`, tokio's and futures-io's), `CompressingReader`, the readers
//! (`Lz4StreamReader`, `Lz4StreamBufReader`, tokio's and futures-io's of both kinds) and
//! `DecompressingWriter`.
//!
//! Each front end implements [`FrontEnd`]: how to build it over an [`Inner`] (one fault
//! injector that is a `Read`, `BufRead` and `Write` and the same as tokio's and futures-io's
//! async traits), and how a caller writes to it ([`WriteSide`]) or reads from it ([`ReadSide`]),
//! as polls: the async front ends are polled by hand with a waker that counts its wakes, the
//! `std` ones are always ready. The same suites then run over all of them:
//!
//! - [`fault_suite`]: for every option of `all_options()`, inner objects that move everything,
//!   one byte or seven bytes a call, and a fault at every call and at every byte: `Interrupted`,
//!   `WouldBlock`, `Other`, `Ok(0)` (a writer's `WriteZero`; a reader's (false) end of input)
//!   and, for the async front ends, `Pending`. Retrying each failed call gives exactly the
//!   fault-free output (stream and block sizes, or data), the same at every flush; the caller
//!   sees each fault at most once, and exactly once unless it only said "not now"; readers are
//!   given the stream followed by other bytes when the stream ends itself (an end marker, or
//!   out-of-band sizes) and leave the inner reader exactly at those bytes, never asking for a
//!   byte at them; `total_in`/`total_out` count what moved.
//! - [`byte_suite`]: the caller writes or reads one byte a call, and the inner object moves one
//!   byte a call.
//!
//! The fault-free output is checked against the references: the compressing front ends write
//! `Lz4StreamWriter`'s stream for the same input and calls (for `CompressingReader`, which
//! cannot flush, `Lz4StreamWriter`'s with one `write_all`, threads included), and the
//! decompressing ones give back the data.
//!
//! Then `CompressingReader` with threads over several of the pool's jobs (the writer's stream
//! again), and with its pool full when the inner reader fails (the error must not be lost).

use std::io::{self, BufRead, ErrorKind, Read, Write};
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};

use crate::common::*;
use lz4_stream::{
    CompressingReader, DecompressingWriter, Lz4StreamBufReader, Lz4StreamReader, Lz4StreamWriter,
    Reason, SizePrefix, StreamOptions,
};

// ---------------------------------------------------------------------------------------------
// The fault injector.

/// What the inner object does at its fault.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    /// Fails with an error of this kind.
    Error(ErrorKind),
    /// Returns `Poll::Pending`, having woken the waker (async front ends only).
    Pending,
    /// Returns `Ok(0)`: a reader's (false) end of input, a writer that takes nothing.
    Zero,
}

impl Kind {
    /// Whether it only says "not now", so a front end may drop it after moving bytes.
    fn transient(self) -> bool {
        match self {
            Kind::Error(kind) => is_transient(kind),
            Kind::Pending => true,
            Kind::Zero => false,
        }
    }
}

const SYNC_KINDS: &[Kind] = &[
    Kind::Error(ErrorKind::Interrupted),
    Kind::Error(ErrorKind::WouldBlock),
    Kind::Error(ErrorKind::Other),
    Kind::Zero,
];

const ASYNC_KINDS: &[Kind] = &[
    Kind::Error(ErrorKind::Interrupted),
    Kind::Error(ErrorKind::WouldBlock),
    Kind::Error(ErrorKind::Other),
    Kind::Zero,
    Kind::Pending,
];

/// One call the front end made into the inner object.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Call {
    /// `read` or `fill_buf`.
    Read,
    Write,
    Flush,
    /// `poll_shutdown` or `poll_close`.
    Shutdown,
}

/// The inner object of every front end: a reader of `data` (`Read`, `BufRead`, and tokio's and
/// futures-io's `AsyncRead` and `AsyncBufRead`) and a writer into `out` (`Write`, and both
/// `AsyncWrite`s), moving at most `max` bytes a call, that fails once as its fault says.
struct Inner {
    /// What it serves as a reader.
    data: Vec<u8>,
    /// Bytes of `data` read (consumed) so far.
    pos: usize,
    /// What it was written, as a writer.
    out: Vec<u8>,
    /// The length of `out` at the latest successful flush.
    flushed_len: usize,
    /// Set by a successful shutdown.
    shut_down: bool,
    /// Set if anything was written after the shutdown.
    written_after_shutdown: bool,
    /// Where it fails (`AtCall`: the k-th call of any kind; `AtByte`: the first call made
    /// with exactly k bytes read or written).
    fault: Option<Fault>,
    kind: Kind,
    max: usize,
    /// Every call, in order.
    calls: Vec<Call>,
    /// How many times it failed (0 or 1).
    fired: usize,
    /// The bytes read or written when it failed.
    fired_at: Option<usize>,
}

impl Inner {
    fn new(data: Vec<u8>, fault: Option<Fault>, kind: Kind, max: usize) -> Inner {
        Inner {
            data,
            pos: 0,
            out: Vec::new(),
            flushed_len: 0,
            shut_down: false,
            written_after_shutdown: false,
            fault,
            kind,
            max: max.max(1),
            calls: Vec::new(),
            fired: 0,
            fired_at: None,
        }
    }

    /// Counts a call; returns the fault if it strikes now (and disarms it). `Ok(0)` only means
    /// something from a read or a write: a flush or a shutdown leaves that fault armed.
    fn strikes(&mut self, call: Call) -> Option<Kind> {
        let index = self.calls.len();
        self.calls.push(call);
        let at = if call == Call::Read {
            self.pos
        } else {
            self.out.len()
        };
        let hits = match self.fault {
            Some(Fault::AtCall(k)) => k == index,
            Some(Fault::AtByte(k)) => k == at,
            None => false,
        };
        let expressible = self.kind != Kind::Zero || matches!(call, Call::Read | Call::Write);
        if hits && expressible {
            self.fault = None;
            self.fired += 1;
            self.fired_at = Some(at);
            Some(self.kind)
        } else {
            None
        }
    }

    /// How many of `len` bytes a call at `at` moves: at most `max`, and none past a byte fault.
    fn allowance(&self, len: usize, at: usize) -> usize {
        let mut n = len.min(self.max);
        if let Some(Fault::AtByte(k)) = self.fault {
            if at < k {
                n = n.min(k - at);
            }
        }
        n
    }

    fn read_core(&mut self, cx: Option<&Context<'_>>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
        if let Some(kind) = self.strikes(Call::Read) {
            return fail(kind, cx, 0);
        }
        let n = self
            .allowance(buf.len(), self.pos)
            .min(self.data.len() - self.pos);
        buf[..n].copy_from_slice(&self.data[self.pos..self.pos + n]);
        self.pos += n;
        Poll::Ready(Ok(n))
    }

    fn fill_core(&mut self, cx: Option<&Context<'_>>) -> Poll<io::Result<&[u8]>> {
        if let Some(kind) = self.strikes(Call::Read) {
            return fail(kind, cx, &[][..]);
        }
        let n = self
            .allowance(usize::MAX, self.pos)
            .min(self.data.len() - self.pos);
        Poll::Ready(Ok(&self.data[self.pos..self.pos + n]))
    }

    fn consume_core(&mut self, n: usize) {
        assert!(self.pos + n <= self.data.len(), "consumed more than lent");
        self.pos += n;
    }

    fn write_core(&mut self, cx: Option<&Context<'_>>, buf: &[u8]) -> Poll<io::Result<usize>> {
        if self.shut_down {
            self.written_after_shutdown = true;
        }
        if let Some(kind) = self.strikes(Call::Write) {
            return fail(kind, cx, 0);
        }
        let n = self.allowance(buf.len(), self.out.len());
        self.out.extend_from_slice(&buf[..n]);
        Poll::Ready(Ok(n))
    }

    fn flush_core(&mut self, cx: Option<&Context<'_>>) -> Poll<io::Result<()>> {
        if let Some(kind) = self.strikes(Call::Flush) {
            return fail(kind, cx, ());
        }
        self.flushed_len = self.out.len();
        Poll::Ready(Ok(()))
    }

    fn shutdown_core(&mut self, cx: Option<&Context<'_>>) -> Poll<io::Result<()>> {
        if let Some(kind) = self.strikes(Call::Shutdown) {
            return fail(kind, cx, ());
        }
        self.flushed_len = self.out.len();
        self.shut_down = true;
        Poll::Ready(Ok(()))
    }
}

/// The result of a call the fault strikes.
fn fail<T>(kind: Kind, cx: Option<&Context<'_>>, zero: T) -> Poll<io::Result<T>> {
    match kind {
        Kind::Error(kind) => Poll::Ready(Err(injected(kind))),
        Kind::Zero => Poll::Ready(Ok(zero)),
        Kind::Pending => {
            // Ready again at once: wake the task now, as a socket that became readable would.
            cx.expect("only async front ends are given Pending")
                .waker()
                .wake_by_ref();
            Poll::Pending
        }
    }
}

/// A `std` call's result (the `std` front ends are never given `Pending`).
fn sync<T>(poll: Poll<io::Result<T>>) -> io::Result<T> {
    match poll {
        Poll::Ready(result) => result,
        Poll::Pending => panic!("Pending through a std front end"),
    }
}

impl Read for Inner {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        sync(self.read_core(None, buf))
    }
}

impl BufRead for Inner {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        sync(self.fill_core(None))
    }

    fn consume(&mut self, n: usize) {
        self.consume_core(n);
    }
}

impl Write for Inner {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        sync(self.write_core(None, buf))
    }

    fn flush(&mut self) -> io::Result<()> {
        sync(self.flush_core(None))
    }
}

impl tokio::io::AsyncRead for Inner {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let dst = buf.initialize_unfilled();
        match self.get_mut().read_core(Some(cx), dst) {
            Poll::Ready(Ok(n)) => {
                buf.advance(n);
                Poll::Ready(Ok(()))
            }
            Poll::Ready(Err(err)) => Poll::Ready(Err(err)),
            Poll::Pending => Poll::Pending,
        }
    }
}

impl tokio::io::AsyncBufRead for Inner {
    fn poll_fill_buf(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<&[u8]>> {
        self.get_mut().fill_core(Some(cx))
    }

    fn consume(self: Pin<&mut Self>, n: usize) {
        self.get_mut().consume_core(n);
    }
}

impl tokio::io::AsyncWrite for Inner {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.get_mut().write_core(Some(cx), buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.get_mut().flush_core(Some(cx))
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.get_mut().shutdown_core(Some(cx))
    }
}

impl futures::io::AsyncRead for Inner {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        self.get_mut().read_core(Some(cx), buf)
    }
}

impl futures::io::AsyncBufRead for Inner {
    fn poll_fill_buf(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<&[u8]>> {
        self.get_mut().fill_core(Some(cx))
    }

    fn consume(self: Pin<&mut Self>, n: usize) {
        self.get_mut().consume_core(n);
    }
}

impl futures::io::AsyncWrite for Inner {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.get_mut().write_core(Some(cx), buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.get_mut().flush_core(Some(cx))
    }

    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.get_mut().shutdown_core(Some(cx))
    }
}

/// A waker that counts its wakes.
#[derive(Default)]
struct Wakes(AtomicUsize);

impl Wake for Wakes {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

// ---------------------------------------------------------------------------------------------
// The front ends.

/// Which way a front end turns the bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Direction {
    /// Data in, stream out.
    Compress,
    /// Stream in, data out.
    Decompress,
}

/// A front end that is written to (its inner object is a writer).
trait WriteSide {
    fn poll_write(&mut self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>>;
    fn poll_flush(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>>;
    /// Ends the input: `try_finish`, `poll_shutdown` or `poll_close`.
    fn poll_end(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>>;
}

/// A front end that is read from (its inner object is a reader).
trait ReadSide {
    fn poll_read(&mut self, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>>;
    /// `fill_buf`, then appends up to `max` of its bytes to `out` and consumes them; `None` if
    /// the front end is no `BufRead`.
    fn poll_fill_consume(
        &mut self,
        cx: &mut Context<'_>,
        out: &mut Vec<u8>,
        max: usize,
    ) -> Option<Poll<io::Result<usize>>>;
}

/// How a caller drives a front end.
enum Side<'a> {
    Write(&'a mut dyn WriteSide),
    Read(&'a mut dyn ReadSide),
}

/// A front end over an [`Inner`], as the suites need it.
trait FrontEnd: Sized {
    const NAME: &'static str;
    const ASYNC: bool;
    const DIRECTION: Direction;
    /// Whether the caller writes to it (else it reads from it).
    const WRITTEN_TO: bool;

    fn build(inner: Inner, opts: &StreamOptions, sizes: &[usize]) -> io::Result<Self>;
    fn side(&mut self) -> Side<'_>;
    fn inner(&self) -> &Inner;
    /// `(total_in(), total_out())`.
    fn totals(&self) -> (u64, u64);
    /// The block sizes of an out-of-band stream since the last call (compressing front ends).
    fn take_block_sizes(&mut self) -> Vec<usize> {
        Vec::new()
    }
    /// The inner object back: `finish` for the `std` writers, which may fail and give the
    /// front end back.
    fn into_inner(self) -> Result<Inner, (io::Error, Self)>;
}

/// Reads into a fresh buffer of `size` bytes and appends what came to `out`.
fn read_into(
    out: &mut Vec<u8>,
    size: usize,
    read: impl FnOnce(&mut [u8]) -> Poll<io::Result<usize>>,
) -> Poll<io::Result<usize>> {
    let mut buf = vec![0; size];
    match read(&mut buf) {
        Poll::Ready(Ok(n)) => {
            assert!(n <= size, "read claims more than its buffer");
            out.extend_from_slice(&buf[..n]);
            Poll::Ready(Ok(n))
        }
        other => other,
    }
}

/// The `std` writers: `Lz4StreamWriter` and `DecompressingWriter`.
macro_rules! std_writer {
    ($ty:ty, $name:literal, $direction:expr, $sizes:expr) => {
        impl WriteSide for $ty {
            fn poll_write(&mut self, _: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
                Poll::Ready(self.write(buf))
            }
            fn poll_flush(&mut self, _: &mut Context<'_>) -> Poll<io::Result<()>> {
                Poll::Ready(self.flush())
            }
            fn poll_end(&mut self, _: &mut Context<'_>) -> Poll<io::Result<()>> {
                Poll::Ready(self.try_finish())
            }
        }

        impl FrontEnd for $ty {
            const NAME: &'static str = $name;
            const ASYNC: bool = false;
            const DIRECTION: Direction = $direction;
            const WRITTEN_TO: bool = true;

            fn build(inner: Inner, opts: &StreamOptions, sizes: &[usize]) -> io::Result<Self> {
                <$ty as Construct>::construct(inner, opts, sizes)
            }
            fn side(&mut self) -> Side<'_> {
                Side::Write(self)
            }
            fn inner(&self) -> &Inner {
                self.get_ref()
            }
            fn totals(&self) -> (u64, u64) {
                (self.total_in(), self.total_out())
            }
            fn take_block_sizes(&mut self) -> Vec<usize> {
                #[allow(clippy::redundant_closure_call)]
                ($sizes)(self)
            }
            fn into_inner(self) -> Result<Inner, (io::Error, Self)> {
                self.finish().map_err(|err| err.into_parts())
            }
        }
    };
}

/// How the `std` writers are built (only `DecompressingWriter` takes block sizes).
trait Construct: Sized {
    fn construct(inner: Inner, opts: &StreamOptions, sizes: &[usize]) -> io::Result<Self>;
}

impl Construct for Lz4StreamWriter<Inner> {
    fn construct(inner: Inner, opts: &StreamOptions, _: &[usize]) -> io::Result<Self> {
        Lz4StreamWriter::with_options(inner, opts)
    }
}

impl Construct for DecompressingWriter<Inner> {
    fn construct(inner: Inner, opts: &StreamOptions, sizes: &[usize]) -> io::Result<Self> {
        if opts.get_size_prefix() == SizePrefix::OutOfBand {
            DecompressingWriter::with_block_sizes(inner, opts, sizes.to_vec())
        } else {
            DecompressingWriter::with_options(inner, opts)
        }
    }
}

std_writer!(
    Lz4StreamWriter<Inner>,
    "Lz4StreamWriter",
    Direction::Compress,
    |w: &mut Lz4StreamWriter<Inner>| w.take_block_sizes()
);
std_writer!(
    DecompressingWriter<Inner>,
    "DecompressingWriter",
    Direction::Decompress,
    |_: &mut DecompressingWriter<Inner>| Vec::new()
);

impl ReadSide for CompressingReader<Inner> {
    fn poll_read(&mut self, _: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
        Poll::Ready(self.read(buf))
    }
    fn poll_fill_consume(
        &mut self,
        _: &mut Context<'_>,
        _: &mut Vec<u8>,
        _: usize,
    ) -> Option<Poll<io::Result<usize>>> {
        None
    }
}

impl FrontEnd for CompressingReader<Inner> {
    const NAME: &'static str = "CompressingReader";
    const ASYNC: bool = false;
    const DIRECTION: Direction = Direction::Compress;
    const WRITTEN_TO: bool = false;

    fn build(inner: Inner, opts: &StreamOptions, _: &[usize]) -> io::Result<Self> {
        CompressingReader::with_options(inner, opts)
    }
    fn side(&mut self) -> Side<'_> {
        Side::Read(self)
    }
    fn inner(&self) -> &Inner {
        self.get_ref()
    }
    fn totals(&self) -> (u64, u64) {
        (self.total_in(), self.total_out())
    }
    fn take_block_sizes(&mut self) -> Vec<usize> {
        CompressingReader::take_block_sizes(self)
    }
    fn into_inner(self) -> Result<Inner, (io::Error, Self)> {
        Ok(CompressingReader::into_inner(self))
    }
}

/// The decompressing readers: `$ty` over an [`Inner`], built with `with_options` or
/// `with_block_sizes`, read with `$read` and `$fill_consume` (each given `self`, the context
/// and the buffer or the output and the most to take).
macro_rules! reader {
    ($ty:ty, $name:literal, $async:expr, $read:expr, $fill_consume:expr) => {
        impl ReadSide for $ty {
            fn poll_read(
                &mut self,
                cx: &mut Context<'_>,
                buf: &mut [u8],
            ) -> Poll<io::Result<usize>> {
                #[allow(clippy::redundant_closure_call)]
                ($read)(self, cx, buf)
            }
            fn poll_fill_consume(
                &mut self,
                cx: &mut Context<'_>,
                out: &mut Vec<u8>,
                max: usize,
            ) -> Option<Poll<io::Result<usize>>> {
                #[allow(clippy::redundant_closure_call)]
                Some(($fill_consume)(self, cx, out, max))
            }
        }

        impl FrontEnd for $ty {
            const NAME: &'static str = $name;
            const ASYNC: bool = $async;
            const DIRECTION: Direction = Direction::Decompress;
            const WRITTEN_TO: bool = false;

            fn build(inner: Inner, opts: &StreamOptions, sizes: &[usize]) -> io::Result<Self> {
                if opts.get_size_prefix() == SizePrefix::OutOfBand {
                    <$ty>::with_block_sizes(inner, opts, sizes.to_vec())
                } else {
                    <$ty>::with_options(inner, opts)
                }
            }
            fn side(&mut self) -> Side<'_> {
                Side::Read(self)
            }
            fn inner(&self) -> &Inner {
                self.get_ref()
            }
            fn totals(&self) -> (u64, u64) {
                (self.total_in(), self.total_out())
            }
            fn into_inner(self) -> Result<Inner, (io::Error, Self)> {
                Ok(<$ty>::into_inner(self))
            }
        }
    };
}

/// `fill_buf`, take up to `max`, `consume`, for a `std` `BufRead`.
fn std_fill_consume<T: BufRead>(
    reader: &mut T,
    out: &mut Vec<u8>,
    max: usize,
) -> io::Result<usize> {
    let buf = reader.fill_buf()?;
    let n = buf.len().min(max);
    out.extend_from_slice(&buf[..n]);
    reader.consume(n);
    Ok(n)
}

reader!(
    Lz4StreamReader<Inner>,
    "Lz4StreamReader",
    false,
    |r: &mut Lz4StreamReader<Inner>, _: &mut Context<'_>, buf: &mut [u8]| Poll::Ready(r.read(buf)),
    |r: &mut Lz4StreamReader<Inner>, _: &mut Context<'_>, out: &mut Vec<u8>, max: usize| {
        Poll::Ready(std_fill_consume(r, out, max))
    }
);
reader!(
    Lz4StreamBufReader<Inner>,
    "Lz4StreamBufReader",
    false,
    |r: &mut Lz4StreamBufReader<Inner>, _: &mut Context<'_>, buf: &mut [u8]| {
        Poll::Ready(r.read(buf))
    },
    |r: &mut Lz4StreamBufReader<Inner>, _: &mut Context<'_>, out: &mut Vec<u8>, max: usize| {
        Poll::Ready(std_fill_consume(r, out, max))
    }
);

/// `poll_read` of a tokio reader, as `Read::read` counts.
#[cfg(feature = "tokio")]
fn tokio_read<T: tokio::io::AsyncRead + Unpin>(
    reader: &mut T,
    cx: &mut Context<'_>,
    buf: &mut [u8],
) -> Poll<io::Result<usize>> {
    let mut read_buf = tokio::io::ReadBuf::new(buf);
    match Pin::new(reader).poll_read(cx, &mut read_buf) {
        Poll::Ready(Ok(())) => Poll::Ready(Ok(read_buf.filled().len())),
        Poll::Ready(Err(err)) => Poll::Ready(Err(err)),
        Poll::Pending => Poll::Pending,
    }
}

/// `poll_fill_buf`, take up to `max`, `consume`, for a tokio `AsyncBufRead`.
#[cfg(feature = "tokio")]
fn tokio_fill_consume<T: tokio::io::AsyncBufRead + Unpin>(
    reader: &mut T,
    cx: &mut Context<'_>,
    out: &mut Vec<u8>,
    max: usize,
) -> Poll<io::Result<usize>> {
    let n = match Pin::new(&mut *reader).poll_fill_buf(cx) {
        Poll::Ready(Ok(buf)) => {
            let n = buf.len().min(max);
            out.extend_from_slice(&buf[..n]);
            n
        }
        Poll::Ready(Err(err)) => return Poll::Ready(Err(err)),
        Poll::Pending => return Poll::Pending,
    };
    Pin::new(reader).consume(n);
    Poll::Ready(Ok(n))
}

/// `poll_fill_buf`, take up to `max`, `consume`, for a futures-io `AsyncBufRead`.
#[cfg(feature = "futures-io")]
fn futures_fill_consume<T: futures::io::AsyncBufRead + Unpin>(
    reader: &mut T,
    cx: &mut Context<'_>,
    out: &mut Vec<u8>,
    max: usize,
) -> Poll<io::Result<usize>> {
    let n = match Pin::new(&mut *reader).poll_fill_buf(cx) {
        Poll::Ready(Ok(buf)) => {
            let n = buf.len().min(max);
            out.extend_from_slice(&buf[..n]);
            n
        }
        Poll::Ready(Err(err)) => return Poll::Ready(Err(err)),
        Poll::Pending => return Poll::Pending,
    };
    Pin::new(reader).consume(n);
    Poll::Ready(Ok(n))
}

#[cfg(feature = "tokio")]
reader!(
    lz4_stream::tokio::Lz4StreamReader<Inner>,
    "tokio::Lz4StreamReader",
    true,
    tokio_read::<lz4_stream::tokio::Lz4StreamReader<Inner>>,
    tokio_fill_consume::<lz4_stream::tokio::Lz4StreamReader<Inner>>
);
#[cfg(feature = "tokio")]
reader!(
    lz4_stream::tokio::Lz4StreamBufReader<Inner>,
    "tokio::Lz4StreamBufReader",
    true,
    tokio_read::<lz4_stream::tokio::Lz4StreamBufReader<Inner>>,
    tokio_fill_consume::<lz4_stream::tokio::Lz4StreamBufReader<Inner>>
);
#[cfg(feature = "futures-io")]
reader!(
    lz4_stream::futures::Lz4StreamReader<Inner>,
    "futures::Lz4StreamReader",
    true,
    |r: &mut lz4_stream::futures::Lz4StreamReader<Inner>, cx: &mut Context<'_>, buf: &mut [u8]| {
        futures::io::AsyncRead::poll_read(Pin::new(r), cx, buf)
    },
    futures_fill_consume::<lz4_stream::futures::Lz4StreamReader<Inner>>
);
#[cfg(feature = "futures-io")]
reader!(
    lz4_stream::futures::Lz4StreamBufReader<Inner>,
    "futures::Lz4StreamBufReader",
    true,
    |r: &mut lz4_stream::futures::Lz4StreamBufReader<Inner>,
     cx: &mut Context<'_>,
     buf: &mut [u8]| { futures::io::AsyncRead::poll_read(Pin::new(r), cx, buf) },
    futures_fill_consume::<lz4_stream::futures::Lz4StreamBufReader<Inner>>
);

/// The async compressing writers: `$ty` over an [`Inner`], through the trait `$trait`, whose
/// end of input is `$end` (`poll_shutdown` or `poll_close`).
#[cfg(any(feature = "tokio", feature = "futures-io"))]
macro_rules! async_writer {
    ($ty:ty, $name:literal, $trait:path, $end:ident) => {
        impl WriteSide for $ty {
            fn poll_write(&mut self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
                <$ty as $trait>::poll_write(Pin::new(self), cx, buf)
            }
            fn poll_flush(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
                <$ty as $trait>::poll_flush(Pin::new(self), cx)
            }
            fn poll_end(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
                <$ty as $trait>::$end(Pin::new(self), cx)
            }
        }

        impl FrontEnd for $ty {
            const NAME: &'static str = $name;
            const ASYNC: bool = true;
            const DIRECTION: Direction = Direction::Compress;
            const WRITTEN_TO: bool = true;

            fn build(inner: Inner, opts: &StreamOptions, _: &[usize]) -> io::Result<Self> {
                <$ty>::with_options(inner, opts)
            }
            fn side(&mut self) -> Side<'_> {
                Side::Write(self)
            }
            fn inner(&self) -> &Inner {
                self.get_ref()
            }
            fn totals(&self) -> (u64, u64) {
                (self.total_in(), self.total_out())
            }
            fn take_block_sizes(&mut self) -> Vec<usize> {
                <$ty>::take_block_sizes(self)
            }
            fn into_inner(self) -> Result<Inner, (io::Error, Self)> {
                Ok(<$ty>::into_inner(self))
            }
        }
    };
}

#[cfg(feature = "tokio")]
async_writer!(
    lz4_stream::tokio::Lz4StreamWriter<Inner>,
    "tokio::Lz4StreamWriter",
    tokio::io::AsyncWrite,
    poll_shutdown
);
#[cfg(feature = "futures-io")]
async_writer!(
    lz4_stream::futures::Lz4StreamWriter<Inner>,
    "futures::Lz4StreamWriter",
    futures::io::AsyncWrite,
    poll_close
);

// ---------------------------------------------------------------------------------------------
// The harness.

/// Bytes after a stream that ends itself, which no reader may touch.
const TRAILER: &[u8] = b"\x00\x00\x00\x00 what follows the stream \xff\xff";

/// The data, its options, and the reference stream.
struct Job {
    opts: StreamOptions,
    data: Vec<u8>,
    /// `Lz4StreamWriter`'s stream of `data` (one `write_all`).
    stream: Vec<u8>,
    /// Its block sizes, out of band.
    sizes: Vec<usize>,
    /// Whether the stream says where it ends (an end marker, out-of-band sizes).
    ends_itself: bool,
}

impl Job {
    fn new(opts: StreamOptions, data: Vec<u8>) -> Job {
        let (stream, sizes) = compress(&opts, &data);
        let ends_itself = opts.get_end_marker() || opts.get_size_prefix() == SizePrefix::OutOfBand;
        Job {
            opts,
            data,
            stream,
            sizes,
            ends_itself,
        }
    }

    /// What the caller writes, or the inner reader serves, before any trailer.
    fn input(&self, direction: Direction) -> &[u8] {
        match direction {
            Direction::Compress => &self.data,
            Direction::Decompress => &self.stream,
        }
    }

    /// What the inner reader serves: the stream and the trailer, when the stream ends itself.
    fn inner_data(&self, direction: Direction) -> Vec<u8> {
        let mut bytes = self.input(direction).to_vec();
        if direction == Direction::Decompress && self.ends_itself {
            bytes.extend_from_slice(TRAILER);
        }
        bytes
    }

    fn what(&self) -> String {
        describe(&self.opts)
    }
}

/// How the caller splits its calls.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Pace {
    /// Writes of every size (empty ones, a byte, several pages) with flushes between; reads of
    /// 1 to 1000 bytes, and `fill_buf`s.
    Mixed,
    /// One byte a call, no flush.
    ByteAtATime,
}

/// The writes and flushes of a caller that writes `len` bytes.
fn script(len: usize, pace: Pace) -> Vec<Op> {
    if pace == Pace::ByteAtATime {
        return vec![Op::Write(1); len];
    }
    let first = len * 2 / 7;
    let large = (len - first) / 2;
    let one = usize::from(len > first + large);
    let rest = len - first - large - one;
    vec![
        Op::Write(0),
        Op::Write(first),
        Op::Flush,
        Op::Flush,
        // Several pages at once, after a flush (the writer then compresses them in place).
        Op::Write(large),
        Op::Write(one),
        Op::Write(0),
        Op::Flush,
        Op::Write(rest),
    ]
}

/// The sizes of a reader's calls (0: `fill_buf` and `consume` of at most 17 bytes).
fn reads(pace: Pace) -> &'static [usize] {
    match pace {
        Pace::Mixed => &[5, 0, 1, 64, 0, 1000],
        Pace::ByteAtATime => &[1],
    }
}

/// `Lz4StreamWriter`'s stream and block sizes for `ops` over `data`.
fn reference_ops(opts: &StreamOptions, data: &[u8], ops: &[Op]) -> (Vec<u8>, Vec<usize>) {
    let mut writer = Lz4StreamWriter::with_options(Vec::new(), opts).unwrap();
    let mut at = 0;
    for op in ops {
        match *op {
            Op::Write(n) => {
                writer.write_all(&data[at..at + n]).unwrap();
                at += n;
            }
            Op::Flush => writer.flush().unwrap(),
        }
    }
    writer.try_finish().unwrap();
    let sizes = writer.take_block_sizes();
    (writer.finish().unwrap(), sizes)
}

/// What one run of a front end gave.
struct Run {
    /// The stream (compressing front ends) or the data (decompressing ones).
    out: Vec<u8>,
    /// Out-of-band block sizes (compressing front ends).
    sizes: Vec<usize>,
    /// The writers' output at each successful flush.
    at_flushes: Vec<Vec<u8>>,
    /// Errors and `Pending`s the caller saw.
    seen: usize,
    /// `total_in()` and `total_out()` at the end.
    totals: (u64, u64),
    /// The inner object, at the end.
    inner: Inner,
}

/// What the caller sees of the fault, checked as it comes.
struct Seen<'a> {
    /// The fault's kind, `None` in a fault-free run.
    kind: Option<Kind>,
    written_to: bool,
    wakes: &'a Wakes,
    count: usize,
    what: &'a str,
}

impl Seen<'_> {
    /// Records one call's result: `Some` of what it returned if it succeeded.
    fn check<T>(&mut self, poll: Poll<io::Result<T>>, wakes_before: usize) -> Option<T> {
        let what = self.what;
        match poll {
            Poll::Ready(Ok(value)) => return Some(value),
            Poll::Ready(Err(err)) => match self.kind {
                Some(Kind::Error(kind)) => {
                    // The inner object's error, untouched.
                    assert_eq!(err.kind(), kind, "{what}: {err}");
                    assert_eq!(err.to_string(), "injected fault", "{what}");
                }
                Some(Kind::Zero) if self.written_to => {
                    assert_eq!(err.kind(), ErrorKind::WriteZero, "{what}: {err}");
                }
                Some(Kind::Zero) => {
                    // A reader's end of input inside a record, or without the end marker.
                    assert_eq!(err.kind(), ErrorKind::UnexpectedEof, "{what}: {err}");
                    assert!(
                        matches!(
                            reason(&err),
                            Reason::TruncatedPrefix { .. }
                                | Reason::TruncatedBlock { .. }
                                | Reason::MissingEndMarker
                        ),
                        "{what}: {err}"
                    );
                }
                Some(Kind::Pending) | None => panic!("{what}: unexpected error {err:?}"),
            },
            Poll::Pending => {
                assert_eq!(self.kind, Some(Kind::Pending), "{what}: unexpected Pending");
                // Only the inner object pends, and it woke the task: nobody waits forever.
                assert!(
                    self.wakes.0.load(Ordering::SeqCst) > wakes_before,
                    "{what}: Pending without a wake"
                );
            }
        }
        self.count += 1;
        assert!(self.count < 10, "{what}: the same call keeps failing");
        None
    }
}

fn writer<F: FrontEnd>(front: &mut F) -> &mut dyn WriteSide {
    match front.side() {
        Side::Write(writer) => writer,
        Side::Read(_) => unreachable!("{} is read from", F::NAME),
    }
}

fn reader<F: FrontEnd>(front: &mut F) -> &mut dyn ReadSide {
    match front.side() {
        Side::Read(reader) => reader,
        Side::Write(_) => unreachable!("{} is written to", F::NAME),
    }
}

/// Runs `F` over `job` with an inner object that moves at most `max` bytes a call and fails
/// once as `fault` says, the caller retrying each failed call until it succeeds.
fn drive<F: FrontEnd>(job: &Job, fault: Option<(Fault, Kind)>, max: usize, pace: Pace) -> Run {
    let what = format!("{} {} {fault:?} max {max} {pace:?}", F::NAME, job.what());
    let (fault, kind) = match fault {
        Some((fault, kind)) => (Some(fault), Some(kind)),
        None => (None, None),
    };
    let inner = Inner::new(
        job.inner_data(F::DIRECTION),
        fault,
        kind.unwrap_or(Kind::Error(ErrorKind::Other)),
        max,
    );
    let mut front = F::build(inner, &job.opts, &job.sizes).unwrap();
    let wakes = Arc::new(Wakes::default());
    let waker = Waker::from(wakes.clone());
    let mut cx = Context::from_waker(&waker);
    let mut seen = Seen {
        kind,
        written_to: F::WRITTEN_TO,
        wakes: &wakes,
        count: 0,
        what: &what,
    };
    let woken = || wakes.0.load(Ordering::SeqCst);
    let mut out = Vec::new();
    let mut sizes = Vec::new();
    let mut at_flushes = Vec::new();

    if F::WRITTEN_TO {
        let input = job.input(F::DIRECTION);
        let mut at = 0;
        for op in script(input.len(), pace) {
            match op {
                Op::Write(n) => {
                    let end = at + n;
                    loop {
                        let before = woken();
                        let poll = writer(&mut front).poll_write(&mut cx, &input[at..end]);
                        sizes.extend(front.take_block_sizes());
                        if let Some(taken) = seen.check(poll, before) {
                            assert!(taken <= end - at, "{what}: took more than given");
                            at += taken;
                            if at == end {
                                break;
                            }
                            assert!(taken > 0, "{what}: a write took nothing");
                        }
                    }
                }
                Op::Flush => {
                    loop {
                        let before = woken();
                        let poll = writer(&mut front).poll_flush(&mut cx);
                        sizes.extend(front.take_block_sizes());
                        if seen.check(poll, before).is_some() {
                            break;
                        }
                    }
                    // A successful flush wrote everything out and flushed the inner writer.
                    let inner = front.inner();
                    assert_eq!(inner.flushed_len, inner.out.len(), "{what}");
                    at_flushes.push(inner.out.clone());
                }
            }
        }
        assert_eq!(at, input.len());
        loop {
            let before = woken();
            let poll = writer(&mut front).poll_end(&mut cx);
            sizes.extend(front.take_block_sizes());
            if seen.check(poll, before).is_some() {
                break;
            }
        }
        let inner = front.inner();
        assert_eq!(
            inner.flushed_len,
            inner.out.len(),
            "{what}: flushed at the end"
        );
        assert_eq!(inner.shut_down, F::ASYNC, "{what}: shut down at the end");
    } else {
        let sizes_of_reads = reads(pace);
        let mut call = 0;
        loop {
            let size = sizes_of_reads[call % sizes_of_reads.len()];
            let before = woken();
            let side = reader(&mut front);
            let filled = match size {
                0 => side.poll_fill_consume(&mut cx, &mut out, 17),
                _ => None,
            };
            let poll = match filled {
                Some(poll) => poll,
                None => read_into(&mut out, size.max(1), |buf| side.poll_read(&mut cx, buf)),
            };
            sizes.extend(front.take_block_sizes());
            match seen.check(poll, before) {
                Some(0) => break,
                Some(_) => call += 1,
                None => {}
            }
        }
        // The end stays the end, and the inner reader is not asked again.
        let calls = front.inner().calls.len();
        let poll = read_into(&mut out, 100, |buf| {
            reader(&mut front).poll_read(&mut cx, buf)
        });
        assert!(
            matches!(poll, Poll::Ready(Ok(0))),
            "{what}: read after the end"
        );
        assert_eq!(
            front.inner().calls.len(),
            calls,
            "{what}: read after the end"
        );
    }

    let totals = front.totals();
    let mut inner = None;
    for _ in 0..10 {
        match front.into_inner() {
            Ok(back) => {
                inner = Some(back);
                break;
            }
            Err((err, back)) => {
                let before = woken();
                seen.check::<()>(Poll::Ready(Err(err)), before);
                front = back;
            }
        }
    }
    let inner = inner.unwrap_or_else(|| panic!("{what}: finish keeps failing"));
    if F::WRITTEN_TO {
        out = inner.out.clone();
    }
    assert!(
        !inner.written_after_shutdown,
        "{what}: wrote after shutdown"
    );
    Run {
        out,
        sizes,
        at_flushes,
        seen: seen.count,
        totals,
        inner,
    }
}

/// Checks a fault-free run against the references.
fn check_clean<F: FrontEnd>(job: &Job, run: &Run, pace: Pace) {
    let what = format!("{} {} {pace:?}", F::NAME, job.what());
    assert_eq!(run.seen, 0, "{what}");
    match F::DIRECTION {
        Direction::Compress => {
            let (stream, sizes) = if F::WRITTEN_TO {
                reference_ops(&job.opts, &job.data, &script(job.data.len(), pace))
            } else {
                (job.stream.clone(), job.sizes.clone())
            };
            assert!(run.out == stream, "{what}: not Lz4StreamWriter's stream");
            assert_eq!(run.sizes, sizes, "{what}");
            assert_eq!(
                decompress(&job.opts, &run.out, &run.sizes).unwrap(),
                job.data,
                "{what}"
            );
            assert_eq!(
                run.totals,
                (job.data.len() as u64, run.out.len() as u64),
                "{what}: totals"
            );
        }
        Direction::Decompress => {
            assert!(run.out == job.data, "{what}: data differs");
            assert_eq!(
                run.totals,
                (job.stream.len() as u64, job.data.len() as u64),
                "{what}: totals"
            );
        }
    }
    if !F::WRITTEN_TO {
        // The inner reader stands right after the stream (or the data).
        let end = job.input(F::DIRECTION).len();
        assert_eq!(run.inner.pos, end, "{what}: read past the end");
    }
}

/// What a reader's (false) end of input at byte `at` of the stream does: ends the stream there
/// (when it may end there: a record boundary, with prefixes and no end marker required), or is
/// an `UnexpectedEof` error (`None`).
fn ends_stream_at(job: &Job, at: usize) -> Option<Vec<u8>> {
    let opts = &job.opts;
    let boundary = at == 0 || record_ends(opts, &job.stream, &job.sizes).contains(&at);
    (opts.get_size_prefix() != SizePrefix::OutOfBand && !opts.get_end_marker() && boundary)
        .then(|| decompress(opts, &job.stream[..at], &[]).unwrap())
}

/// Checks a run with a fault against the fault-free run.
fn check_faulty<F: FrontEnd>(job: &Job, clean: &Run, run: &Run, fault: Fault, kind: Kind) {
    let what = format!("{} {} {fault:?} {kind:?}", F::NAME, job.what());
    let inner = &run.inner;
    // Whether the fault strikes: a reader never asks for a byte past a stream that ends
    // itself; `Ok(0)` only strikes a writer's write.
    let expected = match fault {
        Fault::AtByte(k)
            if !F::WRITTEN_TO
                && F::DIRECTION == Direction::Decompress
                && job.ends_itself
                && k == job.stream.len() =>
        {
            0
        }
        Fault::AtCall(k) if F::WRITTEN_TO && kind == Kind::Zero => {
            usize::from(clean.inner.calls[k] == Call::Write)
        }
        Fault::AtByte(k) if F::WRITTEN_TO && kind == Kind::Zero => usize::from(k < clean.out.len()),
        _ => 1,
    };
    assert_eq!(inner.fired, expected, "{what}: the fault struck");

    // A reader's false end of input may be the end: the output is then what came before.
    let ended_early = match (kind, inner.fired_at) {
        (Kind::Zero, Some(at)) if !F::WRITTEN_TO => match F::DIRECTION {
            Direction::Compress => Some(compress(&job.opts, &job.data[..at])),
            Direction::Decompress => ends_stream_at(job, at).map(|data| (data, Vec::new())),
        },
        _ => None,
    };
    if let Some((out, sizes)) = ended_early {
        assert_eq!(run.seen, 0, "{what}: an end, not an error");
        assert!(run.out == out, "{what}: output differs");
        assert_eq!(run.sizes, sizes, "{what}");
        let at = inner.fired_at.unwrap() as u64;
        assert_eq!(run.totals, (at, out.len() as u64), "{what}: totals");
        assert_eq!(inner.pos as u64, at, "{what}: read past the end");
        return;
    }

    // Seen once, unless it only said "not now" after the call had moved bytes.
    if kind.transient() {
        assert!(run.seen <= inner.fired, "{what}: seen {} times", run.seen);
    } else {
        assert_eq!(run.seen, inner.fired, "{what}: seen {} times", run.seen);
    }
    assert!(run.out == clean.out, "{what}: output differs");
    assert_eq!(run.sizes, clean.sizes, "{what}");
    assert!(run.at_flushes == clean.at_flushes, "{what}: at flushes");
    assert_eq!(run.totals, clean.totals, "{what}: totals");
    if !F::WRITTEN_TO {
        assert_eq!(inner.pos, clean.inner.pos, "{what}: read past the end");
    }
}

/// The fault positions of a run like `clean`: every call, and every byte up to the end of
/// what the inner object moves (for a reader of a stream that ends itself, up to the first
/// byte after it, where no fault may strike).
fn positions<F: FrontEnd>(job: &Job, clean: &Run) -> Vec<Fault> {
    let bytes = if F::WRITTEN_TO {
        clean.inner.out.len()
    } else {
        job.input(F::DIRECTION).len()
    };
    (0..clean.inner.calls.len())
        .map(Fault::AtCall)
        .chain((0..=bytes).map(Fault::AtByte))
        .collect()
}

/// A fault of every kind at every position, over every option of `all_options()`.
fn fault_suite<F: FrontEnd>() {
    let kinds = if F::ASYNC { ASYNC_KINDS } else { SYNC_KINDS };
    let mut runs = 0;
    for opts in all_options() {
        let job = Job::new(opts, sample_data());
        for max in [usize::MAX, 1, 7] {
            let clean = drive::<F>(&job, None, max, Pace::Mixed);
            check_clean::<F>(&job, &clean, Pace::Mixed);
            // With threads, a run costs a pool (threads spawned and joined): with inner objects
            // that move 1 or 7 bytes a call, every fifth position only.
            let stride = if job.opts.get_threads() > 1 && max != usize::MAX {
                5
            } else {
                1
            };
            for fault in positions::<F>(&job, &clean).into_iter().step_by(stride) {
                for &kind in kinds {
                    let run = drive::<F>(&job, Some((fault, kind)), max, Pace::Mixed);
                    check_faulty::<F>(&job, &clean, &run, fault, kind);
                    runs += 1;
                }
            }
        }
    }
    assert!(runs > 1000, "{}: only {runs} runs", F::NAME);
}

/// One byte a call on both sides, no fault.
fn byte_suite<F: FrontEnd>() {
    for opts in all_options() {
        let job = Job::new(opts, sample_data());
        let run = drive::<F>(&job, None, 1, Pace::ByteAtATime);
        check_clean::<F>(&job, &run, Pace::ByteAtATime);
    }
}

macro_rules! suites {
    ($module:ident, $ty:ty) => {
        mod $module {
            use super::*;

            #[test]
            fn faults_at_every_position() {
                fault_suite::<$ty>();
            }

            #[test]
            fn one_byte_at_a_time() {
                byte_suite::<$ty>();
            }
        }
    };
}

suites!(lz4_stream_writer, Lz4StreamWriter<Inner>);
suites!(compressing_reader, CompressingReader<Inner>);
#[cfg(feature = "tokio")]
suites!(tokio_writer, lz4_stream::tokio::Lz4StreamWriter<Inner>);
#[cfg(feature = "futures-io")]
suites!(futures_writer, lz4_stream::futures::Lz4StreamWriter<Inner>);
suites!(lz4_stream_reader, Lz4StreamReader<Inner>);
suites!(lz4_stream_buf_reader, Lz4StreamBufReader<Inner>);
suites!(decompressing_writer, DecompressingWriter<Inner>);
#[cfg(feature = "tokio")]
suites!(tokio_reader, lz4_stream::tokio::Lz4StreamReader<Inner>);
#[cfg(feature = "tokio")]
suites!(
    tokio_buf_reader,
    lz4_stream::tokio::Lz4StreamBufReader<Inner>
);
#[cfg(feature = "futures-io")]
suites!(futures_reader, lz4_stream::futures::Lz4StreamReader<Inner>);
#[cfg(feature = "futures-io")]
suites!(
    futures_buf_reader,
    lz4_stream::futures::Lz4StreamBufReader<Inner>
);

/// Data of `len` bytes that compresses (the sample, over and over, numbered).
fn long_data(len: usize) -> Vec<u8> {
    let mut data = Vec::with_capacity(len + 600);
    while data.len() < len {
        data.extend_from_slice(&sample_data());
        data.extend_from_slice(&(data.len() as u64).to_le_bytes());
    }
    data.truncate(len);
    data
}

/// `CompressingReader` serves `Lz4StreamWriter`'s stream for the same options and input, with
/// threads too, over several jobs of the pool (256 KiB each), whatever the sizes of the reads
/// and of the inner reader's answers.
#[test]
fn compressing_reader_serves_the_writers_stream_with_threads() {
    let data = long_data(700_000);
    let dictionary = data[..1000].to_vec();
    let bases = [
        StreamOptions::new(),
        StreamOptions::new()
            .page_size(10_000)
            .size_prefix(SizePrefix::U16)
            .strategy(lz4_stream::Strategy::RingBuffer { window: 65_536 })
            .dictionary(dictionary)
            .end_marker(true),
        StreamOptions::new()
            .page_size(30_000)
            .size_prefix(SizePrefix::OutOfBand)
            .mode(lz4_stream::Mode::High { level: 3 }),
    ];
    for base in bases {
        for threads in 1..=4 {
            let opts = base.clone().threads(threads);
            let what = describe(&opts);
            let (stream, sizes) = compress(&opts, &data);
            for (read_size, max) in [(1 << 20, usize::MAX), (1000, 7000), (65_537, 100_000)] {
                let inner = Inner::new(data.clone(), None, Kind::Zero, max);
                let mut reader = CompressingReader::with_options(inner, &opts).unwrap();
                let mut out = Vec::new();
                let mut buf = vec![0; read_size];
                let mut got_sizes = Vec::new();
                loop {
                    let n = reader.read(&mut buf).unwrap();
                    got_sizes.extend(reader.take_block_sizes());
                    if n == 0 {
                        break;
                    }
                    out.extend_from_slice(&buf[..n]);
                }
                assert!(out == stream, "{what} reads of {read_size}: stream differs");
                assert_eq!(got_sizes, sizes, "{what}");
                assert_eq!(
                    (reader.total_in(), reader.total_out()),
                    (data.len() as u64, stream.len() as u64),
                    "{what}"
                );
            }
        }
    }
}

/// `CompressingReader` with threads, once its pool is full: a `read` that has to wait for the
/// oldest job serves that job's records, then reads on from the inner reader. An error of the
/// inner reader there (after the call served bytes) must come with the next call, not be
/// dropped. Pages of 4 KiB make jobs of 64 pages, and the inner reader fills a page per call,
/// so with threads(2) the pool holds its most jobs (4) after 256 calls: the 257th call (256)
/// comes right after the wait, in the same `read` (the workers, compressing with HC, stay far
/// behind the reader, whose calls only copy).
#[test]
fn compressing_reader_with_a_full_pool_reports_the_inner_readers_error() {
    let opts = StreamOptions::new()
        .page_size(4096)
        .mode(lz4_stream::Mode::High { level: 9 })
        .threads(2);
    let job = Job::new(opts, long_data(4 * 256 * 1024 + 3 * 4096));
    for k in 254..=258 {
        let fault = Some(Fault::AtCall(k));
        let inner = Inner::new(
            job.data.clone(),
            fault,
            Kind::Error(ErrorKind::Other),
            usize::MAX,
        );
        let mut reader = CompressingReader::with_options(inner, &job.opts).unwrap();
        let mut out = Vec::new();
        let mut errors = 0;
        let mut buf = vec![0; 1 << 22];
        loop {
            match reader.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => out.extend_from_slice(&buf[..n]),
                Err(err) => {
                    assert_eq!(err.to_string(), "injected fault");
                    errors += 1;
                    assert!(errors < 10);
                }
            }
        }
        assert_eq!(reader.get_ref().fired, 1, "AtCall({k})");
        assert!(out == job.stream, "AtCall({k}): stream differs");
        assert_eq!(errors, 1, "AtCall({k}): the inner reader's error was lost");
    }
}
