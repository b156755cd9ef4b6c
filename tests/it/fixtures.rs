//! Streams written by the real peers (python-lz4's `lz4.stream` and liblz4's streaming API,
//! see `peers/README.md`) decode with this crate, byte for byte (SPEC 5).
//!
//! `tests/fixtures/MANIFEST` lists the fixtures, one a line:
//!
//! ```text
//! NAME peer=<pylz4|liblz4> page=<N> prefix=<0|1|2|4> strategy=<double|ring> dict=<FILE|->
//!      end_marker=<0|1> raw=<FILE> mode=<default|hc>
//! ```
//!
//! with `NAME.lz4s` the stream and, for `prefix=0`, `NAME.sizes` its block sizes (one decimal a
//! line). For every fixture the tests below
//!
//! - decode `NAME.lz4s` with [`Lz4StreamReader`] (`with_block_sizes` for out-of-band sizes), in
//!   one go and through an inner reader that hands out a few bytes at a time, and compare with
//!   the raw bytes exactly; the reader must stop exactly at the end of the stream;
//! - decode it through the sans-IO path ([`split_record`] + [`Decompressor`]);
//! - for `end_marker=1`, check that the stream without its end marker is `UnexpectedEof`
//!   (`MissingEndMarker`) for a reader that requires one, and decodes in full for one that does
//!   not;
//! - re-encode the raw bytes with [`Lz4StreamWriter`] at the fixture's options (double buffer for
//!   python-lz4 and liblz4 double-buffer fixtures, a 64 KiB ring for liblz4 ring fixtures) and
//!   check that the reader gets them back.
//!
//! Every failure names its fixture; the tests fail if the manifest is missing, lists fewer than
//! [`MIN_FIXTURES`] fixtures, or names a file that is not there, so they cannot pass vacuously.

use std::collections::HashMap;
use std::fs;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use lz4_stream::{
    split_record, Decompressor, Error, Lz4StreamReader, Lz4StreamWriter, Reason, Record,
    SizePrefix, Strategy, StreamOptions,
};

/// Fewer fixtures than this means the fixtures were not generated (or were lost).
const MIN_FIXTURES: usize = 30;

/// Which program wrote a fixture.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Peer {
    PyLz4,
    LibLz4,
}

/// One line of the manifest, with its files read.
struct Fixture {
    name: String,
    peer: Peer,
    page: usize,
    prefix: SizePrefix,
    ring: bool,
    dictionary: Vec<u8>,
    end_marker: bool,
    /// The stream.
    stream: Vec<u8>,
    /// The block sizes, for `prefix=0`.
    sizes: Option<Vec<usize>>,
    /// What the stream decodes to.
    raw: Vec<u8>,
}

impl Fixture {
    /// The options a reader of this fixture needs.
    fn options(&self) -> StreamOptions {
        StreamOptions::new()
            .page_size(self.page)
            .size_prefix(self.prefix)
            .dictionary(self.dictionary.clone())
            .end_marker(self.end_marker)
    }

    /// The options for our writer to write what the peer wrote.
    fn writer_options(&self) -> StreamOptions {
        let strategy = if self.ring {
            Strategy::RingBuffer { window: 65_536 }
        } else {
            Strategy::DoubleBuffer
        };
        self.options().strategy(strategy)
    }
}

fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

fn read(dir: &Path, file: &str) -> Result<Vec<u8>, String> {
    fs::read(dir.join(file)).map_err(|err| format!("{file}: {err}"))
}

