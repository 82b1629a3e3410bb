/*
 * model.c — writer "model": the whole model as JSON, lossless, so that the
 * reader "model" (src/readers/model.c) gives the same collection back and
 * external filters (`--filter-exec`) can work on it in any language.
 *
 * Shape (docs/model-json.md tells the same with an example):
 *
 *   {"quire_model": 1,
 *    "site": {title, description, base_url, language, icon, favicon, publisher,
 *             rights, cover, authors, config, config_dir},
 *    "documents": [ {id, slug, source_path, format, title, subtitle, summary,
 *                    language, url, external_url, authors, published, modified,
 *                    tags, categories, image, draft, body_line, extra, body} ]}
 *
 * Representation choices, all made so that writing what was read gives the
 * same bytes:
 *   - A field that is NULL (or an unset date, an absent image) is left out;
 *     an empty string is written as "".  Reading maps absent back to NULL.
 *   - Dates are written as they were given (quire_date_iso): a date alone
 *     stays a date, a missing zone stays missing.
 *   - `extra` and `site.config` (quire_value trees): MAPPING -> object,
 *     SEQUENCE -> array, STRING -> string, NUMBER -> the number's text as
 *     written (never through a double, so 12345678901234567890 and 1.50
 *     survive), BOOL -> true/false, NULL -> null.  A mapping with duplicate
 *     keys is written with the key repeated, in order: RFC 8259 allows it
 *     syntactically, and quire's reader keeps every member in order.  (Tools
 *     that keep only the last member lose the others; an array-of-pairs form
 *     was rejected because it makes every ordinary mapping unreadable.)
 *     Source positions of values are not kept: they only serve diagnostics
 *     of the reader that parsed the front matter.
 *   - `body`: each node is an object with "type", "line", "column", then only
 *     the fields that are set (flags as named booleans, "attrs" as an array
 *     of [name, value] pairs to keep order and duplicates) and "children"
 *     when it has some.  "line" and "column" are left out of a node whose
 *     position equals its parent's (both of them): inline nodes, which
 *     cmark-gfm gives no position of their own, are ~3/4 of all nodes and
 *     would only repeat their block's.  The reader gives a node without
 *     them its parent's.  The root always has them; any other position, 0
 *     included, is written.  Layout: one node per line, its fields inline
 *     and its children on the following lines, one level deeper; the
 *     closing brackets follow the last child.  Half the size of one member
 *     per line, and a tree that reads like an outline.  A tree level is
 *     indented by 2 columns, not 4: the "children" array between a node and
 *     its children opens no line of its own, so it adds no indentation
 *     (deep bodies were mostly spaces).
 *   - Strings: valid UTF-8 is written as is, except that U+2028/U+2029 and
 *     < > & are escaped (\u2028, \u003c...), so the text can sit inside an
 *     HTML <script> or a JavaScript string.  Control characters use \n, \t...
 *     or \u00XX.  A byte that is not part of valid UTF-8 is written as a lone
 *     low surrogate \uDC80..\uDCFF (Python's "surrogateescape", PEP 383): no
 *     valid text can produce those escapes, so the reader turns them back
 *     into the same bytes.  Run the fix-encoding filter first to get plain
 *     Unicode instead.
 *
 * Depth: the body and value trees are walked without recursion (quire_iter
 * for nodes, an explicit heap stack for values), and the emitter keeps no
 * per-level state, so a 100,000-deep body costs memory, not stack.
 * Indentation stops growing at MW_MAX_INDENT levels to keep deep output
 * linear in size.
 *
 * Streaming: the header goes out at begin, each document at write_document,
 * the closing brackets at end; nothing is kept between documents.  In a build,
 * prepare() serializes each document into a buffer of its own on a worker
 * thread (mw_prepared), and write_document only appends that buffer to the
 * sink, in collection order.  Without prepare (quire_write(), or prepare
 * failed) write_document serializes the document itself, flushing to the
 * sink every MW_FLUSH bytes.  Both paths run the same code (mw_document on an
 * mw_out), so the bytes are the same.
 *
 * Speed (this writer sees every byte of every document): keys are written as
 * pre-quoted literals (KEY), integers by a small formatter rather than
 * snprintf.  Most of the output is structure and short strings, so the
 * emitter reserves room once per piece and writes into it with copies of a
 * fixed size (indentation, keys, a string shorter than 16 bytes), which
 * compile to a few moves where an exact-length copy was a memcpy call;
 * longer strings are escaped 16 bytes at a time straight into the buffer.
 *
 * Ownership: the writer's priv owns one mw_out (a quire_buf and the value
 * stack); close frees both.  A prepared result (mw_prepared) owns its bytes
 * (a reference to them) and is freed by release.  Documents and site are
 * borrowed.
 */
#include "internal.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#define MW_MAX_INDENT 32
#define MW_FLUSH (64u * 1024u)
/* A prepared document's first buffer: above the JSON of a typical blog
 * post (~17 KB), so most need no growing; a window of them in flight
 * costs well under a megabyte. */
#define MW_PREPARE_CAP (32u * 1024u)
/* Documents sit at this depth: inside the root object and "documents". */
#define MW_DOC_DEPTH 2

/* A key as written before its value, quoted and followed by ": ", with its
 * length: the keys this writer names are plain ASCII, so they are quoted at
 * compile time instead of escaped at every use. */
