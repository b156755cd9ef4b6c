//! What the codec tests (`tests/it/codec_oracle.rs`, `tests/it/decode_differential.rs`) share: a
//! seeded random generator, data of several kinds, and liblz4's functions (compiled into the
//! test binary by `lzzzz`, which each test file links with `use lzzzz as _;`).
//!
//! `differential.rs` holds the decoder differential itself (a reference decoder written from
//! lz4's `doc/lz4_Block_format.md`, the peers and the verdict); the fuzz target
//! `fuzz/fuzz_targets/decode_block.rs` includes the same file, so the test and the fuzz target
//! judge by the same rules.
#![allow(dead_code)]

pub mod cases;
pub mod differential;

#[allow(unused_imports)] // each test file uses some
pub use differential::{compress_bound, liblz4_compress_prefix, liblz4_hc_compress_prefix};

use std::fs;
use std::os::raw::c_char;

pub use differential::ffi;

/// liblz4's `LZ4_decompress_safe_usingDict` decoding `block` into `buf[at..at + capacity]`,
/// with the `dict_len` bytes before `at` (in the same buffer) as the dictionary: prefix mode
/// when `dict_len > 0`. Returns the decoded length, or `None` when liblz4 refuses the block.
pub fn liblz4_decode_in_place(
    block: &[u8],
    buf: &mut [u8],
    at: usize,
    capacity: usize,
    dict_len: usize,
) -> Option<usize> {
    assert!(dict_len <= at && at + capacity <= buf.len());
    assert!(block.len() <= i32::MAX as usize && capacity <= i32::MAX as usize);
    // SAFETY: every pointer handed over covers the length handed with it: the source is
    // `block`, the destination `buf[at..at + capacity]`, the dictionary `buf[at - dict_len..at]`
    // (checked above). liblz4's safe decoder writes only inside the destination.
    let n = unsafe {
        let base = buf.as_mut_ptr();
        ffi::LZ4_decompress_safe_usingDict(
            block.as_ptr().cast(),
            base.add(at).cast(),
            block.len() as i32,
            capacity as i32,
            base.add(at - dict_len) as *const c_char,
            dict_len as i32,
        )
    };
    usize::try_from(n).ok()
}

/// liblz4's `LZ4_decompress_safe_usingDict` decoding `block` into `out` with `dict`, a buffer
/// of its own, as an external dictionary. `None` when liblz4 refuses the block.
pub fn liblz4_decode_ext_dict(block: &[u8], out: &mut [u8], dict: &[u8]) -> Option<usize> {
    assert!(block.len() <= i32::MAX as usize && out.len() <= i32::MAX as usize);
    // SAFETY: each pointer covers the length handed with it; the destination does not overlap
    // the dictionary (distinct borrows).
    let n = unsafe {
        ffi::LZ4_decompress_safe_usingDict(
            block.as_ptr().cast(),
            out.as_mut_ptr().cast(),
            block.len() as i32,
            out.len() as i32,
            dict.as_ptr().cast(),
            dict.len() as i32,
        )
    };
    usize::try_from(n).ok()
}

// ---------------------------------------------------------------------------------------------
// Randomness and data.

/// xorshift64*: small, seeded, the same everywhere.
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    pub fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A number in `0..n` (`n > 0`).
    pub fn below(&mut self, n: usize) -> usize {
        assert!(n > 0);
        ((self.next() >> 16) % n as u64) as usize
    }

    /// A number in `lo..=hi`.
    pub fn between(&mut self, lo: usize, hi: usize) -> usize {
        lo + self.below(hi - lo + 1)
    }

    /// `true` with probability `percent`/100.
    pub fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }

    pub fn byte(&mut self) -> u8 {
        (self.next() >> 32) as u8
    }

    pub fn fill(&mut self, out: &mut Vec<u8>, len: usize) {
        let end = out.len() + len;
        while out.len() + 8 <= end {
            out.extend_from_slice(&self.next().to_le_bytes());
        }
        while out.len() < end {
            out.push(self.byte());
        }
    }

    pub fn bytes(&mut self, len: usize) -> Vec<u8> {
        let mut out = Vec::with_capacity(len);
        self.fill(&mut out, len);
        out
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// The kinds of data the codec tests run over.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Words from a small vocabulary, markup, numbers, line breaks.
    Text,
    /// Fixed-size records with counters, small integers, zeros and a few random fields.
    Binary,
    /// Runs of one byte and short repeating patterns, of every length.
    Runs,
    /// Uniformly random bytes (incompressible).
    Random,
    /// Segments of all of the above, and copies of earlier bytes from every distance, many
    /// of them right around 64 KiB back (the edge of LZ4's reach).
    Mixed,
}

pub const KINDS: [Kind; 5] = [
    Kind::Text,
    Kind::Binary,
    Kind::Runs,
    Kind::Random,
    Kind::Mixed,
];

const SYLLABLES: &[&str] = &[
    "ka", "lo", "re", "tin", "mu", "sa", "pe", "dor", "ix", "on", "st", "ream", "bl", "ock", "e",
    "a", "the", "ing", "qu", "z",
];