/// Parses one manifest line and reads the files it names.
fn parse_line(dir: &Path, line: &str) -> Result<Fixture, String> {
    let mut words = line.split_whitespace();
    let name = words.next().ok_or("empty line")?.to_string();
    let mut fields = HashMap::new();
    for word in words {
        let (key, value) = word
            .split_once('=')
            .ok_or_else(|| format!("{name}: `{word}` is not key=value"))?;
        if fields.insert(key, value).is_some() {
            return Err(format!("{name}: `{key}` given twice"));
        }
    }
    let field = |key: &str| {
        fields
            .get(key)
            .copied()
            .ok_or_else(|| format!("{name}: no `{key}=`"))
    };
    let peer = match field("peer")? {
        "pylz4" => Peer::PyLz4,
        "liblz4" => Peer::LibLz4,
        other => return Err(format!("{name}: unknown peer `{other}`")),
    };
    let page: usize = field("page")?
        .parse()
        .map_err(|err| format!("{name}: page: {err}"))?;
    let prefix = field("prefix")?
        .parse()
        .ok()
        .and_then(SizePrefix::from_width)
        .ok_or_else(|| format!("{name}: bad prefix"))?;
    let ring = match field("strategy")? {
        "double" => false,
        "ring" => true,
        other => return Err(format!("{name}: unknown strategy `{other}`")),
    };
    if ring && peer == Peer::PyLz4 {
        return Err(format!("{name}: python-lz4 has no ring buffer"));
    }
    let dictionary = match field("dict")? {
        "-" => Vec::new(),
        file => read(dir, file).map_err(|err| format!("{name}: {err}"))?,
    };
    let end_marker = match field("end_marker")? {
        "0" => false,
        "1" => true,
        other => return Err(format!("{name}: bad end_marker `{other}`")),
    };
    match field("mode")? {
        "default" | "hc" => {}
        other => return Err(format!("{name}: unknown mode `{other}`")),
    }
    let raw = read(dir, field("raw")?).map_err(|err| format!("{name}: {err}"))?;
    let stream = read(dir, &format!("{name}.lz4s")).map_err(|err| format!("{name}: {err}"))?;
    let sizes = if prefix == SizePrefix::OutOfBand {
        let text = read(dir, &format!("{name}.sizes")).map_err(|err| format!("{name}: {err}"))?;
        let text = String::from_utf8(text).map_err(|err| format!("{name}.sizes: {err}"))?;
        let sizes = text
            .lines()
            .map(str::trim)
            .filter(|line| !line.is_empty())
            .map(|line| {
                line.parse()
                    .map_err(|err| format!("{name}.sizes: `{line}`: {err}"))
            })
            .collect::<Result<Vec<usize>, String>>()?;
        Some(sizes)
    } else {
        None
    };
    Ok(Fixture {
        name,
        peer,
        page,
        prefix,
        ring,
        dictionary,
        end_marker,
        stream,
        sizes,
        raw,
    })
}

/// All fixtures of the manifest; panics (failing the test) on a missing manifest, a bad line, a
/// missing file or too few fixtures.
fn load_fixtures() -> Vec<Fixture> {
    let dir = fixtures_dir();
    let manifest = fs::read_to_string(dir.join("MANIFEST"))
        .unwrap_or_else(|err| panic!("{}: {err}", dir.join("MANIFEST").display()));
    let mut fixtures = Vec::new();
    let mut errors = Vec::new();
    for line in manifest.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        match parse_line(&dir, line) {
            Ok(fixture) => fixtures.push(fixture),
            Err(err) => errors.push(err),
        }
    }
    assert!(errors.is_empty(), "bad MANIFEST:\n{}", errors.join("\n"));
    assert!(
        fixtures.len() >= MIN_FIXTURES,
        "MANIFEST lists {} fixtures, expected at least {MIN_FIXTURES}",
        fixtures.len()
    );
    fixtures
}

/// Runs `check` on every fixture and fails with the list of fixtures it failed on.
fn for_each_fixture(check: impl Fn(&Fixture) -> Result<(), String>) {
    let fixtures = load_fixtures();
    let failures: Vec<String> = fixtures
        .iter()
        .filter_map(|fixture| {
            check(fixture)
                .err()
                .map(|err| format!("{}: {err}", fixture.name))
        })
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} fixtures failed:\n{}",
        failures.len(),
        fixtures.len(),
        failures.join("\n")
    );
}

/// Why an `io::Error` happened, for messages.
fn describe(err: &io::Error) -> String {
    match err.get_ref().and_then(|e| e.downcast_ref::<Error>()) {
        Some(inner) => format!("{:?}: {inner} ({:?})", err.kind(), inner.reason()),
        None => format!("{:?}: {err}", err.kind()),
    }
}

/// Compares decoded bytes with the expected ones, saying where they first differ.
fn compare(what: &str, got: &[u8], want: &[u8]) -> Result<(), String> {
    if got == want {
        return Ok(());
    }
    let at = got
        .iter()
        .zip(want)
        .position(|(a, b)| a != b)
        .unwrap_or(got.len().min(want.len()));
    Err(format!(
        "{what}: decoded {} bytes, expected {}; first difference at byte {at}",
        got.len(),
        want.len()
    ))
}