#define KEY(k) "\"" k "\": " MW_KEY_PAD, (sizeof("\"" k "\": ") - 1)
/* After a KEY() literal's bytes: room that a fixed-size copy of it may
 * read (MW_KEY_COPY bytes; see mw_key_at). */
#define MW_KEY_PAD "                "
#define NOKEY NULL, 0

/* A pretty-printing JSON emitter that needs no stack: after an opening
 * bracket nothing has been written at the new level (need_comma false), and
 * after any value something has. */
typedef struct mw_json {
    quire_buf *b;
    size_t depth;
    bool need_comma;
    bool flat;       /* members go on the current line (a body node's fields) */
    size_t unindented; /* open levels that add no indentation: the "children"
                          arrays, so a body indents 2 columns per tree level */
} mw_json;

/* The first number not in JSON's grammar met while serializing.  The
 * warning is given once per output, which only the main thread knows, so a
 * serialization records it and write_document (or begin) reports it. */
typedef struct mw_bad_number {
    bool set;
    uint32_t line, column;
    char text[41];   /* what "%.40s" of it prints */
} mw_bad_number;

/* One serialization in progress: the header and closing brackets (in
 * priv), a document written by write_document itself (also in priv), or a
 * document built by prepare on a worker thread (on its stack). */
typedef struct mw_out {
    quire_buf buf;
    mw_json j;
    const quire_value **stack;  /* walk of value trees (malloc'd) */
    size_t stack_cap;
    quire_sink *sink;           /* flushed to every MW_FLUSH bytes; NULL:
                                   everything stays in buf (prepare) */
    mw_bad_number bad;
} mw_out;

typedef struct mw_priv {
    mw_out out;
    bool warned_number;
    quire_writer_ctx *ctx;
} mw_priv;

/* What prepare made of one document: its JSON, after the separating comma
 * (written before it but for the first document), shared with the output
 * folder's thread (which writes it without a copy), and a number to warn
 * about, if any. */
typedef struct mw_prepared {
    quire__bytes *json;
    mw_bad_number bad;
} mw_prepared;

static void mw_out_init(mw_out *o, quire_sink *sink)
{
    memset(o, 0, sizeof *o);
    quire__buf_init(&o->buf);
    o->j.b = &o->buf;
    o->sink = sink;
}

/* ------------------------------------------------------------ strings */

#if !defined(__SSE2__)
/* Without SSE2, per byte: 0 = copied as is, 1 = an ASCII byte that is escaped (controls,
 * " \ < > &), 2 = a byte >= 0x80 (UTF-8 to check). */
static const unsigned char mw_class[256] = {
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 0x00 */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 0x10 */
    0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 0x20: " & */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1, 0, /* 0x30: < > */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 0x40 */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, /* 0x50: \ */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 0x60 */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 0x70 */
    2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, /* 0x80 */
    2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, /* 0x90 */
    2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, /* 0xA0 */
    2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, /* 0xB0 */
    2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, /* 0xC0 */
    2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, /* 0xD0 */
    2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, /* 0xE0 */
    2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, /* 0xF0 */
};
#endif

/* What an ASCII byte of class 1 becomes, padded to eight bytes so that one
 * fixed-size copy writes it (the length goes along and is overwritten). */
typedef struct mw_esc {
    char s[7];
    unsigned char n;
} mw_esc;
#define MW_E2(c) {{'\\', c}, 2}
#define MW_U(h, l) {{'\\', 'u', '0', '0', h, l}, 6}
static const mw_esc mw_escapes[0x80] = {
    [0x00] = MW_U('0', '0'),
    [0x01] = MW_U('0', '1'),
    [0x02] = MW_U('0', '2'),
    [0x03] = MW_U('0', '3'),
    [0x04] = MW_U('0', '4'),
    [0x05] = MW_U('0', '5'),
    [0x06] = MW_U('0', '6'),
    [0x07] = MW_U('0', '7'),
    [0x08] = MW_E2('b'),
    [0x09] = MW_E2('t'),
    [0x0A] = MW_E2('n'),
    [0x0B] = MW_U('0', 'b'),
    [0x0C] = MW_E2('f'),
    [0x0D] = MW_E2('r'),
    [0x0E] = MW_U('0', 'e'),
    [0x0F] = MW_U('0', 'f'),
    [0x10] = MW_U('1', '0'),
    [0x11] = MW_U('1', '1'),
    [0x12] = MW_U('1', '2'),
    [0x13] = MW_U('1', '3'),
    [0x14] = MW_U('1', '4'),
    [0x15] = MW_U('1', '5'),
    [0x16] = MW_U('1', '6'),
    [0x17] = MW_U('1', '7'),
    [0x18] = MW_U('1', '8'),
    [0x19] = MW_U('1', '9'),
    [0x1A] = MW_U('1', 'a'),
    [0x1B] = MW_U('1', 'b'),
    [0x1C] = MW_U('1', 'c'),
    [0x1D] = MW_U('1', 'd'),
    [0x1E] = MW_U('1', 'e'),
    [0x1F] = MW_U('1', 'f'),
    ['"'] = MW_E2('"'),
    ['\\'] = MW_E2('\\'),
    ['&'] = MW_U('2', '6'),
    ['<'] = MW_U('3', 'c'),
    ['>'] = MW_U('3', 'e'),
};
#undef MW_E2
#undef MW_U

