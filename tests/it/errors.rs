//! Every row of SPEC section 4's error table: the `io::ErrorKind`, the crate's `Reason`, and
//! where the spec asks for it the block number and record offset ("block N at offset M") in the
//! error and its message. Also: which errors are final (`InvalidData` is returned again by every
//! later call) and which are not (`UnexpectedEof` inside a record resumes when the input goes
//! on), and that mangled streams give errors, never panics or wrong kinds.

use std::io::{self, BufRead, Cursor, ErrorKind, Read, Write};

use crate::common::*;
use lz4_stream::{
    compress_bound, split_record, Compressor, Decompressor, Error, Lz4StreamReader,
    Lz4StreamWriter, Mode, Reason, SizePrefix, Strategy, StreamOptions, MAX_ACCELERATION,
    MAX_HC_LEVEL, MAX_PAGE_SIZE,
};
use quickcheck::{Arbitrary, Gen};

/// Checks an error without a position: its kind, and that its message names no block.
fn check_unplaced(err: &Error, kind: ErrorKind) {
    assert_eq!(err.kind(), kind, "{err}");
    assert_eq!((err.block(), err.offset()), (None, None), "{err}");
    let message = err.to_string();
    let numbered = message
        .match_indices("block ")
        .any(|(i, m)| message[i + m.len()..].starts_with(|c: char| c.is_ascii_digit()));
    assert!(!numbered && !message.contains(" offset "), "{message}");
    let io_err: io::Error = err.clone().into();
    assert_eq!(io_err.kind(), kind);
    assert_eq!(lz4_error(&io_err), err);
}

/// Checks an `io::Error` from a reader: its kind, the crate's error inside, its block and record
/// offset, and that the message says "block N at offset M". Returns the reason.
fn check_at(err: &io::Error, kind: ErrorKind, block: u64, offset: usize) -> Reason {
    assert_eq!(err.kind(), kind, "{err}");
    let inner = lz4_error(err);
    assert_eq!(inner.kind(), kind);
    assert_eq!(inner.reason().kind(), kind);
    assert_eq!(
        (inner.block(), inner.offset()),
        (Some(block), Some(offset as u64)),
        "{err}"
    );
    let place = format!("block {block} at offset {offset}");
    assert!(err.to_string().contains(&place), "{err:?} lacks {place:?}");
    inner.reason().clone()
}

/// Noise that does not compress.
fn noise(len: usize, seed: u64) -> Vec<u8> {
    let mut state = seed | 1;
    (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 32) as u8
        })
        .collect()
}

/// The result of every constructor that checks `opts` for a writer.
fn writer_side_errors(opts: &StreamOptions) -> Vec<Error> {
    let mut errors = Vec::new();
    errors.extend(opts.validate().err());
    errors.extend(Compressor::new(opts).err());
    if let Err(err) = Lz4StreamWriter::with_options(Vec::new(), opts) {
        errors.push(lz4_error(&err).clone());
    }
    errors
}

/// Whether every writer-side constructor accepts `opts`.
fn writer_accepts(opts: &StreamOptions) -> bool {
    opts.validate().is_ok()
        && Compressor::new(opts).is_ok()
        && Lz4StreamWriter::with_options(Vec::new(), opts).is_ok()
}

/// The result of every reader-side constructor for `opts` (issue 11: invalid options are
/// refused by every constructor, writer-side options out of range included).
fn reader_side_errors(opts: &StreamOptions) -> Vec<Error> {
    let mut errors = Vec::new();
    errors.extend(Decompressor::new(opts).err());
    let readers = [
        Lz4StreamReader::with_options(&[][..], opts).err(),
        Lz4StreamReader::with_block_sizes(&[][..], opts, vec![]).err(),
        lz4_stream::Lz4StreamBufReader::with_options(&[][..], opts).err(),
    ];
    for err in readers.into_iter().flatten() {
        let err = lz4_error(&err).clone();
        // One of the two prefixed / out-of-band constructors refuses the prefix instead.
        if err.reason() != &Reason::BlockSizesMismatch {
            errors.push(err);
        }
    }
    errors
}

/// Whether the reader-side constructors accept `opts`.
fn reader_accepts(opts: &StreamOptions) -> bool {
    let reader = match opts.get_size_prefix() {
        SizePrefix::OutOfBand => Lz4StreamReader::with_block_sizes(&[][..], opts, vec![]),
        _ => Lz4StreamReader::with_options(&[][..], opts),
    };
    reader.is_ok() && Decompressor::new(opts).is_ok()
}