/// A reader that hands out at most `step` bytes a call (cycling through 1..=step), so records
/// arrive in pieces.
struct Trickle<'a> {
    data: &'a [u8],
    step: usize,
    next: usize,
}

impl Read for Trickle<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.next = self.next % self.step + 1;
        let n = self.next.min(buf.len()).min(self.data.len());
        buf[..n].copy_from_slice(&self.data[..n]);
        self.data = &self.data[n..];
        Ok(n)
    }
}

/// Decodes `stream` with the reader; returns the bytes and how many input bytes it left unread.
fn decode_with_reader<R: Read>(
    fixture: &Fixture,
    opts: &StreamOptions,
    inner: R,
) -> Result<(Vec<u8>, R), String> {
    let mut reader = match &fixture.sizes {
        Some(sizes) => Lz4StreamReader::with_block_sizes(inner, opts, sizes.iter().copied()),
        None => Lz4StreamReader::with_options(inner, opts),
    }
    .map_err(|err| format!("reader rejects the options: {}", describe(&err)))?;
    let mut out = Vec::new();
    reader
        .read_to_end(&mut out)
        .map_err(|err| format!("reader: {}", describe(&err)))?;
    Ok((out, reader.into_inner()))
}

#[test]
fn manifest_lists_enough_fixtures_of_each_peer() {
    let fixtures = load_fixtures();
    for peer in [Peer::PyLz4, Peer::LibLz4] {
        assert!(
            fixtures.iter().any(|f| f.peer == peer),
            "no fixture written by {peer:?}"
        );
    }
    for width in [0, 1, 2, 4] {
        assert!(
            fixtures.iter().any(|f| f.prefix.width() == width),
            "no fixture with {width}-byte prefixes"
        );
    }
    assert!(fixtures.iter().any(|f| f.ring), "no ring-buffer fixture");
    assert!(
        fixtures.iter().any(|f| f.end_marker),
        "no end-marker fixture"
    );
    assert!(
        fixtures.iter().any(|f| !f.dictionary.is_empty()),
        "no fixture with a dictionary"
    );
}

#[test]
fn reader_decodes_every_fixture_exactly() {
    for_each_fixture(|fixture| {
        let opts = fixture.options();
        let (out, rest) = decode_with_reader(fixture, &opts, &fixture.stream[..])?;
        compare("reader", &out, &fixture.raw)?;
        if !rest.is_empty() {
            return Err(format!(
                "reader left {} bytes of the stream unread",
                rest.len()
            ));
        }
        Ok(())
    })
}

#[test]
fn reader_decodes_every_fixture_arriving_in_pieces() {
    for_each_fixture(|fixture| {
        let opts = fixture.options();
        // Small streams arrive a byte or a few at a time; large ones in pieces of up to 997.
        let step = if fixture.stream.len() < 100_000 {
            7
        } else {
            997
        };
        let trickle = Trickle {
            data: &fixture.stream,
            step,
            next: 0,
        };
        let (out, rest) = decode_with_reader(fixture, &opts, trickle)?;
        compare("reader (in pieces)", &out, &fixture.raw)?;
        if !rest.data.is_empty() {
            return Err(format!(
                "reader (in pieces) left {} bytes unread",
                rest.data.len()
            ));
        }
        Ok(())
    })
}