#if defined(__SSE2__)
/* Bit k set when byte k of v is not copied as is.  As signed bytes, both
 * the controls (< 0x20) and the bytes >= 0x80 (negative) compare below
 * 0x20; '<' (0x3C) and '>' (0x3E) are the two bytes that become '>' with
 * bit 1 set. */
static inline unsigned mw_mask16(__m128i v)
{
    const __m128i sp = _mm_set1_epi8(0x20), quote = _mm_set1_epi8('"'),
                  bslash = _mm_set1_epi8('\\'), amp = _mm_set1_epi8('&'),
                  bit1 = _mm_set1_epi8(2), gt = _mm_set1_epi8('>');
    __m128i m = _mm_or_si128(_mm_cmplt_epi8(v, sp), _mm_cmpeq_epi8(v, quote));
    m = _mm_or_si128(m, _mm_cmpeq_epi8(v, bslash));
    m = _mm_or_si128(m, _mm_cmpeq_epi8(v, amp));
    m = _mm_or_si128(m, _mm_cmpeq_epi8(_mm_or_si128(v, bit1), gt));
    return (unsigned)_mm_movemask_epi8(m);
}

/* The rem (< 16) bytes at p, zero-padded to a block, by fixed-size copies
 * that never read past p + rem (a libc memcpy call costs more than these
 * strings: keys, tags, short text). */
static inline __m128i mw_load_short(const unsigned char *p, size_t rem)
{
    unsigned char t[16] = {0};
    if (rem >= 8) {
        memcpy(t, p, 8);
        memcpy(t + rem - 8, p + rem - 8, 8);
    } else if (rem >= 4) {
        memcpy(t, p, 4);
        memcpy(t + rem - 4, p + rem - 4, 4);
    } else if (rem) {
        t[0] = p[0];
        t[rem / 2] = p[rem / 2];
        t[rem - 1] = p[rem - 1];
    }
    return _mm_loadu_si128((const __m128i *)(const void *)t);
}
#endif

/* Input bytes escaped per reservation of the output buffer, and the room
 * beyond six bytes out per byte in (the most any byte takes, as \u00XX or
 * \uDCXX) that the writes below may use: a whole block stored at the end,
 * an escape's eight-byte entry, a UTF-8 sequence running past the chunk,
 * the closing quote and the NUL. */
#define MW_CHUNK 4096u
#define MW_SLACK 48u

static inline bool mw_room(quire_buf *b, size_t n)
{
    return b->len + n < b->cap || quire__buf_reserve(b, n);
}

/* The escaped form of p[i..end) written at w, where the caller reserved
 * 6 * (end - i) + MW_SLACK bytes; p has n bytes (a UTF-8 sequence may run
 * past end).  *ip gets where it stopped (end, or up to three bytes past),
 * and the new w is returned.  Blocks of sixteen bytes are stored whole and
 * w moves past the plain ones only: most text has no byte to escape. */
static inline char *mw_escape_chunk(char *w, const unsigned char *p, size_t *ip, size_t end,
                                    size_t n)
{
    size_t i = *ip;
    while (i < end) {
        size_t rem = end - i;
#if defined(__SSE2__)
        __m128i v = rem >= 16 ? _mm_loadu_si128((const __m128i *)(const void *)(p + i))
                              : mw_load_short(p + i, rem);
        unsigned mask = mw_mask16(v);
        _mm_storeu_si128((__m128i *)(void *)w, v);
        if (rem < 16)
            mask |= 1u << rem; /* the padding stops the run */
        else if (!mask) {
            w += 16;
            i += 16;
            continue;
        }
        size_t plain = (size_t)__builtin_ctz(mask);
        w += plain;
        i += plain;
        if (i == end)
            break;
#else
        if (!mw_class[p[i]]) {
            *w++ = (char)p[i++];
            continue;
        }
        (void)rem;
#endif
        unsigned char c = p[i];
        if (c < 0x80) {
            memcpy(w, &mw_escapes[c], 8); /* s, and n: overwritten next */
            w += mw_escapes[c].n;
            i++;
            continue;
        }
        uint32_t cp = 0;
        size_t k = quire__utf8_decode_fast(p + i, n - i, &cp);
        if (k && cp != 0x2028 && cp != 0x2029) {
            for (size_t j = 0; j < k; j++) /* valid text, as is */
                w[j] = (char)p[i + j];
            w += k;
            i += k;
            continue;
        }
        if (!k)
            cp = 0xDC00u | c; /* surrogateescape: one byte */
        static const char hex[] = "0123456789abcdef";
        w[0] = '\\';
        w[1] = 'u';
        w[2] = hex[(cp >> 12) & 0xF];
        w[3] = hex[(cp >> 8) & 0xF];
        w[4] = hex[(cp >> 4) & 0xF];
        w[5] = hex[cp & 0xF];
        w += 6;
        i += k ? k : 1;
    }
    *ip = i;
    return w;
}

/* The JSON string for s[0..n), escaped as described at the top, written
 * straight into b's memory: one reservation per MW_CHUNK bytes instead of
 * a bounds check per run and per escape. */
