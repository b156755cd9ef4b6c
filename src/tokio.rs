//! The stream over tokio's [`AsyncWrite`], [`AsyncRead`] and [`AsyncBufRead`] (feature
//! `tokio`).
//!
//! - [`Lz4StreamWriter`] compresses what is written to it into an inner [`AsyncWrite`].
//!   `poll_flush` ends the partial page as a (shorter) block and flushes the inner writer, so
//!   the other end can decode everything written so far; `poll_shutdown` finishes the stream
//!   (the end marker, if the options ask for one) and shuts the inner writer down. There is no
//!   best-effort finish on drop (a drop cannot wait): shut the writer down.
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
//! use lz4_stream::StreamOptions;
//! use tokio::io::{AsyncReadExt, AsyncWriteExt};
//!
//! # tokio::runtime::Builder::new_current_thread().build()?.block_on(async {
//! let opts = StreamOptions::new().page_size(4096).end_marker(true);
//! let (client, server) = tokio::io::duplex(1024);
//!
//! let mut writer = lz4_stream::tokio::Lz4StreamWriter::with_options(client, &opts)?;
//! let mut reader = lz4_stream::tokio::Lz4StreamReader::with_options(server, &opts)?;
//! let send = async move {
//!     writer.write_all(&b"a line of text\n".repeat(1000)).await?;
//!     writer.shutdown().await
//! };
//! let receive = async move {
//!     let mut text = Vec::new();
//!     reader.read_to_end(&mut text).await?;
//!     Ok::<_, std::io::Error>(text)
//! };
//! let ((), text) = tokio::try_join!(send, receive)?;
//! assert_eq!(text, b"a line of text\n".repeat(1000));
//! # Ok::<(), std::io::Error>(())
//! # })?;
//! # Ok::<(), std::io::Error>(())
//! ```

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use ::tokio::io::{AsyncBufRead, AsyncRead, AsyncWrite, ReadBuf};
use pin_project_lite::pin_project;

use crate::async_io::{self, PollBufRead, PollRead, PollWrite};
use crate::codec::encoder::Encoder;
use crate::codec::pull::Pull;

/// A pinned tokio object, as [`async_io`] needs it.
struct Tokio<'a, T>(Pin<&'a mut T>);

impl<T: AsyncRead> PollRead for Tokio<'_, T> {
    fn poll_read(&mut self, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
        let mut buf = ReadBuf::new(buf);
        match self.0.as_mut().poll_read(cx, &mut buf) {
            Poll::Ready(Ok(())) => Poll::Ready(Ok(buf.filled().len())),
            Poll::Ready(Err(err)) => Poll::Ready(Err(err)),
            Poll::Pending => Poll::Pending,
        }
    }
}

impl<T: AsyncBufRead> PollBufRead for Tokio<'_, T> {
    fn poll_fill_buf(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<&[u8]>> {
        self.0.as_mut().poll_fill_buf(cx)
    }

    fn consume(&mut self, n: usize) {
        self.0.as_mut().consume(n);
    }
}

impl<T: AsyncWrite> PollWrite for Tokio<'_, T> {
    fn poll_write(&mut self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        self.0.as_mut().poll_write(cx, buf)
    }

    fn poll_flush(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.0.as_mut().poll_flush(cx)
    }

    fn poll_shutdown(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.0.as_mut().poll_shutdown(cx)
    }
}

pin_project! {
    /// Compresses what is written to it into an inner [`AsyncWrite`] (see the
    /// [module docs](self)); [`Lz4StreamWriter`](crate::Lz4StreamWriter) for tokio.
    ///
    /// `poll_shutdown` (`AsyncWriteExt::shutdown`) finishes the stream; then
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
        async_io::poll_write(this.encoder, Tokio(this.inner), cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.project();
        async_io::poll_flush(this.encoder, Tokio(this.inner), cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.project();
        async_io::poll_shutdown(this.encoder, Tokio(this.inner), cx)
    }
}

pin_project! {
    /// Serves the decompressed bytes of an inner [`AsyncRead`] through [`AsyncRead`] and
    /// [`AsyncBufRead`] (see the [module docs](self));
    /// [`Lz4StreamReader`](crate::Lz4StreamReader) for tokio.
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
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.project();
        let dst = buf.initialize_unfilled();
        match async_io::poll_read(this.pull, Tokio(this.inner), cx, dst) {
            Poll::Ready(Ok(n)) => {
                buf.advance(n);
                Poll::Ready(Ok(()))
            }
            Poll::Ready(Err(err)) => Poll::Ready(Err(err)),
            Poll::Pending => Poll::Pending,
        }
    }
}

impl<R: AsyncRead> AsyncBufRead for Lz4StreamReader<R> {
    fn poll_fill_buf(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<&[u8]>> {
        let this = self.project();
        async_io::poll_fill_buf(this.pull, Tokio(this.inner), cx)
    }

    fn consume(self: Pin<&mut Self>, amt: usize) {
        self.project().pull.consume(amt);
    }
}

pin_project! {
    /// Serves the decompressed bytes of an inner [`AsyncBufRead`] through [`AsyncRead`] and
    /// [`AsyncBufRead`], decoding each block where it lies in the inner reader's buffer when
    /// the whole record is there; [`Lz4StreamBufReader`](crate::Lz4StreamBufReader) for tokio.
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
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.project();
        let dst = buf.initialize_unfilled();
        match async_io::poll_read_buffered(this.pull, Tokio(this.inner), cx, dst) {
            Poll::Ready(Ok(n)) => {
                buf.advance(n);
                Poll::Ready(Ok(()))
            }
            Poll::Ready(Err(err)) => Poll::Ready(Err(err)),
            Poll::Pending => Poll::Pending,
        }
    }
}

impl<R: AsyncBufRead> AsyncBufRead for Lz4StreamBufReader<R> {
    fn poll_fill_buf(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<&[u8]>> {
        let this = self.project();
        async_io::poll_fill_buf_buffered(this.pull, Tokio(this.inner), cx)
    }

    fn consume(self: Pin<&mut Self>, amt: usize) {
        self.project().pull.consume(amt);
    }
}
