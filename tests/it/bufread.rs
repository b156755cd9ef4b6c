//! `Lz4StreamBufReader`, the reader over a `BufRead` that decodes blocks straight from the inner
//! reader's buffer: round trips over inner buffers of every capacity (1, 3 and 7 bytes, so that
//! records straddle the buffer's end, up to buffers holding the whole stream), reads split any
//! way, faults injected at every position, streams embedded in other bytes (the inner reader's
//! buffer plus what follows it are exactly the bytes after the stream), and errors: the same
//! ones, at the same calls, with the same blocks and offsets, as `Lz4StreamReader` (the copying
//! reader) over the same bytes, with the inner reader left at the same position.

use std::io::{self, BufRead, BufReader, Cursor, ErrorKind, Read};

use crate::common::*;
use lz4_stream::{
    split_record, Lz4StreamBufReader, Lz4StreamReader, Reason, SizePrefix, StreamOptions,
};
use quickcheck::{Arbitrary, Gen};

/// A buffered reader for `inner` with `opts`, given `sizes` when the prefix is out of band.
fn buf_reader<R: BufRead>(
    inner: R,
    opts: &StreamOptions,
    sizes: &[usize],
) -> io::Result<Lz4StreamBufReader<R>> {
    if opts.get_size_prefix() == SizePrefix::OutOfBand {
        Lz4StreamBufReader::with_block_sizes(inner, opts, sizes.to_vec())
    } else {
        Lz4StreamBufReader::with_options(inner, opts)
    }
}

/// The capacities of the inner `BufReader`s: tiny ones (records straddle their end), and one
/// above any record here.
const CAPACITIES: [usize; 5] = [1, 3, 7, 64, 1 << 20];

// ---------------------------------------------------------------------------------------------
// Round trips and read splits.

/// A case, an inner buffer capacity, and how the inner reader and our reader are read.
#[derive(Clone, Debug)]
struct SplitReads {
    case: Case,
    capacity: usize,
    limits: Vec<usize>,
    reads: Vec<usize>,
}

impl Arbitrary for SplitReads {
    fn arbitrary(g: &mut Gen) -> Self {
        let mut case = Case::arbitrary(g);
        let capacity = match below(g, 6) {
            0 => 1,
            1 => 3,
            2 => 7,
            3 => between(g, 8, 5000),
            _ => between(g, 5000, 1 << 20),
        };
        if capacity < 8 {
            // Tiny buffers cost a call per byte or so: keep those streams short.
            case.data.truncate(20_000);
        }
        let page = case.opts.get_page_size();
        let reads = gen_splits(g, case.data.len(), page);
        SplitReads {
            limits: gen_limits(g),
            reads,
            capacity,
            case,
        }
    }
}

/// Reads `reader` to its end with `read` calls of the sizes in `reads` (cycling; size 0 means
/// a `fill_buf`/`consume` of up to 100 bytes instead), and checks the end stays the end.
fn read_split<T: BufRead>(reader: &mut T, reads: &[usize]) -> io::Result<Vec<u8>> {
    let mut out = Vec::new();
    let mut buf = Vec::new();
    for call in 0.. {
        let size = reads
            .get(call % reads.len().max(1))
            .copied()
            .unwrap_or(1000);
        let n = if size == 0 {
            let available = reader.fill_buf()?;
            let n = available.len().min(100);
            out.extend_from_slice(&available[..n]);
            reader.consume(n);
            n
        } else {
            buf.resize(size, 0);
            let n = reader.read(&mut buf)?;
            out.extend_from_slice(&buf[..n]);
            n
        };
        if n == 0 {
            break;
        }
    }
    assert_eq!(reader.read(&mut [0; 16])?, 0, "the end stays the end");
    Ok(out)
}

/// Any stream, read through an inner `BufReader` of any capacity over a reader returning short
/// counts, with reads of any size (whole pages and more: the direct decode into the caller's
/// buffer) and `fill_buf`: exactly the data, and the inner reader read to its end.
#[test]
fn reads_split_any_way_over_any_buffer() {
    fn prop(input: SplitReads) -> bool {
        let SplitReads {
            case,
            capacity,
            limits,
            reads,
        } = input;
        let (stream, sizes) = compress(&case.opts, &case.data);
        let inner = BufReader::with_capacity(capacity, ShortReader::new(&stream[..], limits));
        let mut reader = buf_reader(inner, &case.opts, &sizes).unwrap();
        let out = read_split(&mut reader, &reads).unwrap();
        let inner = reader.into_inner();
        out == case.data && inner.buffer().is_empty() && inner.into_inner().inner.is_empty()
    }
    qc(60).quickcheck(prop as fn(SplitReads) -> bool);
}