static void mw_put_string_any(quire_buf *b, const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    if (!mw_room(b, 6 * (n < MW_CHUNK ? n : MW_CHUNK) + MW_SLACK))
        return; /* out of memory: b->oom is set and reported at the end */
    char *w = b->data + b->len;
    *w++ = '"';
    for (;;) {
        size_t end = n - i > MW_CHUNK ? i + MW_CHUNK : n;
        w = mw_escape_chunk(w, p, &i, end, n);
        if (i >= n)
            break;
        b->len = (size_t)(w - b->data);
        size_t left = n - i;
        if (!mw_room(b, 6 * (left < MW_CHUNK ? left : MW_CHUNK) + MW_SLACK))
            return;
        w = b->data + b->len;
    }
    *w++ = '"';
    *w = '\0';
    b->len = (size_t)(w - b->data);
}

/* mw_put_string_any, with the common case inline: most strings (keys,
 * tags, short text) are shorter than a block and have nothing to escape,
 * so they are one load, one test and one store. */
static inline void mw_put_string(quire_buf *b, const char *s, size_t n)
{
#if defined(__SSE2__)
    if (n < 16 && mw_room(b, 2 + 16 + 1)) {
        __m128i v = mw_load_short((const unsigned char *)s, n);
        if (!(mw_mask16(v) & ((1u << n) - 1))) {
            char *w = b->data + b->len;
            w[0] = '"';
            _mm_storeu_si128((__m128i *)(void *)(w + 1), v);
            w[1 + n] = '"';
            w[2 + n] = '\0';
            b->len += 2 + n;
            return;
        }
    }
#endif
    mw_put_string_any(b, s, n);
}

/* v in decimal, as "%lld" writes it. */
static void mw_put_int(quire_buf *b, long long v)
{
    char num[24];
    char *end = num + sizeof num, *p = end;
    unsigned long long u = v < 0 ? 0ull - (unsigned long long)v : (unsigned long long)v;
    do {
        *--p = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0)
        *--p = '-';
    quire__buf_put(b, p, (size_t)(end - p));
}

/* ------------------------------------------------------------ emitter */

/* A newline and the deepest indentation, so that one write does both. */
static const char mw_spaces[] = "\n                                                                "
                                "                                                                ";

/* Bytes copied for a newline and indentation, whatever their length: one
 * copy of a fixed size (a few vector moves, in reserved room) costs less
 * than a memcpy call of the exact length; the length then moves the end. */
#define MW_INDENT_COPY 80
_Static_assert(1 + 2 * MW_MAX_INDENT <= MW_INDENT_COPY && MW_INDENT_COPY < sizeof mw_spaces,
               "the deepest indentation fits the fixed copy");
/* The most a separator writes (a comma, then the copy), and a key. */
#define MW_SEP_ROOM (1 + MW_INDENT_COPY)
#define MW_KEY_COPY 16

/* Bytes of newline and indentation at j's depth. */
static inline size_t mw_indent_len(const mw_json *j)
{
    size_t depth = j->depth - j->unindented;
    if (depth > MW_MAX_INDENT)
        depth = MW_MAX_INDENT;
    return 1 + 2 * depth;
}

/* Ends the buffer at w (inside its reserved room). */
static inline void mw_commit(quire_buf *b, char *w)
{
    *w = '\0';
    b->len = (size_t)(w - b->data);
}

/* Comma, newline and indentation before a value, written at w, which has
 * MW_SEP_ROOM bytes of room; returns the new end. */
static inline char *mw_sep_at(const mw_json *j, char *w)
{
    if (j->flat) {
        if (j->need_comma) {
            w[0] = ',';
            w[1] = ' ';
            w += 2;
        }
    } else if (j->depth > 0) {
        if (j->need_comma)
            *w++ = ',';
        memcpy(w, mw_spaces, MW_INDENT_COPY);
        w += mw_indent_len(j);
    }
    return w;
}

/* The key kq (kn bytes) at w, which has MW_KEY_COPY bytes of room or kn:
 * a KEY() literal is padded so that the fixed copy never reads past it. */
static inline char *mw_key_at(char *w, const char *kq, size_t kn)
{
    if (kn <= MW_KEY_COPY)
        memcpy(w, kq, MW_KEY_COPY);
    else
        memcpy(w, kq, kn);
    return w + kn;
}

/* The separator, then the key if any (a KEY() literal), then the bracket
 * if any ('\0' for none): one reservation for all. */
static inline void mw_prefix_open(mw_json *j, const char *kq, size_t kn, char bracket)
{
    quire_buf *b = j->b;
    if (!mw_room(b, MW_SEP_ROOM + MW_KEY_COPY + kn + 1))
        return; /* out of memory: b->oom is set and reported at the end */
    char *w = mw_sep_at(j, b->data + b->len);
    if (kq)
        w = mw_key_at(w, kq, kn);
    if (bracket)
        *w++ = bracket;
    mw_commit(b, w);
}

static inline void mw_prefix(mw_json *j, const char *kq, size_t kn)
{
    mw_prefix_open(j, kq, kn, '\0');
}

/* The same for a key from the data (value trees), which is escaped. */
static void mw_prefix_data(mw_json *j, const char *key)
{
    mw_prefix(j, NOKEY);
    if (key) {
        mw_put_string(j->b, key, strlen(key));
        quire__buf_put(j->b, ": ", 2);
    }
}

static void mw_opened(mw_json *j, char bracket)
{
    quire__buf_putc(j->b, bracket);
    j->depth++;
    j->need_comma = false;
}

