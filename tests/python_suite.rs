//! python-lz4's own tests of `lz4.stream` (4.4.5, `tests/stream/`), ported with their intent
//! (SPEC 5: "the known vectors and the corrupted-input cases of python-lz4's own stream tests
//! behave as that suite expects").
//!
//! Python's `compress` / `decompress` helpers become [`py_compress`] (one
//! [`Compressor::compress`] per chunk of `buffer_size` bytes, checking each record's stored size
//! as `get_stored_size` does) and [`py_decompress`] ([`split_record`], python-lz4's
//! `get_block`, then [`Decompressor::decompress`]); most cases also go through
//! [`Lz4StreamReader`]. `os.urandom` becomes a seeded generator, and the data file
//! `numpy_byte_array.bin` (runs of float64 values) is replaced by [`numpy_like`], generated data
//! of the same shape.
//!
//! | Rust test | python-lz4 test |
//! |---|---|
//! | `round_trip_matrix` | `test_stream_0.py::test_1` (data x mode x buffer_size x store_comp_size x dictionary) |
//! | `modes_python_accepts_and_we_refuse` | `test_1`'s modes `fast` with acceleration 0 and `high_compression` with levels 0, 14, 16 (liblz4 takes them as 1, 9, 12, 12) |
//! | (none) | `test_stream_0.py::test_2` (empty in Python) |
//! | `ring_buffer_is_implemented_here` | `test_stream_1.py::test_invalid_config_c_1`, `_d_1` |
//! | (type system) | `test_invalid_config_c_2`, `_d_2` (unknown strategy name), `test_unicode` |
//! | `invalid_prefix_widths` | `test_invalid_config_c_3`, `_d_3` |
//! | `page_too_large_for_the_prefix` | `test_invalid_config_c_4`, `_d_4` |
//! | `largest_page_size` | `test_invalid_config_c_5`, `_d_5` |
//! | `dropped_first_prefix_is_an_error` | `test_decompress_corrupted_input_1` |
//! | `corrupted_size_of_the_first_block` | `test_decompress_corrupted_input_2` |
//! | `corrupted_size_of_a_middle_block` | `test_decompress_corrupted_input_3` |
//! | `corrupted_size_of_the_last_block` | `test_decompress_corrupted_input_4` |
//! | `corrupted_sizes_sweep` | the three above, for every small error in every block |
//! | `truncated_stream_at_every_byte`, `truncated_streams_of_every_width` | `test_decompress_truncated` |
//! | `trailing_bytes_after_the_stream` | `test_decompress_with_trailer` |
//! | `stream_does_not_depend_on_how_input_is_handed_over` | `test_return_bytearray`, `test_memoryview` |
//! | `empty_dictionary_is_no_dictionary` | `test_with_dict_none` |
//! | `python_dictionary_case`, `dictionary_mismatch_is_detected_when_the_block_needs_it` | `test_with_dict` |
//! | `known_vectors` | `test_known_decompress_1` (second half), `_2`, `_3`, `_4` |
//! | `zero_prefix_is_an_end_marker` | `test_known_decompress_1` (first half): the deliberate difference of SPEC 1.3 |
//! | `dictionary_larger_than_the_window`, `oversized_input_is_an_error` | `test_stream_2.py::test_huge_1`, `_2`, `_3` |
//! | `memory_is_constant_in_the_stream_length` | `test_stream_3.py::test_block_decompress_mem_usage` |
//! | `out_of_band_blocks_equal_in_band_blocks` | `test_stream_4.py::test_round_trip` |
//! | `out_of_band_streams_cannot_be_split` | `test_stream_4.py::test_invalid_usage` |

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::io::{self, Read, Write};

use lz4_stream::{
    compress_bound, split_record, Compressor, Decompressor, Error, Lz4StreamReader,
    Lz4StreamWriter, Mode, Reason, Record, SizePrefix, Strategy, StreamOptions, MAX_PAGE_SIZE,
};

// ---------------------------------------------------------------------------------------------
// Data and helpers
// ---------------------------------------------------------------------------------------------

/// The input of `test_decompress_truncated`, `test_with_dict` and `test_stream_4.py`.
fn digits() -> Vec<u8> {
    b"2099023098234882923049823094823094898239230982349081231290381209380981203981209381238901283098908123109238098123"
        .repeat(24)
}

/// `os.urandom(len)`, seeded: xorshift64.
fn random_bytes(len: usize, seed: u64) -> Vec<u8> {
    let mut state = seed.wrapping_add(0x9E37_79B9_7F4A_7C15) | 1;
    (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 32) as u8
        })
        .collect()
}

/// Data shaped like python-lz4's `numpy_byte_array.bin` (8552 bytes: 1069 little-endian float64
/// values in runs of 1 to 62 equal values, alternating between nearby values), generated here
/// rather than copied.
fn numpy_like() -> Vec<u8> {
    let noise = random_bytes(4096, 7);
    let mut noise = noise.iter().map(|&b| b as usize);
    let mut values = Vec::new();
    let mut base = 0.26_f64;
    while values.len() < 1069 {
        if noise.next().unwrap() % 8 == 0 {
            base = (noise.next().unwrap() % 100) as f64 + 0.3103;
        }
        let value = base + 0.01 * (noise.next().unwrap() % 3) as f64;
        let run = 1 + noise.next().unwrap() % 40;
        values.extend(std::iter::repeat(value).take(run));
    }
    values.truncate(1069);
    values.iter().flat_map(|v| v.to_le_bytes()).collect()
}

/// python-lz4's `compress` helper: one record per `page_size` chunk; checks, as
/// `get_stored_size` does in `test_1`, that each record's prefix states its block's length.
/// Returns the stream and the offset of every record boundary (`return_block_offset`).
fn py_compress(data: &[u8], opts: &StreamOptions) -> (Vec<u8>, Vec<usize>) {
    let mut compressor = Compressor::new(opts).expect("valid options");
    let width = opts.get_size_prefix().width();
    let mut stream = Vec::new();
    let mut offsets = vec![0];
    for chunk in data.chunks(opts.get_page_size()) {
        let at = stream.len();
        let len = compressor.compress(chunk, &mut stream).unwrap();
        assert_eq!(len, stream.len() - at);
        if width > 0 {
            let mut prefix = [0u8; 4];
            prefix[..width].copy_from_slice(&stream[at..at + width]);
            assert_eq!(u32::from_le_bytes(prefix) as usize, len - width);
        }
        offsets.push(stream.len());
    }
    (stream, offsets)
}

/// python-lz4's `decompress` helper: `get_block` then `decompress` while input remains (an end
/// marker ends the stream here). Returns what decoded before any error, and the error.
fn py_decompress(stream: &[u8], opts: &StreamOptions) -> (Vec<u8>, Result<(), Error>) {
    let mut out = Vec::new();
    let result = (|| {
        let mut decompressor = Decompressor::new(opts)?;
        let mut rest = stream;
        while !rest.is_empty() {
            let (record, after) = split_record(rest, opts.get_size_prefix(), opts.get_page_size())?;
            match record {
                Record::Block(block) => out.extend_from_slice(decompressor.decompress(block)?),
                Record::End => break,
            }
            rest = after;
        }
        Ok(())
    })();
    (out, result)
}

