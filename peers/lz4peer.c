/*
 * lz4peer: a reference peer for the LZ4 *stream* format, written on liblz4's streaming
 * API (LZ4_compress_fast_continue / LZ4_compress_HC_continue / LZ4_decompress_safe_continue)
 * and laid out the way liblz4's users lay it out (lz4's examples
 * blockStreaming_doubleBuffer.c and blockStreaming_ringBuffer.c, and the lz4.h notes).
 *
 * Layouts (--strategy):
 *   double  char buf[2][page], two adjacent pages; chunk/block i in buf[i % 2]
 *           (blockStreaming_doubleBuffer.c: --page 8192 --prefix 4 --end-marker).
 *   ring    one ring buffer (--ring BYTES); a chunk/block goes at the current offset, which
 *           wraps to 0 when fewer than a page remain after it, or, with --wrap-early, when at
 *           most a page remains (blockStreaming_ringBuffer.c: compress --page 1024 --ring 9216
 *           --wrap-early --accel 0 --end-marker --chunks libc-rand; its decoder: decompress
 *           --page 1024 --ring 10240 --wrap-early).
 *   pages   two pages allocated separately, never adjacent in memory, used in turn: liblz4
 *           sees each block's predecessor as an external dictionary (RenderDoc's
 *           LZ4Compressor / LZ4Decompressor, renderdoc/serialise/lz4io.cpp: --page 65536
 *           --prefix 4 --accel 20, no end marker).
 *
 *   lz4peer compress   [options] < raw    > stream
 *   lz4peer decompress [options] < stream > raw
 *
 * Stream: records of (W-byte little-endian block size, LZ4 block); W = 0 keeps the sizes in
 * a side file (--sizes), one decimal per line. See peers/README.md for every option.
 *
 * Exit status: 0 success, 1 error (bad input, I/O), 2 usage error.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <lz4.h>
#include <lz4hc.h>

#define WINDOW (64 * 1024)

enum strategy { DOUBLE_BUFFER, RING_BUFFER, SEPARATE_PAGES };

struct options {
    int compress;               /* 1 = compress, 0 = decompress */
    long page;                  /* max uncompressed bytes per block */
    int prefix;                 /* 0, 1, 2 or 4 */
    const char *sizes_path;     /* required iff prefix == 0 */
    enum strategy strategy;
    long ring;                  /* ring size in bytes, 0 = default */
    int wrap_early;             /* ring: wrap when at most a page remains (lz4's example) */
    const char *dict_path;
    int end_marker;
    int hc_level;               /* 0 = fast compressor */
    int accel;                  /* LZ4_compress_fast_continue acceleration (< 1 means 1) */
    int random_chunks;
    int libc_rand_chunks;       /* --chunks libc-rand: rand() % page + 1, never seeded */
    uint64_t seed;
    size_t *list;               /* --chunks list:...: lengths, cycled */
    size_t list_len;
};

static const char *prog = "lz4peer";

static void die(const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "%s: error: ", prog);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    exit(1);
}

static void usage(const char *fmt, ...);

static void help(void)
{
    usage("");
}

