//! Round trip: arbitrary data and options through `Lz4StreamWriter` and back through
//! `Lz4StreamReader` (and the sans-IO `split_record` + `Decompressor`), with arbitrary write
//! splits, flushes, read sizes and inner readers and writers that fail on cue.
//!
//! Checks that:
//! - the data comes back exactly, through the reader and through the sans-IO path;
//! - the writer's stream is exactly what a `Compressor` makes of the data cut into full pages
//!   (a shorter block only at a flush and at the end), whatever the write splits and the
//!   inner writer's faults: nothing lost or written twice;
//! - each block decodes on its own with only the history its strategy allows (double buffer:
//!   the previous block, or the dictionary before the first; ring buffer: the last `window`
//!   bytes), as a python-lz4 or liblz4 decoder would need;
//! - the reader stops right after the stream (end marker, or the last out-of-band size);
//! - with the ring buffer's full 64 KiB window, where our layout and liblz4's agree, the
//!   blocks are byte for byte those of liblz4's `LZ4_compress_fast_continue` (same
//!   acceleration, same dictionary, the data in one contiguous buffer), or, in HC mode, of
//!   `LZ4_compress_HC_continue` at the same level (`LZ4_loadDictHC` on the dictionary).
//!
//! A quarter of the cases compress on 2 to 4 threads (`threads(n)`); their stream must equal a
//! clean writer's at `threads(2)` given the same flushes (instead of the `Compressor`'s), and
//! skip the liblz4 oracle (whose tables are kept across every block).
//!
//! The options include the compression mode: `Mode::High { level }` for 3 inputs in 8, every
//! level `1..=12` alike (levels 10-12, the optimal parser, only on data of at most 4 KiB; longer
//! data takes 7-9 instead), else `Mode::Fast { acceleration }` over `1..=65537`, mostly small.
#![no_main]

use std::io::{BufRead, Read, Write};

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use lz4_stream::{
    split_record, Compressor, Decompressor, Lz4StreamReader, Lz4StreamWriter, Mode, Record,
    SizePrefix, Strategy, StreamOptions, WINDOW_SIZE,
};
use lz4_stream_fuzz::{differential, mode, page_size, read_len, retry, writer_prefixes, Flaky};

/// Bytes after the stream, which the reader must not touch.
const TRAILER: &[u8] = b"after the stream";

#[derive(Arbitrary, Debug)]
struct Case {
    page: u32,
    prefix: u8,
    /// The ring buffer's window (a quarter of the values give the full 64 KiB), or the double
    /// buffer.
    ring: Option<u32>,
    /// `Mode::Fast`'s acceleration (raw; see `lz4_stream_fuzz::acceleration`).
    acceleration: u32,
    /// HC or fast, and the HC level (raw; see `lz4_stream_fuzz::mode`).
    mode: u8,
    /// Parallel compression for a quarter of the values (`threads(2..=4)`), else one thread.
    threads: u8,
    dictionary: Option<Vec<u8>>,
    /// Stretch the dictionary past 64 KiB (only its end counts).
    long_dictionary: bool,
    end_marker: bool,
    /// Lengths of the successive writes (cycled) and whether to flush after each.
    writes: Vec<(u16, bool)>,
    write_faults: Vec<u8>,
    /// Lengths of the successive reads (cycled); 0 reads through `fill_buf`/`consume`.
    reads: Vec<u16>,
    read_faults: Vec<u8>,
    /// The data is repeated (slightly changed) this many times plus one, for longer streams.
    repeat: u8,
    data: Vec<u8>,
}

fuzz_target!(|case: Case| run(case));

