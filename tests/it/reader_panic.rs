//! Reproducer of a fuzz finding (`fuzz/regressions/round_trip/reader-panic-history`, found by
//! the `round_trip` target's injected panics): an inner reader that panics during a large read
//! (a buffer of a page or more), once the read has decoded blocks straight into the caller's
//! buffer (`read_blocks` with `decode_into`, src/read.rs), leaves the reader with its block
//! count advanced but its window's history stale: `replace_history` runs only when
//! `read_blocks` returns. A caller that catches the panic and reads on then gets the next blocks
//! decoded against the old history: silently wrong bytes when the old history is long enough
//! (here, a dictionary), `BeyondHistory` errors otherwise.
//!
//! Nothing in the documentation promises what a reader does after a panic of its inner reader;
//! the bytes the panicking call decoded are lost with it, as with any reader. But serving wrong
//! bytes, with no error, goes against "never wrong bytes" (src/decompressor.rs). The writer does
//! keep its history right across a panic of its inner writer (`write_pages`' guard, and the unit
//! test `in_place_history_survives_a_panicking_inner_writer`).
//!
//! Fixed: a large read that decodes into the caller's buffer poisons the reader until it
//! returns, so a panic in between leaves it poisoned: every later call fails with
//! `Reason::Poisoned` instead of serving wrong bytes.

use std::io::{self, Read, Write};
use std::panic::{catch_unwind, AssertUnwindSafe};

use lz4_stream::{Lz4StreamReader, Lz4StreamWriter, StreamOptions};

/// Reads from `data`, panicking once when its position first passes `panic_at`.
struct PanicsOnce<'a> {
    data: &'a [u8],
    pos: usize,
    panic_at: usize,
    panicked: bool,
}

impl Read for PanicsOnce<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if !self.panicked && self.pos >= self.panic_at {
            self.panicked = true;
            panic!("inner reader panics");
        }
        let n = buf.len().min(self.data.len() - self.pos);
        buf[..n].copy_from_slice(&self.data[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

/// Text-like data whose blocks reference earlier blocks.
fn data(len: usize) -> Vec<u8> {
    let words = [
        "stream ", "block ", "history ", "window ", "reader ", "panic ", "bytes ", "lost ",
    ];
    let mut x = 0x9E37_79B9u32;
    let mut out = Vec::with_capacity(len);
    while out.len() < len {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        out.extend_from_slice(words[x as usize % words.len()].as_bytes());
        if x % 7 == 0 {
            out.extend_from_slice(format!("{} ", x % 1000).as_bytes());
        }
    }
    out.truncate(len);
    out
}

#[test]
fn reader_serves_only_the_streams_bytes_after_an_inner_panic() {
    let data = data(300_000);
    let dictionary = data[..32_768].iter().rev().copied().collect::<Vec<u8>>();
    let opts = StreamOptions::new().page_size(4096).dictionary(dictionary);
    let mut writer = Lz4StreamWriter::with_options(Vec::new(), &opts).unwrap();
    writer.write_all(&data).unwrap();
    let stream = writer.finish().unwrap();

    let inner = PanicsOnce {
        data: &stream,
        pos: 0,
        panic_at: stream.len() / 2,
        panicked: false,
    };
    let mut reader = Lz4StreamReader::with_options(inner, &opts).unwrap();
    // One large read: 64 KiB through the window, then blocks straight into the buffer, until
    // the inner reader panics half way through the stream.
    let mut buf = vec![0; 1 << 20];
    let caught = catch_unwind(AssertUnwindSafe(|| reader.read(&mut buf)));
    assert!(caught.is_err(), "the inner reader panicked");
    // The blocks that call decoded are lost with it. Reading on must serve the stream's
    // remaining bytes (data's suffix), or fail; not other bytes.
    let mut rest = Vec::new();
    // Fixed: the reader is poisoned. It serves nothing more, and says why, every time.
    for _ in 0..2 {
        let err = reader.read_to_end(&mut rest).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::Other, "{err}");
        let inner = err
            .get_ref()
            .unwrap()
            .downcast_ref::<lz4_stream::Error>()
            .unwrap();
        assert_eq!(inner.reason(), &lz4_stream::Reason::Poisoned, "{err}");
        assert!(rest.is_empty());
    }
}
