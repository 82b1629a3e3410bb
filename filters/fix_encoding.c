/*
 * fix_encoding.c — filter "fix-encoding": make every string of a document
 * clean UTF-8 that XML 1.0 accepts, repairing mojibake on the way.
 *
 * Three steps per string, in this order:
 *   1. decode as UTF-8; each maximal ill-formed subpart becomes one U+FFFD
 *      (Unicode's recommended practice, which is also what browsers do), so
 *      that step 2 works on code points and never sees a lone surrogate;
 *   2. repair mojibake: UTF-8 that was decoded as Windows-1252 (or Latin-1)
 *      and encoded again.  Each character is mapped back to the byte that
 *      cp1252 would have decoded it from; a run of such bytes that forms one
 *      complete, valid multi-byte UTF-8 sequence is replaced by the character
 *      it encodes ("â€”" -> "—", "Ã©" -> "é", "ðŸ˜‚" -> 😂).  Repeated
 *      while something changes (at most FE_MAX_PASSES) for text encoded twice;
 *   3. drop characters illegal in XML 1.0 (C0 controls but TAB, LF, CR;
 *      U+FFFE, U+FFFF).
 *
 * Why this is conservative: a repair needs a lead (U+00C2..U+00F4, "Â".."ô")
 * followed by exactly the right number of characters that map to
 * continuation bytes (U+0080..U+00BF or the cp1252 punctuation of
 * 0x80..0x9F).  Real text in Latin scripts rarely has that shape: "café",
 * "naïve", "Ångström", "São Paulo" put an ASCII letter or nothing after the
 * accented letter, and characters above U+00FF (CJK, Greek...) never map to
 * a byte at all.  The shape it does have — an accented letter then closing
 * punctuation, as in „Straße“, “CAFÉ” or « café » — is "ambiguous" and only
 * repaired in a string that also holds unambiguous mojibake (such as "â€"
 * or "Ã©"), see fe_repair_pass().
 *
 * Options: mojibake=true|false (default true) turns step 2 off.
 * Strings that are plain printable ASCII are left as they are (no copy).
 */
#include "internal.h"

#include <stdlib.h>
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#define FE_NAME "fix-encoding"
/* A text encoded three times is already rare; more passes only cost time. */
#define FE_MAX_PASSES 4

typedef struct fe_priv {
    bool mojibake;
} fe_priv;

/* cp1252 bytes 0x80..0x9F.  0 marks the five undefined bytes (0x81, 0x8D,
 * 0x8F, 0x90, 0x9D): decoders pass them through as U+0081 etc., which the
 * Latin-1 rule in fe_cp1252_byte() already maps back. */
static const uint16_t fe_cp1252_high[32] = {
    0x20AC, 0,      0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
    0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0,      0x017D, 0,
    0,      0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
    0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0,      0x017E, 0x0178,
};

/* The byte a Windows-1252 (or Latin-1) decoder turned into cp, or -1 when
 * no single byte decodes to cp. */
static int fe_cp1252_byte(uint32_t cp)
{
    if (cp < 0x100)
        return (int)cp; /* ASCII, C1 controls (Latin-1 view) and U+00A0..U+00FF */
    if (cp > 0x2122)
        return -1;
    for (int i = 0; i < 32; i++)
        if (fe_cp1252_high[i] == cp)
            return 0x80 + i;
    return -1;
}

/*
 * Decode one character at s[0..n).  Returns the number of bytes consumed
 * (>= 1).  On an ill-formed sequence *cp is U+FFFD and the count covers the
 * maximal subpart (the longest prefix of a well-formed sequence, or 1), per
 * Unicode 15 §3.9 "U+FFFD Substitution of Maximal Subparts".
 */