#[test]
fn sans_io_decodes_every_fixture_exactly() {
    for_each_fixture(|fixture| {
        let opts = fixture.options();
        let mut decompressor = Decompressor::new(&opts)
            .map_err(|err| format!("Decompressor rejects the options: {err}"))?;
        let mut out = Vec::new();
        let mut rest = &fixture.stream[..];
        match &fixture.sizes {
            Some(sizes) => {
                for (n, &size) in sizes.iter().enumerate() {
                    if size > rest.len() {
                        return Err(format!("block {n}: the sizes overrun the stream"));
                    }
                    let (block, after) = rest.split_at(size);
                    let bytes = decompressor
                        .decompress(block)
                        .map_err(|err| format!("sans-IO block {n}: {err}"))?;
                    out.extend_from_slice(bytes);
                    rest = after;
                }
            }
            None => {
                let mut saw_end = false;
                while !rest.is_empty() {
                    let (record, after) = split_record(rest, fixture.prefix, fixture.page)
                        .map_err(|err| format!("split_record: {err}"))?;
                    rest = after;
                    match record {
                        Record::Block(block) => {
                            let bytes = decompressor
                                .decompress(block)
                                .map_err(|err| format!("sans-IO: {err}"))?;
                            out.extend_from_slice(bytes);
                        }
                        Record::End => {
                            saw_end = true;
                            break;
                        }
                    }
                }
                if saw_end != fixture.end_marker {
                    return Err(format!(
                        "end marker seen: {saw_end}, manifest says end_marker={}",
                        u8::from(fixture.end_marker)
                    ));
                }
            }
        }
        if !rest.is_empty() {
            return Err(format!("{} bytes after the last record", rest.len()));
        }
        compare("sans-IO", &out, &fixture.raw)
    })
}

#[test]
fn end_marker_fixtures_without_their_marker() {
    for_each_fixture(|fixture| {
        if !fixture.end_marker {
            return Ok(());
        }
        let width = fixture.prefix.width();
        let cut = &fixture.stream[..fixture.stream.len() - width];
        if fixture.stream[cut.len()..].iter().any(|&b| b != 0) {
            return Err("the stream does not end with a zero prefix".into());
        }
        // A reader that requires the marker: UnexpectedEof, MissingEndMarker, after serving
        // every byte of the stream.
        let mut reader =
            Lz4StreamReader::with_options(cut, &fixture.options()).map_err(|err| describe(&err))?;
        let mut out = Vec::new();
        let mut buf = [0; 4096];
        let err = loop {
            match reader.read(&mut buf) {
                Ok(0) => return Err("reader requiring a marker accepted its absence".into()),
                Ok(n) => out.extend_from_slice(&buf[..n]),
                Err(err) => break err,
            }
        };
        let reason = err
            .get_ref()
            .and_then(|e| e.downcast_ref::<Error>())
            .map(|e| e.reason().clone());
        if err.kind() != io::ErrorKind::UnexpectedEof || reason != Some(Reason::MissingEndMarker) {
            return Err(format!("without the marker: {}", describe(&err)));
        }
        compare("before the missing marker", &out, &fixture.raw)?;
        // A reader that does not require it decodes the same bytes.
        let lenient = fixture.options().end_marker(false);
        let mut out = Vec::new();
        Lz4StreamReader::with_options(cut, &lenient)
            .and_then(|mut r| r.read_to_end(&mut out))
            .map_err(|err| format!("lenient reader: {}", describe(&err)))?;
        compare("lenient reader", &out, &fixture.raw)
    })
}

#[test]
fn our_writer_round_trips_every_fixture_at_its_options() {
    for_each_fixture(|fixture| {
        let opts = fixture.writer_options();
        let mut writer = Lz4StreamWriter::with_options(Vec::new(), &opts)
            .map_err(|err| format!("writer rejects the peer's options: {}", describe(&err)))?;
        // Odd-sized writes: the stream must not depend on how the input is split.
        for piece in fixture.raw.chunks(4093) {
            writer
                .write_all(piece)
                .map_err(|err| format!("writer: {}", describe(&err)))?;
        }
        writer
            .try_finish()
            .map_err(|err| format!("writer: {}", describe(&err)))?;
        let sizes = writer.take_block_sizes();
        let stream = writer
            .finish()
            .map_err(|err| format!("writer: {}", describe(err.error())))?;
        let expected_blocks = fixture.raw.len().div_ceil(fixture.page);
        if fixture.prefix == SizePrefix::OutOfBand && sizes.len() != expected_blocks {
            return Err(format!(
                "writer reported {} block sizes, expected {expected_blocks}",
                sizes.len()
            ));
        }
        let reader = match fixture.prefix {
            SizePrefix::OutOfBand => Lz4StreamReader::with_block_sizes(&stream[..], &opts, sizes),
            _ => Lz4StreamReader::with_options(&stream[..], &opts),
        };
        let mut out = Vec::new();
        reader
            .and_then(|mut r| r.read_to_end(&mut out))
            .map_err(|err| format!("reading our own stream: {}", describe(&err)))?;
        compare("our round trip", &out, &fixture.raw)
    })
}
