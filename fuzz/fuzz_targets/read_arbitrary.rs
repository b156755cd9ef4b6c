//! Arbitrary input to the reader: raw bytes, or a valid stream with arbitrary bytes changed
//! and cut, under arbitrary options (pages up to 1 MiB, any prefix, with or without an end
//! marker and a dictionary, out-of-band sizes from the input).
//!
//! Checks that:
//! - nothing panics, and every error is an `io::Error` whose inner error is the crate's
//!   `Error`, of one of the three kinds (`InvalidInput` for options, `InvalidData`,
//!   `UnexpectedEof`), and stays the same when asked again;
//! - `Lz4StreamReader` (over an inner reader that fails on cue and with arbitrary read sizes)
//!   and the sans-IO path (`split_record` + `Decompressor`) agree: the same bytes, then the same
//!   outcome, with the same block number and record offset, and on success the reader stands
//!   exactly where the stream ends.
#![no_main]

use std::io::{self, BufRead, Read};

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use lz4_stream::{
    compress_bound, split_record, Compressor, Decompressor, Error, Lz4StreamReader, Reason, Record,
    SizePrefix, Strategy, StreamOptions,
};
use lz4_stream_fuzz::{page_size, read_len, retry, writer_prefixes, Flaky};

#[derive(Arbitrary, Debug)]
struct Case {
    page: u32,
    prefix: u8,
    end_marker: bool,
    dictionary: Option<Vec<u8>>,
    /// Out-of-band block sizes (raw; see `block_size`).
    sizes: Vec<u32>,
    reads: Vec<u16>,
    faults: Vec<u8>,
    /// `Some`: compress the data first (with this ring window, or a double buffer for
    /// `None` inside), then apply the edits and the cut.
    compress_first: Option<Option<u16>>,
    edits: Vec<(u32, u8)>,
    cut: Option<u32>,
    /// With `compress_first`: the data is stretched to this many copies plus one, each
    /// scrambled differently, so that short inputs still make long streams of large blocks.
    stretch: u8,
    data: Vec<u8>,
}

/// How the stream ended, as both paths see it.
#[derive(Debug, PartialEq, Eq)]
enum Outcome {
    /// The stream ended; this many input bytes were left after it.
    Done { rest: usize },
    /// An error: its reason, block and offset.
    Failed {
        reason: Reason,
        block: Option<u64>,
        offset: Option<u64>,
    },
}

fuzz_target!(|case: Case| run(case));

fn block_size(raw: u32) -> usize {
    let value = (raw >> 2) as usize;
    match raw % 4 {
        0 => value % 16,
        1 => value % 300,
        2 => value % 70_000,
        _ => value,
    }
}

fn run(case: Case) {
    let page_size = page_size(case.page, 1 << 20);
    let prefix = [
        SizePrefix::OutOfBand,
        SizePrefix::U8,
        SizePrefix::U16,
        SizePrefix::U32,
    ][case.prefix as usize % 4];
    let dictionary = case.dictionary.unwrap_or_default();
    let mut opts = StreamOptions::new()
        .page_size(page_size)
        .size_prefix(prefix)
        .dictionary(dictionary)
        .end_marker(case.end_marker);
    let mut sizes: Vec<usize> = case.sizes.iter().map(|&raw| block_size(raw)).collect();

    let mut input = case.data;
    if let Some(window) = case.compress_first {
        let copies = case.stretch as usize % 32 + 1;
        input = (0..copies)
            .flat_map(|copy| {
                input.iter().enumerate().map(move |(i, &b)| {
                    let mix = (i as u32 ^ (copy as u32) << 16).wrapping_mul(0x9E37_79B1);
                    b ^ (mix >> 24) as u8
                })
            })
            .collect();
        // A valid stream to start from, when a writer may use these options.
        let writer_prefix = if writer_prefixes(page_size).contains(&prefix) {
            prefix
        } else {
            SizePrefix::U32
        };
        opts = opts.size_prefix(writer_prefix).strategy(match window {
            Some(window) => Strategy::RingBuffer {
                window: window as usize + 1,
            },
            None => Strategy::DoubleBuffer,
        });
        if writer_prefix == SizePrefix::OutOfBand {
            opts = opts.end_marker(false);
        }
        let mut compressor = Compressor::new(&opts).expect("valid writer options");
        let mut stream = Vec::new();
        let mut written_sizes = Vec::new();
        for chunk in input.chunks(page_size) {
            written_sizes.push(compressor.compress(chunk, &mut stream).expect("compress"));
        }
        if opts.get_end_marker() {
            stream.resize(stream.len() + writer_prefix.width(), 0);
        }
        if writer_prefix == SizePrefix::OutOfBand {
            // The real sizes, then the arbitrary ones in place of the first few.
            for (size, raw) in written_sizes.iter_mut().zip(&case.sizes) {
                if raw % 8 == 0 {
                    *size = block_size(raw >> 3);
                }
            }
            sizes = written_sizes;
        }
        for &(at, xor) in &case.edits {
            if !stream.is_empty() {
                let at = at as usize % stream.len();
                stream[at] ^= xor;
            }
        }
        if let Some(cut) = case.cut {
            stream.truncate(cut as usize % (stream.len() + 1));
        }
        input = stream;
    }

    let inner = Flaky::new(&input[..], case.faults);
    let reader = if opts.get_size_prefix() == SizePrefix::OutOfBand {
        Lz4StreamReader::with_block_sizes(inner, &opts, sizes.clone())
    } else {
        Lz4StreamReader::with_options(inner, &opts)
    };
    let mut reader = match reader {
        Ok(reader) => reader,
        Err(err) => {
            // Only options can be refused here: the end marker with out-of-band sizes.
            let inner = crate_error(&err);
            assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
            assert_eq!(inner.reason(), &Reason::EndMarkerWithoutPrefix);
            assert!(opts.validate().is_err());
            return;
        }
    };

    // Through the reader.
    let mut decoded = Vec::new();
    let mut buf = vec![0; 1 << 16];
    let mut step = 0;
    let result = loop {
        let want = case
            .reads
            .get(step % case.reads.len().max(1))
            .copied()
            .map_or(1 << 16, read_len);
        step += 1;
        let got = if want == 0 {
            match retry(|| reader.fill_buf().map(|b| b.len())) {
                Ok(0) => Ok(0),
                Ok(_) => {
                    let available = reader.fill_buf().expect("fill_buf again");
                    let n = available.len().min(1 + step % 1000);
                    decoded.extend_from_slice(&available[..n]);
                    reader.consume(n);
                    Ok(n)
                }
                Err(err) => Err(err),
            }
        } else {
            if buf.len() < want {
                buf.resize(want, 0);
            }
            let got = retry(|| reader.read(&mut buf[..want]));
            if let Ok(n) = got {
                decoded.extend_from_slice(&buf[..n]);
            }
            got
        };
        match got {
            Ok(0) => break Ok(()),
            Ok(_) => {}
            Err(err) => break Err(err),
        }
    };
    let by_reader = match result {
        Ok(()) => {
            assert_eq!(retry(|| reader.read(&mut buf)).expect("read at end"), 0);
            Outcome::Done {
                rest: reader.into_inner().inner.len(),
            }
        }
        Err(err) => {
            let inner = crate_error(&err);
            assert!(
                matches!(
                    err.kind(),
                    io::ErrorKind::InvalidData | io::ErrorKind::UnexpectedEof
                ),
                "{err}"
            );
            assert_eq!(err.kind(), inner.kind());
            // Asked again, the same error.
            let again = retry(|| reader.read(&mut buf)).expect_err("an error stays");
            assert_eq!(crate_error(&again), inner);
            Outcome::Failed {
                reason: inner.reason().clone(),
                block: inner.block(),
                offset: inner.offset(),
            }
        }
    };

    // Through the sans-IO path.
    let (sans_io, decoded_sans_io) = sans_io(&input, &opts, &sizes);
    assert_eq!(by_reader, sans_io);
    assert!(
        decoded == decoded_sans_io,
        "the two paths decode differently"
    );
}

