//! Levels 10 to 12: the optimal parser (liblz4's `LZ4HC_compress_optimal`).
//!
//! From a position with a match, the parser prices every position ahead (up to 4 KiB) by the
//! cheapest way found to reach it: literals, or a match of any length from one of the
//! positions before it, each sequence costing its token, offset and length bytes. It searches
//! for matches at the positions where a match may lower the price (level 12: also where a
//! short match would avoid a rise just after), then walks back from the end along the cheapest
//! path and writes its sequences. A match at least as long as the level's target length is
//! written at once, without pricing.

use super::super::encode::Encoder;
use super::super::MIN_MATCH;
use super::chain::encode;
use super::search::{Block, Match, Tables};
use super::LevelParams;

/// The most positions priced at once (liblz4's `LZ4_OPT_NUM`).
pub(crate) const OPT_NUM: usize = 1 << 12;

/// Positions priced past the last match, as literals.
pub(crate) const TRAILING_LITERALS: usize = 3;

/// Blocks shorter than this are all literals. (Unlike the other methods, liblz4's optimal
/// parser does not check `LZ4_minLength`, 13: a block of exactly 12 bytes gets a search at its
/// first byte.)
const MIN_LENGTH: usize = super::super::MFLIMIT;

/// The cheapest way found to reach one position (liblz4's `LZ4HC_optimal_t`).
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Price {
    /// Bytes of output.
    price: usize,
    /// The offset of the match that ends here (0 for a literal).
    off: usize,
    /// The length of that match, or 1 for a literal.
    len: usize,
    /// The literals before that match (or the literal run this literal belongs to).
    literals: usize,
}

/// The bytes that `literals` literals cost.
#[inline(always)]
fn literals_price(literals: usize) -> usize {
    if literals >= 15 {
        literals + 1 + (literals - 15) / 255
    } else {
        literals
    }
}

/// The bytes of a sequence of `literals` literals and a match of `len`.
#[inline(always)]
fn sequence_price(literals: usize, len: usize) -> usize {
    let extra = if len >= 19 { 1 + (len - 19) / 255 } else { 0 };
    3 + literals_price(literals) + extra
}

/// The longest match at `ip` longer than `min_len`, or none (liblz4's
/// `LZ4HC_FindLongerMatch`).
#[inline(always)]
fn longer_match(
    tables: &mut Tables,
    b: &Block,
    ip: usize,
    limit: usize,
    min_len: usize,
    searches: u32,
) -> Match {
    let found = tables.wider_match(b, ip, ip, limit, min_len, searches, true, true);
    if found.len <= min_len {
        Match::default()
    } else {
        found
    }
}