#[test]
fn page_size_out_of_range() {
    for page_size in [0, MAX_PAGE_SIZE + 1, usize::MAX] {
        let opts = StreamOptions::new().page_size(page_size);
        let errors = writer_side_errors(&opts);
        assert_eq!(errors.len(), 3, "page {page_size}");
        let mut reader_errors = vec![
            Decompressor::new(&opts).err().unwrap(),
            lz4_error(&Lz4StreamReader::with_options(&[][..], &opts).unwrap_err()).clone(),
        ];
        let oob = opts.clone().size_prefix(SizePrefix::OutOfBand);
        reader_errors.push(
            lz4_error(&Lz4StreamReader::with_block_sizes(&[][..], &oob, vec![1]).unwrap_err())
                .clone(),
        );
        for err in errors.iter().chain(&reader_errors) {
            check_unplaced(err, ErrorKind::InvalidInput);
            assert_eq!(err.reason(), &Reason::PageSize { page_size });
        }
    }
    // The edges: 1 and MAX_PAGE_SIZE are valid (only validated: a 2 GB page is not allocated).
    StreamOptions::new().page_size(1).validate().unwrap();
    StreamOptions::new()
        .page_size(MAX_PAGE_SIZE)
        .validate()
        .unwrap();
    assert!(writer_accepts(&StreamOptions::new().page_size(1)));
}

#[test]
fn writer_prefix_too_narrow_for_the_page() {
    for (prefix, widest) in [(SizePrefix::U8, 239), (SizePrefix::U16, 65_264)] {
        assert!(compress_bound(widest) <= prefix.max_block_size());
        assert!(compress_bound(widest + 1) > prefix.max_block_size());
        let too_wide = StreamOptions::new()
            .size_prefix(prefix)
            .page_size(widest + 1);
        let errors = writer_side_errors(&too_wide);
        assert_eq!(errors.len(), 3);
        for err in &errors {
            check_unplaced(err, ErrorKind::InvalidInput);
            assert_eq!(
                err.reason(),
                &Reason::PrefixTooNarrow {
                    width: prefix.width(),
                    page_size: widest + 1,
                    bound: compress_bound(widest + 1),
                }
            );
        }
        // A reader does not care (SPEC 1.2).
        assert!(reader_accepts(&too_wide));

        // The widest page works, with incompressible data whose blocks reach the bound.
        let opts = StreamOptions::new().size_prefix(prefix).page_size(widest);
        assert!(writer_accepts(&opts));
        let data = noise(3 * widest + 7, 1);
        let (stream, _) = compress(&opts, &data);
        let (blocks, _) = blocks_of(&opts, &stream, &[]);
        assert!(blocks.iter().any(|b| b.len() > widest), "incompressible");
        assert_eq!(decompress(&opts, &stream, &[]).unwrap(), data);
        // Read by a reader whose page is too wide for a writer with that prefix.
        assert_eq!(decompress(&too_wide, &stream, &[]).unwrap(), data);
    }
    // Four-byte prefixes (and out-of-band sizes) hold the largest page's blocks.
    for prefix in [SizePrefix::U32, SizePrefix::OutOfBand] {
        let opts = StreamOptions::new()
            .size_prefix(prefix)
            .page_size(MAX_PAGE_SIZE);
        opts.validate().unwrap();
    }
}

#[test]
fn ring_window_beyond_64k() {
    for window in [65_537, usize::MAX] {
        let opts = StreamOptions::new().strategy(Strategy::RingBuffer { window });
        let errors = writer_side_errors(&opts);
        assert_eq!(errors.len(), 3);
        for err in &errors {
            check_unplaced(err, ErrorKind::InvalidInput);
            assert_eq!(err.reason(), &Reason::Window { window });
        }
        // Readers refuse it too (they keep 64 KiB of history whatever the strategy, but an
        // invalid option is a mistake wherever it is given).
        let errors = reader_side_errors(&opts);
        assert_eq!(errors.len(), 3);
        for err in &errors {
            check_unplaced(err, ErrorKind::InvalidInput);
            assert_eq!(err.reason(), &Reason::Window { window });
        }
    }
    let opts = StreamOptions::new().strategy(Strategy::RingBuffer { window: 65_536 });
    assert!(writer_accepts(&opts) && reader_accepts(&opts));
}

#[test]
fn acceleration_out_of_range() {
    for acceleration in [0, MAX_ACCELERATION + 1, u32::MAX] {
        let opts = StreamOptions::new().mode(Mode::Fast { acceleration });
        let errors = writer_side_errors(&opts);
        assert_eq!(errors.len(), 3, "acceleration {acceleration}");
        for err in &errors {
            check_unplaced(err, ErrorKind::InvalidInput);
            assert_eq!(err.reason(), &Reason::Acceleration { acceleration });
            assert!(err.to_string().contains("outside 1..=65537"), "{err}");
        }
        // Readers ignore the mode, but refuse one out of range.
        let errors = reader_side_errors(&opts);
        assert_eq!(errors.len(), 3, "acceleration {acceleration}");
        for err in &errors {
            assert_eq!(err.reason(), &Reason::Acceleration { acceleration });
        }
    }
    for acceleration in [1, 2, MAX_ACCELERATION] {
        assert!(writer_accepts(
            &StreamOptions::new().mode(Mode::Fast { acceleration })
        ));
    }
}

