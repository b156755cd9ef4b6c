//! The HC compressor (`Mode::High { level }`, issue 8) beyond the byte-for-byte oracle of
//! `tests/it/codec_oracle.rs` (which holds every level's blocks to liblz4 1.10's where the layouts
//! agree, a ring with the full 64 KiB window):
//!
//! - `hc_double_buffer_blocks_decode`, `hc_ring_blocks_decode`,
//!   `hc_small_ring_windows_decode`: every block of every level (1 to 12) decodes, with
//!   liblz4's `LZ4_decompress_safe_usingDict` and with `lz4_flex::block::decompress_with_dict`,
//!   given *only* the history its strategy allows, as an external dictionary in a buffer of its
//!   own: the double buffer, the previous block (the last 64 KiB of the dictionary before the
//!   first block); a ring of window w (65,536, and 0, 1000, 20,000 and 65,535), the last w bytes
//!   of the dictionary and the stream before the block. The destination is exactly the chunk's
//!   length, so liblz4's end-of-block rules apply. Our `Decompressor` decodes the blocks too.
//!   Cases: pages of 1, 64, 4096 and 65,536 bytes (less data for small pages) at every level,
//!   pages of 1 MiB at levels 2, 6, 9 and 12, data of six
//!   kinds (`tests/codec`'s text, binary records, runs, random, mixed with copies from around
//!   64 KiB back, and slices of `../shared/corpus/mixed.bin` when it is there), dictionaries of
//!   0, 5, 100, 5000 and 70,000 bytes (the data repeats slices of them), full pages and chunks
//!   of irregular lengths (empty ones included). HC's tables are kept across blocks, so these
//!   show that a position outside what the strategy allows is never used.
//! - `hc_sizes_fall_as_the_level_rises`: on text (the corpus's first 2 MB, HTML; generated text
//!   always, and alone when the corpus is absent), in 64 KiB pages with the double buffer, each
//!   level compresses at least as well as the level below it, within 0.5%, and every level from
//!   3 up better than `Mode::Fast { acceleration: 1 }`. Prints the sizes.
//!
//! Options out of range (levels 0 and 13) are in `tests/it/errors.rs` (`level_out_of_range`).

use crate::codec::cases::{check_blocks_decode, sources, Case, DICTIONARY_LENS};
use crate::codec::{corpus, extend_data, Kind, Rng};
use lz4_stream::{
    Compressor, Mode, SizePrefix, Strategy, StreamOptions, MAX_HC_LEVEL, WINDOW_SIZE,
};
// liblz4 is linked into the test binary through lzzzz.
use lzzzz as _;

/// The cases of the decode tests: at every page size (with less data for small pages) and
/// every level, two cases (full pages and irregular chunks), their data sources and dictionary
/// lengths rotating so that each page size meets every source and every dictionary length.
fn decode_cases(seed: u64) -> Vec<(Case, u32)> {
    let corpus = corpus();
    let sources = sources(corpus.is_some());
    let mut cases = Vec::new();
    let mut k = seed as usize;
    for (page, len) in [(1, 700), (64, 6000), (4096, 60_000), (65_536, 160_000)] {
        for level in 1..=MAX_HC_LEVEL {
            for irregular in [false, true] {
                k += 1;
                let source = sources[k % sources.len()];
                let dict_len = DICTIONARY_LENS[k / sources.len() % DICTIONARY_LENS.len()];
                let case = Case::new(
                    source,
                    page,
                    len,
                    dict_len,
                    irregular,
                    corpus.as_deref(),
                    seed * 1_000_003 + k as u64,
                );
                cases.push((case, level));
            }
        }
    }
    // Pages past 64 KiB (where a block's own matches are cut at 64 KiB too), at a few levels.
    for level in [2, 6, 9, 12] {
        k += 1;
        let source = sources[k % sources.len()];
        let dict_len = [0, 70_000][k % 2];
        let case = Case::new(
            source,
            1 << 20,
            (1 << 20) + 40_000,
            dict_len,
            false,
            corpus.as_deref(),
            seed * 1_000_003 + k as u64,
        );
        cases.push((case, level));
    }
    cases
}