/// `read_to_end` over a byte slice (the whole stream in the inner buffer) and over `BufReader`s
/// of tiny capacities, for the generated cases of the other round trips.
#[test]
fn round_trip_over_slices_and_tiny_buffers() {
    fn prop(case: Case) -> bool {
        let (stream, sizes) = compress(&case.opts, &case.data);
        let mut out = Vec::new();
        buf_reader(&stream[..], &case.opts, &sizes)
            .unwrap()
            .read_to_end(&mut out)
            .unwrap();
        if out != case.data {
            return false;
        }
        let short = &stream[..stream.len().min(30_000)];
        let expected = decompress_prefix(&case.opts, short, &sizes);
        [1, 3, 7].iter().all(|&capacity| {
            let inner = BufReader::with_capacity(capacity, short);
            outcomes(buf_reader(inner, &case.opts, &sizes).unwrap(), &[1 << 16]).0 == expected
        })
    }
    qc(40).quickcheck(prop as fn(Case) -> bool);
}

/// The outcomes of the copying reader over `stream` (which may be cut short), read in 64 KiB
/// calls: the reference for the buffered reader.
fn decompress_prefix(opts: &StreamOptions, stream: &[u8], sizes: &[usize]) -> Vec<Outcome> {
    outcomes(reader(stream, opts, sizes).unwrap(), &[1 << 16]).0
}

// ---------------------------------------------------------------------------------------------
// The copying reader as the reference: outcomes call by call.

/// What one call of a reader gave.
#[derive(Debug, PartialEq)]
enum Outcome {
    /// Bytes (none: the end).
    Bytes(Vec<u8>),
    /// The crate's error.
    Lz4(lz4_stream::Error),
    /// Another error (the inner reader's), by kind and message.
    Io(ErrorKind, String),
}

/// Reads `reader` with `read` calls of the sizes in `reads` (cycling), recording what each call
/// gives, until it has given the end twice in a row or errors three times in a row (or 100,000
/// calls); returns the outcomes and the reader.
fn outcomes<T: Read>(mut reader: T, reads: &[usize]) -> (Vec<Outcome>, T) {
    let mut seen = Vec::new();
    let (mut ends, mut errors) = (0, 0);
    let mut buf = Vec::new();
    for call in 0..100_000 {
        buf.resize(reads[call % reads.len()], 0);
        let outcome = match reader.read(&mut buf) {
            Ok(n) => Outcome::Bytes(buf[..n].to_vec()),
            Err(err) => match err
                .get_ref()
                .and_then(|e| e.downcast_ref::<lz4_stream::Error>())
            {
                Some(lz4) => {
                    assert_eq!(err.kind(), lz4.kind());
                    Outcome::Lz4(lz4.clone())
                }
                None => Outcome::Io(err.kind(), err.to_string()),
            },
        };
        (ends, errors) = match &outcome {
            Outcome::Bytes(bytes) if bytes.is_empty() => (ends + 1, 0),
            Outcome::Bytes(_) => (0, 0),
            _ => (0, errors + 1),
        };
        seen.push(outcome);
        if ends == 2 || errors == 3 {
            break;
        }
    }
    (seen, reader)
}

/// A stream, mangled: bytes overwritten, a size prefix made huge or zero, or cut short.
#[derive(Clone, Debug)]
struct Mangled {
    case: Case,
    edits: Vec<(usize, u8)>,
    cut: Option<usize>,
    capacity: usize,
    reads: Vec<usize>,
}

impl Arbitrary for Mangled {
    fn arbitrary(g: &mut Gen) -> Self {
        let mut case = Case::arbitrary(g);
        case.data.truncate(50_000);
        let edits = (0..between(g, 0, 4))
            .map(|_| (usize::arbitrary(g), *g.choose(&[0, 0xFF, 0x7F, 1]).unwrap()))
            .collect();
        let cut = if chance(g, 40) {
            Some(usize::arbitrary(g))
        } else {
            None
        };
        let capacity = *g.choose(&[1, 3, 7, 100, 5000, 1 << 20]).unwrap();
        let reads = (0..between(g, 1, 4))
            .map(|_| *g.choose(&[1, 17, 1000, 70_000, 1 << 20]).unwrap())
            .collect();
        Mangled {
            case,
            edits,
            cut,
            capacity,
            reads,
        }
    }
}