static void mw_open(mw_json *j, const char *kq, size_t kn, char bracket)
{
    mw_prefix_open(j, kq, kn, bracket);
    j->depth++;
    j->need_comma = false;
}

static void mw_close(mw_json *j, char bracket)
{
    quire_buf *b = j->b;
    j->depth--;
    if (mw_room(b, MW_SEP_ROOM + 1)) {
        char *w = b->data + b->len;
        if (j->need_comma && !j->flat) { /* not empty: the bracket goes on its own line */
            memcpy(w, mw_spaces, MW_INDENT_COPY);
            w += mw_indent_len(j);
        }
        *w++ = bracket;
        mw_commit(b, w);
    }
    j->need_comma = true;
}

static void mw_raw(mw_json *j, const char *kq, size_t kn, const char *raw, size_t n)
{
    mw_prefix(j, kq, kn);
    quire__buf_put(j->b, raw, n);
    j->need_comma = true;
}

static void mw_strn(mw_json *j, const char *kq, size_t kn, const char *s, size_t n)
{
    mw_prefix(j, kq, kn);
    mw_put_string(j->b, s, n);
    j->need_comma = true;
}

/* A string member, left out when s is NULL. */
static void mw_str(mw_json *j, const char *kq, size_t kn, const char *s)
{
    if (s)
        mw_strn(j, kq, kn, s, strlen(s));
}

static void mw_int(mw_json *j, const char *kq, size_t kn, long long v)
{
    mw_prefix(j, kq, kn);
    mw_put_int(j->b, v);
    j->need_comma = true;
}

static void mw_bool(mw_json *j, const char *kq, size_t kn, bool v)
{
    if (v)
        mw_raw(j, kq, kn, "true", 4);
    else
        mw_raw(j, kq, kn, "false", 5);
}

/* ------------------------------------------------------------ values */

static bool mw_push(mw_out *o, size_t n, const quire_value *v)
{
    if (n == o->stack_cap) {
        size_t cap = o->stack_cap ? o->stack_cap * 2 : 64;
        const quire_value **s = realloc(o->stack, cap * sizeof *s);
        if (!s)
            return false;
        o->stack = s;
        o->stack_cap = cap;
    }
    o->stack[n] = v;
    return true;
}

/* The value of a scalar (its prefix is written). */
static void mw_scalar(mw_out *o, const quire_value *v)
{
    quire_buf *b = o->j.b;
    const char *s = v->str ? v->str : "";
    size_t n = v->str ? v->len : 0;
    switch (v->type) {
    case QUIRE_VALUE_BOOL:
        if (n == 4 && memcmp(s, "true", 4) == 0)
            quire__buf_put(b, "true", 4);
        else
            quire__buf_put(b, "false", 5);
        break;
    case QUIRE_VALUE_NUMBER:
        if (quire__json_number(s, n)) {
            quire__buf_put(b, s, n);
            break;
        }
        /* Readers store numbers in JSON's grammar; a filter that broke that
         * rule gets its text kept as a string rather than invalid JSON. */
        if (!o->bad.set) {
            o->bad.set = true;
            o->bad.line = v->line;
            o->bad.column = v->column;
            size_t k = strnlen(s, sizeof o->bad.text - 1);
            memcpy(o->bad.text, s, k);
            o->bad.text[k] = '\0';
        }
        mw_put_string(b, s, n);
        break;
    case QUIRE_VALUE_STRING:
        mw_put_string(b, s, n);
        break;
    default:
        quire__buf_put(b, "null", 4);
        break;
    }
    o->j.need_comma = true;
}

static bool mw_is_container(const quire_value *v)
{
    return v->type == QUIRE_VALUE_MAPPING || v->type == QUIRE_VALUE_SEQUENCE;
}

/* A whole value tree as the member kq (a KEY literal), depth-first without
 * recursion: the stack holds the containers entered so far. */
static int mw_value(mw_out *o, const char *kq, size_t kn, const quire_value *root)
{
    mw_json *j = &o->j;
    size_t n = 0;
    const quire_value *v = root;
    for (;;) {
        if (n == 0)
            mw_prefix(j, kq, kn);
        else if (o->stack[n - 1]->type == QUIRE_VALUE_MAPPING)
            mw_prefix_data(j, v->key ? v->key : "");
        else
            mw_prefix(j, NOKEY);
        if (mw_is_container(v)) {
            char open = v->type == QUIRE_VALUE_MAPPING ? '{' : '[';
            mw_opened(j, open);
            if (v->first) {
                if (!mw_push(o, n, v))
                    return QUIRE_ERR_NOMEM;
                n++;
                v = v->first;
                continue;
            }
            mw_close(j, open == '{' ? '}' : ']');
        } else {
            mw_scalar(o, v);
        }
        /* climb until a container has a next child */
        for (;;) {
            if (n == 0)
                return QUIRE_OK;
            if (v->next) {
                v = v->next;
                break;
            }
            v = o->stack[--n];
            mw_close(j, v->type == QUIRE_VALUE_MAPPING ? '}' : ']');
        }
    }
}

/* ------------------------------------------------------------ body */

static const char *mw_align_name(quire_align a)
{
    switch (a) {
    case QUIRE_ALIGN_LEFT: return "left";
    case QUIRE_ALIGN_CENTER: return "center";
    case QUIRE_ALIGN_RIGHT: return "right";
    default: return NULL;
    }
}

