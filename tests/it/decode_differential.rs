//! The decoder differential (SPEC 7, issue 7): our `Decompressor` against `lz4_flex` and
//! liblz4 on arbitrary blocks, judged by the LZ4 block format (lz4's
//! `doc/lz4_Block_format.md`); and page bytes left by earlier blocks never leaking into output.
//!
//! Each case is a block, a history (0, 1, 5, 1000 or 65,536 bytes, or a 70,000-byte dictionary
//! of which only the last 64 KiB count) and a page size (1, 16, 100, 4096 or 65,536 bytes).
//! Ours decodes it with a `Decompressor` whose dictionary is the history; `lz4_flex`
//! (`decompress_into_with_dict`) and liblz4 (`LZ4_decompress_safe_usingDict`, with the page
//! right after the history in one buffer, and with the history in a buffer of its own)
//! decode it into a page-sized buffer. The rules of the verdict are in `codec/differential.rs`:
//! when ours decodes, its bytes are the format's and every peer's that decodes, and some peer
//! decodes; when ours refuses (always `InvalidData`, never a panic), every peer that accepts
//! does so against the format: the block is invalid (offset 0, a match beyond the history,
//! ...) or breaks an end-of-block condition, which the format lets a decoder refuse. Each test
//! prints how often each verdict came up (`cargo test --test decode_differential --
//! --nocapture`).
//!
//! The blocks: random bytes; random sequences (tokens, lengths, offsets chosen to be near
//! valid); valid blocks made by `lz4_flex` and by liblz4 (with the history as dictionary) and
//! those mutated (byte flips, truncations, offsets set to 0, 1 or beyond the history, runs of
//! 0xFF in a length, literal runs past the end, a last sequence of fewer than 5 literals, a
//! match length in the last token, ...); and a few made by hand, one per rule.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read};
use std::panic::{self, AssertUnwindSafe};

use crate::codec::differential::{self, sequences};
use crate::codec::{compress_bound, extend_data, liblz4_compress_prefix, Kind, Rng};
use lz4_stream::{
    Compressor, Decompressor, Lz4StreamBufReader, Lz4StreamReader, SizePrefix, Strategy,
    StreamOptions,
};
// liblz4 is linked into the test binary through lzzzz.
use lzzzz as _;

const HISTORY_LENS: [usize; 6] = [0, 1, 5, 1000, 65_536, 70_000];
const PAGES: [usize; 5] = [1, 16, 100, 4096, 65_536];

/// Counts verdicts and gathers failures over many cases.
#[derive(Default)]
struct Tally {
    verdicts: BTreeMap<String, usize>,
    failures: Vec<String>,
    cases: usize,
}

impl Tally {
    fn check(&mut self, block: &[u8], history: &[u8], page: usize, origin: &str) {
        self.cases += 1;
        let result = panic::catch_unwind(AssertUnwindSafe(|| {
            differential::check(block, history, page)
        }));
        match result {
            Ok(Ok(verdict)) => *self.verdicts.entry(verdict).or_default() += 1,
            Ok(Err(failure)) => self.failures.push(format!("[{origin}] {failure}")),
            Err(_) => self.failures.push(format!(
                "[{origin}] a decoder panicked: {}",
                differential::describe(block, history, page)
            )),
        }
    }

    /// Prints the verdicts; fails listing the failures (the first 20 in full).
    fn finish(self, what: &str) {
        eprintln!("{what}: {} cases", self.cases);
        for (verdict, count) in &self.verdicts {
            eprintln!("  {count:7}  {verdict}");
        }
        if !self.failures.is_empty() {
            let shown: Vec<&str> = self.failures.iter().take(20).map(String::as_str).collect();
            panic!(
                "{what}: {} of {} cases fail:\n{}",
                self.failures.len(),
                self.cases,
                shown.join("\n")
            );
        }
    }
}

/// A history of `len` bytes (mixed data, so blocks compressed against it find matches in it).
fn history(len: usize) -> Vec<u8> {
    let mut rng = Rng::new(len as u64 + 7);
    let mut out = Vec::with_capacity(len);
    extend_data(&mut rng, Kind::Mixed, &mut out, len);
    out
}

