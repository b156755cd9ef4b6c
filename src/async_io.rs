//! What the async front ends of every runtime share: the same drivers as the `std` front ends,
//! run over a bridge.
//!
//! The drivers ([`Pull`] for the readers, [`Encoder`] for the writer) lose nothing on
//! `WouldBlock`: the call ends, the state stays, and the next call goes on exactly where this
//! one stopped. So an async front end is the `std` one with a bridge as its inner reader or
//! writer: the bridge polls the async inner object with the poll's `Context`, and turns
//! `Pending` into a `WouldBlock` error (noting that it did); the front end turns that error back
//! into `Pending` (the inner object has registered the waker). There is no second copy of the
//! record logic, and every guarantee of the `std` front ends holds: nothing is lost or written
//! twice after `Pending` or an error, and a future dropped between polls (a `select!` that
//! chose another branch, a timeout) loses nothing either, since all state is in the front end,
//! none in the future.
//!
//! A `WouldBlock` error that the inner object itself returns (rather than `Pending`) is passed
//! on as an error, untouched.
//!
//! The runtimes' traits differ only in their signatures: [`PollRead`], [`PollBufRead`] and
//! [`PollWrite`] are what this module needs of them, and `tokio.rs` and `futures.rs` implement
//! them for their traits' pinned objects.

use std::io::{self, Write};
use std::task::{Context, Poll};

use crate::codec::encoder::Encoder;
use crate::codec::pull::{Pull, Source};

/// An async reader, as this module needs it.
pub(crate) trait PollRead {
    /// Reads into `buf`, as `Read::read` does.
    fn poll_read(&mut self, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>>;
}

/// An async buffered reader, as this module needs it.
pub(crate) trait PollBufRead {
    /// The buffered bytes, as `BufRead::fill_buf` returns them.
    fn poll_fill_buf(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<&[u8]>>;
    /// Marks `n` of them read.
    fn consume(&mut self, n: usize);
}

/// An async writer, as this module needs it.
pub(crate) trait PollWrite {
    /// Writes from `buf`, as `Write::write` does.
    fn poll_write(&mut self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>>;
    /// Flushes.
    fn poll_flush(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>>;
    /// Shuts down (tokio) or closes (futures-io).
    fn poll_shutdown(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>>;
}

/// A bridge: an async object and the poll's context, as a `std` reader, writer or source.
struct Bridge<'a, 'b, T> {
    inner: T,
    cx: &'a mut Context<'b>,
    /// Set when the inner object returned `Pending` (and so registered the waker).
    pending: bool,
}

impl<'a, 'b, T> Bridge<'a, 'b, T> {
    fn new(inner: T, cx: &'a mut Context<'b>) -> Self {
        Bridge {
            inner,
            cx,
            pending: false,
        }
    }

    /// `Pending` as an error the drivers handle as they handle `WouldBlock`.
    fn unready<U>(&mut self, poll: Poll<io::Result<U>>) -> io::Result<U> {
        match poll {
            Poll::Ready(result) => result,
            Poll::Pending => {
                self.pending = true;
                Err(io::ErrorKind::WouldBlock.into())
            }
        }
    }

    /// A driver's result, with the bridge's `WouldBlock` turned back into `Pending`.
    fn ready<U>(&self, result: io::Result<U>) -> Poll<io::Result<U>> {
        match result {
            Err(err) if self.pending && err.kind() == io::ErrorKind::WouldBlock => Poll::Pending,
            result => Poll::Ready(result),
        }
    }
}

/// The source of a reader over an async reader: its bytes are read into the decoder's buffer.
struct Reading<T>(T);

impl<T: PollRead> Source for Bridge<'_, '_, Reading<T>> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let poll = self.inner.0.poll_read(self.cx, buf);
        self.unready(poll)
    }

    fn peek(&mut self) -> io::Result<Option<&[u8]>> {
        Ok(None)
    }

    fn consume(&mut self, _n: usize) {}
}

/// The source of a reader over an async buffered reader: whole records are decoded where they
/// lie in its buffer.
struct Borrowing<T>(T);

impl<T: PollBufRead> Source for Bridge<'_, '_, Borrowing<T>> {
    fn read(&mut self, _buf: &mut [u8]) -> io::Result<usize> {
        unreachable!("a lending source is never read");
    }

    fn peek(&mut self) -> io::Result<Option<&[u8]>> {
        match self.inner.0.poll_fill_buf(self.cx) {
            Poll::Ready(result) => result.map(Some),
            Poll::Pending => {
                self.pending = true;
                Err(io::ErrorKind::WouldBlock.into())
            }
        }
    }

    fn consume(&mut self, n: usize) {
        self.inner.0.consume(n);
    }
}

impl<T: PollWrite> Write for Bridge<'_, '_, T> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let poll = self.inner.poll_write(self.cx, buf);
        self.unready(poll)
    }

