//! Faults of the inner reader or writer, injected at every position: short reads and writes,
//! `Interrupted`, `WouldBlock` and other errors at each call and at each byte. Retrying the
//! failed call must give exactly the stream (or data) of a fault-free run: nothing lost, nothing
//! twice. Also: dropping a writer finishes it as best it can without ever panicking, and a reader
//! never reads past the last record it serves, so streams can be embedded and chained.

use std::cell::Cell;
use std::io::{self, BufRead, Cursor, ErrorKind, Read, Write};
use std::panic::{catch_unwind, AssertUnwindSafe};

use crate::common::*;
use lz4_stream::{Lz4StreamWriter, SizePrefix, StreamOptions};

/// Writes of different lengths (0 included) and flushes over the sample data.
fn sample_ops(len: usize) -> Vec<Op> {
    let mut ops = vec![
        Op::Write(0),
        Op::Write(150),
        Op::Flush,
        Op::Flush,
        Op::Write(1),
        Op::Write(249),
        Op::Write(0),
        Op::Flush,
    ];
    ops.push(Op::Write(len - 400));
    ops
}

/// Outcome of driving a writer through ops with retries.
struct Driven {
    /// The stream written.
    out: Vec<u8>,
    /// Out-of-band block sizes.
    sizes: Vec<usize>,
    /// The output at each successful `flush`.
    at_flushes: Vec<Vec<u8>>,
    /// Errors seen (and retried).
    errors: usize,
    /// Calls the inner writer saw.
    calls: usize,
    /// Faults the inner writer injected.
    failures: usize,
}

/// Drives a writer over `inner` through `ops` and `try_finish`, retrying every call that fails
/// (with `write`, the same buffer again: on error nothing was taken). With `write_all`, writes go
/// through `Write::write_all` (which retries `Interrupted` on its own).
fn drive(
    opts: &StreamOptions,
    data: &[u8],
    ops: &[Op],
    inner: FaultyWriter,
    kind: ErrorKind,
    write_all: bool,
) -> Driven {
    let mut writer = Lz4StreamWriter::with_options(inner, opts).unwrap();
    let mut errors = 0;
    let mut at_flushes = Vec::new();
    let mut check = |result: io::Result<()>| -> bool {
        match result {
            Ok(()) => true,
            Err(err) => {
                // The inner writer's error, handed back untouched.
                assert_eq!(err.kind(), kind, "{err}");
                assert_eq!(err.to_string(), "injected fault");
                errors += 1;
                assert!(errors < 10, "the same call keeps failing");
                false
            }
        }
    };
    let mut at = 0;
    for op in ops {
        match *op {
            Op::Write(n) => {
                let end = at + n;
                if write_all {
                    while !check(writer.write_all(&data[at..end])) {}
                    at = end;
                    continue;
                }
                loop {
                    match writer.write(&data[at..end]) {
                        Ok(taken) => {
                            at += taken;
                            if at == end {
                                break;
                            }
                            assert!(taken > 0);
                        }
                        Err(err) => {
                            check(Err(err));
                        }
                    }
                }
            }
            Op::Flush => {
                while !check(writer.flush()) {}
                // A successful flush wrote everything and flushed the inner writer.
                let inner = writer.get_ref();
                assert_eq!(inner.flushed_len, inner.out.len());
                at_flushes.push(inner.out.clone());
            }
        }
    }
    while !check(writer.try_finish()) {}
    let sizes = writer.take_block_sizes();
    let calls = writer.get_ref().calls;
    let inner = writer.finish().expect("finished already");
    Driven {
        out: inner.out,
        sizes,
        at_flushes,
        errors,
        calls,
        failures: inner.failures,
    }
}

const KINDS: [ErrorKind; 3] = [
    ErrorKind::Interrupted,
    ErrorKind::WouldBlock,
    ErrorKind::Other,
];

