//! The async front ends in use (features `tokio` and `futures-io`): a request/response exchange
//! over a loopback TCP connection, where each side decodes the other's flushed message before
//! the stream ends; streams both ways through `tokio::io::duplex` pipes of a few bytes;
//! futures and timeouts dropped while a read or a write is stalled inside a block, then
//! resumed; streams embedded in other bytes; futures-io over `Cursor` and over a small
//! in-memory pipe; and threads through the async writers.
//!
//! (The fault injection at every call and byte, `Pending` included, is in
//! `tests/it/front_ends.rs`.)
#![cfg(all(feature = "tokio", feature = "futures-io"))]

use std::collections::VecDeque;
use std::io;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use crate::common::*;
use lz4_stream::{Mode, SizePrefix, Strategy, StreamOptions};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

type TokioWriter<W> = lz4_stream::tokio::Lz4StreamWriter<W>;
type TokioReader<R> = lz4_stream::tokio::Lz4StreamReader<R>;
type TokioBufReader<R> = lz4_stream::tokio::Lz4StreamBufReader<R>;
type FuturesWriter<W> = lz4_stream::futures::Lz4StreamWriter<W>;
type FuturesReader<R> = lz4_stream::futures::Lz4StreamReader<R>;
type FuturesBufReader<R> = lz4_stream::futures::Lz4StreamBufReader<R>;

/// `len` bytes that compress, but not to nothing: the sample, over and over, numbered.
fn long_data(len: usize) -> Vec<u8> {
    let mut data = Vec::with_capacity(len + 600);
    while data.len() < len {
        data.extend_from_slice(&sample_data());
        data.extend_from_slice(&(data.len() as u64).to_le_bytes());
    }
    data.truncate(len);
    data
}

/// The message of round `round`, `len` bytes.
fn message(round: usize, len: usize) -> Vec<u8> {
    let text = format!("round {round}: to be or not to be, ");
    text.bytes().cycle().take(len).collect()
}

// ---------------------------------------------------------------------------------------------
// tokio: a request/response exchange over TCP.

/// A client and a server exchange messages of several sizes (a byte, under a page, several
/// pages) over one loopback connection, each through a compressing writer and a decompressing
/// reader. Each message is flushed and the other side reads exactly its bytes, then answers:
/// neither side waits for the end of the stream. Then the client shuts its writer down, the
/// server sees the end of the client's stream and shuts its own down, and the client sees the
/// end of the server's.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn request_response_over_tcp() {
    let option_sets = [
        StreamOptions::new().page_size(4096).end_marker(true),
        StreamOptions::new()
            .page_size(16 * 1024)
            .size_prefix(SizePrefix::U16)
            .strategy(Strategy::RingBuffer { window: 65_536 }),
        StreamOptions::new()
            .page_size(8192)
            .mode(Mode::High { level: 5 })
            .threads(2)
            .end_marker(true),
    ];
    let sizes = [1, 100, 5000, 70_000, 3, 200_000, 0, 12_345];
    for opts in option_sets {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let server_opts = opts.clone();
        let server = tokio::spawn(async move {
            let (socket, _) = listener.accept().await?;
            let (read_half, write_half) = socket.into_split();
            // The buffered reader for the requests, over tokio's BufReader.
            let input = tokio::io::BufReader::with_capacity(1000, read_half);
            let mut requests = TokioBufReader::with_options(input, &server_opts)?;
            let mut replies = TokioWriter::with_options(write_half, &server_opts)?;
            for (round, &len) in sizes.iter().enumerate() {
                let mut request = vec![0; len];
                requests.read_exact(&mut request).await?;
                assert!(request == message(round, len), "round {round}: request");
                let mut reply = request;
                reply.reverse();
                reply.extend_from_slice(b" (done)");
                replies.write_all(&reply).await?;
                replies.flush().await?;
            }
            // The client's stream ends, and then this one.
            let mut rest = Vec::new();
            assert_eq!(requests.read_to_end(&mut rest).await?, 0);
            replies.shutdown().await?;
            Ok::<_, io::Error>((requests.total_in(), replies.total_out()))
        });

        let socket = tokio::net::TcpStream::connect(addr).await.unwrap();
        let (read_half, write_half) = socket.into_split();
        let mut requests = TokioWriter::with_options(write_half, &opts).unwrap();
        let mut replies = TokioReader::with_options(read_half, &opts).unwrap();
        for (round, &len) in sizes.iter().enumerate() {
            let request = message(round, len);
            requests.write_all(&request).await.unwrap();
            requests.flush().await.unwrap();
            let mut reply = vec![0; len + 7];
            tokio::time::timeout(Duration::from_secs(20), replies.read_exact(&mut reply))
                .await
                .expect("the server answers a flushed request")
                .unwrap();
            let mut expected = request;
            expected.reverse();
            expected.extend_from_slice(b" (done)");
            assert!(
                reply == expected,
                "{} round {round}: reply",
                describe(&opts)
            );
        }
        requests.shutdown().await.unwrap();
        let mut rest = Vec::new();
        // Only the shutdowns (the client's, then the server's) end the replies: a writer that
        // does not shut its socket down fails here instead of hanging.
        let ended = tokio::time::timeout(Duration::from_secs(60), replies.read_to_end(&mut rest))
            .await
            .expect("the shutdowns end both streams");
        assert_eq!(ended.unwrap(), 0);
        let (server_in, server_out) = server.await.unwrap().unwrap();
        assert_eq!(server_in, requests.total_out(), "{}", describe(&opts));
        assert_eq!(server_out, replies.total_in(), "{}", describe(&opts));
        let sent: usize = sizes.iter().sum();
        assert_eq!(requests.total_in(), sent as u64);
        assert_eq!(replies.total_out(), (sent + 7 * sizes.len()) as u64);
    }
}

