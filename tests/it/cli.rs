//! Tests of the `lz4s` binary (src/bin/lz4s.rs, the `cli` feature), run as a program: cargo
//! builds it for this test and hands over its path as `CARGO_BIN_EXE_lz4s`.
//!
//! Streams the tool writes are checked with the library (not only by the tool reading them
//! back), and streams the library writes are given to the tool, so a flag the tool ignored or
//! misread shows up. The behaviours that need a terminal (refusing to write compressed data to
//! one, the progress bar) run the tool under a pseudo-terminal that python3's `pty` module
//! opens; without python3 those tests fail rather than pass unseen.
#![cfg(feature = "cli")]

use std::fs;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};

use lz4_stream::{
    split_record, Decompressor, Error, Lz4StreamReader, Lz4StreamWriter, Reason, Record,
    SizePrefix, Strategy, StreamOptions,
};

/// The `lz4s` binary, which cargo builds for this test (it needs the `cli` feature).
fn lz4s() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_lz4s"))
}

/// Runs lz4s with `args` and `stdin` (empty if `None`).
fn run<S: AsRef<std::ffi::OsStr>>(args: &[S], stdin: Option<&[u8]>) -> Output {
    let mut child = Command::new(lz4s())
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start lz4s");
    let input = stdin.unwrap_or_default().to_vec();
    let mut pipe = child.stdin.take().expect("stdin");
    // Feed stdin from a thread, so a large input cannot deadlock against a large output.
    let feeder = std::thread::spawn(move || {
        let _ = pipe.write_all(&input);
    });
    let output = child.wait_with_output().expect("wait for lz4s");
    feeder.join().expect("stdin thread");
    output
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Asserts that lz4s succeeded and printed nothing on stderr.
#[track_caller]
fn assert_ok(output: &Output) {
    assert!(
        output.status.success() && output.stderr.is_empty(),
        "lz4s failed ({:?}): {}",
        output.status.code(),
        stderr(output)
    );
}

/// Asserts that lz4s failed with `code` and a message containing `needle` on stderr.
#[track_caller]
fn assert_fails(output: &Output, code: i32, needle: &str) {
    let message = stderr(output);
    assert_eq!(output.status.code(), Some(code), "stderr: {message}");
    assert!(
        message.starts_with("lz4s: ") && message.contains(needle),
        "expected a message with {needle:?}, got {message:?}"
    );
}

/// A fresh directory for one test.
fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("lz4s-cli")
        .join(name);
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).expect("create a scratch directory");
    dir
}

/// Deterministic, compressible test data: words and numbers with some random bytes.
fn sample(len: usize, seed: u64) -> Vec<u8> {
    const WORDS: &[&str] = &[
        "stream ", "block ", "prefix ", "lz4 ", "window ", "history ", "page ", "the ", "\n",
    ];
    let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let mut data = Vec::with_capacity(len + 16);
    while data.len() < len {
        let r = next();
        match r % 20 {
            0 => data.extend_from_slice(&r.to_le_bytes()[..3]),
            1 | 2 => data.extend_from_slice(format!("{} ", r % 1000).as_bytes()),
            _ => data.extend_from_slice(WORDS[(r >> 8) as usize % WORDS.len()].as_bytes()),
        }
    }
    data.truncate(len);
    data
}

/// Decodes `stream` with the library.
fn library_decode(stream: &[u8], opts: &StreamOptions, sizes: Option<Vec<usize>>) -> Vec<u8> {
    let mut data = Vec::new();
    match sizes {
        Some(sizes) => Lz4StreamReader::with_block_sizes(stream, opts, sizes)
            .unwrap()
            .read_to_end(&mut data),
        None => Lz4StreamReader::with_options(stream, opts)
            .unwrap()
            .read_to_end(&mut data),
    }
    .expect("the library decodes the tool's stream");
    data
}

/// Parses a --sizes file.
fn parse_sizes(path: &Path) -> Vec<usize> {
    fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|line| line.parse().expect("one block size per line"))
        .collect()
}

#[test]
fn round_trip_every_prefix_and_strategy() {
    let dir = scratch("round_trip");
    let data = sample(150_000, 1);
    let dict = sample(20_000, 2);
    let input = dir.join("data");
    let dict_path = dir.join("dict");
    fs::write(&input, &data).unwrap();
    fs::write(&dict_path, &dict).unwrap();

    for width in [1usize, 2, 4, 0] {
        let page_size = if width == 1 { 200 } else { 4096 };
        for ring in [None, Some(65_536), Some(1000)] {
            let what = format!("--prefix {width}, ring {ring:?}");
            let packed = dir.join(format!("packed-{width}-{ring:?}"));
            let sizes = dir.join(format!("sizes-{width}-{ring:?}"));
            let unpacked = dir.join(format!("unpacked-{width}-{ring:?}"));

            let mut flags: Vec<String> = vec![
                format!("--page-size={page_size}"),
                "--prefix".into(),
                width.to_string(),
                "--dict".into(),
                dict_path.display().to_string(),
            ];
            if width == 0 {
                flags.extend(["--sizes".into(), sizes.display().to_string()]);
            } else {
                flags.push("--end-marker".into());
            }
            let mut compress = vec!["compress".to_string()];
            compress.extend(flags.iter().cloned());
            if let Some(window) = ring {
                compress.extend(["--ring".into(), window.to_string()]);
            }
            compress.extend([input.display().to_string(), packed.display().to_string()]);
            let output = run(&compress, None);
            assert_ok(&output);
            assert!(output.stdout.is_empty(), "{what}: output went to the file");

            // The library reads what the tool wrote, with the same options.
            let mut opts = StreamOptions::new()
                .page_size(page_size)
                .size_prefix(SizePrefix::from_width(width).unwrap())
                .dictionary(dict.clone())
                .end_marker(width != 0);
            if let Some(window) = ring {
                opts = opts.strategy(Strategy::RingBuffer { window });
            }
            let stream = fs::read(&packed).unwrap();
            let block_sizes = (width == 0).then(|| parse_sizes(&sizes));
            if let Some(block_sizes) = &block_sizes {
                assert_eq!(block_sizes.iter().sum::<usize>(), stream.len(), "{what}");
                assert_eq!(block_sizes.len(), data.len().div_ceil(page_size), "{what}");
            } else {
                assert_eq!(&stream[stream.len() - width..], vec![0; width], "{what}");
            }
            // Small pages with a double buffer compress less, but they do.
            let most = if page_size < 1000 {
                data.len()
            } else {
                data.len() / 2
            };
            assert!(stream.len() < most, "{what}: it compresses");
            assert!(
                library_decode(&stream, &opts, block_sizes) == data,
                "{what}: the library decodes other bytes"
            );

            // And the tool reads it back.
            let mut decompress = vec!["decompress".to_string()];
            decompress.extend(flags.iter().cloned());
            decompress.extend([packed.display().to_string(), unpacked.display().to_string()]);
            assert_ok(&run(&decompress, None));
            assert!(fs::read(&unpacked).unwrap() == data, "{what}: round trip");

            // The tool reads what the library writes.
            if width != 0 {
                let mut writer = Lz4StreamWriter::with_options(Vec::new(), &opts).unwrap();
                writer.write_all(&data).unwrap();
                let stream = writer.finish().unwrap();
                let mut decompress = vec!["decompress".to_string()];
                decompress.extend(flags.iter().cloned());
                let output = run(&decompress, Some(&stream));
                assert_ok(&output);
                assert!(output.stdout == data, "{what}: library to tool");
            }
        }
    }
}

