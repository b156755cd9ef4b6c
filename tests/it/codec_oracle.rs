//! liblz4 as an exact oracle for the fast compressor (SPEC 7, issue 7).
//!
//! Where the layouts agree, a history of the last 64 KiB (`Strategy::RingBuffer { window:
//! 65536 }`), our `Compressor` must write liblz4's blocks byte for byte. The oracle is liblz4
//! (1.10, compiled in by `lzzzz`; its fast compressor and `LZ4_loadDict` give the same output
//! as 1.9.4) run exactly so: one contiguous buffer `[dictionary | data]`, `LZ4_createStream`,
//! `LZ4_loadDict(stream, buffer, dictionary length)` if there is a dictionary (liblz4 keeps
//! its last 64 KiB, and ignores one shorter than 8 bytes: ours must too), then
//! `LZ4_compress_fast_continue` on each page of the data in place, in order, each right after
//! the previous one in memory (prefix mode: the whole history contiguous).
//!
//! The matrix: data of six kinds (text, binary records, runs, random, mixed with copies from
//! around 64 KiB back, and slices of `../shared/corpus/mixed.bin` when it exists), at
//! accelerations 1, 2, 8 and 100 (65537 once), pages of 1, 7, 64, 1000, 4096 and 65,536 bytes
//! and 1 MiB (less data for small pages), with no dictionary and with dictionaries of 5, 100,
//! 5000 and 70,000 bytes whose slices the data repeats. Also chunks of irregular lengths
//! (empty ones included), still contiguous.
//!
//! - `oracle_*`: every block equals liblz4's (a failure names the case, the first differing
//!   block, its byte offset and both lengths), and, in the same pass over the same blocks,
//!   every one of them decodes to its chunk with liblz4's
//!   `LZ4_decompress_safe_usingDict` laid out contiguously (prefix mode, a destination exactly
//!   the chunk's length, so liblz4's end-of-block rules apply), with
//!   `lz4_flex::block::decompress_with_dict` (the last 64 KiB as its dictionary) and with our
//!   `Decompressor`.
//! - `double_buffer_blocks_decode`: where the layouts differ (the double buffer: each block
//!   references only the block before it), our blocks decode with liblz4 and `lz4_flex` given
//!   only the previous block (or the dictionary) as an external dictionary, at accelerations
//!   1, 8 and 100.

use crate::codec::cases::{check_blocks_decode, sources, Case, Source, DICTIONARY_LENS};
use crate::codec::{
    compress_bound, corpus, liblz4_compress_prefix, liblz4_decode_in_place,
    liblz4_hc_compress_prefix, Kind,
};
use lz4_stream::{Decompressor, Mode, Strategy, WINDOW_SIZE};
// liblz4 is linked into the test binary through lzzzz.
use lzzzz as _;

const ACCELERATIONS: [u32; 4] = [1, 2, 8, 100];
const MIB: usize = 1 << 20;

/// How much data a case compresses at this page size: enough for several pages and a history
/// that fills the 64 KiB window, little for tiny pages (one block per byte).
fn data_len(page: usize) -> usize {
    match page {
        1 => 1200,
        7 => 3000,
        64 => 16_000,
        1000 => 90_000,
        4096 => 160_000,
        65_536 => 330_000,
        _ => 2 * page + page / 3,
    }
}

/// The cases of one data source at one page size: one per dictionary length. `irregular`
/// cuts the data into full pages (the last one shorter) or into chunks of irregular lengths.
fn cases(
    source: Source,
    page: usize,
    len: usize,
    corpus: Option<&[u8]>,
    irregular: bool,
) -> Vec<Case> {
    let seed = match source {
        Source::Generated(kind) => kind as u64,
        Source::Corpus => 99,
    };
    DICTIONARY_LENS
        .iter()
        .map(|&dict_len| {
            let seed = (seed * 1_000_003 + page as u64) * 101 + dict_len as u64;
            Case::new(source, page, len, dict_len, irregular, corpus, seed)
        })
        .collect()
}

