/*
 * epub_zip.c — a small zip writer for the EPUB container, on zlib.
 *
 * Why not libzip: libzip keeps every source until zip_close() and writes to
 * files or its own sources, so a 10,000-chapter book would either sit in
 * memory whole or need a second temporary file and a copy.  Writing the zip
 * here streams each entry once, in the order it is added (which may be
 * while the build still converts documents), straight into the quire_sink,
 * and makes every byte of the header ours: no extra fields (PKG-005 on
 * mimetype), no data descriptors, DOS date/time computed from a UTC
 * quire_date so TZ cannot change the bytes, deflate at a fixed level.
 * Each entry is compressed in memory first (sizes must precede the data when
 * data descriptors are off), so peak memory is one chapter, compressed and not.
 * Chapters are mostly compressed earlier, on the build's worker threads
 * (quire__epub_deflate from epub_xhtml.c), and only written here, as they
 * arrive (quire__epub_zip_add_packed).
 *
 * Entries up to 64 KiB (chapters, container, stylesheet) are deflated by the
 * small encoder below, the same bytes in every build.  Larger ones (package,
 * nav and NCX of a big book) go to libdeflate (optional: whole-buffer, about
 * twice as fast as zlib at the same level) or zlib; those bytes differ
 * between the two, so a given build is deterministic, not every build
 * identical to every other.
 *
 * Tests read the result with libzip, and the encoder's output with zlib's
 * inflate (test_epub_deflate.c): independent implementations.
 */
#include "epub_internal.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#ifdef QUIRE_HAVE_LIBDEFLATE
#include <libdeflate.h>
#endif
#ifdef __SSE2__
#include <emmintrin.h>
#endif

/* Entries larger than the encoder below takes (the package, the NCX and nav
 * of a big book) go to libdeflate or zlib at level 1: about 3x faster than
 * zlib's default 6 on HTML (0.45 s against 1.5 s for 40 MB), for books 3.6%
 * larger (measured on a 1,000-document corpus).  Fixed, so that builds stay
 * byte-identical. */
#define EPUB_DEFLATE_LEVEL 1

uint32_t quire__epub_crc32(const void *data, size_t len)
{
#ifdef QUIRE_HAVE_LIBDEFLATE
    return libdeflate_crc32(0, data, len);
#else
    uLong crc = crc32(0L, Z_NULL, 0);
    const Bytef *p = data;
    while (len) {
        uInt chunk = len > (1u << 30) ? (1u << 30) : (uInt)len;
        crc = crc32(crc, p, chunk);
        p += chunk;
        len -= chunk;
    }
    return (uint32_t)crc;
#endif
}

/* ------------------------------------------------------------------ small deflate */

/*
 * A raw deflate encoder for entries of up to 64 KiB, which is every chapter
 * of a usual book: one block, greedy matches of 4 bytes and more found
 * through a hash table of the last position per 4-byte hash, dynamic Huffman
 * codes (static ones when smaller).
 *
 * Why not libdeflate's level 1 for those too: its cost per call is made for
 * large inputs.  Each call clears a 128 KiB hash table and builds and prices
 * three codes with general routines, about 86,000 instructions, which was
 * 37% of compressing a 5 KB chapter (~48 instructions a byte where its
 * streaming speed is ~30).  Here the table is sized to the input (32 KiB
 * for 5 KB) and the codes cost about 30,000; chapters come out ~1.3% larger
 * than libdeflate's level 1 made them (49.7% of the XHTML against 49.1% on
 * the 10,000-document bench corpus), in ~20% fewer instructions overall.
 *
 * The output does not depend on the library, the thread or what the thread
 * compressed before (the table is cleared for every entry), so a book's
 * chapters are the same bytes with libdeflate, with zlib, on any number of
 * threads.  The size of the output is computed before it is written, and
 * checked after: an entry whose count is off (a bug) is stored instead.
 */
#define EPUB_Z_MAX_IN 65535u     /* positions are 16-bit */
#define EPUB_Z_HASH_MAX 15
#define EPUB_Z_WINDOW 32768u
#define EPUB_Z_MAX_MATCH 258u
/* The literal/length code is kept to 14 bits (deflate allows 15) so that
 * four literals fit between two flushes of the bit writer: the longest
 * codes are those of the rarest symbols, so the limit costs almost nothing. */
#define EPUB_Z_LIT_MAXLEN 14u

typedef struct epub_zseq {
    uint16_t start;              /* where the match starts (n for the last):
                                  * literals from the end of the one before */
    uint16_t len;                /* 0: the last sequence, literals only */
    uint16_t dextra;             /* the distance less its code's base */
    uint8_t dsym;                /* the distance's code */
} epub_zseq;

/* What one thread keeps from entry to entry (about 200 KB). */
typedef struct epub_zstate {
    uint16_t tab[1u << EPUB_Z_HASH_MAX]; /* hash of 4 bytes -> last position */
    epub_zseq seqs[EPUB_Z_MAX_IN / 4 + 2];
    uint32_t lfreq[286], dfreq[30];
#ifdef QUIRE_HAVE_LIBDEFLATE
    struct libdeflate_compressor *ld; /* for larger entries, made when needed */
#endif
} epub_zstate;

static const uint16_t epub_z_len_base[29] = {
    3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31,
    35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258};
static const uint8_t epub_z_len_extra[29] = {
    0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0};
static const uint16_t epub_z_dist_base[30] = {
    1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193,
    257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577};
static const uint8_t epub_z_dist_extra[30] = {
    0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6,
    7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13};
/* the order code-length code lengths are sent in */
static const uint8_t epub_z_clen_order[19] = {
    16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15};

/* made once (epub_z_init) */
static uint8_t epub_z_len_sym[EPUB_Z_MAX_MATCH + 1]; /* length -> litlen symbol - 257 */
/* distance - 1 -> code: one load a match (32 KiB, shared by all threads),
 * where a table for short and one for long distances took a test and a
 * branch more */
