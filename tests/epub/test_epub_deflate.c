/*
 * test_epub_deflate.c — the EPUB writer's deflate (epub_zip.c) read back by
 * zlib's inflate, an independent implementation: every kind of input comes
 * back byte for byte, incompressible input is stored, the output depends on
 * nothing but the input (not on the thread or on what was compressed before).
 *
 * The inputs aim at the encoder's edges: sizes around its 64 KiB limit and
 * the 32 KiB window, runs longer than the longest match, every length and
 * distance code, skewed frequencies (deep codes: the code-length codes of
 * these inputs are cut down to 7 bits, by the routine that also limits the
 * literal/length and distance codes to 15), one or two symbols, fixed codes
 * for short inputs.  Repeated text must still be found by the matchfinder,
 * which keeps no position inside a match.
 */
#include "epub_internal.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "check_msg.h"

static uint64_t rng_state = 0x9E3779B97F4A7C15u;

static uint32_t rnd(void)
{
    return rnd_next(&rng_state);
}

/* Whether the encoder has a faster build for this processor (BMI2): then
 * every input is also compressed with the plain one, which must give the
 * same bytes. */
static bool has_variant;

/* Compress, check the method and the round trip; the method, or -1. */
static int roundtrip(const char *what, const unsigned char *data, size_t len)
{
    unsigned char *z = NULL;
    size_t zlen = 0;
    int method = quire__epub_deflate(data, len, &z, &zlen);
    checked++;
    if (has_variant) { /* the plain build of the encoder: the same bytes */
        unsigned char *pz = NULL;
        size_t plen = 0;
        quire__epub_z_force_plain(true);
        int pm = quire__epub_deflate(data, len, &pz, &plen);
        quire__epub_z_force_plain(false);
        CHECK(pm == method && plen == zlen && (zlen == 0 || memcmp(pz, z, zlen) == 0),
              "%s (%zu bytes): the plain encoder made %zu bytes (method %d), the other %zu (%d)",
              what, len, plen, pm, zlen, method);
        free(pz);
    }
    CHECK(method == 0 || method == 8, "%s (%zu bytes): method %d", what, len, method);
    if (method == 0) {
        CHECK(zlen == len && (len == 0 || memcmp(z, data, len) == 0), "%s (%zu bytes): stored copy",
              what, len);
    } else if (method == 8) {
        CHECK(zlen < len, "%s (%zu bytes): deflated to %zu", what, len, zlen);
        unsigned char *back = malloc(len + 1);
        z_stream is;
        memset(&is, 0, sizeof is);
        int zr = inflateInit2(&is, -15);
        is.next_in = z;
        is.avail_in = (uInt)zlen;
        is.next_out = back;
        is.avail_out = (uInt)(len + 1);
        if (zr == Z_OK)
            zr = inflate(&is, Z_FINISH);
        CHECK(zr == Z_STREAM_END, "%s (%zu bytes): inflate says %d (%s)", what, len, zr,
              is.msg ? is.msg : "");
        CHECK(is.total_out == len && memcmp(back, data, len) == 0, "%s (%zu bytes): %lu back",
              what, len, (unsigned long)is.total_out);
        CHECK(is.avail_in == 0, "%s (%zu bytes): %u bytes after the stream", what, len,
              is.avail_in);
        inflateEnd(&is);
        free(back);
    }
    free(z);
    return method;
}

/* Word salad with markup: what chapters look like. */
static size_t text(unsigned char *buf, size_t len)
{
    static const char *const words[] = {
        "<p>", "</p>", "<em>", "</em>", "the", "quire", "chapter", "z\xc3\xbcrich", "\xe6\x96\x87",
        "lantern", "harbor", "of", "and", "<a href=\"https://example.org/x\">", "</a>", " ", " ",
        ". ", "\n", "\xf0\x9f\x99\x82", "&amp;", "section", "a", "in"};
    size_t n = 0;
    while (n < len) {
        const char *w = words[rnd() % (sizeof words / sizeof words[0])];
        size_t k = strlen(w);
        if (k > len - n)
            k = len - n;
        memcpy(buf + n, w, k);
        n += k;
    }
    return n;
}

