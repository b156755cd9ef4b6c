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
//!   `check_after_panic`).
#![no_main]

use std::io::{self, Read};
use std::rc::Rc;

use libfuzzer_sys::fuzz_target;
use lz4_stream::{Lz4StreamReader, Reason, SizePrefix};
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
}
