/*
 * encoding.c — text input that is not clean UTF-8, decoded once before a
 * reader parses it, with one warning (file:line:column of the first bad
 * byte) per kind of problem.  Nothing is dropped silently:
 *
 *   - no valid multi-byte UTF-8 sequence, nor anything shaped like one (a
 *     lead byte then a continuation byte), but bytes >= 0x80: a legacy
 *     8-bit file; it is decoded as Windows-1252 (a superset of Latin-1 for
 *     every printable character), so "café" stays "café";
 *   - otherwise each invalid sequence (stray byte, overlong form, surrogate,
 *     past U+10FFFF, truncated) becomes U+FFFD, so that the mistake shows;
 *   - NUL and the C0 controls XML 1.0 forbids (all but TAB, LF, CR) become
 *     U+FFFD too: every output is XML or JSON read by C code, where they
 *     would either truncate or invalidate the text.
 *
 * Linear: one pass to scan, one to copy, only when something must change.
 */
#include "internal.h"

#include <stdlib.h>
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

/* Windows-1252 0x80..0x9F; 0 for the five unassigned bytes (-> U+FFFD). */
static const uint16_t cp1252_c1[32] = {
    0x20AC, 0,      0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
    0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0,      0x017D, 0,
    0,      0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
    0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0,      0x017E, 0x0178,
};

static bool is_bad_control(unsigned char c)
{
    return c < 0x20 && c != '\t' && c != '\n' && c != '\r';
}

typedef struct where {
    size_t count, offset; /* how many; byte offset of the first */
} where;

static void note(where *w, size_t off)
{
    if (!w->count++)
        w->offset = off;
}

/* 1-based line and byte column of offset off. */
static void position(const char *data, size_t off, uint32_t *line, uint32_t *col)
{
    uint32_t l = 1;
    size_t start = 0;
    for (size_t i = 0; i < off; i++)
        if (data[i] == '\n') {
            l++;
            start = i + 1;
        }
    *line = l;
    *col = (uint32_t)(off - start + 1);
}

static void warn(const quire_read_ctx *ctx, const char *component, const char *data,
                 const where *w, const char *what)
{
    uint32_t line, col;
    /* The build's second pass reads the file again: it was reported once. */
    if (ctx->flags & QUIRE_READ_BODY_ONLY)
        return;
    position(data, w->offset, &line, &col);
    quire_diag_add(ctx->diags, QUIRE_SEV_WARNING, component, ctx->path, line, col,
                   "%s (%zu in this file; the first is here)", what, w->count);
}

/* Length of the well-formed UTF-8 sequence at p[0..n) whose lead byte is
 * >= 0x80, 0 if ill-formed: the same verdict as quire__utf8_decode (no
 * overlongs, surrogates or code points past U+10FFFF), without building the
 * code point.  The second byte's range depends on the lead (Unicode Table
 * 3-7); later bytes are plain continuation bytes. */
static inline size_t utf8_seq_len(const unsigned char *p, size_t n)
{
    unsigned char c = p[0];
    size_t len;
    unsigned char lo = 0x80, hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF) {
        len = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
        len = 3;
        if (c == 0xE0)
            lo = 0xA0;
        else if (c == 0xED)
            hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4;
        if (c == 0xF0)
            lo = 0x90;
        else if (c == 0xF4)
            hi = 0x8F;
    } else {
        return 0;
    }
    if (n < len || p[1] < lo || p[1] > hi)
        return 0;
    for (size_t i = 2; i < len; i++)
        if ((p[i] & 0xC0) != 0x80)
            return 0;
    return len;
}

/* The character at p[i] when it is not plain text (0x20..0x7F, TAB, LF,
 * CR): a valid UTF-8 sequence or an allowed control goes on (its
 * length), anything else ends the clean scan (0). */
static inline size_t utf8_clean_step(const unsigned char *p, size_t i, size_t len)
{
    unsigned char c = p[i];
    if (c >= 0x20 && c < 0x80)
        return 1;
    if (c < 0x80)
        return is_bad_control(c) ? 0 : 1;
    return utf8_seq_len(p + i, len - i);
}

/*
 * True when quire__text_to_utf8's scan would find nothing to change: valid
 * UTF-8, no NUL, no control character but TAB, LF, CR.  Nearly every file
 * is like that, so this is the common path, and it must cost about a
 * memchr: sixteen bytes at a time (SSE2) or eight (quire__word_is_text)
 * while they are all plain text, one character at a time otherwise.
 */