static void test_sizes(void)
{
    unsigned char *buf = malloc(70000);
    char what[64];
    /* small and boundary sizes of text, zeros and random bytes */
    static const size_t sizes[] = {0, 1, 2, 3, 4, 5, 7, 8, 9, 12, 15, 16, 17, 31, 32, 33, 50, 63, 64,
                                   100, 255, 256, 257, 258, 259, 260, 300, 511, 1000, 4096, 5000,
                                   16384, 32767, 32768, 32769, 32772, 32773, 40000, 65534, 65535,
                                   65536, 65537, 70000};
    for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
        size_t n = sizes[k];
        text(buf, n);
        snprintf(what, sizeof what, "text");
        int m = roundtrip(what, buf, n);
        if (n >= 300)
            CHECK(m == 8, "text of %zu bytes not deflated", n);
        memset(buf, 0, n);
        roundtrip("zeros", buf, n);
        for (size_t i = 0; i < n; i++)
            buf[i] = (unsigned char)rnd();
        m = roundtrip("random", buf, n);
        if (n >= 64)
            CHECK(m == 0, "random bytes (%zu) not stored", n);
        /* one symbol then another: the smallest alphabets */
        for (size_t i = 0; i < n; i++)
            buf[i] = i < n / 2 ? 'a' : 'b';
        roundtrip("two runs", buf, n);
    }
    /* every length around the encoder's minimum and maximum of input */
    for (size_t n = 0; n < 600; n++) {
        text(buf, n);
        roundtrip("text, every small size", buf, n);
    }
    free(buf);
}

static void test_matches(void)
{
    unsigned char *buf = malloc(65535);
    /* a random block repeated at every distance code's edges, so that every
     * length and distance code (with its extra bits) appears */
    static const size_t dists[] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 12, 13, 16, 17, 24, 25, 32, 33, 48,
                                   49, 64, 65, 96, 97, 128, 129, 192, 193, 256, 257, 384, 385, 512,
                                   513, 768, 769, 1024, 1025, 1536, 1537, 2048, 2049, 3072, 3073,
                                   4096, 4097, 6144, 6145, 8192, 8193, 12288, 12289, 16384, 16385,
                                   24576, 24577, 32767, 32768, 32769};
    for (size_t k = 0; k < sizeof dists / sizeof dists[0]; k++) {
        size_t d = dists[k];
        for (size_t len = 3; len <= 300; len += (len < 20 ? 1 : 37)) {
            size_t n = 0;
            for (; n < d && n < 65535; n++)
                buf[n] = (unsigned char)rnd();
            /* a copy of len bytes from d back, then fresh bytes */
            for (size_t i = 0; i < len && n < 65535; i++, n++)
                buf[n] = buf[n - d];
            for (size_t i = 0; i < 40 && n < 65535; i++)
                buf[n++] = (unsigned char)rnd();
            roundtrip("match at a distance", buf, n);
        }
    }
    /* many copies of one random block: matches of every length from 4 to 258 */
    for (size_t blk = 4; blk <= 300; blk += 7) {
        size_t n = 0;
        for (size_t i = 0; i < blk; i++)
            buf[n++] = (unsigned char)rnd();
        while (n + blk <= 65535 && n < 20000) {
            size_t take = 1 + rnd() % blk;
            memmove(buf + n, buf + (n - blk), take);
            n += take;
            buf[n++] = (unsigned char)rnd();
        }
        roundtrip("copies of a block", buf, n);
    }
    free(buf);
}

/* Symbol frequencies in Fibonacci proportions make the deepest Huffman
 * trees, and skewed code lengths deep code-length codes, which must be cut. */