/// Compresses the block; returns its length in `out`.
pub(super) fn compress(
    tables: &mut Tables,
    b: &Block,
    out: &mut [u8],
    opt: &mut [Price],
    params: LevelParams,
    full_update: bool,
) -> usize {
    let buf = b.buf;
    let mut enc = Encoder { out, op: 0 };
    let (mut ip, mut anchor, end) = (b.start, b.start, b.end);
    if end - ip < MIN_LENGTH {
        enc.last_literals(&buf[anchor..end]);
        return enc.op;
    }
    let searches = params.searches;
    let sufficient = params.target_length.min(OPT_NUM - 1);
    let mflimit = b.mflimit();
    let limit = b.match_limit();

    while ip <= mflimit {
        let literals = ip - anchor;
        let first = longer_match(tables, b, ip, limit, MIN_MATCH - 1, searches);
        if first.len == 0 {
            ip += 1;
            continue;
        }
        if first.len > sufficient {
            // Good enough: write it at once.
            encode(&mut enc, buf, &mut ip, &mut anchor, first.len, first.off);
            continue;
        }

        // The first positions as literals, then every length of the first match.
        for (r, slot) in opt.iter_mut().enumerate().take(MIN_MATCH) {
            *slot = Price {
                price: literals_price(literals + r),
                off: 0,
                len: 1,
                literals: literals + r,
            };
        }
        for (len, slot) in opt
            .iter_mut()
            .enumerate()
            .take(first.len + 1)
            .skip(MIN_MATCH)
        {
            *slot = Price {
                price: sequence_price(literals, len),
                off: first.off,
                len,
                literals,
            };
        }
        let mut last_match_pos = first.len;
        add_trailing_literals(opt, last_match_pos);

        // Then every further position that a match might make cheaper.
        let mut best: Option<(usize, usize, usize)> = None;
        let mut cur = 1;
        while cur < last_match_pos {
            let cur_ip = ip + cur;
            if cur_ip > mflimit {
                break;
            }
            if full_update {
                // Skip if the next position is no dearer, unless the price rises sharply just
                // after (a short match would still pay).
                if opt[cur + 1].price <= opt[cur].price
                    && opt[cur + MIN_MATCH].price < opt[cur].price + 3
                {
                    cur += 1;
                    continue;
                }
            } else if opt[cur + 1].price <= opt[cur].price {
                cur += 1;
                continue;
            }
            let min_len = if full_update {
                MIN_MATCH - 1
            } else {
                last_match_pos - cur
            };
            let found = longer_match(tables, b, cur_ip, limit, min_len, searches);
            if found.len == 0 {
                cur += 1;
                continue;
            }
            if found.len > sufficient || found.len + cur >= OPT_NUM {
                // Good enough, or past what can be priced: take it now.
                best = Some((cur, found.len, found.off));
                last_match_pos = cur + 1;
                break;
            }
            // Literals after this position, continuing its literal run.
            let base_literals = opt[cur].literals;
            for extra in 1..MIN_MATCH {
                let price = opt[cur].price - literals_price(base_literals)
                    + literals_price(base_literals + extra);
                let pos = cur + extra;
                if price < opt[pos].price {
                    opt[pos] = Price {
                        price,
                        off: 0,
                        len: 1,
                        literals: base_literals + extra,
                    };
                }
            }
            // Every length of the match found here.
            for len in MIN_MATCH..=found.len {
                let pos = cur + len;
                let (price, ll) = if opt[cur].len == 1 {
                    let ll = opt[cur].literals;
                    let before = if cur > ll { opt[cur - ll].price } else { 0 };
                    (before + sequence_price(ll, len), ll)
                } else {
                    (opt[cur].price + sequence_price(0, len), 0)
                };
                if pos > last_match_pos + TRAILING_LITERALS || price <= opt[pos].price {
                    if len == found.len && last_match_pos < pos {
                        last_match_pos = pos;
                    }
                    opt[pos] = Price {
                        price,
                        off: found.off,
                        len,
                        literals: ll,
                    };
                }
            }
            add_trailing_literals(opt, last_match_pos);
            cur += 1;
        }

        let (mut cur, best_len, best_off) = match best {
            Some(b) => b,
            None => {
                let last = opt[last_match_pos];
                (last_match_pos - last.len, last.len, last.off)
            }
        };

        // Walk back along the cheapest path, leaving each step's sequence at its start.
        let mut selected_len = best_len;
        let mut selected_off = best_off;
        loop {
            let next_len = opt[cur].len;
            let next_off = opt[cur].off;
            opt[cur].len = selected_len;
            opt[cur].off = selected_off;
            selected_len = next_len;
            selected_off = next_off;
            if next_len > cur {
                break;
            }
            cur -= next_len;
        }

        // Write the path's sequences in order.
        let mut r = 0;
        while r < last_match_pos {
            let Price { len, off, .. } = opt[r];
            if len == 1 {
                ip += 1;
                r += 1;
                continue;
            }
            r += len;
            encode(&mut enc, buf, &mut ip, &mut anchor, len, off);
        }
    }
    enc.last_literals(&buf[anchor..end]);
    enc.op
}

/// Prices the positions just past `last` as literals after it.
#[inline(always)]
fn add_trailing_literals(opt: &mut [Price], last: usize) {
    for extra in 1..=TRAILING_LITERALS {
        opt[last + extra] = Price {
            price: opt[last].price + literals_price(extra),
            off: 0,
            len: 1,
            literals: extra,
        };
    }
}
