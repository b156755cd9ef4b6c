#!/usr/bin/env bash
# Regenerates every file of tests/fixtures/ except README.md: the inputs and dictionaries
# (peers/gen_data.py), the streams written by the two real peers, and MANIFEST.
#
#   bash peers/install.sh && bash peers/make_fixtures.sh
#
# Deterministic: two runs give byte-identical files. Every stream is checked before it is
# listed: the peer that wrote it decodes it back to the raw file, and so does the other peer
# where it can (python-lz4 reads liblz4's double-buffer streams without an end marker; liblz4
# reads everything, ring-buffer streams with its ring decoder).
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="$REPO/tests/fixtures"
CPEER="$REPO/target/peers/lz4peer"
PYTHON="$REPO/.venv-peers/bin/python"
PYPEER="$REPO/peers/pylz4_peer.py"

if [ ! -x "$CPEER" ] || ! "$PYTHON" -c "import lz4.stream" 2>/dev/null; then
    echo "make_fixtures.sh: peers missing; run: bash peers/install.sh" >&2
    exit 1
fi

mkdir -p "$OUT"
cd "$OUT"
rm -f ./*.lz4s ./*.sizes ./*.raw ./*.bin MANIFEST
"$PYTHON" "$REPO/peers/gen_data.py" .

TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT

cpeer() { "$CPEER" "$@"; }
pypeer() { "$PYTHON" "$PYPEER" "$@"; }

# decodes_to RAW CMD...: does CMD (reading the stream on stdin) print exactly RAW?
decodes_to() {
    local raw=$1 stream=$2
    shift 2
    "$@" < "$stream" > "$TMP/out" 2> "$TMP/err" && cmp -s "$TMP/out" "$raw"
}

count=0
{
    echo "# LZ4 stream fixtures written by real peers; regenerate with:"
    echo "#   bash peers/install.sh && bash peers/make_fixtures.sh"
    echo "# One line per fixture (paths relative to tests/fixtures/):"
    echo "#   NAME peer=<pylz4|liblz4> page=<N> prefix=<0|1|2|4> strategy=<double|ring> dict=<FILE|-> end_marker=<0|1> raw=<FILE> mode=<default|hc>"
    echo "# NAME.lz4s is the stream, NAME.sizes its block sizes when prefix=0 (one decimal per line)."
    echo "# The comment above each line is the command that wrote it (peers/README.md) and notes:"
    echo "#   refs-block-n-2: a double-buffer decoder (liblz4's or python-lz4's) with pages twice as large"
    echo "#     fails on it: a block refers to the tail of block N-2 still in the double buffer (SPEC 1.1)"
    echo "#   refs-beyond-n-1: liblz4's double-buffer decoder fails on it (or decodes wrong bytes): blocks"
    echo "#     refer further back than the previous block (ring buffer)"
} > MANIFEST

# fx NAME PEER PAGE PREFIX STRATEGY DICT END_MARKER RAW MODE CHUNKS [RING]
#   MODE: default | hc:LEVEL     CHUNKS: full | random:SEED | list:N,...  (0 = an empty block)
#   RING: ring size (liblz4 ring only)
fx() {
    local name=$1 peer=$2 page=$3 prefix=$4 strategy=$5 dict=$6 end=$7 raw=$8 mode=$9 chunks=${10}
    local ring=${11:-}
    local common=(--page "$page" --prefix "$prefix")
    [ "$prefix" = 0 ] && common+=(--sizes "$name.sizes")
    [ "$dict" != - ] && common+=(--dict "$dict")
    [ "$end" = 1 ] && common+=(--end-marker)
    local dec=("${common[@]}" --strategy "$strategy")
    [ -n "$ring" ] && dec+=(--ring "$ring")
    local comp=("${dec[@]}" --chunks "$chunks")
    local mmode=default
    case "$mode" in
        default) ;;
        hc:*) comp+=(--hc "${mode#hc:}"); mmode=hc ;;
        *) echo "bad mode $mode" >&2; exit 1 ;;
    esac
    local writer
    case "$peer" in
        pylz4) writer=pypeer ;;
        liblz4) writer=cpeer ;;
        *) echo "bad peer $peer" >&2; exit 1 ;;
    esac

    "$writer" compress "${comp[@]}" < "$raw" > "$name.lz4s"

    # The writer reads its own stream back.
    if ! decodes_to "$raw" "$name.lz4s" "$writer" decompress "${dec[@]}"; then
        echo "make_fixtures.sh: $name: $peer cannot read back its own stream" >&2
        cat "$TMP/err" >&2
        exit 1
    fi
    # The other peer reads it too, where it can.
    local plain=(--page "$page" --prefix "$prefix")
    [ "$prefix" = 0 ] && plain+=(--sizes "$name.sizes")
    [ "$dict" != - ] && plain+=(--dict "$dict")
    local emflag=()
    [ "$end" = 1 ] && emflag=(--end-marker)
    if ! decodes_to "$raw" "$name.lz4s" cpeer decompress "${plain[@]}" "${emflag[@]}" --strategy ring; then
        echo "make_fixtures.sh: $name: liblz4's ring decoder cannot read it" >&2
        cat "$TMP/err" >&2
        exit 1
    fi
    local notes=()
    if [ "$strategy" = double ]; then
        if ! decodes_to "$raw" "$name.lz4s" cpeer decompress "${plain[@]}" "${emflag[@]}" --strategy double; then
            echo "make_fixtures.sh: $name: liblz4's double-buffer decoder cannot read it" >&2
            cat "$TMP/err" >&2
            exit 1
        fi
        if [ "$end" = 0 ] && ! decodes_to "$raw" "$name.lz4s" pypeer decompress "${plain[@]}"; then
            echo "make_fixtures.sh: $name: python-lz4 cannot read it" >&2
            cat "$TMP/err" >&2
            exit 1
        fi
        # A double-buffer decoder with pages twice as large keeps only block N-1 as history.
        local big=(--page $((page * 2)) "${plain[@]:2}" "${emflag[@]}")
        if ! decodes_to "$raw" "$name.lz4s" cpeer decompress "${big[@]}" --strategy double; then
            notes+=(refs-block-n-2)
        fi
    else
        if ! decodes_to "$raw" "$name.lz4s" cpeer decompress "${plain[@]}" "${emflag[@]}" --strategy double; then
            notes+=(refs-beyond-n-1)
        fi
    fi

    local prog=lz4peer
    [ "$peer" = pylz4 ] && prog=pylz4_peer.py
    local blocks
    if [ "$prefix" = 0 ]; then blocks=$(wc -l < "$name.sizes"); else blocks='?'; fi
    {
        echo "# $name: $prog compress ${comp[*]} < $raw > $name.lz4s${notes:+  [${notes[*]}]}"
        echo "$name peer=$peer page=$page prefix=$prefix strategy=$strategy dict=$dict end_marker=$end raw=$raw mode=$mmode"
    } >> MANIFEST
    count=$((count + 1))
}

T=data_text.raw t=data_text_40k.raw B=data_binary.raw R=data_runs.raw X=data_random.raw M=data_mixed.raw
S=data_small.raw E=data_empty.raw D32=dict_32k.bin D100=dict_100k.bin

echo "#" >> MANIFEST
echo "# Group A: python-lz4 4.4.5 lz4.stream (double buffer), widths 1/2/4/0, pages 1/239/941/65264/65536/1 MiB" >> MANIFEST
#  NAME                         PEER   PAGE    W STRAT  DICT END RAW MODE     CHUNKS
fx py_w1_p1_small               pylz4  1       1 double -    0   $S  default  full
fx py_w1_p239_binary            pylz4  239     1 double -    0   $B  default  full
fx py_w1_p239_runs_rand         pylz4  239     1 double -    0   $R  default  random:1
fx py_w1_p239_small_d32k        pylz4  239     1 double $D32 0   $S  default  full
fx py_w1_p239_small_rand_hc     pylz4  239     1 double -    0   $S  hc:9     random:2
fx py_w2_p1_small_d100k         pylz4  1       2 double $D100 0  $S  default  full
fx py_w2_p941_text              pylz4  941     2 double -    0   $t  default  full
fx py_w2_p941_binary_rand       pylz4  941     2 double -    0   $B  default  random:3
fx py_w2_p941_runs_d100k        pylz4  941     2 double $D100 0  $R  default  full
fx py_w2_p941_text_rand_hc       pylz4  941     2 double -    0   $t  hc:12    random:4
fx py_w2_p65264_text            pylz4  65264   2 double -    0   $T  default  full
fx py_w2_p65264_binary_rand_d32k pylz4 65264   2 double $D32 0   $B  default  random:5
fx py_w4_p1_small               pylz4  1       4 double -    0   $S  default  full
fx py_w4_p941_runs              pylz4  941     4 double -    0   $R  default  full
fx py_w4_p941_text_rand_d32k    pylz4  941     4 double $D32 0   $t  default  random:6
fx py_w4_p65536_text            pylz4  65536   4 double -    0   $T  default  full
fx py_w4_p65536_text_rand       pylz4  65536   4 double -    0   $T  default  random:7
fx py_w4_p65536_mixed           pylz4  65536   4 double -    0   $M  default  full
fx py_w4_p65536_random          pylz4  65536   4 double -    0   $X  default  full
fx py_w4_p65536_text_d100k      pylz4  65536   4 double $D100 0  $T  default  full
fx py_w4_p65536_binary_d32k_hc  pylz4  65536   4 double $D32 0   $B  hc:9     full
fx py_w4_p65536_mixed_rand_d100k_hc pylz4 65536 4 double $D100 0 $M  hc:4     random:8
fx py_w4_p65536_empty           pylz4  65536   4 double -    0   $E  default  full
fx py_w4_p1048576_text          pylz4  1048576 4 double -    0   $T  default  full
fx py_w0_p1_small               pylz4  1       0 double -    0   $S  default  full
fx py_w0_p941_binary            pylz4  941     0 double -    0   $B  default  full
fx py_w0_p941_runs_rand_d32k    pylz4  941     0 double $D32 0   $R  default  random:9
fx py_w0_p65536_text            pylz4  65536   0 double -    0   $T  default  full
fx py_w0_p65536_mixed_rand_hc   pylz4  65536   0 double -    0   $M  hc:9     random:10
fx py_w2_p941_text_empties      pylz4  941     2 double -    0   $t  default  list:941,0,500,941,941,0,0,300
fx py_w0_p941_empty             pylz4  941     0 double -    0   $E  default  full

echo "#" >> MANIFEST
echo "# Group B: liblz4 1.9.4 streaming API, double buffer (char buf[2][page])" >> MANIFEST
fx c_dbl_w1_p239_small          liblz4 239     1 double -    0   $S  default  full
fx c_dbl_w1_p239_runs_rand_em   liblz4 239     1 double -    1   $R  default  random:11
fx c_dbl_w1_p77_small_rand_d32k liblz4 77      1 double $D32 0   $S  default  random:12
fx c_dbl_w2_p941_binary         liblz4 941     2 double -    0   $B  default  full
fx c_dbl_w2_p941_text_rand_d100k_em liblz4 941 2 double $D100 1  $t  default  random:13
fx c_dbl_w2_p4096_text          liblz4 4096    2 double -    0   $t  default  full
fx c_dbl_w2_p4096_runs_rand_hc  liblz4 4096    2 double -    0   $R  hc:4     random:14
fx c_dbl_w2_p12345_text         liblz4 12345   2 double -    0   $T  default  full
fx c_dbl_w4_p1_small_em         liblz4 1       4 double -    1   $S  default  full
fx c_dbl_w4_p941_text_rand      liblz4 941     4 double -    0   $t  default  random:15
fx c_dbl_w4_p4096_text_rand_d32k liblz4 4096   4 double $D32 0   $t  default  random:16
fx c_dbl_w4_p65536_text_em      liblz4 65536   4 double -    1   $T  default  full
fx c_dbl_w4_p65536_binary_rand  liblz4 65536   4 double -    0   $B  default  random:17
fx c_dbl_w4_p65536_mixed_d100k  liblz4 65536   4 double $D100 0  $M  default  full
fx c_dbl_w4_p65536_text_hc      liblz4 65536   4 double -    0   $T  hc:12    full
fx c_dbl_w4_p100000_mixed_rand  liblz4 100000  4 double -    0   $M  default  random:18
fx c_dbl_w4_p65536_empty_em     liblz4 65536   4 double -    1   $E  default  full
fx c_dbl_w4_p4096_binary_empties liblz4 4096  4 double -    0   $B  default  list:4096,4096,0,1000,4095,0
fx c_dbl_w0_p4096_text          liblz4 4096    0 double -    0   $t  default  full
fx c_dbl_w0_p65536_mixed_rand_d32k liblz4 65536 0 double $D32 0  $M  default  random:19

echo "#" >> MANIFEST
echo "# Group C: liblz4 1.9.4 streaming API, ring buffer (65536 + page bytes unless noted)" >> MANIFEST
fx c_ring_w1_p239_text          liblz4 239     1 ring   -    0   $t  default  full
fx c_ring_w1_p239_binary_rand_em liblz4 239    1 ring   -    1   $B  default  random:20
fx c_ring_w1_p1_small_d32k      liblz4 1       1 ring   $D32 0   $S  default  full
fx c_ring_w2_p941_text          liblz4 941     2 ring   -    0   $t  default  full
fx c_ring_w2_p941_text_rand_d32k  liblz4 941   2 ring   $D32 0   $t  default  random:21
fx c_ring_w2_p4096_text_rand_em liblz4 4096    2 ring   -    1   $t  default  random:22
fx c_ring_w2_p12345_binary_hc   liblz4 12345   2 ring   -    0   $B  hc:9     full
fx c_ring_w4_p4096_runs         liblz4 4096    4 ring   -    0   $R  default  full
fx c_ring_w4_p4096_text_rand_d100k liblz4 4096 4 ring   $D100 0  $t  default  random:23
fx c_ring_w4_p65536_text        liblz4 65536   4 ring   -    0   $T  default  full
fx c_ring_w4_p65536_mixed_rand_em liblz4 65536 4 ring   -    1   $M  default  random:24
fx c_ring_w4_p65536_text_rand_d32k_hc liblz4 65536 4 ring $D32 0 $T  hc:9     random:25
fx c_ring_w4_p1024_text_rand_ring9k liblz4 1024 4 ring  -    0   $t  default  random:26 9216
fx c_ring_w2_p941_text_empties_em liblz4 941   2 ring   -    1   $t  default  list:941,0,17,900,0,0,941
fx c_ring_w0_p941_text_rand     liblz4 941     0 ring   -    0   $t  default  random:27

echo "make_fixtures.sh: $count fixtures in $OUT" >&2
