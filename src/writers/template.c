/*
 * template.c — the logic-less template engine of the html writer (see
 * template.h for the syntax).  A template is parsed once into a flat list of
 * operations; a section records where its body ends, so rendering is a loop
 * over that list with recursion only as deep as sections are nested (bounded
 * at parse time).
 */
#include "template.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TPL_MAX_NESTING 32

typedef enum tpl_kind {
    TPL_TEXT,     /* literal text: t->text[off..off+len) */
    TPL_VAR,      /* escaped value */
    TPL_RAW,      /* value as is */
    TPL_SECTION,  /* {{#name}}: body is ops (i, end) */
    TPL_INVERTED  /* {{^name}} */
} tpl_kind;

typedef struct tpl_op {
    tpl_kind kind;
    size_t off, len;      /* TEXT: slice of t->text */
    char **parts;         /* dotted name split at '.'; {"."} for the current item */
    size_t n_parts;
    size_t *index;        /* by part (n_parts > 1): the list index a part of digits
                             reads, SIZE_MAX for other parts (none may) */
    bool plain;           /* one part, not "." (most names) */
    size_t end;           /* SECTION/INVERTED: index of the first op after the body */
    size_t slot;          /* index of parts[0] in quire_tpl.names (not for ".") */
} tpl_op;

struct quire_tpl {
    char *text;           /* private copy of the source (TEXT slices point in it) */
    tpl_op *ops;
    size_t count, cap;
    /* The distinct first parts of the names, so the top contexts of a
     * render (a page's thirty-odd fields) are walked once into an array by
     * slot instead of once per tag.  names point into ops' parts; hash
     * holds slot + 1 (0: empty), open addressing over hash_mask + 1. */
    const char **names;
    size_t n_names;
    uint32_t *hash;
    size_t hash_mask;
};

static uint32_t tpl_hash(const char *s)
{
    uint32_t h = 2166136261u;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    return h;
}

/* The slot of name, or SIZE_MAX when the template does not use it. */
static size_t tpl_slot(const quire_tpl *t, const char *name)
{
    for (size_t i = tpl_hash(name) & t->hash_mask;; i = (i + 1) & t->hash_mask) {
        uint32_t e = t->hash[i];
        if (!e)
            return SIZE_MAX;
        if (strcmp(t->names[e - 1], name) == 0)
            return e - 1;
    }
}

/* The list index part reads ("tags.0"): SIZE_MAX when it is not all
 * digits, or too large for any list. */
static size_t tpl_part_index(const char *part)
{
    if (!*part)
        return SIZE_MAX;
    size_t n = 0;
    for (const char *p = part; *p; p++) {
        if (*p < '0' || *p > '9')
            return SIZE_MAX;
        n = n > (SIZE_MAX - 10) / 10 ? SIZE_MAX - 1 : n * 10 + (size_t)(*p - '0');
    }
    return n;
}

/* Give every op with a name its slot, and a dotted name its parts' list
 * indexes, parsed once here rather than at every lookup (after parsing,
 * when ops no longer move). */
static int tpl_index(quire_tpl *t)
{
    size_t cap = 8;
    while (cap < 2 * t->count)
        cap *= 2;
    t->hash = calloc(cap, sizeof *t->hash);
    t->names = malloc((t->count ? t->count : 1) * sizeof *t->names);
    if (!t->hash || !t->names)
        return QUIRE_ERR_NOMEM;
    t->hash_mask = cap - 1;
    for (size_t k = 0; k < t->count; k++) {
        tpl_op *op = &t->ops[k];
        if (!op->parts || op->parts[0][0] == '.')
            continue;
        op->plain = op->n_parts == 1;
        if (op->n_parts > 1) {
            if (!(op->index = malloc(op->n_parts * sizeof *op->index)))
                return QUIRE_ERR_NOMEM;
            for (size_t i = 0; i < op->n_parts; i++)
                op->index[i] = tpl_part_index(op->parts[i]);
        }
        size_t slot = tpl_slot(t, op->parts[0]);
        if (slot == SIZE_MAX) {
            size_t i = tpl_hash(op->parts[0]) & t->hash_mask;
            while (t->hash[i])
                i = (i + 1) & t->hash_mask;
            slot = t->n_names++;
            t->names[slot] = op->parts[0];
            t->hash[i] = (uint32_t)(slot + 1);
        }
        op->slot = slot;
    }
    return QUIRE_OK;
}

/* ------------------------------------------------------------------ parse */

static int tpl_push(quire_tpl *t, tpl_op op)
{
    if (t->count == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 32;
        tpl_op *p = realloc(t->ops, cap * sizeof *p);
        if (!p)
            return QUIRE_ERR_NOMEM;
        t->ops = p;
        t->cap = cap;
    }
    t->ops[t->count++] = op;
    return QUIRE_OK;
}

/* Line and column (1-based, in bytes) of offset pos. */
static void tpl_where(const char *src, size_t pos, uint32_t *line, uint32_t *col)
{
    uint32_t l = 1, c = 1;
    for (size_t i = 0; i < pos; i++) {
        if (src[i] == '\n') {
            l++;
            c = 1;
        } else {
            c++;
        }
    }
    *line = l;
    *col = c;
}

static bool tpl_name_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '_' || c == '-' || c == ':' || c == '.';
}

