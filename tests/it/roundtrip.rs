//! Round-trip properties: whatever the data, the options and the way the caller splits its
//! calls, what goes into a writer comes out of a reader; the writer's stream does not depend on
//! how writes are split; the reader's output does not depend on how reads are split or how the
//! inner reader splits its input; the sans-IO pair agrees with the adapters; and each block
//! references only the history its strategy allows (checked by strict decoders that keep
//! nothing more).
//!
//! Case counts are modest so this runs in seconds in debug mode; `QUICKCHECK_TESTS=n` runs more.

use std::fmt;
use std::io::{BufRead, Read, Write};

use crate::common::*;
use lz4_flex::block::{decompress_into, decompress_into_with_dict};
use lz4_stream::{
    compress_bound, split_record, Compressor, Decompressor, Lz4StreamWriter, Record, SizePrefix,
    Strategy, StreamOptions, WINDOW_SIZE,
};
use quickcheck::{Arbitrary, Gen};

/// Panics unless `got == want`, naming the first difference (not the whole buffers).
fn assert_same(got: &[u8], want: &[u8], what: &str) {
    if got != want {
        let at = got
            .iter()
            .zip(want)
            .position(|(a, b)| a != b)
            .unwrap_or(got.len().min(want.len()));
        panic!(
            "{what}: got {} bytes, want {}; first difference at {at}",
            got.len(),
            want.len()
        );
    }
}

/// A case and a sequence of writer calls over its data.
#[derive(Clone)]
struct Written {
    case: Case,
    ops: Vec<Op>,
}

impl fmt::Debug for Written {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let flushes = self.ops.iter().filter(|op| **op == Op::Flush).count();
        write!(
            f,
            "{:?} with {} ops ({flushes} flushes)",
            self.case,
            self.ops.len()
        )?;
        if self.ops.len() <= 20 {
            write!(f, ": {:?}", self.ops)?;
        }
        Ok(())
    }
}

impl Written {
    fn generate(g: &mut Gen, case: Case, flushes: bool) -> Written {
        let ops = gen_ops(g, case.data.len(), case.opts.get_page_size(), flushes);
        Written { case, ops }
    }

    /// Runs the ops on a writer into a `Vec`; returns the stream and the out-of-band sizes.
    fn run(&self) -> (Vec<u8>, Vec<usize>) {
        let mut writer = Lz4StreamWriter::with_options(Vec::new(), &self.case.opts).unwrap();
        run_ops(&mut writer, &self.case.data, &self.ops);
        let sizes = writer.take_block_sizes();
        (writer.finish().unwrap(), sizes)
    }
}

/// Writes split anyhow, without flushes.
#[derive(Clone, Debug)]
struct SplitWrites(Written);

impl Arbitrary for SplitWrites {
    fn arbitrary(g: &mut Gen) -> Self {
        let case = Case::arbitrary(g);
        SplitWrites(Written::generate(g, case, false))
    }
}

/// Writes split anyhow, with flushes.
#[derive(Clone, Debug)]
struct FlushedWrites(Written);

impl Arbitrary for FlushedWrites {
    fn arbitrary(g: &mut Gen) -> Self {
        let case = Case::arbitrary(g);
        FlushedWrites(Written::generate(g, case, true))
    }
}

/// Decodes the blocks of a stream one by one with a `Decompressor`; returns each block's bytes.
fn decode_blocks(opts: &StreamOptions, blocks: &[&[u8]]) -> Vec<Vec<u8>> {
    let mut decompressor = Decompressor::new(opts).unwrap();
    let mut all = opts.get_dictionary().to_vec();
    let mut out = Vec::new();
    for (i, block) in blocks.iter().enumerate() {
        let bytes = decompressor
            .decompress(block)
            .unwrap_or_else(|err| panic!("block {i}: {err}"))
            .to_vec();
        all.extend_from_slice(&bytes);
        // The history the decompressor keeps is the last 64 KiB of dictionary and stream.
        let history = decompressor.history();
        assert_eq!(history.len(), all.len().min(WINDOW_SIZE));
        assert_same(history, &all[all.len() - history.len()..], "history");
        out.push(bytes);
    }
    assert_eq!(decompressor.blocks(), blocks.len() as u64);
    out
}

