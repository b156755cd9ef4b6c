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

use crate::async_io::{self, PollRead};
use crate::codec::encoder::Encoder;
use crate::codec::pull::Pull;

// The adapter, the three structs, the writer's `AsyncWrite` and the readers' `AsyncBufRead`
// are the same for every runtime but for a name (`async_io.rs`); reading is written here, since
// futures-io's `poll_read` takes a plain `&mut [u8]`.
runtime_front_ends! {
    adapter: Futures,
    runtime: "futures-io",
    close: poll_close,
    close_ext: "AsyncWriteExt::close",
}

impl<T: AsyncRead> PollRead for Futures<'_, T> {
    fn poll_read(&mut self, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
        self.0.as_mut().poll_read(cx, buf)
    }
}

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