/// For each kind of error, each call and each byte at which the inner writer fails once, and
/// inner writers that take everything or one byte at a time: the retried run writes exactly the
/// fault-free stream, and the output at each flush is the same too.
#[test]
fn writer_faults_at_every_position_lose_and_repeat_nothing() {
    let data = sample_data();
    let ops = sample_ops(data.len());
    for opts in all_options() {
        for max_write in [usize::MAX, 1, 7] {
            let clean = drive(
                &opts,
                &data,
                &ops,
                FaultyWriter::new(None, ErrorKind::Other, max_write),
                ErrorKind::Other,
                false,
            );
            assert_eq!(clean.errors, 0);
            assert_eq!(
                decompress(&opts, &clean.out, &clean.sizes).unwrap(),
                data,
                "{}",
                describe(&opts)
            );
            if max_write == usize::MAX {
                // One byte at a time or all at once, the same stream.
                assert_eq!(clean.out, compress_ops(&opts, &data, &ops));
            }
            let faults = (0..clean.calls)
                .map(Fault::AtCall)
                .chain((0..=clean.out.len()).map(Fault::AtByte));
            for fault in faults {
                for kind in KINDS {
                    let run = drive(
                        &opts,
                        &data,
                        &ops,
                        FaultyWriter::new(Some(fault), kind, max_write),
                        kind,
                        false,
                    );
                    let what = format!("{} {fault:?} {kind:?} max {max_write}", describe(&opts));
                    assert_eq!(run.failures, 1, "{what}: the fault was injected");
                    // The caller sees it, unless it only said "not now" (`Interrupted`,
                    // `WouldBlock`) after a write took input: the next call tries again.
                    assert!(
                        run.errors == 1 || (run.errors == 0 && is_transient(kind)),
                        "{what}: the caller saw it"
                    );
                    assert!(run.out == clean.out, "{what}: stream differs");
                    assert_eq!(run.sizes, clean.sizes, "{what}");
                    assert!(run.at_flushes == clean.at_flushes, "{what}: at flushes");
                }
            }
        }
    }
}

/// The stream `ops` make on a plain `Vec`.
fn compress_ops(opts: &StreamOptions, data: &[u8], ops: &[Op]) -> Vec<u8> {
    let mut writer = Lz4StreamWriter::with_options(Vec::new(), opts).unwrap();
    run_ops(&mut writer, data, ops);
    writer.finish().unwrap()
}

/// `write_all` retries `Interrupted` by itself: with an inner writer interrupted at any call, a
/// plain `write_all` makes the fault-free stream.
#[test]
fn write_all_rides_over_interruptions() {
    let data = sample_data();
    let ops = sample_ops(data.len());
    for opts in all_options() {
        let clean = compress_ops(&opts, &data, &ops);
        for k in 0..=clean.len() {
            let inner = FaultyWriter::new(Some(Fault::AtByte(k)), ErrorKind::Interrupted, 5);
            let run = drive(&opts, &data, &ops, inner, ErrorKind::Interrupted, true);
            assert_eq!(run.failures, 1);
            assert!(run.out == clean, "{} fault at byte {k}", describe(&opts));
        }
    }
}

/// An inner writer that takes bytes until `limit`, then fails every call with `kind` (or
/// returns `Ok(0)` with `WriteZero`); flushes fail too once the limit is reached. It counts calls
/// made after the limit.
struct BrokenWriter<'a> {
    out: &'a mut Vec<u8>,
    limit: usize,
    kind: ErrorKind,
    calls_after: &'a Cell<usize>,
}

impl Write for BrokenWriter<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.out.len() >= self.limit {
            self.calls_after.set(self.calls_after.get() + 1);
            return match self.kind {
                ErrorKind::WriteZero => Ok(0),
                kind => Err(injected(kind)),
            };
        }
        let n = buf.len().min(self.limit - self.out.len());
        self.out.extend_from_slice(&buf[..n]);
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        if self.out.len() >= self.limit {
            self.calls_after.set(self.calls_after.get() + 1);
            return match self.kind {
                ErrorKind::WriteZero => Ok(()),
                kind => Err(injected(kind)),
            };
        }
        Ok(())
    }
}