static void usage(const char *fmt, ...)
{
    int is_help = fmt != NULL && fmt[0] == '\0';
    if (is_help)
        fmt = NULL;
    if (fmt != NULL) {
        va_list ap;
        fprintf(stderr, "%s: ", prog);
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
        fprintf(stderr, "\n(%s --help for the options)\n", prog);
        exit(2);
    }
    fprintf(is_help ? stdout : stderr,
        "usage: %s compress|decompress [options] < input > output\n"
        "  --page N               max uncompressed bytes per block (default 65536)\n"
        "  --prefix 0|1|2|4       little-endian size prefix width (default 4);\n"
        "                         0 = sizes out of band, needs --sizes\n"
        "  --sizes FILE           block sizes, one decimal per line (written by compress,\n"
        "                         read by decompress); only with --prefix 0\n"
        "  --strategy double|ring|pages\n"
        "                         buffer layout (default double): two adjacent pages, a ring,\n"
        "                         or two separately allocated pages (RenderDoc's)\n"
        "  --ring BYTES           ring size (compress default 65536+page, 65536+2*page for\n"
        "                         pages over 64 KiB; decompress default\n"
        "                         max(LZ4_decoderRingBufferSize(page), 65536+8+2*page))\n"
        "  --wrap-early           ring: wrap to 0 when at most a page remains after the\n"
        "                         offset (lz4's blockStreaming_ringBuffer.c), not fewer\n"
        "  --dict FILE            initial dictionary (its last 64 KiB matter)\n"
        "  --end-marker           compress: write a zero prefix at the end;\n"
        "                         decompress: require one\n"
        "  --hc LEVEL             compress with LZ4_compress_HC_continue at LEVEL (1..12)\n"
        "  --accel N              acceleration of LZ4_compress_fast_continue, 0..65537\n"
        "                         (default 1; liblz4 takes 0 as 1)\n"
        "  --chunks full|random:SEED|list:N,N,...|libc-rand\n"
        "                         compress: full pages; xorshift64 lengths in 1..=page;\n"
        "                         these lengths, cycled (0 = an empty block); or\n"
        "                         rand() %% page + 1 from the C library's unseeded rand()\n",
        prog);
    exit(is_help ? 0 : 2);
}

/* ---------- I/O helpers ---------- */

/* Reads until n bytes or end of input; returns the count (< n only at end of input). */
static size_t read_full(int fd, void *buf, size_t n)
{
    size_t got = 0;
    while (got < n) {
        ssize_t r = read(fd, (char *)buf + got, n - got);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            die("read: %s", strerror(errno));
        }
        if (r == 0)
            break;
        got += (size_t)r;
    }
    return got;
}

static void write_all(const void *buf, size_t n)
{
    if (n > 0 && fwrite(buf, 1, n, stdout) != n)
        die("write: %s", strerror(errno));
}

static char *read_file(const char *path, long *len_out)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        die("%s: %s", path, strerror(errno));
    size_t cap = 1 << 16, len = 0;
    char *buf = malloc(cap);
    if (buf == NULL)
        die("out of memory");
    for (;;) {
        if (len == cap) {
            if (cap > (size_t)INT_MAX / 2)
                die("%s: too large", path);
            cap *= 2;
            buf = realloc(buf, cap);
            if (buf == NULL)
                die("out of memory");
        }
        size_t r = fread(buf + len, 1, cap - len, f);
        len += r;
        if (r == 0) {
            if (ferror(f))
                die("%s: read error", path);
            break;
        }
    }
    fclose(f);
    *len_out = (long)len;
    return buf;
}