#[test]
fn page_size_accepts_suffixes_and_shapes_the_blocks() {
    let data = sample(10_000, 3);
    let plain = run(
        &["compress", "--page-size", "1024", "--prefix", "2"],
        Some(&data),
    );
    assert_ok(&plain);
    for spelling in ["1K", "1k", "1KiB", "1kib"] {
        let output = run(
            &["compress", "--page-size", spelling, "--prefix", "2"],
            Some(&data),
        );
        assert_ok(&output);
        assert!(output.stdout == plain.stdout, "--page-size {spelling}");
    }
    // Ten full 1 KiB pages and a short one, each decoding to at most a page.
    let opts = StreamOptions::new()
        .page_size(1024)
        .size_prefix(SizePrefix::U16);
    let mut decompressor = Decompressor::new(&opts).unwrap();
    let mut rest = &plain.stdout[..];
    let mut lens = Vec::new();
    while !rest.is_empty() {
        let (record, after) = split_record(rest, SizePrefix::U16, 1024).unwrap();
        let Record::Block(block) = record else {
            panic!("no end marker was asked for")
        };
        lens.push(decompressor.decompress(block).unwrap().len());
        rest = after;
    }
    let mut expected = vec![1024; 9];
    expected.push(10_000 - 9 * 1024);
    assert_eq!(lens, expected);

    // M multiplies by 1024^2 (G by 1024^3: see the usage errors): 1M pages make one block of
    // the data.
    let output = run(&["compress", "--page-size", "1M"], Some(&data));
    assert_ok(&output);
    let (record, rest) = split_record(&output.stdout, SizePrefix::U32, 1 << 20).unwrap();
    assert!(matches!(record, Record::Block(_)) && rest.is_empty());
    let output = run(&["decompress", "--page-size", "2MiB"], Some(&output.stdout));
    assert_ok(&output);
    assert!(output.stdout == data);
}

#[test]
fn ring_reaches_past_the_previous_block_and_double_does_not() {
    // A 3000-byte pattern repeated: with 1 KiB pages, only a ring buffer can see the last copy.
    let pattern = sample(3000, 4);
    let data: Vec<u8> = pattern.iter().copied().cycle().take(60_000).collect();
    let double = run(&["compress", "--page-size", "1K"], Some(&data));
    let ring = run(
        &["compress", "--page-size", "1K", "--ring", "64K"],
        Some(&data),
    );
    assert_ok(&double);
    assert_ok(&ring);
    assert!(
        ring.stdout.len() * 4 < double.stdout.len(),
        "ring {} bytes, double {} bytes",
        ring.stdout.len(),
        double.stdout.len()
    );
    // The strategy is the writer's business: one reader decodes both.
    for stream in [&double.stdout, &ring.stdout] {
        let output = run(&["decompress", "--page-size", "1K"], Some(stream));
        assert_ok(&output);
        assert!(output.stdout == data);
    }
}

/// `--fast N` is liblz4's acceleration: the stream is what the library writes with
/// `Mode::Fast { acceleration: N }`, larger N gives larger output of the same data, any reader
/// decodes it, and N outside 1..=65537 is a usage error.
#[test]
fn fast_sets_the_acceleration() {
    let data: Vec<u8> = (0..200_000u32)
        .flat_map(|i| format!("{} {} ", i % 1000, i % 37).into_bytes())
        .take(300_000)
        .collect();
    let mut sizes = Vec::new();
    for acceleration in [1u32, 8, 100] {
        let output = run(
            &["compress", "--fast", &acceleration.to_string()],
            Some(&data),
        );
        assert_ok(&output);
        let opts = StreamOptions::new().mode(lz4_stream::Mode::Fast { acceleration });
        let mut writer = lz4_stream::Lz4StreamWriter::with_options(Vec::new(), &opts).unwrap();
        writer.write_all(&data).unwrap();
        assert!(
            output.stdout == writer.finish().unwrap(),
            "--fast {acceleration}"
        );
        let decoded = run(&["decompress"], Some(&output.stdout));
        assert_ok(&decoded);
        assert!(decoded.stdout == data);
        sizes.push(output.stdout.len());
    }
    assert!(sizes[0] < sizes[1] && sizes[1] < sizes[2], "{sizes:?}");
    for bad in ["0", "65538", "x", "-1"] {
        let output = run(&["compress", "--fast", bad], Some(&data));
        assert_fails(&output, 2, &format!("--fast: invalid acceleration '{bad}'"));
    }
}

/// `-1` .. `-12` and `--level N` are liblz4's HC levels: the stream is what the library writes
/// with `Mode::High { level: N }`, level 9 gives smaller output than the fast mode and 12 than
/// 3, any reader decodes it, and a level outside 1..=12, or two modes, is a usage error.
#[test]
fn levels_set_high_compression() {
    let data: Vec<u8> = (0..200_000u32)
        .flat_map(|i| format!("{} {} {} ", i % 1000, i % 37, i * 7 % 101).into_bytes())
        .take(300_000)
        .collect();
    let fast = run(&["compress"], Some(&data));
    assert_ok(&fast);
    let mut sizes = Vec::new();
    for (args, level) in [
        (&["-1"][..], 1u32),
        (&["-3"][..], 3),
        (&["--level", "9"][..], 9),
        (&["--level=12"][..], 12),
    ] {
        let mut full = vec!["compress"];
        full.extend_from_slice(args);
        let output = run(&full, Some(&data));
        assert_ok(&output);
        let opts = StreamOptions::new().mode(lz4_stream::Mode::High { level });
        let mut writer = lz4_stream::Lz4StreamWriter::with_options(Vec::new(), &opts).unwrap();
        writer.write_all(&data).unwrap();
        assert!(output.stdout == writer.finish().unwrap(), "{args:?}");
        let decoded = run(&["decompress"], Some(&output.stdout));
        assert_ok(&decoded);
        assert!(decoded.stdout == data, "{args:?}");
        sizes.push(output.stdout.len());
    }
    assert!(
        sizes[2] < fast.stdout.len() && sizes[3] < sizes[1],
        "fast {}, levels 1, 3, 9, 12: {sizes:?}",
        fast.stdout.len()
    );
    for (args, message) in [
        (&["-13"][..], "-13: invalid level '13' (expected 1 to 12)"),
        (&["-0"][..], "-0: invalid level '0'"),
        (&["--level", "x"][..], "--level: invalid level 'x'"),
        (&["--level", "13"][..], "--level: invalid level '13'"),
        (&["-9", "--fast", "2"][..], "more than one compression mode"),
        (&["-3", "-9"][..], "more than one compression mode"),
    ] {
        let mut full = vec!["compress"];
        full.extend_from_slice(args);
        let output = run(&full, Some(&data));
        assert_fails(&output, 2, message);
    }
}