/// Mangled streams: the buffered reader gives what the copying reader gives, call by call (the
/// same bytes, the same errors with the same reasons, blocks and offsets, sticky where they are
/// sticky), and both leave their inner readers at the same position.
#[test]
fn mangled_streams_read_as_the_copying_reader_reads_them() {
    fn prop(input: Mangled) -> bool {
        let Mangled {
            case,
            edits,
            cut,
            capacity,
            reads,
        } = input;
        let (mut stream, sizes) = compress(&case.opts, &case.data);
        if !stream.is_empty() {
            for (at, byte) in edits {
                let at = at % stream.len();
                stream[at] = byte;
            }
        }
        if let Some(cut) = cut {
            stream.truncate(cut % (stream.len() + 1));
        }
        let mut copying_inner = &stream[..];
        let (expected, _) = outcomes(
            reader(&mut copying_inner, &case.opts, &sizes).unwrap(),
            &reads,
        );
        let inner = BufReader::with_capacity(capacity, &stream[..]);
        let (got, reader) = outcomes(buf_reader(inner, &case.opts, &sizes).unwrap(), &reads);
        let inner = reader.into_inner();
        let left = inner.buffer().len() + inner.get_ref().len();
        if got != expected || left != copying_inner.len() {
            eprintln!("{case:?} capacity {capacity}: {got:?} != {expected:?}");
            return false;
        }
        true
    }
    qc(150).quickcheck(prop as fn(Mangled) -> bool);
}

// ---------------------------------------------------------------------------------------------
// Faults of the inner reader.

/// The error kinds injected: all retried.
const KINDS: [ErrorKind; 3] = [
    ErrorKind::Interrupted,
    ErrorKind::WouldBlock,
    ErrorKind::Other,
];

/// For each kind of error at each call and each byte of the input, under inner buffers of
/// every capacity: retried reads give exactly the data, each fault surfaces once, and the
/// input is read to its end, no further.
#[test]
fn faults_at_every_position_lose_nothing() {
    let data = sample_data();
    for opts in all_options() {
        let (stream, sizes) = compress(&opts, &data);
        for capacity in [1, 3, 7, 1000] {
            for max_read in [usize::MAX, 2] {
                let inner = FaultyReader::new(&stream, None, ErrorKind::Other, max_read);
                let inner = BufReader::with_capacity(capacity, inner);
                let mut clean = buf_reader(inner, &opts, &sizes).unwrap();
                assert_eq!(
                    read_retrying(&mut clean, ErrorKind::Other),
                    (data.clone(), 0)
                );
                let calls = clean.get_ref().get_ref().calls;
                let faults = (0..calls)
                    .map(Fault::AtCall)
                    .chain((0..=stream.len()).map(Fault::AtByte));
                for fault in faults {
                    for kind in KINDS {
                        let inner = FaultyReader::new(&stream, Some(fault), kind, max_read);
                        let inner = BufReader::with_capacity(capacity, inner);
                        let mut r = buf_reader(inner, &opts, &sizes).unwrap();
                        let (out, errors) = read_retrying(&mut r, kind);
                        let what = format!(
                            "{} {fault:?} {kind:?} capacity {capacity} max {max_read}",
                            describe(&opts)
                        );
                        assert!(out == data, "{what}: data differs");
                        // The input's end is read only when it is the stream's end.
                        let reads_at_end = opts.get_size_prefix() != SizePrefix::OutOfBand
                            && !opts.get_end_marker();
                        let expected = match fault {
                            Fault::AtByte(k) if k == stream.len() && !reads_at_end => 0,
                            _ => 1,
                        };
                        let inner = r.into_inner();
                        assert_eq!(inner.get_ref().failures, expected, "{what}");
                        // Each fault surfaces once, but `Interrupted` and `WouldBlock` ("not now") met in a
                        // large read after it served bytes are dropped: the next call asks again.
                        assert!(
                            errors == expected || (errors < expected && is_transient(kind)),
                            "{what}: {errors} errors"
                        );
                        assert!(inner.buffer().is_empty(), "{what}");
                        assert!(inner.get_ref().rest().is_empty(), "{what}");
                    }
                }
            }
        }
    }
}

