//! Levels 3 to 9: hash chains with lazy matching (liblz4's `LZ4HC_compress_hashChain`).
//!
//! At each position the chains give the longest match (`m1`) among `2^(level - 1)`
//! candidates. Before it is written, a search from near its end (`m2`, allowed to start
//! earlier, inside `m1`) looks for a longer match that overlaps it; if one exists, a third
//! search (`m3`) does the same from near `m2`'s end. With three matches in hand the first is
//! written, shortened so the second can start where it pays most (up to 18 bytes in, the
//! longest match length a token holds without extra bytes), and the window moves on:
//! `m2` becomes `m1`, `m3` becomes `m2`. When a look-ahead finds nothing longer, what is in
//! hand is written. A first match squeezed to under 3 bytes is dropped for the next one.

use super::super::encode::Encoder;
use super::super::{MIN_LENGTH, MIN_MATCH};
use super::search::{Block, Match, Tables};

/// The longest match whose length fits the token alone (liblz4's `OPTIMAL_ML`).
const OPTIMAL_ML: usize = 18;

/// Writes the sequence of the literals from `anchor` to `ip` and a match at `ip`; moves `ip`
/// and `anchor` past the match (liblz4's `LZ4HC_encodeSequence`).
#[inline(always)]
pub(super) fn encode(
    enc: &mut Encoder,
    buf: &[u8],
    ip: &mut usize,
    anchor: &mut usize,
    len: usize,
    off: usize,
) {
    debug_assert!(len >= MIN_MATCH && (1..=65_535).contains(&off));
    let token = enc.literals(&buf[*anchor..*ip]);
    enc.finish_sequence(token, off as u16, len - MIN_MATCH);
    *ip += len;
    *anchor = *ip;
}

/// Compresses the block, examining at most `searches` candidates per search; returns its
/// length in `out`.
pub(super) fn compress(tables: &mut Tables, b: &Block, out: &mut [u8], searches: u32) -> usize {
    let buf = b.buf;
    let patterns = searches > 128;
    let mut enc = Encoder { out, op: 0 };
    let (mut ip, mut anchor, end) = (b.start, b.start, b.end);
    if end - ip < MIN_LENGTH {
        enc.last_literals(&buf[anchor..end]);
        return enc.op;
    }
    let mflimit = b.mflimit();
    let limit = b.match_limit();
    let none = Match::default();

    'main: while ip <= mflimit {
        let mut m1 = tables.wider_match(b, ip, ip, limit, MIN_MATCH - 1, searches, patterns, false);
        if m1.len < MIN_MATCH {
            ip += 1;
            continue;
        }
        // Kept in case the look-aheads skip too much.
        let mut start0 = ip;
        let mut m0 = m1;
        let mut start2;
        let mut m2;
        let mut start3;
        let mut m3;

        'search2: loop {
            if ip + m1.len <= mflimit {
                start2 = ip + m1.len - 2;
                m2 = tables.wider_match(b, start2, ip, limit, m1.len, searches, patterns, false);
                start2 -= m2.back;
            } else {
                start2 = ip;
                m2 = none;
            }
            if m2.len <= m1.len {
                // Nothing better ahead: write m1.
                encode(&mut enc, buf, &mut ip, &mut anchor, m1.len, m1.off);
                continue 'main;
            }
            if start0 < ip && start2 < ip + m0.len {
                // m1 was skipped once: squeeze the original between it and m2.
                ip = start0;
                m1 = m0;
            }
            if start2 - ip < 3 {
                // m1 too short before m2: drop it.
                ip = start2;
                m1 = m2;
                continue 'search2;
            }

            'search3: loop {
                if start2 - ip < OPTIMAL_ML {
                    let mut new_len = m1.len.min(OPTIMAL_ML);
                    if ip + new_len > start2 + m2.len - MIN_MATCH {
                        new_len = start2 - ip + m2.len - MIN_MATCH;
                    }
                    if new_len > start2 - ip {
                        let correction = new_len - (start2 - ip);
                        start2 += correction;
                        m2.len -= correction;
                    }
                }
                if start2 + m2.len <= mflimit {
                    start3 = start2 + m2.len - 3;
                    m3 = tables
                        .wider_match(b, start3, start2, limit, m2.len, searches, patterns, false);
                    start3 -= m3.back;
                } else {
                    start3 = start2;
                    m3 = none;
                }
                if m3.len <= m2.len {
                    // Nothing better ahead: write m1 (cut where m2 starts) and m2.
                    if start2 < ip + m1.len {
                        m1.len = start2 - ip;
                    }
                    encode(&mut enc, buf, &mut ip, &mut anchor, m1.len, m1.off);
                    ip = start2;
                    encode(&mut enc, buf, &mut ip, &mut anchor, m2.len, m2.off);
                    continue 'main;
                }
                if start3 < ip + m1.len + 3 {
                    // No room for m2 between m1 and m3: drop m2.
                    if start3 >= ip + m1.len {
                        // m3 starts after m1: write m1, and m3 becomes the first match.
                        if start2 < ip + m1.len {
                            let correction = ip + m1.len - start2;
                            start2 += correction;
                            m2.len -= correction;
                            if m2.len < MIN_MATCH {
                                start2 = start3;
                                m2 = m3;
                            }
                        }
                        encode(&mut enc, buf, &mut ip, &mut anchor, m1.len, m1.off);
                        ip = start3;
                        m1 = m3;
                        start0 = start2;
                        m0 = m2;
                        continue 'search2;
                    }
                    start2 = start3;
                    m2 = m3;
                    continue 'search3;
                }
                // Three ascending matches: write m1, cut to let m2 start where it pays.
                if start2 < ip + m1.len {
                    if start2 - ip < OPTIMAL_ML {
                        m1.len = m1.len.min(OPTIMAL_ML);
                        if ip + m1.len > start2 + m2.len - MIN_MATCH {
                            m1.len = start2 - ip + m2.len - MIN_MATCH;
                        }
                        if m1.len > start2 - ip {
                            let correction = m1.len - (start2 - ip);
                            start2 += correction;
                            m2.len -= correction;
                        }
                    } else {
                        m1.len = start2 - ip;
                    }
                }
                encode(&mut enc, buf, &mut ip, &mut anchor, m1.len, m1.off);
                ip = start2;
                m1 = m2;
                start2 = start3;
                m2 = m3;
            }
        }
    }
    enc.last_literals(&buf[anchor..end]);
    enc.op
}