/// Checks the framing of a writer's stream: blocks of the expected decoded lengths, each within
/// `compress_bound(page)`, out-of-band sizes that match, the end marker iff configured. Returns
/// the decoded bytes.
fn check_structure(
    opts: &StreamOptions,
    stream: &[u8],
    sizes: &[usize],
    lengths: &[usize],
) -> Vec<u8> {
    let out_of_band = opts.get_size_prefix() == SizePrefix::OutOfBand;
    if out_of_band {
        assert_eq!(sizes.iter().sum::<usize>(), stream.len());
    } else {
        assert!(sizes.is_empty(), "block sizes only out of band");
    }
    let (blocks, end_marker) = blocks_of(opts, stream, sizes);
    assert_eq!(end_marker, opts.get_end_marker(), "end marker");
    for block in &blocks {
        assert!(!block.is_empty() && block.len() <= compress_bound(opts.get_page_size()));
    }
    let decoded = decode_blocks(opts, &blocks);
    let got: Vec<usize> = decoded.iter().map(Vec::len).collect();
    assert_eq!(got, lengths, "decoded block lengths");
    decoded.concat()
}

/// Round trip through `write_all` and `read_to_end`, for every kind of options, with the
/// stream's structure checked: full pages, then the rest.
#[test]
fn round_trip() {
    fn prop(case: Case) -> bool {
        let (stream, sizes) = compress(&case.opts, &case.data);
        let page = case.opts.get_page_size();
        let lengths = expected_block_lengths(&[Op::Write(case.data.len())], page);
        let blocks = check_structure(&case.opts, &stream, &sizes, &lengths);
        assert_same(&blocks, &case.data, "blocks decoded one by one");
        let out = decompress(&case.opts, &stream, &sizes).unwrap();
        assert_same(&out, &case.data, "read_to_end");
        true
    }
    qc(60).quickcheck(prop as fn(Case) -> bool);
}

/// The stream does not depend on how the writes are split (0-length writes included), and it is
/// exactly what the sans-IO `Compressor` makes of page-sized chunks (with `threads(n)`, what
/// `threads(2)` makes); `split_record` and a `Decompressor` decode it.
#[test]
fn writer_output_is_independent_of_write_splits_and_matches_compressor() {
    fn prop(input: SplitWrites) -> bool {
        let Written { case, .. } = &input.0;
        let opts = &case.opts;
        let (split, split_sizes) = input.0.run();
        let (whole, whole_sizes) = compress(opts, &case.data);
        assert_same(&split, &whole, "split writes vs one write_all");
        assert_eq!(split_sizes, whole_sizes);

        let mut compressor = Compressor::new(opts).unwrap();
        let mut sans_io = Vec::new();
        let mut record_sizes = Vec::new();
        for chunk in case.data.chunks(opts.get_page_size()) {
            let before = sans_io.len();
            let n = compressor.compress(chunk, &mut sans_io).unwrap();
            assert_eq!(n, sans_io.len() - before);
            record_sizes.push(n);
        }
        assert_eq!(compressor.blocks(), record_sizes.len() as u64);
        if opts.get_end_marker() {
            sans_io.resize(sans_io.len() + opts.get_size_prefix().width(), 0);
        }
        if opts.get_threads() == 1 {
            assert_same(&split, &sans_io, "writer vs Compressor");
            if opts.get_size_prefix() == SizePrefix::OutOfBand {
                assert_eq!(split_sizes, record_sizes);
            }
        } else {
            // With threads the stream is the pool's (tables loaded per job, not kept across
            // every block), the same for every n >= 2.
            let (other, other_sizes) = compress(&opts.clone().threads(2), &case.data);
            assert_same(&split, &other, "threads(n) vs threads(2)");
            assert_eq!(split_sizes, other_sizes);
        }

        // Decode the Compressor's output with split_record (or the sizes) and a Decompressor.
        let mut decompressor = Decompressor::new(opts).unwrap();
        let mut out = Vec::new();
        if opts.get_size_prefix() == SizePrefix::OutOfBand {
            let mut rest = &sans_io[..];
            for size in record_sizes {
                let (block, after) = rest.split_at(size);
                out.extend_from_slice(decompressor.decompress(block).unwrap());
                rest = after;
            }
        } else {
            let mut rest = &sans_io[..];
            while !rest.is_empty() {
                let (record, after) =
                    split_record(rest, opts.get_size_prefix(), opts.get_page_size()).unwrap();
                match record {
                    Record::Block(block) => {
                        out.extend_from_slice(decompressor.decompress(block).unwrap())
                    }
                    Record::End => assert!(after.is_empty() && opts.get_end_marker()),
                }
                rest = after;
            }
        }
        assert_same(&out, &case.data, "split_record + Decompressor");
        true
    }
    qc(40).quickcheck(prop as fn(SplitWrites) -> bool);
}

