//! `lz4s`: compress and decompress files in the LZ4 stream format from the command line.
//!
//! ```text
//! lz4s compress   [OPTIONS] [INPUT [OUTPUT]]
//! lz4s decompress [OPTIONS] [INPUT [OUTPUT]]
//! ```
//!
//! INPUT and OUTPUT default to standard input and standard output; `-` names them too. Every
//! option of [`StreamOptions`] has a flag (`--page-size`, `--prefix`, `--ring`, `--dict`,
//! `--end-marker`, and the compression mode: `--fast N`, or `-1` .. `-12` / `--level N` for
//! high compression), and `--sizes FILE` carries the block sizes of an out-of-band stream
//! (`--prefix 0`): `compress` writes them there, one decimal number per line, and `decompress`
//! reads them back. Both ends must be given the same options (`--ring` only matters to
//! `compress`). Run `lz4s --help` for the details, or see [`HELP`].
//!
//! ```text
//! $ cargo run --example lz4s -- compress --page-size 16K --prefix 2 data.bin data.lz4s
//! $ cargo run --example lz4s -- decompress --page-size 16K --prefix 2 data.lz4s > data.out
//! $ tar c dir | lz4s compress --end-marker | ssh host 'lz4s decompress --end-marker | tar x'
//! ```
//!
//! It is also a small guide to the crate's adapters: `compress` copies the input into an
//! [`Lz4StreamWriter`] and calls [`Lz4StreamWriter::finish`], `decompress` copies an
//! [`Lz4StreamReader`] out with [`io::copy`], and errors are reported with the block number and
//! the offset that the crate's [`lz4_stream::Error`] carries, for example
//! `lz4s: decompress: lz4 stream: block 3 at offset 1234: malformed LZ4 block: ...`.
//!
//! Exit status: 0 on success, 1 for a runtime error (I/O, corrupt or truncated input), 2 for a
//! usage error (unknown flag, bad value, options the format does not allow). The argument parser
//! is written by hand, so the example needs no dependency beyond the crate.

use std::ffi::OsString;
use std::fmt;
use std::fs::{self, File};
use std::io::{self, BufRead, BufReader, BufWriter, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use lz4_stream::{
    Lz4StreamReader, Lz4StreamWriter, SizePrefix, Strategy, StreamOptions, MAX_ACCELERATION,
    MAX_HC_LEVEL, WINDOW_SIZE,
};

/// The size of the buffers around the input and the output.
const BUFFER: usize = 128 * 1024;

/// The text of `lz4s --help`.
pub const HELP: &str = "\
lz4s: compress and decompress the LZ4 stream format (size-prefixed LZ4 blocks that reference
the blocks before them, as liblz4's streaming API and python-lz4's lz4.stream write them).

Usage:
    lz4s compress   [OPTIONS] [INPUT [OUTPUT]]
    lz4s decompress [OPTIONS] [INPUT [OUTPUT]]
    lz4s --help | --version

INPUT and OUTPUT default to standard input and standard output; `-` names them too. OUTPUT
is created or overwritten; if the command fails, a partly written OUTPUT (and a --sizes file
that compress wrote) is removed. Both ends must use the same options (a decompressor may use
a larger page size); `--ring` only matters to compress.