static void store_le(unsigned char *p, int width, uint32_t v)
{
    for (int i = 0; i < width; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

static uint32_t load_le(const unsigned char *p, int width)
{
    uint32_t v = 0;
    for (int i = 0; i < width; i++)
        v |= (uint32_t)p[i] << (8 * i);
    return v;
}

/* ---------- chunk lengths ---------- */

/* xorshift64 (13, 7, 17); the state starts at SEED + 0x9E3779B97F4A7C15 (1 if that is 0).
 * A random chunk is 1 + next() % page bytes long. peers/pylz4_peer.py uses the same. */
static uint64_t rng_state;

static uint64_t rng_next(void)
{
    uint64_t x = rng_state;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    rng_state = x;
    return x;
}

static size_t list_pos;

static size_t next_chunk_len(const struct options *o)
{
    if (o->list_len > 0) {
        size_t n = o->list[list_pos];
        list_pos = (list_pos + 1) % o->list_len;
        return n;
    }
    if (o->libc_rand_chunks)
        return (size_t)(rand() % o->page) + 1;   /* as blockStreaming_ringBuffer.c */
    if (!o->random_chunks)
        return (size_t)o->page;
    return (size_t)(1 + rng_next() % (uint64_t)o->page);
}

/* ---------- buffer layouts ---------- */

/* Ring buffer: whether the next chunk/block goes back to offset 0. By default when fewer than
 * a page remain after the offset; with --wrap-early when at most a page remains, as lz4's
 * blockStreaming_ringBuffer.c does ("if (inpOffset >= RING_BUFFER_BYTES - MESSAGE_MAX_BYTES)
 * inpOffset = 0", and the same for its decoder). */
static int ring_wraps(const struct options *o, size_t ring_size, size_t offset)
{
    size_t left = ring_size - offset;
    return o->wrap_early ? left <= (size_t)o->page : left < (size_t)o->page;
}

/* --strategy pages: two pages of `page` bytes, each in an allocation of its own, aligned to 64
 * bytes (as RenderDoc's AllocAlignedBuffer), so that neither ends where the other starts and
 * liblz4 never sees two blocks as one contiguous prefix. Dies when out of memory. */
static void alloc_pages(char *pages[2], size_t page)
{
    for (int i = 0; i < 2; i++) {
        void *p = NULL;
        if (posix_memalign(&p, 64, page) != 0)
            die("out of memory");
        pages[i] = p;
    }
    uintptr_t a = (uintptr_t)pages[0], b = (uintptr_t)pages[1];
    if (a + page == b || b + page == a)
        die("--strategy pages: the two pages are adjacent in memory");
}

/* ---------- compress ---------- */

static int do_compress(const struct options *o)
{
    const int bound = LZ4_compressBound((int)o->page);
    uint64_t max_prefix = o->prefix == 1 ? 0xFFu : o->prefix == 2 ? 0xFFFFu : (uint64_t)INT_MAX;
    if (bound <= 0)
        usage("--page %ld is out of range", o->page);
    if (o->prefix != 0 && (uint64_t)bound > max_prefix)
        usage("--page %ld: LZ4_compressBound(page) = %d does not fit a %d-byte prefix",
              o->page, bound, o->prefix);

    long dict_len = 0;
    char *dict = o->dict_path ? read_file(o->dict_path, &dict_len) : NULL;

    LZ4_stream_t *fast = NULL;
    LZ4_streamHC_t *hc = NULL;
    if (o->hc_level > 0) {
        hc = LZ4_createStreamHC();
        if (hc == NULL)
            die("LZ4_createStreamHC failed");
        LZ4_resetStreamHC_fast(hc, o->hc_level);
        if (dict_len > 0)
            LZ4_loadDictHC(hc, dict, (int)dict_len);
    } else {
        fast = LZ4_createStream();
        if (fast == NULL)
            die("LZ4_createStream failed");
        if (dict_len > 0)
            LZ4_loadDict(fast, dict, (int)dict_len);
    }

    /* Input buffer: double = char buf[2][page]; ring = one ring of ring_size bytes; pages =
     * two separate pages (pages[]), inbuf unused.
     * The default ring is 64 KiB + page for pages up to 64 KiB. Larger pages need 64 KiB +
     * 2 * page: with a ring of 64 KiB + page, a chunk wrapped to the ring's start overwrites
     * bytes liblz4 still holds as the previous block's history, and liblz4 then writes blocks
     * that decode to wrong bytes (its own decoder included). */
    size_t page = (size_t)o->page;
    size_t default_ring = page <= WINDOW ? WINDOW + page : WINDOW + 2 * page;
    size_t ring_size = o->strategy == RING_BUFFER ? (o->ring ? (size_t)o->ring : default_ring)
                                                  : 2 * page;
    if (ring_size < page)
        usage("--ring %ld is smaller than the page", o->ring);
    char *inbuf = NULL, *pages[2] = {NULL, NULL};
    if (o->strategy == SEPARATE_PAGES)
        alloc_pages(pages, page);
    else if ((inbuf = malloc(ring_size)) == NULL)
        die("out of memory");
    unsigned char *out = malloc((size_t)o->prefix + (size_t)bound);
    if (out == NULL)
        die("out of memory");

    FILE *sizes = NULL;
    if (o->prefix == 0) {
        sizes = fopen(o->sizes_path, "w");
        if (sizes == NULL)
            die("%s: %s", o->sizes_path, strerror(errno));
    }

    int index = 0;        /* double buffer: which page */
    size_t offset = 0;    /* ring buffer: where the next chunk goes */
    for (;;) {
        size_t want = next_chunk_len(o);
        char *src = o->strategy == RING_BUFFER      ? inbuf + offset
                    : o->strategy == SEPARATE_PAGES ? pages[index]
                                                    : inbuf + (size_t)index * page;
        size_t n = want == 0 ? 0 : read_full(0, src, want);
        if (n == 0 && want != 0)
            break;   /* end of input (a listed length 0 makes an empty block) */
        int c = hc ? LZ4_compress_HC_continue(hc, src, (char *)out + o->prefix, (int)n, bound)
                   : LZ4_compress_fast_continue(fast, src, (char *)out + o->prefix, (int)n,
                                                bound, o->accel);
        if (c <= 0)
            die("compression failed (%d)", c);
        if (o->prefix != 0) {
            store_le(out, o->prefix, (uint32_t)c);
        } else if (fprintf(sizes, "%d\n", c) < 0) {
            die("%s: write error", o->sizes_path);
        }
        write_all(out, (size_t)o->prefix + (size_t)c);

        if (o->strategy == RING_BUFFER) {
            offset += n;
            if (ring_wraps(o, ring_size, offset))   /* not room for a full page: wrap */
                offset = 0;
        } else {
            index ^= 1;
        }
        if (n < want)
            break;   /* end of input */
    }
    if (o->end_marker) {
        unsigned char zero[4] = {0, 0, 0, 0};
        write_all(zero, (size_t)o->prefix);
    }
    if (fflush(stdout) != 0)
        die("write: %s", strerror(errno));
    if (sizes != NULL && fclose(sizes) != 0)
        die("%s: write error", o->sizes_path);

    if (hc)
        LZ4_freeStreamHC(hc);
    if (fast)
        LZ4_freeStream(fast);
    free(pages[0]);
    free(pages[1]);
    free(inbuf);
    free(out);
    free(dict);
    return 0;
}

/* ---------- decompress ---------- */

/* Next out-of-band size: 1 = got one, 0 = end of the list. */
static int next_size(FILE *sizes, const char *path, long long *c)
{
    char line[64];
    for (;;) {
        if (fgets(line, sizeof line, sizes) == NULL) {
            if (ferror(sizes))
                die("%s: read error", path);
            return 0;
        }
        char *p = line;
        while (*p == ' ' || *p == '\t')
            p++;
        if (*p == '\n' || *p == '\r' || *p == '\0')
            continue;   /* blank line */
        char *end;
        errno = 0;
        long long v = strtoll(p, &end, 10);
        while (*end == ' ' || *end == '\t' || *end == '\r' || *end == '\n')
            end++;
        if (errno != 0 || end == p || *end != '\0' || v < 0)
            die("%s: bad block size line: %s", path, line);
        *c = v;
        return 1;
    }
}

static int do_decompress(const struct options *o)
{
    const int bound = LZ4_compressBound((int)o->page);
    if (bound <= 0)
        usage("--page %ld is out of range", o->page);
    size_t page = (size_t)o->page;

    long dict_len = 0;
    char *dict = o->dict_path ? read_file(o->dict_path, &dict_len) : NULL;

    LZ4_streamDecode_t *ds = LZ4_createStreamDecode();
    if (ds == NULL)
        die("LZ4_createStreamDecode failed");
    if (!LZ4_setStreamDecode(ds, dict, (int)dict_len))
        die("LZ4_setStreamDecode failed");

    size_t ring_size;
    if (o->strategy == RING_BUFFER) {
        size_t lib = (size_t)LZ4_decoderRingBufferSize((int)o->page);
        size_t spec = WINDOW + 8 + 2 * page;
        ring_size = o->ring ? (size_t)o->ring : (lib > spec ? lib : spec);
        if (ring_size < page)
            usage("--ring %ld is smaller than the page", o->ring);
    } else {
        ring_size = 2 * page;   /* char buf[2][page] */
    }
    char *outbuf = NULL, *pages[2] = {NULL, NULL};
    if (o->strategy == SEPARATE_PAGES)
        alloc_pages(pages, page);
    else if ((outbuf = malloc(ring_size)) == NULL)
        die("out of memory");
    char *block = malloc((size_t)bound);
    if (block == NULL)
        die("out of memory");

    FILE *sizes = NULL;
    if (o->prefix == 0) {
        sizes = fopen(o->sizes_path, "r");
        if (sizes == NULL)
            die("%s: %s", o->sizes_path, strerror(errno));
    }

    int index = 0;
    size_t offset = 0;
    unsigned long long record_offset = 0;   /* byte offset of the record in the stream */
    for (unsigned long long n = 0;; n++) {
        long long c;
        if (o->prefix != 0) {
            unsigned char p[4];
            size_t r = read_full(0, p, (size_t)o->prefix);
            if (r == 0) {
                if (o->end_marker)
                    die("stream ends after block %llu (offset %llu) without the end marker",
                        n, record_offset);
                break;
            }
            if (r < (size_t)o->prefix)
                die("block %llu (offset %llu): input ends inside the size prefix", n,
                    record_offset);
            c = load_le(p, o->prefix);
            if (c == 0)
                break;   /* end marker */
        } else {
            if (!next_size(sizes, o->sizes_path, &c)) {
                unsigned char extra;
                if (read_full(0, &extra, 1) != 0)
                    die("offset %llu: more input than the block sizes in %s account for",
                        record_offset, o->sizes_path);
                break;
            }
            if (c == 0)
                die("block %llu (offset %llu): out-of-band block size 0", n, record_offset);
        }
        if (c > bound)
            die("block %llu (offset %llu): block size %lld exceeds LZ4_compressBound(%ld) = %d",
                n, record_offset, c, o->page, bound);
        size_t r = read_full(0, block, (size_t)c);
        if (r < (size_t)c)
            die("block %llu (offset %llu): input ends inside the block (%zu of %lld bytes)", n,
                record_offset, r, c);

        char *dst = o->strategy == RING_BUFFER      ? outbuf + offset
                    : o->strategy == SEPARATE_PAGES ? pages[index]
                                                    : outbuf + (size_t)index * page;
        int d = LZ4_decompress_safe_continue(ds, block, dst, (int)c, (int)o->page);
        if (d < 0)
            die("block %llu (offset %llu): LZ4_decompress_safe_continue failed (%d)", n,
                record_offset, d);
        write_all(dst, (size_t)d);

        if (o->strategy == RING_BUFFER) {
            offset += (size_t)d;
            if (ring_wraps(o, ring_size, offset))
                offset = 0;
        } else {
            index ^= 1;
        }
        record_offset += (unsigned long long)o->prefix + (unsigned long long)c;
    }
    if (fflush(stdout) != 0)
        die("write: %s", strerror(errno));
    if (sizes != NULL)
        fclose(sizes);
    LZ4_freeStreamDecode(ds);
    free(pages[0]);
    free(pages[1]);
    free(outbuf);
    free(block);
    free(dict);
    return 0;
}

/* ---------- command line ---------- */

static long parse_long(const char *opt, const char *s, long min, long max)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0' || v < min || v > max)
        usage("%s: expected an integer in %ld..=%ld, got '%s'", opt, min, max, s);
    return v;
}

int main(int argc, char **argv)
{
    struct options o;
    memset(&o, 0, sizeof o);
    o.page = 65536;
    o.prefix = 4;
    o.strategy = DOUBLE_BUFFER;
    o.accel = 1;

    if (argc < 2)
        usage(NULL);
    if (strcmp(argv[1], "compress") == 0)
        o.compress = 1;
    else if (strcmp(argv[1], "decompress") == 0)
        o.compress = 0;
    else if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)
        help();
    else
        usage("unknown command '%s'", argv[1]);

    for (int i = 2; i < argc; i++) {
        const char *a = argv[i];
#define NEXT_ARG() (i + 1 < argc ? argv[++i] : (usage("%s needs a value", a), (char *)NULL))
        if (strcmp(a, "--page") == 0) {
            o.page = parse_long(a, NEXT_ARG(), 1, LZ4_MAX_INPUT_SIZE);
        } else if (strcmp(a, "--prefix") == 0) {
            o.prefix = (int)parse_long(a, NEXT_ARG(), 0, 4);
            if (o.prefix == 3)
                usage("--prefix must be 0, 1, 2 or 4");
        } else if (strcmp(a, "--sizes") == 0) {
            o.sizes_path = NEXT_ARG();
        } else if (strcmp(a, "--strategy") == 0) {
            const char *s = NEXT_ARG();
            if (strcmp(s, "double") == 0)
                o.strategy = DOUBLE_BUFFER;
            else if (strcmp(s, "ring") == 0)
                o.strategy = RING_BUFFER;
            else if (strcmp(s, "pages") == 0)
                o.strategy = SEPARATE_PAGES;
            else
                usage("--strategy must be double, ring or pages");
        } else if (strcmp(a, "--ring") == 0) {
            o.ring = parse_long(a, NEXT_ARG(), 1, LONG_MAX / 4);
        } else if (strcmp(a, "--wrap-early") == 0) {
            o.wrap_early = 1;
        } else if (strcmp(a, "--dict") == 0) {
            o.dict_path = NEXT_ARG();
        } else if (strcmp(a, "--end-marker") == 0) {
            o.end_marker = 1;
        } else if (strcmp(a, "--hc") == 0) {
            o.hc_level = (int)parse_long(a, NEXT_ARG(), 1, LZ4HC_CLEVEL_MAX);
        } else if (strcmp(a, "--accel") == 0) {
            o.accel = (int)parse_long(a, NEXT_ARG(), 0, 65537);
        } else if (strcmp(a, "--chunks") == 0) {
            const char *s = NEXT_ARG();
            o.list_len = 0;
            o.libc_rand_chunks = 0;
            if (strcmp(s, "full") == 0) {
                o.random_chunks = 0;
            } else if (strcmp(s, "libc-rand") == 0) {
                o.random_chunks = 0;
                o.libc_rand_chunks = 1;
            } else if (strncmp(s, "random:", 7) == 0) {
                char *end;
                errno = 0;
                unsigned long long seed = strtoull(s + 7, &end, 10);
                if (errno != 0 || end == s + 7 || *end != '\0' || s[7] == '-')
                    usage("--chunks random:SEED needs a decimal SEED");
                o.random_chunks = 1;
                o.seed = seed;
            } else if (strncmp(s, "list:", 5) == 0) {
                const char *p = s + 5;
                size_t cap = 0;
                for (const char *q = p; *q; q++)
                    cap += *q == ',';
                cap += 1;
                o.list = malloc(cap * sizeof *o.list);
                if (o.list == NULL)
                    die("out of memory");
                for (;;) {
                    char *end;
                    errno = 0;
                    if (*p < '0' || *p > '9')
                        usage("--chunks list:N,N,... needs decimal lengths");
                    unsigned long long v = strtoull(p, &end, 10);
                    if (errno != 0 || v > (unsigned long long)LZ4_MAX_INPUT_SIZE ||
                        (*end != ',' && *end != '\0'))
                        usage("--chunks list:N,N,... needs decimal lengths");
                    o.list[o.list_len++] = (size_t)v;
                    if (*end == '\0')
                        break;
                    p = end + 1;
                }
                o.random_chunks = 0;
            } else {
                usage("--chunks must be full, random:SEED, list:N,N,... or libc-rand");
            }
        } else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            help();
        } else {
            usage("unknown option '%s'", a);
        }
#undef NEXT_ARG
    }
    if (o.prefix == 0 && o.sizes_path == NULL)
        usage("--prefix 0 needs --sizes FILE");
    if (o.prefix != 0 && o.sizes_path != NULL)
        usage("--sizes is only for --prefix 0");
    if (o.prefix == 0 && o.end_marker)
        usage("--end-marker needs a size prefix (not --prefix 0)");
    if (o.hc_level > 0 && o.accel != 1)
        usage("--accel is for the fast compressor, not --hc");
    size_t listed = 0;
    for (size_t k = 0; k < o.list_len; k++) {
        if (o.list[k] > (size_t)o.page)
            usage("--chunks list: length %zu is larger than the page", o.list[k]);
        listed += o.list[k];
    }
    if (o.list_len > 0 && listed == 0)
        usage("--chunks list: needs a length above 0");
    if (o.ring != 0 && o.strategy != RING_BUFFER)
        usage("--ring is only for --strategy ring");
    if (o.wrap_early && o.strategy != RING_BUFFER)
        usage("--wrap-early is only for --strategy ring");

    rng_state = o.seed + 0x9E3779B97F4A7C15ULL;
    if (rng_state == 0)
        rng_state = 1;

    return o.compress ? do_compress(&o) : do_decompress(&o);
}
