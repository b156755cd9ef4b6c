//! The LZ4 *stream* format as `std::io` adapters.
//!
//! LZ4's block-streaming mode, as programs using liblz4's streaming API
//! (`LZ4_compress_fast_continue` / `LZ4_decompress_safe_continue`) and python-lz4's
//! `lz4.stream` module exchange it: a sequence of records, each a little-endian size prefix
//! and the LZ4 block it announces, where each block may reference the bytes of the stream
//! before it (up to 64 KiB back). There is no header and no checksum; both ends agree on the
//! [`StreamOptions`] beforehand.
//!
//! ```text
//! stream = record* [end-marker]        record = size-prefix block
//! ```
//!
//! - [`Lz4StreamWriter`] compresses what is written to it into an inner [`std::io::Write`].
//! - [`Lz4StreamReader`] serves the decompressed bytes of an inner [`std::io::Read`] through
//!   [`Read`](std::io::Read) and [`BufRead`](std::io::BufRead).
//! - [`Lz4StreamBufReader`] does the same over an inner [`std::io::BufRead`] (a `&[u8]`, a
//!   [`BufReader`](std::io::BufReader)), decoding each block straight from the inner reader's
//!   buffer when the whole record is there instead of copying it out first.
//! - [`CompressingReader`] serves, through [`Read`](std::io::Read), the stream of what it reads
//!   from an inner reader (compression on the reading side: an upload body).
//! - [`DecompressingWriter`] takes a stream through [`Write`](std::io::Write) and writes what it
//!   decodes to into an inner writer (decompression on the writing side).
//! - `tokio::{Lz4StreamWriter, Lz4StreamReader, Lz4StreamBufReader}` (feature `tokio`) and
//!   `futures::{...}` (feature `futures-io`): the same over the async traits.
//! - Underneath them, [`Compressor`] and [`Decompressor`] work one block at a time on byte
//!   slices, with no I/O (python-lz4's `compress`, `decompress` and `get_block`, the latter as
//!   [`split_record`]).
//!
//! Every front end runs on one sans-IO core: a byte-fed record decoder, which is given the
//! stream's bytes and says how many more the current record needs (never more than the rest of
//! that record), and a record encoder, which takes input and hands out records to whatever sink
//! it is given. So every front end keeps the same guarantees: the same stream for the same input
//! and options, no byte read past the last record served, and nothing lost or written twice
//! after `Interrupted`, `WouldBlock`, `Pending`, an error, or a dropped future. A writer's
//! `finish` that fails gives the writer back in a [`FinishError`].
//!
//! ```
//! use std::io::{Read, Write};
//! use lz4_stream::{Lz4StreamReader, Lz4StreamWriter, SizePrefix, StreamOptions};
//!
//! // python-lz4's LZ4StreamCompressor("double_buffer", 8192, store_comp_size=2)
//! let opts = StreamOptions::new().page_size(8192).size_prefix(SizePrefix::U16);
//!
//! let mut writer = Lz4StreamWriter::with_options(Vec::new(), &opts)?;
//! writer.write_all(&b"0123456789".repeat(10_000))?;
//! let compressed = writer.finish()?;
//!
//! let mut reader = Lz4StreamReader::with_options(&compressed[..], &opts)?;
//! let mut data = Vec::new();
//! reader.read_to_end(&mut data)?;
//! assert_eq!(data, b"0123456789".repeat(10_000));
//! # Ok::<(), std::io::Error>(())
//! ```
//!
//! Every error is an [`std::io::Error`] carrying an [`Error`] (the reason, the block number and
//! the record's offset in the compressed stream). Bad input is an error, never a panic, and no
//! allocation is sized by the input: memory is bounded by the options.
//!
//! # Compression modes
//!
//! [`StreamOptions::mode`] picks how the writer compresses; readers decode every mode.
//! [`Mode::Fast`] is liblz4's fast compressor with its `acceleration` (python-lz4's
//! `mode="default"` and `mode="fast"`): with a history of the last 64 KiB its blocks are
//! liblz4's `LZ4_compress_fast_continue`'s, byte for byte. [`Mode::High`] is liblz4's
//! high-compression compressor at its `level`, 1 to 12 (python-lz4's
//! `mode="high_compression"`): 1 and 2 a light matcher, 3 to 9 hash chains, 10 to 12 an
//! optimal parser; with a history of the last 64 KiB its blocks are liblz4 1.10's
//! `LZ4_compress_HC_continue`'s, byte for byte, at every level. On mixed data, level 9 writes
//! about 13% less than the fast mode, at about a fifteenth of its speed.
//!
//! # The codec
//!
//! The LZ4 block codec is the crate's own, in safe Rust, built for streams: a decoder that
//! writes each block into one buffer right after the history it references (liblz4's prefix
//! mode), and compressors (fast and HC) whose tables are kept from block to block, so the
//! history is never hashed again. The crate has no dependency beyond `byteorder`.
//!
//! # Cargo features
//!
//! - `safe` (default): does nothing. It chose `lz4_flex`'s safe code paths when the crate was
//!   built on `lz4_flex`, and stays so that manifests naming it still build; the crate's own
//!   codec is safe Rust whatever the features.
//! - `tokio`: the `lz4_stream::tokio` module (adds `tokio`, without its default features,
//!   and `pin-project-lite`).
//! - `futures-io`: the `lz4_stream::futures` module (adds `futures-io` and
//!   `pin-project-lite`).
//! - `cli`: builds the `lz4s` command-line tool (`src/bin/lz4s.rs`), with its dependencies
//!   `clap` and `indicatif`, which the library never uses: `cargo install --path . --features
//!   cli`, or `cargo run --release --features cli -- --help`.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

#[macro_use]
mod front_end;
#[cfg(any(feature = "tokio", feature = "futures-io"))]
#[macro_use]
mod async_io;
mod block;
mod bufread;
mod codec;
mod compressing_reader;
mod decompressing_writer;
mod diagnose;
mod error;
mod options;
mod parallel;
mod read;
mod record;
mod window;
mod write;

#[cfg(feature = "futures-io")]
pub mod futures;
#[cfg(feature = "tokio")]
pub mod tokio;

pub use bufread::Lz4StreamBufReader;
pub use codec::compressor::Compressor;
pub use codec::decompressor::Decompressor;
pub use compressing_reader::CompressingReader;
pub use decompressing_writer::DecompressingWriter;
pub use diagnose::Hint;
pub use error::{Error, FinishError, Reason};
pub use options::{
    compress_bound, Mode, SizePrefix, Strategy, StreamOptions, DEFAULT_MAX_IDLE_INPUT,
    MAX_ACCELERATION, MAX_HC_LEVEL, MAX_PAGE_SIZE, WINDOW_SIZE,
};
pub use read::Lz4StreamReader;
pub use record::{split_record, Record};
pub use write::Lz4StreamWriter;

// The README's Rust examples run as doc tests too, so they cannot drift from the API. Some use
// the async front ends: they run with the test command's `--all-features`.
#[cfg(all(doctest, feature = "tokio", feature = "futures-io"))]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