Options (`--flag VALUE` or `--flag=VALUE`; each at most once; `--` ends the options):
    --page-size N    Largest number of uncompressed bytes in one block (python-lz4's
                     buffer_size), 1 to 2016M. Suffixes K, M, G (or KiB, MiB, GiB) multiply
                     by 1024, 1024^2, 1024^3. Default: 64K.
    --prefix W       Width of each block's size prefix in bytes: 1, 2, 4 or 0 (python-lz4's
                     store_comp_size). 0 keeps the sizes out of band, in the --sizes file. A
                     compressor's prefix must hold the largest block of a page: W=1 allows
                     pages up to 239 bytes, W=2 up to 65264 bytes. Default: 4.
    --ring WINDOW    Compress with a ring buffer: each block may reference the last WINDOW
                     bytes of the stream (at most 64K; suffixes as for --page-size), which
                     liblz4's ring-buffer decoders and this tool decode, python-lz4 does not.
                     Without it: double buffer, each block references only the block before
                     it, which every decoder handles.
    --fast N         Compress with liblz4's acceleration N, 1 to 65537 (python-lz4's
                     mode=\"fast\", acceleration=N): higher is faster, with less
                     compression. Default: 1. Only matters to compress.
    -T N, -TN, --threads N
                     Compress on N threads (0: one per core; default 1). Pages are
                     compressed in parallel, each from its own history; the stream is the
                     same for every N >= 2 and any decoder reads it. Only matters to
                     compress.
    -1 .. -12, --level N
                     Compress with liblz4's high-compression (HC) level N, 1 to 12
                     (python-lz4's mode=\"high_compression\", compression_level=N):
                     1-2 a light matcher, 3-9 hash chains, 10-12 an optimal parser;
                     higher is smaller and slower (9 is liblz4's default HC level).
                     Only matters to compress; any decoder reads the result.
    --dict FILE      Initial dictionary shared by both ends (only its last 64 KiB matter).
    --end-marker     compress ends the stream with a zero size prefix; decompress requires
                     one (input that ends without it is truncated). Needs a prefix (not 0).
                     Without the flag, decompress still stops at an end marker.
    --sizes FILE     Required with --prefix 0, refused otherwise: compress writes the size of
                     each block there, one decimal number per line; decompress reads them.
    -h, --help       Print this help and exit.
    -V, --version    Print the version and exit.

Exit status:
    0  success
    1  runtime error: a file cannot be opened, read or written, the input is corrupt or
       truncated, or data follows the end of the stream (after its end marker, or after the
       last block that --sizes lists)
    2  usage error: unknown command or flag, missing or bad value, options the format does
       not allow (e.g. --prefix 1 with a 64K page, --end-marker with --prefix 0)

Errors go to standard error, prefixed with `lz4s: `; corrupt input is reported with the block
number and the offset of its record, e.g.
    lz4s: decompress: lz4 stream: block 3 at offset 1234: malformed LZ4 block: ...
When standard output is a broken pipe (its reader is gone, as in `lz4s decompress x | head`),
lz4s stops quietly with status 1: the output is incomplete, so it is no success, but there is
no one to tell.
";

fn main() -> ExitCode {
    let args: Vec<OsString> = std::env::args_os().skip(1).collect();
    let command = match parse_args(args) {
        Ok(Parsed::Run(command)) => command,
        Ok(Parsed::Help) => return print_and_exit(HELP),
        Ok(Parsed::Version) => {
            return print_and_exit(&format!("lz4s {}\n", env!("CARGO_PKG_VERSION")))
        }
        Err(usage) => {
            eprintln!("lz4s: {usage}");
            eprintln!("Try 'lz4s --help' for more information.");
            return ExitCode::from(2);
        }
    };
    match command.run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Usage(usage)) => {
            eprintln!("lz4s: {}: {usage}", command.mode);
            eprintln!("Try 'lz4s --help' for more information.");
            ExitCode::from(2)
        }
        Err(Failure::BrokenPipe) => ExitCode::from(1),
        Err(Failure::Runtime(message)) => {
            eprintln!("lz4s: {}: {message}", command.mode);
            ExitCode::from(1)
        }
    }
}

/// Prints `text` to standard output (help, version) and exits 0, or 1 if that fails.
fn print_and_exit(text: &str) -> ExitCode {
    match io::stdout().lock().write_all(text.as_bytes()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(_) => ExitCode::from(1),
    }
}

// ---------------------------------------------------------------------------------------------
// Command line
// ---------------------------------------------------------------------------------------------

/// What the command line asks for.
#[derive(Debug)]
enum Parsed {
    Run(Command),
    Help,
    Version,
}

/// Compress or decompress.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mode {
    Compress,
    Decompress,
}

impl fmt::Display for Mode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Mode::Compress => "compress",
            Mode::Decompress => "decompress",
        })
    }
}

/// A file named on the command line, or the standard stream `-` (or nothing) stands for.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Place {
    Std,
    Path(PathBuf),
}

impl Place {
    fn new(arg: Option<OsString>) -> Place {
        match arg {
            Some(arg) if arg != "-" => Place::Path(arg.into()),
            _ => Place::Std,
        }
    }
}