fn push_text(rng: &mut Rng, out: &mut Vec<u8>, len: usize, words: &[Vec<u8>]) {
    let end = out.len() + len;
    while out.len() < end {
        let piece: &[u8] = match rng.below(40) {
            0 => b"\n",
            1 => b"<p class=\"doc\">",
            2 => b"</p>\n",
            3 => b", ",
            4 => b". ",
            5 => {
                let n = rng.below(100_000).to_string();
                out.extend_from_slice(n.as_bytes());
                continue;
            }
            _ => &words[rng.below(words.len()).min(rng.below(words.len()))],
        };
        out.extend_from_slice(piece);
        out.push(b' ');
    }
    out.truncate(end);
}

fn vocabulary(rng: &mut Rng) -> Vec<Vec<u8>> {
    (0..300)
        .map(|_| {
            let mut word = Vec::new();
            for _ in 0..rng.between(1, 4) {
                word.extend_from_slice(rng.pick(SYLLABLES).as_bytes());
            }
            word
        })
        .collect()
}

fn push_binary(rng: &mut Rng, out: &mut Vec<u8>, len: usize, counter: &mut u32) {
    let end = out.len() + len;
    let width = *rng.pick(&[12usize, 16, 24, 32]);
    while out.len() < end {
        *counter = counter.wrapping_add(1);
        out.extend_from_slice(&counter.to_le_bytes());
        out.extend_from_slice(&(rng.below(16) as u32).to_le_bytes());
        out.extend_from_slice(&[0, 0, 0x40, 0]);
        let used = 12;
        for _ in used..width {
            out.push(if rng.chance(20) { rng.byte() } else { 0 });
        }
    }
    out.truncate(end);
}

fn push_runs(rng: &mut Rng, out: &mut Vec<u8>, len: usize) {
    let end = out.len() + len;
    while out.len() < end {
        let seg = match rng.below(4) {
            0 => rng.between(1, 8),
            1 => rng.between(1, 40),
            2 => rng.between(1, 300),
            _ => rng.between(1, 5000),
        };
        if rng.chance(50) {
            let byte = rng.byte();
            out.resize(out.len() + seg, byte);
        } else {
            let period = rng.between(2, 9);
            let pattern = rng.bytes(period);
            for i in 0..seg {
                out.push(pattern[i % pattern.len()]);
            }
        }
    }
    out.truncate(end);
}

/// Appends `len` bytes of `kind` to `out` (whose earlier bytes, a dictionary for instance,
/// the mixed kind copies from).
pub fn extend_data(rng: &mut Rng, kind: Kind, out: &mut Vec<u8>, len: usize) {
    let end = out.len() + len;
    let words = vocabulary(rng);
    let mut counter = rng.next() as u32;
    match kind {
        Kind::Text => push_text(rng, out, len, &words),
        Kind::Binary => push_binary(rng, out, len, &mut counter),
        Kind::Runs => push_runs(rng, out, len),
        Kind::Random => rng.fill(out, len),
        Kind::Mixed => {
            while out.len() < end {
                let max = *rng.pick(&[16, 300, 4000, 20_000]);
                let seg = rng.between(1, max).min(end - out.len());
                match rng.below(7) {
                    0 => push_text(rng, out, seg, &words),
                    1 => push_binary(rng, out, seg, &mut counter),
                    2 => push_runs(rng, out, seg),
                    3 => rng.fill(out, seg),
                    _ if !out.is_empty() => {
                        let reach = out.len();
                        let distance = match rng.below(4) {
                            0 => rng.between(1, reach.min(64)),
                            1 => rng.between(1, reach.min(70_000)),
                            // Right around LZ4's reach of 65,535 bytes.
                            _ => reach.min(65_536 + 8 - rng.below(24)),
                        };
                        let from = out.len() - distance;
                        for i in 0..seg {
                            out.push(out[from + i]);
                        }
                    }
                    _ => out.push(rng.byte()),
                }
            }
        }
    }
    debug_assert_eq!(out.len(), end);
}

/// `len` bytes of `kind`.
pub fn gen_data(rng: &mut Rng, kind: Kind, len: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(len);
    extend_data(rng, kind, &mut out, len);
    out
}

/// Copies slices of `dictionary` (from all of it, including any part beyond the last 64 KiB)
/// over `data`, so blocks have something to find in the dictionary: every ~150 bytes in the
/// first 20,000.
pub fn sprinkle_dictionary(rng: &mut Rng, data: &mut [u8], dictionary: &[u8]) {
    if dictionary.is_empty() {
        return;
    }
    let mut at = rng.below(16);
    while at < data.len().min(20_000) {
        let len = rng
            .between(4, 64)
            .min(dictionary.len())
            .min(data.len() - at);
        let from = rng.below(dictionary.len() - len + 1);
        data[at..at + len].copy_from_slice(&dictionary[from..from + len]);
        at += len + rng.below(300);
    }
}

/// The benchmark corpus (`../shared/corpus/mixed.bin`, HTML, code, binaries, random), if it is
/// there: slices of it make a sixth kind of data. `None` when it is absent (not required).
pub fn corpus() -> Option<Vec<u8>> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/corpus/mixed.bin");
    fs::read(path).ok().filter(|bytes| bytes.len() >= 1 << 20)
}

/// `len` bytes of the corpus starting somewhere chosen by `rng` (wrapping around if needed).
pub fn corpus_slice(rng: &mut Rng, corpus: &[u8], len: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(len);
    let mut at = rng.below(corpus.len());
    while out.len() < len {
        let n = (len - out.len()).min(corpus.len() - at);
        out.extend_from_slice(&corpus[at..at + n]);
        at = 0;
    }
    out
}