static uint8_t epub_z_dist_sym[EPUB_Z_WINDOW];
static uint8_t epub_z_rev8[256];     /* bits of a byte reversed */
/* fixed codes: all 288 litlen lengths count in making the canonical codes */
static uint8_t epub_z_fixed_llen[288], epub_z_fixed_dlen[30];
static uint16_t epub_z_fixed_lcode[288], epub_z_fixed_dcode[30];
static pthread_once_t epub_z_once = PTHREAD_ONCE_INIT;

/* Canonical codes for lens[0..n), bit-reversed: deflate sends a Huffman
 * code from its first bit, the bit writer from the lowest. */
static void epub_z_codes_counted(const uint8_t *lens, unsigned n, const unsigned *count,
                                 uint16_t *codes)
{
    unsigned next[16], code = 0;
    for (unsigned b = 1; b < 16; b++) {
        code = (code + count[b - 1]) << 1;
        next[b] = code;
    }
    for (unsigned i = 0; i < n; i++) {
        unsigned l = lens[i];
        if (!l)
            continue;
        unsigned c = next[l]++;
        codes[i] = (uint16_t)(((unsigned)epub_z_rev8[c & 0xff] << 8 | epub_z_rev8[c >> 8]) >>
                              (16 - l));
    }
}

/* The same, counting the lengths first (count[0] is not used). */
static void epub_z_codes(const uint8_t *lens, unsigned n, uint16_t *codes)
{
    unsigned count[16] = {0};
    for (unsigned i = 0; i < n; i++)
        count[lens[i]]++;
    count[0] = 0;
    epub_z_codes_counted(lens, n, count, codes);
}

static void epub_z_pick(void);

static void epub_z_init(void)
{
    for (unsigned s = 0; s < 28; s++) /* symbol 284 stops at 257: 258 has 285 */
        for (unsigned l = epub_z_len_base[s]; l < epub_z_len_base[s + 1] && l < 258; l++)
            epub_z_len_sym[l] = (uint8_t)s;
    epub_z_len_sym[258] = 28;
    for (unsigned c = 0; c < 30; c++) {
        unsigned end = epub_z_dist_base[c] + (1u << epub_z_dist_extra[c]);
        for (unsigned d = epub_z_dist_base[c]; d < end; d++)
            epub_z_dist_sym[d - 1] = (uint8_t)c;
    }
    for (unsigned i = 0; i < 256; i++) {
        unsigned r = 0;
        for (unsigned b = 0; b < 8; b++)
            if (i & (1u << b))
                r |= 0x80u >> b;
        epub_z_rev8[i] = (uint8_t)r;
    }
    for (unsigned i = 0; i < 288; i++)
        epub_z_fixed_llen[i] = i < 144 ? 8 : i < 256 ? 9 : i < 280 ? 7 : 8;
    for (unsigned i = 0; i < 30; i++)
        epub_z_fixed_dlen[i] = 5;
    epub_z_codes(epub_z_fixed_llen, 288, epub_z_fixed_lcode);
    epub_z_codes(epub_z_fixed_dlen, 30, epub_z_fixed_dcode);
    epub_z_pick();
}

/* Code lengths of at most maxlen bits for freq[0..n) (n <= 286), into lens:
 * a minimum-redundancy code (Moffat and Katajainen's in-place algorithm on
 * the used symbols sorted by frequency), lengthened where it is too deep.
 * Fewer than two used symbols still get a complete code of two.  count[l]
 * (l <= 15): how many symbols have length l, as epub_z_codes_counted takes
 * them; returns the bits the symbols take in this code (their frequencies
 * times their lengths). */