fn run(case: Case) {
    let page_size = page_size(case.page, 256 * 1024);
    let prefixes = writer_prefixes(page_size);
    let prefix = prefixes[case.prefix as usize % prefixes.len()];
    let out_of_band = prefix == SizePrefix::OutOfBand;
    let end_marker = case.end_marker && !out_of_band;
    let strategy = match case.ring {
        Some(window) if window & 3 == 0 => Strategy::RingBuffer {
            window: WINDOW_SIZE,
        },
        Some(window) => Strategy::RingBuffer {
            window: (window >> 2) as usize % (WINDOW_SIZE + 1),
        },
        None => Strategy::DoubleBuffer,
    };
    let mut dictionary = case.dictionary.unwrap_or_default();
    if case.long_dictionary && !dictionary.is_empty() {
        let mut long = Vec::with_capacity(70_000);
        while long.len() < 70_000 {
            long.extend_from_slice(&dictionary);
        }
        long[0] ^= 1;
        dictionary = long;
    }
    let copies = case.repeat as usize % 16 + 1;
    let mut data = Vec::with_capacity(case.data.len() * copies);
    for copy in 0..copies {
        data.extend(
            case.data
                .iter()
                .enumerate()
                .map(|(i, &b)| if i % 97 == 0 { b ^ copy as u8 } else { b }),
        );
    }
    let mode = mode(case.mode, case.acceleration, data.len());
    let opts = StreamOptions::new()
        .page_size(page_size)
        .size_prefix(prefix)
        .strategy(strategy)
        .dictionary(dictionary.clone())
        .end_marker(end_marker)
        .mode(mode)
        .threads(if case.threads % 4 == 0 {
            2 + (case.threads as usize / 4) % 3
        } else {
            1
        });
    let threads = opts.get_threads();
    opts.validate()
        .expect("the options are valid by construction");

    // Write, noting where the pages must end: full pages, and at each flush.
    let mut writer =
        Lz4StreamWriter::with_options(Flaky::new(Vec::new(), case.write_faults), &opts)
            .expect("valid options");
    let mut sizes = Vec::new();
    let mut cuts = Vec::new();
    let mut pos = 0;
    let mut step = 0;
    while pos < data.len() {
        let (len, flush) = case
            .writes
            .get(step % case.writes.len().max(1))
            .copied()
            .unwrap_or((u16::MAX, false));
        step += 1;
        if len == 0 {
            assert_eq!(retry(|| writer.write(&[])).expect("empty write"), 0);
        }
        let end = data.len().min(pos + (len as usize).max(1));
        while pos < end {
            let n = retry(|| writer.write(&data[pos..end])).expect("write");
            assert!(n > 0 && n <= end - pos);
            pos += n;
        }
        if flush {
            retry(|| writer.flush()).expect("flush");
            cuts.push(pos);
        }
        sizes.extend(writer.take_block_sizes());
    }
    retry(|| writer.try_finish()).expect("try_finish");
    sizes.extend(writer.take_block_sizes());
    writer.get_mut().calm = true;
    let mut stream = writer.finish().expect("finish").inner;
    cuts.push(data.len());

    // The pages the writer must have compressed.
    let mut chunks: Vec<&[u8]> = Vec::new();
    let mut start = 0;
    for &cut in &cuts {
        while start < cut {
            let end = cut.min(start + page_size);
            chunks.push(&data[start..end]);
            start = end;
        }
    }
    let (expected, expected_sizes) = if threads == 1 {
        let mut compressor = Compressor::new(&opts).expect("valid options");
        let mut expected = Vec::new();
        let mut expected_sizes = Vec::new();
        for chunk in &chunks {
            expected_sizes.push(compressor.compress(chunk, &mut expected).expect("compress"));
        }
        if end_marker {
            expected.resize(expected.len() + prefix.width(), 0);
        }
        (expected, expected_sizes)
    } else {
        // With threads, the stream of a clean writer at threads(2) given the same cuts (a flush
        // ends a job, so the cuts matter even at a page's end).
        let mut clean = Lz4StreamWriter::with_options(Vec::new(), &opts.clone().threads(2))
            .expect("valid options");
        let mut at = 0;
        for (i, &cut) in cuts.iter().enumerate() {
            clean.write_all(&data[at..cut]).expect("write");
            if i + 1 < cuts.len() {
                clean.flush().expect("flush");
            }
            at = cut;
        }
        clean.try_finish().expect("finish");
        let expected_sizes = clean.take_block_sizes();
        (clean.finish().expect("finish"), expected_sizes)
    };
    assert!(
        stream == expected,
        "the stream depends on the write splits or the threads"
    );
    if out_of_band {
        assert_eq!(sizes, expected_sizes);
    } else {
        assert!(sizes.is_empty());
    }

    check_strategy(&stream, &opts, &chunks, &sizes);
    if threads == 1
        && strategy
            == (Strategy::RingBuffer {
                window: WINDOW_SIZE,
            })
    {
        check_liblz4_oracle(&opts, &chunks, mode);
    }

    // Read it back through the adapter, with bytes after the stream where the stream's end is
    // marked (end marker, or the last out-of-band size).
    let marked_end = end_marker || out_of_band;
    let stream_len = stream.len();
    if marked_end {
        stream.extend_from_slice(TRAILER);
    }
    let inner = Flaky::new(&stream[..], case.read_faults);
    let mut reader = if out_of_band {
        Lz4StreamReader::with_block_sizes(inner, &opts, sizes.clone())
    } else {
        Lz4StreamReader::with_options(inner, &opts)
    }
    .expect("valid options");
    let mut back = Vec::with_capacity(data.len());
    let mut buf = vec![0; 1 << 16];
    let mut step = 0;
    loop {
        let want = case
            .reads
            .get(step % case.reads.len().max(1))
            .copied()
            .map_or(1 << 16, read_len);
        step += 1;
        if want == 0 {
            retry(|| reader.fill_buf().map(drop)).expect("fill_buf");
            let available = reader.fill_buf().expect("fill_buf again");
            if available.is_empty() {
                break;
            }
            let n = available.len().min(1 + step % 1000);
            back.extend_from_slice(&available[..n]);
            reader.consume(n);
        } else {
            if buf.len() < want {
                buf.resize(want, 0);
            }
            let n = retry(|| reader.read(&mut buf[..want])).expect("read");
            if n == 0 {
                break;
            }
            back.extend_from_slice(&buf[..n]);
        }
    }
    assert!(back == data, "the reader gave back other bytes");
    // At the end it stays at the end.
    assert_eq!(retry(|| reader.read(&mut buf)).expect("read at end"), 0);
    let rest = reader.into_inner().inner;
    if marked_end {
        assert_eq!(rest, TRAILER, "the reader read past the stream");
    } else {
        assert!(rest.is_empty());
    }

    // And through the sans-IO path.
    let stream = &stream[..stream_len];
    let mut decompressor = Decompressor::new(&opts).expect("valid options");
    let mut back = Vec::with_capacity(data.len());
    if out_of_band {
        let mut rest = stream;
        for &size in &sizes {
            let (block, after) = rest.split_at(size);
            back.extend_from_slice(decompressor.decompress(block).expect("decompress"));
            rest = after;
        }
        assert!(rest.is_empty());
    } else {
        let mut rest = stream;
        while !rest.is_empty() {
            let (record, after) = split_record(rest, prefix, page_size).expect("split_record");
            match record {
                Record::Block(block) => {
                    back.extend_from_slice(decompressor.decompress(block).expect("decompress"))
                }
                Record::End => {
                    assert!(end_marker && after.is_empty());
                }
            }
            rest = after;
        }
    }
    assert!(back == data, "the decompressor gave back other bytes");
}