/// An end of input inside a record (the input is cut, then goes on: a growing file) is
/// `UnexpectedEof` with the truncation's reason, and reading on after it resumes where it
/// stopped, losing nothing; at a record boundary it ends the stream, or is a missing end
/// marker. Every case as the copying reader sees it.
#[test]
fn unexpected_eof_resumes() {
    let data = sample_data();
    for opts in all_options() {
        let (stream, sizes) = compress(&opts, &data);
        let ends = record_ends(&opts, &stream, &sizes);
        for capacity in [1, 3, 7, 1000] {
            for k in 0..stream.len() {
                let fault = Some(Fault::AtByte(k));
                let what = format!("{} cut at {k}, capacity {capacity}", describe(&opts));
                let inner = FaultyReader::new(&stream, fault, ErrorKind::UnexpectedEof, 1000);
                let copying = reader(inner, &opts, &sizes).unwrap();
                let (expected, _) = outcomes(copying, &[1000]);
                let inner = FaultyReader::new(&stream, fault, ErrorKind::UnexpectedEof, 1000);
                let inner = BufReader::with_capacity(capacity, inner);
                let mut r = buf_reader(inner, &opts, &sizes).unwrap();
                let mut out = Vec::new();
                let mut buf = [0; 1000];
                let err = loop {
                    match r.read(&mut buf) {
                        Ok(0) => break None,
                        Ok(n) => out.extend_from_slice(&buf[..n]),
                        Err(err) => break Some(err),
                    }
                };
                let at_boundary = k == 0 || ends.contains(&k);
                match err {
                    None => {
                        // A boundary, no end marker required: the stream ends there.
                        assert!(at_boundary && !opts.get_end_marker(), "{what}");
                        assert!(opts.get_size_prefix() != SizePrefix::OutOfBand, "{what}");
                        assert!(data.starts_with(&out), "{what}");
                        continue;
                    }
                    Some(err) => {
                        assert_eq!(err.kind(), ErrorKind::UnexpectedEof, "{what}");
                        let reason = reason(&err);
                        match reason {
                            Reason::MissingEndMarker => assert!(at_boundary, "{what}"),
                            Reason::TruncatedPrefix { .. } | Reason::TruncatedBlock { .. } => {
                                assert!(
                                    !at_boundary || opts.get_size_prefix() == SizePrefix::OutOfBand,
                                    "{what}"
                                )
                            }
                            other => panic!("{what}: {other:?}"),
                        }
                        assert_eq!(
                            Some(&Outcome::Lz4(lz4_error(&err).clone())),
                            expected.iter().find(|o| !matches!(o, Outcome::Bytes(_))),
                            "{what}"
                        );
                    }
                }
                r.read_to_end(&mut out).unwrap();
                assert!(out == data, "{what}: data differs");
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Embedding: never consume past the stream.

/// A stream followed by other bytes, through inner buffers of every capacity over readers
/// returning short counts: at every point the reader has consumed whole records, never more;
/// after the stream, the inner reader's buffered bytes and the rest of its input are exactly
/// the bytes after the stream.
#[test]
fn consumes_exactly_the_stream() {
    let data = sample_data();
    let trailer = b"\x00\x01 whatever follows \xff\xff\xff\xff";
    for base in all_options() {
        for opts in [base.clone().end_marker(false), marked(&base)] {
            let (stream, sizes) = compress(&opts, &data);
            let ends = record_ends(&opts, &stream, &sizes);
            let bytes = [&stream[..], trailer].concat();
            for capacity in CAPACITIES {
                for limits in [vec![usize::MAX / 2], vec![1], vec![3, 1, 100]] {
                    let what = format!("{} capacity {capacity} limits {limits:?}", describe(&opts));
                    let inner = ShortReader::new(Cursor::new(&bytes), limits.clone());
                    let inner = BufReader::with_capacity(capacity, inner);
                    let mut r = buf_reader(inner, &opts, &sizes).unwrap();
                    let consumed =
                        |r: &Lz4StreamBufReader<BufReader<ShortReader<Cursor<&Vec<u8>>>>>| {
                            let inner = r.get_ref();
                            inner.get_ref().inner.position() as usize - inner.buffer().len()
                        };
                    let mut out = Vec::new();
                    while out.len() < data.len() {
                        let buf = r.fill_buf().unwrap();
                        assert!(!buf.is_empty());
                        let n = buf.len().min(33);
                        out.extend_from_slice(&buf[..n]);
                        r.consume(n);
                        let pos = consumed(&r);
                        assert!(ends.contains(&pos), "{what}: consumed up to {pos}");
                    }
                    assert_eq!(out, data);
                    if opts.get_end_marker() || opts.get_size_prefix() == SizePrefix::OutOfBand {
                        // The stream says where it ends: reading on finds the end.
                        assert_eq!(r.read(&mut [0; 10]).unwrap(), 0, "{what}");
                        assert_eq!(r.read(&mut [0; 10]).unwrap(), 0, "{what}");
                    }
                    assert_eq!(consumed(&r), stream.len(), "{what}");
                    let mut inner = r.into_inner();
                    let mut rest = Vec::new();
                    inner.read_to_end(&mut rest).unwrap();
                    assert_eq!(rest, trailer, "{what}");
                }
            }
        }
    }
}

/// Two streams back to back, read by two buffered readers in turn over one `BufReader` (so the
/// first leaves bytes of the second in its buffer), then whatever follows: each reader serves
/// its own stream, with large reads too.
#[test]
fn streams_back_to_back_through_one_buffer() {
    let first = sample_data();
    let second: Vec<u8> = first.iter().rev().copied().collect();
    let trailer = b"trailing bytes";
    for base in all_options() {
        let one = marked(&base);
        let two = marked(&base).dictionary(first[first.len() - 50..].to_vec());
        let (stream_one, sizes_one) = compress(&one, &first);
        let (stream_two, sizes_two) = compress(&two, &second);
        let bytes = [&stream_one[..], &stream_two[..], trailer].concat();
        for capacity in CAPACITIES {
            for reads in [[1 << 16], [5]] {
                let mut input = BufReader::with_capacity(capacity, &bytes[..]);
                let mut r = buf_reader(&mut input, &one, &sizes_one).unwrap();
                assert_eq!(read_split(&mut r, &reads).unwrap(), first);
                let mut r = buf_reader(&mut input, &two, &sizes_two).unwrap();
                assert_eq!(read_split(&mut r, &reads).unwrap(), second);
                let mut rest = Vec::new();
                input.read_to_end(&mut rest).unwrap();
                assert_eq!(rest, trailer, "{} capacity {capacity}", describe(&base));
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The fast path, and errors on it.

/// A `BufRead` over a byte slice that counts the calls of `read`, `fill_buf` and `consume`,
/// and holds at most `capacity` bytes at a time.
struct Counting<'a> {
    data: &'a [u8],
    capacity: usize,
    reads: usize,
    fills: usize,
    consumes: usize,
}

impl Read for Counting<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.reads += 1;
        let n = buf.len().min(self.capacity).min(self.data.len());
        buf[..n].copy_from_slice(&self.data[..n]);
        self.data = &self.data[n..];
        Ok(n)
    }
}

impl BufRead for Counting<'_> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        self.fills += 1;
        Ok(&self.data[..self.data.len().min(self.capacity)])
    }

    fn consume(&mut self, amt: usize) {
        self.consumes += 1;
        self.data = &self.data[amt..];
    }
}

/// Records held whole by the inner buffer are decoded where they lie (one `consume` each), with
/// `read` into small and large buffers and `fill_buf`; records that straddle its end are copied
/// out of it piece by piece; the inner reader is never `read`.
#[test]
fn whole_records_are_borrowed_not_read() {
    let data = sample_data();
    for opts in all_options() {
        let (stream, sizes) = compress(&opts, &data);
        let records = match opts.get_size_prefix() {
            SizePrefix::OutOfBand => sizes.len(),
            prefix => count_records(&stream, prefix, opts.get_page_size()),
        };
        for reads in [vec![1 << 16], vec![7], vec![0, 1000]] {
            let inner = Counting {
                data: &stream,
                capacity: usize::MAX,
                reads: 0,
                fills: 0,
                consumes: 0,
            };
            let mut r = buf_reader(inner, &opts, &sizes).unwrap();
            assert_eq!(read_split(&mut r, &reads).unwrap(), data);
            let inner = r.into_inner();
            assert_eq!(inner.reads, 0, "{}", describe(&opts));
            assert_eq!(inner.consumes, records, "{}", describe(&opts));
            assert!(inner.fills > 0);

            let inner = Counting {
                data: &stream,
                capacity: 3,
                reads: 0,
                fills: 0,
                consumes: 0,
            };
            let mut r = buf_reader(inner, &opts, &sizes).unwrap();
            assert_eq!(read_split(&mut r, &reads).unwrap(), data);
            assert_eq!(r.get_ref().reads, 0, "{}", describe(&opts));
            assert!(r.get_ref().consumes > records, "{}", describe(&opts));
        }
    }
}

/// The number of records of a prefixed stream, its end marker included.
fn count_records(mut stream: &[u8], prefix: SizePrefix, page_size: usize) -> usize {
    let mut records = 0;
    while !stream.is_empty() {
        let (_, rest) = split_record(stream, prefix, page_size).unwrap();
        stream = rest;
        records += 1;
    }
    records
}

/// Errors the fast path meets (the whole record in the buffer), with their kind, reason, block
/// and offset; corrupt data is sticky; the inner reader is left where the copying reader leaves
/// it (after the corrupt record; after the prefix announcing too large a block).
#[test]
fn errors_on_the_fast_path() {
    let data = sample_data();
    let opts = StreamOptions::new().page_size(100);
    let (stream, _) = compress(&opts, &data);
    let ends = record_ends(&opts, &stream, &[]);
    assert!(ends.len() > 4);
    let at = ends[2]; // the record of block 3

    // A block that does not decode.
    let mut corrupt = stream.clone();
    corrupt[at + 4..ends[3]].fill(0xFF);
    let mut input = &corrupt[..];
    let mut r = Lz4StreamBufReader::with_options(&mut input, &opts).unwrap();
    let mut out = vec![0; 1 << 16];
    let n = r.read(&mut out).unwrap();
    assert_eq!(&out[..n], &data[..300]);
    for _ in 0..3 {
        let err = r.read(&mut out).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidData);
        assert!(
            matches!(
                reason(&err),
                Reason::Malformed { .. } | Reason::PageOverflow { .. } | Reason::BeyondHistory
            ),
            "{err}"
        );
        assert_eq!(lz4_error(&err).block(), Some(3));
        assert_eq!(lz4_error(&err).offset(), Some(at as u64));
        assert!(r.fill_buf().is_err());
    }
    assert_eq!(input.len(), corrupt.len() - ends[3]);

    // A prefix announcing more than a block of the page can be.
    let mut huge = stream.clone();
    huge[at..at + 4].copy_from_slice(&1_000_000u32.to_le_bytes());
    let mut input = &huge[..];
    let mut r = Lz4StreamBufReader::with_options(&mut input, &opts).unwrap();
    let mut out = Vec::new();
    let err = r.read_to_end(&mut out).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidData);
    assert!(matches!(
        reason(&err),
        Reason::BlockTooLarge {
            size: 1_000_000,
            ..
        }
    ));
    assert_eq!(lz4_error(&err).block(), Some(3));
    assert_eq!(lz4_error(&err).offset(), Some(at as u64));
    assert_eq!(out, &data[..300]);
    assert_eq!(
        r.read(&mut [0; 10]).unwrap_err().kind(),
        ErrorKind::InvalidData
    );
    assert_eq!(input.len(), huge.len() - at - 4);

    // Out-of-band: a size of 0.
    let oob = StreamOptions::new()
        .size_prefix(SizePrefix::OutOfBand)
        .page_size(100);
    let (stream, mut sizes) = compress(&oob, &data);
    sizes[1] = 0;
    let mut r = Lz4StreamBufReader::with_block_sizes(&stream[..], &oob, sizes).unwrap();
    let err = r.read_to_end(&mut Vec::new()).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidData);
    assert_eq!(reason(&err), &Reason::EmptyBlock);
    assert_eq!(lz4_error(&err).block(), Some(1));

    // Constructors check the options as the copying reader's do.
    let err = Lz4StreamBufReader::with_options(&stream[..], &oob).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
    assert_eq!(reason(&err), &Reason::BlockSizesMismatch);
    let err = Lz4StreamBufReader::with_block_sizes(&stream[..], &opts, [1]).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
    assert_eq!(reason(&err), &Reason::BlockSizesMismatch);
    let err =
        Lz4StreamBufReader::with_options(&stream[..], &opts.clone().page_size(0)).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
}

/// `new` reads the default format (64 KiB pages, 4-byte prefixes), large blocks decoded
/// straight into the caller's buffer with the history right across calls.
#[test]
fn default_options_and_large_reads() {
    let mut g = Gen::new(100);
    let data = gen_data(&mut g, 600_000);
    let (stream, _) = compress(&StreamOptions::new(), &data);
    let mut copying = Vec::new();
    Lz4StreamReader::new(&stream[..])
        .read_to_end(&mut copying)
        .unwrap();
    assert!(copying == data);
    for reads in [vec![1 << 20], vec![200_000, 65_536, 1, 70_000, 0]] {
        let mut r = Lz4StreamBufReader::new(&stream[..]);
        assert!(read_split(&mut r, &reads).unwrap() == data);
    }
}
