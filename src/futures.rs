//! The stream over the `futures-io` traits [`AsyncWrite`], [`AsyncRead`] and [`AsyncBufRead`]
//! (feature `futures-io`): for async-std, smol, and the `futures` crate's executors.
//!
//! - [`Lz4StreamWriter`] compresses what is written to it into an inner [`AsyncWrite`].
//!   `poll_flush` ends the partial page as a (shorter) block and flushes the inner writer, so
//!   the other end can decode everything written so far; `poll_close` finishes the stream
//!   (the end marker, if the options ask for one) and closes the inner writer. There is no
//!   best-effort finish on drop (a drop cannot wait): close the writer.
//! - [`Lz4StreamReader`] serves the decompressed bytes of an inner [`AsyncRead`], through
//!   [`AsyncRead`] and [`AsyncBufRead`]; [`Lz4StreamBufReader`] does the same over an inner
//!   [`AsyncBufRead`], decoding whole records where they lie in its buffer.
//!
//! They are the `std` front ends' drivers run over a bridge (see the crate's `async_io.rs`),
//! so they behave as those do: the same stream for the same input and options, the readers
//! read no byte past the last record they serve, and nothing is lost or repeated after
//! `Pending`, an error, or a future dropped between polls (a `select!` that chose another
//! branch, a timeout): the next call goes on where the last stopped.
//!
//! With [`threads(n)`](crate::StreamOptions::threads), `n >= 2`, the writer compresses pages
//! on `n` threads of its own, as the `std` writer does. When the pool is full, a poll waits
//! for the oldest job (at most a few pages' compression) instead of returning `Pending`: the
//! serial writer spends that time compressing inside the poll anyway.
//!
//! ```
//! use futures::io::{AsyncReadExt, AsyncWriteExt, Cursor};
//! use lz4_stream::StreamOptions;
//!
//! # futures::executor::block_on(async {
//! let opts = StreamOptions::new().page_size(4096);
//! let mut writer =
//!     lz4_stream::futures::Lz4StreamWriter::with_options(Cursor::new(Vec::new()), &opts)?;
//! writer.write_all(&b"a line of text\n".repeat(1000)).await?;
//! writer.close().await?;
//! let stream = writer.into_inner().into_inner();
//!
//! let mut reader = lz4_stream::futures::Lz4StreamReader::with_options(&stream[..], &opts)?;
//! let mut text = Vec::new();
//! reader.read_to_end(&mut text).await?;
//! assert_eq!(text, b"a line of text\n".repeat(1000));
//! # Ok::<(), std::io::Error>(())
//! # })?;
//! # Ok::<(), std::io::Error>(())
//! ```

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_io::{AsyncBufRead, AsyncRead, AsyncWrite};
use pin_project_lite::pin_project;

use crate::async_io::{self, PollBufRead, PollRead, PollWrite};
use crate::codec::encoder::Encoder;
use crate::codec::pull::Pull;

/// A pinned futures-io object, as [`async_io`] needs it.
struct Futures<'a, T>(Pin<&'a mut T>);

impl<T: AsyncRead> PollRead for Futures<'_, T> {
    fn poll_read(&mut self, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
        self.0.as_mut().poll_read(cx, buf)
    }
}

impl<T: AsyncBufRead> PollBufRead for Futures<'_, T> {
    fn poll_fill_buf(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<&[u8]>> {
        self.0.as_mut().poll_fill_buf(cx)
    }

    fn consume(&mut self, n: usize) {
        self.0.as_mut().consume(n);
    }
}

impl<T: AsyncWrite> PollWrite for Futures<'_, T> {
    fn poll_write(&mut self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        self.0.as_mut().poll_write(cx, buf)
    }

    fn poll_flush(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.0.as_mut().poll_flush(cx)
    }

    fn poll_shutdown(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.0.as_mut().poll_close(cx)
    }
}

pin_project! {
    /// Compresses what is written to it into an inner [`AsyncWrite`] (see the
    /// [module docs](self)); [`Lz4StreamWriter`](crate::Lz4StreamWriter) for futures-io.
    ///
    /// `poll_close` (`AsyncWriteExt::close`) finishes the stream; then
    /// [`into_inner`](Self::into_inner) gives the inner writer back.
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
        async_io::poll_write(this.encoder, Futures(this.inner), cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.project();
        async_io::poll_flush(this.encoder, Futures(this.inner), cx)
    }

    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.project();
        async_io::poll_shutdown(this.encoder, Futures(this.inner), cx)
    }
}

pin_project! {
    /// Serves the decompressed bytes of an inner [`AsyncRead`] through [`AsyncRead`] and
    /// [`AsyncBufRead`] (see the [module docs](self));
    /// [`Lz4StreamReader`](crate::Lz4StreamReader) for futures-io.
    pub struct Lz4StreamReader<R> {
        #[pin]
        inner: R,
        pull: Pull,
    }
}

reader_common!(Lz4StreamReader, AsyncRead, pinned);

impl<R: AsyncRead> AsyncRead for Lz4StreamReader<R> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.project();
        async_io::poll_read(this.pull, Futures(this.inner), cx, buf)
    }
}

impl<R: AsyncRead> AsyncBufRead for Lz4StreamReader<R> {
    fn poll_fill_buf(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<&[u8]>> {
        let this = self.project();
        async_io::poll_fill_buf(this.pull, Futures(this.inner), cx)
    }

    fn consume(self: Pin<&mut Self>, amt: usize) {
        self.project().pull.consume(amt);
    }
}

pin_project! {
    /// Serves the decompressed bytes of an inner [`AsyncBufRead`] through [`AsyncRead`] and
    /// [`AsyncBufRead`], decoding each block where it lies in the inner reader's buffer when
    /// the whole record is there; [`Lz4StreamBufReader`](crate::Lz4StreamBufReader) for futures-io.
    pub struct Lz4StreamBufReader<R> {
        #[pin]
        inner: R,
        pull: Pull,
    }
}

reader_common!(Lz4StreamBufReader, AsyncBufRead, pinned);

impl<R: AsyncBufRead> AsyncRead for Lz4StreamBufReader<R> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.project();
        async_io::poll_read_buffered(this.pull, Futures(this.inner), cx, buf)
    }
}

impl<R: AsyncBufRead> AsyncBufRead for Lz4StreamBufReader<R> {
    fn poll_fill_buf(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<&[u8]>> {
        let this = self.project();
        async_io::poll_fill_buf_buffered(this.pull, Futures(this.inner), cx)
    }

    fn consume(self: Pin<&mut Self>, amt: usize) {
        self.project().pull.consume(amt);
    }
}
