//! `lz4s`: compress and decompress files in the LZ4 stream format from the command line.
//!
//! Built with the `cli` feature (`cargo install --path . --features cli`). Two ways to call it:
//!
//! ```text
//! lz4s [-z|-d] [OPTIONS] FILE...                 like lz4, gzip and zstd
//! lz4s -z|-d [OPTIONS] [-]                       standard input to standard output
//! lz4s compress|decompress [OPTIONS] [INPUT [OUTPUT]]
//! ```
//!
//! - **Files.** `lz4s FILE` writes `FILE.lz4s`; `lz4s -d FILE.lz4s` writes `FILE` (a name
//!   without `.lz4s` is a usage error unless `-c` sends the data to standard output). The
//!   input files are kept, as lz4 keeps them (`--rm` removes them, as gzip and zstd do; `-k`
//!   undoes an earlier `--rm`). `-c` writes everything to standard output; `-` is standard
//!   input. Without `-z` or `-d`, files are compressed; standard input needs `-z` or `-d`, so
//!   that a bare `lz4s` is a usage error rather than a program waiting on the terminal.
//! - **Commands.** The first operand `compress` or `decompress` selects the older form, which
//!   works as it always did: INPUT and OUTPUT default to standard input and standard output,
//!   and `-` names them too. (A file called `compress` is `./compress`.)
//! - **Both.** An existing output file is never overwritten without `-f`, and compressed data
//!   is not written to a terminal without `-f` (as gzip, lz4 and zstd refuse). A progress bar
//!   appears on standard error when it is a terminal and a file takes more than a second
//!   (`-q` hides it); `-v` prints a summary line per file. Every option of [`StreamOptions`]
//!   has a flag (`--page-size`, `--prefix`, `--ring`, `--dict`, `--end-marker`, and the
//!   compression mode: `--fast N`, or `-1` .. `-12` / `--level N` for high compression), `-T N`
//!   compresses on N threads, and `--sizes FILE` carries the block sizes of an out-of-band
//!   stream (`--prefix 0`). Both ends must be given the same stream options.
//!
//! # Design
//!
//! The flags are declared with clap's derive API ([`Cli`]), which writes `--help` from the doc
//! comments, but three things are done around it:
//!
//! - **`-1` .. `-12`.** clap's short flags are single characters, so `-12` would read as `-1`
//!   `-2`. Before clap sees the arguments, [`preprocess`] rewrites each argument that is `-`
//!   and digits only into the hidden `--numeric-level=DIGITS` (in the same group as `--level`
//!   and `--fast`, so two modes are refused), leaving alone the values of the flags that take
//!   one (`--fast -1` stays the acceleration `-1`, refused as such) and everything after `--`.
//!   A level is one argument: `-9 -k`, not `-9k`. The same pass notes whether the thread
//!   count was spelled `-T` or `--threads`, for the error message.
//! - **Values are parsed after clap**, by this file's functions, so that a bad value names the
//!   flag as it was typed (`--page-size: invalid size '12X' ...`, `-13: invalid level '13'`),
//!   and clap's own errors are rewritten into the same one-line style ([`clap_message`]): every
//!   error is `lz4s: ...` on standard error, then `Try 'lz4s --help' for more information.`
//! - **Operands are interpreted after clap** ([`plan`]): clap collects them all, and the first
//!   one decides between the command form and the file form. Without a mode, a first operand
//!   that is no existing file is reported as an unknown command, so `lz4s compres x` does not
//!   try to compress a file called `compres`.
//!
//! The rest is a small guide to the crate's adapters: compressing copies the input into an
//! [`Lz4StreamWriter`] and calls [`Lz4StreamWriter::finish`], decompressing copies an
//! [`Lz4StreamReader`] out, and errors are reported with the block number and the offset that
//! the crate's [`lz4_stream::Error`] carries, for example
//! `lz4s: decompress: lz4 stream: block 3 at offset 1234: malformed LZ4 block: ...`.
//!
//! Exit status: 0 on success, 1 for a runtime error (I/O, corrupt or truncated input, an
//! existing output, a terminal refused), 2 for a usage error (unknown flag, bad value, options
//! the format does not allow). With several files, a runtime error on one is reported and the
//! others are still done; the status is then 1.

