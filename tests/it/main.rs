//! The integration tests, as one test binary: each module was a test file of its own, and one
//! binary links the crate and the test dependencies (lzzzz's liblz4, quickcheck, tokio) once
//! instead of once per file. Run one module with a filter: `cargo test --all-features --test it
//! peer_interop::`.
//!
//! Three tests stay binaries of their own: `tests/memory.rs` and `tests/python_suite.rs` count
//! allocations with a global allocator (one per binary, and other tests running beside them
//! would disturb the counts), and `tests/miri.rs` is the small set Miri runs.
//!
//! `cli` needs the feature `cli` (it runs the `lz4s` binary), `async_io` the features `tokio`
//! and `futures-io`: the project's test command, `cargo test --all-features`, runs them all.

#[path = "../codec/mod.rs"]
mod codec;
#[path = "../common/mod.rs"]
mod common;

mod async_io;
mod bufread;
mod cli;
mod codec_oracle;
mod decode_differential;
mod decompressing_writer;
mod diagnosis;
mod errors;
mod fixtures;
mod front_ends;
mod hc;
mod hostile;
mod io_faults;
mod liblz4_lzzzz;
mod parallel;
mod peer_interop;
mod reader_panic;
mod roundtrip;