/// An HC level outside `1..=MAX_HC_LEVEL` (liblz4 takes 0 as its default and clamps 13 and up
/// to 12; here they are mistakes) is refused by every writer-side constructor, without a block
/// or offset, and by every reader-side one too.
#[test]
fn level_out_of_range() {
    for level in [0, MAX_HC_LEVEL + 1, 100, u32::MAX] {
        let opts = StreamOptions::new().mode(Mode::High { level });
        let errors = writer_side_errors(&opts);
        assert_eq!(errors.len(), 3, "level {level}");
        for err in &errors {
            check_unplaced(err, ErrorKind::InvalidInput);
            assert_eq!(err.reason(), &Reason::Level { level });
            assert!(err.to_string().contains("outside 1..=12"), "{err}");
        }
        // The same with every other option valid and set.
        let opts = StreamOptions::new()
            .page_size(200)
            .size_prefix(SizePrefix::U8)
            .strategy(Strategy::RingBuffer { window: 1000 })
            .dictionary(&b"a dictionary"[..])
            .end_marker(true)
            .mode(Mode::High { level });
        for err in writer_side_errors(&opts) {
            assert_eq!(err.reason(), &Reason::Level { level });
        }
        // Readers ignore the mode, but refuse one out of range.
        let errors = reader_side_errors(&opts);
        assert_eq!(errors.len(), 3, "level {level}");
        for err in &errors {
            assert_eq!(err.reason(), &Reason::Level { level });
        }
    }
    for level in 1..=MAX_HC_LEVEL {
        assert!(writer_accepts(
            &StreamOptions::new().mode(Mode::High { level })
        ));
    }
}

#[test]
fn end_marker_without_prefix() {
    let opts = StreamOptions::new()
        .size_prefix(SizePrefix::OutOfBand)
        .end_marker(true);
    let mut errors = writer_side_errors(&opts);
    assert_eq!(errors.len(), 3);
    errors.push(Decompressor::new(&opts).err().unwrap());
    errors.push(
        lz4_error(&Lz4StreamReader::with_block_sizes(&[][..], &opts, vec![]).unwrap_err()).clone(),
    );
    for err in &errors {
        check_unplaced(err, ErrorKind::InvalidInput);
        assert_eq!(err.reason(), &Reason::EndMarkerWithoutPrefix);
    }
    for prefix in [SizePrefix::U8, SizePrefix::U16, SizePrefix::U32] {
        let opts = StreamOptions::new()
            .size_prefix(prefix)
            .page_size(200)
            .end_marker(true);
        assert!(writer_accepts(&opts) && reader_accepts(&opts));
    }
}

#[test]
fn block_sizes_exactly_for_out_of_band_streams() {
    for prefix in [SizePrefix::U8, SizePrefix::U16, SizePrefix::U32] {
        let opts = StreamOptions::new().size_prefix(prefix).page_size(200);
        let err = Lz4StreamReader::with_block_sizes(&[][..], &opts, vec![5]).unwrap_err();
        check_unplaced(lz4_error(&err), ErrorKind::InvalidInput);
        assert_eq!(reason(&err), &Reason::BlockSizesMismatch);
    }
    let opts = StreamOptions::new().size_prefix(SizePrefix::OutOfBand);
    let err = Lz4StreamReader::with_options(&[][..], &opts).unwrap_err();
    check_unplaced(lz4_error(&err), ErrorKind::InvalidInput);
    assert_eq!(reason(&err), &Reason::BlockSizesMismatch);
    // There is nothing to split an out-of-band stream by.
    let err = split_record(&[1, 2, 3], SizePrefix::OutOfBand, 100).unwrap_err();
    check_unplaced(&err, ErrorKind::InvalidInput);
    assert_eq!(err.reason(), &Reason::BlockSizesMismatch);
    // A writer writes out-of-band streams with `with_options`.
    assert!(writer_accepts(&opts));
}

#[test]
fn compress_chunk_longer_than_page_changes_nothing() {
    let opts = StreamOptions::new()
        .page_size(100)
        .size_prefix(SizePrefix::U16);
    let first = b"the first chunk, the first chunk".to_vec();
    let second: Vec<u8> = b"the second chunk refers to the first chunk; "
        .iter()
        .cycle()
        .take(100)
        .copied()
        .collect();

    let mut compressor = Compressor::new(&opts).unwrap();
    let mut out = Vec::new();
    compressor.compress(&first, &mut out).unwrap();
    let before = out.clone();
    for len in [101, 1000] {
        let err = compressor.compress(&vec![b'x'; len], &mut out).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput);
        assert_eq!(
            err.reason(),
            &Reason::ChunkTooLong {
                len,
                page_size: 100
            }
        );
        assert_eq!(err.block(), Some(1));
        assert!(err.to_string().contains("block 1"), "{err}");
        let io_err: io::Error = err.into();
        assert_eq!(io_err.kind(), ErrorKind::InvalidInput);
        assert_eq!(out, before, "nothing appended");
        assert_eq!(compressor.blocks(), 1);
    }
    // The next compress works, and the stream is as if the failed calls never happened.
    compressor.compress(&second, &mut out).unwrap();
    let mut fresh = Compressor::new(&opts).unwrap();
    let mut expected = Vec::new();
    fresh.compress(&first, &mut expected).unwrap();
    fresh.compress(&second, &mut expected).unwrap();
    assert_eq!(out, expected);
    assert_eq!(
        decompress(&opts, &out, &[]).unwrap(),
        [first, second].concat()
    );
}

