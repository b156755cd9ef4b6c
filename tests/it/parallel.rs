//! Parallel compression (`StreamOptions::threads(n)`, issue 10).
//!
//! - `round_trips_and_the_same_stream_for_every_n`: `n` in 2..=8 x modes (fast at
//!   accelerations 1 and 8; HC at levels 2, 9 and 12) x strategies (double buffer; rings of
//!   64 KiB and 1000 bytes) x dictionaries (none, 100 bytes, 70,000 bytes) x writes (one
//!   `write_all`, or irregular splits) x flushes (none, or at irregular points): the stream is
//!   the same for every `n` given the same writes and flushes, and every block decodes with
//!   liblz4 (`LZ4_decompress_safe_usingDict`) and `lz4_flex` given *only* the history the
//!   strategy allows, in a buffer of its own, and with our reader.
//! - `the_stream_does_not_depend_on_write_splits`: without flushes, the stream is the same
//!   however the writes are split.
//! - `threads_zero_is_refused`: `threads(0)` is `InvalidInput` (`Reason::Threads`) from
//!   `validate()`, the writer, `Compressor` and the readers (which otherwise ignore the
//!   option).
//! - `out_of_band_sizes_with_threads`: the block sizes of an out-of-band stream come out in
//!   order.

use std::io::{Read, Write};

use crate::codec::{extend_data, liblz4_decode_ext_dict, Kind, Rng};
use lz4_stream::{
    Compressor, Lz4StreamReader, Lz4StreamWriter, Mode, Reason, SizePrefix, Strategy,
    StreamOptions, WINDOW_SIZE,
};
// liblz4 is linked into the test binary through lzzzz.
use lzzzz as _;

/// One operation on a writer: write the next `n` bytes, or flush.
#[derive(Clone, Copy, Debug)]
enum Op {
    Write(usize),
    Flush,
}

/// Operations that write `len` bytes: one piece, or irregular pieces (0-length ones included)
/// with flushes between some of them.
fn ops(rng: &mut Rng, len: usize, split: bool, flushes: bool) -> Vec<Op> {
    if !split && !flushes {
        return vec![Op::Write(len)];
    }
    let mut ops = Vec::new();
    let mut left = len;
    while left > 0 {
        let n = match rng.below(5) {
            0 => rng.below(10),
            1 => rng.below(5000),
            2 => rng.below(100_000),
            _ => rng.below(30_000),
        }
        .min(left);
        let n = if split { n } else { left };
        ops.push(Op::Write(n));
        left -= n;
        if flushes && rng.chance(30) {
            ops.push(Op::Flush);
        }
    }
    ops
}

fn compress(opts: &StreamOptions, data: &[u8], ops: &[Op]) -> Vec<u8> {
    let mut writer = Lz4StreamWriter::with_options(Vec::new(), opts).unwrap();
    let mut at = 0;
    for op in ops {
        match *op {
            Op::Write(n) => {
                writer.write_all(&data[at..at + n]).unwrap();
                at += n;
            }
            Op::Flush => writer.flush().unwrap(),
        }
    }
    assert_eq!(at, data.len());
    writer.finish().unwrap()
}

/// Decodes `stream` (4-byte prefixes) block by block with liblz4 and lz4_flex, each given only
/// the history `strategy` allows, and with our reader; returns what went wrong, if anything.
fn check_decodes(opts: &StreamOptions, data: &[u8], stream: &[u8], what: &str) -> Option<String> {
    let page = opts.get_page_size();
    let dictionary = opts.get_dictionary();
    let all: Vec<u8> = [dictionary, data].concat();
    let mut at = dictionary.len();
    let mut previous = dictionary.len().saturating_sub(WINDOW_SIZE)..dictionary.len();
    let mut pos = 0;
    let mut out = vec![0u8; page];
    let mut number = 0;
    while pos < stream.len() {
        let size = u32::from_le_bytes(stream[pos..pos + 4].try_into().unwrap()) as usize;
        let block = &stream[pos + 4..pos + 4 + size];
        pos += 4 + size;
        let history = match opts.get_strategy() {
            Strategy::DoubleBuffer => all[previous.clone()].to_vec(),
            Strategy::RingBuffer { window } => all[at - at.min(window)..at].to_vec(),
        };
        let expected = &all[at..all.len().min(at + page)];
        let n = match liblz4_decode_ext_dict(block, &mut out, &history) {
            Some(n) if out[..n] == expected[..n] => n,
            Some(_) => {
                return Some(format!(
                    "{what}: block {number}: liblz4 decodes other bytes"
                ))
            }
            None => return Some(format!("{what}: block {number}: liblz4 refuses it")),
        };
        match lz4_flex::block::decompress_with_dict(block, n, &history) {
            Ok(bytes) if bytes == expected[..n] => {}
            _ => return Some(format!("{what}: block {number}: lz4_flex disagrees")),
        }
        previous = at..at + n;
        at += n;
        number += 1;
    }
    if at != all.len() {
        return Some(format!(
            "{what}: the blocks hold {} of {} bytes",
            at,
            all.len()
        ));
    }
    let mut decoded = Vec::new();
    Lz4StreamReader::with_options(stream, opts)
        .unwrap()
        .read_to_end(&mut decoded)
        .unwrap();
    (decoded != data).then(|| format!("{what}: our reader decodes other bytes"))
}

fn data(rng: &mut Rng, dictionary: &[u8], len: usize) -> Vec<u8> {
    let mut data = Vec::with_capacity(len);
    // Repeat some of the dictionary, so that blocks reference it.
    if dictionary.len() > 200 {
        let from = rng.below(dictionary.len() - 200);
        data.extend_from_slice(&dictionary[from..from + 200]);
    }
    extend_data(rng, Kind::Mixed, &mut data, len);
    data.truncate(len);
    data
}