// ---------------------------------------------------------------------------------------------
// tokio: duplex pipes of a few bytes.

/// Two streams of several pages, one each way through a `duplex` whose buffer holds 1 to 7
/// bytes, so every record crosses in many pieces and every call meets `Pending`: with an end
/// marker (the readers stop at it) and without (they stop at the pipe's end). One direction
/// is read by `Lz4StreamReader`, the other by `Lz4StreamBufReader` over a small `BufReader`.
#[tokio::test]
async fn both_ways_through_tiny_duplex_pipes() {
    let a_data = long_data(40_000);
    let b_data: Vec<u8> = a_data.iter().rev().copied().collect();
    for opts in [
        StreamOptions::new().page_size(4096).end_marker(true),
        StreamOptions::new()
            .page_size(3000)
            .size_prefix(SizePrefix::U16),
    ] {
        for buffer in [1, 3, 7] {
            let (a, b) = tokio::io::duplex(buffer);
            let (a_read, a_write) = tokio::io::split(a);
            let (b_read, b_write) = tokio::io::split(b);
            let send = |inner, data: Vec<u8>, opts: StreamOptions| async move {
                let mut writer = TokioWriter::with_options(inner, &opts)?;
                for piece in data.chunks(5000) {
                    writer.write_all(piece).await?;
                }
                writer.shutdown().await?;
                Ok::<_, io::Error>(writer.total_out())
            };
            let receive_a = async {
                let mut reader = TokioReader::with_options(b_read, &opts)?;
                let mut out = Vec::new();
                reader.read_to_end(&mut out).await?;
                Ok::<_, io::Error>(out)
            };
            let receive_b = async {
                let input = tokio::io::BufReader::with_capacity(5, a_read);
                let mut reader = TokioBufReader::with_options(input, &opts)?;
                let mut out = Vec::new();
                reader.read_to_end(&mut out).await?;
                Ok::<_, io::Error>(out)
            };
            // Without an end marker only the writers' shutdowns end the readers: a bound
            // makes a writer that does not shut its pipe down fail instead of hanging.
            let all = async {
                tokio::try_join!(
                    send(a_write, a_data.clone(), opts.clone()),
                    send(b_write, b_data.clone(), opts.clone()),
                    receive_a,
                    receive_b
                )
            };
            let (a_sent, b_sent, from_a, from_b) =
                tokio::time::timeout(Duration::from_secs(60), all)
                    .await
                    .expect("the shutdowns end both pipes")
                    .unwrap();
            let what = format!("{} buffer {buffer}", describe(&opts));
            assert!(from_a == a_data, "{what}: a to b");
            assert!(from_b == b_data, "{what}: b to a");
            assert_eq!(a_sent, compress(&opts, &a_data).0.len() as u64, "{what}");
            assert_eq!(b_sent, compress(&opts, &b_data).0.len() as u64, "{what}");
        }
    }
}

