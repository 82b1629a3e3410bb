/*
 * buf.c — growable byte buffer, escaping and UTF-8 helpers.
 */
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void quire__buf_init(quire_buf *b)
{
    memset(b, 0, sizeof *b);
}

void quire__buf_free(quire_buf *b)
{
    free(b->data);
    memset(b, 0, sizeof *b);
}

void quire__buf_reset(quire_buf *b)
{
    b->len = 0;
    if (b->data)
        b->data[0] = '\0';
}

static bool buf_grow(quire_buf *b, size_t extra)
{
    if (b->oom)
        return false;
    if (b->len + extra + 1 <= b->cap)
        return true;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + extra + 1) {
        if (cap > SIZE_MAX / 2) {
            b->oom = true;
            return false;
        }
        cap *= 2;
    }
    char *p = realloc(b->data, cap);
    if (!p) {
        b->oom = true;
        return false;
    }
    /* Terminated at once: a buffer only reserved (nothing written yet) is
     * still the empty string for quire__buf_cstr and _detach. */
    p[b->len] = '\0';
    b->data = p;
    b->cap = cap;
    return true;
}

bool quire__buf_reserve(quire_buf *b, size_t n)
{
    return buf_grow(b, n);
}

void quire__buf_put_slow(quire_buf *b, const void *s, size_t n)
{
    if (!n || !buf_grow(b, n))
        return;
    memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
}

void quire__buf_vprintf(quire_buf *b, const char *fmt, va_list ap)
{
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (n <= 0 || !buf_grow(b, (size_t)n))
        return;
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    b->len += (size_t)n;
}

void quire__buf_printf(quire_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    quire__buf_vprintf(b, fmt, ap);
    va_end(ap);
}

const char *quire__buf_cstr(quire_buf *b)
{
    return b->data ? b->data : "";
}

char *quire__buf_detach_fit(quire_buf *b, size_t *len_out)
{
    /* Shrinking in place gives the tail back to malloc (no copy in
     * glibc), where the next allocations take it instead of fresh pages. */
    if (b->data && b->cap - b->len > 4096) {
        char *fit = realloc(b->data, b->len + 1);
        if (fit) {
            b->data = fit;
            b->cap = b->len + 1;
        }
    }
    return quire__buf_detach(b, len_out);
}

char *quire__buf_detach(quire_buf *b, size_t *len_out)
{
    char *p = b->data ? b->data : strdup("");
    if (len_out)
        *len_out = b->len;
    memset(b, 0, sizeof *b);
    return p;
}

void quire__buf_put_escaped(quire_buf *b, const char *s, size_t n, bool attr)
{
    size_t start = 0;
    for (size_t i = 0; i < n; i++) {
        const char *rep = NULL;
        switch (s[i]) {
        case '&': rep = "&amp;"; break;
        case '<': rep = "&lt;"; break;
        case '>': rep = "&gt;"; break;
        case '"': rep = attr ? "&quot;" : NULL; break;
        default: break;
        }
        if (rep) {
            quire__buf_put(b, s + start, i - start);
            quire__buf_puts(b, rep);
            start = i + 1;
        }
    }
    quire__buf_put(b, s + start, n - start);
}

size_t quire__fmt_uint(char *out, uint64_t v, int min_width)
{
    char tmp[24];
    size_t n = 0;
    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    while ((int)n < min_width && n < sizeof tmp - 1)
        tmp[n++] = '0';
    for (size_t i = 0; i < n; i++)
        out[i] = tmp[n - 1 - i];
    out[n] = '\0';
    return n;
}

size_t quire__utf8_decode(const unsigned char *s, size_t n, uint32_t *cp)
{
    if (n == 0)
        return 0;
    unsigned char c = s[0];
    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    size_t len;
    uint32_t v, min;
    if (c >= 0xC2 && c <= 0xDF) { len = 2; v = c & 0x1F; min = 0x80; }
    else if (c >= 0xE0 && c <= 0xEF) { len = 3; v = c & 0x0F; min = 0x800; }
    else if (c >= 0xF0 && c <= 0xF4) { len = 4; v = c & 0x07; min = 0x10000; }
    else return 0;
    if (n < len)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        v = (v << 6) | (s[i] & 0x3F);
    }
    if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
        return 0;
    *cp = v;
    return len;
}

