//! `DecompressingWriter`: it decodes every stream the peers wrote (`tests/fixtures/`, see
//! `tests/it/fixtures.rs`), given whole or in pieces, into inner writers that take everything or a
//! few bytes a call; `finish` says `UnexpectedEof` for a stream cut inside a prefix, inside a
//! block or before its end marker, and gives the writer back, which completes once given the
//! rest; bytes after the end of the stream are `InvalidData` (`Reason::AfterEnd`); a corrupt
//! block is `InvalidData` and the writer stays failed; an error of the inner writer met after a
//! `write` took bytes is not lost.
//!
//! (The fault injection at every position, common to every front end, is in
//! `tests/it/front_ends.rs`.)

use std::collections::HashMap;
use std::fs;
use std::io::{self, ErrorKind, Write};
use std::path::{Path, PathBuf};

use crate::common::*;
use lz4_stream::{DecompressingWriter, Reason, SizePrefix, StreamOptions};

// ---------------------------------------------------------------------------------------------
// The fixtures (the minimal part of `tests/it/fixtures.rs`'s loading: its manifest's format is
// documented there).

/// Fewer fixtures than this means the fixtures were not generated (or were lost).
const MIN_FIXTURES: usize = 30;

/// One fixture: its stream, the options to read it, and what it decodes to.
struct Fixture {
    name: String,
    opts: StreamOptions,
    stream: Vec<u8>,
    /// The block sizes, for out-of-band streams.
    sizes: Option<Vec<usize>>,
    raw: Vec<u8>,
}

fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

fn read_file(dir: &Path, file: &str) -> Vec<u8> {
    fs::read(dir.join(file)).unwrap_or_else(|err| panic!("{file}: {err}"))
}

/// Parses one manifest line (`NAME key=value...`) and reads the files it names.
fn parse_line(dir: &Path, line: &str) -> Fixture {
    let mut words = line.split_whitespace();
    let name = words.next().expect("a name").to_string();
    let fields: HashMap<&str, &str> = words
        .map(|word| word.split_once('=').expect("key=value"))
        .collect();
    let field = |key: &str| {
        *fields
            .get(key)
            .unwrap_or_else(|| panic!("{name}: no `{key}=`"))
    };
    let page = field("page").parse().expect("a page size");
    let prefix = field("prefix")
        .parse()
        .ok()
        .and_then(SizePrefix::from_width)
        .expect("a prefix width");
    let dictionary = match field("dict") {
        "-" => Vec::new(),
        file => read_file(dir, file),
    };
    let opts = StreamOptions::new()
        .page_size(page)
        .size_prefix(prefix)
        .dictionary(dictionary)
        .end_marker(field("end_marker") == "1");
    let sizes = (prefix == SizePrefix::OutOfBand).then(|| {
        String::from_utf8(read_file(dir, &format!("{name}.sizes")))
            .expect("sizes in text")
            .lines()
            .map(str::trim)
            .filter(|line| !line.is_empty())
            .map(|line| line.parse().expect("a block size"))
            .collect()
    });
    Fixture {
        stream: read_file(dir, &format!("{name}.lz4s")),
        raw: read_file(dir, field("raw")),
        name,
        opts,
        sizes,
    }
}

fn load_fixtures() -> Vec<Fixture> {
    let dir = fixtures_dir();
    let manifest = fs::read_to_string(dir.join("MANIFEST")).expect("tests/fixtures/MANIFEST");
    let fixtures: Vec<Fixture> = manifest
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .map(|line| parse_line(&dir, line))
        .collect();
    assert!(
        fixtures.len() >= MIN_FIXTURES,
        "only {} fixtures",
        fixtures.len()
    );
    fixtures
}

/// A decompressing writer for `opts`, given `sizes` when the prefix is out of band.
fn decompressor<W: Write>(
    inner: W,
    opts: &StreamOptions,
    sizes: Option<&[usize]>,
) -> DecompressingWriter<W> {
    match sizes {
        Some(sizes) => DecompressingWriter::with_block_sizes(inner, opts, sizes.to_vec()),
        None => DecompressingWriter::with_options(inner, opts),
    }
    .expect("valid options")
}