/// A length for data or blocks at this page: mostly small, sometimes the whole page, sometimes
/// a little more.
fn data_len(rng: &mut Rng, page: usize) -> usize {
    match rng.below(10) {
        0..=4 => rng.below(page.min(300) + 1),
        5..=6 => rng.below(page.min(3000) + 1),
        7 => page,
        8 => page + rng.between(1, 20),
        _ => rng.below(page.min(20_000) + 1),
    }
}

/// Data that repeats parts of `history` (and itself) so that its blocks reference both.
fn data_after(rng: &mut Rng, history: &[u8], len: usize) -> Vec<u8> {
    let mut buf = history[history.len().saturating_sub(70_000)..].to_vec();
    let start = buf.len();
    let kind = *rng.pick(&[Kind::Mixed, Kind::Text, Kind::Runs, Kind::Binary]);
    extend_data(rng, kind, &mut buf, len);
    // Copies from the history's last bytes, whose offsets reach into it.
    if !history.is_empty() && len > 8 {
        for _ in 0..rng.below(4) {
            let n = rng.between(4, 40).min(len).min(history.len());
            let from = history.len() - rng.between(n, history.len().min(65_000).max(n));
            let to = start + rng.below(len - n + 1);
            let piece = history[from..from + n].to_vec();
            buf[to..to + n].copy_from_slice(&piece);
        }
    }
    buf.split_off(start)
}

/// Random sequences: tokens, lengths and offsets near what valid blocks hold (small offsets,
/// offsets into the history, 0, beyond), sometimes with a proper last sequence.
fn random_sequences(rng: &mut Rng, history_len: usize, page: usize) -> Vec<u8> {
    let mut block = Vec::new();
    let mut out_len = 0usize;
    let sequences = rng.below(6);
    for _ in 0..sequences {
        let literals = *rng.pick(&[0, 0, 1, 3, 5, 14, 15, 16, 40, 300]);
        let literals = if rng.chance(90) {
            literals.min(page + 2)
        } else {
            literals
        };
        let match_len = *rng.pick(&[4, 5, 10, 18, 19, 20, 40, 300, 5000]);
        let mut token = (literals.min(15) << 4) as u8;
        token |= (match_len - 4).min(15) as u8;
        block.push(token);
        push_length(&mut block, literals);
        for _ in 0..literals {
            block.push(rng.byte());
        }
        out_len += literals;
        let offset = match rng.below(8) {
            0 => 0,
            1 => 1,
            2 => rng.between(1, 16),
            3 => (out_len + history_len).clamp(1, 65_535),
            4 => (out_len + history_len + 1).min(65_535),
            5 => 65_535,
            _ => rng.between(1, (out_len + history_len).clamp(1, 65_535)),
        };
        block.extend_from_slice(&(offset as u16).to_le_bytes());
        if match_len >= 19 {
            push_length(&mut block, match_len - 19 + 15);
        }
        out_len += match_len;
    }
    if rng.chance(80) {
        let literals = if rng.chance(70) {
            rng.between(5, 20)
        } else {
            rng.below(5)
        };
        let literals = if rng.chance(10) {
            page.min(400)
        } else {
            literals
        };
        block.push((literals.min(15) << 4) as u8);
        push_length(&mut block, literals);
        for _ in 0..literals {
            block.push(rng.byte());
        }
    }
    block
}

/// Appends the extra bytes of a length whose nibble is 15 (`len >= 15`), if any.
fn push_length(block: &mut Vec<u8>, len: usize) {
    if len < 15 {
        return;
    }
    let mut rest = len - 15;
    while rest >= 255 {
        block.push(255);
        rest -= 255;
    }
    block.push(rest as u8);
}

/// A valid block of `data` against `history`: by lz4_flex, or by liblz4 (prefix mode, at
/// some acceleration).
fn valid_block(rng: &mut Rng, data: &[u8], history: &[u8]) -> (Vec<u8>, &'static str) {
    let window = &history[history.len().saturating_sub(65_536)..];
    if rng.chance(50) {
        let block = lz4_flex::block::compress_with_dict(data, window);
        (block, "lz4_flex block")
    } else {
        let mut buf = window.to_vec();
        buf.extend_from_slice(data);
        let acceleration = *rng.pick(&[1, 1, 2, 8, 100]);
        let blocks = liblz4_compress_prefix(&buf, window.len(), &[data.len()], acceleration);
        (
            blocks.into_iter().next().expect("one block"),
            "liblz4 block",
        )
    }
}

