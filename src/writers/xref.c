/*
 * xref.c — links between documents for the epub and html writers: hashed
 * maps, path and URL keys, placeholder rewriting.  See xref.h for the
 * scheme both writers follow.
 */
#include "xref.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ------------------------------------------------------------------ hashing */

uint64_t quire__hash_str(const char *s, uint64_t seed)
{
    return quire__fnv1a64(s, strlen(s), 0xcbf29ce484222325ull ^ (seed * 0x9E3779B97F4A7C15ull));
}

static bool hmap_grow(quire_hmap *m)
{
    size_t cap = m->cap ? m->cap * 2 : 256;
    uint64_t *keys = calloc(cap, sizeof *keys);
    uint32_t *vals = calloc(cap, sizeof *vals);
    if (!keys || !vals) {
        free(keys);
        free(vals);
        return false;
    }
    for (size_t i = 0; i < m->cap; i++) {
        if (!m->keys[i])
            continue;
        size_t j = (size_t)(m->keys[i] & (cap - 1));
        while (keys[j])
            j = (j + 1) & (cap - 1);
        keys[j] = m->keys[i];
        vals[j] = m->vals[i];
    }
    free(m->keys);
    free(m->vals);
    m->keys = keys;
    m->vals = vals;
    m->cap = cap;
    return true;
}

bool quire__hmap_put(quire_hmap *m, uint64_t key, uint32_t val, bool replace)
{
    if (!key)
        key = 1;
    if ((m->count + 1) * 4 > m->cap * 3 && !hmap_grow(m))
        return false;
    size_t j = (size_t)(key & (m->cap - 1));
    while (m->keys[j] && m->keys[j] != key)
        j = (j + 1) & (m->cap - 1);
    if (m->keys[j]) {
        if (replace)
            m->vals[j] = val;
        return true;
    }
    m->keys[j] = key;
    m->vals[j] = val;
    m->count++;
    return true;
}

bool quire__hmap_get(const quire_hmap *m, uint64_t key, uint32_t *val)
{
    if (!key)
        key = 1;
    if (!m->cap)
        return false;
    size_t j = (size_t)(key & (m->cap - 1));
    while (m->keys[j]) {
        if (m->keys[j] == key) {
            if (val)
                *val = m->vals[j];
            return true;
        }
        j = (j + 1) & (m->cap - 1);
    }
    return false;
}

void quire__hmap_free(quire_hmap *m)
{
    free(m->keys);
    free(m->vals);
    memset(m, 0, sizeof *m);
}

/* ------------------------------------------------------------------ paths */

char *quire__pct_decode(const char *s, size_t n)
{
    char *out = malloc(n + 1);
    if (!out)
        return NULL;
    size_t j = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '%' && i + 2 < n && isxdigit((unsigned char)s[i + 1]) &&
            isxdigit((unsigned char)s[i + 2])) {
            char h[3] = {s[i + 1], s[i + 2], 0};
            out[j++] = (char)strtol(h, NULL, 16);
            i += 2;
        } else {
            out[j++] = s[i];
        }
    }
    out[j] = '\0';
    return out;
}

char *quire__path_normalize(const char *path)
{
    quire_buf b;
    quire__buf_init(&b);
    bool abs = path[0] == '/';
    const char *p = path;
    size_t *marks = NULL, nm = 0, cm = 0;
    while (*p) {
        while (*p == '/')
            p++;
        size_t n = strcspn(p, "/");
        if (n == 0)
            break;
        if (n == 1 && p[0] == '.') {
            /* nothing */
        } else if (n == 2 && p[0] == '.' && p[1] == '.') {
            if (nm) {
                b.len = marks[--nm];
                if (b.data)
                    b.data[b.len] = '\0';
            }
        } else {
            if (nm == cm) {
                size_t nc = cm ? cm * 2 : 16;
                size_t *m = realloc(marks, nc * sizeof *m);
                if (!m)
                    break;
                marks = m;
                cm = nc;
            }
            marks[nm++] = b.len;
            if (b.len || abs)
                quire__buf_putc(&b, '/');
            quire__buf_put(&b, p, n);
        }
        p += n;
    }
    free(marks);
    if (!b.len && abs)
        quire__buf_putc(&b, '/');
    return quire__buf_detach(&b, NULL);
}

/* ------------------------------------------------------------------ keys */