/// Every fixture, written in one `write_all`, in pieces of 1, 2, ... `step` bytes (cycling),
/// and into an inner writer that takes a few bytes a call: exactly the raw bytes, and the
/// counts of both sides.
#[test]
fn decodes_every_fixture() {
    let fixtures = load_fixtures();
    for fixture in &fixtures {
        let name = &fixture.name;
        let sizes = fixture.sizes.as_deref();
        for step in [usize::MAX, 1, 7, 1000, 70_000] {
            for limits in [vec![usize::MAX / 2], vec![1, 5, 3000]] {
                let inner = ShortWriter::new(Vec::new(), limits.clone());
                let mut writer = decompressor(inner, &fixture.opts, sizes);
                let mut at = 0;
                let mut piece = 0;
                while at < fixture.stream.len() {
                    piece = if step == usize::MAX {
                        usize::MAX
                    } else {
                        piece % step + 1
                    };
                    let end = at.saturating_add(piece).min(fixture.stream.len());
                    writer
                        .write_all(&fixture.stream[at..end])
                        .unwrap_or_else(|err| panic!("{name} step {step}: {err}"));
                    at = end;
                }
                assert_eq!(writer.total_in(), fixture.stream.len() as u64, "{name}");
                let out = writer
                    .finish()
                    .unwrap_or_else(|err| panic!("{name} step {step}: {err}"))
                    .inner;
                assert!(
                    out == fixture.raw,
                    "{name} step {step} limits {limits:?}: decoded {} bytes, expected {}",
                    out.len(),
                    fixture.raw.len()
                );
            }
        }
        // The counts, and `flush` handing out everything decoded so far.
        let mut writer = decompressor(Vec::new(), &fixture.opts, sizes);
        let half = fixture.stream.len() / 2;
        writer.write_all(&fixture.stream[..half]).unwrap();
        writer.flush().unwrap();
        assert_eq!(writer.total_out(), writer.get_ref().len() as u64, "{name}");
        assert!(fixture.raw.starts_with(writer.get_ref()), "{name}");
        writer.write_all(&fixture.stream[half..]).unwrap();
        writer.flush().unwrap();
        assert_eq!(
            (writer.total_in(), writer.total_out()),
            (fixture.stream.len() as u64, fixture.raw.len() as u64),
            "{name}"
        );
        assert!(writer.finish().unwrap() == fixture.raw, "{name}");
    }
}

// ---------------------------------------------------------------------------------------------
// finish and the end of the stream.

/// A stream cut anywhere: `finish` succeeds where the stream may end (at a record boundary,
/// without a required end marker), else says `UnexpectedEof` for the right reason and gives the
/// writer back, with the inner writer holding every block decoded so far; given the rest of
/// the stream, the writer then finishes with all of the data.
#[test]
fn finish_of_a_cut_stream_gives_the_writer_back() {
    let data = sample_data();
    for base in all_options() {
        for opts in [base.clone(), marked(&base)] {
            let what = describe(&opts);
            let (stream, sizes) = compress(&opts, &data);
            let out_of_band = opts.get_size_prefix() == SizePrefix::OutOfBand;
            let sizes = out_of_band.then_some(&sizes[..]);
            let ends = record_ends(&opts, &stream, sizes.unwrap_or(&[]));
            let width = opts.get_size_prefix().width();
            let mut reasons = [0; 3];
            for cut in 0..=stream.len() {
                let mut writer = decompressor(Vec::new(), &opts, sizes);
                writer.write_all(&stream[..cut]).unwrap();
                let result = writer.finish();
                let boundary = cut == 0 || ends.contains(&cut);
                let may_end =
                    cut == stream.len() || (!out_of_band && boundary && !opts.get_end_marker());
                let writer = match result {
                    Ok(out) => {
                        assert!(may_end, "{what}: finished at {cut}");
                        let want = if cut == stream.len() {
                            data.clone()
                        } else {
                            decompress(&opts, &stream[..cut], &[]).unwrap()
                        };
                        assert!(out == want, "{what} cut at {cut}");
                        continue;
                    }
                    Err(err) => err,
                };
                assert!(!may_end, "{what} cut at {cut}: {}", writer.error());
                assert_eq!(writer.error().kind(), ErrorKind::UnexpectedEof, "{what}");
                let reason = reason(writer.error()).clone();
                let (error, mut writer) = writer.into_parts();
                // Where the cut lies says why.
                let last_end = ends.iter().copied().filter(|&end| end <= cut).max();
                let inside = cut - last_end.unwrap_or(0);
                match reason {
                    Reason::TruncatedPrefix { got, width: w } => {
                        assert_eq!((got, w), (inside, width), "{what} cut {cut}");
                        reasons[0] += 1;
                    }
                    Reason::TruncatedBlock { got, .. } => {
                        assert_eq!(got, inside - width, "{what} cut {cut}");
                        reasons[1] += 1;
                    }
                    Reason::MissingEndMarker => {
                        assert!(boundary && opts.get_end_marker(), "{what} cut {cut}");
                        reasons[2] += 1;
                    }
                    other => panic!("{what} cut {cut}: {other:?} ({error})"),
                }
                // The blocks before the cut are decoded and handed over already.
                let decoded = writer.get_ref().len();
                assert!(data.starts_with(writer.get_ref()), "{what} cut {cut}");
                assert_eq!(writer.total_out(), decoded as u64);
                assert_eq!(writer.total_in(), cut as u64, "{what} cut {cut}");
                // Finishing again changes nothing; the rest of the stream completes it.
                let err = writer.try_finish().unwrap_err();
                assert_eq!(err.kind(), ErrorKind::UnexpectedEof);
                writer.write_all(&stream[cut..]).unwrap();
                let out = writer.finish().unwrap();
                assert!(out == data, "{what} cut at {cut}: completed");
            }
            let prefixed = usize::from(width >= 2);
            assert!(reasons[0] >= prefixed, "{what}: no cut inside a prefix");
            assert!(reasons[1] > 0, "{what}: no cut inside a block");
            assert_eq!(
                reasons[2] > 0,
                opts.get_end_marker(),
                "{what}: cuts without the end marker"
            );
        }
    }
}