    fn flush(&mut self) -> io::Result<()> {
        let poll = self.inner.poll_flush(self.cx);
        self.unready(poll)
    }
}

/// `poll_read` of a reader over an async reader.
pub(crate) fn poll_read<T: PollRead>(
    pull: &mut Pull,
    inner: T,
    cx: &mut Context<'_>,
    buf: &mut [u8],
) -> Poll<io::Result<usize>> {
    let mut bridge = Bridge::new(Reading(inner), cx);
    let result = pull.read(&mut bridge, buf);
    bridge.ready(result)
}

/// `poll_fill_buf` of a reader over an async reader.
pub(crate) fn poll_fill_buf<'p, T: PollRead>(
    pull: &'p mut Pull,
    inner: T,
    cx: &mut Context<'_>,
) -> Poll<io::Result<&'p [u8]>> {
    let mut bridge = Bridge::new(Reading(inner), cx);
    let result = pull.fill_buf(&mut bridge);
    bridge.ready(result)
}

/// `poll_read` of a reader over an async buffered reader.
pub(crate) fn poll_read_buffered<T: PollBufRead>(
    pull: &mut Pull,
    inner: T,
    cx: &mut Context<'_>,
    buf: &mut [u8],
) -> Poll<io::Result<usize>> {
    let mut bridge = Bridge::new(Borrowing(inner), cx);
    let result = pull.read(&mut bridge, buf);
    bridge.ready(result)
}

/// `poll_fill_buf` of a reader over an async buffered reader.
pub(crate) fn poll_fill_buf_buffered<'p, T: PollBufRead>(
    pull: &'p mut Pull,
    inner: T,
    cx: &mut Context<'_>,
) -> Poll<io::Result<&'p [u8]>> {
    let mut bridge = Bridge::new(Borrowing(inner), cx);
    let result = pull.fill_buf(&mut bridge);
    bridge.ready(result)
}

/// `poll_write` of the writer.
pub(crate) fn poll_write<T: PollWrite>(
    encoder: &mut Encoder,
    inner: T,
    cx: &mut Context<'_>,
    buf: &[u8],
) -> Poll<io::Result<usize>> {
    let mut bridge = Bridge::new(inner, cx);
    let result = encoder.write(&mut bridge, buf);
    bridge.ready(result)
}

/// `poll_flush` of the writer: the partial page as a block, every record out, then the inner
/// writer flushed.
pub(crate) fn poll_flush<T: PollWrite>(
    encoder: &mut Encoder,
    inner: T,
    cx: &mut Context<'_>,
) -> Poll<io::Result<()>> {
    let mut bridge = Bridge::new(inner, cx);
    let result = encoder
        .write_pending(&mut bridge)
        .and_then(|()| bridge.flush());
    bridge.ready(result)
}

/// `poll_shutdown` (`poll_close`) of the writer: the stream finished (the end marker if
/// configured), the inner writer flushed and shut down.
pub(crate) fn poll_shutdown<T: PollWrite>(
    encoder: &mut Encoder,
    inner: T,
    cx: &mut Context<'_>,
) -> Poll<io::Result<()>> {
    let mut bridge = Bridge::new(inner, cx);
    let result = encoder.finish(&mut bridge).and_then(|()| {
        bridge.flush()?;
        let poll = bridge.inner.poll_shutdown(bridge.cx);
        bridge.unready(poll)
    });
    bridge.ready(result)
}

/// The writer's constructors and accessors.
macro_rules! writer_common {
    ($name:ident, $bound:ident) => {
        impl<W: $bound> $name<W> {
            /// A writer with the default options (64 KiB pages, 4-byte prefixes, double buffer).
            pub fn new(inner: W) -> Self {
                Self::with_options(inner, &$crate::StreamOptions::new())
                    .expect("the default options are valid")
            }

            /// A writer with `opts`.
            ///
            /// # Errors
            ///
            /// `InvalidInput` if the options break a writer's rules ([`StreamOptions::validate`]($crate::StreamOptions::validate)).
            pub fn with_options(inner: W, opts: &$crate::StreamOptions) -> ::std::io::Result<Self> {
                Ok($name {
                    inner,
                    encoder: $crate::codec::encoder::Encoder::new(opts)?,
                })
            }

            /// The inner writer.
            pub fn get_ref(&self) -> &W {
                &self.inner
            }

            /// The inner writer, mutably. Writing to it directly corrupts the stream.
            pub fn get_mut(&mut self) -> &mut W {
                &mut self.inner
            }

            /// The inner writer, pinned. Writing to it directly corrupts the stream.
            pub fn get_pin_mut(self: ::std::pin::Pin<&mut Self>) -> ::std::pin::Pin<&mut W> {
                self.project().inner
            }

            /// The inner writer. Call it after shutting the writer down: what was not written out
            /// by then is dropped.
            pub fn into_inner(self) -> W {
                self.inner
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
            /// [`SizePrefix::OutOfBand`](crate::SizePrefix::OutOfBand) (empty for others).
            pub fn take_block_sizes(&mut self) -> Vec<usize> {
                self.encoder.take_block_sizes()
            }
        }

        impl<W: ::std::fmt::Debug> ::std::fmt::Debug for $name<W> {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.debug_struct(stringify!($name))
                    .field("inner", &self.inner)
                    .field("page_size", &self.encoder.page_size())
                    .field("pending", &self.encoder.pending())
                    .field("unwritten", &self.encoder.unwritten())
                    .field("finished", &self.encoder.is_finished())
                    .finish()
            }
        }
    };
}