/// Dropping an unfinished writer writes the rest (the pending record, the partial page, the end
/// marker) as `finish` would. When the inner writer breaks during the drop (an error, endless
/// `Interrupted` or `WouldBlock`, or `Ok(0)`), the drop returns without panicking or looping,
/// having written a prefix of the stream.
#[test]
fn drop_finishes_as_best_it_can() {
    let data = sample_data();
    for opts in all_options() {
        let clean = compress_ops(&opts, &data, &[Op::Write(data.len())]);
        for split in [0, 1, 99, 100, 101, 250, data.len()] {
            // Written before the drop: `split` bytes, through an inner writer that takes
            // everything; then the inner writer takes `extra` more bytes and breaks.
            for extra in (0..=clean.len()).step_by(7).chain([usize::MAX / 2]) {
                for kind in [
                    ErrorKind::Other,
                    ErrorKind::Interrupted,
                    ErrorKind::WouldBlock,
                    ErrorKind::WriteZero,
                ] {
                    let mut out = Vec::new();
                    let calls_after = Cell::new(0);
                    let inner = BrokenWriter {
                        out: &mut out,
                        limit: usize::MAX,
                        kind,
                        calls_after: &calls_after,
                    };
                    let mut writer = Lz4StreamWriter::with_options(inner, &opts).unwrap();
                    writer.write_all(&data[..split]).unwrap();
                    let written = writer.get_ref().out.len();
                    writer.get_mut().limit = written.saturating_add(extra);
                    let dropped = catch_unwind(AssertUnwindSafe(move || drop(writer)));
                    let what = format!("{} split {split} extra {extra} {kind:?}", describe(&opts));
                    assert!(dropped.is_ok(), "{what}: drop panicked");
                    assert!(
                        calls_after.get() <= 2,
                        "{what}: drop kept calling a broken writer"
                    );
                    // What a writer finishing the first `split` bytes writes.
                    let expected = compress_ops(&opts, &data[..split], &[Op::Write(split)]);
                    let want = expected.len().min(written.saturating_add(extra));
                    assert!(
                        out == expected[..want],
                        "{what}: not a prefix of the stream"
                    );
                    if want == expected.len() && opts.get_size_prefix() != SizePrefix::OutOfBand {
                        assert_eq!(
                            decompress(&opts, &out, &[]).unwrap(),
                            &data[..split],
                            "{what}"
                        );
                    }
                }
            }
        }
    }
}

/// A writer whose inner writer panicked (in `write` or `flush`) does nothing more on drop, as
/// `BufWriter` does: a drop that called it again would panic again (and abort while unwinding).
#[test]
fn drop_after_a_panic_in_the_inner_writer_does_not_touch_it() {
    struct Panicky {
        out: Vec<u8>,
        panic_in_flush: bool,
        armed: bool,
    }
    impl Write for Panicky {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            if self.armed && !self.panic_in_flush {
                panic!("inner writer panics");
            }
            self.out.extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            if self.armed {
                panic!("inner writer panics in flush");
            }
            Ok(())
        }
    }
    let data = sample_data();
    for panic_in_flush in [false, true] {
        let inner = Panicky {
            out: Vec::new(),
            panic_in_flush,
            armed: false,
        };
        let opts = StreamOptions::new().page_size(100).end_marker(true);
        let mut writer = Lz4StreamWriter::with_options(inner, &opts).unwrap();
        writer.write_all(&data[..150]).unwrap();
        writer.get_mut().armed = true;
        let result = catch_unwind(AssertUnwindSafe(|| {
            writer.write_all(&data[150..]).unwrap();
            writer.flush().unwrap();
        }));
        assert!(result.is_err(), "the inner writer panicked");
        let before = writer.get_ref().out.len();
        // The drop must not call the inner writer (it would panic); nothing is written.
        let dropped = catch_unwind(AssertUnwindSafe(move || drop(writer)));
        assert!(dropped.is_ok(), "drop called the panicking writer");
        assert!(before > 0);
    }
}

