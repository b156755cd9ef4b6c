#!/usr/bin/env bash
# Sanity check of the two peers against each other (no Rust involved):
# round trips C->C, py->py, C->py, py->C over page sizes, prefix widths, chunkings and
# dictionaries; ring-buffer C->C; the layouts of real programs (RenderDoc's separate pages, lz4's
# ring example); and the error exits both peers promise.
#
#   bash peers/install.sh && bash peers/selftest.sh
set -uo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CPEER="$REPO/target/peers/lz4peer"
PYTHON="$REPO/.venv-peers/bin/python"
PYPEER="$REPO/peers/pylz4_peer.py"
if [ ! -x "$CPEER" ] || ! "$PYTHON" -c "import lz4.stream" 2>/dev/null; then
    echo "selftest.sh: peers missing; run: bash peers/install.sh" >&2
    exit 1
fi
c() { "$CPEER" "$@"; }
py() { "$PYTHON" "$PYPEER" "$@"; }

W="$(mktemp -d)"
trap 'rm -rf "$W"' EXIT
"$PYTHON" "$REPO/peers/gen_data.py" "$W/data"
D="$W/data"

passed=0
failed=0
ok() { passed=$((passed + 1)); }
ko() { failed=$((failed + 1)); echo "FAIL: $*" >&2; [ -s "$W/err" ] && sed 's/^/    /' "$W/err" >&2; }

# roundtrip LABEL RAW "WRITER ARGS" "READER ARGS"
roundtrip() {
    local label=$1 raw=$2 writer=$3 reader=$4
    if $writer < "$raw" > "$W/s" 2> "$W/err" && $reader < "$W/s" > "$W/out" 2> "$W/err" \
        && cmp -s "$W/out" "$raw"; then
        ok
    else
        ko "$label: $writer | $reader"
    fi
}

# expect_exit LABEL CODE INPUT CMD...
expect_exit() {
    local label=$1 want=$2 input=$3
    shift 3
    "$@" < "$input" > "$W/out" 2> "$W/err"
    local got=$?
    if [ "$got" = "$want" ]; then ok; else ko "$label: exit $got, want $want: $*"; fi
}

identical=0
different=0
for spec in "1 1 small" "1 4 small" "1 0 small" "239 1 text_40k" "239 2 binary" \
            "941 2 text_40k" "941 4 mixed" "941 0 runs" "4096 4 text" "4096 0 binary" \
            "65264 2 text" "65536 4 mixed" "65536 0 text" "65536 4 random" "65536 4 empty" \
            "1048576 4 text"; do
    set -- $spec
    page=$1 w=$2 raw="$D/data_$3.raw"
    for chunks in full random:7; do
        for dict in "" "--dict $D/dict_32k.bin" "--dict $D/dict_100k.bin"; do
            [ "$page" = 1 ] && [ "$chunks" != full ] && continue
            sz=""
            [ "$w" = 0 ] && sz="--sizes $W/sizes"
            common="--page $page --prefix $w $sz $dict"
            label="page=$page w=$w $3 $chunks ${dict:+dict}"
            roundtrip "C->C double $label" "$raw" "c compress $common --chunks $chunks" "c decompress $common"
            cp "$W/s" "$W/c.lz4s"
            roundtrip "py->py $label" "$raw" "py compress $common --chunks $chunks" "py decompress $common"
            cp "$W/s" "$W/p.lz4s"
            if cmp -s "$W/c.lz4s" "$W/p.lz4s"; then
                identical=$((identical + 1))
            else
                different=$((different + 1))
            fi
            roundtrip "C->py $label" "$raw" "c compress $common --chunks $chunks" "py decompress $common"
            roundtrip "py->C double $label" "$raw" "py compress $common --chunks $chunks" "c decompress $common"
            roundtrip "py->C ring $label" "$raw" "py compress $common --chunks $chunks" "c decompress $common --strategy ring"
            roundtrip "C ring->C ring $label" "$raw" "c compress $common --chunks $chunks --strategy ring" "c decompress $common --strategy ring"
            roundtrip "C ring hc->C ring $label" "$raw" "c compress $common --chunks $chunks --strategy ring --hc 9" "c decompress $common --strategy ring"
            roundtrip "py hc->C double $label" "$raw" "py compress $common --chunks $chunks --mode high_compression --level 9" "c decompress $common"
        done
    done