/// `-T N` (`-TN`, `--threads N`) compresses on N threads: the stream is the library's with
/// `threads(N)`, the same for every N >= 2 (and `-T0`, one per core), and decodes; a count that
/// is not a number, or above 1024, is a usage error.
#[test]
fn threads_compress_in_parallel() {
    let data: Vec<u8> = (0..300_000u32)
        .flat_map(|i| format!("{} {} ", i % 1000, i % 37).into_bytes())
        .take(600_000)
        .collect();
    let opts = StreamOptions::new()
        .page_size(16 * 1024)
        .mode(lz4_stream::Mode::High { level: 3 })
        .threads(2);
    let mut writer = lz4_stream::Lz4StreamWriter::with_options(Vec::new(), &opts).unwrap();
    writer.write_all(&data).unwrap();
    let expected = writer.finish().unwrap();
    for args in [
        &["-T", "2"][..],
        &["-T3"][..],
        &["--threads", "8"][..],
        &["-T0"][..],
    ] {
        let mut full = vec!["compress", "-3", "--page-size", "16K"];
        full.extend_from_slice(args);
        let output = run(&full, Some(&data));
        assert_ok(&output);
        if args != ["-T0"] || std::thread::available_parallelism().map_or(1, |n| n.get()) > 1 {
            assert!(output.stdout == expected, "{args:?}");
        }
        let decoded = run(&["decompress", "--page-size", "16K"], Some(&output.stdout));
        assert_ok(&decoded);
        assert!(decoded.stdout == data, "{args:?}");
    }
    for (args, message) in [
        (&["-Tx"][..], "-T: invalid thread count 'x'"),
        (&["-T", "2000"][..], "-T: invalid thread count '2000'"),
        (&["-T2", "-T3"][..], "--threads given twice"),
    ] {
        let mut full = vec!["compress"];
        full.extend_from_slice(args);
        let output = run(&full, Some(&data));
        assert_fails(&output, 2, message);
    }
}

#[test]
fn dictionary_is_used_and_needed() {
    let dir = scratch("dictionary");
    let data = sample(30_000, 5);
    let dict_path = dir.join("dict");
    fs::write(&dict_path, &data).unwrap();
    let dict = dict_path.to_str().unwrap();

    let with = run(&["compress", "--dict", dict], Some(&data));
    let without = run(&["compress"], Some(&data));
    assert_ok(&with);
    assert_ok(&without);
    assert!(with.stdout.len() * 20 < without.stdout.len());

    let output = run(&["decompress", "--dict", dict], Some(&with.stdout));
    assert_ok(&output);
    assert!(output.stdout == data);
    // Without the dictionary, the first block reaches before the start of the stream.
    let output = run(&["decompress"], Some(&with.stdout));
    assert_fails(
        &output,
        1,
        "lz4s: decompress: lz4 stream: block 0 at offset 0: block references bytes before",
    );

    // Only the last 64 KiB of a dictionary count: a longer file works the same.
    let mut long = sample(100_000, 6);
    long.extend_from_slice(&data);
    let long_path = dir.join("long-dict");
    fs::write(&long_path, &long).unwrap();
    let output = run(
        &["decompress", "--dict", long_path.to_str().unwrap()],
        Some(&with.stdout),
    );
    assert_ok(&output);
    assert!(output.stdout == data);
}

#[test]
fn end_marker_is_written_and_required() {
    let data = sample(5000, 7);
    let with = run(
        &[
            "compress",
            "--end-marker",
            "--prefix",
            "2",
            "--page-size",
            "4K",
        ],
        Some(&data),
    );
    let without = run(
        &["compress", "--prefix", "2", "--page-size", "4K"],
        Some(&data),
    );
    assert_ok(&with);
    assert_ok(&without);
    assert_eq!(with.stdout.len(), without.stdout.len() + 2);
    assert_eq!(&with.stdout[without.stdout.len()..], [0, 0]);

    // A reader stops at a marker even when it does not require one.
    for flags in [&["--prefix", "2"][..], &["--prefix", "2", "--end-marker"]] {
        let mut args = vec!["decompress"];
        args.extend_from_slice(flags);
        let output = run(&args, Some(&with.stdout));
        assert_ok(&output);
        assert!(output.stdout == data);
    }
    let output = run(
        &["decompress", "--end-marker", "--prefix", "2"],
        Some(&without.stdout),
    );
    assert_fails(&output, 1, "stream ends without its end marker");
    // The message places the missing marker where it should stand.
    assert!(stderr(&output).contains(&format!("at offset {}", without.stdout.len())));

    // Bytes after the end marker are not part of the stream.
    let mut trailing = with.stdout.clone();
    trailing.extend_from_slice(b"junk");
    let output = run(&["decompress", "--prefix", "2"], Some(&trailing));
    assert_fails(
        &output,
        1,
        &format!(
            "data follows the end of the stream (at offset {})",
            with.stdout.len()
        ),
    );
}

#[test]
fn stdin_and_stdout_by_default_and_with_dash() {
    let dir = scratch("stdio");
    let data = sample(80_000, 8);
    let input = dir.join("data");
    let packed = dir.join("packed");
    fs::write(&input, &data).unwrap();
    assert_ok(&run(
        &[
            "compress",
            input.to_str().unwrap(),
            packed.to_str().unwrap(),
        ],
        None,
    ));
    let expected = fs::read(&packed).unwrap();

    for args in [
        &["compress"][..],
        &["compress", "-"],
        &["compress", "-", "-"],
        &["compress", "--", "-", "-"],
    ] {
        let output = run(args, Some(&data));
        assert_ok(&output);
        assert!(output.stdout == expected, "{args:?}");
    }
    // A file in, standard output out.
    let output = run(&["compress", input.to_str().unwrap()], None);
    assert_ok(&output);
    assert!(output.stdout == expected);
    // Standard input in, a file out.
    let out = dir.join("from-stdin");
    let output = run(&["decompress", "-", out.to_str().unwrap()], Some(&expected));
    assert_ok(&output);
    assert!(output.stdout.is_empty());
    assert!(fs::read(&out).unwrap() == data);

    for args in [&["decompress"][..], &["decompress", "-", "-"]] {
        let output = run(args, Some(&expected));
        assert_ok(&output);
        assert!(output.stdout == data, "{args:?}");
    }
    // An empty input is an empty stream, and back.
    let output = run(&["compress"], Some(b""));
    assert_ok(&output);
    assert!(output.stdout.is_empty());
    let output = run(&["decompress"], Some(b""));
    assert_ok(&output);
    assert!(output.stdout.is_empty());
}

#[test]
fn out_of_band_sizes_go_through_the_sizes_file() {
    let dir = scratch("out_of_band");
    let data = sample(50_000, 9);
    let input = dir.join("data");
    let packed = dir.join("packed");
    let sizes = dir.join("sizes");
    fs::write(&input, &data).unwrap();
    let (input, packed, sizes_arg) = (
        input.to_str().unwrap(),
        packed.to_str().unwrap(),
        sizes.to_str().unwrap(),
    );
    assert_ok(&run(
        &[
            "compress",
            "--prefix",
            "0",
            "--page-size",
            "8K",
            "--sizes",
            sizes_arg,
            input,
            packed,
        ],
        None,
    ));
    let stream = fs::read(packed).unwrap();
    let block_sizes = parse_sizes(&sizes);
    assert_eq!(block_sizes.len(), data.len().div_ceil(8192));
    assert_eq!(block_sizes.iter().sum::<usize>(), stream.len());
    let opts = StreamOptions::new()
        .page_size(8192)
        .size_prefix(SizePrefix::OutOfBand);
    assert!(library_decode(&stream, &opts, Some(block_sizes.clone())) == data);

    let decompress = |sizes: &str| {
        run(
            &[
                "decompress",
                "--prefix=0",
                "--page-size=8K",
                "--sizes",
                sizes,
                packed,
            ],
            None,
        )
    };
    let output = decompress(sizes_arg);
    assert_ok(&output);
    assert!(output.stdout == data);

    // One size too few: the last block is left over.
    let short = dir.join("short");
    let lines: Vec<String> = block_sizes.iter().map(|s| s.to_string()).collect();
    fs::write(&short, lines[..lines.len() - 1].join("\n")).unwrap();
    let last = block_sizes[block_sizes.len() - 1];
    assert_fails(
        &decompress(short.to_str().unwrap()),
        1,
        &format!(
            "data follows the end of the stream (at offset {})",
            stream.len() - last
        ),
    );
    // Not a number.
    let garbage = dir.join("garbage");
    fs::write(&garbage, format!("{}\nlots\n", lines[0])).unwrap();
    assert_fails(
        &decompress(garbage.to_str().unwrap()),
        1,
        "line 2: 'lots' is not a block size",
    );
    // A size of 0 is no block.
    let zero = dir.join("zero");
    fs::write(&zero, format!("{}\n0\n", lines[0])).unwrap();
    let output = decompress(zero.to_str().unwrap());
    assert_fails(
        &output,
        1,
        &format!(
            "lz4 stream: block 1 at offset {}: block of size 0",
            block_sizes[0]
        ),
    );
    // A missing sizes file.
    assert_fails(
        &decompress(dir.join("none").to_str().unwrap()),
        1,
        "--sizes",
    );
}