static const char *mw_embed_name(quire_embed_kind k)
{
    switch (k) {
    case QUIRE_EMBED_VIDEO: return "video";
    case QUIRE_EMBED_AUDIO: return "audio";
    case QUIRE_EMBED_OBJECT: return "object";
    default: return NULL; /* iframe is the default and left out */
    }
}

/* Flag bits and their names (as KEY literals); the reader has the same
 * table. */
static const struct {
    uint32_t bit;
    const char *kq;
    size_t kn;
} mw_flags[] = {
    {QUIRE_NODE_FLAG_ORDERED, KEY("ordered")},
    {QUIRE_NODE_FLAG_TIGHT, KEY("tight")},
    {QUIRE_NODE_FLAG_TASK, KEY("task")},
    {QUIRE_NODE_FLAG_CHECKED, KEY("checked")},
    {QUIRE_NODE_FLAG_HEADER, KEY("header")},
};

/* Every node's start up to its type's name, {"type": "NAME", by type, so
 * that it is one copy of a fixed size (MW_TYPE_OPEN, inlined) rather than a
 * strlen and a memcpy call per node.  Made once from quire_node_type_name,
 * which stays the one list of the names. */
#define MW_TYPE_OPEN 32
typedef struct mw_type_open {
    char s[MW_TYPE_OPEN]; /* zero-padded: the copy reads all of it */
    size_t n;
} mw_type_open;
static mw_type_open mw_type_opens[QUIRE_NODE_TYPE_COUNT + 1]; /* + 1: unknown types */
static pthread_once_t mw_type_once = PTHREAD_ONCE_INIT;

static void mw_type_init(void)
{
    for (int t = 0; t <= QUIRE_NODE_TYPE_COUNT; t++) {
        mw_type_open *o = &mw_type_opens[t];
        int n = snprintf(o->s, sizeof o->s, "{\"type\": \"%s\"", quire_node_type_name(t));
        /* names are plain lower-case ASCII, the longest 14 bytes */
        o->n = n > 0 && (size_t)n < sizeof o->s ? (size_t)n : 0;
    }
}

/* A node's start: what mw_open(j, kq, kn, '{') writes outside flat mode,
 * then its "type" member.  Every node begins so, hence one bounds check and
 * direct stores instead of six appends; type names are plain lower-case
 * ASCII and need no escaping pass. */
static void mw_node_open(mw_json *j, const char *kq, size_t kn, const quire_node *n)
{
    unsigned t = (unsigned)n->type;
    const mw_type_open *type = &mw_type_opens[t < QUIRE_NODE_TYPE_COUNT ? t : QUIRE_NODE_TYPE_COUNT];
    size_t indent = j->depth > 0 ? mw_indent_len(j) : 0;
    size_t max = MW_SEP_ROOM + MW_KEY_COPY + kn + MW_TYPE_OPEN;
    quire_buf *b = j->b;
    if (b->len + max >= b->cap && !quire__buf_reserve(b, max))
        return; /* out of memory: b->oom is set and reported at the end */
    char *w = b->data + b->len;
    if (j->need_comma && j->depth > 0)
        *w++ = ',';
    memcpy(w, mw_spaces, MW_INDENT_COPY);
    w += indent;
    if (kq)
        w = mw_key_at(w, kq, kn);
    memcpy(w, type->s, MW_TYPE_OPEN);
    w += type->n;
    *w = '\0';
    b->len = (size_t)(w - b->data);
    j->depth++;
    j->need_comma = true;
    j->flat = true;
}

/* Opens the node's object and writes its own fields (not its children),
 * all on one line.  "line" and "column" are left out when both equal the
 * parent's: inline nodes carry their block's position (cmark gives them
 * none of their own), so most nodes would only repeat it.  The root always
 * has them, so the reader can fill every omitted pair top-down. */
static void mw_node_fields(mw_json *j, bool is_root, const quire_node *n)
{
    if (is_root)
        mw_node_open(j, KEY("body"), n);
    else
        mw_node_open(j, NOKEY, n);
    const quire_node *p = n->parent;
    if (is_root || !p || n->line != p->line || n->column != p->column) {
        mw_int(j, KEY("line"), n->line);
        mw_int(j, KEY("column"), n->column);
    }
    uint32_t rest = n->flags;
    for (size_t i = 0; rest && i < sizeof mw_flags / sizeof mw_flags[0]; i++) {
        if (n->flags & mw_flags[i].bit) {
            mw_bool(j, mw_flags[i].kq, mw_flags[i].kn, true);
            rest &= ~mw_flags[i].bit;
        }
    }
    if (rest) /* bits quire does not name yet: kept as a number */
        mw_int(j, KEY("flags"), rest);
    if (n->level)
        mw_int(j, KEY("level"), n->level);
    mw_str(j, KEY("literal"), n->literal);
    mw_str(j, KEY("url"), n->url);
    mw_str(j, KEY("title"), n->title);
    mw_str(j, KEY("info"), n->info);
    mw_str(j, KEY("name"), n->name);
    if (n->attrs) {
        mw_open(j, KEY("attrs"), '[');
        for (const quire_attr *a = n->attrs; a; a = a->next) {
            mw_open(j, NOKEY, '[');
            mw_str(j, NOKEY, a->name ? a->name : "");
            mw_str(j, NOKEY, a->value ? a->value : "");
            mw_close(j, ']');
        }
        mw_close(j, ']');
    }
    if (n->width)
        mw_int(j, KEY("width"), n->width);
    if (n->height)
        mw_int(j, KEY("height"), n->height);
    /* Both are 0 (none, iframe: left out) on nearly every node: no switch
     * for those. */
    if (n->align)
        mw_str(j, KEY("align"), mw_align_name(n->align));
    if (n->embed_kind)
        mw_str(j, KEY("embed_kind"), mw_embed_name(n->embed_kind));
}