/// A stream of a few blocks with the prefix of `opts`, its data, the offsets where its records
/// end and (out of band) its block sizes.
fn sample(opts: &StreamOptions) -> (Vec<u8>, Vec<u8>, Vec<usize>) {
    let page = opts.get_page_size();
    let mut writer = Lz4StreamWriter::with_options(Vec::new(), opts).unwrap();
    let data = [
        noise(page / 2 + 1, 5),
        b"abcabcabcabcabcabcabcabc".repeat(page / 10 + 1),
        noise(page + 3, 6),
    ]
    .concat();
    writer.write_all(&data[..page / 2]).unwrap();
    writer.flush().unwrap();
    writer.write_all(&data[page / 2..]).unwrap();
    writer.try_finish().unwrap();
    let sizes = writer.take_block_sizes();
    (writer.finish().unwrap(), data, sizes)
}

/// Reads `input` to its end or first error; returns what was read and the error.
fn read_all<R: Read>(mut reader: Lz4StreamReader<R>) -> (Vec<u8>, io::Result<()>, R) {
    let mut out = Vec::new();
    let result = reader.read_to_end(&mut out).map(|_| ());
    (out, result, reader.into_inner())
}

/// The data of the first `blocks` blocks of a stream written by `sample`.
fn data_of_blocks(opts: &StreamOptions, stream: &[u8], sizes: &[usize], blocks: usize) -> Vec<u8> {
    let (all, _) = blocks_of(opts, stream, sizes);
    let mut decompressor = Decompressor::new(opts).unwrap();
    let mut out = Vec::new();
    for block in &all[..blocks] {
        out.extend_from_slice(decompressor.decompress(block).unwrap());
    }
    out
}

#[test]
fn size_prefix_above_the_bound_is_rejected_before_reading_the_block() {
    for (prefix, page) in [
        (SizePrefix::U8, 100),
        (SizePrefix::U16, 1000),
        (SizePrefix::U32, 65_536),
    ] {
        let opts = StreamOptions::new().size_prefix(prefix).page_size(page);
        let width = prefix.width();
        let bound = compress_bound(page);
        let (good, data, _) = sample(&opts);
        let blocks = blocks_of(&opts, &good, &[]).0.len() as u64;
        let mut sizes = vec![bound + 1, prefix.max_block_size()];
        if prefix == SizePrefix::U32 {
            sizes.push(u32::MAX as usize);
        }
        for size in sizes {
            let mut stream = good.clone();
            stream.extend_from_slice(&(size as u32).to_le_bytes()[..width]);
            stream.extend_from_slice(&vec![0x11; bound + 10]);
            let reader = Lz4StreamReader::with_options(Cursor::new(&stream), &opts).unwrap();
            let (out, result, _) = read_all(reader);
            assert_eq!(out, data, "the blocks before are served");
            let mut reader = Lz4StreamReader::with_options(Cursor::new(&stream), &opts).unwrap();
            let err = io::copy(&mut reader, &mut io::sink()).unwrap_err();
            assert_eq!(result.unwrap_err().to_string(), err.to_string());
            let why = check_at(&err, ErrorKind::InvalidData, blocks, good.len());
            assert_eq!(why, Reason::BlockTooLarge { size, bound });
            // The prefix was read, the block was not.
            assert_eq!(reader.get_ref().position() as usize, good.len() + width);
            // Final: the same error again, and still nothing more read.
            for _ in 0..2 {
                let again = reader.read(&mut [0; 10]).unwrap_err();
                assert_eq!(again.to_string(), err.to_string());
                let again = reader.fill_buf().unwrap_err();
                assert_eq!(reason(&again), &why);
            }
            assert_eq!(reader.get_ref().position() as usize, good.len() + width);
        }
        // A prefix of exactly the bound is a block to read: here the input ends inside it.
        let mut stream = good.clone();
        stream.extend_from_slice(&(bound as u32).to_le_bytes()[..width]);
        stream.extend_from_slice(&[0x11; 3]);
        let (_, result, _) = read_all(Lz4StreamReader::with_options(&stream[..], &opts).unwrap());
        let why = check_at(
            &result.unwrap_err(),
            ErrorKind::UnexpectedEof,
            blocks,
            good.len(),
        );
        assert_eq!(
            why,
            Reason::TruncatedBlock {
                got: 3,
                size: bound
            }
        );
        // split_record checks the same bound.
        let err = split_record(&stream[good.len()..], prefix, page - 1).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidData);
        assert_eq!(
            err.reason(),
            &Reason::BlockTooLarge {
                size: bound,
                bound: compress_bound(page - 1)
            }
        );
    }

    // Out of band: a size above the bound, given by the application.
    let opts = StreamOptions::new()
        .size_prefix(SizePrefix::OutOfBand)
        .page_size(500);
    let (good, data, mut sizes) = sample(&opts);
    let blocks = sizes.len() as u64;
    let bound = compress_bound(500);
    sizes.push(bound + 1);
    let mut stream = good.clone();
    stream.extend_from_slice(&vec![0; bound + 1]);
    let mut reader =
        Lz4StreamReader::with_block_sizes(Cursor::new(&stream), &opts, sizes.clone()).unwrap();
    let mut out = Vec::new();
    let err = reader.read_to_end(&mut out).unwrap_err();
    assert_eq!(out, data);
    let why = check_at(&err, ErrorKind::InvalidData, blocks, good.len());
    assert_eq!(
        why,
        Reason::BlockTooLarge {
            size: bound + 1,
            bound
        }
    );
    assert_eq!(reader.get_ref().position() as usize, good.len());
    assert_eq!(reason(&reader.read(&mut [0; 4]).unwrap_err()), &why);
}