/// After `try_finish`, dropping the writer writes nothing more; and after a `try_finish` that
/// failed halfway, the drop completes the stream.
#[test]
fn drop_after_finish_writes_nothing_more() {
    let data = sample_data();
    for opts in all_options() {
        let clean = compress_ops(&opts, &data, &[Op::Write(data.len())]);
        let mut inner = FaultyWriter::new(None, ErrorKind::Other, usize::MAX);
        {
            let mut writer = Lz4StreamWriter::with_options(&mut inner, &opts).unwrap();
            writer.write_all(&data).unwrap();
            writer.try_finish().unwrap();
            assert_eq!(writer.get_ref().out, clean);
        }
        assert_eq!(inner.out, clean, "{}: the drop wrote more", describe(&opts));

        for k in 0..=clean.len() {
            let mut inner = FaultyWriter::new(Some(Fault::AtByte(k)), ErrorKind::WouldBlock, 3);
            {
                let mut writer = Lz4StreamWriter::with_options(&mut inner, &opts).unwrap();
                let mut at = 0;
                while at < data.len() {
                    // Retry a failed write: it took nothing.
                    if let Ok(n) = writer.write(&data[at..]) {
                        at += n;
                    }
                }
                // The fault may strike here; the drop then finishes the job.
                let _ = writer.try_finish();
            }
            assert_eq!(inner.failures, 1);
            assert!(
                inner.out == clean,
                "{} fault at byte {k}: the drop completes the stream",
                describe(&opts)
            );
        }
    }
}

/// For each kind of error at each call and each byte of the input, and inner readers returning
/// one byte or a few at a time: retried reads give exactly the data, and the inner reader is
/// read to its end, no further.
#[test]
fn reader_faults_at_every_position_lose_nothing() {
    let data = sample_data();
    for opts in all_options() {
        let (stream, sizes) = compress(&opts, &data);
        for max_read in [usize::MAX, 1, 3] {
            // The number of inner calls of a fault-free run.
            let inner = FaultyReader::new(&stream, None, ErrorKind::Other, max_read);
            let mut clean = reader(inner, &opts, &sizes).unwrap();
            assert_eq!(
                read_retrying(&mut clean, ErrorKind::Other),
                (data.clone(), 0)
            );
            let calls = clean.get_ref().calls;
            let faults = (0..calls)
                .map(Fault::AtCall)
                .chain((0..=stream.len()).map(Fault::AtByte));
            for fault in faults {
                for kind in KINDS {
                    let inner = FaultyReader::new(&stream, Some(fault), kind, max_read);
                    let mut r = reader(inner, &opts, &sizes).unwrap();
                    let (out, errors) = read_retrying(&mut r, kind);
                    let what = format!("{} {fault:?} {kind:?} max {max_read}", describe(&opts));
                    assert!(out == data, "{what}: data differs");
                    // The reader reads at the end of the input only when the input's end is
                    // the stream's end (no end marker, no out-of-band sizes to say so).
                    let reads_at_end =
                        opts.get_size_prefix() != SizePrefix::OutOfBand && !opts.get_end_marker();
                    let expected = match fault {
                        Fault::AtByte(k) if k == stream.len() && !reads_at_end => 0,
                        _ => 1,
                    };
                    assert_eq!(r.get_ref().failures, expected, "{what}");
                    // Each fault surfaces once, but `Interrupted` and `WouldBlock` ("not now") met in a
                    // large read after it served bytes are dropped: the next call asks again.
                    assert!(
                        errors == expected || (errors < expected && is_transient(kind)),
                        "{what}: {errors} errors"
                    );
                    assert!(r.get_ref().rest().is_empty(), "{what}");
                }
            }
        }
    }
}