/* Hands buf to the sink when it holds MW_FLUSH bytes (or always, with
 * force); a serialization without sink (prepare) keeps everything. */
static int mw_flush(mw_out *o, bool force)
{
    if (o->buf.oom)
        return QUIRE_ERR_NOMEM;
    if (!o->sink || (!force && o->buf.len < MW_FLUSH))
        return QUIRE_OK;
    int rc = o->buf.len ? quire_sink_write(o->sink, o->buf.data, o->buf.len) : QUIRE_OK;
    quire__buf_reset(&o->buf);
    return rc;
}

static int mw_body(mw_out *o, const quire_node *root)
{
    mw_json *j = &o->j;
    quire_iter it;
    quire_node *n;
    quire_event ev;
    int rc = QUIRE_OK;
    pthread_once(&mw_type_once, mw_type_init); /* mw_node_open's table */
    quire_iter_init(&it, (quire_node *)root);
    while (rc == QUIRE_OK && (ev = quire_iter_next(&it, &n)) != QUIRE_EVENT_DONE) {
        if (ev == QUIRE_EVENT_ENTER) {
            /* One node per line: its fields flat, each child on a line of
             * its own, closing brackets right after the last child. */
            mw_node_fields(j, n == root, n);
            if (quire_node_is_leaf(n)) /* a leaf gets no EXIT event */
                mw_close(j, '}');
            else if (n->first_child) {
                mw_open(j, KEY("children"), '[');
                j->unindented++;
            }
            j->flat = false;
        } else {
            j->flat = true;
            if (n->first_child) {
                j->unindented--;
                mw_close(j, ']');
            }
            mw_close(j, '}');
            j->flat = false;
        }
        if (o->sink)
            rc = mw_flush(o, false);
    }
    return rc;
}

/* ------------------------------------------------------------ documents */

static void mw_authors(mw_json *j, const quire_author *a, size_t n)
{
    if (!n)
        return;
    mw_open(j, KEY("authors"), '[');
    for (size_t i = 0; i < n; i++) {
        mw_open(j, NOKEY, '{');
        mw_str(j, KEY("name"), a[i].name);
        mw_str(j, KEY("url"), a[i].url);
        mw_str(j, KEY("email"), a[i].email);
        mw_str(j, KEY("avatar"), a[i].avatar);
        mw_close(j, '}');
    }
    mw_close(j, ']');
}

static void mw_strlist(mw_json *j, const char *kq, size_t kn, const quire_strlist *l)
{
    if (!l->count)
        return;
    mw_open(j, kq, kn, '[');
    for (size_t i = 0; i < l->count; i++)
        mw_str(j, NOKEY, l->items[i] ? l->items[i] : "");
    mw_close(j, ']');
}

static void mw_date(mw_json *j, const char *kq, size_t kn, const quire_date *d)
{
    char buf[48];
    if (d->set)
        mw_str(j, kq, kn, quire_date_iso(d, buf));
}

static int mw_document(mw_out *o, const quire_document *d)
{
    mw_json *j = &o->j;
    int rc = QUIRE_OK;
    mw_open(j, NOKEY, '{');
    mw_str(j, KEY("id"), d->id);
    mw_str(j, KEY("slug"), d->slug);
    mw_str(j, KEY("source_path"), d->source_path);
    mw_str(j, KEY("format"), d->format);
    mw_str(j, KEY("title"), d->title);
    mw_str(j, KEY("subtitle"), d->subtitle);
    mw_str(j, KEY("summary"), d->summary);
    mw_str(j, KEY("language"), d->language);
    mw_str(j, KEY("url"), d->url);
    mw_str(j, KEY("external_url"), d->external_url);
    mw_authors(j, d->authors, d->n_authors);
    mw_date(j, KEY("published"), &d->published);
    mw_date(j, KEY("modified"), &d->modified);
    mw_strlist(j, KEY("tags"), &d->tags);
    mw_strlist(j, KEY("categories"), &d->categories);
    const quire_image *im = &d->image;
    if (im->src || im->alt || im->width || im->height) {
        mw_open(j, KEY("image"), '{');
        mw_str(j, KEY("src"), im->src);
        mw_str(j, KEY("alt"), im->alt);
        if (im->width)
            mw_int(j, KEY("width"), im->width);
        if (im->height)
            mw_int(j, KEY("height"), im->height);
        mw_close(j, '}');
    }
    mw_bool(j, KEY("draft"), d->draft);
    mw_int(j, KEY("body_line"), d->body_line);
    if (d->extra)
        rc = mw_value(o, KEY("extra"), d->extra);
    if (rc == QUIRE_OK && d->body)
        rc = mw_body(o, d->body);
    mw_close(j, '}');
    return rc;
}