/// One mutation of `block` (valid or not); returns its name.
fn mutate(rng: &mut Rng, block: &mut Vec<u8>, history_len: usize) -> &'static str {
    let seqs = sequences(block);
    let with_offsets: Vec<_> = seqs
        .iter()
        .filter(|s| s.offset.is_some())
        .copied()
        .collect();
    let last = seqs.last().copied().filter(|s| s.offset.is_none());
    let choice = rng.below(16);
    match choice {
        0 | 1 if !block.is_empty() => {
            let i = rng.below(block.len());
            block[i] ^= 1 << rng.below(8);
            "bit flip"
        }
        2 if !block.is_empty() => {
            let i = rng.below(block.len());
            block[i] = rng.byte();
            "byte set"
        }
        3 => {
            let len = rng.below(block.len() + 1);
            block.truncate(len);
            "truncated"
        }
        4..=7 if !with_offsets.is_empty() => {
            let seq = *rng.pick(&with_offsets);
            let at = seq.offset.expect("an offset");
            let reach = seq.match_at + history_len;
            let (offset, name) = match choice {
                4 => (0, "offset 0"),
                5 => (1, "offset 1"),
                6 => (
                    (reach + 1 + rng.below(3)).min(65_535),
                    "offset beyond the history",
                ),
                _ => (rng.below(65_536), "random offset"),
            };
            block[at..at + 2].copy_from_slice(&(offset as u16).to_le_bytes());
            name
        }
        8 if !with_offsets.is_empty() => {
            // A run of 0xFF in a match length (the nibble set to 15).
            let seq = *rng.pick(&with_offsets);
            let at = seq.offset.expect("an offset") + 2;
            let run = *rng.pick(&[1usize, 2, 16, 300, 5000]);
            let already = block[seq.token] & 15 == 15;
            block[seq.token] |= 15;
            let mut insert = vec![0xFF; run];
            if !already {
                insert.push(rng.byte());
            }
            block.splice(at..at, insert);
            "0xFF run in a match length"
        }
        9 if !seqs.is_empty() => {
            // A run of 0xFF in a literal length: the run now goes past the block's end.
            let seq = *rng.pick(&seqs);
            let run = *rng.pick(&[1usize, 3, 300]);
            let already = block[seq.token] >> 4 == 15;
            block[seq.token] |= 0xF0;
            let mut insert = vec![0xFF; run];
            if !already {
                insert.push(rng.byte());
            }
            block.splice(seq.token + 1..seq.token + 1, insert);
            "0xFF run in a literal length"
        }
        10 if last.is_some() => {
            // The last literal run one or a few bytes longer than the block holds.
            let seq = last.expect("a last sequence");
            let extra = rng.between(1, 3);
            let new_len = seq.literal_len + extra;
            let mut head = block[..seq.token].to_vec();
            head.push(((new_len.min(15) << 4) as u8) | (block[seq.token] & 15));
            push_length(&mut head, new_len);
            head.extend_from_slice(&block[seq.literals..]);
            *block = head;
            "last literal run past the end"
        }
        11 if last.is_some() && seqs.len() > 1 => {
            // The last sequence cut to fewer than 5 literals (valid, breaks an end condition).
            let seq = last.expect("a last sequence");
            let keep = rng.below(5).min(seq.literal_len);
            let mut head = block[..seq.token].to_vec();
            head.push((keep << 4) as u8);
            head.extend_from_slice(&block[seq.literals..seq.literals + keep]);
            *block = head;
            "last sequence of fewer than 5 literals"
        }
        12 if last.is_some() => {
            let seq = last.expect("a last sequence");
            block[seq.token] |= rng.between(1, 15) as u8;
            "a match length in the last token"
        }
        13 if seqs.len() > 1 => {
            // Drop the last sequence: the block now ends right after a match.
            let seq = *seqs.last().expect("sequences");
            block.truncate(seq.token);
            "ends after a match"
        }
        14 => {
            let n = rng.between(1, 8);
            let bytes = rng.bytes(n);
            block.extend_from_slice(&bytes);
            "random bytes appended"
        }
        _ if block.len() > 2 => {
            let from = rng.below(block.len());
            let n = rng.between(1, (block.len() - from).min(32));
            let to = rng.below(block.len());
            let piece = block[from..from + n].to_vec();
            block.splice(to..to, piece);
            "a piece of the block repeated"
        }
        _ => {
            block.push(rng.byte());
            "a byte appended"
        }
    }
}