/// LZ4 blocks that are not well formed.
const MALFORMED: &[&[u8]] = &[
    // 15+ literals announced, the length byte missing.
    &[0xF0],
    // 5 literals announced, 1 present.
    &[0x50, b'a'],
    // 255 + 15 + 15 literals announced, few present.
    &[0xF0, 0xFF, 0x0F, 1, 2, 3],
    // A literal, then a match whose offset is cut.
    &[0x10, b'a', 0x01],
    // A literal, then a match with offset 0.
    &[0x14, b'a', 0x00, 0x00, 0x10, b'b'],
];

#[test]
fn block_that_does_not_decode() {
    let opts = StreamOptions::new().page_size(1000);
    let (good, data, _) = sample(&opts);
    let blocks = blocks_of(&opts, &good, &[]).0.len() as u64;
    for garbage in MALFORMED {
        // Through the sans-IO decompressor: an error at the block, and nothing changed.
        let mut decompressor = Decompressor::new(&opts).unwrap();
        let err = decompressor.decompress(garbage).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidData, "{garbage:?}: {err}");
        assert!(
            matches!(err.reason(), Reason::Malformed { .. }),
            "{garbage:?}: {err}"
        );
        assert_eq!((err.block(), err.offset()), (Some(0), None));
        assert_eq!(decompressor.blocks(), 0);
        assert!(decompressor.history().is_empty());
        assert_eq!(
            decompressor.decompress(&[0x30, 1, 2, 3]).unwrap(),
            [1, 2, 3]
        );

        // Through the reader, after good blocks: InvalidData at its record, and final.
        let mut stream = good.clone();
        stream.extend_from_slice(&(garbage.len() as u32).to_le_bytes());
        stream.extend_from_slice(garbage);
        let mut reader = Lz4StreamReader::new(Cursor::new(&stream));
        let mut out = Vec::new();
        let err = reader.read_to_end(&mut out).unwrap_err();
        assert_eq!(out, data);
        let why = check_at(&err, ErrorKind::InvalidData, blocks, good.len());
        assert!(matches!(why, Reason::Malformed { .. }), "{why:?}");
        assert_eq!(reader.get_ref().position() as usize, stream.len());
        let again = reader.read(&mut [0; 8]).unwrap_err();
        assert_eq!(again.to_string(), err.to_string());
        assert_eq!(again.kind(), ErrorKind::InvalidData);
    }
}

#[test]
fn block_that_decodes_past_the_page() {
    // Written with 1000-byte pages: a short block, then a block of 1000 zeros (tiny).
    let big = StreamOptions::new().page_size(1000);
    let mut writer = Lz4StreamWriter::with_options(Vec::new(), &big).unwrap();
    writer.write_all(&noise(50, 3)).unwrap();
    writer.flush().unwrap();
    writer.write_all(&[0; 1000]).unwrap();
    let stream = writer.finish().unwrap();
    let (blocks, _) = blocks_of(&big, &stream, &[]);
    assert!(
        blocks[1].len() <= compress_bound(100),
        "fits a 100-byte page's bound"
    );

    // Read with 100-byte pages.
    let small = StreamOptions::new().page_size(100);
    let mut reader = Lz4StreamReader::with_options(&stream[..], &small).unwrap();
    let mut out = Vec::new();
    let err = reader.read_to_end(&mut out).unwrap_err();
    assert_eq!(out, noise(50, 3));
    let why = check_at(&err, ErrorKind::InvalidData, 1, 4 + blocks[0].len());
    assert_eq!(why, Reason::PageOverflow { page_size: 100 });
    assert_eq!(reason(&reader.read(&mut [0; 1]).unwrap_err()), &why);

    // The same with the sans-IO decompressor.
    let mut decompressor = Decompressor::new(&small).unwrap();
    decompressor.decompress(blocks[0]).unwrap();
    let err = decompressor.decompress(blocks[1]).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidData);
    assert_eq!(err.reason(), &why);
    assert_eq!(err.block(), Some(1));
    // A page of exactly the block's length is enough.
    let exact = StreamOptions::new().page_size(1000);
    assert_eq!(
        decompress(&exact, &stream, &[]).unwrap(),
        [noise(50, 3), vec![0; 1000]].concat()
    );
}

