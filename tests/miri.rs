//! A focused set of round trips small enough to run under Miri in a few minutes
//! (`cargo +nightly miri test --test miri`, on x86_64 and on `i686-unknown-linux-gnu`, a 32-bit
//! target: `.ci/run` runs both). Miri checks what the compiler cannot: undefined behaviour in
//! the standard library and the dependencies as the crate drives them, arithmetic overflow and
//! out-of-bounds slicing on a 32-bit `usize` (window and buffer sizes, `compress_bound`), leaks,
//! and data races and deadlocks in the parallel writer's pool.
//!
//! Every path of the crate that matters runs here on small inputs: the writer (serial and
//! threaded, pages compressed in place and through the page, flushes, out-of-band sizes, end
//! markers), `Mode::Fast` and `Mode::High` at levels 2 (the light matcher), 9 (hash chains) and
//! 12 (the optimal parser), both strategies (double buffer, ring windows of 64 KiB and less), a
//! dictionary, `Lz4StreamReader` and `Lz4StreamBufReader` (inner buffers smaller and larger than
//! a record) with small reads, `fill_buf` and large reads (whole blocks decoded straight into the
//! caller's buffer), the sans-IO `Compressor`/`Decompressor`/`split_record`, corrupt input, and
//! one stream that passes 64 KiB (large reads past the first 64 KiB, and the window's history
//! moving to the front of its buffer, on both ends).
//!
//! The test binary is also an ordinary one: `cargo test --test miri` runs it natively.

use std::io::{BufRead, BufReader, Read, Write};

use lz4_stream::{
    split_record, Compressor, Decompressor, Lz4StreamBufReader, Lz4StreamReader, Lz4StreamWriter,
    Mode, Record, SizePrefix, Strategy, StreamOptions,
};

/// `len` bytes of text-like data with matches near and far, and some noise.
fn data(len: usize, seed: u32) -> Vec<u8> {
    let words: [&[u8]; 8] = [
        b"lz4 ",
        b"stream ",
        b"block ",
        b"window ",
        b"history ",
        b"record ",
        b"prefix ",
        b"\n",
    ];
    let mut x = seed | 1;
    let mut out = Vec::with_capacity(len + 16);
    while out.len() < len {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        match x % 16 {
            0 => out.extend_from_slice(&x.to_le_bytes()),
            1 if out.len() > 1000 => {
                let from = out.len() - 1 - (x >> 8) as usize % 1000;
                out.extend_from_within(from..from + 40.min(out.len() - from));
            }
            _ => out.extend_from_slice(words[(x >> 4) as usize % words.len()]),
        }
    }
    out.truncate(len);
    out
}

/// Writes `data` with `opts`: in writes of `split` bytes, flushing after every `flush_every`-th
/// write (0: never). Returns the stream and the out-of-band sizes.
fn write(
    opts: &StreamOptions,
    data: &[u8],
    split: usize,
    flush_every: usize,
) -> (Vec<u8>, Vec<usize>) {
    let mut writer = Lz4StreamWriter::with_options(Vec::new(), opts).unwrap();
    let mut sizes = Vec::new();
    for (i, chunk) in data.chunks(split.max(1)).enumerate() {
        writer.write_all(chunk).unwrap();
        if flush_every > 0 && i % flush_every == flush_every - 1 {
            writer.flush().unwrap();
        }
        sizes.extend(writer.take_block_sizes());
    }
    writer.try_finish().unwrap();
    sizes.extend(writer.take_block_sizes());
    (writer.finish().unwrap(), sizes)
}

/// Reads to the end with reads of the lengths in `reads` (cycled; 0: `fill_buf` and `consume`
/// of up to 100 bytes).
fn read_all(reader: &mut impl BufRead, reads: &[usize]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut buf = vec![0; reads.iter().copied().max().unwrap_or(1).max(1)];
    for call in 0.. {
        let want = reads[call % reads.len()];
        let n = if want == 0 {
            let available = reader.fill_buf().unwrap();
            let n = available.len().min(100);
            out.extend_from_slice(&available[..n]);
            reader.consume(n);
            n
        } else {
            let n = reader.read(&mut buf[..want]).unwrap();
            out.extend_from_slice(&buf[..n]);
            n
        };
        if n == 0 {
            break;
        }
    }
    out
}