static uint64_t epub_z_huff(const uint32_t *freq, unsigned n, unsigned maxlen, uint8_t *lens,
                            unsigned *count)
{
    uint32_t a[286], b[286], w[286]; /* a, b: freq << 9 | symbol */
    unsigned m = 0;
    uint32_t fmax = 0; /* the OR of all: as many bits as the largest */
    memset(lens, 0, n);
    for (unsigned i = 0; i < n; i++) {
        uint32_t f = freq[i];
        fmax |= f;
        if (f)
            a[m++] = f << 9 | i;
    }
    if (m < 2) {
        unsigned s = m ? (a[0] & 511) : 0;
        lens[s] = 1;
        lens[s ? 0 : 1] = 1;
        memset(count, 0, 16 * sizeof *count);
        count[1] = 2;
        return m ? a[0] >> 9 : 0;
    }
    /* sorted by frequency, ties by symbol (a[] is in symbol order) */
    uint32_t *src = a;
    if (m <= 24) {
        /* few symbols (the distance and code-length codes): insertion
         * sort, cheaper than a radix pass's buckets */
        for (unsigned i = 1; i < m; i++) {
            uint32_t x = a[i];
            unsigned j = i;
            for (; j && a[j - 1] > x; j--)
                a[j] = a[j - 1];
            a[j] = x;
        }
    } else {
        /* stable LSD radix sort on the frequency, in as few passes of at
         * most 6 bits as its largest needs, the bits spread evenly over
         * them (fewer buckets to clear and sum) */
        unsigned bits = 32 - (unsigned)__builtin_clz(fmax);
        unsigned passes = (bits + 5) / 6, width = (bits + passes - 1) / passes;
        unsigned nb = 1u << width, mask = nb - 1;
        uint32_t *dst = b;
        for (unsigned pass = 0, sh = 9; pass < passes; pass++, sh += width) {
            unsigned cnt[64];
            memset(cnt, 0, nb * sizeof cnt[0]);
            for (unsigned i = 0; i < m; i++)
                cnt[(src[i] >> sh) & mask]++;
            unsigned sum = 0;
            for (unsigned i = 0; i < nb; i++) {
                unsigned c = cnt[i];
                cnt[i] = sum;
                sum += c;
            }
            for (unsigned i = 0; i < m; i++)
                dst[cnt[(src[i] >> sh) & mask]++] = src[i];
            uint32_t *t = src;
            src = dst;
            dst = t;
        }
    }
    for (unsigned i = 0; i < m; i++)
        w[i] = src[i] >> 9;
    /* 1: pair up, left to right, w[] becoming parent pointers */
    unsigned root = 0, leaf = 2;
    w[0] += w[1];
    for (unsigned next = 1; next < m - 1; next++) {
        if (leaf >= m || w[root] < w[leaf]) {
            w[next] = w[root];
            w[root++] = next;
        } else {
            w[next] = w[leaf++];
        }
        if (leaf >= m || (root < next && w[root] < w[leaf])) {
            w[next] += w[root];
            w[root++] = next;
        } else {
            w[next] += w[leaf++];
        }
    }
    /* 2: depths of the internal nodes, right to left */
    w[m - 2] = 0;
    for (int j = (int)m - 3; j >= 0; j--)
        w[j] = w[w[j]] + 1;
    /* 3: how many leaves each depth has (all a canonical code needs: the
     * most frequent symbols get the shortest lengths, below), the deepest
     * counted at 32 */
    unsigned num[33] = {0};
    int avail = 1, used = 0, depth = 0, r = (int)m - 2, deepest = 0;
    while (avail > 0) {
        while (r >= 0 && (int)w[r] == depth) {
            used++;
            r--;
        }
        if (avail > used) {
            num[depth > 32 ? 32 : depth] += (unsigned)(avail - used);
            deepest = depth;
        }
        avail = 2 * used;
        depth++;
        used = 0;
    }
    if ((unsigned)deepest > maxlen) {
        /* too deep: everything below maxlen moves up to it, then leaves are
         * taken off the last level and pushed down from the deepest level
         * above, until the code is complete again (Kraft sum of one) */
        for (unsigned l = maxlen + 1; l <= 32; l++) {
            num[maxlen] += num[l];
            num[l] = 0;
        }
        uint32_t total = 0;
        for (unsigned l = maxlen; l > 0; l--)
            total += num[l] << (maxlen - l);
        while (total != (1u << maxlen)) {
            num[maxlen]--;
            for (unsigned l = maxlen - 1; l > 0; l--)
                if (num[l]) {
                    num[l]--;
                    num[l + 1] += 2;
                    break;
                }
            total--;
        }
    }
    unsigned k = m; /* the most frequent get the shortest */
    uint64_t bits = 0;
    count[0] = 0;
    for (unsigned l = 1; l <= 15; l++)
        count[l] = l <= maxlen ? num[l] : 0;
    for (unsigned l = 1; l <= maxlen; l++)
        for (unsigned c = num[l]; c; c--) {
            k--;
            lens[src[k] & 511] = (uint8_t)l;
            bits += (uint64_t)(src[k] >> 9) * l;
        }
    return bits;
}

void quire__epub_z_lengths(const uint32_t *freq, unsigned n, unsigned maxlen, uint8_t *lens)
{
    unsigned count[16];
    epub_z_huff(freq, n, maxlen, lens, count);
}

static inline uint32_t epub_z_load32(const unsigned char *p)
{
    uint32_t v;
    memcpy(&v, p, sizeof v);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    v = __builtin_bswap32(v);
#endif
    return v;
}

static inline uint64_t epub_z_load64(const unsigned char *p)
{
    uint64_t v;
    memcpy(&v, p, sizeof v);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    v = __builtin_bswap64(v);
#endif
    return v;
}

/* Bits out, lowest first; a flush writes eight bytes (the buffer has room)
 * and keeps the partial byte. */
typedef struct epub_zbits {
    uint64_t buf;
    unsigned cnt;                /* at most 63 between flushes */
    unsigned char *p;
} epub_zbits;

#define EPUB_Z_PUT(bw, v, n) ((bw).buf |= (uint64_t)(v) << (bw).cnt, (bw).cnt += (n))

static inline void epub_z_flush(epub_zbits *bw)
{
    uint64_t v = bw->buf;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    v = __builtin_bswap64(v);
#endif
    memcpy(bw->p, &v, sizeof v);
    bw->p += bw->cnt >> 3;
    bw->buf >>= bw->cnt & ~7u;
    bw->cnt &= 7;
}

static inline unsigned epub_z_dist_code(unsigned d)
{
    return epub_z_dist_sym[d - 1];
}

#define EPUB_Z_HASH(v, shift) (((uint32_t)(v) * 0x1E35A7BDu) >> (shift))

/* The match at i of the earlier position c (its first 4 bytes are equal):
 * extended, recorded in *seq with its frequencies; returns where the parse
 * goes on.
 *
 * No position inside the match goes into the table: hashing every one cost
 * a tenth of the encoder for 0.5% smaller chapters, the one before the last
 * too 2% of it for 0.25%, the last alone 1.4% of it for 0.4% (measured on
 * the 1,000-document bench corpus). */
static inline __attribute__((always_inline)) size_t
epub_z_match(epub_zstate *s, epub_zseq *seq, const unsigned char *in, size_t n, size_t i,
             size_t c)
{
    size_t max = n - i < EPUB_Z_MAX_MATCH ? n - i : EPUB_Z_MAX_MATCH;
    size_t l = 4;
    for (;;) {
        if (l + 8 > max) {
            while (l < max && in[c + l] == in[i + l])
                l++;
            break;
        }
        uint64_t x = epub_z_load64(in + c + l) ^ epub_z_load64(in + i + l);
        if (x) {
            l += (size_t)__builtin_ctzll(x) >> 3;
            break;
        }
        l += 8;
    }
    unsigned d = (unsigned)(i - c), dsym = epub_z_dist_code(d);
    seq->start = (uint16_t)i;
    seq->len = (uint16_t)l;
    seq->dextra = (uint16_t)(d - epub_z_dist_base[dsym]);
    seq->dsym = (uint8_t)dsym;
    s->lfreq[257 + epub_z_len_sym[l]]++;
    s->dfreq[dsym]++;
    return i + l;
}