static size_t fe_decode(const unsigned char *s, size_t n, uint32_t *cp)
{
    unsigned char c = s[0];
    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    size_t len;
    uint32_t v;
    unsigned char lo = 0x80, hi = 0xBF; /* allowed range of the second byte */
    if (c >= 0xC2 && c <= 0xDF) { len = 2; v = c & 0x1F; }
    else if (c >= 0xE0 && c <= 0xEF) {
        len = 3; v = c & 0x0F;
        if (c == 0xE0) lo = 0xA0;        /* overlong */
        else if (c == 0xED) hi = 0x9F;   /* surrogates */
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4; v = c & 0x07;
        if (c == 0xF0) lo = 0x90;        /* overlong */
        else if (c == 0xF4) hi = 0x8F;   /* above U+10FFFF */
    } else {
        *cp = 0xFFFD;
        return 1;
    }
    size_t i = 1;
    for (; i < len && i < n; i++) {
        unsigned char b = s[i];
        unsigned char l = i == 1 ? lo : 0x80, h = i == 1 ? hi : 0xBF;
        if (b < l || b > h)
            break;
        v = (v << 6) | (b & 0x3F);
    }
    if (i < len) {
        *cp = 0xFFFD;
        return i;
    }
    *cp = v;
    return len;
}

static size_t fe_encode(uint32_t cp, unsigned char out[4])
{
    if (cp < 0x80) { out[0] = (unsigned char)cp; return 1; }
    if (cp < 0x800) {
        out[0] = (unsigned char)(0xC0 | (cp >> 6));
        out[1] = (unsigned char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (unsigned char)(0xE0 | (cp >> 12));
        out[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (unsigned char)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (unsigned char)(0xF0 | (cp >> 18));
    out[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
    out[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
    out[3] = (unsigned char)(0x80 | (cp & 0x3F));
    return 4;
}

/*
 * Punctuation that legitimately follows a letter in correct text: quotes,
 * guillemets, ellipsis, dashes, NBSP (French puts one before » ; : ! ?),
 * degree, superscripts, fractions.  A run whose continuation characters are
 * all of these ("ß“" in „Straße“, "É”", "é\u00A0»" in « café ») is ambiguous.
 */
static bool fe_trailing_punct(int byte)
{
    switch (byte) {
    case 0x82: case 0x84: case 0x85: case 0x8B: case 0x91: case 0x92: case 0x93:
    case 0x94: case 0x96: case 0x97: case 0x99: case 0x9B: case 0xA0: case 0xA1:
    case 0xAB: case 0xB0: case 0xB2: case 0xB3: case 0xB7: case 0xB9: case 0xBB:
    case 0xBC: case 0xBD: case 0xBE: case 0xBF:
        return true;
    default:
        return false;
    }
}

/*
 * If cps[i..] starts a repairable run, return its length (2..4) and the
 * character in *out; *ambiguous tells whether correct text could look the
 * same.  0 when there is nothing to repair at i.
 */
static size_t fe_candidate(const uint32_t *cps, size_t i, size_t n, uint32_t *out,
                           bool *ambiguous)
{
    int lead = fe_cp1252_byte(cps[i]);
    size_t len = lead >= 0xC2 && lead <= 0xDF ? 2
               : lead >= 0xE0 && lead <= 0xEF ? 3
               : lead >= 0xF0 && lead <= 0xF4 ? 4 : 0;
    if (!len || i + len > n)
        return 0;
    unsigned char bytes[4];
    bytes[0] = (unsigned char)lead;
    /* "Â" and "Ã" before a symbol are mojibake's signature, not words. */
    bool all_punct = lead != 0xC2 && lead != 0xC3;
    for (size_t k = 1; k < len; k++) {
        int b = fe_cp1252_byte(cps[i + k]);
        if (b < 0x80 || b > 0xBF)
            return 0;
        bytes[k] = (unsigned char)b;
        all_punct = all_punct && fe_trailing_punct(b);
    }
    /* fe_decode also rejects overlongs, surrogates and > U+10FFFF, so a
     * repair never makes an invalid character. */
    if (fe_decode(bytes, len, out) != len || *out == 0xFFFD)
        return 0;
    *ambiguous = all_punct;
    return len;
}

/*
 * One repair pass over cps[0..n) in place.  Returns the new length; *changed
 * tells whether anything was replaced.  Ambiguous runs are repaired only
 * when the same string holds an unambiguous one: then the string is known
 * to be mojibake, and "Ã©tÃ© Â»" is all of a piece.
 */
static size_t fe_repair_pass(uint32_t *cps, size_t n, bool *changed)
{
    bool evidence = false;
    for (size_t i = 0; i < n && !evidence;) {
        uint32_t cp;
        bool amb;
        size_t len = fe_candidate(cps, i, n, &cp, &amb);
        evidence = len && !amb;
        i += len ? len : 1;
    }
    if (!evidence)
        return n;
    size_t w = 0;
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        bool amb;
        size_t len = fe_candidate(cps, i, n, &cp, &amb);
        if (len) {
            cps[w++] = cp;
            i += len;
            *changed = true;
        } else {
            cps[w++] = cps[i++];
        }
    }
    return w;
}

static bool fe_xml_ok(uint32_t c)
{
    return quire__xml_char_ok(c);
}

/* A string shorter than eight bytes (keys, short values, attribute names)
 * as one word for quire__word_is_text, without reading past its end: two
 * overlapping four-byte loads for 4..7 bytes; for 1..3 its first, middle
 * and last byte, the other five places filled with spaces. */
static uint64_t fe_short_word(const unsigned char *s, size_t n)
{
    if (n >= 4) {
        uint32_t lo, hi;
        memcpy(&lo, s, 4);
        memcpy(&hi, s + n - 4, 4);
        return lo | (uint64_t)hi << 32;
    }
    return s[0] | (uint64_t)s[n >> 1] << 8 | (uint64_t)s[n - 1] << 16 |
           UINT64_C(0x2020202020) << 24;
}

/* The common case of fe_clean_utf8, cheap enough to inline where strings
 * are walked: only bytes 0x20..0x7F and newlines, judged a word at a time
 * (the last word overlapping the one before).  Returns n when s is all
 * that, else how many bytes from the start are known to be (a multiple of
 * eight, maybe 0), for fe_clean_utf8 to go on from. */
static inline size_t fe_plain(const unsigned char *s, size_t n)
{
    if (n < 8)
        return !n || quire__word_is_text(fe_short_word(s, n)) ? n : 0;
    size_t i = 0;
    for (; n - i > 8; i += 8)
        if (!quire__word_is_text(quire__load64(s + i)))
            return i;
    return quire__word_is_text(quire__load64(s + n - 8)) ? n : i;
}

/* The bytes of w that are not plain text (0x20..0x7F or '\n'), as their top
 * bits.  Exact for every byte below the first one with its top bit set:
 * the sums carry only upwards, out of such a byte.  So on a little-endian
 * machine the lowest bit set marks the first byte that needs a look. */
static inline uint64_t fe_not_text(uint64_t w)
{
    uint64_t printable = (w + 0x60 * QUIRE__ONES64) & QUIRE__HIGH64; /* b >= 0x20 */
    uint64_t e = w ^ (0x0A * QUIRE__ONES64);
    uint64_t newline = ~((e + 0x7F * QUIRE__ONES64) | e) & QUIRE__HIGH64; /* b == '\n' */
    return (w | ~(printable | newline)) & QUIRE__HIGH64;
}

/*
 * The character at s[i], which is not plain text (fe_not_text): its length
 * when it is valid UTF-8, allowed in XML and (when repair is on) cannot
 * start a mojibake run, else 0.  Every run starts with U+00C2..U+00F4.
 * 0x7F is allowed in XML, so it needs no exception.
 */
static inline size_t fe_clean_step(const unsigned char *s, size_t i, size_t n, bool mojibake)
{
    unsigned char c = s[i];
    if (c < 0x80)
        return c < 0x20 && c != '\t' && c != '\n' && c != '\r' ? 0 : 1;
    uint32_t cp;
    size_t k;
    if (c >= 0xC2 && c <= 0xDF && i + 1 < n && (s[i + 1] & 0xC0) == 0x80) {
        /* two bytes, the usual accented letter: valid by construction,
         * and every such character is allowed in XML */
        cp = (uint32_t)(c & 0x1F) << 6 | (s[i + 1] & 0x3F);
        k = 2;
    } else if (c >= 0xE1 && c <= 0xEF && c != 0xED && i + 2 < n &&
               (s[i + 1] & 0xC0) == 0x80 && (s[i + 2] & 0xC0) == 0x80) {
        /* three bytes (dashes, quotes, CJK) with a lead that allows
         * every continuation: no overlong, no surrogate (E0 and ED
         * restrict the second byte: fe_decode judges those) */
        cp = (uint32_t)(c & 0x0F) << 12 | (uint32_t)(s[i + 1] & 0x3F) << 6 | (s[i + 2] & 0x3F);
        k = 3;
        if (cp >= 0xFFFE)
            return 0; /* U+FFFE, U+FFFF: not allowed in XML */
    } else {
        k = fe_decode(s + i, n - i, &cp);
        if (!quire__xml_char_ok(cp))
            return 0;
        /* fe_decode reports an invalid sequence as U+FFFD too: only a
         * real one (EF BF BD) is clean. */
        if (cp == 0xFFFD && (k != 3 || memcmp(s + i, "\xef\xbf\xbd", 3) != 0))
            return 0;
    }
    if (mojibake && cp >= 0xC2 && cp <= 0xF4 && i + k < n && s[i + k] >= 0x80) {
        /* A possible lead ("é" in "café", "résumé"): a run starts
         * here only if the next character maps to a continuation
         * byte 0x80..0xBF (fe_candidate).  In real text it is
         * usually a letter or a space (ASCII: no byte of a run), and
         * the string stays clean. */
        uint32_t next;
        fe_decode(s + i + k, n - i - k, &next);
        int b = fe_cp1252_byte(next);
        if (b >= 0x80 && b <= 0xBF)
            return 0;
    }
    return k;
}

/*
 * True when s[0..n) is valid UTF-8, holds only characters XML allows and (when
 * repair is on) no character that could start a mojibake run: then nothing
 * can change, and no buffer is needed.
 *
 * Almost every string of a document is like that, most of them ASCII
 * (fe_plain took those), the rest mostly ASCII with a few accented letters
 * or symbols.  So this reads sixteen bytes at a time (SSE2) and judges, in
 * place, each character of the block that is not plain text: accented
 * letters come in clusters ("Łódź"), and the block is not read again for
 * each.  Then (or without SSE2) eight bytes at a time while they are plain
 * text (fe_not_text), straight to the first byte of a word that is not;
 * the last few bytes go one at a time.  s[0..i) is known to be plain text.
 */
static bool fe_clean_utf8(const unsigned char *s, size_t n, size_t i, bool mojibake)
{
#if defined(__SSE2__)
    /* As signed bytes, the controls and the bytes >= 0x80 compare below
     * 0x20; '\n' among them is plain text (as for fe_not_text). */
    const __m128i sp = _mm_set1_epi8(0x20), lf = _mm_set1_epi8('\n');
    while (n - i >= 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(s + i));
        unsigned mask = (unsigned)_mm_movemask_epi8(
            _mm_andnot_si128(_mm_cmpeq_epi8(v, lf), _mm_cmplt_epi8(v, sp)));
        size_t base = i;
        i += 16;
        while (mask) {
            size_t j = base + (size_t)__builtin_ctz(mask);
            size_t k = fe_clean_step(s, j, n, mojibake);
            if (!k)
                return false;
            j += k;
            if (j >= base + 16) { /* a character across the block's end */
                i = j;
                break;
            }
            mask &= ~0u << (j - base); /* the bytes it took are judged */
        }
    }
#endif
    while (i < n) {
        if (n - i >= 8) {
            uint64_t bad = fe_not_text(quire__load64(s + i));
            if (!bad) {
                i += 8;
                continue;
            }
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
            i += (size_t)__builtin_ctzll(bad) >> 3;
#endif
        }
        size_t k = fe_clean_step(s, i, n, mojibake);
        if (!k)
            return false;
        i += k;
    }
    return true;
}

static const char *fe_fix_slow(quire_arena *arena, const fe_priv *p, const char *s, size_t n,
                               size_t plain, size_t *out_len);

/*
 * The clean form of s[0..n): the same pointer when nothing changes (and no
 * copy is made), else a new string in the arena; *out_len gets its length.
 * NULL only when out of memory.  Plain ASCII is judged inline; the rest
 * (non-ASCII text above all) goes the whole way.
 */
static inline const char *fe_fix(quire_arena *arena, const fe_priv *p, const char *s, size_t n,
                                 size_t *out_len)
{
    *out_len = n;
    size_t plain = fe_plain((const unsigned char *)s, n);
    if (plain == n)
        return s;
    return fe_fix_slow(arena, p, s, n, plain, out_len);
}

static const char *fe_fix_slow(quire_arena *arena, const fe_priv *p, const char *s, size_t n,
                               size_t plain, size_t *out_len)
{
    const unsigned char *u = (const unsigned char *)s;
    if (fe_clean_utf8(u, n, plain, p->mojibake))
        return s; /* the fast path: nothing to repair, decode or drop, no copy */

    /* One code point per byte at most. */
    uint32_t *cps = malloc((n ? n : 1) * sizeof *cps);
    if (!cps)
        return NULL;
    size_t m = 0;
    for (size_t i = 0; i < n;) {
        size_t k = fe_decode(u + i, n - i, &cps[m++]);
        i += k;
    }
    if (p->mojibake) {
        for (int pass = 0; pass < FE_MAX_PASSES; pass++) {
            bool changed = false;
            m = fe_repair_pass(cps, m, &changed);
            if (!changed)
                break;
        }
    }
    /* At most 4 bytes per code point, and there are at most n of them. */
    unsigned char *out = malloc(m * 4 + 1);
    if (!out) {
        free(cps);
        return NULL;
    }
    size_t len = 0;
    for (size_t i = 0; i < m; i++)
        if (fe_xml_ok(cps[i]))
            len += fe_encode(cps[i], out + len);
    free(cps);
    const char *r = s;
    if (len != n || memcmp(out, s, n) != 0) {
        r = quire_arena_strndup(arena, (const char *)out, len);
        *out_len = len;
    }
    free(out);
    return r;
}

/* Fix a NUL-terminated string field in place (NULL stays NULL). */
static int fe_field(quire_arena *arena, const fe_priv *p, const char **field)
{
    if (!*field)
        return QUIRE_OK;
    size_t len;
    const char *r = fe_fix(arena, p, *field, strlen(*field), &len);
    if (!r)
        return QUIRE_ERR_NOMEM;
    *field = r;
    return QUIRE_OK;
}

/* Tags and categories: fix each, then drop duplicates a repair may have made
 * ("café" next to "cafÃ©"), since a strlist never holds the same string twice. */
static int fe_strlist(quire_arena *arena, const fe_priv *p, quire_strlist *l)
{
    size_t w = 0;
    for (size_t i = 0; i < l->count; i++) {
        int rc = fe_field(arena, p, &l->items[i]);
        if (rc)
            return rc;
        bool dup = !*l->items[i];
        for (size_t j = 0; j < w && !dup; j++)
            dup = strcmp(l->items[j], l->items[i]) == 0;
        if (!dup)
            l->items[w++] = l->items[i];
    }
    l->count = w;
    return QUIRE_OK;
}

/* The extra tree: keys and scalars.  Iterative over siblings, recursive over
 * depth, which the readers already bound (quire_limits.max_depth). */
static int fe_value(quire_arena *arena, const fe_priv *p, quire_value *v)
{
    for (; v; v = v->next) {
        int rc = fe_field(arena, p, &v->key);
        if (rc)
            return rc;
        if (v->str) {
            /* Scalars carry a length and may hold a NUL (JSON "\u0000"). */
            size_t len;
            const char *r = fe_fix(arena, p, v->str, v->len, &len);
            if (!r)
                return QUIRE_ERR_NOMEM;
            v->str = r;
            v->len = len;
        }
        if (v->first && (rc = fe_value(arena, p, v->first)))
            return rc;
    }
    return QUIRE_OK;
}

/* Every string of one node. */
static int fe_node(quire_arena *arena, const fe_priv *p, quire_node *n)
{
    /* URLs too: an invalid byte there breaks an XML feed just the same.
     * Most nodes have one of these strings, or none (containers). */
    int rc = QUIRE_OK;
    if ((n->literal && (rc = fe_field(arena, p, &n->literal))) ||
        (n->url && (rc = fe_field(arena, p, &n->url))) ||
        (n->title && (rc = fe_field(arena, p, &n->title))) ||
        (n->info && (rc = fe_field(arena, p, &n->info))) ||
        (n->name && (rc = fe_field(arena, p, &n->name))))
        return rc;
    for (quire_attr *a = n->attrs; a; a = a->next) {
        rc = fe_field(arena, p, &a->name);
        if (!rc)
            rc = fe_field(arena, p, &a->value);
        if (rc)
            return rc;
    }
    return QUIRE_OK;
}

/* The nodes in the order the iterator enters them (quire__node_next): only
 * entries matter here, at half the iterator's steps. */
static int fe_body(quire_arena *arena, const fe_priv *p, quire_node *root)
{
    for (quire_node *n = root; n; n = (quire_node *)quire__node_next(root, n)) {
        int rc = fe_node(arena, p, n);
        if (rc)
            return rc;
    }
    return QUIRE_OK;
}

static int fe_init(quire_filter_ctx *ctx)
{
    static const char *const known[] = {"mojibake", NULL};
    fe_priv *p = ctx->priv;
    int rc = quire__filter_check_options(ctx, known);
    if (!rc)
        rc = quire__filter_opt_bool(ctx, "mojibake", true, &p->mojibake);
    return rc;
}

static int fe_run_document(quire_filter_ctx *ctx, quire_document *doc)
{
    const fe_priv *p = ctx->priv;
    quire_arena *a = doc->arena;
    const char **fields[] = {
        &doc->id, &doc->slug, &doc->title, &doc->subtitle, &doc->summary, &doc->language,
        &doc->url, &doc->external_url, &doc->image.src, &doc->image.alt,
    };
    int rc = QUIRE_OK;
    for (size_t i = 0; i < sizeof fields / sizeof *fields && !rc; i++)
        rc = fe_field(a, p, fields[i]);
    for (size_t i = 0; i < doc->n_authors && !rc; i++) {
        quire_author *au = &doc->authors[i];
        if (!(rc = fe_field(a, p, &au->name)) && !(rc = fe_field(a, p, &au->url)) &&
            !(rc = fe_field(a, p, &au->email)))
            rc = fe_field(a, p, &au->avatar);
    }
    if (!rc)
        rc = fe_strlist(a, p, &doc->tags);
    if (!rc)
        rc = fe_strlist(a, p, &doc->categories);
    if (!rc && doc->extra)
        rc = fe_value(a, p, doc->extra);
    if (!rc && doc->body)
        rc = fe_body(a, p, doc->body);
    if (rc)
        quire_diag_add(ctx->diags, QUIRE_SEV_ERROR, FE_NAME, doc->source_path, 0, 0,
                       "%s", quire_strerror(rc));
    return rc;
}

const quire_filter quire_filter_fix_encoding = {
    .version = QUIRE_COMPONENT_VERSION,
    .name = FE_NAME,
    .description = "repair mojibake, replace invalid UTF-8, drop characters illegal in XML",
    .scope = QUIRE_FILTER_DOCUMENT,
    .priv_size = sizeof(fe_priv),
    .init = fe_init,
    .run_document = fe_run_document,
};