/// `read_to_end` and `read_exact` retry `Interrupted` by themselves.
#[test]
fn std_helpers_ride_over_interruptions() {
    let data = sample_data();
    for opts in all_options() {
        let (stream, sizes) = compress(&opts, &data);
        for k in 0..=stream.len() {
            let inner =
                FaultyReader::new(&stream, Some(Fault::AtByte(k)), ErrorKind::Interrupted, 4);
            let mut r = reader(inner, &opts, &sizes).unwrap();
            let mut out = Vec::new();
            r.read_to_end(&mut out).unwrap();
            assert!(out == data, "{} read_to_end, fault at {k}", describe(&opts));

            let inner =
                FaultyReader::new(&stream, Some(Fault::AtByte(k)), ErrorKind::Interrupted, 4);
            let mut r = reader(inner, &opts, &sizes).unwrap();
            let mut out = vec![0; data.len()];
            r.read_exact(&mut out).unwrap();
            assert!(out == data, "{} read_exact, fault at {k}", describe(&opts));
        }
    }
}

/// A stream followed by other bytes: the reader stops right after its last record (the end
/// marker, or the last out-of-band block) and leaves those bytes in the inner reader; and at
/// every point it stands at a record boundary, never reading ahead. Without an end marker, after
/// reading exactly the data, the inner reader stands right after the last block.
#[test]
fn reader_leaves_what_follows_the_stream() {
    let data = sample_data();
    let trailer = b"\x00\x01 whatever follows \xff\xff\xff\xff";
    for base in all_options() {
        for opts in [base.clone().end_marker(false), marked(&base)] {
            let (stream, sizes) = compress(&opts, &data);
            let ends = record_ends(&opts, &stream, &sizes);
            let bytes = [&stream[..], trailer].concat();
            for limits in [vec![usize::MAX / 2], vec![1], vec![3, 1, 100]] {
                let inner = ShortReader::new(Cursor::new(&bytes), limits.clone());
                let mut r = reader(inner, &opts, &sizes).unwrap();
                let mut out = Vec::new();
                while out.len() < data.len() {
                    let buf = r.fill_buf().unwrap();
                    assert!(!buf.is_empty());
                    let n = buf.len().min(33);
                    out.extend_from_slice(&buf[..n]);
                    r.consume(n);
                    let pos = r.get_ref().inner.position() as usize;
                    assert!(
                        ends.contains(&pos),
                        "{} read ahead to {pos}",
                        describe(&opts)
                    );
                }
                assert_eq!(out, data);
                let what = format!("{} limits {limits:?}", describe(&opts));
                if opts.get_end_marker() || opts.get_size_prefix() == SizePrefix::OutOfBand {
                    // The stream says where it ends: reading on finds the end.
                    assert_eq!(r.read(&mut [0; 10]).unwrap(), 0, "{what}");
                    assert_eq!(r.read(&mut [0; 10]).unwrap(), 0, "{what}");
                }
                let pos = r.get_ref().inner.position() as usize;
                assert_eq!(pos, stream.len(), "{what}");
                assert_eq!(&bytes[pos..], trailer);
            }
            // With `&mut &[u8]`, and `read_to_end` where the stream ends itself.
            if opts.get_end_marker() || opts.get_size_prefix() == SizePrefix::OutOfBand {
                let mut input = &bytes[..];
                let mut out = Vec::new();
                reader(&mut input, &opts, &sizes)
                    .unwrap()
                    .read_to_end(&mut out)
                    .unwrap();
                assert_eq!(out, data);
                assert_eq!(input, trailer);
            }
        }
        // A reader that does not require the end marker still stops at one.
        if base.get_size_prefix() != SizePrefix::OutOfBand {
            let (stream, _) = compress(&marked(&base), &data);
            let bytes = [&stream[..], trailer].concat();
            let mut input = &bytes[..];
            let mut out = Vec::new();
            let relaxed = base.clone().end_marker(false);
            reader(&mut input, &relaxed, &[])
                .unwrap()
                .read_to_end(&mut out)
                .unwrap();
            assert_eq!(out, data);
            assert_eq!(input, trailer);
        }
    }
}