/* Split a trimmed name into its dotted parts; NULL on a bad name. */
static char **tpl_split_name(const char *s, size_t n, size_t *n_parts)
{
    if (!n)
        return NULL;
    for (size_t i = 0; i < n; i++)
        if (!tpl_name_char(s[i]))
            return NULL;
    if (n == 1 && s[0] == '.') {
        char **parts = malloc(sizeof *parts);
        if (!parts || !(parts[0] = strdup(".")))
            return free(parts), NULL;
        *n_parts = 1;
        return parts;
    }
    if (s[0] == '.' || s[n - 1] == '.')
        return NULL;
    size_t count = 1;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '.') {
            if (s[i + 1] == '.')
                return NULL; /* empty segment */
            count++;
        }
    }
    char **parts = calloc(count, sizeof *parts);
    if (!parts)
        return NULL;
    size_t k = 0, start = 0;
    for (size_t i = 0; i <= n; i++) {
        if (i == n || s[i] == '.') {
            parts[k] = strndup(s + start, i - start);
            if (!parts[k]) {
                for (size_t j = 0; j < k; j++)
                    free(parts[j]);
                free(parts);
                return NULL;
            }
            k++;
            start = i + 1;
        }
    }
    *n_parts = count;
    return parts;
}

static void tpl_free_parts(char **parts, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(parts[i]);
    free(parts);
}

static bool tpl_same_name(const tpl_op *op, const char *s, size_t n)
{
    /* Rebuild the dotted name of op and compare. */
    size_t pos = 0;
    for (size_t i = 0; i < op->n_parts; i++) {
        size_t pl = strlen(op->parts[i]);
        if (i) {
            if (pos >= n || s[pos] != '.')
                return false;
            pos++;
        }
        if (pos + pl > n || memcmp(s + pos, op->parts[i], pl) != 0)
            return false;
        pos += pl;
    }
    return pos == n;
}

typedef struct tpl_open {
    size_t op;       /* index of the SECTION/INVERTED op */
    size_t pos;      /* where its tag starts, for messages */
} tpl_open;

int quire__tpl_parse(quire_tpl **out, const char *src, size_t len,
                     char *err, size_t err_size, uint32_t *line, uint32_t *column)
{
    *out = NULL;
    *line = *column = 0;
    if (err_size)
        err[0] = '\0';
    quire_tpl *t = calloc(1, sizeof *t);
    if (!t || !(t->text = malloc(len + 1))) {
        free(t);
        return QUIRE_ERR_NOMEM;
    }
    memcpy(t->text, src, len);
    t->text[len] = '\0';
    const char *s = t->text;
    tpl_open open[TPL_MAX_NESTING];
    size_t depth = 0;
    size_t i = 0, err_pos = 0;
    int rc = QUIRE_OK;
    while (i < len && rc == QUIRE_OK) {
        const char *tag = strstr(s + i, "{{");
        size_t tpos = tag ? (size_t)(tag - s) : len;
        if (tpos > len)
            tpos = len;
        if (tpos > i)
            rc = tpl_push(t, (tpl_op){.kind = TPL_TEXT, .off = i, .len = tpos - i});
        if (rc != QUIRE_OK || tpos >= len)
            break;
        err_pos = tpos;
        size_t p = tpos + 2;
        char sigil = s[p];
        const char *closer = "}}";
        if (sigil == '{') {
            closer = "}}}";
            p++;
        } else if (sigil == '&' || sigil == '#' || sigil == '^' || sigil == '/' || sigil == '!') {
            p++;
        } else {
            sigil = 0;
        }
        const char *end = strstr(s + p, closer);
        if (!end) {
            snprintf(err, err_size, "unclosed tag: `%s` without `%s`", sigil == '{' ? "{{{" : "{{",
                     closer);
            rc = QUIRE_ERR_PARSE;
            break;
        }
        size_t epos = (size_t)(end - s);
        i = epos + strlen(closer);
        if (sigil == '!')
            continue;
        size_t a = p, b = epos;
        while (a < b && (s[a] == ' ' || s[a] == '\t'))
            a++;
        while (b > a && (s[b - 1] == ' ' || s[b - 1] == '\t'))
            b--;
        if (sigil == '/') {
            if (!depth) {
                snprintf(err, err_size, "`{{/%.*s}}` closes no open section", (int)(b - a), s + a);
                rc = QUIRE_ERR_PARSE;
                break;
            }
            tpl_open *o = &open[depth - 1];
            tpl_op *op = &t->ops[o->op];
            if (!tpl_same_name(op, s + a, b - a)) {
                uint32_t ol, oc;
                tpl_where(s, o->pos, &ol, &oc);
                snprintf(err, err_size, "`{{/%.*s}}` does not close the section opened at %u:%u",
                         (int)(b - a), s + a, ol, oc);
                rc = QUIRE_ERR_PARSE;
                break;
            }
            op->end = t->count;
            depth--;
            continue;
        }
        size_t n_parts = 0;
        char **parts = tpl_split_name(s + a, b - a, &n_parts);
        if (!parts) {
            snprintf(err, err_size, "bad name `%.*s` in a tag (letters, digits, _ - : and dots)",
                     (int)(b - a > 40 ? 40 : b - a), s + a);
            rc = QUIRE_ERR_PARSE;
            break;
        }
        tpl_kind kind = sigil == '#'   ? TPL_SECTION
                        : sigil == '^' ? TPL_INVERTED
                        : (sigil == '{' || sigil == '&') ? TPL_RAW
                                                         : TPL_VAR;
        if ((kind == TPL_SECTION || kind == TPL_INVERTED) && depth == TPL_MAX_NESTING) {
            tpl_free_parts(parts, n_parts);
            snprintf(err, err_size, "sections nested deeper than %d", TPL_MAX_NESTING);
            rc = QUIRE_ERR_PARSE;
            break;
        }
        rc = tpl_push(t, (tpl_op){.kind = kind, .parts = parts, .n_parts = n_parts});
        if (rc != QUIRE_OK) {
            tpl_free_parts(parts, n_parts);
            break;
        }
        if (kind == TPL_SECTION || kind == TPL_INVERTED)
            open[depth++] = (tpl_open){t->count - 1, tpos};
    }
    if (rc == QUIRE_OK && depth) {
        tpl_op *op = &t->ops[open[depth - 1].op];
        err_pos = open[depth - 1].pos;
        snprintf(err, err_size, "section `{{%c%s}}` is never closed",
                 op->kind == TPL_SECTION ? '#' : '^', op->parts[0]);
        rc = QUIRE_ERR_PARSE;
    }
    if (rc == QUIRE_OK)
        rc = tpl_index(t);
    if (rc != QUIRE_OK) {
        if (rc == QUIRE_ERR_PARSE)
            tpl_where(s, err_pos, line, column);
        else
            snprintf(err, err_size, "%s", quire_strerror(rc));
        quire__tpl_free(t);
        return rc;
    }
    *out = t;
    return QUIRE_OK;
}

