//! What every compressor shares: reading words, counting equal bytes, writing sequences.

#[inline(always)]
pub(crate) fn read32(buf: &[u8], p: usize) -> u32 {
    u32::from_le_bytes(buf[p..p + 4].try_into().expect("4 bytes"))
}

#[inline(always)]
pub(crate) fn read64(buf: &[u8], p: usize) -> u64 {
    u64::from_le_bytes(buf[p..p + 8].try_into().expect("8 bytes"))
}

/// How many bytes from `a` on equal those from `b` on, stopping at `limit` (`b` is before `a`,
/// so only `a` needs limiting). Both runs are sliced once and compared 8 bytes at a time, which
/// leaves no bounds check in the loop.
#[inline(always)]
pub(crate) fn count(buf: &[u8], a: usize, b: usize, limit: usize) -> usize {
    let ahead = &buf[a..limit];
    let behind = &buf[b..b + ahead.len()];
    let mut n = 0;
    for (x, y) in ahead.chunks_exact(8).zip(behind.chunks_exact(8)) {
        let x = u64::from_le_bytes(x.try_into().expect("8 bytes"));
        let y = u64::from_le_bytes(y.try_into().expect("8 bytes"));
        let diff = x ^ y;
        if diff != 0 {
            return n + (diff.trailing_zeros() / 8) as usize;
        }
        n += 8;
    }
    n + ahead[n..]
        .iter()
        .zip(&behind[n..])
        .take_while(|(x, y)| x == y)
        .count()
}

/// Writes sequences into the output.
pub(crate) struct Encoder<'a> {
    pub(crate) out: &'a mut [u8],
    /// Bytes written so far.
    pub(crate) op: usize,
}

impl Encoder<'_> {
    /// Writes a token with the literal count of `literals`, its extra length bytes and the
    /// literals; returns where the token is, for the match length to join it.
    #[inline(always)]
    pub(crate) fn literals(&mut self, literals: &[u8]) -> usize {
        let token = self.op;
        let len = literals.len();
        self.op += 1;
        if len >= 15 {
            self.out[token] = 15 << 4;
            self.length_bytes(len - 15);
        } else {
            self.out[token] = (len as u8) << 4;
        }
        self.out[self.op..self.op + len].copy_from_slice(literals);
        self.op += len;
        token
    }

    /// Ends the sequence whose token is at `token` with a match `offset` back of
    /// `length + MIN_MATCH` bytes.
    #[inline(always)]
    pub(crate) fn finish_sequence(&mut self, token: usize, offset: u16, length: usize) {
        self.out[self.op..self.op + 2].copy_from_slice(&offset.to_le_bytes());
        self.op += 2;
        if length >= 15 {
            self.out[token] |= 15;
            self.length_bytes(length - 15);
        } else {
            self.out[token] |= length as u8;
        }
    }

    /// The bytes that carry the rest of a length nibble of 15: 255s, then what is left.
    #[inline(always)]
    fn length_bytes(&mut self, mut rest: usize) {
        while rest >= 255 {
            self.out[self.op] = 255;
            self.op += 1;
            rest -= 255;
        }
        self.out[self.op] = rest as u8;
        self.op += 1;
    }

    /// The block's last sequence: literals only.
    pub(crate) fn last_literals(&mut self, literals: &[u8]) {
        self.literals(literals);
    }
}