/* Whether the earlier position c, found in the table for the 4 bytes v at
 * i, starts a match: the same bytes (the hash may collide), in reach. */
#define EPUB_Z_HIT(c, i, v) \
    (!(windowed && (i) - (c) > EPUB_Z_WINDOW) && epub_z_load32(in + (c)) == (v))

/* The greedy parse of in[0..n) (8 <= n <= EPUB_Z_MAX_IN) into s->seqs, with
 * the frequencies; returns the number of matches.  windowed: some distance
 * may exceed the window (n > 32 KiB); without, every earlier position is in
 * reach.  Every position outside matches is hashed.
 *
 * Most positions of a chapter start no match (about four in five), so the
 * loop looks at two positions per 8-byte load: one load, one loop test and
 * one bounds test for both.  The parse is the same as one position at a
 * time (the tail of the input is done so). */
static inline __attribute__((always_inline)) size_t
epub_z_parse(epub_zstate *s, const unsigned char *in, size_t n, unsigned hb, bool windowed)
{
    uint16_t *tab = s->tab;
    uint32_t *lf = s->lfreq;
    const unsigned shift = 32 - hb;
    epub_zseq *seq = s->seqs;
    const size_t last = n - 4; /* the last position a 4-byte load may start at */
    /* position 0 cannot start a match; every table entry is then an earlier
     * position (0 for the cleared ones: still a real position, so any hit is
     * a real match) */
    tab[EPUB_Z_HASH(epub_z_load32(in), shift)] = 0;
    lf[in[0]]++;
    size_t i = 1;
    const size_t last8 = n - 8; /* the last position an 8-byte load may start at */
    while (i <= last8) { /* i and i + 1, from one load of in[i..i+8) */
        uint64_t x = epub_z_load64(in + i);
        uint32_t v = (uint32_t)x;
        uint32_t h = EPUB_Z_HASH(v, shift);
        size_t c = tab[h];
        tab[h] = (uint16_t)i;
        if (!EPUB_Z_HIT(c, i, v)) {
            lf[x & 0xff]++;
            i++;
            v = (uint32_t)(x >> 8);
            h = EPUB_Z_HASH(v, shift);
            c = tab[h];
            tab[h] = (uint16_t)i;
            if (!EPUB_Z_HIT(c, i, v)) {
                lf[(x >> 8) & 0xff]++;
                i++;
                continue;
            }
        }
        i = epub_z_match(s, seq++, in, n, i, c);
    }
    while (i <= last) {
        uint32_t v = epub_z_load32(in + i);
        uint32_t h = EPUB_Z_HASH(v, shift);
        size_t c = tab[h];
        tab[h] = (uint16_t)i;
        if (!EPUB_Z_HIT(c, i, v)) {
            lf[v & 0xff]++; /* in[i] */
            i++;
            continue;
        }
        i = epub_z_match(s, seq++, in, n, i, c);
    }
    for (; i < n; i++)
        lf[in[i]]++;
    seq->start = (uint16_t)n;
    seq->len = 0;
    return (size_t)(seq - s->seqs);
}

/* Deflate in[0..n) (8 <= n <= EPUB_Z_MAX_IN) into out, which has room for
 * n + 8 bytes: the length of the stream, or 0 when it would not be smaller
 * than n (or could not be made).  Compiled twice (below). */