#[test]
fn usage_errors_exit_2_with_a_message() {
    let dir = scratch("usage");
    let input = dir.join("in");
    fs::write(&input, b"some input").unwrap();
    let input = input.to_str().unwrap();
    let out = dir.join("out");
    let out_str = out.to_str().unwrap();

    let cases: &[(&[&str], &str)] = &[
        (&[], "missing command"),
        (&["frobnicate"], "unknown command 'frobnicate'"),
        (&["-"], "unknown command '-'"),
        (&["--page-size", "4K"], "missing command"),
        (&["compress", "--bogus"], "unknown option '--bogus'"),
        (&["decompress", "-x"], "unknown option '-x'"),
        (&["compress", "--page-size"], "--page-size needs a value"),
        (&["compress", "--dict"], "--dict needs a value"),
        (&["compress", "--page-size", "abc"], "invalid size 'abc'"),
        (&["compress", "--page-size", "12X"], "invalid size '12X'"),
        (&["compress", "--page-size", "4KB"], "invalid size '4KB'"),
        (&["compress", "--page-size", "-5"], "invalid size '-5'"),
        (&["compress", "--page-size="], "invalid size ''"),
        (
            &["compress", "--page-size", "99999999999999999999"],
            "too large",
        ),
        (&["compress", "--page-size", "0"], "page size 0 is outside"),
        (
            &["decompress", "--page-size", "0"],
            "page size 0 is outside",
        ),
        (
            &["compress", "--page-size", "3G"],
            "page size 3221225472 is outside",
        ),
        (&["compress", "--prefix", "3"], "invalid width '3'"),
        (&["compress", "--prefix", "four"], "invalid width 'four'"),
        (
            &["compress", "--prefix", "1"],
            "a 1-byte size prefix cannot hold",
        ),
        (
            &["compress", "--prefix", "2", "--page-size", "64K"],
            "a 2-byte size prefix cannot hold",
        ),
        (&["compress", "--ring", "65537"], "window 65537 exceeds"),
        (&["compress", "--ring", "1M"], "window 1048576 exceeds"),
        (&["compress", "--prefix", "0"], "--prefix 0 needs --sizes"),
        (&["decompress", "--prefix", "0"], "--prefix 0 needs --sizes"),
        (
            &["compress", "--sizes", "s"],
            "--sizes is only for --prefix 0",
        ),
        (
            &["compress", "--prefix", "0", "--sizes", "s", "--end-marker"],
            "an end marker needs size prefixes",
        ),
        (
            &["compress", "--end-marker=yes"],
            "--end-marker takes no value",
        ),
        (
            &["compress", "--page-size", "1K", "--page-size", "2K"],
            "--page-size given twice",
        ),
        (
            &["compress", "--end-marker", "--end-marker"],
            "--end-marker given twice",
        ),
        (&["compress", "a", "b", "c"], "too many arguments: 'c'"),
        (&["compress", "--dict", "-"], "--dict needs a file name"),
        (
            &["compress", "--prefix", "0", "--sizes", "-"],
            "--sizes needs a file name",
        ),
        (
            &["compress", input, input],
            "OUTPUT and INPUT are the same file",
        ),
        (
            &[
                "compress", "--prefix", "0", "--sizes", out_str, input, out_str,
            ],
            "OUTPUT and --sizes are the same file",
        ),
        (
            &["decompress", "--dict", out_str, input, out_str],
            "OUTPUT and --dict",
        ),
    ];
    for (args, needle) in cases {
        let output = run(args, Some(b"not read"));
        assert_fails(&output, 2, needle);
        assert!(
            stderr(&output).ends_with("Try 'lz4s --help' for more information.\n"),
            "{args:?}: {}",
            stderr(&output)
        );
        assert!(output.stdout.is_empty(), "{args:?}");
    }

    // Bad options are found before OUTPUT is created.
    for args in [
        &["compress", "--prefix", "1", input, out_str][..],
        &["decompress", "--page-size", "0", input, out_str],
    ] {
        assert_fails(&run(args, None), 2, "lz4 stream:");
        assert!(!out.exists(), "{args:?} created OUTPUT");
    }
}

#[test]
fn help_and_version() {
    for flag in ["--help", "-h"] {
        // Even after a command and with other flags.
        for args in [&[flag][..], &["decompress", "--prefix", "2", flag]] {
            let output = run(args, None);
            assert_ok(&output);
            let help = String::from_utf8(output.stdout).unwrap();
            assert!(help.contains("Usage:"));
            for name in [
                "--page-size",
                "--prefix",
                "--ring",
                "--dict",
                "--end-marker",
                "--sizes",
                "--help",
                "Exit status",
                "broken",
            ] {
                assert!(help.contains(name), "--help does not mention {name}");
            }
        }
    }
    let output = run(&["--version"], None);
    assert_ok(&output);
    assert_eq!(
        String::from_utf8(output.stdout).unwrap(),
        format!("lz4s {}\n", env!("CARGO_PKG_VERSION"))
    );
}

/// The offsets of the records of a stream with 4-byte prefixes.
fn record_offsets(stream: &[u8], page_size: usize) -> Vec<usize> {
    let mut offsets = Vec::new();
    let mut rest = stream;
    while !rest.is_empty() {
        offsets.push(stream.len() - rest.len());
        rest = split_record(rest, SizePrefix::U32, page_size).unwrap().1;
    }
    offsets
}

/// What the library says about `stream` (with 4 KiB pages): the tool must report just that.
fn library_error(stream: &[u8]) -> Error {
    let opts = StreamOptions::new().page_size(4096);
    let err = Lz4StreamReader::with_options(stream, &opts)
        .unwrap()
        .read_to_end(&mut Vec::new())
        .unwrap_err();
    err.get_ref()
        .and_then(|e| e.downcast_ref::<Error>())
        .expect("the crate's error")
        .clone()
}

