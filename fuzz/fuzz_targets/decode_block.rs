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
//! sequences.
#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use lz4_stream_fuzz::{acceleration, differential, history, history_len, page_size};

#[derive(Arbitrary, Debug)]
enum Source {
    /// The block as given.
    Raw(Vec<u8>),
    /// `data` compressed against the history, then edited.
    Compressed {
        data: Vec<u8>,
        /// Repeat `data` this many times plus one (slightly changed), for longer blocks.
        repeat: u8,
        /// `None`: lz4_flex; `Some(raw)`: liblz4 at `acceleration(raw)`.
        liblz4: Option<u32>,
        edits: Vec<Edit>,
    },
}

#[derive(Arbitrary, Debug)]
enum Edit {
    /// XOR a byte (position taken modulo the length).
    Xor(u16, u8),
    /// Set a byte.
    Set(u16, u8),
    /// Cut the block to this length (modulo its length plus one).
    Truncate(u16),
    /// Insert bytes.
    Insert(u16, Vec<u8>),
    /// Insert a run of 0xFF bytes.
    Ones(u16, u16),
    /// Remove up to this many bytes.
    Remove(u16, u8),
}

#[derive(Arbitrary, Debug)]
struct Case {
    history_len: u32,
    /// Seeds the history's bytes (repeated), or pseudo-random runs if empty.
    history_seed: Vec<u8>,
    page: u32,
    source: Source,
}

fuzz_target!(|case: Case| run(case));

fn run(case: Case) {
    let page = page_size(case.page, 1 << 17);
    let history = history(&case.history_seed, history_len(case.history_len));
    let block = match case.source {
        Source::Raw(block) => block,
        Source::Compressed {
            data,
            repeat,
            liblz4,
            edits,
        } => {
            let mut long = Vec::with_capacity(data.len() * (repeat as usize % 8 + 1));
            for copy in 0..=repeat as usize % 8 {
                long.extend(data.iter().enumerate().map(|(i, &b)| {
                    if i % 61 == 0 {
                        b ^ copy as u8
                    } else {
                        b
                    }
                }));
            }
            let window = &history[history.len().saturating_sub(65_536)..];
            let mut block = match liblz4 {
                None => lz4_flex::block::compress_with_dict(&long, window),
                Some(raw) => {
                    let mut buf = window.to_vec();
                    buf.extend_from_slice(&long);
                    differential::liblz4_compress_prefix(
                        &buf,
                        window.len(),
                        &[long.len()],
                        acceleration(raw) as i32,
                    )
                    .remove(0)
                }
            };
            for edit in edits {
                apply(&mut block, edit);
            }
            block
        }
    };
    if let Err(failure) = differential::check(&block, &history, page) {
        panic!("{failure}");
    }
}

fn apply(block: &mut Vec<u8>, edit: Edit) {
    let at = |pos: u16, len: usize| pos as usize % (len + 1);
    match edit {
        Edit::Xor(pos, mask) if !block.is_empty() => {
            let i = pos as usize % block.len();
            block[i] ^= mask;
        }
        Edit::Set(pos, byte) if !block.is_empty() => {
            let i = pos as usize % block.len();
            block[i] = byte;
        }
        Edit::Truncate(len) => {
            let len = at(len, block.len());
            block.truncate(len);
        }
        Edit::Insert(pos, bytes) => {
            let i = at(pos, block.len());
            block.splice(i..i, bytes);
        }
        Edit::Ones(pos, n) => {
            let i = at(pos, block.len());
            block.splice(i..i, vec![0xFF; n as usize % 2048]);
        }
        Edit::Remove(pos, n) if !block.is_empty() => {
            let i = pos as usize % block.len();
            let end = block.len().min(i + n as usize);
            block.drain(i..end);
        }
        _ => {}
    }
}