static inline __attribute__((always_inline)) size_t
epub_z_compress_body(epub_zstate *s, const unsigned char *in, size_t n, unsigned char *out)
{
    /* a table of about as many slots as positions: twice as many made
     * chapters 0.35% smaller for 1% more instructions (clearing it) */
    unsigned hb = 9;
    while (hb < EPUB_Z_HASH_MAX && ((size_t)1 << hb) < n)
        hb++;
    size_t tbytes = ((size_t)1 << hb) * sizeof s->tab[0];
#ifdef __SSE2__
    /* plain stores: memset's rep stosb would count one instruction a byte
     * under callgrind, which the benchmarks are read with */
    __m128i zero = _mm_setzero_si128();
    for (unsigned char *t = (unsigned char *)s->tab, *e = t + tbytes; t < e; t += 64) {
        _mm_storeu_si128((__m128i *)(void *)t, zero);
        _mm_storeu_si128((__m128i *)(void *)(t + 16), zero);
        _mm_storeu_si128((__m128i *)(void *)(t + 32), zero);
        _mm_storeu_si128((__m128i *)(void *)(t + 48), zero);
    }
#else
    memset(s->tab, 0, tbytes);
#endif
    memset(s->lfreq, 0, sizeof s->lfreq);
    memset(s->dfreq, 0, sizeof s->dfreq);
    size_t nmatch = n > EPUB_Z_WINDOW ? epub_z_parse(s, in, n, hb, true)
                                      : epub_z_parse(s, in, n, hb, false);
    uint32_t *lf = s->lfreq, *df = s->dfreq;
    lf[256] = 1;

    /* the dynamic codes, and the run-length coded lengths of both, which
     * are one sequence (a run may go on from one into the other) */
    uint8_t lens[286 + 30 + 1], dl[30], ll[286];
    uint16_t lcode[286], dcode[30];
    unsigned lcount[16], dcount[16], pcount[16];
    uint64_t dyn = epub_z_huff(lf, 286, EPUB_Z_LIT_MAXLEN, ll, lcount) +
                   epub_z_huff(df, 30, 15, dl, dcount);
    unsigned nl = 286, nd = 30;
    while (nl > 257 && !ll[nl - 1])
        nl--;
    while (nd > 1 && !dl[nd - 1])
        nd--;
    memcpy(lens, ll, nl);
    memcpy(lens + nl, dl, nd);
    lens[nl + nd] = 0xff; /* no length: ends the last run */
    unsigned total = nl + nd, ni = 0;
    uint16_t items[286 + 30]; /* symbol | extra bits' value << 5 */
    uint32_t pf[19] = {0};
    for (unsigned j = 0; j < total;) {
        unsigned v = lens[j], r = 1;
        while (lens[j + r] == v)
            r++;
        j += r;
        if (v == 0) {
            while (r >= 11) { /* 18: 11..138 zeros */
                unsigned k = r > 138 ? 138 : r;
                items[ni++] = (uint16_t)(18 | (k - 11) << 5);
                pf[18]++;
                r -= k;
            }
            if (r >= 3) { /* 17: 3..10 zeros */
                items[ni++] = (uint16_t)(17 | (r - 3) << 5);
                pf[17]++;
                r = 0;
            }
        } else {
            items[ni++] = (uint16_t)v;
            pf[v]++;
            r--;
            while (r >= 3) { /* 16: the previous length 3..6 times */
                unsigned k = r > 6 ? 6 : r;
                items[ni++] = (uint16_t)(16 | (k - 3) << 5);
                pf[16]++;
                r -= k;
            }
        }
        while (r--) {
            items[ni++] = (uint16_t)v;
            pf[v]++;
        }
    }
    uint8_t pl[19];
    uint16_t pc[19];
    dyn += epub_z_huff(pf, 19, 7, pl, pcount);
    unsigned nc = 19;
    while (nc > 4 && !pl[epub_z_clen_order[nc - 1]])
        nc--;

    /* the block's exact size both ways */
    uint64_t extra = 0;
    for (unsigned k = 0; k < 29; k++)
        extra += (uint64_t)lf[257 + k] * epub_z_len_extra[k];
    for (unsigned k = 0; k < 30; k++)
        extra += (uint64_t)df[k] * epub_z_dist_extra[k];
    dyn += 3 + 5 + 5 + 4 + 3 * (uint64_t)nc;
    dyn += 2 * (uint64_t)pf[16] + 3 * (uint64_t)pf[17] + 7 * (uint64_t)pf[18];
    /* the fixed literal/length code has 8 bits, but 9 for 144..255 and 7
     * for 256..279: sums of ranges, not a product per symbol */
    uint32_t all = 0, nine = 0, seven = 0;
    for (unsigned k = 0; k < 286; k++)
        all += lf[k];
    for (unsigned k = 144; k < 256; k++)
        nine += lf[k];
    for (unsigned k = 256; k < 280; k++)
        seven += lf[k];
    uint64_t fixed = 3 + 5 * (uint64_t)nmatch + 8 * (uint64_t)all + nine - seven;
    bool use_dyn = dyn < fixed;
    size_t want = (size_t)(((use_dyn ? dyn : fixed) + extra + 7) / 8);
    if (want >= n)
        return 0;

    const uint16_t *lc = epub_z_fixed_lcode, *dc = epub_z_fixed_dcode;
    const uint8_t *lL = epub_z_fixed_llen, *dL = epub_z_fixed_dlen;
    epub_zbits bw = {0, 0, out};
    if (use_dyn) {
        static const uint8_t xbits[19] = {[16] = 2, [17] = 3, [18] = 7};
        epub_z_codes_counted(ll, 286, lcount, lcode);
        epub_z_codes_counted(dl, 30, dcount, dcode);
        epub_z_codes_counted(pl, 19, pcount, pc);
        lc = lcode;
        dc = dcode;
        lL = ll;
        dL = dl;
        EPUB_Z_PUT(bw, 1 | 2 << 1, 3); /* last block, dynamic codes */
        EPUB_Z_PUT(bw, nl - 257, 5);
        EPUB_Z_PUT(bw, nd - 1, 5);
        EPUB_Z_PUT(bw, nc - 4, 4);
        epub_z_flush(&bw);
        for (unsigned k = 0; k < nc; k++) {
            EPUB_Z_PUT(bw, pl[epub_z_clen_order[k]], 3);
            epub_z_flush(&bw);
        }
        /* an item is its code and extra bits, at most 7 + 7: four fit
         * between flushes */
        for (unsigned k = 0; k < ni; k++) {
            unsigned sym = items[k] & 31;
            EPUB_Z_PUT(bw, pc[sym] | (unsigned)(items[k] >> 5) << pl[sym], pl[sym] + xbits[sym]);
            if ((k & 3) == 3)
                epub_z_flush(&bw);
        }
        epub_z_flush(&bw);
    } else {
        EPUB_Z_PUT(bw, 1 | 1 << 1, 3); /* last block, fixed codes */
    }
    /* A match is one put: its length's code and extra bits from a table
     * of every length the block uses, then its distance's; about half the
     * instructions of looking up and putting the four parts. */
    uint32_t lent[EPUB_Z_MAX_MATCH + 1]; /* code | extra << its length, | bits << 24 */
    uint32_t dent[30];                   /* code | its length << 16 | bits << 24 */
    for (unsigned k = 0; k < 29; k++) {
        if (!lf[257 + k])
            continue;
        unsigned cl = lL[257 + k], code = lc[257 + k];
        unsigned lo = epub_z_len_base[k], hi = k < 27 ? epub_z_len_base[k + 1] : k == 27 ? 258 : 259;
        uint32_t bits = (uint32_t)(cl + epub_z_len_extra[k]) << 24;
        for (unsigned len = lo; len < hi; len++)
            lent[len] = code | (len - lo) << cl | bits;
    }
    for (unsigned k = 0; k < 30; k++)
        dent[k] = dc[k] | (uint32_t)dL[k] << 16 | (uint32_t)(dL[k] + epub_z_dist_extra[k]) << 24;
    const unsigned char *p = in;
    for (const epub_zseq *q = s->seqs;; q++) {
        uint32_t r = q->start - (uint32_t)(p - in);
        for (; r >= 4; r -= 4, p += 4) { /* 4 x 14 bits + 7 fit before a flush */
            EPUB_Z_PUT(bw, lc[p[0]], lL[p[0]]);
            EPUB_Z_PUT(bw, lc[p[1]], lL[p[1]]);
            EPUB_Z_PUT(bw, lc[p[2]], lL[p[2]]);
            EPUB_Z_PUT(bw, lc[p[3]], lL[p[3]]);
            epub_z_flush(&bw);
        }
        for (; r; r--, p++)
            EPUB_Z_PUT(bw, lc[*p], lL[*p]);
        epub_z_flush(&bw);
        if (!q->len)
            break;
        /* at most 15 + 5 + 15 + 13 bits, after at most 7 */
        uint32_t le = lent[q->len], de = dent[q->dsym];
        uint64_t dv = (de & 0xffff) | (uint64_t)q->dextra << ((de >> 16) & 0xff);
        EPUB_Z_PUT(bw, (le & 0xffffff) | dv << (le >> 24), (le >> 24) + (de >> 24));
        epub_z_flush(&bw);
        p += q->len;
    }
    EPUB_Z_PUT(bw, lc[256], lL[256]);
    epub_z_flush(&bw);
    size_t got = (size_t)(bw.p - out) + (bw.cnt ? 1 : 0);
    return got == want ? got : 0;
}