/// A parsed command: the mode, the files and the stream options.
#[derive(Debug)]
struct Command {
    mode: Mode,
    input: Place,
    output: Place,
    page_size: Option<usize>,
    prefix: Option<SizePrefix>,
    ring: Option<usize>,
    dict: Option<PathBuf>,
    end_marker: bool,
    sizes: Option<PathBuf>,
    compression: Option<lz4_stream::Mode>,
    threads: Option<usize>,
}

/// Parses the arguments (without the program name). `Err` is a usage error's message.
fn parse_args(args: Vec<OsString>) -> Result<Parsed, String> {
    let mut mode = None;
    let mut positional: Vec<OsString> = Vec::new();
    let mut page_size = None;
    let mut prefix = None;
    let mut ring = None;
    let mut dict = None;
    let mut end_marker = false;
    let mut sizes = None;
    let mut compression = None;
    let mut threads = None;

    let mut args = args.into_iter();
    let mut options_ended = false;
    while let Some(arg) = args.next() {
        let text = arg.to_string_lossy();
        if options_ended || !text.starts_with('-') || text == "-" {
            if mode.is_none() {
                mode = Some(match text.as_ref() {
                    "compress" => Mode::Compress,
                    "decompress" => Mode::Decompress,
                    _ => {
                        return Err(format!(
                            "unknown command '{text}' (expected 'compress' or 'decompress')"
                        ))
                    }
                });
            } else {
                positional.push(arg);
            }
            continue;
        }
        if text == "--" {
            options_ended = true;
            continue;
        }
        // `--flag=VALUE` or `--flag VALUE`.
        let (flag, inline_value) = match text.split_once('=') {
            Some((flag, value)) if flag.starts_with("--") => {
                (flag.to_string(), Some(OsString::from(value)))
            }
            _ => (text.to_string(), None),
        };
        let mut value = |name: &str| -> Result<OsString, String> {
            match inline_value.clone().or_else(|| args.next()) {
                Some(value) => Ok(value),
                None => Err(format!("{name} needs a value")),
            }
        };
        match flag.as_str() {
            "-h" | "--help" => return Ok(Parsed::Help),
            "-V" | "--version" => return Ok(Parsed::Version),
            "--page-size" => {
                let v = value("--page-size")?;
                set_once(
                    &mut page_size,
                    "--page-size",
                    parse_size("--page-size", &v)?,
                )?;
            }
            "--prefix" => {
                let v = value("--prefix")?;
                set_once(&mut prefix, "--prefix", parse_prefix(&v)?)?;
            }
            "--ring" => {
                let v = value("--ring")?;
                set_once(&mut ring, "--ring", parse_size("--ring", &v)?)?;
            }
            "--dict" => {
                let v = value("--dict")?;
                set_once(&mut dict, "--dict", file_arg("--dict", v)?)?;
            }
            "--sizes" => {
                let v = value("--sizes")?;
                set_once(&mut sizes, "--sizes", file_arg("--sizes", v)?)?;
            }
            "--fast" => {
                let v = value("--fast")?;
                let acceleration = parse_acceleration(&v)?;
                set_mode(&mut compression, lz4_stream::Mode::Fast { acceleration })?;
            }
            "-T" | "--threads" => {
                let v = value(&flag)?;
                set_once(&mut threads, "--threads", parse_threads(&flag, &v)?)?;
            }
            // -TN, as in zstd and xz.
            attached if attached.len() > 2 && attached.starts_with("-T") => {
                let v = OsString::from(&attached[2..]);
                set_once(&mut threads, "--threads", parse_threads("-T", &v)?)?;
            }
            "--level" => {
                let v = value("--level")?;
                let level = parse_level("--level", &v.to_string_lossy())?;
                set_mode(&mut compression, lz4_stream::Mode::High { level })?;
            }
            // -1 .. -12 (any other number is refused as a level, not as an unknown option).
            short if short.len() > 1 && short[1..].bytes().all(|b| b.is_ascii_digit()) => {
                if inline_value.is_some() {
                    return Err(format!("{short} takes no value"));
                }
                let level = parse_level(short, &short[1..])?;
                set_mode(&mut compression, lz4_stream::Mode::High { level })?;
            }
            "--end-marker" => {
                if inline_value.is_some() {
                    return Err("--end-marker takes no value".into());
                }
                if end_marker {
                    return Err("--end-marker given twice".into());
                }
                end_marker = true;
            }
            _ => return Err(format!("unknown option '{flag}'")),
        }
    }

    let mode = mode.ok_or("missing command: 'compress' or 'decompress'")?;
    if positional.len() > 2 {
        return Err(format!(
            "too many arguments: '{}' (expected at most INPUT and OUTPUT)",
            positional[2].to_string_lossy()
        ));
    }
    let mut positional = positional.into_iter();
    let input = Place::new(positional.next());
    let output = Place::new(positional.next());

    match (prefix, &sizes) {
        (Some(SizePrefix::OutOfBand), None) => {
            return Err("--prefix 0 needs --sizes FILE (the block sizes go there)".into())
        }
        (Some(SizePrefix::OutOfBand), Some(_)) => {}
        (_, Some(_)) => return Err("--sizes is only for --prefix 0".into()),
        (_, None) => {}
    }
    // A file written must not be one that is read, nor the other file written.
    let mut written = Vec::new();
    let mut files = Vec::new();
    if let Place::Path(path) = &output {
        written.push(("OUTPUT", path));
    }
    if let (Mode::Compress, Some(path)) = (mode, &sizes) {
        written.push(("--sizes", path));
    }
    if let Place::Path(path) = &input {
        files.push(("INPUT", path));
    }
    if let (Mode::Decompress, Some(path)) = (mode, &sizes) {
        files.push(("--sizes", path));
    }
    if let Some(path) = &dict {
        files.push(("--dict", path));
    }
    for (i, &(name, path)) in written.iter().enumerate() {
        for &(other, other_path) in written[i + 1..].iter().chain(&files) {
            if same_file(path, other_path) {
                return Err(format!(
                    "{name} and {other} are the same file: '{}'",
                    path.display()
                ));
            }
        }
    }

    Ok(Parsed::Run(Command {
        mode,
        input,
        output,
        page_size,
        prefix,
        ring,
        dict,
        end_marker,
        sizes,
        compression,
        threads,
    }))
}