void quire__tpl_free(quire_tpl *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->count; i++) {
        tpl_free_parts(t->ops[i].parts, t->ops[i].n_parts);
        free(t->ops[i].index);
    }
    free(t->ops);
    free(t->names);
    free(t->hash);
    free(t->text);
    free(t);
}

/* ------------------------------------------------------------------ render */

/* What quire__tpl_escape does with a byte: 0 copies it as it is (so the
 * loop over a run of plain text is one table load a byte and the run goes
 * out with one memcpy), 1 is an ASCII byte to replace or drop, 2 starts a
 * UTF-8 sequence to check, 3 is the terminating NUL. */
static const unsigned char tpl_esc_class[256] = {
    3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    0, 0, 1, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1,
    2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
    2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
    2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
    2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
    2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
    2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
    2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
    2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
};

/* C1 controls and noncharacters are parse errors in HTML. */
static inline bool tpl_char_ok(uint32_t cp)
{
    return quire__xml_char_ok(cp) && !(cp >= 0x80 && cp <= 0x9F) &&
           !(cp >= 0xFDD0 && cp <= 0xFDEF) && (cp & 0xFFFE) != 0xFFFE;
}

#if defined(__SSE2__)
/* Bit k set: byte k of the 16 at p is not plain (as tpl_esc_class, less
 * the NUL, which ends the string before).  As signed bytes, controls and
 * bytes >= 0x80 both compare below 0x20; then " & ' < > and DEL. */
static inline unsigned tpl_special_bits(__m128i v)
{
    __m128i m = _mm_or_si128(_mm_cmplt_epi8(v, _mm_set1_epi8(0x20)),
                             quire__sse_amp_quot_lt_gt(v));
    m = _mm_or_si128(m, _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('\'')),
                                     _mm_cmpeq_epi8(v, _mm_set1_epi8(0x7f))));
    return (unsigned)_mm_movemask_epi8(m);
}

static inline unsigned tpl_special_mask(const unsigned char *p)
{
    return tpl_special_bits(_mm_loadu_si128((const __m128i *)(const void *)p));
}
#endif

/* Index of the first byte of p[i..n) that tpl_esc_class does not copy as
 * it is, or n. */
static inline size_t tpl_plain_run(const unsigned char *p, size_t i, size_t n)
{
#if defined(__SSE2__)
    for (; n - i >= 16; i += 16) {
        unsigned mask = tpl_special_mask(p + i);
        if (mask)
            return i + (size_t)__builtin_ctz(mask);
    }
    if (i < n && n >= 16) {
        /* the last 1-15 bytes: one look at the final 16, which overlap
         * bytes already checked (shifted out of the mask), rather than a
         * byte at a time */
        unsigned mask = tpl_special_mask(p + n - 16) >> (16 - (n - i));
        return mask ? i + (size_t)__builtin_ctz(mask) : n;
    }
    if (n - i >= 4) { /* 4-15 bytes in all: two loads, no byte loop */
        unsigned w;
        unsigned mask = tpl_special_bits(quire__sse_load_short(p, i, n, &w));
        return quire__sse_short_first(mask, i, n, w);
    }
#endif
    while (i < n && !tpl_esc_class[p[i]])
        i++;
    return i;
}

/* quire__tpl_escape of s[0..n), which ends early at a NUL: what a value
 * of known length takes, without measuring it again. */
static void tpl_escape_n(quire_buf *b, const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    for (;;) {
        size_t run = i, k = 0;
        uint32_t cp = 0;
        for (;;) {
            i = tpl_plain_run(p, i, n);
            if (i == n || p[i] < 0x80)
                break;
            k = quire__utf8_decode_fast(p + i, n - i, &cp);
            if (!k || !tpl_char_ok(cp))
                break;
            i += k; /* valid text stays in the run */
        }
        quire__buf_put(b, s + run, i - run);
        if (i == n)
            return;
        unsigned char c = p[i];
        if (c < 0x80) {
            if (!c) /* where a C string would end */
                return;
            if (c == '&') quire__buf_put(b, "&amp;", 5);
            else if (c == '<') quire__buf_put(b, "&lt;", 4);
            else if (c == '>') quire__buf_put(b, "&gt;", 4);
            else if (c == '"') quire__buf_put(b, "&quot;", 6);
            else if (c == '\'') quire__buf_put(b, "&#39;", 5);
            else if (c == '\t' || c == '\n' || c == '\r') quire__buf_putc(b, (char)c);
            i++; /* other C0 controls and DEL are dropped: not allowed in HTML */
        } else if (!k) {
            quire__utf8_put(b, 0xFFFD);
            i++;
        } else {
            i += k; /* a character HTML forbids: dropped */
        }
    }
}

void quire__tpl_escape(quire_buf *b, const char *s)
{
    if (s)
        tpl_escape_n(b, s, strlen(s));
}

/* A value's text escaped (nothing for a list, mapping or null). */
static void tpl_escape_value(quire_buf *b, const quire_value *v)
{
    const char *s = quire_value_str(v);
    if (s)
        tpl_escape_n(b, s, v->len);
}

