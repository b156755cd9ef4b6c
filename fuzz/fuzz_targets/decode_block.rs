//! The decoder differential (SPEC 7) as a fuzz target: one block, a history and a page size,
//! decoded by ours (a `Decompressor` whose dictionary is the history), `lz4_flex`
//! (`decompress_into_with_dict`) and liblz4 (`LZ4_decompress_safe_usingDict`, in prefix mode
//! and with the history as an external dictionary), and judged against a reference decoder
//! written from the LZ4 block format, by the rules of `tests/codec/differential.rs` (shared
//! with `tests/decode_differential.rs`):
//!
//! - when ours decodes, its bytes are the format's and those of every peer that decodes, and
//!   at least one peer decodes (a peer's refusal must follow a rule the differential names:
//!   liblz4 refuses only blocks breaking an end-of-block condition, by its buffer rules);
//! - when ours refuses, the error is `InvalidData` with a reason naming a defect of the first
//!   defective sequence, and a peer that accepts does so against the format (offset 0) or on a
//!   block breaking an end-of-block condition;
//! - nothing panics.
//!
//! The block is the input's bytes, or data compressed against the history (by `lz4_flex` or
//! by liblz4 at some acceleration) and then edited, so that most inputs get past the first
//! sequences. `lz4_flex` is built without its `safe-*` features (see `fuzz/Cargo.toml`), so
//! its unsafe fast paths are the ones compared (and run under the address sanitizer).
#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use lz4_stream_fuzz::{acceleration, differential, history, history_len, page_size, Bytes};

/// The input: fixed fields, then the bytes (`seeds.py` writes it with
/// `struct.pack("<IHIBBI" + "BHH" * 6)` followed by the bytes).
#[derive(Arbitrary, Debug)]
struct Case {
    history_len: u32,
    /// The first `history_seed` bytes of `bytes` seed the history's bytes (repeated up to its
    /// length; pseudo-random runs if none); the rest is the block, or the data to compress.
    history_seed: u16,
    page: u32,
    /// By `source % 4`: 0 and 1, the block as given; 2, the data compressed against the history
    /// by `lz4_flex`; 3, by liblz4 at `acceleration(acceleration)`; then edited.
    source: u8,
    /// Repeat the data this many times (`% 8`) plus one (slightly changed), for longer blocks.
    repeat: u8,
    acceleration: u32,
    /// Edits of the block: (kind, position, argument), see `apply`.
    edits: [(u8, u16, u16); 6],
    bytes: Bytes,
}

fuzz_target!(|case: Case| run(case));

fn run(case: Case) {
    let page = page_size(case.page, 1 << 17);
    let split = (case.history_seed as usize).min(case.bytes.len());
    let (seed, rest) = case.bytes.split_at(split);
    let history = history(seed, history_len(case.history_len));
    let mut block = match case.source % 4 {
        0 | 1 => rest.to_vec(),
        source => {
            let data = rest;
            let copies = case.repeat as usize % 8 + 1;
            let mut long = Vec::with_capacity(data.len() * copies);
            for copy in 0..copies {
                long.extend(data.iter().enumerate().map(|(i, &b)| {
                    if i % 61 == 0 {
                        b ^ copy as u8
                    } else {
                        b
                    }
                }));
            }
            let window = &history[history.len().saturating_sub(65_536)..];
            if source == 2 {
                lz4_flex::block::compress_with_dict(&long, window)
            } else {
                let mut buf = window.to_vec();
                buf.extend_from_slice(&long);
                differential::liblz4_compress_prefix(
                    &buf,
                    window.len(),
                    &[long.len()],
                    acceleration(case.acceleration) as i32,
                )
                .remove(0)
            }
        }
    };
    for &edit in &case.edits {
        apply(&mut block, edit);
    }
    if let Err(failure) = differential::check(&block, &history, page) {
        panic!("{failure}");
    }
}

/// Applies one edit, by `kind % 8`: 0 and 7 none; 1, XOR the byte at `pos` (modulo the length)
/// with `arg`; 2, set it to `arg`; 3, cut the block to `pos` bytes (modulo its length plus one);
/// 4, insert `arg`'s low byte `(arg >> 8) % 16 + 1` times at `pos`; 5, insert `arg % 2048` bytes
/// 0xFF at `pos`; 6, remove `arg % 256` bytes at `pos`.
fn apply(block: &mut Vec<u8>, (kind, pos, arg): (u8, u16, u16)) {
    let at = |len: usize| pos as usize % (len + 1);
    match kind % 8 {
        1 if !block.is_empty() => {
            let i = pos as usize % block.len();
            block[i] ^= arg as u8;
        }
        2 if !block.is_empty() => {
            let i = pos as usize % block.len();
            block[i] = arg as u8;
        }
        3 => {
            let len = at(block.len());
            block.truncate(len);
        }
        4 => {
            let i = at(block.len());
            let n = (arg >> 8) as usize % 16 + 1;
            block.splice(i..i, std::iter::repeat_n(arg as u8, n));
        }
        5 => {
            let i = at(block.len());
            block.splice(i..i, vec![0xFF; arg as usize % 2048]);
        }
        6 if !block.is_empty() => {
            let i = pos as usize % block.len();
            let end = block.len().min(i + arg as usize % 256);
            block.drain(i..end);
        }
        _ => {}
    }
}