/// Parses `--fast N`: an acceleration in `1..=MAX_ACCELERATION`.
fn parse_acceleration(value: &OsString) -> Result<u32, String> {
    let text = value.to_string_lossy();
    text.parse::<u32>()
        .ok()
        .filter(|n| (1..=MAX_ACCELERATION).contains(n))
        .ok_or_else(|| {
            format!("--fast: invalid acceleration '{text}' (expected 1 to {MAX_ACCELERATION})")
        })
}

/// Parses `-T N`: a thread count, 0 meaning one per core.
fn parse_threads(flag: &str, value: &OsString) -> Result<usize, String> {
    let text = value.to_string_lossy();
    let n: usize = text
        .parse()
        .ok()
        .filter(|&n| n <= 1024)
        .ok_or_else(|| format!("{flag}: invalid thread count '{text}' (expected 0 to 1024)"))?;
    if n == 0 {
        return Ok(std::thread::available_parallelism().map_or(1, |n| n.get()));
    }
    Ok(n)
}

/// Parses a level given by `flag`: `1..=MAX_HC_LEVEL`.
fn parse_level(flag: &str, text: &str) -> Result<u32, String> {
    text.parse::<u32>()
        .ok()
        .filter(|n| (1..=MAX_HC_LEVEL).contains(n))
        .ok_or_else(|| format!("{flag}: invalid level '{text}' (expected 1 to {MAX_HC_LEVEL})"))
}

/// Stores the compression mode, refusing a second one (`--fast` with a level, or two levels).
fn set_mode(slot: &mut Option<lz4_stream::Mode>, mode: lz4_stream::Mode) -> Result<(), String> {
    if slot.is_some() {
        return Err("more than one compression mode (--fast N, --level N, -1 .. -12)".into());
    }
    *slot = Some(mode);
    Ok(())
}

/// Stores a flag's value, refusing a second one.
fn set_once<T>(slot: &mut Option<T>, flag: &str, value: T) -> Result<(), String> {
    if slot.is_some() {
        return Err(format!("{flag} given twice"));
    }
    *slot = Some(value);
    Ok(())
}

