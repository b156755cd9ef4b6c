//! Diagnosis of a stream that fails at its first record (issue 11): the error names the likely
//! cause (`Error::hint`, and the message ends with "likely cause: ..."), for every cause the
//! reader guesses, through `Lz4StreamReader` and `Lz4StreamBufReader` alike:
//!
//! - another format's magic number: an LZ4 frame (written by `lz4_flex`'s frame encoder, the
//!   format of the `lz4` command line), a legacy LZ4 frame, a skippable frame, gzip, zstd, xz,
//!   bzip2, zip;
//! - a stream written with 4-byte prefixes read with 2-byte ones, and the reverse;
//! - a stream written with 1 MiB pages read with 64 KiB ones;
//! - a stream written with a dictionary read without one.
//!
//! And no hint where none is due: a failure after the first record, and the same failures of a
//! stream read with the right options but corrupted.

use std::io::{self, BufReader, Read, Write};

use lz4_stream::{
    Error, Hint, Lz4StreamBufReader, Lz4StreamReader, Lz4StreamWriter, Reason, SizePrefix,
    StreamOptions,
};

/// Text-like data (compressible).
fn text(len: usize) -> Vec<u8> {
    (0u32..)
        .flat_map(|i| format!("line {} of {}, ", i % 1000, i * 7 % 13).into_bytes())
        .take(len)
        .collect()
}

/// Incompressible data.
fn noise(len: usize) -> Vec<u8> {
    let mut state = 0x2545_F491_4F6C_DD1Du64;
    (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state as u8
        })
        .collect()
}

fn write(opts: &StreamOptions, data: &[u8]) -> Vec<u8> {
    let mut writer = Lz4StreamWriter::with_options(Vec::new(), opts).unwrap();
    writer.write_all(data).unwrap();
    writer.finish().unwrap()
}

/// Reads `stream` with `opts` through both readers; both must fail the same way, and the
/// crate's error is returned.
fn failure(stream: &[u8], opts: &StreamOptions) -> Error {
    let copying = Lz4StreamReader::with_options(stream, opts)
        .unwrap()
        .read_to_end(&mut Vec::new())
        .unwrap_err();
    // A small buffer makes the borrowing reader take the copying path too, a large one the
    // fast path: both must agree.
    for capacity in [5, 1 << 20] {
        let borrowing =
            Lz4StreamBufReader::with_options(BufReader::with_capacity(capacity, stream), opts)
                .unwrap()
                .read_to_end(&mut Vec::new())
                .unwrap_err();
        assert_eq!(
            lz4_error(&borrowing),
            lz4_error(&copying),
            "capacity {capacity}"
        );
    }
    lz4_error(&copying).clone()
}

fn lz4_error(err: &io::Error) -> &Error {
    err.get_ref()
        .and_then(|e| e.downcast_ref::<Error>())
        .expect("the crate's error")
}

fn assert_hint(err: &Error, hint: Hint, message: &str) {
    assert_eq!(err.hint(), Some(hint), "{err}");
    assert_eq!(err.block(), Some(0), "{err}");
    let text = err.to_string();
    assert!(
        text.contains(&format!("(likely cause: {message}")),
        "{text}"
    );
}

#[test]
fn an_lz4_frame_is_named() {
    let mut encoder = lz4_flex::frame::FrameEncoder::new(Vec::new());
    encoder.write_all(&text(100_000)).unwrap();
    let frame = encoder.finish().unwrap();
    for prefix in [SizePrefix::U32, SizePrefix::U16, SizePrefix::U8] {
        let opts = StreamOptions::new().page_size(200).size_prefix(prefix);
        let err = failure(&frame, &opts);
        let Some(Hint::OtherFormat { name }) = err.hint() else {
            panic!("{prefix:?}: {err}");
        };
        assert!(name.starts_with("an LZ4 frame (magic 0x184D2204"), "{name}");
        assert!(
            err.to_string().contains(
                "(likely cause: the input starts as an LZ4 frame (magic 0x184D2204: the format of \
                 the lz4 command line"
            ),
            "{err}"
        );
    }
    // With the default options it is the magic read as a size, 407,708,164 bytes.
    let err = failure(&frame, &StreamOptions::new());
    assert_eq!(
        err.reason(),
        &Reason::BlockTooLarge {
            size: 0x184D_2204,
            bound: lz4_stream::compress_bound(65_536)
        }
    );
}