/* A name an item's rendering looked up outside the item (see tpl_memo):
 * the op, and a copy of the scalar it found (found false: nothing). */
typedef struct tpl_dep {
    size_t op;
    bool found;
    quire_value_type type;
    char *str;
    size_t len;
} tpl_dep;

/* What rendering one memoized item records. */
typedef struct tpl_rec {
    size_t floor;        /* stack index of the item: below it is outside */
    tpl_dep *deps;
    size_t n_deps, cap_deps;
    bool uncacheable;    /* it found a list or mapping outside, or memory ran out */
} tpl_rec;

typedef struct tpl_stack {
    const quire_value *items[TPL_MAX_NESTING + 2];
    /* slots[k]: items[k]'s entries by name slot, for the top contexts of a
     * render (and the same maps pushed again); NULL: look up by walking */
    const quire_value *const *slots[TPL_MAX_NESTING + 2];
    size_t depth;
    size_t base; /* how many bottom entries may have slots */
    quire_tpl_memo *memo; /* NULL: render everything */
    tpl_rec *rec;         /* recording a memoized item's outside lookups */
    struct tpl_lazy *lazy; /* the memo's stand-ins, or NULL: items are themselves */
    const quire_tpl_outer *oc; /* texts made once from the outer context, or NULL */
} tpl_stack;

/* Stand-ins (quire__tpl_memo_expand) during one render. */
typedef struct tpl_lazy {
    quire_tpl_expand fn;
    void *user;
    quire_arena *scratch; /* what items read outside a memoized one stand for,
                             freed when the render ends */
    bool oom;
} tpl_lazy;

/* What item stands for, made in *a (made on first use); the item itself
 * without stand-ins.  Out of memory: the item, and the render fails. */
static const quire_value *tpl_expand(tpl_lazy *lz, quire_arena **a, const quire_value *item)
{
    /* stand-ins are null items: the others (most) cost no call */
    if (!lz || item->type != QUIRE_VALUE_NULL)
        return item;
    if (!*a && !(*a = quire_arena_new())) {
        lz->oom = true;
        return item;
    }
    const quire_value *v = lz->fn(lz->user, *a, item);
    if (!v)
        lz->oom = true;
    return v ? v : item;
}

/* A list's item as a dotted name reads it ("entries.0"): made to last
 * the render, as the caller may push it. */
static const quire_value *tpl_item(tpl_lazy *lz, const quire_value *item)
{
    return lz ? tpl_expand(lz, &lz->scratch, item) : item;
}

/* quire_value_get, with the first byte compared before strcmp is called:
 * page data has some thirty keys a level and most differ there, so this
 * is most of the cost of rendering a page otherwise. */
static const quire_value *tpl_get(const quire_value *map, const char *key)
{
    /* the second byte too: many keys share a first letter (title and
     * twitter_card, published and publisher); key[1] may be the NUL of a
     * one-letter key, which c->key[1] then must be as well */
    for (const quire_value *c = map->first; c; c = c->next)
        if (c->key && c->key[0] == key[0] && c->key[1] == key[1] && strcmp(c->key, key) == 0)
            return c;
    return NULL;
}

/* One step of a dotted name: a key of a mapping, or a 0-based index into a
 * list ("tags.0" is the first tag, so {{#tags.0}} tests for a non-empty
 * list without looping); index: the part as a list index (tpl_part_index). */
static const quire_value *tpl_child(tpl_lazy *lz, const quire_value *v, const char *part,
                                    size_t index)
{
    if (v->type == QUIRE_VALUE_MAPPING)
        return tpl_get(v, part);
    if (v->type != QUIRE_VALUE_SEQUENCE || index == SIZE_MAX)
        return NULL;
    size_t n = index;
    const quire_value *c = v->first;
    while (c && n--)
        c = c->next;
    return c ? tpl_item(lz, c) : NULL;
}

/* The value of op's first part in the contexts items[lo..hi), innermost
 * first ("." is the innermost context itself). */
static inline const quire_value *tpl_find(const tpl_stack *st, size_t lo, size_t hi,
                                          const tpl_op *op)
{
    if (op->n_parts == 1 && op->parts[0][0] == '.')
        return hi > lo ? st->items[hi - 1] : NULL;
    for (size_t k = hi; k-- > lo;) {
        const quire_value *ctx = st->items[k];
        /* a context just inside the same one (a page's fields pushed again
         * as its one article) had the name looked up already */
        if (k + 1 < hi && st->items[k + 1] == ctx)
            continue;
        if (st->slots[k]) {
            const quire_value *v = st->slots[k][op->slot];
            if (v)
                return v;
            continue;
        }
        const quire_value *v;
        if (ctx && ctx->type == QUIRE_VALUE_MAPPING && (v = tpl_get(ctx, op->parts[0])))
            return v;
    }
    return NULL;
}

/* op's value in the contexts items[0..depth). */
static inline const quire_value *tpl_resolve(const tpl_stack *st, size_t depth, const tpl_op *op)
{
    const quire_value *v = tpl_find(st, 0, depth, op);
    for (size_t i = 1; v && i < op->n_parts; i++)
        v = tpl_child(st->lazy, v, op->parts[i], op->index[i]);
    return v;
}

static void tpl_rec_add(tpl_rec *rec, size_t op, const quire_value *v);

/* op's value for the render; while a memoized item renders, a name found
 * outside the item (not in the contexts from the item inwards) is
 * recorded, as its rendering depends on it. */
static __attribute__((noinline)) const quire_value *tpl_lookup(const quire_tpl *t,
                                                                const tpl_stack *st,
                                                                const tpl_op *op)
{
    const quire_value *v = tpl_resolve(st, st->depth, op);
    if (st->rec && !tpl_find(st, st->rec->floor, st->depth, op))
        tpl_rec_add(st->rec, (size_t)(op - t->ops), v);
    return v;
}