#[test]
fn block_referencing_past_the_history() {
    // A block written with a dictionary it references, read without it (or with less of it).
    let dictionary = noise(1000, 4);
    let with_dict = StreamOptions::new()
        .page_size(4096)
        .dictionary(dictionary.clone());
    let data = [&dictionary[..], b"and something new"].concat();
    let (stream, _) = compress(&with_dict, &data);
    assert!(stream.len() < 100, "the block references the dictionary");
    assert_eq!(decompress(&with_dict, &stream, &[]).unwrap(), data);
    for dictionary in [Vec::new(), dictionary[1..].to_vec()] {
        let opts = StreamOptions::new().page_size(4096).dictionary(dictionary);
        let mut reader = Lz4StreamReader::with_options(&stream[..], &opts).unwrap();
        let err = reader.read_to_end(&mut Vec::new()).unwrap_err();
        let why = check_at(&err, ErrorKind::InvalidData, 0, 0);
        assert_eq!(why, Reason::BeyondHistory);
        assert_eq!(reason(&reader.read(&mut [0; 1]).unwrap_err()), &why);
    }

    // A block whose match reaches before the start of the stream: literal "a", then 4 bytes
    // copied from 5 back, then literal "b". It needs 4 bytes of history.
    let block: &[u8] = &[0x10, b'a', 0x05, 0x00, 0x10, b'b'];
    let expect = |history: &[u8]| -> Option<Vec<u8>> {
        let mut all = [history, b"a"].concat();
        if all.len() < 5 {
            return None;
        }
        for _ in 0..4 {
            all.push(all[all.len() - 5]);
        }
        all.push(b'b');
        Some(all.split_off(history.len()))
    };
    for dictionary in [&b""[..], b"x", b"xyz", b"wxyz", b"--wxyz"] {
        let opts = StreamOptions::new().page_size(16).dictionary(dictionary);
        let mut decompressor = Decompressor::new(&opts).unwrap();
        match (decompressor.decompress(block), expect(dictionary)) {
            (Ok(bytes), Some(expect)) => assert_eq!(bytes, expect),
            (Err(err), None) => {
                assert_eq!(err.kind(), ErrorKind::InvalidData);
                assert_eq!(err.reason(), &Reason::BeyondHistory);
                assert_eq!(err.block(), Some(0));
            }
            (got, want) => panic!("dictionary {dictionary:?}: {got:?}, want {want:?}"),
        }
        // Through the reader, as the second block, after a block of one byte ".".
        let mut stream = vec![2, 0x10, b'.'];
        stream.push(block.len() as u8);
        stream.extend_from_slice(block);
        let opts = opts.size_prefix(SizePrefix::U8);
        let mut reader = Lz4StreamReader::with_options(&stream[..], &opts).unwrap();
        let mut out = Vec::new();
        let result = reader.read_to_end(&mut out);
        let history = [dictionary, b"."].concat();
        match expect(&history) {
            Some(rest) => {
                result.unwrap();
                assert_eq!(out, [&b"."[..], &rest].concat());
            }
            None => {
                let why = check_at(&result.unwrap_err(), ErrorKind::InvalidData, 1, 3);
                assert_eq!(why, Reason::BeyondHistory);
                assert_eq!(out, b".");
                assert_eq!(reason(&reader.read(&mut [0; 1]).unwrap_err()), &why);
            }
        }
    }
}

/// Where a cut at byte `cut` of a stream falls: the number of whole records before it, the
/// offset where the record it falls in starts, and how far into that record it is.
fn place(ends: &[usize], cut: usize) -> (usize, usize, usize) {
    let whole = ends.iter().filter(|&&end| end <= cut).count();
    let start = if whole == 0 { 0 } else { ends[whole - 1] };
    (whole, start, cut - start)
}

/// Options of every prefix, with and without the end marker, for the truncation tests.
fn truncation_options() -> Vec<StreamOptions> {
    let mut all = Vec::new();
    for prefix in [SizePrefix::U8, SizePrefix::U16, SizePrefix::U32] {
        for end_marker in [false, true] {
            all.push(
                StreamOptions::new()
                    .size_prefix(prefix)
                    .page_size(60)
                    .end_marker(end_marker),
            );
        }
    }
    all.push(
        StreamOptions::new()
            .size_prefix(SizePrefix::OutOfBand)
            .page_size(60),
    );
    all
}

/// Input that ends inside a prefix or a block is `UnexpectedEof` (TruncatedPrefix,
/// TruncatedBlock) at that record; at a record boundary it is the end of the stream, unless an
/// end marker is required (MissingEndMarker) or out-of-band sizes announce more blocks. Every
/// cut of the stream is tried; the blocks before the cut are served first.
#[test]
fn input_ending_inside_a_record_or_without_the_end_marker() {
    for opts in truncation_options() {
        let (stream, data, sizes) = sample(&opts);
        let ends = record_ends(&opts, &stream, &sizes);
        let width = opts.get_size_prefix().width();
        let (blocks, _) = blocks_of(&opts, &stream, &sizes);
        for cut in 0..=stream.len() {
            let (whole, start, into) = place(&ends, cut);
            let whole_blocks = whole.min(blocks.len());
            let reader = reader(&stream[..cut], &opts, &sizes).unwrap();
            let (out, result, rest) = read_all(reader);
            assert!(rest.is_empty());
            assert_eq!(
                out,
                data_of_blocks(&opts, &stream, &sizes, whole_blocks),
                "{} cut {cut}",
                describe(&opts)
            );
            let expected = if cut == stream.len() {
                assert_eq!(out, data);
                None
            } else if into == 0 && width > 0 && !opts.get_end_marker() {
                None
            } else if into == 0 && width > 0 {
                Some(Reason::MissingEndMarker)
            } else if into < width {
                Some(Reason::TruncatedPrefix { got: into, width })
            } else {
                Some(Reason::TruncatedBlock {
                    got: into - width,
                    size: blocks[whole].len(),
                })
            };
            match (result, expected) {
                (Ok(()), None) => {}
                (Err(err), Some(expected)) => {
                    let why = check_at(&err, ErrorKind::UnexpectedEof, whole as u64, start);
                    assert_eq!(why, expected, "{} cut {cut}", describe(&opts));
                }
                (result, expected) => {
                    panic!(
                        "{} cut {cut}: {result:?}, want {expected:?}",
                        describe(&opts)
                    )
                }
            }
        }
    }
}