/// With flushes among the writes: every flush ends the partial page as a block, and what was
/// written before a flush decodes from the output at once; the whole stream round-trips.
#[test]
fn flushes_emit_decodable_blocks_and_round_trip() {
    fn prop(input: FlushedWrites) -> bool {
        let Written { case, ops } = &input.0;
        let opts = &case.opts;
        let mut writer = Lz4StreamWriter::with_options(Vec::new(), opts).unwrap();
        let mut sizes = Vec::new();
        // What the output decoded to at the latest flush, and where it stood.
        let mut decompressor = Decompressor::new(opts).unwrap();
        let mut decoded = Vec::new();
        let mut decoded_upto = 0;
        let mut at = 0;
        for op in ops {
            match *op {
                Op::Write(n) => {
                    writer.write_all(&case.data[at..at + n]).unwrap();
                    at += n;
                }
                Op::Flush => {
                    writer.flush().unwrap();
                    // The new output is whole records holding everything written since the
                    // previous flush.
                    let new_sizes = writer.take_block_sizes();
                    let mut rest = &writer.get_ref()[decoded_upto..];
                    if opts.get_size_prefix() == SizePrefix::OutOfBand {
                        for &size in &new_sizes {
                            let (block, after) = rest.split_at(size);
                            decoded.extend_from_slice(decompressor.decompress(block).unwrap());
                            rest = after;
                        }
                        assert!(rest.is_empty());
                    } else {
                        while !rest.is_empty() {
                            let prefix = opts.get_size_prefix();
                            match split_record(rest, prefix, opts.get_page_size()).unwrap() {
                                (Record::Block(block), after) => {
                                    decoded
                                        .extend_from_slice(decompressor.decompress(block).unwrap());
                                    rest = after;
                                }
                                (Record::End, _) => panic!("end marker before finish"),
                            }
                        }
                    }
                    sizes.extend(new_sizes);
                    decoded_upto = writer.get_ref().len();
                    assert_same(&decoded, &case.data[..at], "decoded after a flush");
                }
            }
        }
        writer.try_finish().unwrap();
        sizes.extend(writer.take_block_sizes());
        let stream = writer.finish().unwrap();
        let lengths = expected_block_lengths(ops, opts.get_page_size());
        let blocks = check_structure(opts, &stream, &sizes, &lengths);
        assert_same(&blocks, &case.data, "blocks");
        assert_same(
            &decompress(opts, &stream, &sizes).unwrap(),
            &case.data,
            "read_to_end",
        );
        true
    }
    qc(40).quickcheck(prop as fn(FlushedWrites) -> bool);
}

/// One way of taking bytes out of a `BufRead`.
#[derive(Clone, Copy, Debug)]
enum ReadCall {
    Read(usize),
    FillConsume(usize),
    ReadUntil(u8),
    ReadExact(usize),
}

/// A stream, read back through a reader that returns short reads, with calls of every kind.
#[derive(Clone)]
struct SplitReads {
    case: Case,
    limits: Vec<usize>,
    calls: Vec<ReadCall>,
}

impl fmt::Debug for SplitReads {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:?}, inner reads limited to {:?}, {} read calls (cycled), first {:?}",
            self.case,
            self.limits,
            self.calls.len(),
            &self.calls[..self.calls.len().min(8)]
        )
    }
}

impl Arbitrary for SplitReads {
    fn arbitrary(g: &mut Gen) -> Self {
        let case = Case::arbitrary(g);
        let page = case.opts.get_page_size();
        let calls = (0..between(g, 1, 30))
            .map(|_| {
                let n = match below(g, 4) {
                    0 => below(g, 3),
                    1 => below(g, 64),
                    2 => below(g, page.saturating_mul(2).max(1)),
                    _ => below(g, 200_000),
                }
                .min(200_000);
                match below(g, 4) {
                    0 => ReadCall::Read(n),
                    1 => ReadCall::FillConsume(n),
                    2 => ReadCall::ReadUntil(u8::arbitrary(g)),
                    _ => ReadCall::ReadExact(n),
                }
            })
            .collect();
        SplitReads {
            case,
            limits: gen_limits(g),
            calls,
        }
    }
}