/// Two streams back to back, with different data and dictionaries, read by two readers in turn.
#[test]
fn streams_back_to_back() {
    let first = sample_data();
    let second: Vec<u8> = first.iter().rev().copied().collect();
    for base in all_options() {
        let one = marked(&base);
        let two = marked(&base).dictionary(first[first.len() - 50..].to_vec());
        let (stream_one, sizes_one) = compress(&one, &first);
        let (stream_two, sizes_two) = compress(&two, &second);
        let bytes = [&stream_one[..], &stream_two[..]].concat();
        for limits in [vec![usize::MAX / 2], vec![1], vec![2, 9]] {
            let mut input = ShortReader::new(&bytes[..], limits);
            let mut out = Vec::new();
            reader(&mut input, &one, &sizes_one)
                .unwrap()
                .read_to_end(&mut out)
                .unwrap();
            assert_eq!(out, first, "{}", describe(&one));
            assert_eq!(input.inner, &stream_two[..]);
            out.clear();
            reader(&mut input, &two, &sizes_two)
                .unwrap()
                .read_to_end(&mut out)
                .unwrap();
            assert_eq!(out, second, "{}", describe(&two));
            assert!(input.inner.is_empty());
        }
        // Without end markers, the first reader reads exactly its data.
        if base.get_size_prefix() != SizePrefix::OutOfBand {
            let one = base.clone().end_marker(false);
            let (stream_one, _) = compress(&one, &first);
            let bytes = [&stream_one[..], &stream_two[..]].concat();
            let mut input = &bytes[..];
            let mut out = vec![0; first.len()];
            reader(&mut input, &one, &[])
                .unwrap()
                .read_exact(&mut out)
                .unwrap();
            assert_eq!(out, first);
            assert_eq!(input, &stream_two[..]);
            assert_eq!(decompress(&two, input, &sizes_two).unwrap(), second);
        }
    }
}

/// An inner writer that accepts nothing (`Ok(0)`) is `WriteZero` from the writer, not a loop;
/// the record stays pending, and once the inner writer takes bytes again the stream is exact.
#[test]
fn inner_writer_taking_nothing_is_write_zero() {
    struct Stalled {
        out: Vec<u8>,
        stalled: bool,
    }
    impl Write for Stalled {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            if self.stalled {
                return Ok(0);
            }
            self.out.extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }
    let data = sample_data();
    for opts in all_options() {
        let what = describe(&opts);
        let inner = Stalled {
            out: Vec::new(),
            stalled: true,
        };
        let mut writer = Lz4StreamWriter::with_options(inner, &opts).unwrap();
        // The first write takes a page (its record cannot be handed over); the flush must say so.
        let taken = writer.write(&data).unwrap();
        assert!(taken > 0, "{what}");
        let err = writer.flush().unwrap_err();
        assert_eq!(err.kind(), ErrorKind::WriteZero, "{what}: {err}");
        assert!(writer.get_ref().out.is_empty(), "{what}");
        writer.get_mut().stalled = false;
        writer.write_all(&data[taken..]).unwrap();
        let out = writer.finish().unwrap().out;
        // (A flush ends the threads' job even at a page's end: the clean run flushes there too.)
        let ops = [Op::Write(taken), Op::Flush, Op::Write(data.len() - taken)];
        let clean = compress_ops(&opts, &data, &ops);
        assert!(out == clean, "{what}: the stream differs from a clean run");
    }
}