/* tpl_lookup for what most lookups are, a plain name when nothing is
 * recorded: a short loop inline in tpl_run (~110 lookups a page) rather
 * than a call to the general one. */
static inline const quire_value *tpl_value(const quire_tpl *t, const tpl_stack *st,
                                           const tpl_op *op)
{
    if (!op->plain || st->rec)
        return tpl_lookup(t, st, op);
    for (size_t k = st->depth; k-- > 0;) {
        const quire_value *ctx = st->items[k], *v;
        if (k + 1 < st->depth && st->items[k + 1] == ctx)
            continue; /* as tpl_find */
        if (st->slots[k]) {
            if ((v = st->slots[k][op->slot]))
                return v;
        } else if (ctx && ctx->type == QUIRE_VALUE_MAPPING && (v = tpl_get(ctx, op->parts[0]))) {
            return v;
        }
    }
    return NULL;
}

static bool tpl_truthy(const quire_value *v)
{
    if (!v)
        return false;
    switch (v->type) {
    case QUIRE_VALUE_NULL: return false;
    case QUIRE_VALUE_BOOL: return v->str && strcmp(v->str, "true") == 0;
    case QUIRE_VALUE_STRING: return v->len > 0;
    case QUIRE_VALUE_SEQUENCE: return v->count > 0;
    default: return true;
    }
}

/* Push a section's context; a map that is one of the top contexts (a
 * page's fields as its one article) keeps their slots. */
static void tpl_push_ctx(tpl_stack *st, const quire_value *v)
{
    const quire_value *const *slots = NULL;
    for (size_t k = 0; k < st->base; k++)
        if (st->items[k] == v)
            slots = st->slots[k];
    st->items[st->depth] = v;
    st->slots[st->depth++] = slots;
}

/* Fill slots (t->n_names entries) from mapping map: the first entry with
 * a name, as tpl_get finds it. */
static void tpl_fill(const quire_tpl *t, const quire_value *map, const quire_value **slots)
{
    memset(slots, 0, t->n_names * sizeof *slots);
    for (const quire_value *c = map->first; c; c = c->next) {
        if (!c->key)
            continue;
        size_t slot = tpl_slot(t, c->key);
        if (slot != SIZE_MAX && !slots[slot])
            slots[slot] = c;
    }
}

/* ------------------------------------------------------------------ memo */

/*
 * A listing renders the same items again and again (an entry shows on
 * every tag page of its tags).  The memo keeps what one item of a section
 * rendered to, with every name that rendering looked up outside the item
 * and what it found; the next render of the same op for the same item
 * copies the text when each of those names still finds the same scalar
 * (or nothing).  Everything else the text depends on is inside the item,
 * which the caller keeps alive and unchanged.  A rendering that found a
 * list or mapping outside the item is never reused: its content is not
 * compared.
 */
typedef struct tpl_memo_ent {
    size_t op;                 /* SIZE_MAX: empty slot */
    const quire_value *item;
    char *text;
    size_t len;
    tpl_dep *deps;
    size_t n_deps;
} tpl_memo_ent;

struct quire_tpl_memo {
    const quire_tpl *t;
    bool *on;                  /* by op: a section the memo serves */
    quire_tpl_expand expand;   /* stand-ins, or NULL */
    void *expand_user;
    tpl_memo_ent *ents;
    size_t n, mask;            /* used slots; capacity - 1 */
};

quire_tpl_memo *quire__tpl_memo_new(const quire_tpl *t, const char *name)
{
    quire_tpl_memo *m = calloc(1, sizeof *m);
    if (!m || !(m->on = calloc(t->count ? t->count : 1, sizeof *m->on)) ||
        !(m->ents = malloc(64 * sizeof *m->ents))) {
        quire__tpl_memo_free(m);
        return NULL;
    }
    m->t = t;
    m->mask = 63;
    for (size_t i = 0; i <= m->mask; i++)
        m->ents[i].op = SIZE_MAX;
    for (size_t i = 0; i < t->count; i++) {
        const tpl_op *op = &t->ops[i];
        m->on[i] = name && op->kind == TPL_SECTION && op->n_parts == 1 &&
                   strcmp(op->parts[0], name) == 0;
    }
    return m;
}

static void tpl_deps_free(tpl_dep *deps, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(deps[i].str);
    free(deps);
}

void quire__tpl_memo_expand(quire_tpl_memo *m, quire_tpl_expand fn, void *user)
{
    m->expand = fn;
    m->expand_user = user;
}

void quire__tpl_memo_free(quire_tpl_memo *m)
{
    if (!m)
        return;
    for (size_t i = 0; m->ents && i <= m->mask; i++) {
        if (m->ents[i].op == SIZE_MAX)
            continue;
        free(m->ents[i].text);
        tpl_deps_free(m->ents[i].deps, m->ents[i].n_deps);
    }
    free(m->ents);
    free(m->on);
    free(m);
}

static size_t tpl_memo_hash(size_t op, const quire_value *item)
{
    uint64_t h = ((uint64_t)(uintptr_t)item >> 4) * 0x9E3779B97F4A7C15u ^ (uint64_t)op;
    return (size_t)(h ^ (h >> 29));
}

/* The slot of (op, item): its entry, or the empty slot where it goes. */
static tpl_memo_ent *tpl_memo_slot(const quire_tpl_memo *m, size_t op, const quire_value *item)
{
    for (size_t i = tpl_memo_hash(op, item) & m->mask;; i = (i + 1) & m->mask) {
        tpl_memo_ent *e = &m->ents[i];
        if (e->op == SIZE_MAX || (e->op == op && e->item == item))
            return e;
    }
}