done
# End markers and small synchronized rings (C only).
T="$D/data_text_40k.raw"
roundtrip "C end marker" "$T" "c compress --page 941 --prefix 2 --end-marker" "c decompress --page 941 --prefix 2 --end-marker"
roundtrip "C end marker, reader without flag" "$T" "c compress --page 941 --prefix 2 --end-marker" "c decompress --page 941 --prefix 2"
roundtrip "C ring 9216 synchronized" "$T" "c compress --page 1024 --strategy ring --ring 9216 --chunks random:3" "c decompress --page 1024 --strategy ring --ring 9216"
roundtrip "C ring 9216 -> default ring" "$T" "c compress --page 1024 --strategy ring --ring 9216 --chunks random:3" "c decompress --page 1024 --strategy ring"
roundtrip "C fast accel 8 -> py" "$T" "c compress --page 4096 --accel 8" "py decompress --page 4096"
roundtrip "py fast accel 8 -> C" "$T" "py compress --page 4096 --mode fast --acceleration 8" "c decompress --page 4096"

# The layouts of real programs (peers/README.md): RenderDoc's separate pages, lz4's ring example.
roundtrip "C pages (RenderDoc) -> C pages" "$T" "c compress --page 4096 --strategy pages --accel 20" "c decompress --page 4096 --strategy pages"
roundtrip "C pages (RenderDoc) -> py" "$T" "c compress --page 4096 --strategy pages --accel 20" "py decompress --page 4096"
roundtrip "py -> C pages" "$T" "py compress --page 4096 --mode fast --acceleration 20" "c decompress --page 4096 --strategy pages"
roundtrip "C ring example -> its decoder" "$T" "c compress --page 1024 --strategy ring --ring 9216 --wrap-early --accel 0 --end-marker --chunks libc-rand" "c decompress --page 1024 --strategy ring --ring 10240 --wrap-early --end-marker"

roundtrip "C empty chunks -> py" "$T" "c compress --page 941 --prefix 2 --chunks list:941,0,500,0,0,300" "py decompress --page 941 --prefix 2"
roundtrip "py empty chunks -> C" "$T" "py compress --page 941 --prefix 1 --page 239 --chunks list:239,0,100,0,0,239,239" "c decompress --page 239 --prefix 1"
roundtrip "C ring empty chunks -> C ring" "$T" "c compress --page 941 --strategy ring --chunks list:941,0,500,0,0,300" "c decompress --page 941 --strategy ring"

