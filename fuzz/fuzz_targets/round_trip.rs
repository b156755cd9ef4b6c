//! Round trip: arbitrary data (stretched past 64 KiB half the time) and options through
//! `Lz4StreamWriter` and back through `Lz4StreamReader` or `Lz4StreamBufReader` (and the sans-IO
//! `split_record` + `Decompressor`), with arbitrary write splits, flushes and read sizes, and
//! inner writers and readers that make short transfers, fail with every error kind of
//! `lz4_stream_fuzz::KINDS`, return `Ok(0)` and panic (once each side).
//!
//! Checks that:
//! - the data comes back exactly, through the reader and through the sans-IO path;
//! - the writer's stream is exactly what a `Compressor` makes of the data cut into full pages
//!   (a shorter block only at a flush and at the end), whatever the write splits and the
//!   inner writer's faults: nothing lost or written twice, every injected error handed back
//!   untouched, `WriteZero` for an inner writer that takes nothing;
//! - each block decodes on its own with only the history its strategy allows (double buffer:
//!   the previous block, or the dictionary before the first; ring buffer: the last `window`
//!   bytes), as a python-lz4 or liblz4 decoder would need;
//! - the reader stops right after the stream (end marker, or the last out-of-band size);
//! - with the ring buffer's full 64 KiB window, where our layout and liblz4's agree, the
//!   blocks are byte for byte those of liblz4's `LZ4_compress_fast_continue` (same
//!   acceleration, same dictionary, the data in one contiguous buffer), or, in HC mode, of
//!   `LZ4_compress_HC_continue` at the same level (`LZ4_loadDictHC` on the dictionary);
//! - after a panic of the inner writer, caught, with the interrupted call made again: no second
//!   panic, and the stream is valid and decodes to the data with the bytes that call had taken
//!   repeated (see `check_writer_after_panic`); after a panic of the inner reader, the reader
//!   serves only bytes of the stream's rest (see `check_after_panic`);
//! - `CompressingReader` over a hostile inner reader (the read faults without `Ok(0)`, which
//!   is its end of data, and without the panic), read into buffers of the read lengths, serves
//!   byte for byte the stream (and out-of-band sizes) of a writer given the data without
//!   flushes: the writer's own when the ops had no flush and no panic, else a clean one's;
//! - `DecompressingWriter`, given the stream in pieces of the write lengths over a hostile
//!   inner writer (the write faults without the panic), every injected error and `WriteZero`
//!   retried, writes exactly the data, and `finish` succeeds.
//!
//! A quarter of the cases compress on 2 to 4 threads (`threads(n)`); their stream must equal a
//! clean writer's at `threads(2)` given the same flushes (instead of the `Compressor`'s), and
//! skip the liblz4 oracle (whose tables are kept across every block).
//!
//! The options include the compression mode: `Mode::High { level }` for 3 inputs in 8, every
//! level `1..=12` alike (levels 10-12, the optimal parser, only on data of at most 4 KiB; longer
//! data takes 7-9 instead), else `Mode::Fast { acceleration }` over `1..=65537`, mostly small.
#![no_main]

use std::io::{Read, Write};
use std::rc::Rc;

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use lz4_stream::{
    split_record, Compressor, Decompressor, Lz4StreamBufReader, Lz4StreamReader, Lz4StreamWriter,
    Mode, Record, SizePrefix, Strategy, StreamOptions, WINDOW_SIZE,
};
use lz4_stream_fuzz::{
    capacity, check_reader_run, check_writer_after_panic, dictionary, differential, drive_reader,
    drive_writer, mode, page_size, quiet_injected_panics, stretch, writer_prefixes, Bytes, Faults,
    HostileBufReader, HostileReader, HostileWriter, Log, Outcome, ReadRun, WriteOp,
};

/// Bytes after the stream, which the reader must not touch.
const TRAILER: &[u8] = b"after the stream";

/// The input: fixed fields, then the data (`seeds.py` writes it with
/// `struct.pack("<IBIIBBBHBI" + "HB" * 8 + "16B" + "8H" + "16BI")` followed by the data).
#[derive(Arbitrary, Debug)]
struct Case {
    page: u32,
    prefix: u8,
    /// The strategy, by `ring % 8`: 0-3 the double buffer, 4 and 5 the ring buffer's full
    /// 64 KiB window, 6 and 7 a ring window of `(ring >> 3) % 65_537` bytes.
    ring: u32,
    /// `Mode::Fast`'s acceleration (raw; see `lz4_stream_fuzz::acceleration`).
    acceleration: u32,
    /// HC or fast, and the HC level (raw; see `lz4_stream_fuzz::mode`).
    mode: u8,
    /// Parallel compression for a quarter of the values (`threads(2..=4)`), else one thread.
    threads: u8,
    /// The dictionary (see `lz4_stream_fuzz::dictionary`).
    dictionary: u8,
    dict_len: u16,
    end_marker: bool,
    /// How the data is stretched (see `lz4_stream_fuzz::stretch`).
    stretch: u32,
    /// The successive writes (cycled): a length (0: an empty write, then all the rest) and
    /// whether to flush after it (bit 0; with threads and data over 16 KiB, only if the top
    /// four bits are all set too).
    writes: [(u16, u8); 8],
    write_faults: [u8; 16],
    /// Lengths of the successive reads (cycled; see `lz4_stream_fuzz::read_len`).
    reads: [u16; 8],
    read_faults: [u8; 16],
    /// Odd: read back through `Lz4StreamBufReader` over a hostile `BufRead` of capacity
    /// `capacity(buffered >> 1)`; even: `Lz4StreamReader` over a hostile `Read`.
    buffered: u32,
    data: Bytes,
}