#[test]
fn random_blocks() {
    let mut tally = Tally::default();
    let mut rng = Rng::new(1);
    for &history_len in &HISTORY_LENS {
        let history = history(history_len);
        for &page in &PAGES {
            for _ in 0..600 {
                let len = match rng.below(4) {
                    0 => rng.between(1, 4),
                    1 => rng.between(1, 24),
                    2 => rng.between(1, 100),
                    _ => rng.between(1, 2000),
                };
                // Mostly blocks a page allows (compress_bound(page)), a few longer.
                let len = if rng.chance(95) {
                    len.min(compress_bound(page))
                } else {
                    len
                };
                let block = rng.bytes(len);
                tally.check(&block, &history, page, "random bytes");
            }
            for _ in 0..1500 {
                let block = random_sequences(&mut rng, history_len, page);
                tally.check(&block, &history, page, "random sequences");
            }
        }
    }
    tally.finish("random blocks");
}

#[test]
fn valid_and_mutated_blocks() {
    let mut tally = Tally::default();
    let mut rng = Rng::new(2);
    for &history_len in &HISTORY_LENS {
        let history = history(history_len);
        for &page in &PAGES {
            for _ in 0..150 {
                let len = data_len(&mut rng, page);
                let data = data_after(&mut rng, &history, len);
                let (block, origin) = valid_block(&mut rng, &data, &history);
                tally.check(&block, &history, page, origin);
                for _ in 0..12 {
                    let mut mutated = block.clone();
                    let mut names = Vec::new();
                    for _ in 0..rng.between(1, 3) {
                        names.push(mutate(&mut rng, &mut mutated, history_len));
                    }
                    tally.check(
                        &mutated,
                        &history,
                        page,
                        &format!("{origin}, {}", names.join(", ")),
                    );
                }
            }
        }
    }
    tally.finish("valid and mutated blocks");
}

/// One block per rule the verdicts name, made by hand, against a history of 100 bytes and a
/// page of 100 bytes (and a few at other pages).
#[test]
fn hand_made_blocks() {
    let history = history(100);
    // token, literals, offset, [match length bytes], ..., last token, last literals
    let cases: Vec<(&str, Vec<u8>, usize)> = vec![
        (
            "valid: a literal, a match, 5 literals",
            vec![0x14, b'a', 1, 0, 0x50, 1, 2, 3, 4, 5],
            100,
        ),
        (
            "valid: a match into the history",
            vec![0x04, 100, 0, 0x50, 1, 2, 3, 4, 5],
            100,
        ),
        (
            "invalid: a match one byte beyond the history",
            vec![0x04, 101, 0, 0x50, 1, 2, 3, 4, 5],
            100,
        ),
        (
            "invalid: offset 0",
            vec![0x14, b'a', 0, 0, 0x50, 1, 2, 3, 4, 5],
            100,
        ),
        (
            "invalid: offset 0 right at the start",
            vec![0x04, 0, 0, 0x50, 1, 2, 3, 4, 5],
            100,
        ),
        ("invalid: ends after a match", vec![0x14, b'a', 1, 0], 100),
        ("invalid: ends inside an offset", vec![0x14, b'a', 1], 100),
        (
            "invalid: ends inside a match length",
            vec![0x1F, b'a', 1, 0, 255],
            100,
        ),
        (
            "invalid: ends inside a literal length",
            vec![0xF0, 255],
            100,
        ),
        ("invalid: literals past the end", vec![0x50, 1, 2, 3], 100),
        (
            "invalid: past the page",
            vec![0x1F, b'a', 1, 0, 200, 0x50, 1, 2, 3, 4, 5],
            100,
        ),
        ("invalid: past a page of 1", vec![0x20, 1, 2], 1),
        ("invalid: empty", vec![], 100),
        ("valid: empty output", vec![0x00], 100),
        (
            "end condition: last sequence of no literals",
            vec![0x14, b'a', 1, 0, 0x00],
            100,
        ),
        (
            "end condition: last sequence of 4 literals",
            vec![0x14, b'a', 1, 0, 0x40, 1, 2, 3, 4],
            100,
        ),
        (
            "end condition: last match 9 bytes before the end",
            vec![0x10, b'a', 1, 0, 0x50, 1, 2, 3, 4, 5],
            100,
        ),
        (
            "end condition: a match length in the last token",
            vec![0x5F, 1, 2, 3, 4, 5],
            100,
        ),
        (
            "end condition: match in the page's last 5 bytes",
            vec![0x14, b'a', 1, 0, 0x00],
            9,
        ),
        (
            "end condition: match up to the page's end",
            vec![0x14, b'a', 1, 0, 0x00],
            10,
        ),
        (
            "valid at its page's end exactly",
            vec![0x14, b'a', 1, 0, 0x50, 1, 2, 3, 4, 5],
            15,
        ),
    ];
    let mut tally = Tally::default();
    for (name, block, page) in &cases {
        let verdict = differential::check(block, &history, *page);
        eprintln!("{name}: {verdict:?}");
        tally.check(block, &history, *page, name);
    }
    tally.finish("hand-made blocks");
}