/// A file argument: any path but `-` (standard input and output carry the stream itself).
fn file_arg(flag: &str, value: OsString) -> Result<PathBuf, String> {
    if value.is_empty() || value == "-" {
        return Err(format!(
            "{flag} needs a file name, not '{}'",
            value.to_string_lossy()
        ));
    }
    Ok(value.into())
}

/// Parses a size: decimal digits, then optionally K, M or G (KiB, MiB, GiB), powers of 1024.
fn parse_size(flag: &str, value: &OsString) -> Result<usize, String> {
    let text = value.to_string_lossy();
    let bad = || {
        format!(
            "{flag}: invalid size '{text}' (expected a number, optionally followed by K, M or G)"
        )
    };
    let digits = text.bytes().take_while(u8::is_ascii_digit).count();
    if digits == 0 {
        return Err(bad());
    }
    let (number, suffix) = text.split_at(digits);
    let shift = match suffix.to_ascii_lowercase().as_str() {
        "" => 0,
        "k" | "kib" => 10,
        "m" | "mib" => 20,
        "g" | "gib" => 30,
        _ => return Err(bad()),
    };
    number
        .parse::<usize>()
        .ok()
        .and_then(|n| n.checked_mul(1 << shift))
        .ok_or_else(|| format!("{flag}: size '{text}' is too large"))
}

/// Parses a prefix width: 0, 1, 2 or 4.
fn parse_prefix(value: &OsString) -> Result<SizePrefix, String> {
    let text = value.to_string_lossy();
    text.parse::<usize>()
        .ok()
        .and_then(SizePrefix::from_width)
        .ok_or_else(|| format!("--prefix: invalid width '{text}' (expected 0, 1, 2 or 4)"))
}

/// Whether two paths name the same file: the same existing file, or the same name.
fn same_file(a: &Path, b: &Path) -> bool {
    match (fs::canonicalize(a), fs::canonicalize(b)) {
        (Ok(a), Ok(b)) => a == b,
        _ => a == b,
    }
}

// ---------------------------------------------------------------------------------------------
// Running
// ---------------------------------------------------------------------------------------------

/// Why a command failed, which decides the exit status.
enum Failure {
    /// Options the format does not allow, found once the stream is set up (exit 2).
    Usage(String),
    /// I/O or bad input (exit 1).
    Runtime(String),
    /// Standard output was closed by its reader: exit 1, quietly.
    BrokenPipe,
}

impl Failure {
    /// A runtime failure, or a quiet one for a broken standard output (see `Tagged`).
    fn from_io(err: io::Error) -> Failure {
        if err.kind() == io::ErrorKind::BrokenPipe
            && err.get_ref().is_some_and(|e| e.is::<StdoutClosed>())
        {
            Failure::BrokenPipe
        } else {
            Failure::Runtime(err.to_string())
        }
    }
}

impl From<io::Error> for Failure {
    fn from(err: io::Error) -> Failure {
        Failure::from_io(err)
    }
}

impl Command {
    /// The stream options the flags describe.
    fn options(&self, dictionary: Vec<u8>) -> StreamOptions {
        let mut opts = StreamOptions::new().dictionary(dictionary);
        if let Some(page_size) = self.page_size {
            opts = opts.page_size(page_size);
        }
        if let Some(prefix) = self.prefix {
            opts = opts.size_prefix(prefix);
        }
        if let Some(window) = self.ring {
            opts = opts.strategy(Strategy::RingBuffer { window });
        }
        if let Some(mode) = self.compression {
            opts = opts.mode(mode);
        }
        if let Some(threads) = self.threads {
            opts = opts.threads(threads);
        }
        opts.end_marker(self.end_marker)
    }