/// The reader's output does not depend on how reads are split (read, fill_buf/consume,
/// read_until, read_exact) nor on how the inner reader splits its input; after the end, reads
/// return nothing and the inner reader is exhausted exactly.
#[test]
fn reader_output_is_independent_of_read_splits() {
    fn prop(input: SplitReads) -> bool {
        let case = &input.case;
        let (stream, sizes) = compress(&case.opts, &case.data);
        let inner = ShortReader::new(&stream[..], input.limits.clone());
        let mut reader = reader(inner, &case.opts, &sizes).unwrap();
        let mut out = Vec::new();
        let mut buf = vec![0; 200_000];
        let mut idle = 0;
        let mut stalled = 0;
        for call in input.calls.iter().cycle() {
            if stalled > input.calls.len() {
                // Every call of the cycle may take 0 bytes: take one to move on.
                let got = reader.read(&mut buf[..1]).unwrap();
                out.extend_from_slice(&buf[..got]);
                stalled = 0;
            }
            let before = out.len();
            let left = case.data.len() - out.len();
            match *call {
                ReadCall::Read(n) => {
                    let got = reader.read(&mut buf[..n]).unwrap();
                    assert!(got <= n);
                    out.extend_from_slice(&buf[..got]);
                }
                ReadCall::FillConsume(n) => {
                    let available = reader.fill_buf().unwrap();
                    assert_eq!(
                        available.is_empty(),
                        left == 0,
                        "fill_buf empty iff at the end"
                    );
                    let n = n.min(available.len());
                    out.extend_from_slice(&available[..n]);
                    reader.consume(n);
                }
                ReadCall::ReadUntil(byte) => {
                    let got = reader.read_until(byte, &mut out).unwrap();
                    assert_eq!(got, out.len() - before);
                    let stop = case.data[before..]
                        .iter()
                        .position(|&b| b == byte)
                        .map_or(left, |i| i + 1);
                    assert_eq!(got, stop, "read_until stops right after the byte");
                }
                ReadCall::ReadExact(n) => {
                    let n = n.min(left);
                    reader.read_exact(&mut buf[..n]).unwrap();
                    out.extend_from_slice(&buf[..n]);
                }
            }
            assert!(out.len() <= case.data.len(), "more bytes than written");
            assert_same(
                &out[before..],
                &case.data[before..out.len()],
                "bytes so far",
            );
            if out.len() == before {
                stalled += 1;
            }
            if out.len() == case.data.len() {
                idle += 1;
                if idle > 3 {
                    break;
                }
            }
        }
        assert_same(&out, &case.data, "all bytes");
        assert_eq!(reader.read(&mut buf).unwrap(), 0);
        assert!(reader.fill_buf().unwrap().is_empty());
        assert!(reader.into_inner().inner.is_empty(), "inner reader drained");
        true
    }
    qc(60).quickcheck(prop as fn(SplitReads) -> bool);
}

/// Decodes `blocks` one by one, each against only the history `history` picks out of everything
/// before it (dictionary, then the blocks decoded so far) given the previous block's length.
fn strict_decode(
    opts: &StreamOptions,
    blocks: &[&[u8]],
    history: impl Fn(&[u8], Option<usize>) -> usize,
) -> Result<Vec<u8>, String> {
    let dictionary = opts.get_dictionary();
    let mut all = dictionary.to_vec();
    let mut page = vec![0; opts.get_page_size()];
    let mut previous = None;
    for (i, block) in blocks.iter().enumerate() {
        let keep = history(&all, previous);
        let dict = &all[all.len() - keep..];
        let decoded = if dict.is_empty() {
            decompress_into(block, &mut page)
        } else {
            decompress_into_with_dict(block, &mut page, dict)
        }
        .map_err(|err| format!("block {i} with {keep} bytes of history: {err}"))?;
        all.extend_from_slice(&page[..decoded]);
        previous = Some(decoded);
    }
    Ok(all.split_off(dictionary.len()))
}