/// Decodes each block with only the history its strategy lets it reference, straight with
/// lz4_flex: what a python-lz4 (double buffer) or liblz4 (ring buffer) decoder relies on.
fn check_strategy(stream: &[u8], opts: &StreamOptions, chunks: &[&[u8]], sizes: &[usize]) {
    let prefix = opts.get_size_prefix();
    let dictionary = opts.get_dictionary();
    let dictionary = &dictionary[dictionary.len().saturating_sub(WINDOW_SIZE)..];
    let mut all: Vec<u8> = dictionary.to_vec();
    let mut previous: &[u8] = dictionary;
    let mut rest = stream;
    let mut page = vec![0; opts.get_page_size()];
    for (number, chunk) in chunks.iter().enumerate() {
        let block = if prefix == SizePrefix::OutOfBand {
            let (block, after) = rest.split_at(sizes[number]);
            rest = after;
            block
        } else {
            match split_record(rest, prefix, opts.get_page_size()).expect("split_record") {
                (Record::Block(block), after) => {
                    rest = after;
                    block
                }
                (Record::End, _) => panic!("end marker before the last block"),
            }
        };
        let history: &[u8] = match opts.get_strategy() {
            Strategy::DoubleBuffer => &previous[previous.len().saturating_sub(WINDOW_SIZE)..],
            Strategy::RingBuffer { window } => &all[all.len().saturating_sub(window)..],
        };
        let len = if history.is_empty() {
            lz4_flex::block::decompress_into(block, &mut page)
        } else {
            lz4_flex::block::decompress_into_with_dict(block, &mut page, history)
        }
        .unwrap_or_else(|err| {
            panic!("block {number} reaches past the history its strategy allows: {err}")
        });
        assert!(
            &page[..len] == *chunk,
            "block {number} decodes to other bytes"
        );
        all.extend_from_slice(chunk);
        previous = chunk;
    }
}

/// With the ring buffer's full window, our blocks are liblz4's: `LZ4_loadDict` on the
/// dictionary and `LZ4_compress_fast_continue` on each chunk (HC: `LZ4_loadDictHC` and
/// `LZ4_compress_HC_continue` at the same level), all in one contiguous buffer
/// `[dictionary | data]` (prefix mode).
fn check_liblz4_oracle(opts: &StreamOptions, chunks: &[&[u8]], mode: Mode) {
    let dictionary = opts.get_dictionary();
    let mut buf = dictionary.to_vec();
    for chunk in chunks {
        buf.extend_from_slice(chunk);
    }
    let lens: Vec<usize> = chunks.iter().map(|chunk| chunk.len()).collect();
    let expected = match mode {
        Mode::Fast { acceleration } => {
            differential::liblz4_compress_prefix(&buf, dictionary.len(), &lens, acceleration as i32)
        }
        Mode::High { level } => {
            differential::liblz4_hc_compress_prefix(&buf, dictionary.len(), &lens, level as i32)
        }
        _ => unreachable!("no other mode is generated"),
    };
    let bare = opts
        .clone()
        .size_prefix(SizePrefix::OutOfBand)
        .end_marker(false);
    let mut compressor = Compressor::new(&bare).expect("valid options");
    for (number, (chunk, expected)) in chunks.iter().zip(&expected).enumerate() {
        let mut ours = Vec::new();
        compressor.compress(chunk, &mut ours).expect("compress");
        if ours != *expected {
            let at = ours
                .iter()
                .zip(expected)
                .position(|(a, b)| a != b)
                .unwrap_or(ours.len().min(expected.len()));
            panic!(
                "block {number} differs from liblz4's at byte {at} (ours {} bytes, liblz4 {}; \
                 {mode:?}, dictionary {} bytes, page {})",
                ours.len(),
                expected.len(),
                dictionary.len(),
                opts.get_page_size()
            );
        }
    }
}