#[test]
fn corrupt_input_exits_1_naming_block_and_offset() {
    let dir = scratch("corrupt");
    let data = sample(30_000, 10);
    let good = run(&["compress", "--page-size", "4K"], Some(&data));
    assert_ok(&good);
    let stream = good.stdout;
    let offsets = record_offsets(&stream, 4096);
    assert!(offsets.len() >= 6);
    let at = offsets[3];
    let size = u32::from_le_bytes(stream[at..at + 4].try_into().unwrap()) as usize;

    // Block 3's prefix announces more than a page can compress to.
    let mut too_large = stream.clone();
    too_large[at..at + 4].copy_from_slice(&0x00FF_FFF0u32.to_le_bytes());
    // Block 3 one byte short: its last literal run goes past its end.
    let mut short = stream[..at].to_vec();
    short.extend_from_slice(&(size as u32 - 1).to_le_bytes());
    short.extend_from_slice(&stream[at + 4..at + 4 + size - 1]);
    short.extend_from_slice(&stream[at + 4 + size..]);
    // The input ends inside block 3.
    let truncated = stream[..at + 4 + size / 2].to_vec();

    let out = dir.join("out");
    for (name, bad, reason) in [
        ("too large", &too_large, "exceeds the largest block"),
        ("short", &short, "malformed LZ4 block"),
        ("truncated", &truncated, "stream ends inside a block"),
    ] {
        let err = library_error(bad);
        assert_eq!((err.block(), err.offset()), (Some(3), Some(at as u64)));
        let expected_kind = match name {
            "truncated" => std::io::ErrorKind::UnexpectedEof,
            _ => std::io::ErrorKind::InvalidData,
        };
        assert_eq!(err.kind(), expected_kind, "{name}");
        let output = run(
            &[
                "decompress",
                "--page-size",
                "4K",
                "-",
                out.to_str().unwrap(),
            ],
            Some(bad),
        );
        assert_fails(&output, 1, reason);
        assert_eq!(
            stderr(&output),
            format!("lz4s: decompress: {err}\n"),
            "{name}"
        );
        assert!(stderr(&output).contains(&format!("block 3 at offset {at}: ")));
        // The partial output is removed.
        assert!(!out.exists(), "{name}: partial output left behind");
    }
    assert!(matches!(
        library_error(&too_large).reason(),
        Reason::BlockTooLarge { .. }
    ));
}

#[test]
fn missing_or_unreadable_files_exit_1() {
    let dir = scratch("files");
    let missing = dir.join("missing");
    let out = dir.join("out");
    let (missing_str, out_str) = (missing.to_str().unwrap(), out.to_str().unwrap());

    for mode in ["compress", "decompress"] {
        let output = run(&[mode, missing_str, out_str], None);
        assert_fails(
            &output,
            1,
            &format!("lz4s: {mode}: opening '{missing_str}': "),
        );
        assert!(!out.exists(), "{mode}: created OUTPUT for a missing INPUT");
    }
    let output = run(&["compress", "--dict", missing_str], Some(b"data"));
    assert_fails(&output, 1, &format!("--dict '{missing_str}'"));

    // OUTPUT in a directory that does not exist.
    let nowhere = dir.join("no-such-dir").join("out");
    let output = run(&["compress", "-", nowhere.to_str().unwrap()], Some(b"data"));
    assert_fails(&output, 1, "creating '");

    // INPUT is a directory: it opens, then reading fails; OUTPUT and the sizes file written so
    // far are removed.
    let sizes = dir.join("sizes");
    for mode in ["compress", "decompress"] {
        let mut args = vec![mode, "--prefix", "0", "--sizes"];
        args.push(sizes.to_str().unwrap());
        args.extend([dir.to_str().unwrap(), out_str]);
        if mode == "decompress" {
            fs::write(&sizes, "10\n").unwrap();
        }
        let output = run(&args, None);
        assert_fails(&output, 1, &format!("reading '{}'", dir.display()));
        assert!(!out.exists(), "{mode}: partial OUTPUT left behind");
        if mode == "compress" {
            assert!(!sizes.exists(), "partial sizes file left behind");
        }
    }
}

#[test]
fn closed_stdout_stops_quietly_with_status_1() {
    let data = sample(1 << 20, 11);
    let compressed = run(&["compress"], Some(&data));
    assert_ok(&compressed);
    for args in [&["decompress"][..], &["compress"]] {
        let input = if args[0] == "decompress" {
            compressed.stdout.clone()
        } else {
            data.clone()
        };
        let mut child = Command::new(lz4s())
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // Close the reading end of standard output before lz4s can fill the pipe.
        drop(child.stdout.take());
        let mut stdin = child.stdin.take().unwrap();
        let feeder = std::thread::spawn(move || {
            let _ = stdin.write_all(&input);
        });
        let output = child.wait_with_output().unwrap();
        feeder.join().unwrap();
        assert_eq!(
            output.status.code(),
            Some(1),
            "{args:?}: {}",
            stderr(&output)
        );
        assert!(output.stderr.is_empty(), "{args:?}: {}", stderr(&output));
    }
}

// ---------------------------------------------------------------------------------------------
// The file form (`lz4s [-z|-d] FILE...`) and the flags of lz4, gzip and zstd
// ---------------------------------------------------------------------------------------------

/// Runs lz4s in `dir` (for relative file names) with `args` and `stdin`.
fn run_in<S: AsRef<std::ffi::OsStr>>(dir: &Path, args: &[S], stdin: Option<&[u8]>) -> Output {
    let mut child = Command::new(lz4s())
        .current_dir(dir)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start lz4s");
    let input = stdin.unwrap_or_default().to_vec();
    let mut pipe = child.stdin.take().expect("stdin");
    let feeder = std::thread::spawn(move || {
        let _ = pipe.write_all(&input);
    });
    let output = child.wait_with_output().expect("wait for lz4s");
    feeder.join().expect("stdin thread");
    output
}

/// The default stream (64 KiB pages, 4-byte prefixes) of `data`, as the library writes it.
fn library_encode(data: &[u8]) -> Vec<u8> {
    let mut writer = Lz4StreamWriter::new(Vec::new());
    writer.write_all(data).unwrap();
    writer.finish().unwrap()
}