/// Options with the strategy replaced.
fn with_strategy(mut input: Written, strategy: Strategy) -> Written {
    input.case.opts = input.case.opts.strategy(strategy);
    input
}

/// Double buffer: each block decodes with only the previous block as history (the last 64 KiB
/// of the dictionary for block 0), as python-lz4's and liblz4's double-buffer decoders keep.
#[test]
fn double_buffer_blocks_reference_only_the_previous_block() {
    fn prop(input: FlushedWrites) -> bool {
        let input = with_strategy(input.0, Strategy::DoubleBuffer);
        let opts = &input.case.opts;
        let (stream, sizes) = input.run();
        let (blocks, _) = blocks_of(opts, &stream, &sizes);
        let decoded = strict_decode(opts, &blocks, |all, previous| match previous {
            None => all.len().min(WINDOW_SIZE),
            Some(len) => len,
        })
        .unwrap_or_else(|err| panic!("{input:?}: {err}"));
        assert_same(&decoded, &input.case.data, "strict double-buffer decoding");
        true
    }
    qc(40).quickcheck(prop as fn(FlushedWrites) -> bool);
}

/// A ring buffer's window, then writes split anyhow, with flushes.
#[derive(Clone, Debug)]
struct RingWrites(Written, usize);

impl Arbitrary for RingWrites {
    fn arbitrary(g: &mut Gen) -> Self {
        let window = match below(g, 4) {
            0 => below(g, 17),
            1 => below(g, 1025),
            2 => 65_536 - below(g, 2),
            _ => below(g, 65_537),
        };
        let input = FlushedWrites::arbitrary(g).0;
        RingWrites(
            with_strategy(input, Strategy::RingBuffer { window }),
            window,
        )
    }
}

/// Ring buffer with window w: each block decodes with only the last w bytes of the stream
/// before it (dictionary included) as history, however blocks are cut.
#[test]
fn ring_buffer_blocks_reference_only_the_window() {
    fn prop(input: RingWrites) -> bool {
        let RingWrites(input, window) = input;
        let opts = &input.case.opts;
        let (stream, sizes) = input.run();
        let (blocks, _) = blocks_of(opts, &stream, &sizes);
        let decoded = strict_decode(opts, &blocks, |all, _| all.len().min(window))
            .unwrap_or_else(|err| panic!("{input:?}: {err}"));
        assert_same(&decoded, &input.case.data, "strict ring decoding");
        // And the ordinary reader decodes it too.
        let out = decompress(opts, &stream, &sizes).unwrap();
        assert_same(&out, &input.case.data, "read_to_end");
        true
    }
    qc(40).quickcheck(prop as fn(RingWrites) -> bool);
}

/// The history the strategies keep pays off: a stream that repeats an earlier block compresses
/// to references, with the double buffer when the repeat is in the previous block, with a ring
/// when it is within the window, and not when the window is shorter than the distance.
#[test]
fn history_is_used_across_blocks() {
    // Incompressible noise (xorshift).
    let mut state = 0x9E37_79B9_7F4A_7C15_u64;
    let noise: Vec<u8> = (0..4096)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 32) as u8
        })
        .collect();
    let mut data = noise.clone();
    data.extend_from_slice(&noise);
    let sizes = |strategy| {
        let opts = StreamOptions::new()
            .page_size(4096)
            .size_prefix(SizePrefix::OutOfBand)
            .strategy(strategy);
        let (stream, sizes) = compress(&opts, &data);
        assert_eq!(decompress(&opts, &stream, &sizes).unwrap(), data);
        sizes
    };
    // The first block is incompressible; the second repeats it: a few bytes with the history.
    for strategy in [
        Strategy::DoubleBuffer,
        Strategy::RingBuffer { window: 4096 },
        Strategy::RingBuffer { window: 65_536 },
    ] {
        let sizes = sizes(strategy);
        assert!(sizes[0] > 4096 && sizes[1] < 64, "{strategy:?}: {sizes:?}");
    }
    // Without history, the repeat is noise again.
    let sizes_0 = sizes(Strategy::RingBuffer { window: 0 });
    assert!(sizes_0[1] > 4096, "window 0: {sizes_0:?}");
    // With half a block of history, only the second half of the repeat finds its match.
    let half = sizes(Strategy::RingBuffer { window: 2048 });
    assert!(half[1] > 2048 && half[1] < 2300, "window 2048: {half:?}");
}