use std::ffi::{OsStr, OsString};
use std::fmt;
use std::fs::{self, File, OpenOptions};
use std::io::{self, BufRead, BufReader, BufWriter, IsTerminal, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use clap::error::{ContextKind, ContextValue, ErrorKind};
use clap::{CommandFactory, FromArgMatches, Parser};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use lz4_stream::{
    Lz4StreamReader, Lz4StreamWriter, SizePrefix, Strategy, StreamOptions, MAX_ACCELERATION,
    MAX_HC_LEVEL, WINDOW_SIZE,
};

/// The size of the buffers around the input and the output.
const BUFFER: usize = 128 * 1024;

/// The extension of compressed files.
const EXTENSION: &str = "lz4s";

/// How long a file runs before its progress bar appears.
const PROGRESS_DELAY: Duration = Duration::from_secs(1);

/// The line after every usage error.
const TRY_HELP: &str = "Try 'lz4s --help' for more information.";

const USAGE: &str = "\
lz4s [-z|-d] [OPTIONS] FILE...
       lz4s -z|-d [OPTIONS] [-]
       lz4s compress   [OPTIONS] [INPUT [OUTPUT]]
       lz4s decompress [OPTIONS] [INPUT [OUTPUT]]";

const ABOUT: &str = "\
lz4s: compress and decompress the LZ4 stream format (size-prefixed LZ4 blocks that reference
the blocks before them, as liblz4's streaming API and python-lz4's lz4.stream write them).

Files: `lz4s FILE` writes FILE.lz4s and `lz4s -d FILE.lz4s` writes FILE; the input files are
kept (as lz4 does; --rm removes them). `-` is standard input; -c writes to standard output.
Standard input needs -z or -d. An existing output file is not overwritten, and compressed
data is not written to a terminal, without -f.

Commands: `lz4s compress|decompress [INPUT [OUTPUT]]` read INPUT (default: standard input)
and write OUTPUT (default: standard output); `-` names them too. If a command fails, a partly
written output (and a --sizes file that compress wrote) is removed.

Both ends must use the same stream options (a decompressor may use a larger page size);
--ring and the compression options only matter to compressing.";

const AFTER_HELP: &str = "\
Sizes (--page-size, --ring) are decimal numbers, optionally followed by K, M or G (or KiB,
MiB, GiB): powers of 1024. A value may follow its flag or an `=`; `--` ends the options.

Exit status:
    0  success
    1  runtime error: a file cannot be opened, read or written, an output file exists
       (without -f), compressed data would go to a terminal (without -f), the input is
       corrupt or truncated, or data follows the end of the stream (after its end marker, or
       after the last block that --sizes lists); with several FILEs the others are still done
    2  usage error: unknown command or flag, missing or bad value, options the format does
       not allow (e.g. --prefix 1 with a 64K page, --end-marker with --prefix 0)

Errors go to standard error, prefixed with `lz4s: `; corrupt input is reported with the block
number and the offset of its record, e.g.
    lz4s: decompress: lz4 stream: block 3 at offset 1234: malformed LZ4 block: ...
When standard output is a broken pipe (its reader is gone, as in `lz4s -dc x.lz4s | head`),
lz4s stops quietly with status 1: the output is incomplete, so it is no success, but there is
no one to tell.

Examples:
    lz4s -9 data.bin                 writes data.bin.lz4s (HC level 9), keeps data.bin
    lz4s -d data.bin.lz4s            writes data.bin (-f if it exists)
    lz4s -dc data.bin.lz4s | less
    lz4s compress --page-size 16K --prefix 2 data.bin data.lz4s
    tar c dir | lz4s -z --end-marker | ssh host 'lz4s -d --end-marker | tar x'";

/// The command line, as clap parses it. Values are kept as typed and parsed by [`plan`].
#[derive(Parser, Debug)]
#[command(
    name = "lz4s",
    version,
    about = ABOUT.split("\n\n").next(),
    long_about = ABOUT,
    override_usage = USAGE,
    after_help = AFTER_HELP,
    max_term_width = 100
)]
struct Cli {
    /// `compress` or `decompress` (the command form), or the files to work on
    ///
    /// The command form: `compress` or `decompress`, then INPUT and OUTPUT (both optional,
    /// `-` for standard input and output). Otherwise: the files to compress (FILE to
    /// FILE.lz4s) or, with -d, to decompress (FILE.lz4s to FILE); `-` is standard input.
    #[arg(value_name = "FILE")]
    operands: Vec<OsString>,