char *quire__url_origin(quire_arena *a, const char *u)
{
    if (!u || !quire__url_has_scheme(u))
        return NULL;
    size_t sn = strcspn(u, ":");
    if (!(sn == 4 && strncasecmp(u, "http", 4) == 0) && !(sn == 5 && strncasecmp(u, "https", 5) == 0))
        return NULL;
    const char *p = u + sn + 1;
    if (p[0] != '/' || p[1] != '/')
        return NULL;
    p += 2;
    size_t h = strcspn(p, "/?#");
    if (h == 0)
        return NULL;
    /* copied by hand: every absolute link of every page asks, and printf's
     * parsing was most of the cost */
    size_t n = (size_t)(p - u) + h;
    char *o = quire_arena_alloc(a, n + 2);
    if (!o)
        return NULL;
    for (size_t i = 0; i < n; i++)
        o[i] = (char)tolower((unsigned char)u[i]);
    o[n] = '/';
    o[n + 1] = '\0';
    return o;
}

char *quire__xref_target_key(const char *s)
{
    if (!s || !*s)
        return NULL;
    size_t n = strcspn(s, "#?");
    char *k = strndup(s, n);
    if (!k)
        return NULL;
    if (quire__url_has_scheme(k)) {
        /* scheme and host are case-insensitive */
        char *p = strstr(k, "://");
        char *end = p ? p + 3 + strcspn(p + 3, "/") : k + strcspn(k, ":");
        for (char *q = k; q < end; q++)
            *q = (char)tolower((unsigned char)*q);
        if (strncmp(k, "http://", 7) == 0)
            memmove(k + 4, k + 5, strlen(k + 5) + 1); /* http and https: one site */
    }
    size_t len = strlen(k);
    static const char *const tails[] = {"/index.html", "/index.htm", "/index.xhtml",
                                        "/index.md", "/_index.md", NULL};
    for (size_t i = 0; tails[i]; i++) {
        size_t t = strlen(tails[i]);
        if (len >= t && strcmp(k + len - t, tails[i]) == 0) {
            len -= t - 1;
            k[len] = '\0';
            break;
        }
    }
    while (len > 1 && k[len - 1] == '/')
        k[--len] = '\0';
    static const char *const exts[] = {".html", ".htm", ".xhtml", ".md", ".markdown", NULL};
    for (size_t i = 0; exts[i]; i++) {
        size_t t = strlen(exts[i]);
        if (len > t && strcasecmp(k + len - t, exts[i]) == 0) {
            len -= t;
            k[len] = '\0';
            break;
        }
    }
    return k;
}

uint64_t quire__xref_key_hash(const char *s)
{
    char *k = quire__xref_target_key(s);
    uint64_t h = k && *k ? quire__hash_str(k, 5) : 0;
    free(k);
    return h;
}

uint64_t quire__xref_source_hash(const char *source_path)
{
    if (!source_path || !*source_path || strcmp(source_path, "-") == 0)
        return 0;
    char *norm = quire__path_normalize(source_path);
    uint64_t h = norm ? quire__xref_key_hash(norm) : 0;
    free(norm);
    return h;
}

uint64_t quire__xref_path_hash(const char *src_dir, const char *u)
{
    size_t pn = strcspn(u, "?#");
    if (!pn || u[0] == '/')
        return 0;
    char *path = quire__pct_decode(u, pn);
    if (!path)
        return 0;
    quire_buf b;
    quire__buf_init(&b);
    quire__buf_printf(&b, "%s%s%s", src_dir, *src_dir ? "/" : "", path);
    char *norm = b.oom ? NULL : quire__path_normalize(quire__buf_cstr(&b));
    uint64_t h = norm ? quire__xref_key_hash(norm) : 0;
    free(norm);
    quire__buf_free(&b);
    free(path);
    return h;
}

/* ------------------------------------------------------------------ placeholders */

static const char xref_ph[] = " href=\"" QUIRE_XREF_PREFIX;

int quire__xref_rewrite(const char *in, size_t len, size_t count, quire_xref_fn fn, void *ud,
                        quire_buf *out)
{
    bool in_tag = false;
    size_t run = 0, phl = sizeof xref_ph - 1;
    for (size_t i = 0; i < len; i++) {
        char c = in[i];
        if (c == '<')
            in_tag = true;
        else if (c == '>')
            in_tag = false;
        else if (in_tag && c == ' ' && len - i > phl && memcmp(in + i, xref_ph, phl) == 0) {
            size_t j = i + phl, n = 0;
            while (j < len && in[j] >= '0' && in[j] <= '9' && n < 100000000)
                n = n * 10 + (size_t)(in[j++] - '0');
            if (j < len && in[j] == '"' && n < count) {
                quire__buf_put(out, in + run, i - run);
                fn(ud, n, out);
                i = j;
                run = j + 1;
            }
        }
    }
    quire__buf_put(out, in + run, len - run);
    return out->oom ? QUIRE_ERR_NOMEM : QUIRE_OK;
}
