//! One call of an inner reader or writer, checked: an inner `Read` or `Write` that claims more
//! bytes than it was given is a bug of its own, but one this crate does not control, so it is
//! an error here, never a panic or a wrong byte count.

use std::io::{self, Write};

/// Whether an error only says "not now" (`Interrupted`, `WouldBlock`). Met after a call took
/// or served bytes, such an error is dropped rather than kept for the next call: the next call
/// asks the inner object again anyway, and an async front end's bridge says `WouldBlock` for
/// `Pending`, which must never come back to the caller as an error.
pub(crate) fn is_transient(err: &io::Error) -> bool {
    matches!(
        err.kind(),
        io::ErrorKind::Interrupted | io::ErrorKind::WouldBlock
    )
}

/// The error of an inner reader or writer that claims `n` bytes of a buffer of `room`.
pub(crate) fn overclaimed(what: &str, n: usize, room: usize) -> io::Error {
    io::Error::other(format!(
        "the inner {what} claimed {n} bytes of a buffer of {room}"
    ))
}

/// One `write` of `bytes` (not empty) into `inner`, which must take at least one byte.
///
/// # Errors
///
/// The inner writer's, untouched; `WriteZero` if it takes nothing; `Other` if it claims more
/// than `bytes`.
pub(crate) fn write_some<W: Write + ?Sized>(inner: &mut W, bytes: &[u8]) -> io::Result<usize> {
    match inner.write(bytes)? {
        0 => Err(io::Error::new(
            io::ErrorKind::WriteZero,
            "the inner writer accepts no more bytes",
        )),
        n if n > bytes.len() => Err(overclaimed("writer", n, bytes.len())),
        n => Ok(n),
    }
}