/// Reads `stream` back every way (both readers, inner buffers smaller and larger than a record,
/// small and large reads, the sans-IO path) and checks each gives `data` and stops right after
/// the stream.
fn read_back(opts: &StreamOptions, stream: &[u8], sizes: &[usize], data: &[u8], reads: &[usize]) {
    let out_of_band = opts.get_size_prefix() == SizePrefix::OutOfBand;
    let mut input = stream.to_vec();
    input.extend_from_slice(b"trailer");
    let marked = out_of_band || opts.get_end_marker();
    let rest: &[u8] = if marked { b"trailer" } else { b"" };
    if !marked {
        input.truncate(stream.len());
    }

    let mut inner = &input[..];
    let mut reader = if out_of_band {
        Lz4StreamReader::with_block_sizes(&mut inner, opts, sizes.to_vec())
    } else {
        Lz4StreamReader::with_options(&mut inner, opts)
    }
    .unwrap();
    assert!(read_all(&mut reader, reads) == data, "Lz4StreamReader");
    assert_eq!(inner, rest);

    for capacity in [7, 1 << 16] {
        let mut inner = BufReader::with_capacity(capacity, &input[..]);
        let mut reader = if out_of_band {
            Lz4StreamBufReader::with_block_sizes(&mut inner, opts, sizes.to_vec())
        } else {
            Lz4StreamBufReader::with_options(&mut inner, opts)
        }
        .unwrap();
        assert!(
            read_all(&mut reader, reads) == data,
            "Lz4StreamBufReader, capacity {capacity}"
        );
        let mut left = Vec::new();
        inner.read_to_end(&mut left).unwrap();
        assert_eq!(left, rest);
    }

    let mut decompressor = Decompressor::new(opts).unwrap();
    let mut back = Vec::new();
    if out_of_band {
        let mut at = 0;
        for &size in sizes {
            back.extend_from_slice(decompressor.decompress(&stream[at..at + size]).unwrap());
            at += size;
        }
    } else {
        let mut rest = stream;
        while !rest.is_empty() {
            let (record, after) =
                split_record(rest, opts.get_size_prefix(), opts.get_page_size()).unwrap();
            if let Record::Block(block) = record {
                back.extend_from_slice(decompressor.decompress(block).unwrap());
            }
            rest = after;
        }
    }
    assert!(back == data, "Decompressor");
}

fn round_trip(opts: StreamOptions, data: &[u8], split: usize, flush_every: usize, reads: &[usize]) {
    let (stream, sizes) = write(&opts, data, split, flush_every);
    read_back(&opts, &stream, &sizes, data, reads);
}

#[test]
fn fast_both_strategies() {
    let data = data(3000, 1);
    for strategy in [
        Strategy::DoubleBuffer,
        Strategy::RingBuffer { window: 65_536 },
        Strategy::RingBuffer { window: 700 },
    ] {
        for prefix in [SizePrefix::U16, SizePrefix::OutOfBand] {
            let opts = StreamOptions::new()
                .page_size(512)
                .size_prefix(prefix)
                .strategy(strategy)
                .mode(Mode::Fast { acceleration: 1 });
            // Writes of 1300 bytes take pages in place (double buffer); writes of 100 go
            // through the page.
            round_trip(opts.clone(), &data, 1300, 0, &[0, 5000, 1]);
            round_trip(opts, &data, 100, 7, &[512, 0]);
        }
    }
}

#[test]
fn high_compression_levels() {
    let data = data(2000, 2);
    for level in [2, 9, 12] {
        for strategy in [
            Strategy::DoubleBuffer,
            Strategy::RingBuffer { window: 65_536 },
        ] {
            let opts = StreamOptions::new()
                .page_size(700)
                .strategy(strategy)
                .mode(Mode::High { level })
                .end_marker(true);
            round_trip(opts, &data, 900, 0, &[100, 0, 4096]);
        }
    }
}