/// Decodes `stream` with the reader; returns what decoded before any error, the error, and the
/// bytes of `stream` the reader left unread.
fn read_stream<'a>(stream: &'a [u8], opts: &StreamOptions) -> (Vec<u8>, io::Result<()>, &'a [u8]) {
    let mut reader = Lz4StreamReader::with_options(stream, opts).expect("valid options");
    let mut out = Vec::new();
    let mut buf = [0; 1000];
    let result = loop {
        match reader.read(&mut buf) {
            Ok(0) => break Ok(()),
            Ok(n) => out.extend_from_slice(&buf[..n]),
            Err(err) => break Err(err),
        }
    };
    (out, result, reader.into_inner())
}

/// The crate's error inside an `io::Error`.
fn inner(err: &io::Error) -> &Error {
    err.get_ref()
        .and_then(|e| e.downcast_ref::<Error>())
        .unwrap_or_else(|| panic!("not an lz4_stream::Error: {err:?}"))
}

/// Both decoders agree that `stream` decodes to exactly `expected`.
fn assert_decodes(stream: &[u8], opts: &StreamOptions, expected: &[u8], what: &str) {
    let (out, result) = py_decompress(stream, opts);
    result.unwrap_or_else(|err| panic!("{what}: sans-IO: {err}"));
    assert!(out == expected, "{what}: sans-IO decoded other bytes");
    let (out, result, rest) = read_stream(stream, opts);
    result.unwrap_or_else(|err| panic!("{what}: reader: {err}"));
    assert!(out == expected, "{what}: reader decoded other bytes");
    assert!(rest.is_empty(), "{what}: reader left bytes unread");
}

/// Whether a reason means corrupt data (`InvalidData`).
fn is_corruption(reason: &Reason) -> bool {
    matches!(
        reason,
        Reason::Malformed { .. }
            | Reason::PageOverflow { .. }
            | Reason::BeyondHistory
            | Reason::BlockTooLarge { .. }
    )
}

/// Options of the corrupted-input tests: `{'strategy': "double_buffer", 'buffer_size': 128,
/// 'store_comp_size': 4}`.
fn opts_128() -> StreamOptions {
    StreamOptions::new().page_size(128)
}

/// Reads the 4-byte prefix at `at`.
fn prefix_at(stream: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(stream[at..at + 4].try_into().unwrap())
}

/// `stream` with the 4-byte prefix at `at` set to `value`.
fn with_prefix(stream: &[u8], at: usize, value: u32) -> Vec<u8> {
    let mut out = stream.to_vec();
    out[at..at + 4].copy_from_slice(&value.to_le_bytes());
    out
}

/// Decoding a corrupted stream fails with corrupt-data or truncation errors from both decoders,
/// and every byte served before the error is right. Returns the reader's error.
fn assert_fails_cleanly(stream: &[u8], opts: &StreamOptions, original: &[u8], what: &str) -> Error {
    let (out, result) = py_decompress(stream, opts);
    let err = result
        .err()
        .unwrap_or_else(|| panic!("{what}: sans-IO decoded it"));
    assert!(
        is_corruption(err.reason()) || err.kind() == io::ErrorKind::UnexpectedEof,
        "{what}: sans-IO: {err}"
    );
    assert!(
        original.starts_with(&out),
        "{what}: sans-IO served wrong bytes"
    );
    let (out, result, _) = read_stream(stream, opts);
    let err = result
        .err()
        .unwrap_or_else(|| panic!("{what}: the reader decoded it"));
    let err_inner = inner(&err).clone();
    assert_eq!(err.kind(), err_inner.kind(), "{what}");
    assert!(
        (err.kind() == io::ErrorKind::InvalidData && is_corruption(err_inner.reason()))
            || (err.kind() == io::ErrorKind::UnexpectedEof
                && matches!(
                    err_inner.reason(),
                    Reason::TruncatedBlock { .. } | Reason::TruncatedPrefix { .. }
                )),
        "{what}: reader: {err}"
    );
    assert!(
        original.starts_with(&out),
        "{what}: the reader served wrong bytes"
    );
    err_inner
}

// ---------------------------------------------------------------------------------------------
// test_stream_0.py
// ---------------------------------------------------------------------------------------------

/// The `mode` fixture of python-lz4's `tests/stream/conftest.py`, as `(mode, kwargs)`, and our
/// mode for it; `None` for the values python-lz4 hands to liblz4, which takes them as another
/// value, and this crate refuses (see [`modes_python_accepts_and_we_refuse`]).
const PYTHON_MODES: [(&str, Option<Mode>); 17] = [
    ("('default', None)", Some(Mode::Fast { acceleration: 1 })),
    ("('fast', None)", Some(Mode::Fast { acceleration: 1 })),
    ("('fast', {'acceleration': 0})", None),
    (
        "('fast', {'acceleration': 2})",
        Some(Mode::Fast { acceleration: 2 }),
    ),
    (
        "('fast', {'acceleration': 4})",
        Some(Mode::Fast { acceleration: 4 }),
    ),
    (
        "('fast', {'acceleration': 6})",
        Some(Mode::Fast { acceleration: 6 }),
    ),
    (
        "('fast', {'acceleration': 8})",
        Some(Mode::Fast { acceleration: 8 }),
    ),
    // python-lz4's default compression_level is 9, liblz4's too.
    ("('high_compression', None)", Some(Mode::High { level: 9 })),
    ("('high_compression', {'compression_level': 0})", None),
    (
        "('high_compression', {'compression_level': 2})",
        Some(Mode::High { level: 2 }),
    ),
    (
        "('high_compression', {'compression_level': 4})",
        Some(Mode::High { level: 4 }),
    ),
    (
        "('high_compression', {'compression_level': 6})",
        Some(Mode::High { level: 6 }),
    ),
    (
        "('high_compression', {'compression_level': 8})",
        Some(Mode::High { level: 8 }),
    ),
    (
        "('high_compression', {'compression_level': 10})",
        Some(Mode::High { level: 10 }),
    ),
    (
        "('high_compression', {'compression_level': 12})",
        Some(Mode::High { level: 12 }),
    ),
    ("('high_compression', {'compression_level': 14})", None),
    ("('high_compression', {'compression_level': 16})", None),
];

