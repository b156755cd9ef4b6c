//! Arbitrary input to `Lz4StreamReader`: raw bytes, a stream's records replayed many times, or
//! a valid stream (of data stretched past 64 KiB half the time) with bytes changed and cut,
//! under arbitrary options (pages up to 1 MiB, any prefix, with or without an end marker and a
//! dictionary, out-of-band sizes from the input), read through an inner reader that makes short
//! reads, fails with every error kind of `lz4_stream_fuzz::KINDS`, returns `Ok(0)` before the
//! input's end and panics (once), with reads of any length (up to 1 MiB: the reader's large-read
//! path) and `fill_buf`/`consume`.
//!
//! The input is a `lz4_stream_fuzz::StreamCase` (shared with `bufread`, and with its seeds).
//!
//! Checks that:
//! - nothing panics but the injected panic, and every error the faults do not explain is an
//!   `io::Error` whose inner error is the crate's `Error` of kind `InvalidData` or
//!   `UnexpectedEof` (`InvalidInput` only for the options) and stays the same when asked again;
//!   the injected errors come back untouched, and retrying them loses nothing;
//! - the reader and the sans-IO path (`split_record` + `Decompressor`) agree: the same bytes,
//!   then the same outcome, with the same block number and record offset, and on success the
//!   reader stands exactly where the stream ends; a stream compressed from data and left
//!   intact decodes to the data;
//! - after an injected panic, the reader neither panics nor hangs, and serves the stream's
//!   bytes: those before the panic, then only bytes of the stream's rest (see
//!   `check_after_panic`);
//! - `DecompressingWriter` given the same bytes in pieces (the read lengths), over a hostile
//!   inner writer (`faults2`, without the panic), agrees with the sans-IO path: the same bytes
//!   written, the same `Reason`, block and offset for corrupt data (from `write`, and again
//!   from `flush`), `UnexpectedEof` from `finish` (the writer given back) for a stream cut
//!   short, `AfterEnd` for bytes after the end (the same count left);
//! - with a small `max_idle_input` (a quarter of the inputs), a plain reader over the bytes and
//!   `DecompressingWriter` agree (bytes, outcome, `Reason::Idle` and its block), and both agree
//!   with the sans-IO path but for an `Idle` error (before which the bytes are a prefix of it).
#![no_main]

use std::io::{self, Read};
use std::rc::Rc;

use libfuzzer_sys::fuzz_target;
use lz4_stream::{Lz4StreamReader, Reason, SizePrefix, StreamOptions};
use lz4_stream_fuzz::{
    check_reader_run, crate_error, drive_reader, quiet_injected_panics, sans_io, Faults,
    HostileReader, Log, Outcome, StreamCase,
};

fuzz_target!(|case: StreamCase| run(case));

fn run(case: StreamCase) {
    quiet_injected_panics();
    let built = case.build();
    let opts = &built.opts;
    let log = Rc::new(Log::default());
    let inner = HostileReader::new(&built.input, Faults::new(&case.faults, log.clone()));
    let reader = if opts.get_size_prefix() == SizePrefix::OutOfBand {
        Lz4StreamReader::with_block_sizes(inner, opts, built.sizes.clone())
    } else {
        Lz4StreamReader::with_options(inner, opts)
    };
    let mut reader = match reader {
        Ok(reader) => reader,
        Err(err) => {
            // Only options can be refused here: the end marker with out-of-band sizes.
            let inner = crate_error(&err);
            assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
            assert_eq!(inner.reason(), &Reason::EndMarkerWithoutPrefix);
            assert!(opts.validate().is_err());
            return;
        }
    };

    let expected = sans_io(&built.input, opts, &built.sizes);
    if let Some(data) = &built.data {
        assert_eq!(expected.0, Outcome::Done { rest: 0 });
        assert!(expected.1 == *data, "the sans-IO path lost the data");
    }
    let run = drive_reader(&mut reader, &case.reads, &log);
    // Asked again, the same end (or the same error).
    let mut buf = vec![0; 1 << 16];
    log.calm.set(true);
    let again = lz4_stream_fuzz::catch(|| reader.read(&mut buf)).expect("a panic when calm");
    let (again, rest) = match (&run.result, again) {
        (Ok(()), Ok(n)) if run.panicked_at.is_none() && !run.early_end => {
            assert_eq!(n, 0, "a read after the end gave bytes");
            (None, reader.into_inner().data.len())
        }
        (_, again) => (Some(again), reader.get_ref().data.len()),
    };
    check_reader_run(&run, rest, again, &expected);

    // The same bytes through `DecompressingWriter`, given in pieces (the read lengths) to an
    // inner writer with faults (`faults2`, without the panic): the same outcome as the sans-IO
    // path (bytes, reason, block, offset; a stream cut short is `UnexpectedEof` from `finish`,
    // bytes after the end `AfterEnd`).
    //
    // For a quarter of the inputs (`capacity % 4 == 0`, a field only `bufread` uses otherwise),
    // a small `max_idle_input` (`(capacity >> 2) % 64` or `% 4096`), for both a plain reader
    // over the bytes and the writer: they must agree with each other, and with the sans-IO path
    // up to a `Reason::Idle` (then the bytes before it are a prefix of the sans-IO path's).
    let (opts, reference) = if case.capacity.is_multiple_of(4) {
        let value = case.capacity >> 2;
        let idle = u64::from(if value & 1 == 0 {
            value % 64
        } else {
            value % 4096
        });
        let opts = opts.clone().max_idle_input(idle);
        let reference = plain_reader(&built.input, &opts, &built.sizes);
        match &reference.0 {
            Outcome::Failed {
                reason: Reason::Idle { .. },
                ..
            } => assert!(
                expected.1.starts_with(&reference.1),
                "the reader served other bytes before Idle"
            ),
            outcome => {
                assert_eq!(outcome, &expected.0, "max_idle_input changed the outcome");
                assert!(
                    reference.1 == expected.1,
                    "max_idle_input changed the bytes"
                );
            }
        }
        (opts, reference)
    } else {
        (opts.clone(), expected)
    };
    let got = lz4_stream_fuzz::decompressing_writer(
        &built.input,
        &opts,
        &built.sizes,
        &case.reads,
        &case.faults2,
    );
    assert_eq!(got.0, reference.0, "DecompressingWriter's outcome");
    assert!(
        got.1 == reference.1,
        "DecompressingWriter wrote other bytes ({} bytes, the reader {})",
        got.1.len(),
        reference.1.len()
    );
}

/// A clean `Lz4StreamReader` over `input` read to its end: its outcome and bytes.
fn plain_reader(input: &[u8], opts: &StreamOptions, sizes: &[usize]) -> (Outcome, Vec<u8>) {
    let mut reader = if opts.get_size_prefix() == SizePrefix::OutOfBand {
        Lz4StreamReader::with_block_sizes(input, opts, sizes.to_vec())
    } else {
        Lz4StreamReader::with_options(input, opts)
    }
    .expect("valid options");
    let mut out = Vec::new();
    let mut buf = vec![0; 1 << 16];
    loop {
        match reader.read(&mut buf) {
            Ok(0) => {
                return (
                    Outcome::Done {
                        rest: reader.into_inner().len(),
                    },
                    out,
                )
            }
            Ok(n) => out.extend_from_slice(&buf[..n]),
            Err(err) => return (Outcome::of(crate_error(&err)), out),
        }
    }
}