#[test]
fn other_formats_are_named() {
    for (head, name) in [
        (
            &[0x02, 0x21, 0x4C, 0x18][..],
            "a legacy LZ4 frame (magic 0x184C2102",
        ),
        (&[0x53, 0x2A, 0x4D, 0x18][..], "an LZ4 skippable frame"),
        (&[0x1F, 0x8B, 0x08, 0x00][..], "gzip data"),
        (&[0x28, 0xB5, 0x2F, 0xFD][..], "a zstd frame"),
        (&[0xFD, b'7', b'z', b'X', b'Z', 0][..], "xz data"),
        (&b"BZh9"[..], "bzip2 data"),
        (&b"PK\x03\x04"[..], "a zip archive"),
    ] {
        let mut input = head.to_vec();
        input.extend_from_slice(&noise(300));
        let err = failure(&input, &StreamOptions::new());
        let Some(Hint::OtherFormat { name: named }) = err.hint() else {
            panic!("{name}: {err}");
        };
        assert!(named.starts_with(name), "{named}");
        assert!(
            err.to_string()
                .contains(&format!("(likely cause: the input starts as {name}")),
            "{err}"
        );
    }
}

#[test]
fn a_wider_prefix_read_narrow() {
    // The case: 4-byte prefixes read as 2-byte ones decoded the upper half of a prefix
    // as a block ("references bytes before the history").
    let data = text(200_000);
    for (written, read, page) in [
        (SizePrefix::U32, SizePrefix::U16, 65_536),
        (SizePrefix::U16, SizePrefix::U8, 200),
    ] {
        let stream = write(
            &StreamOptions::new().page_size(page).size_prefix(written),
            &data,
        );
        let opts = StreamOptions::new().page_size(page).size_prefix(read);
        let err = failure(&stream, &opts);
        let width = written.width();
        assert_hint(
            &err,
            Hint::PrefixWidth { width },
            &format!(
                "the first record makes sense with {width}-byte size prefixes: was the stream \
                 written with another size_prefix?"
            ),
        );
    }
}

#[test]
fn a_narrower_prefix_read_wide() {
    let data = text(200_000);
    let stream = write(
        &StreamOptions::new()
            .page_size(8192)
            .size_prefix(SizePrefix::U16),
        &data,
    );
    let err = failure(&stream, &StreamOptions::new().page_size(8192));
    assert!(
        matches!(err.reason(), Reason::BlockTooLarge { .. }),
        "{err}"
    );
    assert_hint(
        &err,
        Hint::PrefixWidth { width: 2 },
        "the first record makes sense with 2-byte size prefixes",
    );
}

#[test]
fn larger_pages_are_named() {
    let data = noise(1 << 20);
    let stream = write(&StreamOptions::new().page_size(1 << 20), &data);
    let err = failure(&stream, &StreamOptions::new());
    let Reason::BlockTooLarge { size, .. } = *err.reason() else {
        panic!("{err}");
    };
    let Some(Hint::PageSize { at_least }) = err.hint() else {
        panic!("{err}");
    };
    // The smallest page whose blocks can be that large.
    assert!(lz4_stream::compress_bound(at_least) >= size, "{err}");
    assert!(lz4_stream::compress_bound(at_least - 1) < size, "{err}");
    assert!((65_536..=1 << 20).contains(&at_least), "{err}");
    assert_hint(
        &err,
        Hint::PageSize { at_least },
        &format!(
            "a block this large comes from pages of at least {at_least} bytes: was the stream \
             written with a larger page_size?"
        ),
    );
}

#[test]
fn a_missing_dictionary_is_named() {
    let dictionary = text(20_000);
    let data: Vec<u8> = dictionary
        .iter()
        .rev()
        .copied()
        .chain(dictionary.clone())
        .collect();
    let stream = write(&StreamOptions::new().dictionary(dictionary.clone()), &data);
    let err = failure(&stream, &StreamOptions::new());
    assert_eq!(err.reason(), &Reason::BeyondHistory, "{err}");
    assert_hint(
        &err,
        Hint::Dictionary,
        "the first block references bytes before the stream: it was written with a dictionary",
    );
    // With the dictionary it reads.
    let mut back = Vec::new();
    Lz4StreamReader::with_options(&stream[..], &StreamOptions::new().dictionary(dictionary))
        .unwrap()
        .read_to_end(&mut back)
        .unwrap();
    assert!(back == data);
}

#[test]
fn no_hint_after_the_first_record_or_with_the_right_options() {
    let data = text(300_000);
    let opts = StreamOptions::new().page_size(4096);
    let stream = write(&opts, &data);
    // The second record's prefix made far too large.
    let first = u32::from_le_bytes(stream[..4].try_into().unwrap()) as usize;
    let mut corrupt = stream.clone();
    corrupt[4 + first + 3] = 0x7F;
    let err = failure(&corrupt, &opts);
    assert_eq!(err.block(), Some(1), "{err}");
    assert_eq!(err.hint(), None, "{err}");
    assert!(!err.to_string().contains("likely cause"), "{err}");
    // A first block cut short, read with the right options: truncation, no guess.
    let err = failure(&stream[..4 + first / 2], &opts);
    assert!(
        matches!(err.reason(), Reason::TruncatedBlock { .. }),
        "{err}"
    );
    assert_eq!(err.hint(), None, "{err}");
}