/// `test_1`: round trips over python-lz4's matrix: data (empty, random 8 KiB, the numpy array;
/// the `memoryview` variants are the same bytes) x mode (the default, `fast` with accelerations
/// 1 to 8, `high_compression` with levels 2 to 12 and its default 9: [`PYTHON_MODES`]) x
/// `buffer_size` (1, 941, 64 KiB) x `store_comp_size` (1 and 2 as in Python, plus 4 and 0
/// which its conftest comments out) x dictionary (none, `x[0:0]`, `x[100:200]`, `x[0:8192]`,
/// random 8 KiB). Python skips the pairings whose largest block cannot fit the prefix; so does
/// this test, after checking that our writer refuses exactly those (`PrefixTooNarrow`).
#[test]
fn round_trip_matrix() {
    let data_sets = [Vec::new(), random_bytes(8 * 1024, 1), numpy_like()];
    let random_dictionary = random_bytes(8 * 1024, 2);
    let mut ran = 0;
    for data in &data_sets {
        let dictionaries: [Option<&[u8]>; 5] = [
            None,
            Some(&data[..0]),
            Some(&data[data.len().min(100)..data.len().min(200)]),
            Some(&data[..data.len().min(8 * 1024)]),
            Some(&random_dictionary),
        ];
        for mode in PYTHON_MODES.iter().filter_map(|&(_, mode)| mode) {
            for page in [1, 941, 65_536] {
                for width in [1, 2, 4, 0] {
                    let prefix = SizePrefix::from_width(width).unwrap();
                    for dictionary in dictionaries {
                        let mut opts = StreamOptions::new()
                            .page_size(page)
                            .size_prefix(prefix)
                            .mode(mode);
                        if let Some(dictionary) = dictionary {
                            opts = opts.dictionary(dictionary);
                        }
                        // python-lz4: "Inconsistent buffer_size/store_comp_size values".
                        if compress_bound(page) > prefix.max_block_size() {
                            let err = Compressor::new(&opts).expect_err("too narrow a prefix");
                            assert!(matches!(err.reason(), Reason::PrefixTooNarrow { .. }));
                            continue;
                        }
                        round_trip(data, &opts);
                        ran += 1;
                    }
                }
            }
        }
    }
    // 3 data sets x 13 modes x 5 dictionaries x (1 + 2 + 3 + 3 valid page/width pairs).
    assert_eq!(ran, 3 * 13 * 5 * 9);
}

/// The modes of `test_1` that python-lz4 passes on to liblz4, which takes an acceleration of 0
/// as 1, an HC level of 0 as its default 9 and levels above 12 as 12: this crate refuses them
/// (`InvalidInput`, `Reason::Acceleration` or `Reason::Level`) rather than guess, a deliberate
/// difference; the writer takes what liblz4 makes of them.
#[test]
fn modes_python_accepts_and_we_refuse() {
    let refused: Vec<&str> = PYTHON_MODES
        .iter()
        .filter(|(_, mode)| mode.is_none())
        .map(|&(name, _)| name)
        .collect();
    assert_eq!(refused.len(), 4);
    for (python, ours, liblz4) in [
        (
            Mode::Fast { acceleration: 0 },
            Reason::Acceleration { acceleration: 0 },
            Mode::Fast { acceleration: 1 },
        ),
        (
            Mode::High { level: 0 },
            Reason::Level { level: 0 },
            Mode::High { level: 9 },
        ),
        (
            Mode::High { level: 14 },
            Reason::Level { level: 14 },
            Mode::High { level: 12 },
        ),
        (
            Mode::High { level: 16 },
            Reason::Level { level: 16 },
            Mode::High { level: 12 },
        ),
    ] {
        let opts = StreamOptions::new()
            .page_size(941)
            .size_prefix(SizePrefix::U16)
            .mode(python);
        let err = Compressor::new(&opts).expect_err("refused");
        assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
        assert_eq!(err.reason(), &ours);
        let err = Lz4StreamWriter::with_options(Vec::new(), &opts).expect_err("refused");
        assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
        assert_eq!(inner(&err).reason(), &ours);
        round_trip(&numpy_like(), &opts.mode(liblz4));
    }
}

fn round_trip(data: &[u8], opts: &StreamOptions) {
    let what = format!(
        "{} bytes, page {}, width {}, dictionary of {}",
        data.len(),
        opts.get_page_size(),
        opts.get_size_prefix().width(),
        opts.get_dictionary().len()
    );
    if opts.get_size_prefix() == SizePrefix::OutOfBand {
        // Out-of-band sizes: record the block lengths as python-lz4's users must.
        let mut compressor = Compressor::new(opts).unwrap();
        let mut decompressor = Decompressor::new(opts).unwrap();
        let (mut stream, mut sizes, mut out) = (Vec::new(), Vec::new(), Vec::new());
        for chunk in data.chunks(opts.get_page_size()) {
            let mut block = Vec::new();
            compressor.compress(chunk, &mut block).unwrap();
            out.extend_from_slice(decompressor.decompress(&block).unwrap());
            sizes.push(block.len());
            stream.extend_from_slice(&block);
        }
        assert!(out == data, "{what}: sans-IO");
        let mut reader = Lz4StreamReader::with_block_sizes(&stream[..], opts, sizes).unwrap();
        let mut out = Vec::new();
        reader.read_to_end(&mut out).unwrap();
        assert!(out == data, "{what}: reader");
    } else {
        let (stream, _) = py_compress(data, opts);
        assert_decodes(&stream, opts, data, &what);
    }
}

// ---------------------------------------------------------------------------------------------
// test_stream_1.py: configurations
// ---------------------------------------------------------------------------------------------

/// `test_invalid_config_c_1` / `_d_1`: python-lz4 raises `NotImplementedError` for
/// `"ring_buffer"`. This crate implements the ring buffer for the writer (a deliberate
/// extension, SPEC 1.1), and its reader decodes such streams.
#[test]
fn ring_buffer_is_implemented_here() {
    let opts = StreamOptions::new()
        .page_size(1024)
        .strategy(Strategy::RingBuffer { window: 65_536 });
    let data = numpy_like();
    let (stream, _) = py_compress(&data, &opts);
    assert_decodes(&stream, &opts, &data, "ring buffer");
}

/// `test_invalid_config_c_3` / `_d_3`: `store_comp_size` other than 0, 1, 2, 4 is a
/// `ValueError`; here no such `SizePrefix` exists.
#[test]
fn invalid_prefix_widths() {
    for width in [3, 5, 6, 7, 9] {
        assert_eq!(SizePrefix::from_width(width), None, "width {width}");
    }
}

/// `test_invalid_config_c_4` / `_d_4`: a page of `1 << (8 * store_comp_size)` bytes is refused
/// by the compressor (its largest block cannot fit the prefix) but accepted by the decompressor.
/// For 4-byte prefixes that page (4 GiB - 1) exceeds `LZ4_MAX_INPUT_SIZE`, a `ValueError` for
/// python-lz4's compressor and `PageSize` here.
#[test]
fn page_too_large_for_the_prefix() {
    for (prefix, page) in [(SizePrefix::U8, 256), (SizePrefix::U16, 65_536)] {
        let opts = StreamOptions::new().page_size(page).size_prefix(prefix);
        let err = Compressor::new(&opts).expect_err("compressor refuses");
        assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
        assert!(matches!(err.reason(), Reason::PrefixTooNarrow { .. }));
        let err = Lz4StreamWriter::with_options(Vec::new(), &opts).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
        assert!(matches!(
            inner(&err).reason(),
            Reason::PrefixTooNarrow { .. }
        ));
        // "No failure expected during instantiation" of the decompressor.
        Decompressor::new(&opts).unwrap();
        Lz4StreamReader::with_options(&[][..], &opts).unwrap();
    }
    let opts = StreamOptions::new().page_size(0xFFFF_FFFF);
    let err = opts.validate().unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
    assert!(matches!(err.reason(), Reason::PageSize { .. }));
}