#[test]
fn dictionary_and_end_marker() {
    let dictionary = data(5000, 3);
    let mut data = dictionary[1000..2500].to_vec();
    data.extend(self::data(1500, 4));
    for mode in [Mode::Fast { acceleration: 2 }, Mode::High { level: 9 }] {
        let opts = StreamOptions::new()
            .page_size(1000)
            .size_prefix(SizePrefix::U32)
            .dictionary(dictionary.clone())
            .end_marker(true)
            .mode(mode);
        round_trip(opts, &data, 333, 2, &[0, 2000]);
    }
}

#[test]
fn small_pages_and_one_byte_prefixes() {
    let data = data(600, 5);
    let opts = StreamOptions::new()
        .page_size(200)
        .size_prefix(SizePrefix::U8)
        .end_marker(true);
    round_trip(opts, &data, 1, 50, &[1, 0, 300]);
    let opts = StreamOptions::new()
        .page_size(1)
        .size_prefix(SizePrefix::U8);
    round_trip(opts, &data[..40], 3, 0, &[0, 2]);
}

#[test]
fn parallel_writer() {
    let data = data(6000, 6);
    for mode in [Mode::Fast { acceleration: 1 }, Mode::High { level: 4 }] {
        let opts = StreamOptions::new().page_size(1024).mode(mode).threads(2);
        round_trip(opts, &data, 2500, 2, &[0, 4096]);
    }
}

/// One stream past 64 KiB: small pages, so both ends' windows (64 KiB of history, a page, 64 KiB
/// of spare room) move their history to the front, read with large reads (blocks decoded
/// straight into the caller's buffer once 64 KiB of the stream are there) and with small ones.
#[test]
fn past_64_kib() {
    let data = data(150_000, 7);
    let opts = StreamOptions::new()
        .page_size(256)
        .strategy(Strategy::RingBuffer { window: 65_536 })
        .mode(Mode::Fast { acceleration: 4 });
    let (stream, _) = write(&opts, &data, 5000, 0);
    let mut reader = Lz4StreamReader::with_options(&stream[..], &opts).unwrap();
    assert!(read_all(&mut reader, &[1 << 20]) == data, "one large read");
    // After a `fill_buf` the history is not empty: a large read decodes through the window up
    // to 64 KiB, then straight into the buffer.
    let mut reader = Lz4StreamReader::with_options(&stream[..], &opts).unwrap();
    assert!(read_all(&mut reader, &[0, 1 << 20]) == data, "large reads");
    let mut reader = Lz4StreamBufReader::with_options(&stream[..], &opts).unwrap();
    assert!(read_all(&mut reader, &[0, 3000]) == data, "small reads");
}

#[test]
fn corrupt_input_is_an_error() {
    let data = data(2000, 8);
    let opts = StreamOptions::new().page_size(500);
    let (mut stream, _) = write(&opts, &data, 2000, 0);
    for at in [0, 3, 4, 10, stream.len() / 2, stream.len() - 1] {
        stream[at] ^= 0xA5;
        let mut out = Vec::new();
        let result = Lz4StreamReader::with_options(&stream[..], &opts)
            .unwrap()
            .read_to_end(&mut out);
        if let Err(err) = result {
            assert!(err.get_ref().is_some());
        }
        stream[at] ^= 0xA5;
    }
    let mut decompressor = Decompressor::new(&opts).unwrap();
    assert!(decompressor.decompress(&[0xF0, 1, 2]).is_err());
    let mut compressor = Compressor::new(&opts).unwrap();
    let mut out = Vec::new();
    compressor.compress(&data[..500], &mut out).unwrap();
    let mut decompressor = Decompressor::new(&opts).unwrap();
    assert!(decompressor.decompress(&out[4..]).unwrap() == &data[..500]);
}