static void test_skewed(void)
{
    unsigned char *buf = malloc(65535);
    uint32_t fib[40] = {1, 1};
    for (int i = 2; i < 40; i++)
        fib[i] = fib[i - 1] + fib[i - 2];
    for (int syms = 2; syms <= 24; syms++) {
        size_t n = 0;
        for (int s = 0; s < syms && n < 65535; s++)
            for (uint32_t k = 0; k < fib[s] && n < 65535; k++)
                buf[n++] = (unsigned char)(s * 7 + 1);
        /* shuffled, so that few matches change the counts */
        for (size_t i = n; i > 1; i--) {
            size_t j = rnd() % i;
            unsigned char t = buf[i - 1];
            buf[i - 1] = buf[j];
            buf[j] = t;
        }
        roundtrip("Fibonacci frequencies", buf, n);
    }
    /* every byte value, the counts of the last ones doubling */
    size_t n = 0;
    for (int s = 0; s < 256 && n < 65535; s++) {
        size_t c = s < 240 ? 1 : (size_t)1 << (s - 240);
        for (size_t k = 0; k < c && n < 65535; k++)
            buf[n++] = (unsigned char)s;
    }
    for (size_t i = n; i > 1; i--) {
        size_t j = rnd() % i;
        unsigned char t = buf[i - 1];
        buf[i - 1] = buf[j];
        buf[j] = t;
    }
    roundtrip("doubling counts", buf, n);
    /* random mixtures of text, runs and noise */
    for (int round = 0; round < 300; round++) {
        size_t len = 1 + rnd() % (round < 200 ? 9000 : 65535);
        n = 0;
        while (n < len) {
            size_t k = 1 + rnd() % 400;
            if (k > len - n)
                k = len - n;
            switch (rnd() % 4) {
            case 0: text(buf + n, k); break;
            case 1: memset(buf + n, (int)(rnd() & 0xff), k); break;
            case 2: for (size_t i = 0; i < k; i++) buf[n + i] = (unsigned char)rnd(); break;
            default:
                if (n > k) {
                    size_t from = rnd() % (n - k);
                    memmove(buf + n, buf + from, k);
                } else {
                    text(buf + n, k);
                }
            }
            n += k;
        }
        roundtrip("mixture", buf, n);
    }
    free(buf);
}

typedef struct job {
    const unsigned char *data;
    size_t len;
    unsigned char *z;
    size_t zlen;
    int method;
} job;

static void *thread_main(void *p)
{
    job *j = p;
    j->method = quire__epub_deflate(j->data, j->len, &j->z, &j->zlen);
    return NULL;
}

/* The same input gives the same bytes whatever came before, on any thread. */
static void test_deterministic(void)
{
    unsigned char *a = malloc(60000), *b = malloc(60000);
    size_t na = text(a, 5000), nb = text(b, 60000);
    unsigned char *z1 = NULL, *z2 = NULL;
    size_t l1 = 0, l2 = 0;
    int m1 = quire__epub_deflate(a, na, &z1, &l1);
    unsigned char *zb = NULL;
    size_t lb = 0;
    quire__epub_deflate(b, nb, &zb, &lb); /* fills the tables with other positions */
    int m2 = quire__epub_deflate(a, na, &z2, &l2);
    CHECK(m1 == 8 && m2 == 8 && l1 == l2 && memcmp(z1, z2, l1) == 0,
          "second compression differs (%zu, %zu bytes)", l1, l2);
    job j = {a, na, NULL, 0, -1};
    pthread_t t;
    if (pthread_create(&t, NULL, thread_main, &j) == 0) {
        pthread_join(t, NULL);
        CHECK(j.method == 8 && j.zlen == l1 && memcmp(j.z, z1, l1) == 0,
              "another thread's compression differs");
        free(j.z);
    }
    checked += 3;
    free(z1);
    free(z2);
    free(zb);
    free(a);
    free(b);
}

/* The code-length routine on frequencies no chapter gives easily: a
 * Fibonacci series makes the unlimited Huffman tree as deep as it can be
 * (about 25 levels for 64 KiB), so the limit to 15 (and to 7 for the
 * code-length code) must move leaves up and still leave a complete code.
 * Checked: every used symbol has a length, none over the limit, the Kraft
 * sum is exactly one, and a more frequent symbol never gets a longer code. */
static void check_lengths(const uint32_t *freq, unsigned n, unsigned maxlen, const char *what)
{
    uint8_t lens[286];
    quire__epub_z_lengths(freq, n, maxlen, lens);
    unsigned used = 0;
    uint64_t kraft = 0; /* in units of 2^-maxlen */
    bool ok = true;
    for (unsigned i = 0; i < n; i++) {
        if (!freq[i])
            continue;
        used++;
        ok &= lens[i] >= 1 && lens[i] <= maxlen;
        if (lens[i] >= 1 && lens[i] <= maxlen)
            kraft += (uint64_t)1 << (maxlen - lens[i]);
        for (unsigned j = 0; j < n; j++)
            ok &= !(freq[j] && freq[i] > freq[j] && lens[i] > lens[j]);
    }
    checked++;
    CHECK(ok, "%s: a length out of range or out of frequency order", what);
    if (used >= 2)
        CHECK(kraft == (uint64_t)1 << maxlen, "%s: Kraft sum %llu/%llu, not a complete code", what,
              (unsigned long long)kraft, (unsigned long long)1 << maxlen);
}