/// Runs [`check_blocks_decode`] over the cases with each strategy; fails listing what went wrong.
fn decode_all(seed: u64, strategies: &[Strategy]) {
    let mut failures = Vec::new();
    let mut count = 0;
    let mut blocks = 0;
    for (case, level) in decode_cases(seed) {
        for &strategy in strategies {
            count += 1;
            blocks += case.chunks.len();
            failures.extend(check_blocks_decode(&case, strategy, Mode::High { level }));
        }
    }
    eprintln!(
        "{} of {count} cases decode ({blocks} blocks in all; {strategies:?})",
        count - failures.len()
    );
    assert!(
        failures.is_empty(),
        "{} of {count} HC cases have blocks that do not decode with only their history:\n{}",
        failures.len(),
        failures
            .iter()
            .take(30)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
}

#[test]
fn hc_double_buffer_blocks_decode() {
    decode_all(1, &[Strategy::DoubleBuffer]);
}

#[test]
fn hc_ring_blocks_decode() {
    decode_all(
        2,
        &[Strategy::RingBuffer {
            window: WINDOW_SIZE,
        }],
    );
}

#[test]
fn hc_small_ring_windows_decode() {
    decode_all(
        3,
        &[
            Strategy::RingBuffer { window: 1000 },
            Strategy::RingBuffer { window: 20_000 },
        ],
    );
    // Windows at the edges, on fewer cases.
    let mut failures = Vec::new();
    for (i, (case, level)) in decode_cases(4).into_iter().enumerate() {
        let window = [0, 1, 65_535][i % 3];
        failures.extend(check_blocks_decode(
            &case,
            Strategy::RingBuffer { window },
            Mode::High { level },
        ));
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

// ---------------------------------------------------------------------------------------------
// Sizes against levels.

/// The stream's size (bare blocks) of `data` in 64 KiB pages with the double buffer.
fn stream_size(data: &[u8], mode: Mode) -> usize {
    let opts = StreamOptions::new()
        .page_size(65_536)
        .size_prefix(SizePrefix::OutOfBand)
        .mode(mode);
    let mut compressor = Compressor::new(&opts).expect("valid options");
    let mut out = Vec::new();
    for chunk in data.chunks(65_536) {
        compressor.compress(chunk, &mut out).expect("compress");
    }
    out.len()
}

/// Checks the sizes of `data` at every level (see the module documentation); prints them.
fn check_sizes(what: &str, data: &[u8]) -> Vec<String> {
    let fast = stream_size(data, Mode::Fast { acceleration: 1 });
    let sizes: Vec<usize> = (1..=MAX_HC_LEVEL)
        .map(|level| stream_size(data, Mode::High { level }))
        .collect();
    println!(
        "{what}, {} bytes, 64 KiB pages: Fast {{ 1 }} {fast} ({:.2}%)",
        data.len(),
        100.0 * fast as f64 / data.len() as f64
    );
    for (level, &size) in (1..).zip(&sizes) {
        println!(
            "  level {level:2}: {size} ({:.2}%)",
            100.0 * size as f64 / data.len() as f64
        );
    }
    let mut failures = Vec::new();
    for (level, pair) in (1..).zip(sizes.windows(2)) {
        if pair[1] as f64 > pair[0] as f64 * 1.005 {
            failures.push(format!(
                "{what}: level {} gives {} bytes, more than level {level}'s {} + 0.5%",
                level + 1,
                pair[1],
                pair[0]
            ));
        }
    }
    for (level, &size) in (1..).zip(&sizes) {
        if level >= 3 && size >= fast {
            failures.push(format!(
                "{what}: level {level} gives {size} bytes, not less than Fast {{ 1 }}'s {fast}"
            ));
        }
    }
    failures
}

#[test]
fn hc_sizes_fall_as_the_level_rises() {
    let mut failures = Vec::new();
    match corpus() {
        Some(corpus) => failures.extend(check_sizes(
            "corpus bytes 0..2 MB (HTML)",
            &corpus[..2_000_000],
        )),
        None => println!("corpus absent (../shared/corpus/mixed.bin): generated text only"),
    }
    let mut text = Vec::new();
    extend_data(&mut Rng::new(5), Kind::Text, &mut text, 1_000_000);
    failures.extend(check_sizes("generated text", &text));
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