static int mw_site(mw_out *o, const quire_site *s)
{
    mw_json *j = &o->j;
    int rc = QUIRE_OK;
    mw_open(j, KEY("site"), '{');
    mw_str(j, KEY("title"), s->title);
    mw_str(j, KEY("description"), s->description);
    mw_str(j, KEY("base_url"), s->base_url);
    mw_str(j, KEY("language"), s->language);
    mw_str(j, KEY("icon"), s->icon);
    mw_str(j, KEY("favicon"), s->favicon);
    mw_str(j, KEY("publisher"), s->publisher);
    mw_str(j, KEY("rights"), s->rights);
    mw_str(j, KEY("cover"), s->cover);
    mw_authors(j, s->authors, s->n_authors);
    if (s->config)
        rc = mw_value(o, KEY("config"), s->config);
    mw_str(j, KEY("config_dir"), s->config_dir);
    mw_close(j, '}');
    return rc;
}

/* ------------------------------------------------------------ writer */

/* The number warning, once per output (main thread only). */
static void mw_report(mw_priv *w, mw_bad_number *bad)
{
    if (bad->set && !w->warned_number) {
        quire_diag_add(w->ctx->diags, QUIRE_SEV_WARNING, "model", NULL, bad->line, bad->column,
                       "number '%.40s' is not in JSON's grammar: written as a string", bad->text);
        w->warned_number = true;
    }
    bad->set = false;
}

static int model_begin(quire_writer_ctx *ctx)
{
    mw_priv *w = ctx->priv;
    w->ctx = ctx;
    mw_out_init(&w->out, ctx->out);
    mw_json *j = &w->out.j;
    mw_open(j, NOKEY, '{');
    mw_raw(j, KEY("quire_model"), "1", 1);
    int rc = mw_site(&w->out, ctx->site);
    mw_report(w, &w->out.bad);
    mw_open(j, KEY("documents"), '[');
    return rc == QUIRE_OK ? mw_flush(&w->out, true) : rc;
}

/* On a worker thread: the document's whole JSON, as write_document would
 * write it at MW_DOC_DEPTH, preceded by its separating comma.  Reads
 * neither ctx nor priv: everything it needs is in the document. */
static int model_prepare(const quire_writer_ctx *ctx, const quire_document *doc,
                         quire_diag_list *diags, void **out)
{
    (void)ctx;
    (void)diags; /* the number warning goes through write_document */
    mw_prepared *p = malloc(sizeof *p);
    if (!p)
        return QUIRE_ERR_NOMEM;
    mw_out o;
    mw_out_init(&o, NULL);
    o.j.depth = MW_DOC_DEPTH;
    /* Most documents fit: growing from empty by doubling cost ~8 reallocs
     * (and their copies) per document. */
    quire__buf_reserve(&o.buf, MW_PREPARE_CAP);
    int rc = mw_document(&o, doc);
    free(o.stack);
    if (rc == QUIRE_OK && o.buf.oom)
        rc = QUIRE_ERR_NOMEM;
    size_t len = o.buf.len;
    char *data = rc == QUIRE_OK ? quire__buf_detach_fit(&o.buf, &len) : NULL;
    p->json = data ? quire__bytes_adopt(data, len) : NULL;
    if (!p->json) {
        free(data);
        quire__buf_free(&o.buf);
        free(p);
        return rc != QUIRE_OK ? rc : QUIRE_ERR_NOMEM;
    }
    p->bad = o.bad;
    *out = p;
    return QUIRE_OK;
}

static void model_release(void *prepared)
{
    mw_prepared *p = prepared;
    quire__bytes_unref(p->json);
    free(p);
}

static int model_write_document(quire_writer_ctx *ctx, const quire_document *doc)
{
    mw_priv *w = ctx->priv;
    mw_out *o = &w->out;
    const mw_prepared *p = ctx->prepared;
    if (p) {
        /* Made by model_prepare at the depth documents sit at; o->buf is
         * empty (flushed after every document), so the bytes go straight
         * to the sink. */
        int rc = o->j.need_comma ? quire_sink_write(o->sink, ",", 1) : QUIRE_OK;
        if (rc == QUIRE_OK)
            rc = quire__sink_write_bytes(o->sink, p->json);
        o->j.need_comma = true;
        mw_bad_number bad = p->bad;
        mw_report(w, &bad);
        return rc;
    }
    int rc = mw_document(o, doc);
    mw_report(w, &o->bad);
    return rc == QUIRE_OK ? mw_flush(o, true) : rc;
}

static int model_end(quire_writer_ctx *ctx)
{
    mw_priv *w = ctx->priv;
    mw_close(&w->out.j, ']');
    mw_close(&w->out.j, '}');
    quire__buf_putc(&w->out.buf, '\n');
    return mw_flush(&w->out, true);
}

static void model_close(quire_writer_ctx *ctx)
{
    mw_priv *w = ctx->priv;
    if (!w)
        return;
    quire__buf_free(&w->out.buf);
    free(w->out.stack);
    w->out.stack = NULL;
}

const quire_writer quire_writer_model = {
    .version = QUIRE_COMPONENT_VERSION,
    .name = "model",
    .long_name = "quire model JSON (lossless)",
    .extension = "model.json",
    .mime_type = "application/json",
    .flags = 0,
    .priv_size = sizeof(mw_priv),
    .begin = model_begin,
    .write_document = model_write_document,
    .prepare = model_prepare,
    .release = model_release,
    .end = model_end,
    .close = model_close,
};