static size_t epub_z_compress_plain(epub_zstate *s, const unsigned char *in, size_t n,
                                    unsigned char *out)
{
    return epub_z_compress_body(s, in, n, out);
}

/*
 * The same code for processors with BMI2, chosen when the program runs: the
 * bit writer and the hash shift by a variable count several times a symbol,
 * which takes a move into CL and a shift without BMI2's SHLX/SHRX (3% fewer
 * instructions for the chapters of the bench corpus, and no dependency on
 * CL).  The C is the same, so are the bytes (test_epub_deflate.c compares
 * both on every input it makes).
 */
#if defined(__GNUC__) && defined(__x86_64__) && !defined(__BMI2__)
#define EPUB_Z_HAVE_BMI2 1
__attribute__((target("bmi2"))) static size_t
epub_z_compress_bmi2(epub_zstate *s, const unsigned char *in, size_t n, unsigned char *out)
{
    return epub_z_compress_body(s, in, n, out);
}
#endif

typedef size_t (*epub_z_compress_fn)(epub_zstate *, const unsigned char *, size_t,
                                     unsigned char *);
static epub_z_compress_fn epub_z_best = epub_z_compress_plain; /* set by epub_z_init */
static _Atomic int epub_z_forced; /* quire__epub_z_force_plain: 1 plain, 0 best */

static void epub_z_pick(void)
{
#ifdef EPUB_Z_HAVE_BMI2
    __builtin_cpu_init();
    if (__builtin_cpu_supports("bmi2"))
        epub_z_best = epub_z_compress_bmi2;
#endif
}

/* Whether the encoder would use a variant other than the plain one. */
bool quire__epub_z_force_plain(bool plain)
{
    pthread_once(&epub_z_once, epub_z_init);
    epub_z_forced = plain;
    return epub_z_best != epub_z_compress_plain;
}

static size_t epub_z_compress(epub_zstate *s, const unsigned char *in, size_t n,
                              unsigned char *out)
{
    if (n < 8 || n > EPUB_Z_MAX_IN)
        return 0;
    pthread_once(&epub_z_once, epub_z_init);
    return (epub_z_forced ? epub_z_compress_plain : epub_z_best)(s, in, n, out);
}

/* ------------------------------------------------------------------ per thread */

/* One state per thread, kept (freed when its thread ends): the encoder's
 * tables, and libdeflate's compressor, whose making costs about a sixth of
 * compressing a chapter. */
static pthread_key_t epub_z_key;
static pthread_once_t epub_z_key_once = PTHREAD_ONCE_INIT;
static bool epub_z_key_ok;

static void epub_zstate_free(void *p)
{
    epub_zstate *s = p;
    if (!s)
        return;
#ifdef QUIRE_HAVE_LIBDEFLATE
    if (s->ld)
        libdeflate_free_compressor(s->ld);
#endif
    free(s);
}

static void epub_z_key_init(void)
{
    epub_z_key_ok = pthread_key_create(&epub_z_key, epub_zstate_free) == 0;
}

/* The thread's state, or a new one the caller frees (*owned) when it cannot
 * be kept; NULL when out of memory. */
static epub_zstate *epub_zstate_get(bool *owned)
{
    pthread_once(&epub_z_key_once, epub_z_key_init);
    *owned = false;
    epub_zstate *s = epub_z_key_ok ? pthread_getspecific(epub_z_key) : NULL;
    if (s)
        return s;
    if (!(s = malloc(sizeof *s)))
        return NULL;
#ifdef QUIRE_HAVE_LIBDEFLATE
    s->ld = NULL;
#endif
    *owned = !epub_z_key_ok || pthread_setspecific(epub_z_key, s) != 0;
    return s;
}

/* Deflate with the library into buf (bound bytes): the length, 0 when that
 * failed or was not smaller. */