/// `test_invalid_config_c_5` / `_d_5`: `LZ4_MAX_INPUT_SIZE` is the largest page; one more is a
/// `ValueError` for the compressor. python-lz4's decompressor accepts larger pages at
/// construction; this crate refuses them (`PageSize`), since no block can decode to more than
/// `LZ4_MAX_INPUT_SIZE`. (Only `validate` runs on the largest page: building a compressor would
/// allocate its 2 GiB page.)
#[test]
fn largest_page_size() {
    assert_eq!(MAX_PAGE_SIZE, 2_113_929_216); // python-lz4's message names this number
    StreamOptions::new()
        .page_size(MAX_PAGE_SIZE)
        .validate()
        .unwrap();
    for page in [MAX_PAGE_SIZE + 1, 0xFFFF_FFFF, 0] {
        let opts = StreamOptions::new().page_size(page);
        for err in [
            opts.validate().unwrap_err(),
            Compressor::new(&opts).err().unwrap(),
            Decompressor::new(&opts).err().unwrap(),
        ] {
            assert_eq!(err.kind(), io::ErrorKind::InvalidInput, "page {page}");
            assert_eq!(err.reason(), &Reason::PageSize { page_size: page });
        }
        let err = Lz4StreamReader::with_options(&[][..], &opts).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
        assert_eq!(inner(&err).reason(), &Reason::PageSize { page_size: page });
    }
}

// ---------------------------------------------------------------------------------------------
// test_stream_1.py: corrupted input
// ---------------------------------------------------------------------------------------------

/// `test_decompress_corrupted_input_1`: the stream without its first size prefix. python-lz4:
/// "Requested input size (...) larger than source size" (the block's first bytes read as a
/// size). Here such a size is refused before the block is read if it exceeds
/// `compress_bound(128)` (`BlockTooLarge`), else the input ends inside the block.
#[test]
fn dropped_first_prefix_is_an_error() {
    let data = b"A".repeat(512);
    let opts = opts_128();
    let (stream, _) = py_compress(&data, &opts);
    assert_decodes(&stream, &opts, &data, "intact");

    let cut = &stream[4..];
    let err = assert_fails_cleanly(cut, &opts, &data, "first prefix dropped");
    let size = prefix_at(cut, 0) as usize;
    if size > compress_bound(128) {
        assert_eq!(
            err.reason(),
            &Reason::BlockTooLarge {
                size,
                bound: compress_bound(128)
            }
        );
    } else {
        assert_eq!(err.kind(), io::ErrorKind::UnexpectedEof);
    }
    assert_eq!((err.block(), err.offset()), (Some(0), Some(0)));
}

/// `test_decompress_corrupted_input_2`: the first block's size one too large, then (on top of
/// that, as in Python) two smaller: "Decompression failed", i.e. `InvalidData` at block 0.
#[test]
fn corrupted_size_of_the_first_block() {
    let data = b"A".repeat(512);
    let opts = opts_128();
    let (stream, _) = py_compress(&data, &opts);
    assert_decodes(&stream, &opts, &data, "intact");

    let longer = with_prefix(&stream, 0, prefix_at(&stream, 0) + 1);
    let err = assert_fails_cleanly(&longer, &opts, &data, "first block +1");
    assert_eq!(err.kind(), io::ErrorKind::InvalidData, "{err}");
    assert_eq!((err.block(), err.offset()), (Some(0), Some(0)), "{err}");

    let shorter = with_prefix(&longer, 0, prefix_at(&longer, 0) - 2);
    let err = assert_fails_cleanly(&shorter, &opts, &data, "first block -1");
    assert_eq!(err.kind(), io::ErrorKind::InvalidData, "{err}");
    assert_eq!((err.block(), err.offset()), (Some(0), Some(0)), "{err}");
}

/// `test_decompress_corrupted_input_3`: the same in the second (middle) of four blocks.
#[test]
fn corrupted_size_of_a_middle_block() {
    let data = b"A".repeat(512);
    let opts = opts_128();
    let (stream, offsets) = py_compress(&data, &opts);
    assert_eq!(offsets.len(), 5);
    let at = offsets[1];

    let longer = with_prefix(&stream, at, prefix_at(&stream, at) + 1);
    let err = assert_fails_cleanly(&longer, &opts, &data, "middle block +1");
    assert_eq!(err.kind(), io::ErrorKind::InvalidData, "{err}");
    assert_eq!(
        (err.block(), err.offset()),
        (Some(1), Some(at as u64)),
        "{err}"
    );

    let shorter = with_prefix(&longer, at, prefix_at(&longer, at) - 2);
    let err = assert_fails_cleanly(&shorter, &opts, &data, "middle block -1");
    assert_eq!(err.kind(), io::ErrorKind::InvalidData, "{err}");
    assert_eq!(
        (err.block(), err.offset()),
        (Some(1), Some(at as u64)),
        "{err}"
    );
}

/// `test_decompress_corrupted_input_4`: the last of two blocks one byte longer than the input
/// holds: "Requested input size larger than source size", i.e. `UnexpectedEof` here; then one
/// byte shorter: "Decompression failed", `InvalidData`.
#[test]
fn corrupted_size_of_the_last_block() {
    let data = b"A".repeat(256);
    let opts = opts_128();
    let (stream, offsets) = py_compress(&data, &opts);
    assert_eq!(offsets.len(), 3);
    let at = offsets[1];

    let size = prefix_at(&stream, at) as usize;
    let longer = with_prefix(&stream, at, size as u32 + 1);
    let err = assert_fails_cleanly(&longer, &opts, &data, "last block +1");
    assert_eq!(err.kind(), io::ErrorKind::UnexpectedEof);
    assert_eq!(
        err.reason(),
        &Reason::TruncatedBlock {
            got: size,
            size: size + 1
        }
    );
    assert_eq!((err.block(), err.offset()), (Some(1), Some(at as u64)));

    let shorter = with_prefix(&longer, at, size as u32 - 1);
    let err = assert_fails_cleanly(&shorter, &opts, &data, "last block -1");
    assert_eq!(err.kind(), io::ErrorKind::InvalidData, "{err}");
    assert_eq!(
        (err.block(), err.offset()),
        (Some(1), Some(at as u64)),
        "{err}"
    );
}