// ---------------------------------------------------------------------------------------------
// tokio: cancellation.

/// A `write_all` stalled inside a record (nobody reads the pipe) is dropped by a timeout, again
/// and again, each time after the other end has read a few bytes; each time the write goes on
/// with what the writer had not taken (`total_in`). The same for the shutdown (with threads,
/// where the records only come out there: the data is less than one of the pool's jobs). The bytes that
/// crossed are exactly the stream of the data.
#[tokio::test]
async fn writes_dropped_by_timeouts_lose_nothing() {
    let data = long_data(60_000);
    for opts in [
        StreamOptions::new().page_size(4096).end_marker(true),
        StreamOptions::new()
            .page_size(1000)
            .strategy(Strategy::RingBuffer { window: 65_536 })
            .threads(2),
    ] {
        let what = describe(&opts);
        let (stream, _) = compress(&opts, &data);
        let ends = record_ends(&opts, &stream, &[]);
        let (inner, mut other_end) = tokio::io::duplex(100);
        let mut writer = TokioWriter::with_options(inner, &opts).unwrap();
        let mut crossed = Vec::new();
        let mut cancelled = 0;
        let mut mid_record = 0;
        let limit = 3 * stream.len() / 37 + 100;
        loop {
            let at = writer.total_in() as usize;
            let write = writer.write_all(&data[at..]);
            let result = tokio::time::timeout(Duration::from_millis(2), write).await;
            match result {
                Ok(result) => break result.unwrap(),
                Err(_) => {
                    cancelled += 1;
                    if !ends.contains(&(writer.total_out() as usize)) {
                        mid_record += 1;
                    }
                    // (Each round drains up to 37 bytes: a writer that does not get on fails.)
                    assert!(cancelled < limit, "{what}: the writer does not get on");
                    drain_some(&mut other_end, &mut crossed).await;
                }
            }
        }
        loop {
            let result = tokio::time::timeout(Duration::from_millis(2), writer.shutdown()).await;
            match result {
                Ok(result) => break result.unwrap(),
                Err(_) => {
                    cancelled += 1;
                    if !ends.contains(&(writer.total_out() as usize)) {
                        mid_record += 1;
                    }
                    // (Each round drains up to 37 bytes: a writer that does not get on fails.)
                    assert!(cancelled < limit, "{what}: the writer does not get on");
                    drain_some(&mut other_end, &mut crossed).await;
                }
            }
        }
        drop(writer);
        other_end.read_to_end(&mut crossed).await.unwrap();
        assert!(
            cancelled > 10 && mid_record > 10,
            "{what}: {cancelled} {mid_record}"
        );
        assert!(crossed == stream, "{what}: the stream differs");
    }
}

/// A read stalled inside a record (the rest of it has not arrived) is dropped, by `select!`
/// choosing a timer, after every few bytes that arrive; the reads that follow go on where the
/// last stopped: the data is exact, for both reader kinds.
#[tokio::test]
async fn reads_dropped_by_select_lose_nothing() {
    let data = long_data(30_000);
    let opts = StreamOptions::new().page_size(2048).end_marker(true);
    let (stream, _) = compress(&opts, &data);
    for buffered in [false, true] {
        for step in [1, 50, 333] {
            let (mut feed, inner) = tokio::io::duplex(1 << 20);
            let mut reader: Pin<Box<dyn tokio::io::AsyncRead + Send>> = if buffered {
                let inner = tokio::io::BufReader::with_capacity(64, inner);
                Box::pin(TokioBufReader::with_options(inner, &opts).unwrap())
            } else {
                Box::pin(TokioReader::with_options(inner, &opts).unwrap())
            };
            let mut out = Vec::new();
            let mut cancelled = 0;
            let mut fed = 0;
            let feeds = stream.len().div_ceil(step);
            'feeding: loop {
                if fed < stream.len() {
                    let end = (fed + step).min(stream.len());
                    feed.write_all(&stream[fed..end]).await.unwrap();
                    fed = end;
                }
                loop {
                    let mut buf = vec![0; 10_000];
                    tokio::select! {
                        biased;
                        read = reader.read(&mut buf) => match read.unwrap() {
                            0 => break 'feeding,
                            n => out.extend_from_slice(&buf[..n]),
                        },
                        _ = tokio::time::sleep(Duration::from_millis(1)) => {
                            cancelled += 1;
                            break;
                        }
                    }
                }
                // One dropped read per piece fed, and none once all is there.
                assert!(cancelled <= feeds + 10, "the reader does not get on");
            }
            let what = format!("buffered {buffered} step {step}");
            assert!(out == data, "{what}: data differs");
            assert!(cancelled * 2 >= feeds, "{what}: {cancelled} reads dropped");
        }
    }
}