static bool utf8_text_clean(const unsigned char *p, size_t len)
{
    size_t i = 0;
#if defined(__SSE2__)
    /* As signed bytes, the controls and the bytes >= 0x80 compare below
     * 0x20; TAB, LF and CR among them are plain text too. */
    const __m128i sp = _mm_set1_epi8(0x20), tab = _mm_set1_epi8('\t'),
                  lf = _mm_set1_epi8('\n'), cr = _mm_set1_epi8('\r');
    while (len - i >= 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(p + i));
        unsigned low = (unsigned)_mm_movemask_epi8(_mm_cmplt_epi8(v, sp));
        if (!low) { /* printable ASCII only: most blocks */
            i += 16;
            continue;
        }
        __m128i ok = _mm_or_si128(_mm_cmpeq_epi8(v, lf),
                                  _mm_or_si128(_mm_cmpeq_epi8(v, tab), _mm_cmpeq_epi8(v, cr)));
        unsigned mask = low & ~(unsigned)_mm_movemask_epi8(ok);
        /* Judge every character the mask marks in this block without
         * loading it again: non-ASCII letters come in clusters ("Łódź").
         * Unmarked bytes are plain text; a character may end past the
         * block, and the next block then starts after it. */
        size_t base = i;
        i += 16;
        while (mask) {
            size_t j = base + (size_t)__builtin_ctz(mask);
            size_t k = utf8_clean_step(p, j, len);
            if (!k)
                return false;
            j += k;
            if (j >= base + 16) {
                i = j;
                break;
            }
            mask &= ~0u << (j - base); /* the bytes it took are judged */
        }
    }
#endif
    while (i < len) {
        if (len - i >= 8 && quire__word_is_text(quire__load64(p + i))) {
            i += 8;
            continue;
        }
        size_t stop = i + 8 < len ? i + 8 : len;
        while (i < stop) {
            size_t k = utf8_clean_step(p, i, len);
            if (!k)
                return false;
            i += k;
        }
    }
    return true;
}

int quire__text_to_utf8(const quire_read_ctx *ctx, const char *component, const char *data,
                        size_t len, char **out, size_t *out_len)
{
    *out = NULL;
    *out_len = 0;
    if (utf8_text_clean((const unsigned char *)data, len))
        return QUIRE_OK;
    /* Something must change: the exact scan below counts each kind of
     * problem and finds the first of each for the warnings. */
    const unsigned char *p = (const unsigned char *)data;
    where invalid = {0}, controls = {0}, nuls = {0};
    size_t multibyte = 0, utf8_like = 0;
    for (size_t i = 0; i < len;) {
        uint32_t cp;
        size_t n = quire__utf8_decode(p + i, len - i, &cp);
        if (!n) {
            note(&invalid, i);
            /* A lead byte followed by a continuation byte is UTF-8 gone
             * wrong (overlong, surrogate, cut), not Latin-1 text, where a
             * letter before one of 0x80..0xBF is rare. */
            if (p[i] >= 0xC0 && i + 1 < len && (p[i + 1] & 0xC0) == 0x80)
                utf8_like++;
            i++;
            continue;
        }
        if (n > 1)
            multibyte++;
        else if (!p[i])
            note(&nuls, i);
        else if (is_bad_control(p[i]))
            note(&controls, i);
        i += n;
    }
    if (!invalid.count && !controls.count && !nuls.count)
        return QUIRE_OK;
    bool legacy = invalid.count && !multibyte && !utf8_like;
    quire_buf b;
    quire__buf_init(&b);
    for (size_t i = 0; i < len;) {
        uint32_t cp;
        size_t n = legacy ? 1 : quire__utf8_decode(p + i, len - i, &cp);
        if (legacy)
            cp = p[i] >= 0x80 && p[i] <= 0x9F ? cp1252_c1[p[i] - 0x80] : p[i];
        if (!n) {
            cp = 0xFFFD;
            n = 1;
        }
        if (cp == 0 || (cp < 0x20 && is_bad_control((unsigned char)cp)))
            cp = 0xFFFD;
        if (cp < 0x80)
            quire__buf_putc(&b, (char)cp);
        else
            quire__utf8_put(&b, cp);
        i += n;
    }
    if (b.oom) {
        quire__buf_free(&b);
        return QUIRE_ERR_NOMEM;
    }
    if (legacy)
        warn(ctx, component, data, &invalid,
             "the file is not UTF-8: it is read as Windows-1252 (Latin-1); save it as "
             "UTF-8 to silence this");
    else if (invalid.count)
        warn(ctx, component, data, &invalid,
             "invalid UTF-8 (stray byte, overlong form, surrogate or truncated sequence) "
             "replaced with U+FFFD");
    if (nuls.count)
        warn(ctx, component, data, &nuls, "NUL byte replaced with U+FFFD");
    if (controls.count)
        warn(ctx, component, data, &controls,
             "control character that XML forbids replaced with U+FFFD");
    *out = quire__buf_detach(&b, out_len);
    return *out ? QUIRE_OK : QUIRE_ERR_NOMEM;
}