bool quire__utf8_valid(const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    while (i < n) {
        if (p[i] < 0x80) { i++; continue; }
        uint32_t cp;
        size_t k = quire__utf8_decode(p + i, n - i, &cp);
        if (!k)
            return false;
        i += k;
    }
    return true;
}

void quire__utf8_put(quire_buf *b, uint32_t cp)
{
    char out[4];
    size_t n;
    if (cp < 0x80) { out[0] = (char)cp; n = 1; }
    else if (cp < 0x800) { out[0] = (char)(0xC0 | (cp >> 6)); out[1] = (char)(0x80 | (cp & 0x3F)); n = 2; }
    else if (cp < 0x10000) {
        out[0] = (char)(0xE0 | (cp >> 12)); out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F)); n = 3;
    } else {
        out[0] = (char)(0xF0 | (cp >> 18)); out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
        out[2] = (char)(0x80 | ((cp >> 6) & 0x3F)); out[3] = (char)(0x80 | (cp & 0x3F)); n = 4;
    }
    quire__buf_put(b, out, n);
}

const char *quire__xml_clean(quire_arena *arena, const char *s)
{
    if (!s)
        return NULL;
    const unsigned char *p = (const unsigned char *)s;
    size_t n = strlen(s), i = 0;
    /* Fast path: most strings are clean, and then no copy is made. */
    while (i < n) {
        if (p[i] >= 0x20 && p[i] < 0x80) { i++; continue; }
        uint32_t cp;
        size_t k = p[i] < 0x80 ? (cp = p[i], 1) : quire__utf8_decode_fast(p + i, n - i, &cp);
        if (!k || !quire__xml_char_ok(cp))
            break;
        i += k;
    }
    if (i == n)
        return s;
    quire_buf b;
    quire__buf_init(&b);
    quire__buf_put(&b, s, i);
    while (i < n) {
        uint32_t cp;
        size_t k = quire__utf8_decode(p + i, n - i, &cp);
        if (!k) {
            quire__utf8_put(&b, 0xFFFD);
            i++;
            continue;
        }
        if (quire__xml_char_ok(cp))
            quire__buf_put(&b, p + i, k);
        i += k;
    }
    char *out = quire_arena_strndup(arena, quire__buf_cstr(&b), b.len);
    quire__buf_free(&b);
    return out;
}

uint64_t quire__fnv1a64(const void *data, size_t n, uint64_t seed)
{
    const unsigned char *p = data;
    uint64_t h = 0xcbf29ce484222325ULL ^ seed;
    for (size_t i = 0; i < n; i++) {
        h ^= p[i];
        h *= 0x100000001b3ULL;
    }
    return h;
}

/* JSON's number grammar (RFC 8259 §6): -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
 * YAML scalars that match become NUMBER values; the model writer writes
 * only such text unquoted. */
bool quire__json_number(const char *s, size_t n)
{
    size_t i = 0;
    if (i < n && s[i] == '-')
        i++;
    if (i >= n)
        return false;
    if (s[i] == '0') {
        i++;
    } else if (s[i] >= '1' && s[i] <= '9') {
        while (i < n && s[i] >= '0' && s[i] <= '9')
            i++;
    } else {
        return false;
    }
    if (i < n && s[i] == '.') {
        size_t d = ++i;
        while (i < n && s[i] >= '0' && s[i] <= '9')
            i++;
        if (i == d)
            return false;
    }
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        if (i < n && (s[i] == '+' || s[i] == '-'))
            i++;
        size_t d = i;
        while (i < n && s[i] >= '0' && s[i] <= '9')
            i++;
        if (i == d)
            return false;
    }
    return i == n;
}