/// Reads a few bytes that are in the pipe already, if any, and appends them to `crossed`.
async fn drain_some(pipe: &mut tokio::io::DuplexStream, crossed: &mut Vec<u8>) {
    let mut buf = [0; 37];
    if let Ok(read) = tokio::time::timeout(Duration::from_millis(1), pipe.read(&mut buf)).await {
        let n = read.unwrap();
        crossed.extend_from_slice(&buf[..n]);
    }
}

// ---------------------------------------------------------------------------------------------
// Embedding.

const TRAILER: &[u8] = b"\x00\x01\x02 what follows the stream";

/// The stream, with its end marker or out-of-band sizes, followed by other bytes: every async
/// reader (tokio's and futures-io's, of both kinds) serves the data and leaves exactly those
/// bytes in its inner reader (for the buffered ones: in the inner `BufReader`'s buffer and
/// after it), over inner buffers of every size.
#[tokio::test]
async fn async_readers_leave_what_follows_the_stream() {
    let data = long_data(20_000);
    for opts in [
        StreamOptions::new().page_size(1024).end_marker(true),
        StreamOptions::new()
            .page_size(500)
            .size_prefix(SizePrefix::U16)
            .dictionary(&b"to be or not"[..])
            .end_marker(true),
        StreamOptions::new()
            .page_size(700)
            .size_prefix(SizePrefix::OutOfBand),
    ] {
        let what = describe(&opts);
        let (stream, sizes) = compress(&opts, &data);
        let bytes = [&stream[..], TRAILER].concat();
        let oob = opts.get_size_prefix() == SizePrefix::OutOfBand;

        // tokio, over `&[u8]`.
        let mut input = &bytes[..];
        let mut reader = if oob {
            TokioReader::with_block_sizes(&mut input, &opts, sizes.clone())
        } else {
            TokioReader::with_options(&mut input, &opts)
        }
        .unwrap();
        let mut out = Vec::new();
        reader.read_to_end(&mut out).await.unwrap();
        drop(reader);
        assert!(out == data, "{what}");
        assert_eq!(input, TRAILER, "{what}: tokio::Lz4StreamReader");

        // futures-io, over `&[u8]`.
        let mut input = &bytes[..];
        let mut reader = if oob {
            FuturesReader::with_block_sizes(&mut input, &opts, sizes.clone())
        } else {
            FuturesReader::with_options(&mut input, &opts)
        }
        .unwrap();
        let mut out = Vec::new();
        futures::io::AsyncReadExt::read_to_end(&mut reader, &mut out)
            .await
            .unwrap();
        drop(reader);
        assert!(out == data, "{what}");
        assert_eq!(input, TRAILER, "{what}: futures::Lz4StreamReader");

        for capacity in [1, 3, 100, 1 << 16] {
            // tokio, over a `BufReader`.
            let input = tokio::io::BufReader::with_capacity(capacity, &bytes[..]);
            let mut reader = if oob {
                TokioBufReader::with_block_sizes(input, &opts, sizes.clone())
            } else {
                TokioBufReader::with_options(input, &opts)
            }
            .unwrap();
            let mut out = Vec::new();
            reader.read_to_end(&mut out).await.unwrap();
            assert!(out == data, "{what}");
            let input = reader.into_inner();
            let left = [input.buffer().to_vec(), input.into_inner().to_vec()].concat();
            assert_eq!(
                left, TRAILER,
                "{what}: tokio::Lz4StreamBufReader {capacity}"
            );

            // futures-io, over a `BufReader`.
            let input = futures::io::BufReader::with_capacity(capacity, &bytes[..]);
            let mut reader = if oob {
                FuturesBufReader::with_block_sizes(input, &opts, sizes.clone())
            } else {
                FuturesBufReader::with_options(input, &opts)
            }
            .unwrap();
            let mut out = Vec::new();
            futures::io::AsyncReadExt::read_to_end(&mut reader, &mut out)
                .await
                .unwrap();
            assert!(out == data, "{what}");
            let input = reader.into_inner();
            let left = [input.buffer().to_vec(), input.into_inner().to_vec()].concat();
            assert_eq!(
                left, TRAILER,
                "{what}: futures::Lz4StreamBufReader {capacity}"
            );
        }
    }
}