    /// Compress (the default for FILEs)
    #[arg(
        short = 'z',
        long,
        overrides_with = "compress",
        conflicts_with = "decompress"
    )]
    compress: bool,

    /// Decompress: FILE.lz4s to FILE
    #[arg(short = 'd', long, overrides_with = "decompress")]
    decompress: bool,

    /// Write to standard output (input files are always kept then)
    #[arg(short = 'c', long = "stdout", overrides_with = "stdout")]
    stdout: bool,

    /// Overwrite existing output files; write compressed data to a terminal
    #[arg(short, long, overrides_with = "force")]
    force: bool,

    /// Keep the input files: the default, as in lz4 (undoes an earlier --rm)
    #[arg(short, long, overrides_with_all = ["keep", "rm"])]
    keep: bool,

    /// Remove each input FILE once its output file is written (as gzip and zstd do)
    #[arg(long, overrides_with_all = ["keep", "rm"])]
    rm: bool,

    /// Print a summary line per file on standard error
    ///
    /// Print a summary line per file on standard error: input and output sizes, the ratio
    /// (compressed size as a percentage of the uncompressed size) and the speed in MB/s of
    /// uncompressed data, e.g.
    ///     lz4s: compress: 'x' (150000 bytes) -> 'x.lz4s' (61234 bytes), ratio 40.82%, 52.10 MB/s
    #[arg(short, long, overrides_with_all = ["verbose", "quiet"])]
    verbose: bool,

    /// No progress bar and no summary (errors are still reported)
    #[arg(short, long, overrides_with_all = ["verbose", "quiet"])]
    quiet: bool,

    /// Largest number of uncompressed bytes in one block, 1 to 2016M [default: 64K]
    ///
    /// Largest number of uncompressed bytes in one block (python-lz4's buffer_size), 1 to
    /// 2016M. Default: 64K.
    #[arg(
        long,
        value_name = "N",
        allow_hyphen_values = true,
        help_heading = "Stream options"
    )]
    page_size: Option<OsString>,

    /// Bytes in each block's size prefix: 1, 2, 4 or 0 (out of band) [default: 4]
    ///
    /// Width of each block's size prefix in bytes: 1, 2, 4 or 0 (python-lz4's
    /// store_comp_size). 0 keeps the sizes out of band, in the --sizes file. A compressor's
    /// prefix must hold the largest block of a page: W=1 allows pages up to 239 bytes, W=2 up
    /// to 65264 bytes. Default: 4.
    #[arg(
        long,
        value_name = "W",
        allow_hyphen_values = true,
        help_heading = "Stream options"
    )]
    prefix: Option<OsString>,

    /// Compress with a ring buffer of WINDOW bytes, at most 64K [default: double buffer]
    ///
    /// Compress with a ring buffer: each block may reference the last WINDOW bytes of the
    /// stream (at most 64K), which liblz4's ring-buffer decoders and lz4s decode, python-lz4
    /// does not. Without it: double buffer, each block references only the block before it,
    /// which every decoder handles. Only matters to compressing.
    #[arg(
        long,
        value_name = "WINDOW",
        allow_hyphen_values = true,
        help_heading = "Stream options"
    )]
    ring: Option<OsString>,

    /// Initial dictionary shared by both ends (only its last 64 KiB matter)
    #[arg(
        long,
        value_name = "FILE",
        allow_hyphen_values = true,
        help_heading = "Stream options"
    )]
    dict: Option<OsString>,

    /// End the stream with a zero size prefix (decompressing: require one)
    ///
    /// Compressing ends the stream with a zero size prefix; decompressing requires one (input
    /// that ends without it is truncated). Needs a prefix (not 0). Without the flag,
    /// decompressing still stops at an end marker.
    #[arg(long, help_heading = "Stream options")]
    end_marker: bool,

    /// With --prefix 0 (only): the file of block sizes, one decimal number per line
    ///
    /// Required with --prefix 0, refused otherwise: compressing writes the size of each block
    /// there, one decimal number per line; decompressing reads them.
    #[arg(
        long,
        value_name = "FILE",
        allow_hyphen_values = true,
        help_heading = "Stream options"
    )]
    sizes: Option<OsString>,

    /// High compression (HC) at level N, 1 to 12; -1 .. -12 are short for it
    ///
    /// Compress with liblz4's high-compression (HC) level N, 1 to 12 (python-lz4's
    /// mode="high_compression", compression_level=N); -1 .. -12 are short for --level 1 ..
    /// --level 12. 1-2 a light matcher, 3-9 hash chains, 10-12 an optimal parser; higher is
    /// smaller and slower (9 is liblz4's default HC level). Any decoder reads the result.
    #[arg(
        long,
        value_name = "N",
        allow_hyphen_values = true,
        group = "compression_mode",
        help_heading = "Compression"
    )]
    level: Option<OsString>,

    /// `-N`, rewritten by [`preprocess`].
    #[arg(long, hide = true, group = "compression_mode")]
    numeric_level: Option<OsString>,

    /// Fast mode, acceleration N, 1 to 65537 (higher: faster, larger) [default: 1]
    ///
    /// Compress with liblz4's fast mode and acceleration N, 1 to 65537 (python-lz4's
    /// mode="fast", acceleration=N): higher is faster, with less compression. Default: 1.
    #[arg(
        long,
        value_name = "N",
        allow_hyphen_values = true,
        group = "compression_mode",
        help_heading = "Compression"
    )]
    fast: Option<OsString>,

    /// Compress on N threads (-TN too; 0: one per core) [default: 1]
    ///
    /// Compress on N threads (-T N, -TN or --threads N; 0: one per core; default 1). Pages
    /// are compressed in parallel, each from its own history; the stream is the same for every
    /// N >= 2 and any decoder reads it.
    #[arg(
        short = 'T',
        long,
        value_name = "N",
        allow_hyphen_values = true,
        help_heading = "Compression"
    )]
    threads: Option<OsString>,
}