/// The three tests above, for sizes off by -3..=3 and by a lot, in every block of streams of
/// full 128-byte pages (text, runs, random bytes): always an error (corrupt data or
/// truncation), never a panic, and never a wrong byte served before it.
#[test]
fn corrupted_sizes_sweep() {
    let opts = opts_128();
    for data in [digits(), b"A".repeat(512), random_bytes(512, 3)] {
        let (stream, offsets) = py_compress(&data, &opts);
        for &at in &offsets[..offsets.len() - 1] {
            let size = prefix_at(&stream, at);
            for value in [
                size.wrapping_sub(3),
                size.wrapping_sub(2),
                size.wrapping_sub(1),
                size + 1,
                size + 2,
                size + 3,
                1,
                compress_bound(128) as u32,
                compress_bound(128) as u32 + 1,
                u32::MAX,
            ] {
                if value == size || value == 0 {
                    continue;
                }
                let what = format!("block at {at}: size {size} -> {value}");
                let bad = with_prefix(&stream, at, value);
                assert_fails_cleanly(&bad, &opts, &data, &what);
            }
        }
    }
}

/// `test_decompress_truncated`: the stream cut at every byte. A cut at a record boundary is a
/// valid shorter stream (SPEC 1.3): it decodes to the whole blocks before it. Any other cut is
/// truncated: inside a prefix ("Invalid source, too small for holding any block") or inside a
/// block ("Requested input size larger than source size"), both `UnexpectedEof`.
#[test]
fn truncated_stream_at_every_byte() {
    let data = digits();
    let opts = opts_128();
    let (stream, offsets) = py_compress(&data, &opts);
    assert_eq!(offsets.len(), data.len() / 128 + 1);
    check_truncations(&stream, &offsets, &opts, &data);
}

/// The same for every prefix width, a page that does not divide the data, and a stream closed
/// by an end marker (which makes every shorter stream truncated).
#[test]
fn truncated_streams_of_every_width() {
    let data = numpy_like();
    for (prefix, page) in [
        (SizePrefix::U8, 200),
        (SizePrefix::U16, 941),
        (SizePrefix::U32, 3000),
    ] {
        let opts = StreamOptions::new().page_size(page).size_prefix(prefix);
        let (stream, offsets) = py_compress(&data, &opts);
        check_truncations(&stream, &offsets, &opts, &data);

        // With an end marker: every cut is UnexpectedEof for a reader requiring it.
        let opts = opts.end_marker(true);
        let mut writer = Lz4StreamWriter::with_options(Vec::new(), &opts).unwrap();
        writer.write_all(&data).unwrap();
        let marked = writer.finish().unwrap();
        assert_eq!(&marked[..stream.len()], &stream[..]);
        assert_eq!(marked.len(), stream.len() + prefix.width());
        assert_decodes(&marked, &opts, &data, "with end marker");
        for n in 0..marked.len() {
            let (out, result, _) = read_stream(&marked[..n], &opts);
            let err = result.expect_err("a cut stream lacks its end marker");
            assert_eq!(err.kind(), io::ErrorKind::UnexpectedEof, "cut at {n}");
            let reason = inner(&err).reason();
            if offsets.contains(&n) {
                assert_eq!(reason, &Reason::MissingEndMarker, "cut at {n}");
            } else {
                assert!(
                    matches!(
                        reason,
                        Reason::TruncatedPrefix { .. } | Reason::TruncatedBlock { .. }
                    ),
                    "cut at {n}: {reason:?}"
                );
            }
            assert!(data.starts_with(&out), "cut at {n}: wrong bytes");
        }
    }
}

fn check_truncations(stream: &[u8], offsets: &[usize], opts: &StreamOptions, data: &[u8]) {
    let width = opts.get_size_prefix().width();
    let page = opts.get_page_size();
    let mut last = 0; // the last record boundary at or before the cut
    for n in 0..=stream.len() {
        let cut = &stream[..n];
        if let Some(blocks) = offsets.iter().position(|&o| o == n) {
            last = n;
            let decoded = &data[..(blocks * page).min(data.len())];
            assert_decodes(cut, opts, decoded, &format!("cut at boundary {n}"));
            continue;
        }
        let block = offsets.iter().filter(|&&o| o <= n).count() as u64 - 1;
        let got = n - last;
        let expected = if got < width {
            Reason::TruncatedPrefix { got, width }
        } else {
            let size = offsets[block as usize + 1] - last - width;
            Reason::TruncatedBlock {
                got: got - width,
                size,
            }
        };
        let (out, result, rest) = read_stream(cut, opts);
        let err = result.expect_err("truncated");
        assert_eq!(err.kind(), io::ErrorKind::UnexpectedEof, "cut at {n}");
        let err = inner(&err);
        assert_eq!(err.reason(), &expected, "cut at {n}");
        assert_eq!(
            (err.block(), err.offset()),
            (Some(block), Some(last as u64))
        );
        assert!(rest.is_empty(), "cut at {n}");
        assert_eq!(out, &data[..block as usize * page], "cut at {n}");

        let (out, result) = py_decompress(cut, opts);
        let err = result.expect_err("truncated");
        assert_eq!(err.reason(), &expected, "sans-IO, cut at {n}");
        assert_eq!(out, &data[..block as usize * page], "sans-IO, cut at {n}");
    }
}

/// `test_decompress_with_trailer`: bytes after the last record of `compress(b'A' * 64)`.
/// - One `A`: the input ends inside a prefix (python-lz4: "too small for holding any block").
/// - Ten `A`s: a prefix of 0x41414141; python-lz4 finds the input shorter than that, this
///   crate refuses the size before reading (`BlockTooLarge`, `InvalidData`).
/// - 1 to 3 zero bytes: inside a prefix. 4 to 9 zero bytes: python-lz4 fails on the empty block
///   a zero prefix announces; here a zero prefix is the end marker (SPEC 1.3): the stream ends
///   there and the reader stands right after it, with the rest unread.
#[test]
fn trailing_bytes_after_the_stream() {
    let data = b"A".repeat(64);
    let opts = opts_128();
    let (stream, _) = py_compress(&data, &opts);
    let with = |trailer: &[u8]| [&stream[..], trailer].concat();

    let (out, result, _) = read_stream(&with(b"A"), &opts);
    let err = result.unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::UnexpectedEof);
    assert_eq!(
        inner(&err).reason(),
        &Reason::TruncatedPrefix { got: 1, width: 4 }
    );
    assert_eq!(inner(&err).offset(), Some(stream.len() as u64));
    assert_eq!(out, data);
    let (_, result) = py_decompress(&with(b"A"), &opts);
    assert_eq!(
        result.unwrap_err().reason(),
        &Reason::TruncatedPrefix { got: 1, width: 4 }
    );

    let (out, result, _) = read_stream(&with(&[b'A'; 10]), &opts);
    let err = result.unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::InvalidData);
    assert_eq!(
        inner(&err).reason(),
        &Reason::BlockTooLarge {
            size: 0x4141_4141,
            bound: compress_bound(128)
        }
    );
    assert_eq!(out, data);
    let (_, result) = py_decompress(&with(&[b'A'; 10]), &opts);
    assert_eq!(result.unwrap_err().kind(), io::ErrorKind::InvalidData);

    for n in 1..10 {
        let input = with(&vec![0; n]);
        let (out, result, rest) = read_stream(&input, &opts);
        assert_eq!(out, data, "{n} zeros");
        let (sans_io_out, sans_io) = py_decompress(&input, &opts);
        assert_eq!(sans_io_out, data, "{n} zeros");
        if n < 4 {
            let err = result.unwrap_err();
            assert_eq!(err.kind(), io::ErrorKind::UnexpectedEof);
            assert_eq!(
                inner(&err).reason(),
                &Reason::TruncatedPrefix { got: n, width: 4 }
            );
            assert_eq!(
                sans_io.unwrap_err().reason(),
                &Reason::TruncatedPrefix { got: n, width: 4 }
            );
        } else {
            result.unwrap_or_else(|err| panic!("{n} zeros: {err}"));
            sans_io.unwrap();
            assert_eq!(
                rest.len(),
                n - 4,
                "the reader stops right after the end marker"
            );
        }
    }
}

