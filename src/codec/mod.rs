//! The stream's operations without I/O, and the drivers every front end shares.
//!
//! - [`decoder`]: the byte-fed record decoder. It is given the stream's bytes and says how many
//!   more the current record needs (never more than the rest of that record); its state is one
//!   enum (inside a prefix, inside a block, done, failed).
//! - [`pull`]: the readers' driver, which feeds the decoder from a source (a `Read`, a
//!   `BufRead`, an async reader through a bridge) and serves what it decodes.
//! - [`compressor`] and [`decompressor`]: one block at a time, on byte slices (public as
//!   [`Compressor`](crate::Compressor) and [`Decompressor`](crate::Decompressor)).
//!
//! The front ends (`read.rs`, `bufread.rs`, `write.rs`, ...) only move bytes between these and
//! their inner reader or writer.

pub(crate) mod compressor;
pub(crate) mod decoder;
pub(crate) mod decompressor;
pub(crate) mod encoder;
pub(crate) mod io;
pub(crate) mod pull;