/// The names of the files in `dir`, sorted.
fn listing(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn file_form_writes_and_reads_default_names() {
    let dir = scratch("default_names");
    let data = sample(100_000, 20);
    let other = sample(30_000, 21);
    fs::write(dir.join("data"), &data).unwrap();
    fs::write(dir.join("other.txt"), &other).unwrap();

    // Compressing FILE writes FILE.lz4s and keeps FILE (the default, as in lz4); without -z
    // too, and for several files at once.
    for args in [
        &["data"][..],
        &["-z", "data"],
        &["-k", "data"],
        &["--compress", "data"],
    ] {
        let _ = fs::remove_file(dir.join("data.lz4s"));
        let output = run_in(&dir, args, None);
        assert_ok(&output);
        assert!(output.stdout.is_empty(), "{args:?}");
        assert_eq!(
            listing(&dir),
            ["data", "data.lz4s", "other.txt"],
            "{args:?}"
        );
        assert!(fs::read(dir.join("data.lz4s")).unwrap() == library_encode(&data));
        assert!(
            fs::read(dir.join("data")).unwrap() == data,
            "{args:?}: input kept"
        );
    }
    fs::remove_file(dir.join("data.lz4s")).unwrap();
    let abs = dir.join("data");
    assert_ok(&run(&[abs.to_str().unwrap()], None));
    assert_ok(&run_in(&dir, &["other.txt"], None));
    assert_eq!(
        listing(&dir),
        ["data", "data.lz4s", "other.txt", "other.txt.lz4s"]
    );

    // Decompressing FILE.lz4s writes FILE, keeping FILE.lz4s.
    fs::rename(dir.join("data"), dir.join("data.orig")).unwrap();
    fs::rename(dir.join("other.txt"), dir.join("other.orig")).unwrap();
    assert_ok(&run_in(&dir, &["-d", "data.lz4s", "other.txt.lz4s"], None));
    assert!(fs::read(dir.join("data")).unwrap() == data);
    assert!(fs::read(dir.join("other.txt")).unwrap() == other);
    assert!(dir.join("data.lz4s").exists() && dir.join("other.txt.lz4s").exists());
    fs::remove_file(dir.join("data")).unwrap();
    assert_ok(&run_in(&dir, &["--decompress", "data.lz4s"], None));
    assert!(fs::read(dir.join("data")).unwrap() == data);

    // A name without .lz4s has no default output: a usage error, before any file is written.
    fs::remove_file(dir.join("data")).unwrap();
    let before = listing(&dir);
    for args in [&["-d", "data.orig"][..], &["-d", "data.lz4s", "data.orig"]] {
        let output = run_in(&dir, args, None);
        assert_fails(&output, 2, "'data.orig' does not end in .lz4s");
        assert_eq!(listing(&dir), before, "{args:?}");
    }
    // A name that is only the extension has no stem to decompress to.
    fs::write(dir.join(".lz4s"), library_encode(b"x")).unwrap();
    assert_fails(
        &run_in(&dir, &["-d", ".lz4s"], None),
        2,
        "does not end in .lz4s",
    );
    // With -c it needs none.
    let output = run_in(&dir, &["-dc", "data.orig.lz4s"], None);
    assert_fails(&output, 1, "opening 'data.orig.lz4s'");
    fs::copy(dir.join("data.lz4s"), dir.join("renamed")).unwrap();
    let output = run_in(&dir, &["-d", "-c", "renamed"], None);
    assert_ok(&output);
    assert!(output.stdout == data);
}

#[test]
fn stdout_flag_writes_to_standard_output() {
    let dir = scratch("stdout_flag");
    let data = sample(70_000, 22);
    let more = sample(20_000, 23);
    fs::write(dir.join("data"), &data).unwrap();
    fs::write(dir.join("more"), &more).unwrap();
    let stream = library_encode(&data);

    for args in [&["-c", "data"][..], &["--stdout", "data"], &["-zc", "data"]] {
        let output = run_in(&dir, args, None);
        assert_ok(&output);
        assert!(output.stdout == stream, "{args:?}");
        assert_eq!(listing(&dir), ["data", "more"], "{args:?}: no file written");
    }
    // The command form writes to standard output anyway; -c says so, and an OUTPUT with it
    // is a contradiction.
    let output = run_in(&dir, &["compress", "-c", "data"], None);
    assert_ok(&output);
    assert!(output.stdout == stream);
    let output = run_in(&dir, &["compress", "-c", "data", "out"], None);
    assert_fails(&output, 2, "-c and OUTPUT both given");
    assert!(!dir.join("out").exists());

    // Decompressing several files to standard output concatenates them (as zcat does);
    // compressing several would concatenate streams that do not decode as one.
    fs::write(dir.join("a.lz4s"), &stream).unwrap();
    fs::write(dir.join("b.lz4s"), library_encode(&more)).unwrap();
    let output = run_in(&dir, &["-dc", "a.lz4s", "b.lz4s"], None);
    assert_ok(&output);
    assert!(output.stdout == [&data[..], &more[..]].concat());
    assert!(!dir.join("a").exists() && !dir.join("b").exists());
    let output = run_in(&dir, &["-c", "data", "more"], None);
    assert_fails(&output, 2, "-c with several FILEs");
    assert!(output.stdout.is_empty());

    // Standard input: `-`, or no FILE with -z or -d.
    for args in [&["-z"][..], &["-z", "-"], &["-zc"], &["-c", "-z", "-"]] {
        let output = run_in(&dir, args, Some(&data));
        assert_ok(&output);
        assert!(output.stdout == stream, "{args:?}");
    }
    for args in [&["-d"][..], &["-d", "-"], &["-dc"]] {
        let output = run_in(&dir, args, Some(&stream));
        assert_ok(&output);
        assert!(output.stdout == data, "{args:?}");
    }
    assert_eq!(listing(&dir), ["a.lz4s", "b.lz4s", "data", "more"]);
}

#[test]
fn existing_outputs_need_force() {
    let dir = scratch("force");
    let data = sample(40_000, 24);
    let stream = library_encode(&data);
    fs::write(dir.join("data"), &data).unwrap();
    fs::write(dir.join("data.lz4s"), b"precious").unwrap();
    fs::write(dir.join("out"), b"precious").unwrap();
    fs::write(dir.join("sizes"), b"precious").unwrap();

    // Without -f: refused, the file untouched (and not removed as a partial output), in both
    // forms and both directions.
    let refused: &[(&[&str], &str)] = &[
        (&["data"], "data.lz4s"),
        (&["-z", "data"], "data.lz4s"),
        (&["compress", "data", "out"], "out"),
        (&["decompress", "data.lz4s", "out"], "out"),
        (
            &[
                "compress", "--prefix", "0", "--sizes", "sizes", "data", "new",
            ],
            "sizes",
        ),
    ];
    for (args, name) in refused {
        let output = run_in(&dir, args, None);
        assert_fails(
            &output,
            1,
            &format!("'{name}' already exists (use -f to overwrite it)"),
        );
        assert_eq!(fs::read(dir.join(name)).unwrap(), b"precious", "{args:?}");
    }
    assert!(!dir.join("new").exists(), "partial OUTPUT left behind");
    // Decompressing onto an existing FILE.
    fs::write(dir.join("x.lz4s"), &stream).unwrap();
    fs::write(dir.join("x"), b"precious").unwrap();
    assert_fails(
        &run_in(&dir, &["-d", "x.lz4s"], None),
        1,
        "'x' already exists",
    );
    assert_eq!(fs::read(dir.join("x")).unwrap(), b"precious");

    // With -f: overwritten.
    for (args, expected) in [
        (&["-f", "data"][..], &stream),
        (&["compress", "--force", "data", "out"], &stream),
    ] {
        assert_ok(&run_in(&dir, args, None));
        let name = args.last().unwrap();
        let name = if *name == "data" { "data.lz4s" } else { name };
        assert!(&fs::read(dir.join(name)).unwrap() == expected, "{args:?}");
    }
    assert_ok(&run_in(&dir, &["-df", "x.lz4s"], None));
    assert!(fs::read(dir.join("x")).unwrap() == data);

    // With several files, a refused one is reported and the others are still done.
    fs::write(dir.join("y"), &data).unwrap();
    fs::write(dir.join("z"), &data).unwrap();
    fs::write(dir.join("y.lz4s"), b"precious").unwrap();
    let output = run_in(&dir, &["y", "z"], None);
    assert_fails(&output, 1, "lz4s: compress: 'y.lz4s' already exists");
    assert_eq!(fs::read(dir.join("y.lz4s")).unwrap(), b"precious");
    assert!(fs::read(dir.join("z.lz4s")).unwrap() == stream);
}

#[test]
fn rm_removes_inputs_and_keep_keeps_them() {
    let dir = scratch("rm");
    let data = sample(40_000, 25);
    let stream = library_encode(&data);

    // --rm removes the input once the output is written; -k after it keeps it, --rm after -k
    // removes it (the last one counts).
    for (args, removed) in [
        (&["--rm", "data"][..], true),
        (&["--rm", "-k", "data"], false),
        (&["-k", "--rm", "data"], true),
        (&["compress", "--rm", "data", "data.lz4s"], true),
    ] {
        fs::write(dir.join("data"), &data).unwrap();
        let _ = fs::remove_file(dir.join("data.lz4s"));
        assert_ok(&run_in(&dir, args, None));
        assert!(
            fs::read(dir.join("data.lz4s")).unwrap() == stream,
            "{args:?}"
        );
        assert_eq!(!dir.join("data").exists(), removed, "{args:?}");
    }
    assert_ok(&run_in(&dir, &["-d", "--rm", "data.lz4s"], None));
    assert!(fs::read(dir.join("data")).unwrap() == data);
    assert!(!dir.join("data.lz4s").exists());

    // Not after a failure: the output exists, or the input is corrupt.
    fs::write(dir.join("data.lz4s"), b"precious").unwrap();
    assert_fails(&run_in(&dir, &["--rm", "data"], None), 1, "already exists");
    assert!(dir.join("data").exists());
    fs::write(dir.join("bad.lz4s"), &stream[..stream.len() - 1]).unwrap();
    assert_fails(
        &run_in(&dir, &["-d", "--rm", "bad.lz4s"], None),
        1,
        "lz4 stream",
    );
    assert!(dir.join("bad.lz4s").exists() && !dir.join("bad").exists());

    // Not with standard output or input: a usage error.
    for args in [
        &["--rm", "-c", "data"][..],
        &["-z", "--rm"],
        &["-z", "--rm", "-"],
        &["compress", "--rm", "data"],
    ] {
        assert_fails(
            &run_in(&dir, args, Some(&data)),
            2,
            "--rm removes input FILEs",
        );
        assert!(dir.join("data").exists(), "{args:?}");
    }
}

#[test]
fn modes_and_commands() {
    let dir = scratch("modes");
    let data = sample(30_000, 26);
    let stream = library_encode(&data);
    fs::write(dir.join("compress"), &data).unwrap();

    // The command form, with flags before and after the command.
    for args in [
        &["compress", "-", "-"][..],
        &["--page-size", "64K", "compress"],
        &["-z", "compress"],
        &["compress", "-z", "--", "-"],
    ] {
        let output = run_in(&dir, args, Some(&data));
        assert_ok(&output);
        assert!(output.stdout == stream, "{args:?}");
    }
    for args in [&["decompress"][..], &["-d", "decompress", "-"]] {
        let output = run_in(&dir, args, Some(&stream));
        assert_ok(&output);
        assert!(output.stdout == data, "{args:?}");
    }
    // A file called `compress` is ./compress.
    assert_ok(&run_in(&dir, &["./compress"], None));
    assert!(fs::read(dir.join("compress.lz4s")).unwrap() == stream);

    // Without a mode, the first operand is a command or an existing file.
    let cases: &[(&[&str], &str)] = &[
        (&["compres", "compress"], "unknown command 'compres'"),
        (&["-"], "standard input needs a mode"),
        (&["-k"], "missing command"),
        (&["-z", "-d"], "--compress cannot be used with --decompress"),
        (
            &["compress", "-d"],
            "the command 'compress' and -d disagree",
        ),
        (
            &["decompress", "-z"],
            "the command 'decompress' and -z disagree",
        ),
        (
            &["--prefx", "2"],
            "unknown option '--prefx' (did you mean '--prefix'?)",
        ),
        (&["-9k", "compress"], "unknown option '-9'"),
        (
            &[
                "-z",
                "--prefix",
                "0",
                "--sizes",
                "s",
                "./compress",
                "./compress.lz4s",
            ],
            "--sizes holds the block sizes of one stream",
        ),
    ];
    for (args, needle) in cases {
        let output = run_in(&dir, args, Some(&data));
        assert_fails(&output, 2, needle);
        assert!(
            stderr(&output).ends_with("Try 'lz4s --help' for more information.\n"),
            "{args:?}"
        );
        assert!(output.stdout.is_empty(), "{args:?}");
    }
    assert_eq!(listing(&dir), ["compress", "compress.lz4s"]);
}

/// A `-v` summary line: `lz4s: MODE: IN (N bytes) -> OUT (M bytes), ratio R%, S MB/s`.
#[derive(Debug)]
struct Summary {
    mode: String,
    input: String,
    read: u64,
    output: String,
    written: u64,
    ratio: f64,
    speed: f64,
}

fn parse_summary(line: &str) -> Summary {
    fn bad<T>(line: &str) -> T {
        panic!("not a summary line: {line:?}")
    }
    let rest = line.strip_prefix("lz4s: ").unwrap_or_else(|| bad(line));
    let (mode, rest) = rest.split_once(": ").unwrap_or_else(|| bad(line));
    let (input, rest) = rest.split_once(" (").unwrap_or_else(|| bad(line));
    let (read, rest) = rest.split_once(" bytes) -> ").unwrap_or_else(|| bad(line));
    let (output, rest) = rest.split_once(" (").unwrap_or_else(|| bad(line));
    let (written, rest) = rest
        .split_once(" bytes), ratio ")
        .unwrap_or_else(|| bad(line));
    let (ratio, rest) = rest.split_once("%, ").unwrap_or_else(|| bad(line));
    let speed = rest.strip_suffix(" MB/s").unwrap_or_else(|| bad(line));
    // Two decimals, as promised.
    for number in [ratio, speed] {
        assert_eq!(
            number.split_once('.').map(|(_, d)| d.len()),
            Some(2),
            "{line}"
        );
    }
    Summary {
        mode: mode.into(),
        input: input.into(),
        read: read.parse().unwrap_or_else(|_| bad(line)),
        output: output.into(),
        written: written.parse().unwrap_or_else(|_| bad(line)),
        ratio: ratio.parse().unwrap_or_else(|_| bad(line)),
        speed: speed.parse().unwrap_or_else(|_| bad(line)),
    }
}

#[test]
fn verbose_prints_a_summary_and_quiet_nothing() {
    let dir = scratch("verbose");
    let data = sample(200_000, 27);
    fs::write(dir.join("data"), &data).unwrap();

    let output = run_in(&dir, &["-v", "data"], None);
    assert!(output.status.success());
    let packed = fs::read(dir.join("data.lz4s")).unwrap();
    let text = stderr(&output);
    let line = text.strip_suffix('\n').expect("one line");
    assert!(!line.contains('\n'), "one line: {text:?}");
    let summary = parse_summary(line);
    assert_eq!(
        (&*summary.mode, &*summary.input, &*summary.output),
        ("compress", "'data'", "'data.lz4s'")
    );
    assert_eq!(
        (summary.read, summary.written),
        (data.len() as u64, packed.len() as u64)
    );
    let expected = packed.len() as f64 * 100.0 / data.len() as f64;
    assert!(
        (summary.ratio - expected).abs() <= 0.005,
        "{} vs {expected}",
        summary.ratio
    );
    assert!(summary.speed > 0.0);

    // Decompressing: the same ratio (compressed size over uncompressed), standard streams as
    // `-`.
    let output = run_in(&dir, &["decompress", "--verbose"], Some(&packed));
    assert!(output.status.success() && output.stdout == data);
    let back = parse_summary(stderr(&output).trim_end());
    assert_eq!(
        (&*back.mode, &*back.input, &*back.output),
        ("decompress", "-", "-")
    );
    assert_eq!(
        (back.read, back.written),
        (packed.len() as u64, data.len() as u64)
    );
    assert_eq!(back.ratio, summary.ratio);

    // One line per file.
    fs::write(dir.join("other"), &data[..1000]).unwrap();
    let output = run_in(&dir, &["-vf", "data", "other"], None);
    assert!(output.status.success());
    let lines: Vec<Summary> = stderr(&output).lines().map(parse_summary).collect();
    assert_eq!(lines.len(), 2);
    assert_eq!((&*lines[1].input, lines[1].read), ("'other'", 1000));

    // -q: nothing on standard error, and it wins over an earlier -v (the last one counts).
    for args in [
        &["-q", "-f", "data"][..],
        &["-v", "-q", "-f", "data"],
        &["-qf", "data"],
    ] {
        let output = run_in(&dir, args, None);
        assert_ok(&output);
    }
    let output = run_in(&dir, &["-q", "-v", "-f", "data"], None);
    assert_eq!(stderr(&output).lines().count(), 1);
    // Errors are still reported.
    let output = run_in(&dir, &["-q", "missing"], None);
    assert_fails(&output, 2, "unknown command 'missing'");
    let output = run_in(&dir, &["-q", "-z", "missing"], None);
    assert_fails(&output, 1, "opening 'missing'");
}

// ---------------------------------------------------------------------------------------------
// On a terminal
// ---------------------------------------------------------------------------------------------

/// Runs a program with one of its standard streams on a pseudo-terminal (raw, 100 columns):
/// `python3 PTY_RUNNER EXE STREAM INPUT DELAY OTHER ARGS...` feeds the file INPUT to the
/// program's standard input (with a pause of DELAY seconds after its first 64 KiB), puts
/// STREAM (`stdout` or `stderr`) on the terminal and the other stream in the file OTHER,
/// prints what the terminal received and exits with the program's status.
const PTY_RUNNER: &str = r#"
import fcntl, os, struct, subprocess, sys, termios, threading, time, tty
exe, stream, input_path, delay, other_path, *args = sys.argv[1:]
master, slave = os.openpty()
tty.setraw(slave)
fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))
other = open(other_path, "wb")
streams = {"stdout": slave, "stderr": other} if stream == "stdout" else {"stdout": other, "stderr": slave}
child = subprocess.Popen([exe] + args, stdin=subprocess.PIPE, **streams)
os.close(slave)
received = []
def drain():
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:
            return
        if not chunk:
            return
        received.append(chunk)