/// The crate's error inside an `io::Error`: there must be one.
fn crate_error(err: &io::Error) -> &Error {
    err.get_ref()
        .and_then(|inner| inner.downcast_ref::<Error>())
        .unwrap_or_else(|| panic!("not the crate's error: {err:?}"))
}

/// Decodes `input` with `split_record` (or the out-of-band sizes) and a `Decompressor`,
/// numbering blocks and records as the reader does.
fn sans_io(input: &[u8], opts: &StreamOptions, sizes: &[usize]) -> (Outcome, Vec<u8>) {
    let prefix = opts.get_size_prefix();
    let page_size = opts.get_page_size();
    let mut decompressor = Decompressor::new(opts).expect("valid reader options");
    let mut decoded = Vec::new();
    let mut rest = input;
    let mut offset = 0u64;
    let mut block = 0u64;
    let failed = |reason: Reason, block: u64, offset: u64| Outcome::Failed {
        reason,
        block: Some(block),
        offset: Some(offset),
    };
    let mut sizes = sizes.iter();
    loop {
        let (data, after) = if prefix == SizePrefix::OutOfBand {
            let Some(&size) = sizes.next() else {
                return (Outcome::Done { rest: rest.len() }, decoded);
            };
            if size == 0 {
                return (failed(Reason::EmptyBlock, block, offset), decoded);
            }
            let bound = compress_bound(page_size);
            if size > bound {
                return (
                    failed(Reason::BlockTooLarge { size, bound }, block, offset),
                    decoded,
                );
            }
            if rest.len() < size {
                let reason = Reason::TruncatedBlock {
                    got: rest.len(),
                    size,
                };
                return (failed(reason, block, offset), decoded);
            }
            rest.split_at(size)
        } else {
            if rest.is_empty() {
                let outcome = if opts.get_end_marker() {
                    failed(Reason::MissingEndMarker, block, offset)
                } else {
                    Outcome::Done { rest: 0 }
                };
                return (outcome, decoded);
            }
            match split_record(rest, prefix, page_size) {
                Ok((Record::End, after)) => {
                    return (Outcome::Done { rest: after.len() }, decoded);
                }
                Ok((Record::Block(data), after)) => (data, after),
                Err(err) => {
                    assert_eq!(err.block(), None);
                    return (failed(err.reason().clone(), block, offset), decoded);
                }
            }
        };
        match decompressor.decompress(data) {
            Ok(bytes) => decoded.extend_from_slice(bytes),
            Err(err) => {
                assert_eq!(err.block(), Some(block));
                return (failed(err.reason().clone(), block, offset), decoded);
            }
        }
        offset += (prefix.width() + data.len()) as u64;
        block += 1;
        rest = after;
    }
}