// ---------------------------------------------------------------------------------------------
// Page bytes left from earlier blocks never leak into output.

/// Chunks of several sizes (some shorter than the block before), each compressed on its own
/// (no history), so their blocks reference only their own bytes: runs and short overlapping
/// patterns (close offsets), text and random bytes.
fn self_contained_stream(page: usize) -> (Vec<Vec<u8>>, Vec<Vec<u8>>) {
    let mut rng = Rng::new(3);
    let sizes = [
        page,
        10,
        page - 96,
        1,
        300,
        page,
        17,
        page / 2,
        page,
        5,
        12,
        13,
        64,
        page,
    ];
    let mut chunks = Vec::new();
    let mut blocks = Vec::new();
    for (i, &size) in sizes.iter().enumerate() {
        let kind = [Kind::Runs, Kind::Text, Kind::Mixed, Kind::Binary][i % 4];
        let mut chunk = Vec::new();
        extend_data(&mut rng, kind, &mut chunk, size);
        let block = if i % 2 == 0 {
            lz4_flex::block::compress(&chunk)
        } else {
            liblz4_compress_prefix(&chunk, 0, &[chunk.len()], 1).remove(0)
        };
        chunks.push(chunk);
        blocks.push(block);
    }
    (chunks, blocks)
}

/// A long stream of unrelated data (runs of 0xEE, then mixed), written by our compressor with
/// the ring strategy, and its decoded bytes.
fn unrelated_stream(opts: &StreamOptions) -> (Vec<Vec<u8>>, Vec<u8>) {
    let mut rng = Rng::new(4);
    let mut data = vec![0xEE; 100_000];
    extend_data(&mut rng, Kind::Mixed, &mut data, 200_000);
    let opts = opts
        .clone()
        .size_prefix(SizePrefix::OutOfBand)
        .strategy(Strategy::RingBuffer { window: 65_536 });
    let mut compressor = Compressor::new(&opts).expect("valid options");
    let blocks = data
        .chunks(opts.get_page_size())
        .map(|chunk| {
            let mut block = Vec::new();
            compressor.compress(chunk, &mut block).expect("compress");
            block
        })
        .collect();
    (blocks, data)
}

