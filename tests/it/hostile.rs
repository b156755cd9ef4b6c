//! Hostile input and misbehaving inner readers and writers (issue 12): every call returns
//! after a bounded amount of input, and a broken inner object is an error, never a panic.

use std::io::{self, BufRead, BufReader, ErrorKind, Read, Write};

use crate::common::*;
use lz4_stream::{
    CompressingReader, DecompressingWriter, Lz4StreamBufReader, Lz4StreamReader, Lz4StreamWriter,
    Reason, SizePrefix, StreamOptions, DEFAULT_MAX_IDLE_INPUT,
};

/// One empty record: a 4-byte prefix announcing a 1-byte block, `0x00` (a last sequence of no
/// literal), which decodes to nothing.
const EMPTY_RECORD: [u8; 5] = [1, 0, 0, 0, 0];

/// An endless stream of empty records, counting the bytes it serves.
struct Endless {
    at: usize,
}

impl Read for Endless {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        // Far past any bound the tests set: a reader that got here would never have returned.
        if self.at > 64 << 20 {
            return Err(io::Error::other("the reader took 64 MiB without returning"));
        }
        for byte in buf.iter_mut() {
            *byte = EMPTY_RECORD[self.at % EMPTY_RECORD.len()];
            self.at += 1;
        }
        Ok(buf.len())
    }
}

fn assert_idle(err: &io::Error, bound: u64) {
    assert_eq!(err.kind(), ErrorKind::InvalidData, "{err}");
    match reason(err) {
        Reason::Idle { bytes } => assert!(*bytes > bound && *bytes <= bound + 5, "{bytes}"),
        other => panic!("not Idle: {other:?}"),
    }
}

/// Endless empty records: `read` and `fill_buf` return `Reason::Idle` once the bound is
/// passed, having read no more than the bound (and the record that crossed it).
#[test]
fn endless_empty_records_end_within_the_bound() {
    for bound in [0, 4, 4096, DEFAULT_MAX_IDLE_INPUT] {
        let opts = StreamOptions::new().max_idle_input(bound);
        for (buf_len, use_fill_buf) in [(100, false), (1 << 20, false), (1, true)] {
            let mut reader = Lz4StreamReader::with_options(Endless { at: 0 }, &opts).unwrap();
            let err = if use_fill_buf {
                reader.fill_buf().unwrap_err()
            } else {
                reader.read(&mut vec![0; buf_len]).unwrap_err()
            };
            assert_idle(&err, bound);
            assert!(reader.get_ref().at as u64 <= bound + 5);
            // The stream has failed: the same error again, no more input taken.
            let at = reader.get_ref().at;
            assert_idle(&reader.read(&mut [0; 10]).unwrap_err(), bound);
            assert_eq!(reader.get_ref().at, at);

            let inner = BufReader::with_capacity(64, Endless { at: 0 });
            let mut reader = Lz4StreamBufReader::with_options(inner, &opts).unwrap();
            let err = reader.read(&mut vec![0; buf_len]).unwrap_err();
            assert_idle(&err, bound);
        }
        // Given all at once, the writer stops there too.
        let mut writer = DecompressingWriter::with_options(Vec::new(), &opts).unwrap();
        let err = writer
            .write_all(&EMPTY_RECORD.repeat(bound as usize / 5 + 10))
            .unwrap_err();
        assert_idle(&err, bound);
    }
}

/// The bound counts consecutive empty records only: a block with output between them starts
/// the count again, so peers' streams with empty blocks (flushes with nothing to say) decode.
#[test]
fn empty_records_between_data_are_fine() {
    let opts = StreamOptions::new().max_idle_input(50);
    let mut writer = Lz4StreamWriter::with_options(Vec::new(), &opts).unwrap();
    writer.write_all(b"first").unwrap();
    let mut stream = writer.finish().unwrap();
    // Ten empty records (50 bytes: the bound, not past it), then the stream again.
    stream.extend_from_slice(&EMPTY_RECORD.repeat(10));
    let second = stream.clone();
    stream.extend_from_slice(&second);
    let mut out = Vec::new();
    Lz4StreamReader::with_options(&stream[..], &opts)
        .unwrap()
        .read_to_end(&mut out)
        .unwrap();
    assert_eq!(out, b"firstfirst");
    // Eleven in a row are past it.
    stream.extend_from_slice(&EMPTY_RECORD.repeat(11));
    let err = Lz4StreamReader::with_options(&stream[..], &opts)
        .unwrap()
        .read_to_end(&mut out)
        .unwrap_err();
    assert_idle(&err, 50);
}