static void test_length_limits(void)
{
    uint32_t freq[286];
    /* Fibonacci frequencies on the first k symbols (the rest unused), for
     * every k up to 25: 75,025 is more than a 64 KiB chapter can hold. */
    for (unsigned k = 2; k <= 25; k++) {
        memset(freq, 0, sizeof freq);
        uint32_t a = 1, b = 1;
        for (unsigned i = 0; i < k; i++) {
            freq[i] = a;
            uint32_t c = a + b;
            a = b;
            b = c;
        }
        check_lengths(freq, 286, 15, "fibonacci, 286 symbols, limit 15");
        check_lengths(freq, 286, 14, "fibonacci, 286 symbols, limit 14"); /* literals */
        check_lengths(freq, 30, 15, "fibonacci, 30 symbols, limit 15");
        if (k <= 19)
            check_lengths(freq, 19, 7, "fibonacci, 19 symbols, limit 7");
    }
    /* Random skewed frequencies (powers of two spread over the symbols). */
    for (int round = 0; round < 2000; round++) {
        unsigned n = round % 3 == 0 ? 19 : round % 3 == 1 ? 30 : 286;
        unsigned maxlen = n == 19 ? 7 : n == 286 && round % 2 ? 14 : 15;
        for (unsigned i = 0; i < n; i++)
            freq[i] = rnd() % 3 ? 0 : 1u << (rnd() % 16);
        check_lengths(freq, n, maxlen, "random skewed");
    }
}

/* No position inside a match goes into the encoder's table: text that
 * repeats, right after a match or a little shifted, must still be found.  Copies of a block of word salad must cost little more than the
 * block (a match of up to 258 bytes takes a few bytes; a parse that lost
 * the repeats would pay for every copy), and so must copies that each
 * start at another offset of the block. */
static void test_repeats(void)
{
    unsigned char *buf = malloc(65535), *z = NULL;
    size_t zlen = 0, once = 0;
    for (size_t blk = 500; blk <= 4000; blk *= 2) {
        text(buf, blk);
        CHECK(quire__epub_deflate(buf, blk, &z, &once) == 8, "a block of %zu", blk);
        free(z);
        size_t n = blk;
        while (n + blk <= 40000) {
            memcpy(buf + n, buf, blk);
            n += blk;
        }
        roundtrip("a block repeated", buf, n);
        CHECK(quire__epub_deflate(buf, n, &z, &zlen) == 8 && zlen < once + n / 32,
              "%zu copies of %zu bytes: %zu bytes, once %zu", n / blk, blk, zlen, once);
        free(z);
        /* copies shifted by one byte each: matches end mid-block */
        n = blk;
        for (size_t k = 1; n + blk <= 40000; k++) {
            memcpy(buf + n, buf + k % 16, blk - 16);
            n += blk - 16;
        }
        roundtrip("shifted copies", buf, n);
        CHECK(quire__epub_deflate(buf, n, &z, &zlen) == 8 && zlen < once + n / 32,
              "shifted copies of %zu bytes: %zu bytes, once %zu", blk, zlen, once);
        free(z);
    }
    free(buf);
}

/* The code-length routine's sort (insertion for few symbols, radix in
 * passes sized to the largest frequency otherwise) and its depth counting
 * against a plain Huffman construction: when no length needs limiting,
 * the total (frequency times length) must be the minimum, which is the sum
 * of the weights of the merged nodes; with limiting, never less.  Every
 * number of used symbols and frequencies from 1 to 65535. */