fuzz_target!(|case: Case| run(case));

fn run(case: Case) {
    quiet_injected_panics();
    let page_size = page_size(case.page, 256 * 1024);
    let prefixes = writer_prefixes(page_size);
    let prefix = prefixes[case.prefix as usize % prefixes.len()];
    let out_of_band = prefix == SizePrefix::OutOfBand;
    let end_marker = case.end_marker && !out_of_band;
    let strategy = match case.ring % 8 {
        0..=3 => Strategy::DoubleBuffer,
        4 | 5 => Strategy::RingBuffer {
            window: WINDOW_SIZE,
        },
        _ => Strategy::RingBuffer {
            window: (case.ring >> 3) as usize % (WINDOW_SIZE + 1),
        },
    };
    let mut data = case.data.0.clone();
    let dictionary = dictionary(case.dictionary, case.dict_len, &mut data);
    let data = stretch(&data, case.stretch);
    let mode = mode(case.mode, case.acceleration, data.len());
    let opts = StreamOptions::new()
        .page_size(page_size)
        .size_prefix(prefix)
        .strategy(strategy)
        .dictionary(dictionary)
        .end_marker(end_marker)
        .mode(mode)
        .threads(if case.threads.is_multiple_of(4) {
            2 + (case.threads as usize / 4) % 3
        } else {
            1
        });
    let threads = opts.get_threads();
    opts.validate()
        .expect("the options are valid by construction");

    // Write, noting where the pages must end: full pages, and at each flush.
    let write_log = Rc::new(Log::default());
    let inner = HostileWriter {
        out: Vec::new(),
        faults: Faults::new(&case.write_faults, write_log.clone()),
    };
    let mut writer = Lz4StreamWriter::with_options(inner, &opts).expect("valid options");
    let mut ops = Vec::new();
    for &(len, flags) in &case.writes {
        ops.push(WriteOp::Write(len as usize));
        // With threads a flush ends a job, and each job loads its history into the compressor's
        // tables: on long data, flushes only for one flag value in 16 (else a few hundred
        // flushes make an input run for seconds).
        if flags & 1 == 1 && (threads == 1 || data.len() <= 16_384 || flags >> 4 == 15) {
            ops.push(WriteOp::Flush);
        }
    }
    let written = drive_writer(&mut writer, &data, &ops, &write_log);
    write_log.calm.set(true);
    let stream = writer.finish().expect("finish").out;
    let sizes = written.sizes.clone();

    // The same data through `CompressingReader` (inner reader with faults, reads of any
    // length): the stream of a writer given the data without flushes.
    let (pulled, pulled_sizes) =
        lz4_stream_fuzz::compressing_reader(&data, &opts, &case.reads, &case.read_faults);
    if written.flushes.is_empty() && written.panicked.is_none() {
        assert!(
            pulled == stream,
            "CompressingReader's stream is not the writer's"
        );
        assert_eq!(pulled_sizes, sizes, "CompressingReader's block sizes");
    } else {
        let (expected, expected_sizes) = flush_free(&data, &opts);
        assert!(
            pulled == expected,
            "CompressingReader's stream is not a clean writer's"
        );
        assert_eq!(
            pulled_sizes, expected_sizes,
            "CompressingReader's block sizes"
        );
    }

    if let Some((at, offered)) = written.panicked {
        // The stream is valid and holds the data with what the interrupted call took repeated.
        let (outcome, decoded) = lz4_stream_fuzz::sans_io(&stream, &opts, &sizes);
        assert_eq!(
            outcome,
            Outcome::Done { rest: 0 },
            "the stream after a panic in the inner writer"
        );
        check_writer_after_panic(&decoded, &data, at, offered);
        read_back(&case, &opts, stream, &sizes, &decoded);
        return;
    }

    // The pages the writer must have compressed.
    let mut cuts = written.flushes.clone();
    cuts.push(data.len());
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
        // Through a scratch buffer: see `flush_free`.
        let mut record = Vec::new();
        for chunk in &chunks {
            record.clear();
            expected_sizes.push(compressor.compress(chunk, &mut record).expect("compress"));
            expected.extend_from_slice(&record);
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
        "the stream depends on the write splits, the inner writer's faults or the threads"
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

    // And through the sans-IO path.
    let mut decompressor = Decompressor::new(&opts).expect("valid options");
    let mut back = Vec::with_capacity(data.len());
    if out_of_band {
        let mut rest = &stream[..];
        for &size in &sizes {
            let (block, after) = rest.split_at(size);
            back.extend_from_slice(decompressor.decompress(block).expect("decompress"));
            rest = after;
        }
        assert!(rest.is_empty());
    } else {
        let mut rest = &stream[..];
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

    // Read it back through a reader over a hostile inner reader.
    read_back(&case, &opts, stream, &sizes, &data);
}

/// Reads `stream` back (followed by bytes after it where the stream's end is marked: an end
/// marker, or the last out-of-band size) through `Lz4StreamReader` over a hostile `Read` or
/// `Lz4StreamBufReader` over a hostile `BufRead`, and checks it serves `data` and stops right
/// after the stream.
fn read_back(case: &Case, opts: &StreamOptions, mut stream: Vec<u8>, sizes: &[usize], data: &[u8]) {
    let out_of_band = opts.get_size_prefix() == SizePrefix::OutOfBand;
    let marked_end = opts.get_end_marker() || out_of_band;
    let rest = if marked_end {
        stream.extend_from_slice(TRAILER);
        TRAILER.len()
    } else {
        0
    };
    // Through `DecompressingWriter`, the stream given in pieces (the write lengths), into an
    // inner writer with faults (the writer's, without the panic): the data, and `finish`
    // succeeds.
    let pieces: Vec<u16> = case.writes.iter().map(|&(len, _)| len).collect();
    let stream_len = stream.len() - rest;
    let (outcome, out) = lz4_stream_fuzz::decompressing_writer(
        &stream[..stream_len],
        opts,
        sizes,
        &pieces,
        &case.write_faults,
    );
    assert_eq!(outcome, Outcome::Done { rest: 0 }, "DecompressingWriter");
    assert!(out == data, "DecompressingWriter wrote other bytes");
    let expected = (Outcome::Done { rest }, data.to_vec());
    let log = Rc::new(Log::default());
    let faults = Faults::new(&case.read_faults, log.clone());
    let (run, left, again): (ReadRun, usize, _) = if case.buffered % 2 == 1 {
        let inner = HostileBufReader::new(&stream, capacity(case.buffered >> 1), faults);
        let mut reader = if out_of_band {
            Lz4StreamBufReader::with_block_sizes(inner, opts, sizes.to_vec())
        } else {
            Lz4StreamBufReader::with_options(inner, opts)
        }
        .expect("valid options");
        let run = drive_reader(&mut reader, &case.reads, &log);
        log.calm.set(true);
        let again = reader.read(&mut [0; 100]);
        let left = reader.into_inner().rest().len();
        (run, left, again)
    } else {
        let inner = HostileReader::new(&stream, faults);
        let mut reader = if out_of_band {
            Lz4StreamReader::with_block_sizes(inner, opts, sizes.to_vec())
        } else {
            Lz4StreamReader::with_options(inner, opts)
        }
        .expect("valid options");
        let run = drive_reader(&mut reader, &case.reads, &log);
        log.calm.set(true);
        let again = reader.read(&mut [0; 100]);
        let left = reader.into_inner().data.len();
        (run, left, again)
    };
    if let (Err(err), None) = (&run.result, run.panicked_at) {
        panic!("reading back failed: {err}");
    }
    if run.panicked_at.is_none() && !run.early_end {
        // At the end it stays at the end, and it read nothing after the stream.
        assert_eq!(again.expect("read at the end"), 0);
        assert_eq!(left, rest, "the reader read past the stream");
    }
    check_reader_run(&run, left, None, &expected);
}

/// The stream (and out-of-band sizes) of a clean writer given `data` with no flushes: a
/// `Compressor` on full pages, or with threads a clean `Lz4StreamWriter`.
fn flush_free(data: &[u8], opts: &StreamOptions) -> (Vec<u8>, Vec<usize>) {
    let prefix = opts.get_size_prefix();
    if opts.get_threads() == 1 {
        let mut compressor = Compressor::new(opts).expect("valid options");
        let mut stream = Vec::new();
        let mut sizes = Vec::new();
        // Each record into a scratch buffer: `compress` grows its output exactly, so a stream
        // of many tiny records into one `Vec` reallocates it every time (quadratic copying and
        // gigabytes of RSS under the address sanitizer's allocator).
        let mut record = Vec::new();
        for chunk in data.chunks(opts.get_page_size()) {
            record.clear();
            sizes.push(compressor.compress(chunk, &mut record).expect("compress"));
            stream.extend_from_slice(&record);
        }
        if opts.get_end_marker() {
            stream.resize(stream.len() + prefix.width(), 0);
        }
        if prefix != SizePrefix::OutOfBand {
            sizes.clear();
        }
        return (stream, sizes);
    }
    let mut clean = Lz4StreamWriter::with_options(Vec::new(), opts).expect("valid options");
    clean.write_all(data).expect("write");
    clean.try_finish().expect("finish");
    let sizes = clean.take_block_sizes();
    (clean.finish().expect("finish"), sizes)
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