/// liblz4's blocks for `case` in `mode`, laid out contiguously (prefix mode).
fn liblz4_blocks(case: &Case, mode: Mode) -> Vec<Vec<u8>> {
    match mode {
        Mode::Fast { acceleration } => {
            liblz4_compress_prefix(&case.buf, case.dict_len, &case.chunks, acceleration as i32)
        }
        Mode::High { level } => {
            liblz4_hc_compress_prefix(&case.buf, case.dict_len, &case.chunks, level as i32)
        }
        _ => unreachable!("no such mode in liblz4"),
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Compares our blocks with liblz4's, then checks that they decode ([`check_ring_decodes`]);
/// `None` when all is well, else where they first differ or what failed to decode.
fn compare(case: &Case, mode: Mode) -> Option<String> {
    let expected = liblz4_blocks(case, mode);
    let ours = case.blocks(
        Strategy::RingBuffer {
            window: WINDOW_SIZE,
        },
        mode,
    );
    let mut start = 0;
    for (number, ((ours, expected), &len)) in
        ours.iter().zip(&expected).zip(&case.chunks).enumerate()
    {
        if ours != expected {
            let at = ours
                .iter()
                .zip(expected)
                .position(|(a, b)| a != b)
                .unwrap_or(ours.len().min(expected.len()));
            let context = |block: &[u8]| hex(&block[at.saturating_sub(4)..block.len().min(at + 8)]);
            return Some(format!(
                "{}, {mode:?}: block {number} of {} (data bytes {start}..{}) \
                 differs at byte {at}: ours {} bytes, liblz4 {} bytes; from byte {}: ours [{}], \
                 liblz4 [{}]",
                case.name,
                case.chunks.len(),
                start + len,
                ours.len(),
                expected.len(),
                at.saturating_sub(4),
                context(ours),
                context(expected),
            ));
        }
        start += len;
    }
    check_ring_decodes(case, mode, &ours)
}

/// Runs [`compare`] over the cases and accelerations; fails listing every differing case
/// (the first 30 in full).
fn oracle(cases: &[Case], accelerations: &[u32]) {
    let modes: Vec<Mode> = accelerations
        .iter()
        .map(|&acceleration| Mode::Fast { acceleration })
        .collect();
    oracle_modes(cases, &modes);
}

/// [`oracle`] over any modes.
fn oracle_modes(cases: &[Case], modes: &[Mode]) {
    let mut failures = Vec::new();
    let mut blocks = 0;
    for case in cases {
        for &mode in modes {
            blocks += case.chunks.len();
            if let Some(failure) = compare(case, mode) {
                failures.push(failure);
            }
        }
    }
    let total = cases.len() * modes.len();
    eprintln!(
        "oracle: {} of {total} cases equal liblz4's blocks ({blocks} blocks in all)",
        total - failures.len()
    );
    if !failures.is_empty() {
        let shown: Vec<&str> = failures.iter().take(30).map(String::as_str).collect();
        panic!(
            "{} of {total} cases differ from liblz4 (first differing block of each; {} shown):\n{}",
            failures.len(),
            shown.len(),
            shown.join("\n")
        );
    }
}

fn cases_for(pages: &[usize], irregular: bool) -> Vec<Case> {
    let corpus = corpus();
    let mut all = Vec::new();
    for &page in pages {
        for source in sources(corpus.is_some()) {
            all.extend(cases(
                source,
                page,
                data_len(page),
                corpus.as_deref(),
                irregular,
            ));
        }
    }
    all
}

#[test]
fn liblz4_is_the_version_expected() {
    // SAFETY: a pure function of no arguments.
    let version = unsafe { crate::codec::ffi::LZ4_versionNumber() };
    assert!(version >= 10_904, "liblz4 {version}");
}

#[test]
fn oracle_small_pages() {
    oracle(&cases_for(&[1, 7, 64], false), &ACCELERATIONS);
}

#[test]
fn oracle_medium_pages() {
    oracle(&cases_for(&[1000, 4096], false), &ACCELERATIONS);
}

#[test]
fn oracle_large_pages() {
    oracle(&cases_for(&[65_536, MIB], false), &ACCELERATIONS);
}

#[test]
fn oracle_irregular_chunks() {
    let corpus = corpus();
    let mut all = Vec::new();
    for (page, len) in [(64, 6000), (4096, 120_000), (65_536, 300_000)] {
        for source in [
            Source::Generated(Kind::Text),
            Source::Generated(Kind::Mixed),
        ] {
            all.extend(cases(source, page, len, corpus.as_deref(), true));
        }
    }
    oracle(&all, &[1, 8, 65_537]);
}

#[test]
fn oracle_max_acceleration() {
    let all = cases(Source::Generated(Kind::Mixed), 4096, 100_000, None, false);
    let with_dictionary: Vec<Case> = all
        .into_iter()
        .filter(|case| case.dict_len == 5000)
        .collect();
    oracle(&with_dictionary, &[65_537]);
}

// ---------------------------------------------------------------------------------------------
// HC (issue 8): every level's blocks equal liblz4 1.10's.

fn hc_levels(levels: impl IntoIterator<Item = u32>) -> Vec<Mode> {
    levels
        .into_iter()
        .map(|level| Mode::High { level })
        .collect()
}

#[test]
fn hc_oracle_small_pages() {
    oracle_modes(&cases_for(&[1, 7, 64], false), &hc_levels(1..=12));
}

#[test]
fn hc_oracle_medium_pages() {
    oracle_modes(&cases_for(&[1000, 4096], false), &hc_levels(1..=12));
}

#[test]
fn hc_oracle_large_pages() {
    oracle_modes(&cases_for(&[65_536], false), &hc_levels(1..=12));
}

#[test]
fn hc_oracle_irregular_chunks() {
    let corpus = corpus();
    let mut all = Vec::new();
    for (page, len) in [(64, 6000), (4096, 120_000), (65_536, 300_000)] {
        all.extend(cases(
            Source::Generated(Kind::Mixed),
            page,
            len,
            corpus.as_deref(),
            true,
        ));
    }
    oracle_modes(&all, &hc_levels([2, 3, 9, 10, 12]));
}

// ---------------------------------------------------------------------------------------------
// Every block decodes, with liblz4, lz4_flex and ours.

/// Decodes our ring-buffer `blocks` of `case` (made by [`compare`], which checked them against
/// liblz4's) with liblz4 (prefix mode, contiguous, the destination exactly the chunk), lz4_flex
/// (the last 64 KiB as an external dictionary) and our `Decompressor`; returns what went wrong,
/// if anything.
fn check_ring_decodes(case: &Case, mode: Mode, blocks: &[Vec<u8>]) -> Option<String> {
    let name = format!("{}, {mode:?}", case.name);
    let mut decoded = case.dictionary().to_vec();
    decoded.resize(case.buf.len(), 0xA5);
    let mut ours = Decompressor::new(&case.options(
        Strategy::RingBuffer {
            window: WINDOW_SIZE,
        },
        mode,
    ))
    .expect("valid options");
    let mut at = case.dict_len;
    for (number, (block, &len)) in blocks.iter().zip(&case.chunks).enumerate() {
        let chunk = &case.buf[at..at + len];
        let where_ = || {
            format!(
                "{name}: block {number} of {} ({} bytes for {len})",
                blocks.len(),
                block.len()
            )
        };
        if block.len() > compress_bound(len) {
            return Some(format!("{}: longer than compress_bound", where_()));
        }
        let history = at.min(WINDOW_SIZE);
        match liblz4_decode_in_place(block, &mut decoded, at, len, history) {
            Some(n) if n == len && decoded[at..at + len] == *chunk => {}
            Some(n) => {
                return Some(format!(
                    "{}: liblz4 decodes it to other bytes ({n})",
                    where_()
                ))
            }
            None => return Some(format!("{}: liblz4 refuses it", where_())),
        }
        match lz4_flex::block::decompress_with_dict(block, len, &case.buf[at - history..at]) {
            Ok(bytes) if bytes == chunk => {}
            Ok(bytes) => {
                return Some(format!(
                    "{}: lz4_flex decodes it to other bytes ({})",
                    where_(),
                    bytes.len()
                ))
            }
            Err(err) => return Some(format!("{}: lz4_flex refuses it: {err}", where_())),
        }
        match ours.decompress(block) {
            Ok(bytes) if bytes == chunk => {}
            Ok(bytes) => {
                return Some(format!(
                    "{}: our Decompressor decodes it to other bytes ({})",
                    where_(),
                    bytes.len()
                ))
            }
            Err(err) => return Some(format!("{}: our Decompressor refuses it: {err}", where_())),
        }
        at += len;
    }
    None
}

#[test]
fn double_buffer_blocks_decode() {
    let corpus = corpus();
    let mut failures = Vec::new();
    let mut count = 0;
    for (page, len) in [
        (1, 600),
        (64, 8000),
        (4096, 100_000),
        (65_536, 300_000),
        (MIB, 2 * MIB + 5),
    ] {
        for source in sources(corpus.is_some()) {
            for case in cases(source, page, len, corpus.as_deref(), false) {
                if case.dict_len == 5 || case.dict_len == 5000 {
                    continue;
                }
                for acceleration in [1, 8, 100] {
                    count += 1;
                    failures.extend(check_blocks_decode(
                        &case,
                        Strategy::DoubleBuffer,
                        Mode::Fast { acceleration },
                    ));
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {count} double-buffer cases have blocks that do not decode:\n{}",
        failures.len(),
        failures
            .iter()
            .take(30)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
}