/// `test_return_bytearray`, `test_memoryview`: the stream is the same whatever form the input
/// takes. Here: chunks handed to `Compressor::compress` one page at a time, or odd-sized writes
/// to `Lz4StreamWriter`, give the same bytes, which decode back through both decoders.
#[test]
fn stream_does_not_depend_on_how_input_is_handed_over() {
    let data = random_bytes(128 * 1024, 4);
    let opts = opts_128();
    let (stream, _) = py_compress(&data, &opts);
    for piece in [1, 7, 128, 129, 5000] {
        let mut writer = Lz4StreamWriter::with_options(Vec::new(), &opts).unwrap();
        for chunk in data.chunks(piece) {
            writer.write_all(chunk).unwrap();
        }
        assert!(
            writer.finish().unwrap() == stream,
            "writes of {piece} bytes"
        );
    }
    assert_decodes(&stream, &opts, &data, "random 128 KiB");
}

// ---------------------------------------------------------------------------------------------
// test_stream_1.py: dictionaries
// ---------------------------------------------------------------------------------------------

/// `test_with_dict_none`: a dictionary of `None`, `b''` or `''` is no dictionary, on either
/// side.
#[test]
fn empty_dictionary_is_no_dictionary() {
    let data = digits();
    let plain = opts_128();
    let empty = opts_128().dictionary(Vec::new());
    let (stream, _) = py_compress(&data, &plain);
    let (stream_empty, _) = py_compress(&data, &empty);
    assert_eq!(stream, stream_empty);
    assert_decodes(&stream, &empty, &data, "decoded with an empty dictionary");
    assert_decodes(&stream_empty, &plain, &data, "decoded with none");
}

/// `test_with_dict`, with its own data: compressed with `dict1 = input[10:30]`, decoded with
/// `dict1` gives the input back, and so does a stream compressed without a dictionary and
/// decoded with one. Python also expects decoding without `dict1`, with `dict1[:2]` or with
/// `dict2 = input[20:40]` to fail or give other bytes; that holds only if the encoder used the
/// dictionary, which liblz4 does on this input. Whether our encoder does is checked here, and
/// the expectations follow: if it does not use the dictionary, nothing can tell the dictionaries
/// apart. `dictionary_mismatch_is_detected_when_the_block_needs_it` makes sure it must.
#[test]
fn python_dictionary_case() {
    let data = digits();
    let dict1 = data[10..30].to_vec();
    let dict2 = data[20..40].to_vec();
    let with_dict1 = opts_128().dictionary(dict1.clone());
    let (stream, _) = py_compress(&data, &with_dict1);
    assert_decodes(&stream, &with_dict1, &data, "decoded with dict1");

    let (plain_stream, _) = py_compress(&data, &opts_128());
    assert_decodes(
        &plain_stream,
        &with_dict1,
        &data,
        "no dict, decoded with dict1",
    );

    let uses_dictionary = stream != plain_stream;
    for (what, opts) in [
        ("no dictionary", opts_128()),
        ("dict1[:2]", opts_128().dictionary(dict1[..2].to_vec())),
        ("dict2", opts_128().dictionary(dict2)),
    ] {
        let (out, result) = py_decompress(&stream, &opts);
        let (reader_out, reader_result, _) = read_stream(&stream, &opts);
        if uses_dictionary {
            assert!(
                result.is_err() || out != data,
                "{what}: decoded the input without its dictionary"
            );
            assert!(
                reader_result.is_err() || reader_out != data,
                "{what}: reader"
            );
            for err in [
                result.err().map(|e| e.kind()),
                reader_result.err().map(|e| e.kind()),
            ]
            .into_iter()
            .flatten()
            {
                assert_eq!(err, io::ErrorKind::InvalidData, "{what}");
            }
        } else {
            assert_eq!(out, data, "{what}");
            assert_eq!(reader_out, data, "{what}");
        }
    }
}

