//! `Lz4StreamBufReader` over a hostile inner `BufRead`: the streams of `read_arbitrary` (raw
//! bytes, records replayed, valid streams of data stretched past 64 KiB, with bytes changed and
//! cut; the same `lz4_stream_fuzz::StreamCase` input and seeds), behind an inner buffered reader
//! whose `fill_buf` shows buffers of any size (1 byte, about a record, up to 1 MiB, or the whole
//! input; records straddle their ends or lie whole in them), fails with every error kind of
//! `lz4_stream_fuzz::KINDS`, shows an empty buffer before the input's end (`Ok(0)`) and panics
//! (once), and whose `read` (the reader's copying path) does the same.
//!
//! Checks that:
//! - it serves what `Lz4StreamReader` over a plain `&[u8]` of the same bytes serves, and what
//!   the sans-IO path decodes: the same bytes, then the same outcome (the same error reason,
//!   block number and record offset; or the end of the stream, with the inner reader left right
//!   after the stream: its buffer and what follows are the bytes after the stream, exactly);
//! - it keeps `BufRead`'s contract with the inner reader (`consume` never passes what
//!   `fill_buf` showed: the inner reader asserts it);
//! - the injected errors come back untouched and retrying them loses nothing; an `Ok(0)` inside
//!   a record is `UnexpectedEof` and reading on resumes; every other error is the crate's, of
//!   kind `InvalidData` or `UnexpectedEof`, and the same when asked again;
//! - after an injected panic, it neither panics nor hangs, and serves the stream's bytes: those
//!   before the panic, then only bytes of the stream's rest (see `check_after_panic`).
#![no_main]

use std::io::{self, Read};
use std::rc::Rc;

use libfuzzer_sys::fuzz_target;
use lz4_stream::{Lz4StreamBufReader, Lz4StreamReader, Reason, SizePrefix};
use lz4_stream_fuzz::{
    capacity, catch, check_reader_run, crate_error, drive_reader, quiet_injected_panics, sans_io,
    Faults, HostileBufReader, Log, Outcome, StreamCase,
};

fuzz_target!(|case: StreamCase| run(case));

fn run(case: StreamCase) {
    quiet_injected_panics();
    let built = case.build();
    let opts = &built.opts;
    let out_of_band = opts.get_size_prefix() == SizePrefix::OutOfBand;
    let log = Rc::new(Log::default());
    let inner = HostileBufReader::new(
        &built.input,
        capacity(case.capacity),
        Faults::new(&case.faults, log.clone()),
    );
    let reader = if out_of_band {
        Lz4StreamBufReader::with_block_sizes(inner, opts, built.sizes.clone())
    } else {
        Lz4StreamBufReader::with_options(inner, opts)
    };
    let mut reader = match reader {
        Ok(reader) => reader,
        Err(err) => {
            let inner = crate_error(&err);
            assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
            assert_eq!(inner.reason(), &Reason::EndMarkerWithoutPrefix);
            assert!(opts.validate().is_err());
            return;
        }
    };

    // The references: the sans-IO path, and the copying reader over a plain slice.
    let expected = sans_io(&built.input, opts, &built.sizes);
    if let Some(data) = &built.data {
        assert_eq!(expected.0, Outcome::Done { rest: 0 });
        assert!(expected.1 == *data, "the sans-IO path lost the data");
    }
    let mut plain_input = &built.input[..];
    let mut plain = if out_of_band {
        Lz4StreamReader::with_block_sizes(&mut plain_input, opts, built.sizes.clone())
    } else {
        Lz4StreamReader::with_options(&mut plain_input, opts)
    }
    .expect("the same options");
    let mut plain_bytes = Vec::new();
    let plain_outcome = match plain.read_to_end(&mut plain_bytes) {
        Ok(_) => {
            drop(plain);
            Outcome::Done {
                rest: plain_input.len(),
            }
        }
        Err(err) => Outcome::of(crate_error(&err)),
    };
    assert_eq!(
        plain_outcome, expected.0,
        "the copying reader and sans-IO differ"
    );
    assert!(
        plain_bytes == expected.1,
        "the copying reader and sans-IO decode differently"
    );

    let run = drive_reader(&mut reader, &case.reads, &log);
    // Asked again, the same end (or the same error), with the faults calmed through the log
    // (not through `get_mut`, which forgets an end of input seen).
    log.calm.set(true);
    let mut buf = vec![0; 1 << 16];
    let again = catch(|| reader.read(&mut buf)).expect("a panic when calm");
    let (again, rest) = match (&run.result, again) {
        (Ok(()), Ok(n)) if run.panicked_at.is_none() && !run.early_end => {
            assert_eq!(n, 0, "a read after the end gave bytes");
            (None, reader.into_inner().rest().len())
        }
        (_, again) => (Some(again), reader.get_ref().rest().len()),
    };
    check_reader_run(&run, rest, again, &expected);
}