reader = threading.Thread(target=drain)
reader.start()
data = open(input_path, "rb").read()
try:
    child.stdin.write(data[:65536])
    child.stdin.flush()
    time.sleep(float(delay))
    child.stdin.write(data[65536:])
    child.stdin.close()
except BrokenPipeError:
    pass
status = child.wait()
reader.join()
sys.stdout.buffer.write(b"".join(received))
sys.exit(status)
"#;

/// What a run under a pseudo-terminal gave.
struct PtyRun {
    status: Option<i32>,
    /// What the terminal received.
    terminal: Vec<u8>,
    /// The other stream (stderr when stdout is the terminal, and the other way round).
    other: Vec<u8>,
}

/// Runs lz4s with `stream` ("stdout" or "stderr") on a pseudo-terminal, `input` on standard
/// input (paused for `delay` seconds after its first 64 KiB). Fails, not skips, without python3.
fn run_on_terminal(stream: &str, args: &[&str], input: &[u8], delay: f64) -> PtyRun {
    static RUNS: AtomicUsize = AtomicUsize::new(0);
    let dir = scratch(&format!("pty-{}", RUNS.fetch_add(1, Ordering::Relaxed)));
    let (input_path, other_path) = (dir.join("input"), dir.join("other"));
    fs::write(&input_path, input).unwrap();
    let output = Command::new("python3")
        .arg("-c")
        .arg(PTY_RUNNER)
        .arg(lz4s())
        .arg(stream)
        .arg(&input_path)
        .arg(delay.to_string())
        .arg(&other_path)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("python3 runs lz4s under a pseudo-terminal: install python3");
    let other = fs::read(&other_path).unwrap();
    let _ = fs::remove_dir_all(&dir);
    PtyRun {
        status: output.status.code(),
        terminal: output.stdout,
        other,
    }
}