/* Double the table once it is half full; false when out of memory. */
static bool tpl_memo_grow(quire_tpl_memo *m)
{
    if (2 * (m->n + 1) <= m->mask + 1)
        return true;
    size_t cap = 2 * (m->mask + 1);
    tpl_memo_ent *old = m->ents, *ents = malloc(cap * sizeof *ents);
    if (!ents)
        return false;
    size_t old_cap = m->mask + 1;
    for (size_t i = 0; i < cap; i++)
        ents[i].op = SIZE_MAX;
    m->ents = ents;
    m->mask = cap - 1;
    for (size_t i = 0; i < old_cap; i++)
        if (old[i].op != SIZE_MAX)
            *tpl_memo_slot(m, old[i].op, old[i].item) = old[i];
    free(old);
    return true;
}

/* s[0..n) and a NUL, malloc'd (s may hold NULs: a value has its length). */
static char *tpl_memdup(const char *s, size_t n)
{
    char *c = malloc(n + 1);
    if (c) {
        if (n)
            memcpy(c, s, n);
        c[n] = '\0';
    }
    return c;
}

static void tpl_rec_add(tpl_rec *rec, size_t op, const quire_value *v)
{
    if (rec->uncacheable)
        return;
    if (v && (v->type == QUIRE_VALUE_MAPPING || v->type == QUIRE_VALUE_SEQUENCE)) {
        rec->uncacheable = true;
        return;
    }
    if (rec->n_deps == rec->cap_deps) {
        size_t cap = rec->cap_deps ? 2 * rec->cap_deps : 8;
        tpl_dep *d = realloc(rec->deps, cap * sizeof *d);
        if (!d) {
            rec->uncacheable = true;
            return;
        }
        rec->deps = d;
        rec->cap_deps = cap;
    }
    tpl_dep *d = &rec->deps[rec->n_deps];
    *d = (tpl_dep){.op = op, .found = v != NULL};
    if (v) {
        /* a copy: the value may be gone by the next render */
        d->type = v->type;
        d->len = v->len;
        if (v->str && !(d->str = tpl_memdup(v->str, v->len))) {
            rec->uncacheable = true;
            return;
        }
    }
    rec->n_deps++;
}

/* Whether every name e's text looked up outside its item finds the same
 * now, in the contexts on st (the item not pushed yet). */
static bool tpl_memo_holds(const quire_tpl *t, const tpl_stack *st, const tpl_memo_ent *e)
{
    for (size_t i = 0; i < e->n_deps; i++) {
        const tpl_dep *d = &e->deps[i];
        const quire_value *v = tpl_resolve(st, st->depth, &t->ops[d->op]);
        if (!v != !d->found)
            return false;
        if (!v)
            continue;
        if (v->type != d->type || !v->str != !d->str)
            return false;
        if (v->str && (v->len != d->len || memcmp(v->str, d->str, d->len) != 0))
            return false;
    }
    return true;
}

/* Keep what item rendered to (out[start..]) with rec's dependencies, in
 * place of an entry that no longer held; when memory runs out, nothing is
 * kept (the item is rendered again next time). */
static void tpl_memo_store(quire_tpl_memo *m, size_t op, const quire_value *item, tpl_rec *rec,
                           const quire_buf *out, size_t start)
{
    if (rec->uncacheable || out->oom || !tpl_memo_grow(m))
        return;
    char *text = tpl_memdup(out->data + start, out->len - start);
    if (!text)
        return;
    tpl_memo_ent *e = tpl_memo_slot(m, op, item);
    if (e->op == SIZE_MAX) {
        m->n++;
    } else {
        free(e->text);
        tpl_deps_free(e->deps, e->n_deps);
    }
    *e = (tpl_memo_ent){op, item, text, out->len - start, rec->deps, rec->n_deps};
    rec->deps = NULL; /* the entry has them now */
    rec->n_deps = 0;
}

static void tpl_run(const quire_tpl *t, size_t from, size_t to, tpl_stack *st, quire_buf *out);

/* One item of a memoized section: its kept text when that still holds,
 * else rendered and kept. */
static void tpl_run_memo(const quire_tpl *t, size_t i, const quire_value *item, tpl_stack *st,
                         quire_buf *out)
{
    const tpl_op *op = &t->ops[i];
    tpl_memo_ent *e = tpl_memo_slot(st->memo, i, item);
    if (e->op != SIZE_MAX && tpl_memo_holds(t, st, e)) {
        quire__buf_put(out, e->text, e->len);
        return;
    }
    tpl_rec rec = {.floor = st->depth};
    size_t start = out->len;
    /* what a stand-in stands for is made for this rendering alone, so
     * only one item's values live at a time */
    quire_arena *ia = NULL;
    st->rec = &rec;
    tpl_push_ctx(st, st->lazy ? tpl_expand(st->lazy, &ia, item) : item);
    tpl_run(t, i + 1, op->end, st, out);
    st->depth--;
    st->rec = NULL;
    if (ia)
        quire_arena_free(ia);
    tpl_memo_store(st->memo, i, item, &rec, out, start);
    tpl_deps_free(rec.deps, rec.n_deps);
}

/*
 * Texts made once from an outer context (quire__tpl_outer_new): what the
 * name of a variable finds in outer alone, escaped, and what a section
 * over a list or mapping found there renders to when nothing in it is
 * looked up outside its items (the feeds of every page: a few hundred
 * bytes, a dozen lookups and escapes each time otherwise).  A render
 * copies an op's text when its name finds that very value: then the
 * variable's escaping is the same, and the section's items are, and what
 * they look up is found in them again, whatever the contexts below.
 */