/// `test_with_dict`'s intent, on data that cannot compress without the dictionary: a block
/// made of random bytes that appear only in the dictionary. Decoding without the dictionary, or
/// with a dictionary too short to hold what the block references, is `BeyondHistory`; with a
/// different dictionary of the same length it decodes to other bytes (LZ4 cannot tell);
/// with the right one, to the data.
#[test]
fn dictionary_mismatch_is_detected_when_the_block_needs_it() {
    let dictionary = random_bytes(4096, 5);
    let data = [&dictionary[1000..3048], &random_bytes(100, 6)[..]].concat();
    for strategy in [
        Strategy::DoubleBuffer,
        Strategy::RingBuffer { window: 65_536 },
    ] {
        let opts = StreamOptions::new()
            .page_size(2048)
            .strategy(strategy)
            .dictionary(dictionary.clone());
        let (stream, offsets) = py_compress(&data, &opts);
        // Random bytes compress only by referencing the dictionary.
        assert!(
            offsets[1] < 100,
            "block 0 is {} bytes: no dictionary used",
            offsets[1]
        );
        assert_decodes(&stream, &opts, &data, "right dictionary");

        for (what, wrong) in [
            ("no dictionary", Vec::new()),
            ("dictionary[..2]", dictionary[..2].to_vec()),
            (
                "the dictionary's last 1000 bytes",
                dictionary[3096..].to_vec(),
            ),
        ] {
            let opts = opts.clone().dictionary(wrong);
            let (out, result, _) = read_stream(&stream, &opts);
            let err = result.expect_err(what);
            assert_eq!(err.kind(), io::ErrorKind::InvalidData, "{what}");
            let err = inner(&err);
            assert_eq!(err.reason(), &Reason::BeyondHistory, "{what}");
            assert_eq!((err.block(), err.offset()), (Some(0), Some(0)), "{what}");
            assert!(out.is_empty(), "{what}");
            let (_, result) = py_decompress(&stream, &opts);
            assert_eq!(
                result.unwrap_err().reason(),
                &Reason::BeyondHistory,
                "{what}"
            );
        }

        let other = opts.clone().dictionary(random_bytes(4096, 8));
        let (out, result, _) = read_stream(&stream, &other);
        assert!(
            result.is_err() || out != data,
            "another dictionary gave the data"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// test_stream_1.py: known vectors
// ---------------------------------------------------------------------------------------------

/// `test_known_decompress_1` (second half), `_2`, `_3`, `_4`: python-lz4's literal streams
/// (page 128, 4-byte prefixes) decode to the same bytes.
#[test]
fn known_vectors() {
    let opts = opts_128();
    let vectors: [(&[u8], Vec<u8>); 4] = [
        (b"\x01\x00\x00\x00\x00", Vec::new()),
        (b"\x02\x00\x00\x00\x10 ", b" ".to_vec()),
        (
            b"%\x00\x00\x00\xff\x0bLorem ipsum dolor sit amet\x1a\x006P amet",
            b"Lorem ipsum dolor sit amet".repeat(4),
        ),
        (
            b"%\x00\x00\x00\xff\x0bLorem ipsum dolor sit amet\x1a\x00NPit am\n\x00\x00\x00\x0fh\x00hP sit \x05\x00\x00\x00@amet",
            b"Lorem ipsum dolor sit amet".repeat(10),
        ),
    ];
    for (input, output) in &vectors {
        assert_decodes(input, &opts, output, &format!("{input:?}"));
    }
    // The last vector's blocks (128 + 128 + 4 bytes) reference earlier blocks: decoding its
    // second block alone, without the first as history, fails.
    let (_, rest) = split_record(vectors[3].0, SizePrefix::U32, 128).unwrap();
    let (record, _) = split_record(rest, SizePrefix::U32, 128).unwrap();
    let Record::Block(second) = record else {
        panic!("expected a block")
    };
    let err = Decompressor::new(&opts)
        .unwrap()
        .decompress(second)
        .unwrap_err();
    assert_eq!(err.reason(), &Reason::BeyondHistory);
}

/// `test_known_decompress_1` (first half): python-lz4 fails on `00 00 00 00` ("Decompression
/// failed. error: 1": an empty block). Here a zero prefix is the end marker (SPEC 1.3, a
/// deliberate difference): an empty stream, and the reader stops right after it.
#[test]
fn zero_prefix_is_an_end_marker() {
    let opts = opts_128();
    assert_decodes(b"\x00\x00\x00\x00", &opts, b"", "end marker alone");
    let (out, result, rest) = read_stream(b"\x00\x00\x00\x00\x02\x00\x00\x00\x10 ", &opts);
    result.unwrap();
    assert!(out.is_empty());
    assert_eq!(rest, b"\x02\x00\x00\x00\x10 ");
    let (record, rest) = split_record(b"\x00\x00\x00\x00rest", SizePrefix::U32, 128).unwrap();
    assert_eq!((record, rest), (Record::End, &b"rest"[..]));
    // A block of size 0 where a block must stand (out of band) is an error, as in python-lz4.
    let err = Decompressor::new(&opts)
        .unwrap()
        .decompress(b"")
        .unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::InvalidData);
    assert_eq!(err.reason(), &Reason::EmptyBlock);
}

// ---------------------------------------------------------------------------------------------
// test_stream_2.py, test_stream_3.py
// ---------------------------------------------------------------------------------------------

/// `test_huge_1`, `_3`: python-lz4 refuses a 4 GiB dictionary ("Dictionary too large for LZ4
/// API"). Here any dictionary is accepted and only its tail matters (SPEC 1.1): a block that
/// references bytes 65,000 back into a 200 KiB dictionary decodes with just the dictionary's
/// last 64 KiB, or its last 65,000 bytes, and not with one byte fewer.
///
/// The block is made by hand (one match 65,000 bytes back, then 5 literals): liblz4's fast
/// compressor, which ours follows, hashes a dictionary's positions sparsely and keeps only the
/// latest of each hash, so on random bytes it rarely finds matches that far back.
#[test]
fn dictionary_larger_than_the_window() {
    let dictionary = random_bytes(200 * 1024, 9);
    let len = dictionary.len();
    let data = dictionary[len - 65_000..len - 65_000 + 4096].to_vec();
    let opts = StreamOptions::new()
        .page_size(4096)
        .dictionary(dictionary.clone());
    // Token: no literals, match length 15 + more; offset 65,000; 4,091 - 4 - 15 = 4,072 more
    // (255 x 15 + 247); then the last sequence: 5 literals.
    let mut block = vec![0x0F];
    block.extend_from_slice(&65_000u16.to_le_bytes());
    block.extend(std::iter::repeat(255).take(15));
    block.push(247);
    block.push(0x50);
    block.extend_from_slice(&data[4091..]);
    let mut stream = (block.len() as u32).to_le_bytes().to_vec();
    stream.extend_from_slice(&block);
    assert_decodes(&stream, &opts, &data, "whole dictionary");
    for tail in [65_536, 65_000] {
        let opts = opts.clone().dictionary(dictionary[len - tail..].to_vec());
        assert_decodes(
            &stream,
            &opts,
            &data,
            &format!("last {tail} bytes of the dictionary"),
        );
    }
    let shorter = opts.dictionary(dictionary[len - 64_999..].to_vec());
    let (_, result, _) = read_stream(&stream, &shorter);
    let err = result.unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::InvalidData);
    assert_eq!(inner(&err).reason(), &Reason::BeyondHistory);
}

/// `test_huge_2`: input too large for the context. A chunk longer than the page is
/// `InvalidInput` and appends nothing; a block longer than `compress_bound(page)` is
/// `InvalidData`.
#[test]
fn oversized_input_is_an_error() {
    let opts = opts_128();
    let mut compressor = Compressor::new(&opts).unwrap();
    let mut out = b"before".to_vec();
    let err = compressor.compress(&[0; 129], &mut out).unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
    assert_eq!(
        err.reason(),
        &Reason::ChunkTooLong {
            len: 129,
            page_size: 128
        }
    );
    assert_eq!(out, b"before");
    // The compressor is still usable.
    compressor.compress(&[0; 128], &mut out).unwrap();

    let block = vec![0; compress_bound(128) + 1];
    let err = Decompressor::new(&opts)
        .unwrap()
        .decompress(&block)
        .unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::InvalidData);
    assert_eq!(
        err.reason(),
        &Reason::BlockTooLarge {
            size: compress_bound(128) + 1,
            bound: compress_bound(128)
        }
    );
}

/// Counts the bytes this thread has live on the heap, and their peak.
struct CountingAllocator;

thread_local! {
    static LIVE: Cell<usize> = const { Cell::new(0) };
    static PEAK: Cell<usize> = const { Cell::new(0) };
}

fn count(delta: isize) {
    let _ = LIVE.try_with(|live| {
        let now = live.get().saturating_add_signed(delta);
        live.set(now);
        let _ = PEAK.try_with(|peak| peak.set(peak.get().max(now)));
    });
}