#[test]
fn stale_page_bytes_never_leak_decompressor() {
    for page in [4096, 65_536] {
        let opts = StreamOptions::new()
            .page_size(page)
            .size_prefix(SizePrefix::OutOfBand);
        let (chunks, blocks) = self_contained_stream(page);
        let (unrelated, unrelated_data) = unrelated_stream(&opts);

        let mut fresh = Decompressor::new(&opts).expect("valid options");
        let mut used = Decompressor::new(&opts).expect("valid options");
        let mut back = Vec::new();
        for block in &unrelated {
            back.extend_from_slice(used.decompress(block).expect("unrelated block"));
        }
        assert!(back == unrelated_data);
        // A dictionary full of other bytes must not matter either.
        let with_dictionary = opts.clone().dictionary(vec![0xEE; 70_000]);
        let mut primed = Decompressor::new(&with_dictionary).expect("valid options");

        for (number, (block, chunk)) in blocks.iter().zip(&chunks).enumerate() {
            let a = fresh.decompress(block).expect("fresh").to_vec();
            let b = used.decompress(block).expect("used").to_vec();
            let c = primed.decompress(block).expect("primed").to_vec();
            assert!(
                a == *chunk,
                "page {page}, block {number}: a fresh decompressor gives other bytes"
            );
            assert!(
                b == *chunk,
                "page {page}, block {number}: after an unrelated stream, other bytes"
            );
            assert!(
                c == *chunk,
                "page {page}, block {number}: after a dictionary, other bytes"
            );
        }

        // A block with offset 0 (which liblz4 decodes from whatever its buffer holds) is refused
        // however much the page held before.
        for decompressor in [&mut fresh, &mut used, &mut primed] {
            let err = decompressor
                .decompress(&[0x14, b'a', 0, 0, 0x50, 1, 2, 3, 4, 5])
                .expect_err("offset 0");
            assert_eq!(err.kind(), std::io::ErrorKind::InvalidData);
            // And the next valid block still decodes to its own bytes.
            assert_eq!(
                decompressor.decompress(&blocks[1]).expect("valid"),
                &chunks[1][..]
            );
        }
    }
}

/// Reads all of `reader` with reads of the given lengths (cycled); 0 reads through
/// `fill_buf`/`consume` (at most `consume_max` bytes at a time).
fn read_all(reader: &mut impl BufRead, lens: &[usize]) -> std::io::Result<Vec<u8>> {
    let mut out = Vec::new();
    let mut buf = vec![0u8; lens.iter().copied().max().unwrap_or(1).max(1)];
    let mut step = 0;
    loop {
        let len = lens[step % lens.len()];
        step += 1;
        if len == 0 {
            let available = reader.fill_buf()?;
            if available.is_empty() {
                return Ok(out);
            }
            let n = available.len().min(1 + step % 777);
            out.extend_from_slice(&available[..n]);
            reader.consume(n);
        } else {
            let n = reader.read(&mut buf[..len])?;
            if n == 0 {
                return Ok(out);
            }
            out.extend_from_slice(&buf[..n]);
        }
    }
}

#[test]
fn stale_page_bytes_never_leak_readers() {
    let page = 4096;
    let opts = StreamOptions::new()
        .page_size(page)
        .size_prefix(SizePrefix::U32);
    let (chunks, blocks) = self_contained_stream(page);
    let (unrelated, unrelated_data) = unrelated_stream(&opts);
    // The unrelated stream, then the self-contained one, as records with 4-byte prefixes.
    let mut stream = Vec::new();
    for block in unrelated.iter().chain(&blocks) {
        stream.extend_from_slice(&(block.len() as u32).to_le_bytes());
        stream.extend_from_slice(block);
    }
    let mut expected = unrelated_data.clone();
    for chunk in &chunks {
        expected.extend_from_slice(chunk);
    }
    let splits: [&[usize]; 7] = [
        &[1],
        &[7, 100, 4096],
        &[4096],
        &[5000, 1, 65_536],
        &[1 << 20],
        &[0],
        &[0, 13, 0, 9000],
    ];
    for lens in splits {
        let mut reader = Lz4StreamReader::with_options(&stream[..], &opts).expect("valid options");
        let got = read_all(&mut reader, lens).expect("Lz4StreamReader");
        assert!(
            got == expected,
            "Lz4StreamReader with reads of {lens:?}: other bytes"
        );
        for capacity in [1, 13, 4100, 1 << 20] {
            let inner = BufReader::with_capacity(capacity, &stream[..]);
            let mut reader = Lz4StreamBufReader::with_options(inner, &opts).expect("valid options");
            let got = read_all(&mut reader, lens).expect("Lz4StreamBufReader");
            assert!(
                got == expected,
                "Lz4StreamBufReader over a {capacity}-byte buffer with reads of {lens:?}: other bytes"
            );
        }
    }
    // The self-contained stream alone, read the same ways, gives the same bytes as after the
    // unrelated one.
    let alone = &stream[stream.len() - blocks.iter().map(|b| b.len() + 4).sum::<usize>()..];
    let mut reader = Lz4StreamReader::with_options(alone, &opts).expect("valid options");
    let mut got = Vec::new();
    reader.read_to_end(&mut got).expect("read");
    assert!(got == expected[unrelated_data.len()..]);
}