#[test]
fn split_record_on_truncated_input() {
    for prefix in [SizePrefix::U8, SizePrefix::U16, SizePrefix::U32] {
        let width = prefix.width();
        let opts = StreamOptions::new().size_prefix(prefix).page_size(60);
        let (stream, _, _) = sample(&opts);
        let first = record_ends(&opts, &stream, &[])[0];
        for cut in 0..first {
            let err = split_record(&stream[..cut], prefix, 60).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::UnexpectedEof);
            let expected = if cut < width {
                Reason::TruncatedPrefix { got: cut, width }
            } else {
                Reason::TruncatedBlock {
                    got: cut - width,
                    size: first - width,
                }
            };
            assert_eq!(err.reason(), &expected);
        }
        assert!(split_record(&stream[..first], prefix, 60).is_ok());
    }
}

/// The end marker is required with `end_marker(true)`: its absence at the end of the input is
/// `UnexpectedEof` after all the blocks, at the offset where it should stand.
#[test]
fn required_end_marker_missing() {
    for prefix in [SizePrefix::U8, SizePrefix::U16, SizePrefix::U32] {
        let opts = StreamOptions::new()
            .size_prefix(prefix)
            .page_size(200)
            .end_marker(true);
        let (stream, data, _) = sample(&opts);
        let without = &stream[..stream.len() - prefix.width()];
        let blocks = blocks_of(&opts, &stream, &[]).0.len() as u64;
        let mut reader = Lz4StreamReader::with_options(without, &opts).unwrap();
        let mut out = Vec::new();
        let err = reader.read_to_end(&mut out).unwrap_err();
        assert_eq!(out, data);
        let why = check_at(&err, ErrorKind::UnexpectedEof, blocks, without.len());
        assert_eq!(why, Reason::MissingEndMarker);
        // Without the requirement, the same input is a whole stream; with it, so is the input
        // with the marker.
        let relaxed = opts.clone().end_marker(false);
        assert_eq!(decompress(&relaxed, without, &[]).unwrap(), data);
        assert_eq!(decompress(&opts, &stream, &[]).unwrap(), data);
        // An empty input is an empty stream only without the requirement.
        assert_eq!(decompress(&relaxed, &[], &[]).unwrap(), b"");
        let err = decompress(&opts, &[], &[]).unwrap_err();
        assert_eq!(
            check_at(&err, ErrorKind::UnexpectedEof, 0, 0),
            Reason::MissingEndMarker
        );
    }
}

#[test]
fn out_of_band_size_zero() {
    let opts = StreamOptions::new()
        .size_prefix(SizePrefix::OutOfBand)
        .page_size(300);
    let (stream, _, sizes) = sample(&opts);
    assert!(sizes.len() >= 2);
    for at in 0..=sizes.len() {
        let mut with_zero = sizes.clone();
        with_zero.insert(at, 0);
        let offset: usize = sizes[..at].iter().sum();
        let mut reader =
            Lz4StreamReader::with_block_sizes(Cursor::new(&stream), &opts, with_zero).unwrap();
        let mut out = Vec::new();
        let err = reader.read_to_end(&mut out).unwrap_err();
        assert_eq!(out, data_of_blocks(&opts, &stream, &sizes, at));
        let why = check_at(&err, ErrorKind::InvalidData, at as u64, offset);
        assert_eq!(why, Reason::EmptyBlock);
        assert_eq!(reader.get_ref().position() as usize, offset);
        assert_eq!(reason(&reader.read(&mut [0; 1]).unwrap_err()), &why);
    }
    // The sans-IO decompressor refuses an empty block too.
    let err = Decompressor::new(&opts)
        .unwrap()
        .decompress(&[])
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidData);
    assert_eq!(err.reason(), &Reason::EmptyBlock);
}