struct quire_tpl_outer {
    const quire_tpl *t;
    const quire_value *outer;
    const quire_value **slots; /* outer's entries by name slot */
    const quire_value **found; /* by op: what its name finds in outer alone, or NULL */
    size_t *off, *len;         /* by op: its text in texts; off SIZE_MAX: none */
    char *texts;
};

/* Copy op i's text made from outer when its name found v there; false
 * when it has none for v. */
static inline bool tpl_outer_put(const tpl_stack *st, size_t i, const quire_value *v,
                                 quire_buf *out)
{
    const quire_tpl_outer *o = st->oc;
    if (!o || !v || v != o->found[i] || o->off[i] == SIZE_MAX)
        return false;
    quire__buf_put(out, o->texts + o->off[i], o->len[i]);
    return true;
}

static void tpl_run(const quire_tpl *t, size_t from, size_t to, tpl_stack *st, quire_buf *out)
{
    for (size_t i = from; i < to; i++) {
        const tpl_op *op = &t->ops[i];
        const quire_value *v;
        switch (op->kind) {
        case TPL_TEXT:
            quire__buf_put(out, t->text + op->off, op->len);
            break;
        case TPL_VAR:
            v = tpl_value(t, st, op);
            if (!tpl_outer_put(st, i, v, out))
                tpl_escape_value(out, v);
            break;
        case TPL_RAW:
            v = tpl_value(t, st, op);
            quire__buf_puts(out, quire_value_str(v));
            break;
        case TPL_INVERTED:
            if (!tpl_truthy(tpl_value(t, st, op)))
                tpl_run(t, i + 1, op->end, st, out);
            i = op->end - 1;
            break;
        case TPL_SECTION:
            v = tpl_value(t, st, op);
            if (tpl_outer_put(st, i, v, out)) {
                /* the section's text, as made once */
            } else if (tpl_truthy(v)) {
                /* depth is bounded by TPL_MAX_NESTING at parse time */
                if (v->type == QUIRE_VALUE_SEQUENCE && st->memo && !st->rec && st->memo->on[i]) {
                    for (const quire_value *item = v->first; item; item = item->next)
                        tpl_run_memo(t, i, item, st, out);
                } else if (v->type == QUIRE_VALUE_SEQUENCE) {
                    for (const quire_value *item = v->first; item; item = item->next) {
                        /* a stand-in's value lives while its item renders */
                        quire_arena *ia = NULL;
                        tpl_push_ctx(st, st->lazy ? tpl_expand(st->lazy, &ia, item) : item);
                        tpl_run(t, i + 1, op->end, st, out);
                        st->depth--;
                        if (ia)
                            quire_arena_free(ia);
                    }
                } else {
                    tpl_push_ctx(st, v);
                    tpl_run(t, i + 1, op->end, st, out);
                    st->depth--;
                }
            }
            i = op->end - 1;
            break;
        }
    }
}

void quire__tpl_render(const quire_tpl *t, const quire_value *data, quire_buf *out)
{
    quire__tpl_render2(t, NULL, data, out);
}

void quire__tpl_render2(const quire_tpl *t, const quire_value *outer, const quire_value *data,
                        quire_buf *out)
{
    quire__tpl_render_memo(t, outer, data, NULL, out);
}

/* A render: outer (NULL: none) below data; oc, texts made once from that
 * outer (NULL: none); memo as quire__tpl_render_memo. */
static void tpl_render(const quire_tpl *t, const quire_value *outer, const quire_tpl_outer *oc,
                       const quire_value *data, quire_tpl_memo *memo, quire_buf *out)
{
    /* outer is one more level of context: the stack has room for it, as
     * sections nest at most TPL_MAX_NESTING deep */
    tpl_stack st = {.depth = 0, .memo = memo && memo->t == t ? memo : NULL, .oc = oc};
    tpl_lazy lazy = {0};
    if (memo && memo->expand) { /* stand-ins are read through it, whatever t */
        lazy = (tpl_lazy){.fn = memo->expand, .user = memo->expand_user};
        st.lazy = &lazy;
    }
    if (outer)
        st.items[st.depth++] = outer;
    st.items[st.depth++] = data;
    /* Index the top mappings by slot: a stack array for templates of the
     * usual size, so a page costs no allocation; without memory, walk. */
    const quire_value *local[256];
    const quire_value **slots = local;
    if (2 * t->n_names > sizeof local / sizeof local[0])
        slots = malloc(2 * t->n_names * sizeof *slots);
    if (slots && t->n_names) {
        for (size_t k = 0; k < st.depth; k++) {
            if (!st.items[k] || st.items[k]->type != QUIRE_VALUE_MAPPING)
                continue;
            if (k == 0 && oc && outer) { /* indexed once, with its texts */
                st.slots[k] = oc->slots;
                continue;
            }
            tpl_fill(t, st.items[k], slots + k * t->n_names);
            st.slots[k] = slots + k * t->n_names;
        }
        st.base = st.depth;
    }
    tpl_run(t, 0, t->count, &st, out);
    if (slots != local)
        free(slots);
    quire_arena_free(lazy.scratch);
    if (lazy.oom)
        out->oom = true;
}

void quire__tpl_render_memo(const quire_tpl *t, const quire_value *outer, const quire_value *data,
                            quire_tpl_memo *memo, quire_buf *out)
{
    tpl_render(t, outer, NULL, data, memo, out);
}

/* Section op i over v (a list or mapping outer holds) rendered into out as
 * a render does it, on st (outer alone); true when nothing in it was
 * looked up outside its items, so that the text is v's alone. */