static uint64_t huffman_cost(const uint32_t *freq, unsigned n, unsigned *depth_out)
{
    uint64_t w[2 * 286];
    int parent[2 * 286];
    bool live[2 * 286];
    unsigned leaves = 0, nodes = 0;
    for (unsigned i = 0; i < n; i++)
        if (freq[i]) {
            w[nodes] = freq[i];
            live[nodes] = true;
            parent[nodes] = -1;
            nodes++;
            leaves++;
        }
    uint64_t cost = 0;
    for (unsigned alive = leaves; alive > 1; alive--) {
        int a = -1, b = -1;
        for (unsigned i = 0; i < nodes; i++) {
            if (!live[i])
                continue;
            if (a < 0 || w[i] < w[a]) {
                b = a;
                a = (int)i;
            } else if (b < 0 || w[i] < w[b]) {
                b = (int)i;
            }
        }
        live[a] = live[b] = false;
        w[nodes] = w[a] + w[b];
        cost += w[nodes];
        live[nodes] = true;
        parent[nodes] = -1;
        parent[a] = parent[b] = (int)nodes;
        nodes++;
    }
    unsigned deepest = 0;
    for (unsigned i = 0; i < leaves; i++) {
        unsigned d = 0;
        for (int j = parent[i]; j >= 0; j = parent[j])
            d++;
        if (d > deepest)
            deepest = d;
    }
    *depth_out = deepest;
    return cost;
}

static void test_lengths_optimal(void)
{
    uint32_t freq[286];
    uint8_t lens[286];
    for (int round = 0; round < 3000; round++) {
        unsigned n = round % 3 == 0 ? 19 : round % 3 == 1 ? 30 : 286;
        unsigned maxlen = n == 19 ? 7 : n == 286 && round % 2 ? 14 : 15;
        unsigned used = 2 + rnd() % (n - 1);
        uint32_t top = 1u << (rnd() % 17); /* 1 .. 65536: one to three radix passes */
        if (top > 65535)
            top = 65535;
        memset(freq, 0, sizeof freq);
        for (unsigned k = 0; k < used; k++)
            freq[rnd() % n] = 1 + rnd() % top;
        if (round % 7 == 0) /* many equal frequencies: ties */
            for (unsigned k = 0; k < n; k++)
                freq[k] = freq[k] ? 1 + freq[k] % 3 : 0;
        check_lengths(freq, n, maxlen, "random, against Huffman");
        quire__epub_z_lengths(freq, n, maxlen, lens);
        uint64_t got = 0;
        for (unsigned k = 0; k < n; k++)
            got += (uint64_t)freq[k] * lens[k];
        unsigned depth;
        uint64_t best = huffman_cost(freq, n, &depth);
        unsigned m = 0;
        for (unsigned k = 0; k < n; k++)
            m += freq[k] != 0;
        if (m < 2)
            continue;
        checked++;
        if (depth <= maxlen)
            CHECK(got == best, "%u symbols (%u used, up to %u): cost %llu, Huffman %llu", n, m, top,
                  (unsigned long long)got, (unsigned long long)best);
        else
            CHECK(got >= best, "%u symbols: cost %llu below Huffman's %llu", n,
                  (unsigned long long)got, (unsigned long long)best);
    }
}

/* Short inputs take the fixed codes, longer ones dynamic codes; the
 * encoder computes the block's size before writing it and stores the entry
 * when the two differ, so both kinds must come out deflated, with the
 * block type the sizes chose.  And a literal run as long as an entry may
 * be (65,535 bytes, one sequence) next to one match at its end. */
static void test_block_kinds(void)
{
    unsigned char *buf = malloc(65535), *z = NULL;
    size_t zlen = 0;
    static const char shortone[] = "<p>abc abc abc abc abc abc abc abc</p>";
    CHECK(roundtrip("short", (const unsigned char *)shortone, sizeof shortone - 1) == 8 &&
              quire__epub_deflate(shortone, sizeof shortone - 1, &z, &zlen) == 8 &&
              ((z[0] >> 1) & 3) == 1,
          "a short repetitive input is not deflated with fixed codes");
    free(z);
    size_t n = text(buf, 5000);
    CHECK(quire__epub_deflate(buf, n, &z, &zlen) == 8 && ((z[0] >> 1) & 3) == 2,
          "5,000 bytes of text are not deflated with dynamic codes");
    free(z);
    /* 65,535 bytes without a repeated 4-byte string but skewed (one of
     * 16 values in 3 of 4 bytes): no match until the copy at the end */
    for (size_t i = 0; i < 65535; i++)
        buf[i] = (unsigned char)(i & 3 ? 'a' + (i >> 2) % 16 : i >> 6);
    for (size_t i = 0; i + 4 <= 65535; i += 4)
        buf[i + 1] = (unsigned char)('a' + (i >> 2) % 16), buf[i + 2] = (unsigned char)('a' + (i >> 6) % 16),
        buf[i + 3] = (unsigned char)('a' + (i >> 10) % 16);
    memcpy(buf + 65535 - 300, buf + 1000, 300);
    CHECK(roundtrip("one long literal run", buf, 65535) == 8, "a long literal run not deflated");
    free(buf);
}