#[test]
fn round_trips_and_the_same_stream_for_every_n() {
    let mut rng = Rng::new(10);
    let modes = [
        Mode::Fast { acceleration: 1 },
        Mode::Fast { acceleration: 8 },
        Mode::High { level: 2 },
        Mode::High { level: 9 },
        Mode::High { level: 12 },
    ];
    let strategies = [
        Strategy::DoubleBuffer,
        Strategy::RingBuffer { window: 65_536 },
        Strategy::RingBuffer { window: 1000 },
    ];
    let mut failures = Vec::new();
    let mut cases = 0;
    for (k, &mode) in modes.iter().enumerate() {
        for (s, &strategy) in strategies.iter().enumerate() {
            for dict_len in [0, 100, 70_000] {
                let dictionary = rng.bytes(dict_len);
                let len = if mode == (Mode::High { level: 12 }) {
                    150_000
                } else {
                    400_000
                };
                let data = data(&mut rng, &dictionary, len);
                let page = [65_536, 10_000, 4096][(k + s) % 3];
                let opts = StreamOptions::new()
                    .page_size(page)
                    .strategy(strategy)
                    .dictionary(dictionary)
                    .mode(mode);
                for (split, flushes) in [(false, false), (true, false), (true, true)] {
                    let ops = ops(&mut rng, data.len(), split, flushes);
                    let mut first: Option<Vec<u8>> = None;
                    for n in 2..=8 {
                        cases += 1;
                        let opts = opts.clone().threads(n);
                        let stream = compress(&opts, &data, &ops);
                        let what = format!(
                            "{mode:?}, {strategy:?}, page {page}, dictionary {dict_len}, split \
                             {split}, flushes {flushes}, threads {n}"
                        );
                        match &first {
                            None => {
                                failures.extend(check_decodes(&opts, &data, &stream, &what));
                                first = Some(stream);
                            }
                            Some(first) if *first != stream => {
                                failures.push(format!("{what}: not the stream of threads(2)"))
                            }
                            Some(_) => {}
                        }
                    }
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {cases} cases failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn the_stream_does_not_depend_on_write_splits() {
    let mut rng = Rng::new(11);
    for mode in [Mode::Fast { acceleration: 1 }, Mode::High { level: 5 }] {
        let data = data(&mut rng, &[], 300_000);
        let opts = StreamOptions::new().page_size(8192).mode(mode).threads(3);
        let whole = compress(&opts, &data, &[Op::Write(data.len())]);
        for _ in 0..5 {
            let ops = ops(&mut rng, data.len(), true, false);
            assert!(compress(&opts, &data, &ops) == whole, "{mode:?}");
        }
        assert!(check_decodes(&opts, &data, &whole, "splits").is_none());
    }
}

#[test]
fn threads_zero_is_refused() {
    let opts = StreamOptions::new().threads(0);
    let err = opts.validate().unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
    assert_eq!(err.reason(), &Reason::Threads);
    let err = Lz4StreamWriter::with_options(Vec::new(), &opts).unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
    let inner = err.get_ref().unwrap().downcast_ref::<lz4_stream::Error>();
    assert_eq!(inner.unwrap().reason(), &Reason::Threads);
    assert!(err.to_string().contains("threads(0)"), "{err}");
    // Readers and the one-chunk compressor do not compress on threads, but refuse an invalid
    // count all the same (issue 11: invalid options are refused by every constructor).
    let err = Lz4StreamReader::with_options(&[][..], &opts).unwrap_err();
    let inner = err.get_ref().unwrap().downcast_ref::<lz4_stream::Error>();
    assert_eq!(inner.unwrap().reason(), &Reason::Threads);
    assert_eq!(
        Compressor::new(&opts).unwrap_err().reason(),
        &Reason::Threads
    );
    assert!(Compressor::new(&StreamOptions::new().threads(4)).is_ok());
    assert!(Lz4StreamReader::with_options(&[][..], &StreamOptions::new().threads(4)).is_ok());
}

#[test]
fn out_of_band_sizes_with_threads() {
    let mut rng = Rng::new(12);
    let data = data(&mut rng, &[], 200_000);
    let opts = StreamOptions::new()
        .page_size(3000)
        .size_prefix(SizePrefix::OutOfBand);
    let serial = {
        let mut writer = Lz4StreamWriter::with_options(Vec::new(), &opts).unwrap();
        writer.write_all(&data).unwrap();
        writer.try_finish().unwrap();
        writer.take_block_sizes().len()
    };
    let mut writer = Lz4StreamWriter::with_options(Vec::new(), &opts.clone().threads(4)).unwrap();
    writer.write_all(&data[..100_000]).unwrap();
    writer.flush().unwrap();
    let mut sizes = writer.take_block_sizes();
    writer.write_all(&data[100_000..]).unwrap();
    writer.try_finish().unwrap();
    sizes.extend(writer.take_block_sizes());
    let stream = writer.finish().unwrap();
    assert_eq!(sizes.iter().sum::<usize>(), stream.len());
    assert_eq!(
        sizes.len(),
        serial + 1,
        "one more block: the flush cut a page"
    );
    let mut decoded = Vec::new();
    Lz4StreamReader::with_block_sizes(&stream[..], &opts, sizes)
        .unwrap()
        .read_to_end(&mut decoded)
        .unwrap();
    assert!(decoded == data);
}