fn main() -> ExitCode {
    let command = Cli::command();
    let (args, spelling) = preprocess(&command, std::env::args_os().skip(1));
    let matches = match command.try_get_matches_from(std::iter::once("lz4s".into()).chain(args)) {
        Ok(matches) => matches,
        Err(err)
            if matches!(
                err.kind(),
                ErrorKind::DisplayHelp | ErrorKind::DisplayVersion
            ) =>
        {
            // Help and version go to standard output.
            return match err.print() {
                Ok(()) => ExitCode::SUCCESS,
                Err(_) => ExitCode::from(1),
            };
        }
        Err(err) => return usage_error(&clap_message(&err)),
    };
    let cli = match Cli::from_arg_matches(&matches) {
        Ok(cli) => cli,
        Err(err) => return usage_error(&clap_message(&err)),
    };
    let plan = match plan(cli, &spelling) {
        Ok(plan) => plan,
        Err(usage) => return usage_error(&usage),
    };
    plan.run()
}

/// Prints a usage error and returns status 2.
fn usage_error(message: &str) -> ExitCode {
    eprintln!("lz4s: {message}");
    eprintln!("{TRY_HELP}");
    ExitCode::from(2)
}

// ---------------------------------------------------------------------------------------------
// Command line
// ---------------------------------------------------------------------------------------------

/// How some flags were spelled on the command line, for error messages.
#[derive(Debug)]
struct Spelling {
    /// `-T` or `--threads`.
    threads: &'static str,
}

/// Rewrites the arguments for clap: `-N` (a dash and digits only) becomes
/// `--numeric-level=N`, except where it is the value of the flag before it or follows `--`.
/// Also notes how the thread count was spelled.
fn preprocess(
    command: &clap::Command,
    args: impl IntoIterator<Item = OsString>,
) -> (Vec<OsString>, Spelling) {
    let takes_value = |arg: &clap::Arg| arg.get_action().takes_values();
    let long_takes_value = |name: &str| {
        command
            .get_arguments()
            .any(|arg| arg.get_long() == Some(name) && takes_value(arg))
    };
    let short_takes_value = |c: char| {
        command
            .get_arguments()
            .any(|arg| arg.get_short() == Some(c) && takes_value(arg))
    };
    let mut spelling = Spelling {
        threads: "--threads",
    };
    let mut out = Vec::new();
    let mut value_next = false;
    let mut options_ended = false;
    for arg in args {
        if options_ended || value_next {
            value_next = false;
            out.push(arg);
            continue;
        }
        let Some(text) = arg.to_str() else {
            out.push(arg);
            continue;
        };
        if text == "--" {
            options_ended = true;
        } else if let Some(long) = text.strip_prefix("--") {
            if long == "threads" || long.starts_with("threads=") {
                spelling.threads = "--threads";
            }
            value_next = !long.contains('=') && long_takes_value(long);
        } else if let Some(shorts) = text.strip_prefix('-') {
            if !shorts.is_empty() && shorts.bytes().all(|b| b.is_ascii_digit()) {
                out.push(format!("--numeric-level={shorts}").into());
                continue;
            }
            // A cluster of short flags (`-kf`, `-T4`, `-cT`): a flag that takes a value takes
            // the rest of the argument, or the next argument if nothing is left.
            for (i, c) in shorts.char_indices() {
                if short_takes_value(c) {
                    if c == 'T' {
                        spelling.threads = "-T";
                    }
                    value_next = i + c.len_utf8() == shorts.len();
                    break;
                }
            }
        }
        out.push(arg);
    }
    (out, spelling)
}

/// The flag a clap context value names: `--page-size <N>` is `--page-size`, and the hidden
/// `--numeric-level` is `-N`.
fn flag_name(value: Option<&ContextValue>) -> String {
    let text = match value {
        Some(ContextValue::String(text)) => text.clone(),
        Some(ContextValue::Strings(texts)) => texts.first().cloned().unwrap_or_default(),
        Some(other) => other.to_string(),
        None => String::new(),
    };
    let name = text.split_whitespace().next().unwrap_or_default();
    match name {
        "--numeric-level" => "-N".to_string(),
        _ => name.to_string(),
    }
}