/* Edges of the parse: repeats at distance 1 to 32768 that run for thousands
 * of bytes, matches of 250 to 262 bytes (258 is the longest, 259 must be
 * split) ending at the very end of the input or just before it, sizes
 * around every table size the encoder picks (powers of two), noise of every
 * length between repeats. */
static void test_edges(void)
{
    unsigned char *buf = malloc(65536 + 300);
    static const size_t far[] = {1, 2, 3, 4, 7, 8, 9, 258, 259, 32767, 32768};
    for (size_t k = 0; k < sizeof far / sizeof far[0]; k++) {
        size_t d = far[k];
        /* d random bytes, then copies of them up to 65535 bytes */
        for (size_t i = 0; i < d; i++)
            buf[i] = (unsigned char)rnd();
        for (size_t i = d; i < 65535; i++)
            buf[i] = buf[i - d];
        roundtrip("a long repeat at a distance", buf, 65535);
        roundtrip("a long repeat at a distance, shorter", buf,
                  d + 40000 < 65535 ? d + 40000 : 65535);
        /* one copy of len bytes d back, ending at the end of the input or
         * a few bytes before it */
        for (size_t len = 250; len <= 262; len++)
            for (size_t after = 0; after <= 9; after += (after < 3 ? 1 : 6)) {
                size_t n = d + len + after;
                if (n > 65535)
                    continue;
                for (size_t i = 0; i < d; i++)
                    buf[i] = (unsigned char)rnd();
                for (size_t i = d; i < d + len; i++)
                    buf[i] = buf[i - d];
                for (size_t i = d + len; i < n; i++)
                    buf[i] = (unsigned char)rnd();
                roundtrip("a match of 250 to 262 bytes", buf, n);
            }
    }
    /* sizes around the table's powers of two: text, text ending in a
     * repeat, one byte value, random bytes */
    for (size_t p = 256; p <= 65536; p *= 2)
        for (size_t n = p - 2; n <= p + 2; n++) {
            text(buf, n);
            roundtrip("text at a table size", buf, n);
            if (n > 600) {
                memcpy(buf + n - 300, buf + n / 3, 300);
                roundtrip("text ending in a repeat at a table size", buf, n);
            }
            memset(buf, 'x', n);
            roundtrip("one byte at a table size", buf, n);
            for (size_t i = 0; i < n; i++)
                buf[i] = (unsigned char)rnd();
            roundtrip("random at a table size", buf, n);
        }
    /* noise of every length up to 300 between repeats of text */
    for (size_t gap = 1; gap <= 300; gap += (gap < 40 ? 1 : 13)) {
        text(buf, 200);
        size_t n = 200;
        while (n + gap + 50 <= 20000) {
            for (size_t i = 0; i < gap; i++)
                buf[n++] = (unsigned char)rnd();
            memcpy(buf + n, buf + rnd() % 150, 50);
            n += 50;
        }
        roundtrip("noise between repeats", buf, n);
    }
    free(buf);
}

int main(void)
{
    has_variant = quire__epub_z_force_plain(false);
    printf("encoder built for this processor too: %s\n",
           has_variant ? "yes (its bytes compared with the plain build's)" : "no");
    test_sizes();
    test_matches();
    test_skewed();
    test_length_limits();
    test_lengths_optimal();
    test_block_kinds();
    test_deterministic();
    test_repeats();
    test_edges();
    if (failures)
        fprintf(stderr, "%d check(s) failed\n", failures);
    printf("%d inputs, %d failed\n", checked, failures);
    return failures ? 1 : 0;
}