#[test]
fn write_after_finish() {
    for end_marker in [false, true] {
        let opts = StreamOptions::new().page_size(100).end_marker(end_marker);
        let mut writer = Lz4StreamWriter::with_options(Vec::new(), &opts).unwrap();
        writer.write_all(b"some data, some data").unwrap();
        writer.try_finish().unwrap();
        let finished = writer.get_ref().clone();
        for attempt in [&b"x"[..], &[7; 1000]] {
            let err = writer.write(attempt).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::InvalidInput);
            check_unplaced(lz4_error(&err), ErrorKind::InvalidInput);
            assert_eq!(reason(&err), &Reason::Finished);
            let err = writer.write_all(attempt).unwrap_err();
            assert_eq!(reason(&err), &Reason::Finished);
        }
        // Finishing again and flushing are harmless; the stream is unchanged.
        writer.try_finish().unwrap();
        writer.flush().unwrap();
        let stream = writer.finish().unwrap();
        assert_eq!(stream, finished);
        assert_eq!(
            decompress(&opts, &stream, &[]).unwrap(),
            b"some data, some data"
        );
    }
}

/// `UnexpectedEof` in the middle of a record is not final: when the inner reader, having
/// reported the end of its input, later delivers the rest, the stream completes exactly. Tried
/// at every byte of the stream.
#[test]
fn unexpected_eof_inside_a_record_resumes() {
    for opts in truncation_options() {
        let (stream, data, sizes) = sample(&opts);
        let ends = record_ends(&opts, &stream, &sizes);
        let width = opts.get_size_prefix().width();
        for cut in 0..stream.len() {
            let (_, _, into) = place(&ends, cut);
            let at_boundary = into == 0 && width > 0;
            if at_boundary && !opts.get_end_marker() {
                // Input ending at a record boundary is the end of the stream.
                continue;
            }
            let inner = FaultyReader::new(
                &stream,
                Some(Fault::AtByte(cut)),
                ErrorKind::UnexpectedEof,
                usize::MAX,
            );
            let mut reader = reader(inner, &opts, &sizes).unwrap();
            let mut out = Vec::new();
            let err = reader.read_to_end(&mut out).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::UnexpectedEof);
            assert_eq!(reader.get_ref().failures, 1, "the false end was met");
            reader.read_to_end(&mut out).unwrap();
            assert_eq!(out, data, "{} cut {cut}", describe(&opts));
            assert!(reader.get_ref().rest().is_empty());
        }
    }
}

/// A valid stream with some bytes changed, cut or inserted.
#[derive(Clone, Debug)]
struct Mangled {
    opts: StreamOptions,
    stream: Vec<u8>,
    sizes: Vec<usize>,
}

impl Arbitrary for Mangled {
    fn arbitrary(g: &mut Gen) -> Self {
        let prefix = gen_prefix(g);
        let opts = StreamOptions::new()
            .size_prefix(prefix)
            .page_size(gen_page(g, prefix).min(5000))
            .strategy(gen_strategy(g))
            .end_marker(prefix != SizePrefix::OutOfBand && chance(g, 40));
        let opts = if chance(g, 30) {
            opts.dictionary(gen_data(g, 300))
        } else {
            opts
        };
        let len = cap_blocks(below(g, 20_000), opts.get_page_size(), 50);
        let data = gen_data(g, len);
        let (mut stream, mut sizes) = compress(&opts, &data);
        for _ in 0..between(g, 1, 4) {
            match below(g, 4) {
                _ if stream.is_empty() => stream.push(u8::arbitrary(g)),
                0 => {
                    let at = below(g, stream.len());
                    stream.truncate(at);
                }
                1 => {
                    let at = below(g, stream.len() + 1);
                    stream.insert(at, u8::arbitrary(g));
                }
                2 if !sizes.is_empty() => {
                    let at = below(g, sizes.len());
                    sizes[at] = match below(g, 3) {
                        0 => 0,
                        1 => sizes[at] + 1,
                        _ => below(g, 10_000),
                    };
                }
                _ => {
                    let at = below(g, stream.len());
                    stream[at] ^= 1 << below(g, 8);
                }
            }
        }
        Mangled {
            opts,
            stream,
            sizes,
        }
    }
}

/// Reading a mangled stream never panics; it gives bytes or an error of the crate, whose kind is
/// that of its reason, placed at a block and an offset within the input, and final if it is
/// `InvalidData`.
#[test]
fn mangled_streams_give_errors_not_panics() {
    fn prop(input: Mangled) -> bool {
        let mut reader = reader(Cursor::new(&input.stream), &input.opts, &input.sizes).unwrap();
        let mut out = Vec::new();
        match reader.read_to_end(&mut out) {
            Ok(_) => {}
            Err(err) => {
                let inner = lz4_error(&err);
                assert_eq!(err.kind(), inner.reason().kind());
                assert!(
                    matches!(
                        err.kind(),
                        ErrorKind::InvalidData | ErrorKind::UnexpectedEof
                    ),
                    "{err}"
                );
                let (block, offset) = (inner.block().unwrap(), inner.offset().unwrap());
                assert!(offset as usize <= input.stream.len());
                assert!(err
                    .to_string()
                    .contains(&format!("block {block} at offset {offset}")));
                if err.kind() == ErrorKind::InvalidData {
                    let again = reader.read(&mut [0; 16]).unwrap_err();
                    assert_eq!(again.to_string(), err.to_string());
                }
            }
        }
        true
    }
    qc(300).quickcheck(prop as fn(Mangled) -> bool);
}