/// A clap error, in lz4s's words: one line, naming the flag as the user knows it.
fn clap_message(err: &clap::Error) -> String {
    let arg = flag_name(err.get(ContextKind::InvalidArg));
    let is_mode = |name: &str| matches!(name, "-N" | "--level" | "--fast");
    match err.kind() {
        ErrorKind::UnknownArgument => match err.get(ContextKind::SuggestedArg) {
            Some(ContextValue::String(similar)) => {
                format!("unknown option '{arg}' (did you mean '{similar}'?)")
            }
            _ => format!("unknown option '{arg}'"),
        },
        ErrorKind::InvalidValue => format!("{arg} needs a value"),
        ErrorKind::TooManyValues => format!("{arg} takes no value"),
        ErrorKind::ArgumentConflict => {
            let prior = flag_name(err.get(ContextKind::PriorArg));
            if is_mode(&arg) && is_mode(&prior) {
                "more than one compression mode (--fast N, --level N, -1 .. -12)".into()
            } else if arg == prior {
                format!("{arg} given twice")
            } else {
                format!("{arg} cannot be used with {prior}")
            }
        }
        // Anything else: clap's own first line, without its "error: ".
        _ => {
            let rendered = err.render().to_string();
            let line = rendered.lines().next().unwrap_or_default();
            line.strip_prefix("error: ").unwrap_or(line).to_string()
        }
    }
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

    fn path(&self) -> Option<&Path> {
        match self {
            Place::Std => None,
            Place::Path(path) => Some(path),
        }
    }
}

/// One input to one output.
#[derive(Debug)]
struct Job {
    input: Place,
    output: Place,
    /// Remove the input once the output is written (`--rm`).
    remove_input: bool,
}

/// What to do: the mode, the jobs and the settings they share.
#[derive(Debug)]
struct Plan {
    mode: Mode,
    jobs: Vec<Job>,
    page_size: Option<usize>,
    prefix: Option<SizePrefix>,
    ring: Option<usize>,
    dict: Option<PathBuf>,
    end_marker: bool,
    sizes: Option<PathBuf>,
    compression: Option<lz4_stream::Mode>,
    threads: Option<usize>,
    force: bool,
    verbose: bool,
    quiet: bool,
}

/// Turns the parsed command line into a [`Plan`]. `Err` is a usage error's message.
fn plan(cli: Cli, spelling: &Spelling) -> Result<Plan, String> {
    let page_size = cli
        .page_size
        .map(|v| parse_size("--page-size", &v))
        .transpose()?;
    let prefix = cli.prefix.map(|v| parse_prefix(&v)).transpose()?;
    let ring = cli.ring.map(|v| parse_size("--ring", &v)).transpose()?;
    let dict = cli.dict.map(|v| file_arg("--dict", v)).transpose()?;
    let sizes = cli.sizes.map(|v| file_arg("--sizes", v)).transpose()?;
    let threads = cli
        .threads
        .map(|v| parse_threads(spelling.threads, &v))
        .transpose()?;
    let compression = if let Some(v) = cli.fast {
        let acceleration = parse_acceleration(&v)?;
        Some(lz4_stream::Mode::Fast { acceleration })
    } else if let Some(v) = cli.level {
        let level = parse_level("--level", &v.to_string_lossy())?;
        Some(lz4_stream::Mode::High { level })
    } else if let Some(v) = cli.numeric_level {
        let digits = v.to_string_lossy();
        let level = parse_level(&format!("-{digits}"), &digits)?;
        Some(lz4_stream::Mode::High { level })
    } else {
        None
    };

    let flag_mode = if cli.decompress {
        Some(Mode::Decompress)
    } else if cli.compress {
        Some(Mode::Compress)
    } else {
        None
    };
    let mut operands = cli.operands.into_iter().peekable();
    let command = match operands.peek().and_then(|first| first.to_str()) {
        Some("compress") => Some(Mode::Compress),
        Some("decompress") => Some(Mode::Decompress),
        _ => None,
    };

    let (mode, jobs) = if let Some(mode) = command {
        // The command form: [INPUT [OUTPUT]], standard streams by default.
        operands.next();
        if let Some(flag) = flag_mode.filter(|&flag| flag != mode) {
            let flag = if flag == Mode::Compress { "-z" } else { "-d" };
            return Err(format!("the command '{mode}' and {flag} disagree"));
        }
        let rest: Vec<OsString> = operands.collect();
        if rest.len() > 2 {
            return Err(format!(
                "too many arguments: '{}' (expected at most INPUT and OUTPUT)",
                rest[2].to_string_lossy()
            ));
        }
        let mut rest = rest.into_iter();
        let input = Place::new(rest.next());
        let output = Place::new(rest.next());
        if cli.stdout && output != Place::Std {
            return Err("-c and OUTPUT both given (-c writes to standard output)".into());
        }
        let job = Job {
            remove_input: cli.rm,
            input,
            output,
        };
        (mode, vec![job])
    } else {
        // The file form.
        let files: Vec<OsString> = operands.collect();
        let mode = match (flag_mode, files.first()) {
            (Some(mode), _) => mode,
            (None, None) => {
                return Err("missing command: 'compress' or 'decompress' (or -z, -d)".into())
            }
            (None, Some(first)) if first == "-" => {
                return Err("unknown command '-' (standard input needs a mode: \
                            'compress', 'decompress', -z or -d)"
                    .into())
            }
            (None, Some(first)) if fs::symlink_metadata(first).is_err() => {
                let first = first.to_string_lossy();
                return Err(format!(
                    "unknown command '{first}' (expected 'compress' or 'decompress'), \
                     and no file '{first}' to compress"
                ));
            }
            (None, Some(_)) => Mode::Compress,
        };
        let inputs: Vec<Place> = if files.is_empty() {
            vec![Place::Std]
        } else {
            files.into_iter().map(|f| Place::new(Some(f))).collect()
        };
        if cli.stdout && mode == Mode::Compress && inputs.len() > 1 {
            return Err(
                "-c with several FILEs: the streams would be concatenated, and \
                        concatenated streams do not decode as one"
                    .into(),
            );
        }
        let mut jobs = Vec::new();
        for input in inputs {
            let output = match input.path() {
                Some(_) if cli.stdout => Place::Std,
                None => Place::Std,
                Some(path) => Place::Path(default_output(mode, path)?),
            };
            jobs.push(Job {
                remove_input: cli.rm,
                input,
                output,
            });
        }
        (mode, jobs)
    };

    if cli.rm
        && jobs
            .iter()
            .any(|job| job.input == Place::Std || job.output == Place::Std)
    {
        return Err("--rm removes input FILEs written to output files: \
                    not with -c, standard input or standard output"
            .into());
    }
    match (prefix, &sizes) {
        (Some(SizePrefix::OutOfBand), None) => {
            return Err("--prefix 0 needs --sizes FILE (the block sizes go there)".into())
        }
        (Some(SizePrefix::OutOfBand), Some(_)) => {}
        (_, Some(_)) => return Err("--sizes is only for --prefix 0".into()),
        (_, None) => {}
    }
    if sizes.is_some() && jobs.len() > 1 {
        return Err("--sizes holds the block sizes of one stream: give one FILE".into());
    }
    for job in &jobs {
        check_distinct(mode, job, dict.as_deref(), sizes.as_deref())?;
    }

    Ok(Plan {
        mode,
        jobs,
        page_size,
        prefix,
        ring,
        dict,
        end_marker: cli.end_marker,
        sizes,
        compression,
        threads,
        force: cli.force,
        verbose: cli.verbose,
        quiet: cli.quiet,
    })
}