/// Two streams back to back in one tokio reader: the first reader stops at its end marker, and
/// a second one, over the same inner reader, reads the next stream.
#[tokio::test]
async fn streams_back_to_back_through_one_async_reader() {
    let first = long_data(10_000);
    let second = message(7, 9000);
    let opts = StreamOptions::new().page_size(1000).end_marker(true);
    let bytes = [compress(&opts, &first).0, compress(&opts, &second).0].concat();
    let input = tokio::io::BufReader::with_capacity(10, &bytes[..]);
    let mut reader = TokioBufReader::with_options(input, &opts).unwrap();
    let mut out = Vec::new();
    reader.read_to_end(&mut out).await.unwrap();
    assert!(out == first);
    let mut reader = TokioBufReader::with_options(reader.into_inner(), &opts).unwrap();
    out.clear();
    reader.read_to_end(&mut out).await.unwrap();
    assert!(out == second);
    let input = reader.into_inner();
    assert!(input.buffer().is_empty());
    assert!(input.into_inner().is_empty());
}

// ---------------------------------------------------------------------------------------------
// futures-io: Cursor and a pipe.

/// Over `futures::io::Cursor`: the writer's stream is `Lz4StreamWriter`'s (flushes included),
/// and both readers give the data back, for every option of `all_options()`.
#[test]
fn futures_round_trip_over_cursors() {
    let data = sample_data();
    futures::executor::block_on(async {
        for base in all_options() {
            for opts in [base.clone(), marked(&base)] {
                let what = describe(&opts);
                let inner = futures::io::Cursor::new(Vec::new());
                let mut writer = FuturesWriter::with_options(inner, &opts).unwrap();
                use futures::io::AsyncWriteExt as _;
                writer.write_all(&data[..100]).await.unwrap();
                writer.flush().await.unwrap();
                writer.write_all(&data[100..]).await.unwrap();
                writer.close().await.unwrap();
                let sizes = writer.take_block_sizes();
                let stream = writer.into_inner().into_inner();
                let mut sync =
                    lz4_stream::Lz4StreamWriter::with_options(Vec::new(), &opts).unwrap();
                std::io::Write::write_all(&mut sync, &data[..100]).unwrap();
                std::io::Write::flush(&mut sync).unwrap();
                std::io::Write::write_all(&mut sync, &data[100..]).unwrap();
                sync.try_finish().unwrap();
                assert_eq!(sizes, sync.take_block_sizes(), "{what}");
                assert!(
                    stream == sync.finish().unwrap(),
                    "{what}: the stream differs"
                );

                let oob = opts.get_size_prefix() == SizePrefix::OutOfBand;
                let cursor = futures::io::Cursor::new(stream.clone());
                let mut reader = if oob {
                    FuturesReader::with_block_sizes(cursor, &opts, sizes.clone())
                } else {
                    FuturesReader::with_options(cursor, &opts)
                }
                .unwrap();
                let mut out = Vec::new();
                futures::io::AsyncReadExt::read_to_end(&mut reader, &mut out)
                    .await
                    .unwrap();
                assert!(out == data, "{what}");
                assert_eq!(reader.total_in(), stream.len() as u64);

                let cursor = futures::io::Cursor::new(stream.clone());
                let mut reader = if oob {
                    FuturesBufReader::with_block_sizes(cursor, &opts, sizes.clone())
                } else {
                    FuturesBufReader::with_options(cursor, &opts)
                }
                .unwrap();
                let mut out = Vec::new();
                futures::io::AsyncReadExt::read_to_end(&mut reader, &mut out)
                    .await
                    .unwrap();
                assert!(out == data, "{what}");
            }
        }
    });
}