// SAFETY: every call is forwarded to `System` unchanged; only counters are updated.
unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count(layout.size() as isize);
        System.alloc(layout)
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        count(layout.size() as isize);
        System.alloc_zeroed(layout)
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        count(-(layout.size() as isize));
        System.dealloc(ptr, layout)
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count(new_size as isize - layout.size() as isize);
        System.realloc(ptr, layout, new_size)
    }
}

#[global_allocator]
static ALLOCATOR: CountingAllocator = CountingAllocator;

/// Runs `f` and returns the peak of this thread's live heap bytes above what was live before,
/// and how many bytes it left live.
fn heap_use(f: impl FnOnce()) -> (usize, isize) {
    let before = LIVE.with(Cell::get);
    PEAK.with(|peak| peak.set(before));
    f();
    let after = LIVE.with(Cell::get);
    (
        PEAK.with(Cell::get) - before,
        after as isize - before as isize,
    )
}

/// `test_block_decompress_mem_usage`: compressing and decompressing (1 MiB of `a`, pages of
/// 256 B to 1 MiB) over and over leaks nothing. Here, with a counting allocator: the writer and
/// the reader leave nothing allocated, and their peak heap use is the same for a stream three
/// times longer (SPEC 6: memory constant in the stream's length), within a bound set by the
/// page (history, page, spare room and one block; SPEC 3). The buffers grow with the data up
/// to their full size (2.1 MiB at most, for 1 MiB pages), so the shorter stream is longer
/// than that.
#[test]
fn memory_is_constant_in_the_stream_length() {
    let mib = 1 << 20;
    let short = [b"a".repeat(3 * mib / 2), random_bytes(3 * mib / 2, 10)].concat();
    let long = short.repeat(3);
    for page in [256, 1024, 65_536, mib] {
        let opts = StreamOptions::new().page_size(page);
        let streams: Vec<Vec<u8>> = [&short, &long]
            .iter()
            .map(|data| {
                let mut writer = Lz4StreamWriter::with_options(Vec::new(), &opts).unwrap();
                writer.write_all(data).unwrap();
                writer.finish().unwrap()
            })
            .collect();
        let mut peaks = Vec::new();
        for (data, stream) in [&short, &long].into_iter().zip(&streams) {
            let (write_peak, write_left) = heap_use(|| {
                let mut writer = Lz4StreamWriter::with_options(io::sink(), &opts).unwrap();
                for chunk in data.chunks(10_000) {
                    writer.write_all(chunk).unwrap();
                }
                writer.finish().unwrap();
            });
            let (read_peak, read_left) = heap_use(|| {
                let mut reader = Lz4StreamReader::with_options(&stream[..], &opts).unwrap();
                let n = io::copy(&mut reader, &mut io::sink()).unwrap();
                assert_eq!(n as usize, data.len());
            });
            assert_eq!((write_left, read_left), (0, 0), "page {page}: leaked");
            // History, page, up to 1 MiB of spare room, a record or block buffer.
            let bound = 65_536 + page + mib + 2 * compress_bound(page) + 65_536;
            assert!(
                write_peak <= bound,
                "page {page}: writer peak {write_peak} > {bound}"
            );
            assert!(
                read_peak <= bound,
                "page {page}: reader peak {read_peak} > {bound}"
            );
            peaks.push((write_peak, read_peak));
        }
        assert_eq!(
            peaks[0], peaks[1],
            "page {page}: peak grows with the stream"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// test_stream_4.py: out-of-band sizes
// ---------------------------------------------------------------------------------------------

/// `test_round_trip`: with `store_comp_size=0` each block is the in-band record without its
/// prefix, whose value is the block's length; both decode, block by block, to the same chunks.
#[test]
fn out_of_band_blocks_equal_in_band_blocks() {
    let data = digits();
    let in_band = StreamOptions::new().page_size(256);
    let out_of_band = in_band.clone().size_prefix(SizePrefix::OutOfBand);
    let mut ib = Compressor::new(&in_band).unwrap();
    let mut oob = Compressor::new(&out_of_band).unwrap();
    let (mut ib_stream, mut oob_stream, mut sizes) = (Vec::new(), Vec::new(), Vec::new());
    for chunk in data.chunks(256) {
        let (mut ib_block, mut oob_block) = (Vec::new(), Vec::new());
        ib.compress(chunk, &mut ib_block).unwrap();
        oob.compress(chunk, &mut oob_block).unwrap();
        assert_eq!(ib_block.len(), oob_block.len() + 4);
        assert_eq!(prefix_at(&ib_block, 0) as usize, oob_block.len());
        assert_eq!(ib_block[4..], oob_block[..]);
        ib_stream.extend_from_slice(&ib_block);
        oob_stream.extend_from_slice(&oob_block);
        sizes.push(oob_block.len());
    }

    let mut ib = Decompressor::new(&in_band).unwrap();
    let mut oob = Decompressor::new(&out_of_band).unwrap();
    let (mut ib_rest, mut oob_rest) = (&ib_stream[..], &oob_stream[..]);
    let mut decoded = Vec::new();
    for &size in &sizes {
        let (record, after) = split_record(ib_rest, SizePrefix::U32, 256).unwrap();
        let Record::Block(ib_block) = record else {
            panic!("expected a block")
        };
        let (oob_block, oob_after) = oob_rest.split_at(size);
        assert_eq!(ib_block, oob_block);
        let ib_chunk = ib.decompress(ib_block).unwrap();
        assert_eq!(ib_chunk, oob.decompress(oob_block).unwrap());
        decoded.extend_from_slice(ib_chunk);
        (ib_rest, oob_rest) = (after, oob_after);
    }
    assert!(ib_rest.is_empty() && oob_rest.is_empty());
    assert_eq!(decoded, data);

    let mut reader =
        Lz4StreamReader::with_block_sizes(&oob_stream[..], &out_of_band, sizes).unwrap();
    let mut out = Vec::new();
    reader.read_to_end(&mut out).unwrap();
    assert_eq!(out, data);
}

/// `test_invalid_usage`: `get_block` on an out-of-band stream is an error ("LZ4 context is
/// configured for storing block size out-of-band"): `split_record` and a reader without the
/// sizes refuse it (`InvalidInput`, `BlockSizesMismatch`).
#[test]
fn out_of_band_streams_cannot_be_split() {
    let data = digits();
    let opts = StreamOptions::new()
        .page_size(256)
        .size_prefix(SizePrefix::OutOfBand);
    let mut compressor = Compressor::new(&opts).unwrap();
    let mut stream = Vec::new();
    for chunk in data.chunks(256) {
        compressor.compress(chunk, &mut stream).unwrap();
    }
    let err = split_record(&stream, SizePrefix::OutOfBand, 256).unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
    assert_eq!(err.reason(), &Reason::BlockSizesMismatch);
    let err = Lz4StreamReader::with_options(&stream[..], &opts).unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
    assert_eq!(inner(&err).reason(), &Reason::BlockSizesMismatch);
}