#[test]
fn compressed_data_is_not_written_to_a_terminal() {
    let dir = scratch("terminal");
    let data = sample(100_000, 28);
    let stream = library_encode(&data);
    let input = dir.join("data");
    fs::write(&input, &data).unwrap();
    let input = input.to_str().unwrap();

    // Every way of writing compressed data to standard output is refused, before anything is
    // written.
    for args in [
        &["-z"][..],
        &["-c", input],
        &["compress"],
        &["compress", input],
        &["compress", "-", "-"],
    ] {
        let run = run_on_terminal("stdout", args, &data, 0.0);
        let message = String::from_utf8_lossy(&run.other);
        assert_eq!(run.status, Some(1), "{args:?}: {message}");
        assert_eq!(
            message,
            "lz4s: compress: refusing to write compressed data to a terminal \
             (redirect standard output, or use -f to force)\n",
            "{args:?}"
        );
        assert!(run.terminal.is_empty(), "{args:?}: wrote to the terminal");
    }
    // -f forces it (the terminal is raw: the bytes arrive as they are).
    for args in [&["-zf"][..], &["compress", "-f", input]] {
        let run = run_on_terminal("stdout", args, &data, 0.0);
        assert_eq!(
            run.status,
            Some(0),
            "{}",
            String::from_utf8_lossy(&run.other)
        );
        assert!(run.terminal == stream, "{args:?}");
    }
    // A file output is not the terminal, and decompressed data may go there.
    let out = dir.join("out");
    let run = run_on_terminal(
        "stdout",
        &["compress", "-", out.to_str().unwrap()],
        &data,
        0.0,
    );
    assert_eq!(run.status, Some(0));
    assert!(run.terminal.is_empty() && fs::read(&out).unwrap() == stream);
    let run = run_on_terminal("stdout", &["-d"], &stream, 0.0);
    assert_eq!(
        run.status,
        Some(0),
        "{}",
        String::from_utf8_lossy(&run.other)
    );
    assert!(run.terminal == data);
}

#[test]
fn progress_bar_on_a_terminal_for_long_jobs_only() {
    let data = sample(400_000, 29);
    let stream = library_encode(&data);
    let dir = scratch("progress");
    let out = dir.join("out");
    let out_arg = out.to_str().unwrap();

    // A job that lasts more than a second (its input pauses for 1.5 s) shows a bar on a
    // terminal, and erases it at the end; then the summary of -v follows on a clean line.
    let run = run_on_terminal("stderr", &["compress", "-v", "-", out_arg], &data, 1.5);
    assert_eq!(
        run.status,
        Some(0),
        "{}",
        String::from_utf8_lossy(&run.terminal)
    );
    assert!(fs::read(&out).unwrap() == stream);
    let terminal = String::from_utf8_lossy(&run.terminal);
    assert!(
        terminal.starts_with("lz4s: compress - ") && terminal.contains("B/s"),
        "no progress bar: {terminal:?}"
    );
    let summary = terminal.rsplit("\x1b[2K").next().unwrap();
    assert!(
        summary.starts_with("lz4s: compress: - (400000 bytes) -> '"),
        "{terminal:?}"
    );

    // Not for a short job (under a second: its input pauses for 0.4 s), not with -q, and not
    // when standard error is no terminal.
    for (args, delay) in [
        (&["compress", "-f", "-", out_arg][..], 0.4),
        (&["compress", "-fq", "-", out_arg], 1.5),
        (&["compress", "-v", "--quiet", "-f", "-", out_arg], 1.5),
    ] {
        let run = run_on_terminal("stderr", args, &data, delay);
        assert_eq!(run.status, Some(0), "{args:?}");
        assert!(
            run.terminal.is_empty(),
            "{args:?}: {:?}",
            String::from_utf8_lossy(&run.terminal)
        );
        assert!(fs::read(&out).unwrap() == stream);
    }
    let mut child = Command::new(lz4s())
        .args(["compress", "-f", "-", out_arg])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let input = data.clone();
    let feeder = std::thread::spawn(move || {
        stdin.write_all(&input[..65536]).unwrap();
        std::thread::sleep(std::time::Duration::from_millis(1500));
        stdin.write_all(&input[65536..]).unwrap();
    });
    let output = child.wait_with_output().unwrap();
    feeder.join().unwrap();
    assert_ok(&output);
    assert!(fs::read(&out).unwrap() == stream);
}