/// A one-way in-memory pipe holding at most `capacity` bytes: reads pend while it is empty,
/// writes while it is full; closing the writing end is the reader's end of input.
struct Pipe {
    bytes: VecDeque<u8>,
    capacity: usize,
    closed: bool,
    reader: Option<Waker>,
    writer: Option<Waker>,
}

struct PipeReader(Arc<Mutex<Pipe>>);
struct PipeWriter(Arc<Mutex<Pipe>>);

fn pipe(capacity: usize) -> (PipeWriter, PipeReader) {
    let pipe = Arc::new(Mutex::new(Pipe {
        bytes: VecDeque::new(),
        capacity,
        closed: false,
        reader: None,
        writer: None,
    }));
    (PipeWriter(pipe.clone()), PipeReader(pipe))
}

impl futures::io::AsyncRead for PipeReader {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        let mut pipe = self.0.lock().unwrap();
        if pipe.bytes.is_empty() {
            if pipe.closed {
                return Poll::Ready(Ok(0));
            }
            pipe.reader = Some(cx.waker().clone());
            return Poll::Pending;
        }
        let n = buf.len().min(pipe.bytes.len());
        for (slot, byte) in buf.iter_mut().zip(pipe.bytes.drain(..n)) {
            *slot = byte;
        }
        if let Some(waker) = pipe.writer.take() {
            waker.wake();
        }
        Poll::Ready(Ok(n))
    }
}

impl futures::io::AsyncWrite for PipeWriter {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let mut pipe = self.0.lock().unwrap();
        assert!(!pipe.closed, "a write after close");
        let room = pipe.capacity - pipe.bytes.len();
        if room == 0 {
            pipe.writer = Some(cx.waker().clone());
            return Poll::Pending;
        }
        let n = room.min(buf.len());
        pipe.bytes.extend(&buf[..n]);
        if let Some(waker) = pipe.reader.take() {
            waker.wake();
        }
        Poll::Ready(Ok(n))
    }

    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_close(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        let mut pipe = self.0.lock().unwrap();
        pipe.closed = true;
        if let Some(waker) = pipe.reader.take() {
            waker.wake();
        }
        Poll::Ready(Ok(()))
    }
}

/// The futures-io writer and readers on both ends of a pipe of 1, 5 and 4096 bytes, run
/// together on one thread (`futures::join!`): the data crosses exactly, with and without an
/// end marker, and the bytes that crossed are the sync writer's stream.
#[test]
fn futures_round_trip_through_a_pipe() {
    let data = long_data(50_000);
    for opts in [
        StreamOptions::new().page_size(4096).end_marker(true),
        StreamOptions::new()
            .page_size(1500)
            .size_prefix(SizePrefix::U16)
            .strategy(Strategy::RingBuffer { window: 20_000 }),
    ] {
        let (stream, _) = compress(&opts, &data);
        for capacity in [1, 5, 4096] {
            for buffered in [false, true] {
                let (write_end, read_end) = pipe(capacity);
                let tee = Arc::new(Mutex::new(Vec::new()));
                let send = async {
                    use futures::io::AsyncWriteExt as _;
                    let mut writer = FuturesWriter::with_options(write_end, &opts).unwrap();
                    for piece in data.chunks(7000) {
                        writer.write_all(piece).await.unwrap();
                    }
                    writer.close().await.unwrap();
                    // Checked here, not by the reader's end: a reader waiting for an end that
                    // never comes would hang `block_on` instead of failing.
                    assert!(
                        writer.get_ref().0.lock().unwrap().closed,
                        "close closes the pipe"
                    );
                };
                let receive = async {
                    let input = Tee {
                        inner: read_end,
                        seen: tee.clone(),
                    };
                    let mut out = Vec::new();
                    if buffered {
                        let input = futures::io::BufReader::with_capacity(3, input);
                        let mut reader = FuturesBufReader::with_options(input, &opts).unwrap();
                        futures::io::AsyncReadExt::read_to_end(&mut reader, &mut out)
                            .await
                            .unwrap();
                    } else {
                        let mut reader = FuturesReader::with_options(input, &opts).unwrap();
                        futures::io::AsyncReadExt::read_to_end(&mut reader, &mut out)
                            .await
                            .unwrap();
                    }
                    out
                };
                let ((), out) =
                    futures::executor::block_on(async { futures::join!(send, receive) });
                let what = format!("{} pipe {capacity} buffered {buffered}", describe(&opts));
                assert!(out == data, "{what}: data differs");
                assert!(*tee.lock().unwrap() == stream, "{what}: the stream differs");
            }
        }
    }
}

