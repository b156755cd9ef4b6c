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

use crate::async_io::{self, PollRead};
use crate::codec::encoder::Encoder;
use crate::codec::pull::Pull;

// The adapter, the three structs, the writer's `AsyncWrite` and the readers' `AsyncBufRead`
// are the same for every runtime but for a name (`async_io.rs`); reading is written here, since
// tokio's `poll_read` takes `ReadBuf`.
runtime_front_ends! {
    adapter: Tokio,
    runtime: "tokio",
    close: poll_shutdown,
    close_ext: "AsyncWriteExt::shutdown",
}

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