/// A `Read` that claims one byte more than the buffer it was given.
struct OverclaimingReader<R>(R);

impl<R: Read> Read for OverclaimingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.0.read(buf)?;
        Ok(if n > 0 { buf.len() + 1 } else { 0 })
    }
}

/// A `Write` that claims one byte more than it was given.
struct OverclaimingWriter;

impl Write for OverclaimingWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        Ok(buf.len() + 1)
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

fn assert_overclaimed(err: io::Error) {
    assert_eq!(err.kind(), ErrorKind::Other, "{err}");
    assert!(err.to_string().contains("claimed"), "{err}");
}

/// Inner readers and writers that claim more bytes than their buffer are errors, never a
/// panic, on every front end that calls them.
#[test]
fn overclaiming_inner_readers_and_writers_are_errors() {
    let data = sample_data();
    for opts in [
        StreamOptions::new().page_size(1000),
        StreamOptions::new().page_size(1000).threads(2),
    ] {
        let (stream, _) = compress(&opts, &data);

        let mut reader =
            Lz4StreamReader::with_options(OverclaimingReader(&stream[..]), &opts).unwrap();
        assert_overclaimed(reader.read_to_end(&mut Vec::new()).unwrap_err());

        let mut reader =
            CompressingReader::with_options(OverclaimingReader(&data[..]), &opts).unwrap();
        assert_overclaimed(reader.read_to_end(&mut Vec::new()).unwrap_err());

        let mut writer = Lz4StreamWriter::with_options(OverclaimingWriter, &opts).unwrap();
        let written = writer.write_all(&data).and_then(|()| writer.flush());
        assert_overclaimed(written.unwrap_err());
        std::mem::forget(writer.finish());

        let mut writer = DecompressingWriter::with_options(OverclaimingWriter, &opts).unwrap();
        let written = writer.write_all(&stream).and_then(|()| writer.flush());
        assert_overclaimed(written.unwrap_err());
    }
}

/// The out-of-band writer's sizes are visible until taken, and taking them empties the list.
#[test]
fn out_of_band_sizes_are_visible_until_taken() {
    let opts = StreamOptions::new()
        .page_size(100)
        .size_prefix(SizePrefix::OutOfBand);
    let mut writer = Lz4StreamWriter::with_options(Vec::new(), &opts).unwrap();
    writer.write_all(&[5; 1000]).unwrap();
    writer.flush().unwrap();
    assert_eq!(writer.block_sizes().len(), 10);
    let sizes = writer.take_block_sizes();
    assert_eq!(sizes.len(), 10);
    assert!(writer.block_sizes().is_empty());
    writer.write_all(&[6; 150]).unwrap();
    writer.flush().unwrap();
    assert_eq!(writer.block_sizes().len(), 2);
}

/// `buffer` shows the decoded bytes not yet read; `into_inner` in the middle of a stream drops
/// them, and the inner reader stands after the records taken.
#[test]
fn into_inner_drops_what_buffer_shows() {
    let opts = StreamOptions::new().page_size(1000);
    let data: Vec<u8> = (0..5000u32).map(|i| (i * 7 % 251) as u8).collect();
    let (stream, _) = compress(&opts, &data);
    let mut reader = Lz4StreamReader::with_options(&stream[..], &opts).unwrap();
    assert!(reader.buffer().is_empty());
    let mut head = [0; 10];
    reader.read_exact(&mut head).unwrap();
    assert_eq!(reader.buffer(), &data[10..1000]);
    let taken = reader.total_in() as usize;
    let rest = reader.into_inner();
    assert_eq!(rest, &stream[taken..]);
    // Whole records were taken: the rest reads on as the stream's continuation.
    let mut reader = Lz4StreamBufReader::with_options(&stream[..], &opts).unwrap();
    reader.read_exact(&mut head).unwrap();
    assert_eq!(reader.buffer(), &data[10..1000]);
}