/// A reader that keeps a copy of what it reads.
struct Tee<R> {
    inner: R,
    seen: Arc<Mutex<Vec<u8>>>,
}

impl<R: futures::io::AsyncRead + Unpin> futures::io::AsyncRead for Tee<R> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        let poll = Pin::new(&mut self.inner).poll_read(cx, buf);
        if let Poll::Ready(Ok(n)) = poll {
            self.seen.lock().unwrap().extend_from_slice(&buf[..n]);
        }
        poll
    }
}

// ---------------------------------------------------------------------------------------------
// Threads.

/// `threads(2)` through the async writers (tokio's over a `Vec` and over a pipe of 7 bytes that
/// is read as the writer goes, futures-io's over a `Cursor`): the same stream as the sync
/// writer's with `threads(2)`, over several of the pool's jobs, with a flush among the writes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn threads_through_the_async_writers_make_the_sync_stream() {
    let data = long_data(700_000);
    for base in [
        StreamOptions::new(),
        StreamOptions::new()
            .page_size(10_000)
            .strategy(Strategy::RingBuffer { window: 65_536 })
            .mode(Mode::High { level: 3 })
            .end_marker(true),
    ] {
        let opts = base.threads(2);
        let what = describe(&opts);
        let flush_at = 300_001;
        let mut sync = lz4_stream::Lz4StreamWriter::with_options(Vec::new(), &opts).unwrap();
        std::io::Write::write_all(&mut sync, &data[..flush_at]).unwrap();
        std::io::Write::flush(&mut sync).unwrap();
        std::io::Write::write_all(&mut sync, &data[flush_at..]).unwrap();
        let expected = sync.finish().unwrap();

        let mut writer = TokioWriter::with_options(Vec::new(), &opts).unwrap();
        for piece in data[..flush_at].chunks(100_000) {
            writer.write_all(piece).await.unwrap();
        }
        writer.flush().await.unwrap();
        writer.write_all(&data[flush_at..]).await.unwrap();
        writer.shutdown().await.unwrap();
        assert!(writer.into_inner() == expected, "{what}: tokio over a Vec");

        let (inner, mut other_end) = tokio::io::duplex(7);
        let drain = tokio::spawn(async move {
            let mut stream = Vec::new();
            other_end.read_to_end(&mut stream).await.map(|_| stream)
        });
        let mut writer = TokioWriter::with_options(inner, &opts).unwrap();
        writer.write_all(&data[..flush_at]).await.unwrap();
        writer.flush().await.unwrap();
        writer.write_all(&data[flush_at..]).await.unwrap();
        writer.shutdown().await.unwrap();
        drop(writer);
        assert!(
            drain.await.unwrap().unwrap() == expected,
            "{what}: tokio over a pipe"
        );

        let inner = futures::io::Cursor::new(Vec::new());
        let mut writer = FuturesWriter::with_options(inner, &opts).unwrap();
        {
            use futures::io::AsyncWriteExt as _;
            writer.write_all(&data[..flush_at]).await.unwrap();
            writer.flush().await.unwrap();
            writer.write_all(&data[flush_at..]).await.unwrap();
            writer.close().await.unwrap();
        }
        assert!(
            writer.into_inner().into_inner() == expected,
            "{what}: futures over a Cursor"
        );
    }
}