static bool tpl_outer_section(const quire_tpl *t, tpl_stack *st, size_t i, const quire_value *v,
                              quire_buf *out)
{
    const tpl_op *op = &t->ops[i];
    bool list = v->type == QUIRE_VALUE_SEQUENCE, alone = true;
    for (const quire_value *item = list ? v->first : v; item && alone;
         item = list ? item->next : NULL) {
        tpl_rec rec = {.floor = st->depth};
        st->rec = &rec;
        tpl_push_ctx(st, item);
        tpl_run(t, i + 1, op->end, st, out);
        st->depth--;
        st->rec = NULL;
        alone = !rec.uncacheable && rec.n_deps == 0;
        tpl_deps_free(rec.deps, rec.n_deps);
    }
    return alone;
}

quire_tpl_outer *quire__tpl_outer_new(const quire_tpl *t, const quire_value *outer)
{
    size_t n = t->count ? t->count : 1;
    quire_tpl_outer *o = calloc(1, sizeof *o);
    if (!o || !(o->slots = calloc(t->n_names ? t->n_names : 1, sizeof *o->slots)) ||
        !(o->found = calloc(n, sizeof *o->found)) || !(o->off = malloc(n * sizeof *o->off)) ||
        !(o->len = calloc(n, sizeof *o->len))) {
        quire__tpl_outer_free(o);
        return NULL;
    }
    o->t = t;
    o->outer = outer;
    bool map = outer && outer->type == QUIRE_VALUE_MAPPING;
    if (map)
        tpl_fill(t, outer, o->slots);
    /* the stack a render starts with, but for data: outer alone */
    tpl_stack st = {.depth = 1, .base = 1};
    st.items[0] = outer;
    st.slots[0] = map ? o->slots : NULL;
    quire_buf texts;
    quire__buf_init(&texts);
    for (size_t i = 0; i < t->count; i++) {
        const tpl_op *op = &t->ops[i];
        o->off[i] = SIZE_MAX;
        /* "." is the innermost context: data or an item, never outer's */
        if ((op->kind != TPL_VAR && op->kind != TPL_SECTION) || op->parts[0][0] == '.')
            continue;
        const quire_value *v = outer ? tpl_resolve(&st, 1, op) : NULL;
        o->found[i] = v;
        size_t start = texts.len;
        if (!v) {
            continue;
        } else if (op->kind == TPL_VAR) {
            tpl_escape_value(&texts, v);
        } else if (!tpl_truthy(v) || (v->type != QUIRE_VALUE_SEQUENCE && v->type != QUIRE_VALUE_MAPPING) ||
                   !tpl_outer_section(t, &st, i, v, &texts)) {
            /* a scalar's section reads names below it; this one read some
             * outside its items: rendered each time */
            texts.len = start;
            continue;
        }
        o->off[i] = start;
        o->len[i] = texts.len - start;
    }
    if (texts.oom || !(o->texts = quire__buf_detach(&texts, NULL))) {
        quire__buf_free(&texts);
        quire__tpl_outer_free(o);
        return NULL;
    }
    return o;
}

void quire__tpl_outer_free(quire_tpl_outer *o)
{
    if (!o)
        return;
    free(o->slots);
    free(o->found);
    free(o->off);
    free(o->len);
    free(o->texts);
    free(o);
}

void quire__tpl_render_outer(const quire_tpl_outer *o, const quire_value *data, quire_buf *out)
{
    tpl_render(o->t, o->outer, o, data, NULL, out);
}

/* ------------------------------------------------------------------ data */

quire_value *quire__tpl_map(quire_arena *a)
{
    return quire_value_new(a, QUIRE_VALUE_MAPPING);
}

quire_value *quire__tpl_list(quire_arena *a)
{
    return quire_value_new(a, QUIRE_VALUE_SEQUENCE);
}

void quire__tpl_set(quire_arena *a, quire_value *map, const char *key, const char *s)
{
    if (!map || !s)
        return;
    quire_value *v = quire_value_new_scalar(a, QUIRE_VALUE_STRING, s, strlen(s));
    if (v)
        quire_value_append(a, map, key, v);
}

/* Link child under key (not copied) as the last entry of map. */
static void tpl_link(quire_value *map, const char *key, quire_value *child)
{
    child->key = key;
    child->next = NULL;
    if (map->last)
        map->last->next = child;
    else
        map->first = child;
    map->last = child;
    map->count++;
}

/* A value linked under key (not copied), every field set here: thirty
 * and more of these a page, so no zeroing first and no call. */
static void tpl_link_scalar(quire_arena *a, quire_value *map, const char *key,
                            quire_value_type type, const char *s, size_t len)
{
    quire_value *v = quire__arena_alloc_raw(a, sizeof *v);
    if (!v)
        return;
    *v = (quire_value){.type = type, .str = s, .len = len};
    tpl_link(map, key, v);
}

void quire__tpl_ref(quire_arena *a, quire_value *map, const char *key, const char *s)
{
    if (map && s)
        tpl_link_scalar(a, map, key, QUIRE_VALUE_STRING, s, strlen(s));
}

void quire__tpl_ref_n(quire_arena *a, quire_value *map, const char *key, const char *s, size_t len)
{
    if (map && s)
        tpl_link_scalar(a, map, key, QUIRE_VALUE_STRING, s, len);
}

void quire__tpl_put_ref(quire_value *map, const char *key, quire_value *child)
{
    if (map && child)
        tpl_link(map, key, child);
}

void quire__tpl_put(quire_arena *a, quire_value *map, const char *key, quire_value *child)
{
    if (map && child)
        quire_value_append(a, map, key, child);
}

void quire__tpl_flag_ref(quire_arena *a, quire_value *map, const char *key)
{
    if (map)
        tpl_link_scalar(a, map, key, QUIRE_VALUE_BOOL, "true", 4);
}

void quire__tpl_flag(quire_arena *a, quire_value *map, const char *key)
{
    if (!map)
        return;
    quire_value *v = quire_value_new_scalar(a, QUIRE_VALUE_BOOL, "true", 4);
    if (v)
        quire_value_append(a, map, key, v);
}