/// Runs the test `name` of this binary again in a child process whose address space is limited
/// to `kib` KiB (`ulimit -v`), with `LZ4S_UNDER_LIMIT` set so that the test runs its body;
/// asserts that the child passed.
fn run_under_limit(name: &str, kib: u64) {
    let exe = std::env::current_exe().unwrap();
    let output = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!(
            "ulimit -v {kib} && exec \"$0\" --exact {name} --nocapture --test-threads=1"
        ))
        .arg(exe)
        .env("LZ4S_UNDER_LIMIT", "1")
        .output()
        .unwrap();
    let log = String::from_utf8_lossy(&output.stdout).into_owned()
        + &String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{log}");
    assert!(log.contains("1 passed"), "the child ran nothing: {log}");
}

/// The largest pages (`0x7E00_0000` bytes) cost memory only as data arrives: a reader and a
/// writer of every kind work on a small stream under a 1.5 GB address-space limit, where the
/// old readers reserved 2.07 GB and writers 4.34 GB at construction and aborted.
#[test]
fn huge_pages_follow_the_data_under_a_memory_limit() {
    if std::env::var_os("LZ4S_UNDER_LIMIT").is_none() {
        return run_under_limit(
            "hostile::huge_pages_follow_the_data_under_a_memory_limit",
            1536 * 1024,
        );
    }
    let data: Vec<u8> = (0..300_000u32).map(|i| (i * 31 % 253) as u8).collect();
    for opts in [
        StreamOptions::new().page_size(0x7E00_0000),
        StreamOptions::new().page_size(0x7E00_0000).threads(2),
        StreamOptions::new()
            .page_size(0x7E00_0000)
            .mode(lz4_stream::Mode::High { level: 9 }),
    ] {
        let mut writer = Lz4StreamWriter::with_options(Vec::new(), &opts).unwrap();
        writer.write_all(&data[..1000]).unwrap();
        writer.flush().unwrap();
        writer.write_all(&data[1000..]).unwrap();
        let stream = writer.finish().unwrap();

        let mut out = Vec::new();
        let mut reader = Lz4StreamReader::with_options(&stream[..], &opts).unwrap();
        reader.read_to_end(&mut out).unwrap();
        assert!(out == data);
        let mut out = Vec::new();
        let mut reader = Lz4StreamBufReader::with_options(&stream[..], &opts).unwrap();
        reader.read_to_end(&mut out).unwrap();
        assert!(out == data);
        let mut writer = DecompressingWriter::with_options(Vec::new(), &opts).unwrap();
        writer.write_all(&stream).unwrap();
        assert!(writer.finish().unwrap() == data);
        let mut compressed = Vec::new();
        CompressingReader::with_options(&data[..], &opts)
            .unwrap()
            .read_to_end(&mut compressed)
            .unwrap();
        let mut out = Vec::new();
        let mut reader = Lz4StreamReader::with_options(&compressed[..], &opts).unwrap();
        reader.read_to_end(&mut out).unwrap();
        assert!(out == data);
    }
}

/// A page that outgrows the memory there is is an `OutOfMemory` error, not an abort: under a
/// 300 MB address-space limit, a writer with 1 GiB pages given 400 MB of input fails cleanly.
#[test]
fn a_page_larger_than_memory_is_an_error() {
    if std::env::var_os("LZ4S_UNDER_LIMIT").is_none() {
        return run_under_limit("hostile::a_page_larger_than_memory_is_an_error", 300 * 1024);
    }
    let opts = StreamOptions::new().page_size(1 << 30);
    let chunk = vec![7u8; 1 << 20];
    let mut writer = Lz4StreamWriter::with_options(Vec::new(), &opts).unwrap();
    let mut result = Ok(());
    for _ in 0..400 {
        result = writer.write_all(&chunk);
        if result.is_err() {
            break;
        }
    }
    let err = result.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::OutOfMemory, "{err}");
    assert!(matches!(reason(&err), Reason::OutOfMemory { .. }), "{err}");
    std::mem::forget(writer);
}
