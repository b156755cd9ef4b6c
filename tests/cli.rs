//! Tests of the `lz4s` example (examples/lz4s.rs), run as a program.
//!
//! Integration tests are not handed the paths of examples (`CARGO_BIN_EXE_*` exists only for
//! `[[bin]]` targets), so the first test to need it builds the example with the same cargo and
//! the same profile, features and target directory as this test binary (a no-op when
//! `cargo test` has built it already) and runs it from `<target>/<profile>/examples/`.
//!
//! Streams the tool writes are checked with the library (not only by the tool reading them
//! back), and streams the library writes are given to the tool, so a flag the tool ignored or
//! misread shows up.

use std::fs;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;

use lz4_stream::{
    split_record, Decompressor, Error, Lz4StreamReader, Lz4StreamWriter, Reason, Record,
    SizePrefix, Strategy, StreamOptions,
};

/// The path of the compiled example, built on first use.
fn lz4s() -> &'static Path {
    static PATH: OnceLock<PathBuf> = OnceLock::new();
    PATH.get_or_init(|| {
        // This binary is <target>/<profile>/deps/cli-<hash>.
        let exe = std::env::current_exe().expect("the test binary's path");
        let profile_dir = exe
            .parent()
            .and_then(Path::parent)
            .expect("<target>/<profile>/deps/");
        let target_dir = profile_dir.parent().expect("<target>/<profile>");
        let profile = match profile_dir.file_name().and_then(|n| n.to_str()) {
            Some("debug") => "dev",
            Some("release") => "release",
            Some(other) => other,
            None => "dev",
        };
        let mut build = Command::new(env!("CARGO"));
        build.args([
            "build",
            "--quiet",
            "--example",
            "lz4s",
            "--profile",
            profile,
        ]);
        // The same features as this test (`cargo test --no-default-features` included), so
        // that the library is not built twice.
        if !cfg!(feature = "safe") {
            build.arg("--no-default-features");
        }
        let output = build
            .arg("--manifest-path")
            .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml"))
            .env("CARGO_TARGET_DIR", target_dir)
            .output()
            .expect("run cargo build --example lz4s");
        assert!(
            output.status.success(),
            "cargo build --example lz4s failed:\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let path = profile_dir
            .join("examples")
            .join(format!("lz4s{}", std::env::consts::EXE_SUFFIX));
        assert!(path.exists(), "no example binary at {}", path.display());
        path
    })
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