    fn run(&self) -> Result<(), Failure> {
        let dictionary = match &self.dict {
            Some(path) => read_dictionary(path)
                .map_err(|e| Failure::Runtime(format!("--dict '{}': {e}", path.display())))?,
            None => Vec::new(),
        };
        let opts = self.options(dictionary);
        // Check the options before any file is created. A decompressor needs fewer rules
        // (any prefix for any page), which building the reader checks below.
        if self.mode == Mode::Compress {
            opts.validate().map_err(|e| Failure::Usage(e.to_string()))?;
        }

        let input = open_input(&self.input)?;
        let mut created = Vec::new();
        let result = match self.mode {
            Mode::Compress => self.compress(input, &opts, &mut created),
            Mode::Decompress => self.decompress(input, &opts, &mut created),
        };
        if result.is_err() {
            // Leave no partial output behind (as gzip does).
            for path in created {
                let _ = fs::remove_file(path);
            }
        }
        result
    }

    fn compress(
        &self,
        mut input: Tagged<Box<dyn BufRead>>,
        opts: &StreamOptions,
        created: &mut Vec<PathBuf>,
    ) -> Result<(), Failure> {
        let output = create_output(&self.output, created)?;
        let mut sizes = match &self.sizes {
            Some(path) => Some(Tagged::new(
                BufWriter::new(create_file(path, created)?),
                Side::Writing(path.clone()),
            )),
            None => None,
        };
        let mut writer = Lz4StreamWriter::with_options(output, opts)?;
        // io::copy, with the block sizes drained as they come so memory stays constant.
        loop {
            let chunk = input.fill_buf()?;
            if chunk.is_empty() {
                break;
            }
            let len = chunk.len();
            writer.write_all(chunk)?;
            input.consume(len);
            if let Some(sizes) = &mut sizes {
                write_sizes(sizes, writer.take_block_sizes())?;
            }
        }
        writer.try_finish()?;
        if let Some(sizes) = &mut sizes {
            write_sizes(sizes, writer.take_block_sizes())?;
            sizes.flush()?;
        }
        writer.finish().map_err(io::Error::from)?;
        Ok(())
    }

    fn decompress(
        &self,
        input: Tagged<Box<dyn BufRead>>,
        opts: &StreamOptions,
        created: &mut Vec<PathBuf>,
    ) -> Result<(), Failure> {
        let usage = |e: io::Error| Failure::Usage(e.to_string());
        let mut reader = match &self.sizes {
            Some(path) => {
                let sizes = read_sizes(path)?;
                Lz4StreamReader::with_block_sizes(input, opts, sizes).map_err(usage)?
            }
            None => Lz4StreamReader::with_options(input, opts).map_err(usage)?,
        };
        let mut output = create_output(&self.output, created)?;
        io::copy(&mut reader, &mut output)?;
        output.flush()?;
        // The reader stops right after the stream: anything after it is a mistake (a wrong
        // --sizes file, or something other than this stream appended).
        let mut input = reader.into_inner();
        let mut byte = [0];
        if input.read(&mut byte)? > 0 {
            return Err(Failure::Runtime(format!(
                "data follows the end of the stream (at offset {})",
                input.count - 1
            )));
        }
        Ok(())
    }
}

/// Reads the last 64 KiB of the dictionary file: all that blocks can reference.
fn read_dictionary(path: &Path) -> io::Result<Vec<u8>> {
    let mut file = File::open(path)?;
    let len = file.metadata()?.len();
    if len > WINDOW_SIZE as u64 {
        file.seek(SeekFrom::Start(len - WINDOW_SIZE as u64))?;
    }
    let mut dictionary = Vec::new();
    file.read_to_end(&mut dictionary)?;
    Ok(dictionary)
}

/// Writes block sizes one per line.
fn write_sizes(out: &mut impl Write, sizes: Vec<usize>) -> io::Result<()> {
    for size in sizes {
        writeln!(out, "{size}")?;
    }
    Ok(())
}

/// Reads a --sizes file: one decimal block size per line (blank lines are skipped).
fn read_sizes(path: &Path) -> Result<Vec<usize>, Failure> {
    let place = |e: String| Failure::Runtime(format!("--sizes '{}': {e}", path.display()));
    let file = File::open(path).map_err(|e| place(e.to_string()))?;
    let mut sizes = Vec::new();
    for (number, line) in BufReader::new(file).lines().enumerate() {
        let line = line.map_err(|e| place(e.to_string()))?;
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let size = line
            .parse::<usize>()
            .map_err(|_| place(format!("line {}: '{line}' is not a block size", number + 1)))?;
        sizes.push(size);
    }
    Ok(sizes)
}