/// Bytes after the end marker (or after the last out-of-band block) are `InvalidData`
/// (`AfterEnd`): the `write` that meets them takes the stream's bytes only, and the next one
/// fails without taking anything; the decoded data is complete, and `finish` still succeeds.
#[test]
fn bytes_after_the_end_are_invalid_data() {
    let data = sample_data();
    for base in all_options() {
        let opts = marked(&base);
        let what = describe(&opts);
        let (stream, sizes) = compress(&opts, &data);
        let sizes = (opts.get_size_prefix() == SizePrefix::OutOfBand).then_some(&sizes[..]);
        let bytes = [&stream[..], b"\x00\x01trailing"].concat();
        let mut writer = decompressor(Vec::new(), &opts, sizes);
        let mut at = 0;
        while at < stream.len() {
            let n = writer.write(&bytes[at..]).unwrap();
            assert!(n > 0);
            at += n;
        }
        assert_eq!(at, stream.len(), "{what}: took bytes after the end");
        for _ in 0..2 {
            let err = writer.write(&bytes[at..]).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::InvalidData, "{what}: {err}");
            assert!(matches!(reason(&err), Reason::AfterEnd), "{what}: {err}");
        }
        // An empty write is no byte after the end.
        assert_eq!(writer.write(&[]).unwrap(), 0, "{what}");
        assert_eq!(writer.total_in(), stream.len() as u64);
        assert!(writer.finish().unwrap() == data, "{what}");
    }
}