/// The output file of `input` when none is named: `FILE.lz4s` when compressing, `FILE` for
/// `FILE.lz4s` when decompressing.
fn default_output(mode: Mode, input: &Path) -> Result<PathBuf, String> {
    match mode {
        Mode::Compress => {
            let mut name = input.as_os_str().to_owned();
            name.push(".");
            name.push(EXTENSION);
            Ok(name.into())
        }
        Mode::Decompress => {
            let has_stem = input.file_stem().is_some_and(|stem| !stem.is_empty());
            if input.extension() == Some(OsStr::new(EXTENSION)) && has_stem {
                Ok(input.with_extension(""))
            } else {
                Err(format!(
                    "'{}' does not end in .{EXTENSION}: name the output \
                     (lz4s decompress INPUT OUTPUT) or use -c",
                    input.display()
                ))
            }
        }
    }
}

/// Refuses a file written that is one read, or the other file written.
fn check_distinct(
    mode: Mode,
    job: &Job,
    dict: Option<&Path>,
    sizes: Option<&Path>,
) -> Result<(), String> {
    let mut written = Vec::new();
    let mut files = Vec::new();
    if let Place::Path(path) = &job.output {
        written.push(("OUTPUT", path.as_path()));
    }
    if let (Mode::Compress, Some(path)) = (mode, sizes) {
        written.push(("--sizes", path));
    }
    if let Place::Path(path) = &job.input {
        files.push(("INPUT", path.as_path()));
    }
    if let (Mode::Decompress, Some(path)) = (mode, sizes) {
        files.push(("--sizes", path));
    }
    if let Some(path) = dict {
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
    Ok(())
}

/// Parses `--fast N`: an acceleration in `1..=MAX_ACCELERATION`.
fn parse_acceleration(value: &OsStr) -> Result<u32, String> {
    let text = value.to_string_lossy();
    text.parse::<u32>()
        .ok()
        .filter(|n| (1..=MAX_ACCELERATION).contains(n))
        .ok_or_else(|| {
            format!("--fast: invalid acceleration '{text}' (expected 1 to {MAX_ACCELERATION})")
        })
}

/// Parses `-T N`: a thread count, 0 meaning one per core.
fn parse_threads(flag: &str, value: &OsStr) -> Result<usize, String> {
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
fn parse_size(flag: &str, value: &OsStr) -> Result<usize, String> {
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
fn parse_prefix(value: &OsStr) -> Result<SizePrefix, String> {
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

/// Why a job failed, which decides the exit status.
enum Failure {
    /// Options the format does not allow, found once the stream is set up (exit 2).
    Usage(String),
    /// I/O or bad input (exit 1).
    Runtime(String),
    /// Standard output was closed by its reader: exit 1, quietly.
    BrokenPipe,
}

impl From<io::Error> for Failure {
    fn from(err: io::Error) -> Failure {
        if err.kind() == io::ErrorKind::BrokenPipe
            && err.get_ref().is_some_and(|e| e.is::<StdoutClosed>())
        {
            Failure::BrokenPipe
        } else {
            Failure::Runtime(err.to_string())
        }
    }
}

/// The bytes a job read and wrote.
struct Counts {
    read: u64,
    written: u64,
}

impl Plan {
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

    /// Runs every job and returns the exit status.
    fn run(&self) -> ExitCode {
        let mode = self.mode;
        let usage = |message: &str| {
            eprintln!("lz4s: {mode}: {message}");
            eprintln!("{TRY_HELP}");
            ExitCode::from(2)
        };
        let dictionary = match &self.dict {
            Some(path) => match read_dictionary(path) {
                Ok(dictionary) => dictionary,
                Err(e) => {
                    eprintln!("lz4s: {mode}: --dict '{}': {e}", path.display());
                    return ExitCode::from(1);
                }
            },
            None => Vec::new(),
        };
        let opts = self.options(dictionary);
        // Check the options before any file is created. A decompressor needs fewer rules
        // (any prefix for any page), which building the reader checks.
        if mode == Mode::Compress {
            if let Err(e) = opts.validate() {
                return usage(&e.to_string());
            }
            if !self.force
                && self.jobs.iter().any(|job| job.output == Place::Std)
                && io::stdout().is_terminal()
            {
                eprintln!(
                    "lz4s: compress: refusing to write compressed data to a terminal \
                     (redirect standard output, or use -f to force)"
                );
                return ExitCode::from(1);
            }
        }

        let mut status = ExitCode::SUCCESS;
        for job in &self.jobs {
            match self.run_job(job, &opts) {
                Ok(()) => {}
                Err(Failure::Usage(message)) => return usage(&message),
                Err(Failure::BrokenPipe) => return ExitCode::from(1),
                Err(Failure::Runtime(message)) => {
                    eprintln!("lz4s: {mode}: {message}");
                    status = ExitCode::from(1);
                }
            }
        }
        status
    }

    fn run_job(&self, job: &Job, opts: &StreamOptions) -> Result<(), Failure> {
        let start = Instant::now();
        let mut input = open_input(&job.input)?;
        if !self.quiet && io::stderr().is_terminal() {
            let total = match &job.input {
                Place::Path(path) => fs::metadata(path).ok().map(|m| m.len()),
                Place::Std => None,
            };
            let label = format!("{} {}", self.mode, describe(&job.input));
            input.progress = Some(Progress::new(label, total, start));
        }
        let mut created = Vec::new();
        let result = match self.mode {
            Mode::Compress => self.compress(input, &job.output, opts, &mut created),
            Mode::Decompress => self.decompress(input, &job.output, opts, &mut created),
        };
        let counts = match result {
            Ok(counts) => counts,
            Err(failure) => {
                // Leave no partial output behind (as gzip does).
                for path in created {
                    let _ = fs::remove_file(path);
                }
                return Err(failure);
            }
        };
        if self.verbose && !self.quiet {
            let (uncompressed, compressed) = match self.mode {
                Mode::Compress => (counts.read, counts.written),
                Mode::Decompress => (counts.written, counts.read),
            };
            let ratio = if uncompressed == 0 {
                "-".to_string()
            } else {
                format!("{:.2}%", compressed as f64 * 100.0 / uncompressed as f64)
            };
            let seconds = start.elapsed().as_secs_f64().max(1e-9);
            eprintln!(
                "lz4s: {}: {} ({} bytes) -> {} ({} bytes), ratio {ratio}, {:.2} MB/s",
                self.mode,
                describe(&job.input),
                counts.read,
                describe(&job.output),
                counts.written,
                uncompressed as f64 / seconds / 1e6,
            );
        }
        if let (true, Place::Path(path)) = (job.remove_input, &job.input) {
            fs::remove_file(path)
                .map_err(|e| Failure::Runtime(format!("removing '{}': {e}", path.display())))?;
        }
        Ok(())
    }

    fn compress(
        &self,
        mut input: Tagged<Box<dyn BufRead>>,
        output: &Place,
        opts: &StreamOptions,
        created: &mut Vec<PathBuf>,
    ) -> Result<Counts, Failure> {
        let output = create_output(output, self.force, created)?;
        let mut sizes = match &self.sizes {
            Some(path) => Some(Tagged::new(
                BufWriter::new(create_file(path, self.force, created)?),
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
        let output = writer.finish().map_err(io::Error::from)?;
        Ok(Counts {
            read: input.count,
            written: output.count,
        })
    }

    fn decompress(
        &self,
        input: Tagged<Box<dyn BufRead>>,
        output: &Place,
        opts: &StreamOptions,
        created: &mut Vec<PathBuf>,
    ) -> Result<Counts, Failure> {
        let usage = |e: io::Error| Failure::Usage(e.to_string());
        let mut reader = match &self.sizes {
            Some(path) => {
                let sizes = read_sizes(path)?;
                Lz4StreamReader::with_block_sizes(input, opts, sizes).map_err(usage)?
            }
            None => Lz4StreamReader::with_options(input, opts).map_err(usage)?,
        };
        let mut output = create_output(output, self.force, created)?;
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
        Ok(Counts {
            read: input.count,
            written: output.count,
        })
    }
}

/// A place as the summary line names it.
fn describe(place: &Place) -> String {
    match place {
        Place::Std => "-".to_string(),
        Place::Path(path) => format!("'{}'", path.display()),
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
    force: bool,
    created: &mut Vec<PathBuf>,
) -> Result<Tagged<BufWriter<Box<dyn Write>>>, Failure> {
    let writer: Box<dyn Write> = match place {
        Place::Std => Box::new(io::stdout().lock()),
        Place::Path(path) => Box::new(create_file(path, force, created)?),
    };
    Ok(Tagged::new(
        BufWriter::with_capacity(BUFFER, writer),
        Side::Writing(match place {
            Place::Std => PathBuf::new(),
            Place::Path(path) => path.clone(),
        }),
    ))
}

/// Creates a file (truncating an existing one only with `force`) and notes it in `created`.
fn create_file(path: &Path, force: bool, created: &mut Vec<PathBuf>) -> Result<File, Failure> {
    let mut options = OpenOptions::new();
    options.write(true);
    if force {
        options.create(true).truncate(true);
    } else {
        options.create_new(true);
    }
    let file = options.open(path).map_err(|e| {
        Failure::Runtime(if e.kind() == io::ErrorKind::AlreadyExists {
            format!(
                "'{}' already exists (use -f to overwrite it)",
                path.display()
            )
        } else {
            format!("creating '{}': {e}", path.display())
        })
    })?;
    created.push(path.to_path_buf());
    Ok(file)
}

/// The progress bar of one job: it appears once the job has run [`PROGRESS_DELAY`], counting
/// the input bytes read (out of the input file's size when it is known).
struct Progress {
    label: String,
    total: Option<u64>,
    start: Instant,
    bar: Option<ProgressBar>,
    /// The count at which to look at the clock next (every 64 KiB, not every read).
    next_check: u64,
}

impl Progress {
    fn new(label: String, total: Option<u64>, start: Instant) -> Self {
        Progress {
            label,
            total,
            start,
            bar: None,
            next_check: 0,
        }
    }

    fn update(&mut self, done: u64) {
        if let Some(bar) = &self.bar {
            bar.set_position(done);
            return;
        }
        if done < self.next_check {
            return;
        }
        self.next_check = done + 64 * 1024;
        if self.start.elapsed() < PROGRESS_DELAY {
            return;
        }
        let template = match self.total {
            Some(_) => "{prefix} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} ETA {eta}",
            None => "{prefix} {spinner} {bytes} {bytes_per_sec} {elapsed}",
        };
        let style = ProgressStyle::with_template(template)
            .expect("a valid template")
            .progress_chars("=> ");
        let bar = ProgressBar::with_draw_target(self.total, ProgressDrawTarget::stderr())
            .with_style(style)
            .with_prefix(format!("lz4s: {}", self.label))
            .with_elapsed(self.start.elapsed())
            .with_position(done);
        // The rate counts from here: not the whole first second at once.
        bar.reset_eta();
        bar.tick();
        self.bar = Some(bar);
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        // Erase the bar, so that what follows (a summary, an error) starts a clean line.
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
    }
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
/// and offset) can be told apart in one message. It also counts the bytes read or written,
/// and moves the progress bar of a reader.
struct Tagged<T> {
    inner: T,
    side: Side,
    count: u64,
    progress: Option<Progress>,
}

impl<T> Tagged<T> {
    fn new(inner: T, side: Side) -> Self {
        Tagged {
            inner,
            side,
            count: 0,
            progress: None,
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

    fn advance(&mut self, n: usize) {
        self.count += n as u64;
        if let Some(progress) = &mut self.progress {
            progress.update(self.count);
        }
    }
}

impl<R: Read> Read for Tagged<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf).map_err(|e| self.tag(e))?;
        self.advance(n);
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
        self.advance(amt);
        self.inner.consume(amt);
    }
}

impl<W: Write> Write for Tagged<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf).map_err(|e| self.tag(e))?;
        self.count += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush().map_err(|e| self.tag(e))
    }
}