/// Opens the input, buffered.
fn open_input(place: &Place) -> Result<Tagged<Box<dyn BufRead>>, Failure> {
    let reader: Box<dyn BufRead> = match place {
        Place::Std => Box::new(BufReader::with_capacity(BUFFER, io::stdin().lock())),
        Place::Path(path) => {
            let file = File::open(path)
                .map_err(|e| Failure::Runtime(format!("opening '{}': {e}", path.display())))?;
            Box::new(BufReader::with_capacity(BUFFER, file))
        }
    };
    Ok(Tagged::new(reader, Side::Reading(place.clone())))
}

/// Creates the output, buffered, and notes a created file in `created`.
fn create_output(
    place: &Place,
    created: &mut Vec<PathBuf>,
) -> Result<Tagged<BufWriter<Box<dyn Write>>>, Failure> {
    let writer: Box<dyn Write> = match place {
        Place::Std => Box::new(io::stdout().lock()),
        Place::Path(path) => Box::new(create_file(path, created)?),
    };
    Ok(Tagged::new(
        BufWriter::with_capacity(BUFFER, writer),
        Side::Writing(match place {
            Place::Std => PathBuf::new(),
            Place::Path(path) => path.clone(),
        }),
    ))
}

/// Creates (or truncates) a file and notes it in `created`.
fn create_file(path: &Path, created: &mut Vec<PathBuf>) -> Result<File, Failure> {
    let file = File::create(path)
        .map_err(|e| Failure::Runtime(format!("creating '{}': {e}", path.display())))?;
    created.push(path.to_path_buf());
    Ok(file)
}

/// Which file an I/O error happened on.
#[derive(Clone, Debug)]
enum Side {
    Reading(Place),
    /// The empty path is standard output.
    Writing(PathBuf),
}

impl fmt::Display for Side {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Side::Reading(Place::Std) => f.write_str("reading standard input"),
            Side::Reading(Place::Path(path)) => write!(f, "reading '{}'", path.display()),
            Side::Writing(path) if path.as_os_str().is_empty() => {
                f.write_str("writing standard output")
            }
            Side::Writing(path) => write!(f, "writing '{}'", path.display()),
        }
    }
}

/// The mark of a broken pipe on standard output, which ends the program quietly.
#[derive(Debug)]
struct StdoutClosed;

impl fmt::Display for StdoutClosed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("writing standard output: broken pipe")
    }
}

impl std::error::Error for StdoutClosed {}

/// A reader or writer whose I/O errors name the file (`reading 'x': ...`), keeping their kind,
/// so that errors from the files and errors in the stream (which the crate reports with block
/// and offset) can be told apart in one message. It also counts the bytes read.
struct Tagged<T> {
    inner: T,
    side: Side,
    count: u64,
}

impl<T> Tagged<T> {
    fn new(inner: T, side: Side) -> Self {
        Tagged {
            inner,
            side,
            count: 0,
        }
    }

    fn tag(&self, err: io::Error) -> io::Error {
        match (err.kind(), &self.side) {
            // Retried by the callers: leave it as it is.
            (io::ErrorKind::Interrupted, _) => err,
            (io::ErrorKind::BrokenPipe, Side::Writing(path)) if path.as_os_str().is_empty() => {
                io::Error::new(io::ErrorKind::BrokenPipe, StdoutClosed)
            }
            (kind, side) => io::Error::new(kind, format!("{side}: {err}")),
        }
    }
}

impl<R: Read> Read for Tagged<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf).map_err(|e| self.tag(e))?;
        self.count += n as u64;
        Ok(n)
    }
}

impl<R: BufRead> BufRead for Tagged<R> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        // Borrow dance: find out whether it fails before handing out the buffer.
        if let Err(err) = self.inner.fill_buf() {
            return Err(self.tag(err));
        }
        self.inner.fill_buf()
    }

    fn consume(&mut self, amt: usize) {
        self.count += amt as u64;
        self.inner.consume(amt);
    }
}

impl<W: Write> Write for Tagged<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.inner.write(buf).map_err(|e| self.tag(e))
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush().map_err(|e| self.tag(e))
    }
}