/// A corrupt block is `InvalidData`, and the writer stays failed: every later `write`,
/// `flush`... and `finish` say so again; the blocks before it were decoded and handed over.
#[test]
fn a_corrupt_block_fails_for_good() {
    let data = sample_data();
    let mut problems = Vec::new();
    for opts in all_options() {
        let what = describe(&opts);
        let (mut stream, sizes) = compress(&opts, &data);
        let out_of_band = opts.get_size_prefix() == SizePrefix::OutOfBand;
        let sizes = out_of_band.then_some(&sizes[..]);
        let ends = record_ends(&opts, &stream, sizes.unwrap_or(&[]));
        // The third block: its bytes all 0xFF (a literal run past the block's end).
        let width = opts.get_size_prefix().width();
        let start = ends[1] + width;
        stream[start..ends[2]].fill(0xFF);
        for piece in [usize::MAX, 1, 10] {
            let mut writer = decompressor(Vec::new(), &opts, sizes);
            let mut at: usize = 0;
            let err = loop {
                let end = at.saturating_add(piece).min(stream.len());
                let before = writer.total_in();
                match writer.write(&stream[at..end]) {
                    Ok(n) => {
                        assert_eq!(writer.total_in(), before + n as u64, "{what}");
                        at += n;
                    }
                    Err(err) => {
                        // As `Write` says: a call that fails took nothing (the records before
                        // the corrupt one are taken by a call that succeeds); and the count of
                        // bytes taken never goes back.
                        let after = writer.total_in();
                        if after != before {
                            problems.push(format!(
                                "{what}, pieces of {piece}: the failed write moved total_in \
                                 from {before} to {after}"
                            ));
                        }
                        break err;
                    }
                }
                assert!(at < stream.len(), "{what}: the corrupt block went through");
            };
            assert_eq!(err.kind(), ErrorKind::InvalidData, "{what}: {err}");
            let first = reason(&err).clone();
            assert!(
                matches!(
                    first,
                    Reason::Malformed { .. } | Reason::PageOverflow { .. } | Reason::BeyondHistory
                ),
                "{what}: {err}"
            );
            assert_eq!(lz4_error(&err).block(), Some(2), "{what}");
            // `flush` hands over what the good records decoded to, then reports the failure.
            let err = writer.flush().unwrap_err();
            assert_eq!(reason(&err), &first, "{what}");
            let before = writer.get_ref().len();
            assert!(before > 0 && data.starts_with(writer.get_ref()), "{what}");
            for _ in 0..2 {
                let err = writer.write(&stream[at..]).unwrap_err();
                assert_eq!(err.kind(), ErrorKind::InvalidData);
                assert_eq!(reason(&err), &first, "{what}");
            }
            let err = writer.finish().unwrap_err();
            assert_eq!(err.error().kind(), ErrorKind::InvalidData, "{what}");
            let writer = err.into_inner();
            assert_eq!(
                writer.get_ref().len(),
                before,
                "{what}: decoded past the corrupt block"
            );
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

// ---------------------------------------------------------------------------------------------
// The inner writer's errors.

/// An inner writer that fails its first `fail` calls... with `kind` (or takes nothing, with
/// `WriteZero`), then takes everything.
struct FailsFirst {
    out: Vec<u8>,
    kind: ErrorKind,
    fail: usize,
    calls: usize,
}

impl Write for FailsFirst {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.calls += 1;
        if self.calls <= self.fail {
            return match self.kind {
                ErrorKind::WriteZero => Ok(0),
                kind => Err(injected(kind)),
            };
        }
        self.out.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// The inner writer fails once (`Other`, or takes nothing) after a `write` took a whole record
/// and decoded it: that `write` returns what it took, and the error must come with the next
/// call (as `Lz4StreamWriter` and the readers defer theirs), not be dropped because the retry
/// of the inner writer happens to succeed.
#[test]
fn an_inner_writers_error_after_taking_bytes_is_not_lost() {
    let data = sample_data();
    let opts = StreamOptions::new().page_size(100);
    let (stream, _) = compress(&opts, &data);
    let mut lost = Vec::new();
    for kind in [ErrorKind::Other, ErrorKind::WriteZero] {
        let inner = FailsFirst {
            out: Vec::new(),
            kind,
            fail: 1,
            calls: 0,
        };
        let mut writer = DecompressingWriter::with_options(inner, &opts).unwrap();
        // The first record is decoded (taken), then its page fails to go out.
        let taken = writer.write(&stream).unwrap();
        assert!(taken > 0);
        let mut errors = 0;
        let mut at = taken;
        while at < stream.len() {
            match writer.write(&stream[at..]) {
                Ok(n) => at += n,
                Err(err) => {
                    assert_eq!(err.kind(), kind, "{err}");
                    errors += 1;
                }
            }
        }
        if let Err(err) = writer.flush() {
            assert_eq!(err.kind(), kind, "{err}");
            errors += 1;
        }
        let out = writer.finish().unwrap().out;
        assert!(out == data, "{kind:?}: data differs");
        assert!(errors <= 1, "{kind:?}: seen {errors} times");
        if errors == 0 {
            lost.push(kind);
        }
    }
    assert!(
        lost.is_empty(),
        "the inner writer's errors were lost: {lost:?}"
    );
}

/// `Interrupted` and `WouldBlock` of the inner writer before a `write` took anything come out
/// untouched, and retrying goes on; `write_all` rides over `Interrupted`.
#[test]
fn transient_errors_of_the_inner_writer() {
    let data = sample_data();
    let opts = StreamOptions::new().page_size(100);
    let (stream, _) = compress(&opts, &data);
    for kind in [ErrorKind::Interrupted, ErrorKind::WouldBlock] {
        for fail in 1..4 {
            let inner = FailsFirst {
                out: Vec::new(),
                kind,
                fail,
                calls: 0,
            };
            let mut writer = DecompressingWriter::with_options(inner, &opts).unwrap();
            let mut at = 0;
            let mut errors = 0;
            while at < stream.len() {
                match writer.write(&stream[at..at + 1]) {
                    Ok(n) => at += n,
                    Err(err) => {
                        assert_eq!(err.kind(), kind);
                        errors += 1;
                    }
                }
            }
            assert!(errors <= fail, "{kind:?}");
            let out = loop {
                match writer.finish() {
                    Ok(inner) => break inner.out,
                    Err(err) => {
                        assert_eq!(err.error().kind(), kind);
                        writer = err.into_inner();
                    }
                }
            };
            assert!(out == data, "{kind:?}");
        }
    }
    let inner = FailsFirst {
        out: Vec::new(),
        kind: ErrorKind::Interrupted,
        fail: 3,
        calls: 0,
    };
    let mut writer = DecompressingWriter::with_options(inner, &opts).unwrap();
    writer.write_all(&stream).unwrap();
    assert!(writer.finish().unwrap().out == data);
}