# Error exits.
c compress --page 941 --prefix 2 < "$T" > "$W/plain.lz4s"
c compress --page 941 --prefix 2 --end-marker < "$T" > "$W/em.lz4s"
head -c 5000 "$W/plain.lz4s" > "$W/trunc_block.lz4s"
head -c 1 "$W/plain.lz4s" > "$W/trunc_prefix.lz4s"
printf '\377\377\377\377' > "$W/huge.lz4s"
printf '\005\000\000\000\377\377\377\377\377' > "$W/bad.lz4s"
{ cat "$W/em.lz4s"; printf 'trailing garbage'; } > "$W/em_trailing.lz4s"
c compress --page 941 --prefix 0 --sizes "$W/p0.sizes" < "$T" > "$W/p0.lz4s"
{ cat "$W/p0.lz4s"; printf 'x'; } > "$W/p0_extra.lz4s"
printf '0\n' > "$W/zero.sizes"
: > "$W/empty"
for peer in c py; do
    expect_exit "$peer truncated block" 1 "$W/trunc_block.lz4s" $peer decompress --page 941 --prefix 2
    expect_exit "$peer truncated prefix" 1 "$W/trunc_prefix.lz4s" $peer decompress --page 941 --prefix 2
    expect_exit "$peer prefix above bound" 1 "$W/huge.lz4s" $peer decompress
    expect_exit "$peer corrupt block" 1 "$W/bad.lz4s" $peer decompress
    expect_exit "$peer extra input after out-of-band sizes" 1 "$W/p0_extra.lz4s" $peer decompress --page 941 --prefix 0 --sizes "$W/p0.sizes"
    expect_exit "$peer out-of-band size 0" 1 "$W/empty" $peer decompress --prefix 0 --sizes "$W/zero.sizes"
    expect_exit "$peer empty stream" 0 "$W/empty" $peer decompress
    expect_exit "$peer page too large for 1-byte prefix" 2 "$W/empty" $peer compress --page 240 --prefix 1
    expect_exit "$peer page too large for 2-byte prefix" 2 "$W/empty" $peer compress --page 65265 --prefix 2
    expect_exit "$peer largest page for 2-byte prefix" 0 "$W/empty" $peer compress --page 65264 --prefix 2
    expect_exit "$peer --prefix 0 without --sizes" 2 "$W/empty" $peer compress --prefix 0
    expect_exit "$peer --prefix 3" 2 "$W/empty" $peer compress --prefix 3
    expect_exit "$peer --page 0" 2 "$W/empty" $peer compress --page 0
    expect_exit "$peer unknown option" 2 "$W/empty" $peer compress --bogus
    expect_exit "$peer bad --chunks" 2 "$W/empty" $peer compress --chunks random:x
    expect_exit "$peer --chunks list of zeros" 2 "$W/empty" $peer compress --chunks list:0,0
    expect_exit "$peer --chunks list above the page" 2 "$W/empty" $peer compress --page 10 --chunks list:5,11
done
expect_exit "C end marker required but missing" 1 "$W/plain.lz4s" c decompress --page 941 --prefix 2 --end-marker
expect_exit "C stops at the end marker" 0 "$W/em_trailing.lz4s" c decompress --page 941 --prefix 2 --end-marker
expect_exit "C --end-marker with --prefix 0" 2 "$W/empty" c compress --prefix 0 --sizes "$W/x" --end-marker
expect_exit "py rejects a zero prefix (end marker)" 1 "$W/em.lz4s" py decompress --page 941 --prefix 2
expect_exit "py --strategy ring" 2 "$W/empty" py compress --strategy ring
expect_exit "py --strategy pages" 2 "$W/empty" py compress --strategy pages
expect_exit "C --wrap-early without ring" 2 "$W/empty" c compress --wrap-early
expect_exit "C --ring with pages" 2 "$W/empty" c compress --strategy pages --ring 9216
expect_exit "C --accel above 65537" 2 "$W/empty" c compress --accel 65538
expect_exit "py --end-marker" 2 "$W/empty" py decompress --end-marker

# Known pitfall of liblz4's double-buffer pattern (python-lz4 included): a full page in page 0,
# an empty chunk, then a full page gives a stream that every decoder decodes to wrong bytes
# (liblz4 keeps the overwritten page as the dictionary). Reported, not asserted.
head -c 12288 "$T" > "$W/three_pages"
c compress --page 4096 --chunks list:4096,0,4096 < "$W/three_pages" > "$W/trap.lz4s"
if c decompress --page 4096 < "$W/trap.lz4s" 2>/dev/null | cmp -s - "$W/three_pages"; then
    echo "note: chunks 4096,0,4096 in a double buffer round-trip (the liblz4 pitfall is gone)" >&2
else
    echo "note: chunks 4096,0,4096 in a double buffer do not round-trip (liblz4 pitfall, see peers/README.md)" >&2
fi
echo "note: C double-buffer and python-lz4 streams were byte-identical in $identical of $((identical + different)) configurations" >&2
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