/// What a runtime's module holds apart from reading: the pinned-object adapter's
/// [`PollBufRead`] and [`PollWrite`], the three front ends' structs, the writer's
/// `AsyncWrite`, and the readers' `AsyncBufRead`. The runtimes' traits differ there only in a
/// name (`poll_shutdown` or `poll_close`); `poll_read`'s signatures differ more, so each module
/// writes its `PollRead` and `AsyncRead` impls itself. The module brings `AsyncBufRead`,
/// `AsyncWrite`, `Pin`, `Context`, `Poll`, `io`, `Encoder`, `Pull` and `pin_project` into
/// scope.
macro_rules! runtime_front_ends {
    (
        adapter: $adapter:ident,
        runtime: $runtime:literal,
        close: $close:ident,
        close_ext: $close_ext:literal $(,)?
    ) => {
        #[doc = concat!("A pinned ", $runtime, " object, as [`async_io`] needs it.")]
        struct $adapter<'a, T>(Pin<&'a mut T>);

        impl<T: AsyncBufRead> $crate::async_io::PollBufRead for $adapter<'_, T> {
            fn poll_fill_buf(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<&[u8]>> {
                self.0.as_mut().poll_fill_buf(cx)
            }

            fn consume(&mut self, n: usize) {
                self.0.as_mut().consume(n);
            }
        }

        impl<T: AsyncWrite> $crate::async_io::PollWrite for $adapter<'_, T> {
            fn poll_write(&mut self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
                self.0.as_mut().poll_write(cx, buf)
            }

            fn poll_flush(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
                self.0.as_mut().poll_flush(cx)
            }

            fn poll_shutdown(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
                self.0.as_mut().$close(cx)
            }
        }

        pin_project! {
            #[doc = concat!(
                "Compresses what is written to it into an inner [`AsyncWrite`] (see the ",
                "[module docs](self)); [`Lz4StreamWriter`](crate::Lz4StreamWriter) for ",
                $runtime, ".\n\n`", stringify!($close), "` (`", $close_ext, "`) finishes the ",
                "stream; then [`into_inner`](Self::into_inner) gives the inner writer back."
            )]
            pub struct Lz4StreamWriter<W> {
                #[pin]
                inner: W,
                encoder: Encoder,
            }
        }

        writer_common!(Lz4StreamWriter, AsyncWrite);

        impl<W: AsyncWrite> AsyncWrite for Lz4StreamWriter<W> {
            fn poll_write(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                buf: &[u8],
            ) -> Poll<io::Result<usize>> {
                let this = self.project();
                $crate::async_io::poll_write(this.encoder, $adapter(this.inner), cx, buf)
            }

            fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
                let this = self.project();
                $crate::async_io::poll_flush(this.encoder, $adapter(this.inner), cx)
            }

            fn $close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
                let this = self.project();
                $crate::async_io::poll_shutdown(this.encoder, $adapter(this.inner), cx)
            }
        }

        pin_project! {
            #[doc = concat!(
                "Serves the decompressed bytes of an inner [`AsyncRead`] through [`AsyncRead`] ",
                "and [`AsyncBufRead`] (see the [module docs](self)); ",
                "[`Lz4StreamReader`](crate::Lz4StreamReader) for ", $runtime, "."
            )]
            pub struct Lz4StreamReader<R> {
                #[pin]
                inner: R,
                pull: Pull,
            }
        }

        reader_common!(Lz4StreamReader, AsyncRead, pinned);

        impl<R: AsyncRead> AsyncBufRead for Lz4StreamReader<R> {
            fn poll_fill_buf(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
            ) -> Poll<io::Result<&[u8]>> {
                let this = self.project();
                $crate::async_io::poll_fill_buf(this.pull, $adapter(this.inner), cx)
            }

            fn consume(self: Pin<&mut Self>, amt: usize) {
                self.project().pull.consume(amt);
            }
        }

        pin_project! {
            #[doc = concat!(
                "Serves the decompressed bytes of an inner [`AsyncBufRead`] through ",
                "[`AsyncRead`] and [`AsyncBufRead`], decoding each block where it lies in the ",
                "inner reader's buffer when the whole record is there; ",
                "[`Lz4StreamBufReader`](crate::Lz4StreamBufReader) for ", $runtime, "."
            )]
            pub struct Lz4StreamBufReader<R> {
                #[pin]
                inner: R,
                pull: Pull,
            }
        }

        reader_common!(Lz4StreamBufReader, AsyncBufRead, pinned);

        impl<R: AsyncBufRead> AsyncBufRead for Lz4StreamBufReader<R> {
            fn poll_fill_buf(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
            ) -> Poll<io::Result<&[u8]>> {
                let this = self.project();
                $crate::async_io::poll_fill_buf_buffered(this.pull, $adapter(this.inner), cx)
            }

            fn consume(self: Pin<&mut Self>, amt: usize) {
                self.project().pull.consume(amt);
            }
        }
    };
}