static size_t epub_lib_deflate(epub_zstate *s, const void *data, size_t len, unsigned char *buf,
                               size_t bound)
{
#ifdef QUIRE_HAVE_LIBDEFLATE
    if (!s->ld && !(s->ld = libdeflate_alloc_compressor(EPUB_DEFLATE_LEVEL)))
        return 0;
    return libdeflate_deflate_compress(s->ld, data, len, buf, bound);
#else
    (void)s;
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    /* raw deflate (negative window bits): zip stores no zlib header */
    if (deflateInit2(&zs, EPUB_DEFLATE_LEVEL, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        return 0;
    zs.next_in = (Bytef *)(uintptr_t)data;
    zs.avail_in = (uInt)len;
    zs.next_out = buf;
    zs.avail_out = (uInt)bound;
    int zr = deflate(&zs, Z_FINISH);
    size_t clen = zs.total_out;
    deflateEnd(&zs);
    return zr == Z_STREAM_END ? clen : 0;
#endif
}

/* The room the library may need for len bytes. */
static size_t epub_lib_bound(epub_zstate *s, size_t len)
{
#ifdef QUIRE_HAVE_LIBDEFLATE
    if (!s->ld && !(s->ld = libdeflate_alloc_compressor(EPUB_DEFLATE_LEVEL)))
        return 0;
    return libdeflate_deflate_compress_bound(s->ld, len);
#else
    (void)s;
    return (size_t)compressBound((uLong)len) + 64;
#endif
}

int quire__epub_deflate(const void *data, size_t len, unsigned char **out, size_t *out_len)
{
    bool owned;
    epub_zstate *s = epub_zstate_get(&owned);
    if (!s)
        return -1;
    size_t clen = 0, room = len + 8;
    if (len > EPUB_Z_MAX_IN) {
        size_t bound = epub_lib_bound(s, len);
        if (bound > room)
            room = bound;
    }
    unsigned char *buf = malloc(room);
    if (buf && len) {
        clen = len <= EPUB_Z_MAX_IN ? epub_z_compress(s, data, len, buf) : 0;
        if (!clen && len > EPUB_Z_MAX_IN)
            clen = epub_lib_deflate(s, data, len, buf, room);
    }
    if (owned)
        epub_zstate_free(s);
    if (!buf)
        return -1;
    if (clen == 0 || clen >= len) { /* incompressible: stored is smaller and just as valid */
        memcpy(buf, data, len);
        *out = buf;
        *out_len = len;
        return 0;
    }
    *out = buf;
    *out_len = clen;
    return 8;
}

void quire__epub_zip_init(epub_zip *z, quire_sink *out, const quire_date *when)
{
    memset(z, 0, sizeof *z);
    z->out = out;
    /* A test seam, like QUIRE_PREPARE: EPUBCheck and the tests see the
     * Zip64 end on books small enough to check. */
    const char *force = getenv("QUIRE_EPUB_ZIP64");
    z->zip64_from = force && strcmp(force, "1") == 0 ? 0 : 0xFFFF;
    quire_date d = quire_date_from_epoch(when && when->set ? quire_date_epoch(when) : 0);
    if (d.year < 1980) {
        d.year = 1980; d.month = 1; d.day = 1;
        d.hour = d.minute = d.second = 0;
    }
    if (d.year > 2107)
        d.year = 2107;
    z->dos_time = (uint16_t)((d.hour << 11) | (d.minute << 5) | (d.second / 2));
    z->dos_date = (uint16_t)(((d.year - 1980) << 9) | (d.month << 5) | d.day);
}

static void epub_put16(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)(v & 0xff);
    p[1] = (unsigned char)((v >> 8) & 0xff);
}

static void epub_put32(unsigned char *p, uint32_t v)
{
    epub_put16(p, v & 0xffff);
    epub_put16(p + 2, v >> 16);
}

static int epub_zip_write(epub_zip *z, const void *data, size_t len)
{
    if (z->err)
        return z->err;
    if (z->offset + len > 0xFFFFFFF0u)
        return z->err = QUIRE_ERR_LIMIT;
    int rc = quire_sink_write(z->out, data, len);
    if (rc != QUIRE_OK)
        return z->err = rc;
    z->offset += len;
    return QUIRE_OK;
}

/* Record the entry and write its local header. */
static int epub_zip_header(epub_zip *z, const char *name, uint16_t method, uint32_t crc,
                           size_t csize, size_t usize)
{
    if (z->err)
        return z->err;
    if (csize > 0xFFFFFFF0u || usize > 0xFFFFFFF0u || z->offset > 0xFFFFFFF0u)
        return z->err = QUIRE_ERR_LIMIT;
    if (z->count == z->cap) {
        size_t cap = z->cap ? z->cap * 2 : 64;
        epub_zip_entry *e = realloc(z->entries, cap * sizeof *e);
        if (!e)
            return z->err = QUIRE_ERR_NOMEM;
        z->entries = e;
        z->cap = cap;
    }
    size_t nlen = strlen(name);
    epub_zip_entry *e = &z->entries[z->count];
    if (!(e->name = strdup(name)))
        return z->err = QUIRE_ERR_NOMEM;
    z->count++;
    e->crc = crc;
    e->csize = (uint32_t)csize;
    e->usize = (uint32_t)usize;
    e->offset = (uint32_t)z->offset;
    e->method = method;

    unsigned char h[30];
    epub_put32(h, 0x04034b50);
    epub_put16(h + 4, method == 8 ? 20 : 10); /* version needed */
    epub_put16(h + 6, 0);                     /* flags: ASCII names, no descriptor */
    epub_put16(h + 8, method);
    epub_put16(h + 10, z->dos_time);
    epub_put16(h + 12, z->dos_date);
    epub_put32(h + 14, crc);
    epub_put32(h + 18, (uint32_t)csize);
    epub_put32(h + 22, (uint32_t)usize);
    epub_put16(h + 26, (uint32_t)nlen);
    epub_put16(h + 28, 0);                    /* no extra field */
    epub_zip_write(z, h, sizeof h);
    return epub_zip_write(z, name, nlen);
}

int quire__epub_zip_add(epub_zip *z, const char *name, const void *data, size_t len,
                        bool deflate_it)
{
    if (z->err)
        return z->err;
    uint32_t crc = quire__epub_crc32(data, len);
    if (!deflate_it || len == 0)
        return quire__epub_zip_add_packed(z, name, data, len, len, crc, 0);
    unsigned char *out = NULL;
    size_t clen = 0;
    int method = quire__epub_deflate(data, len, &out, &clen);
    if (method < 0)
        return z->err = QUIRE_ERR_NOMEM;
    int rc = quire__epub_zip_add_packed(z, name, out, clen, len, crc, (uint16_t)method);
    free(out);
    return rc;
}

int quire__epub_zip_add_packed(epub_zip *z, const char *name, const void *data, size_t csize,
                               size_t usize, uint32_t crc, uint16_t method)
{
    int rc = epub_zip_header(z, name, method, crc, csize, usize);
    return rc ? rc : epub_zip_write(z, data, csize);
}

int quire__epub_zip_add_packed_file(epub_zip *z, const char *name, FILE *f, uint64_t off,
                                    size_t csize, size_t usize, uint32_t crc, uint16_t method)
{
    int rc = epub_zip_header(z, name, method, crc, csize, usize);
    if (rc)
        return rc;
    if (fseeko(f, (off_t)off, SEEK_SET) != 0)
        return z->err = QUIRE_ERR_IO;
    unsigned char buf[65536];
    size_t len = csize;
    while (len) {
        size_t n = len < sizeof buf ? len : sizeof buf;
        if (fread(buf, 1, n, f) != n)
            return z->err = QUIRE_ERR_IO;
        if ((rc = epub_zip_write(z, buf, n)))
            return rc;
        len -= n;
    }
    return QUIRE_OK;
}

int quire__epub_zip_add_stored_file(epub_zip *z, const char *name, FILE *f, uint64_t off,
                                    size_t len, uint32_t crc)
{
    return quire__epub_zip_add_packed_file(z, name, f, off, len, len, crc, 0);
}

static void epub_put64(unsigned char *p, uint64_t v)
{
    epub_put32(p, (uint32_t)(v & 0xffffffffu));
    epub_put32(p + 4, (uint32_t)(v >> 32));
}

/* The Zip64 end of central directory record and its locator (APPNOTE
 * 4.3.14, 4.3.15), for a book of 65,535 entries or more: the classic end
 * record counts entries in 16 bits, and 0xFFFF there means "see Zip64".
 * OCF allows Zip64 when the content needs it (and requires reading
 * systems to support it); a 100,000-document book was refused without
 * it.  Nothing else of Zip64 is needed: every size and offset stays
 * under 4 GiB, so no entry carries a Zip64 extra field. */
static void epub_zip_end64(epub_zip *z, uint64_t cd_start, uint64_t cd_size)
{
    uint64_t at = z->offset;
    unsigned char r[56 + 20];
    epub_put32(r, 0x06064b50);
    epub_put64(r + 4, sizeof r - 20 - 12); /* the size of what follows */
    epub_put16(r + 12, 45);                /* made by: 4.5 (Zip64) */
    epub_put16(r + 14, 45);                /* needed to extract */
    epub_put32(r + 16, 0);                 /* this disk */
    epub_put32(r + 20, 0);                 /* the directory's disk */
    epub_put64(r + 24, z->count);          /* entries on this disk */
    epub_put64(r + 32, z->count);          /* entries */
    epub_put64(r + 40, cd_size);
    epub_put64(r + 48, cd_start);
    unsigned char *loc = r + 56;
    epub_put32(loc, 0x07064b50);
    epub_put32(loc + 4, 0);                /* the record's disk */
    epub_put64(loc + 8, at);               /* the record's offset */
    epub_put32(loc + 16, 1);               /* disks */
    epub_zip_write(z, r, sizeof r);
}

int quire__epub_zip_finish(epub_zip *z)
{
    if (z->err)
        return z->err;
    uint64_t cd_start = z->offset;
    for (size_t i = 0; i < z->count; i++) {
        const epub_zip_entry *e = &z->entries[i];
        size_t nlen = strlen(e->name);
        unsigned char h[46];
        epub_put32(h, 0x02014b50);
        epub_put16(h + 4, e->method == 8 ? 20 : 10); /* made by: MS-DOS, 2.0 */
        epub_put16(h + 6, e->method == 8 ? 20 : 10);
        epub_put16(h + 8, 0);
        epub_put16(h + 10, e->method);
        epub_put16(h + 12, z->dos_time);
        epub_put16(h + 14, z->dos_date);
        epub_put32(h + 16, e->crc);
        epub_put32(h + 20, e->csize);
        epub_put32(h + 24, e->usize);
        epub_put16(h + 28, (uint32_t)nlen);
        epub_put16(h + 30, 0); /* extra */
        epub_put16(h + 32, 0); /* comment */
        epub_put16(h + 34, 0); /* disk */
        epub_put16(h + 36, 0); /* internal attributes */
        epub_put32(h + 38, 0); /* external attributes: nothing about the host leaks */
        epub_put32(h + 42, e->offset);
        epub_zip_write(z, h, sizeof h);
        epub_zip_write(z, e->name, nlen);
    }
    if (z->err)
        return z->err;
    uint64_t cd_size = z->offset - cd_start;
    bool zip64 = z->count >= z->zip64_from;
    if (zip64)
        epub_zip_end64(z, cd_start, cd_size);
    unsigned char eocd[22];
    epub_put32(eocd, 0x06054b50);
    epub_put16(eocd + 4, 0);
    epub_put16(eocd + 6, 0);
    /* With Zip64 the counts are in its record; readers look there when
     * these say 0xFFFF.  Offset and size still fit (the zip stays under
     * 4 GiB: epub_zip_write), so they are given here too. */
    epub_put16(eocd + 8, zip64 ? 0xFFFF : (uint32_t)z->count);
    epub_put16(eocd + 10, zip64 ? 0xFFFF : (uint32_t)z->count);
    epub_put32(eocd + 12, (uint32_t)cd_size);
    epub_put32(eocd + 16, (uint32_t)cd_start);
    epub_put16(eocd + 20, 0);
    return epub_zip_write(z, eocd, sizeof eocd);
}

void quire__epub_zip_free(epub_zip *z)
{
    for (size_t i = 0; i < z->count; i++)
        free(z->entries[i].name);
    free(z->entries);
    z->entries = NULL;
    z->count = z->cap = 0;
}
