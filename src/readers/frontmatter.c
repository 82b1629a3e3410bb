/*
 * frontmatter.c — YAML front matter to the value tree (libyaml events),
 * the value tree to typed document fields, and document identity.
 *
 * The event API rather than libyaml's document API: the document API
 * builds its own node graph first (twice the memory), expands nothing and
 * has no hook to count alias expansions; with events the tree is built in
 * the document's arena in one pass and aliases are copied under a budget.
 */
#include "frontmatter.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <yaml.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

/* ================================================================ YAML */

typedef struct fm_anchor {
    const char *name;
    const quire_value *v;
    size_t size;   /* values in the subtree */
    size_t height; /* collection levels in the subtree (scalar: 0) */
} fm_anchor;

typedef struct fm_frame {
    quire_value *v;      /* SEQUENCE or MAPPING being filled */
    const char *key;     /* mapping: key waiting for its value */
    bool have_key;
    const char *anchor;  /* registered when the collection ends */
    size_t size, height;
} fm_frame;

typedef struct fm_yaml {
    quire_arena *arena;
    const quire_read_ctx *ctx;
    const char *component;
    const char *yaml;
    size_t len;
    uint32_t line_offset;
    fm_frame *stack;
    size_t depth, cap;
    fm_anchor *anchors;
    size_t nanchors, acap;
    size_t aliases, copied, max_aliases, max_depth;
    quire_value *root;
} fm_yaml;

static void fm_yaml_error(fm_yaml *y, yaml_mark_t mark, const char *fmt, const char *a,
                          const char *b)
{
    quire_diag_add(y->ctx->diags, QUIRE_SEV_ERROR, y->component, y->ctx->path,
                   (uint32_t)mark.line + 1 + y->line_offset, (uint32_t)mark.column + 1, fmt,
                   a ? a : "", b ? b : "");
}


static bool fm_eq(const char *s, size_t n, const char *lit)
{
    return strlen(lit) == n && memcmp(s, lit, n) == 0;
}

/* YAML 1.2 core schema, narrowed to what JSON can carry: numbers must be
 * JSON numbers (0x1F, .inf, +1 stay strings).  plain: a plain scalar
 * without a tag (only those are typed); mark: where it starts. */
static quire_value *fm_new_scalar(fm_yaml *y, const char *s, size_t n, bool plain, bool null_tag,
                                  yaml_mark_t mark)
{
    quire_value_type t = QUIRE_VALUE_STRING;
    if (null_tag) {
        t = QUIRE_VALUE_NULL;
    } else if (plain) {
        /* Only five lengths can be a null or a boolean: most scalars are
         * told apart by their length and first byte alone. */
        if (n == 0 || (n == 1 && s[0] == '~') ||
            (n == 4 && (s[0] == 'n' || s[0] == 'N') &&
             (fm_eq(s, n, "null") || fm_eq(s, n, "Null") || fm_eq(s, n, "NULL"))))
            t = QUIRE_VALUE_NULL;
        else if (n == 4 && (s[0] == 't' || s[0] == 'T') &&
                 (fm_eq(s, n, "true") || fm_eq(s, n, "True") || fm_eq(s, n, "TRUE")))
            t = QUIRE_VALUE_BOOL, s = "true", n = 4;
        else if (n == 5 && (s[0] == 'f' || s[0] == 'F') &&
                 (fm_eq(s, n, "false") || fm_eq(s, n, "False") || fm_eq(s, n, "FALSE")))
            t = QUIRE_VALUE_BOOL, s = "false", n = 5;
        else if ((s[0] >= '0' && s[0] <= '9') || s[0] == '-') /* what a JSON number starts with */
            t = quire__json_number(s, n) ? QUIRE_VALUE_NUMBER : t;
    }
    quire_value *v = quire_value_new_scalar(y->arena, t, s, n);
    if (v) {
        v->line = (uint32_t)mark.line + 1 + y->line_offset;
        v->column = (uint32_t)mark.column + 1;
    }
    return v;
}

static quire_value *fm_scalar(fm_yaml *y, const yaml_event_t *ev)
{
    const char *tag = (const char *)ev->data.scalar.tag;
    bool plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
    if (tag && (strcmp(tag, YAML_STR_TAG) == 0 || strcmp(tag, "!") == 0))
        plain = false;
    return fm_new_scalar(y, (const char *)ev->data.scalar.value, ev->data.scalar.length, plain,
                         tag && strcmp(tag, YAML_NULL_TAG) == 0, ev->start_mark);
}

static int fm_register_anchor(fm_yaml *y, const char *name, const quire_value *v, size_t size,
                              size_t height)
{
    if (y->nanchors == y->acap) {
        size_t cap = y->acap ? y->acap * 2 : 16;
        fm_anchor *a = realloc(y->anchors, cap * sizeof *a);
        if (!a)
            return QUIRE_ERR_NOMEM;
        y->anchors = a;
        y->acap = cap;
    }
    y->anchors[y->nanchors++] = (fm_anchor){name, v, size, height};
    return QUIRE_OK;
}

/* A copy of an anchored value, iterative (the anchor may be as deep as
 * max_depth).  Strings are shared: they are immutable and in the same arena. */
static quire_value *fm_clone(fm_yaml *y, const fm_anchor *a)
{
    typedef struct { const quire_value *next_src; quire_value *dst; } cframe;
    cframe *stk = NULL;
    size_t n = 0;
    quire_value *root = quire_value_new(y->arena, a->v->type);
    if (!root)
        return NULL;
    root->str = a->v->str;
    root->len = a->v->len;
    if (a->v->first) {
        stk = malloc((a->height + 1) * sizeof *stk);
        if (!stk)
            return NULL;
        stk[n++] = (cframe){a->v->first, root};
    }
    while (n) {
        cframe *top = &stk[n - 1];
        const quire_value *c = top->next_src;
        if (!c) {
            n--;
            continue;
        }
        top->next_src = c->next;
        quire_value *d = quire_value_new(y->arena, c->type);
        if (!d) {
            free(stk);
            return NULL;
        }
        d->str = c->str;
        d->len = c->len;
        d->line = c->line;
        d->column = c->column;
        quire_value_append(y->arena, top->dst, c->key, d);
        if (c->first && n <= a->height)
            stk[n++] = (cframe){c->first, d};
    }
    free(stk);
    return root;
}

/* Attach a finished value to the open collection (or make it the root).
 * `raw` is the scalar's text when it may become a mapping key. */
static int fm_add(fm_yaml *y, quire_value *v, const char *raw, size_t raw_len, size_t size,
                  size_t height, yaml_mark_t mark)
{
    if (!y->depth) {
        if (!y->root)
            y->root = v;
        return QUIRE_OK;
    }
    fm_frame *top = &y->stack[y->depth - 1];
    top->size += size;
    if (height + 1 > top->height)
        top->height = height + 1;
    if (top->v->type == QUIRE_VALUE_SEQUENCE) {
        quire_value_append(y->arena, top->v, NULL, v);
        return QUIRE_OK;
    }
    if (!top->have_key) {
        if (v->type == QUIRE_VALUE_MAPPING || v->type == QUIRE_VALUE_SEQUENCE) {
            fm_yaml_error(y, mark, "only plain keys are supported in front matter%s%s", NULL,
                          NULL);
            return QUIRE_ERR_PARSE;
        }
        top->key = raw ? quire_arena_strndup(y->arena, raw, raw_len) : (v->str ? v->str : "");
        if (!top->key)
            return QUIRE_ERR_NOMEM;
        top->have_key = true;
        return QUIRE_OK;
    }
    /* quire_value_append would copy the key a second time: top->key is
     * already this arena's own copy, and keys are never changed in place
     * (a filter replaces the pointer), so the value takes it as it is. */
    v->key = top->key;
    v->next = NULL;
    if (top->v->last)
        top->v->last->next = v;
    else
        top->v->first = v;
    top->v->last = v;
    top->v->count++;
    top->have_key = false;
    return QUIRE_OK;
}

/* A collection starts (anchor: its name, or NULL) / ends: the events
 * libyaml gives, which the fast path below makes without an event. */
static int fm_coll_start(fm_yaml *y, bool seq, const char *anchor, yaml_mark_t mark)
{
    if (y->depth + 1 > y->max_depth) {
        char lim[32];
        snprintf(lim, sizeof lim, "%zu", y->max_depth);
        fm_yaml_error(y, mark, "front matter nested deeper than %s levels%s", lim, NULL);
        return QUIRE_ERR_LIMIT;
    }
    quire_value *v = quire_value_new(y->arena, seq ? QUIRE_VALUE_SEQUENCE : QUIRE_VALUE_MAPPING);
    if (!v)
        return QUIRE_ERR_NOMEM;
    v->line = (uint32_t)mark.line + 1 + y->line_offset;
    v->column = (uint32_t)mark.column + 1;
    if (y->depth == y->cap) {
        size_t cap = y->cap ? y->cap * 2 : 16;
        fm_frame *s = realloc(y->stack, cap * sizeof *s);
        if (!s)
            return QUIRE_ERR_NOMEM;
        y->stack = s;
        y->cap = cap;
    }
    const char *aname = anchor ? quire_arena_strdup(y->arena, anchor) : NULL;
    if (anchor && !aname)
        return QUIRE_ERR_NOMEM;
    y->stack[y->depth++] = (fm_frame){v, NULL, false, aname, 1, 1};
    return QUIRE_OK;
}

static int fm_coll_end(fm_yaml *y)
{
    fm_frame f = y->stack[--y->depth];
    if (f.anchor && fm_register_anchor(y, f.anchor, f.v, f.size, f.height) != QUIRE_OK)
        return QUIRE_ERR_NOMEM;
    yaml_mark_t m = {0, f.v->line ? f.v->line - 1 - y->line_offset : 0, f.v->column - 1};
    return fm_add(y, f.v, NULL, 0, f.size, f.height, m);
}

static int fm_event(fm_yaml *y, const yaml_event_t *ev)
{
    switch (ev->type) {
    case YAML_SCALAR_EVENT: {
        quire_value *v = fm_scalar(y, ev);
        if (!v)
            return QUIRE_ERR_NOMEM;
        if (ev->data.scalar.anchor) {
            const char *name = quire_arena_strdup(y->arena, (const char *)ev->data.scalar.anchor);
            if (!name || fm_register_anchor(y, name, v, 1, 0) != QUIRE_OK)
                return QUIRE_ERR_NOMEM;
        }
        return fm_add(y, v, (const char *)ev->data.scalar.value, ev->data.scalar.length, 1, 0,
                      ev->start_mark);
    }
    case YAML_SEQUENCE_START_EVENT:
        return fm_coll_start(y, true, (const char *)ev->data.sequence_start.anchor,
                             ev->start_mark);
    case YAML_MAPPING_START_EVENT:
        return fm_coll_start(y, false, (const char *)ev->data.mapping_start.anchor,
                             ev->start_mark);
    case YAML_SEQUENCE_END_EVENT:
    case YAML_MAPPING_END_EVENT:
        return fm_coll_end(y);
    case YAML_ALIAS_EVENT: {
        const char *name = (const char *)ev->data.alias.anchor;
        const fm_anchor *a = NULL;
        for (size_t i = y->nanchors; i-- > 0;)
            if (strcmp(y->anchors[i].name, name) == 0) {
                a = &y->anchors[i];
                break;
            }
        if (!a) {
            fm_yaml_error(y, ev->start_mark, "unknown YAML anchor '%s'%s", name, NULL);
            return QUIRE_ERR_PARSE;
        }
        y->aliases++;
        y->copied += a->size;
        if (y->aliases > y->max_aliases || y->copied > y->max_aliases * 100) {
            char lim[64];
            snprintf(lim, sizeof lim, "%zu", y->max_aliases);
            fm_yaml_error(y, ev->start_mark,
                          "too many YAML alias expansions (limit %s, or 100 times that many "
                          "values copied)%s",
                          lim, NULL);
            return QUIRE_ERR_LIMIT;
        }
        if (y->depth + a->height > y->max_depth) {
            char lim[32];
            snprintf(lim, sizeof lim, "%zu", y->max_depth);
            fm_yaml_error(y, ev->start_mark,
                          "front matter nested deeper than %s levels (through an alias)%s", lim,
                          NULL);
            return QUIRE_ERR_LIMIT;
        }
        quire_value *v = fm_clone(y, a);
        if (!v)
            return QUIRE_ERR_NOMEM;
        v->line = (uint32_t)ev->start_mark.line + 1 + y->line_offset;
        v->column = (uint32_t)ev->start_mark.column + 1;
        return fm_add(y, v, a->v->str, a->v->len, a->size, a->height, ev->start_mark);
    }
    default:
        return QUIRE_OK; /* stream and document boundaries */
    }
}

static void fm_report_libyaml(fm_yaml *y, const yaml_parser_t *p)
{
    yaml_mark_t mark = p->problem_mark;
    if (p->error == YAML_READER_ERROR) {
        /* The reader reports a byte offset, not a mark. */
        mark.line = 0;
        mark.column = 0;
        for (size_t i = 0; i < p->problem_offset && i < y->len; i++) {
            if (y->yaml[i] == '\n') {
                mark.line++;
                mark.column = 0;
            } else {
                mark.column++;
            }
        }
    }
    const char *problem = p->problem ? p->problem : "syntax error";
    if (p->context) {
        char ctxbuf[160];
        snprintf(ctxbuf, sizeof ctxbuf, " (%s, line %zu)", p->context,
                 p->context_mark.line + 1 + y->line_offset);
        fm_yaml_error(y, mark, "invalid YAML front matter: %s%s", problem, ctxbuf);
    } else {
        fm_yaml_error(y, mark, "invalid YAML front matter: %s%s", problem, NULL);
    }
}

/* ------------------------------------------------------ the fast path
 *
 * libyaml's scanner costs about 2,600 instructions per event: on a typical
 * corpus, front matter (40% of the bytes) cost as much as cmark-gfm's whole
 * parse of the bodies.  Most front matter is the same few shapes: block
 * mappings and block sequences of one-line scalars, one-line flow
 * sequences of scalars, comments.  This scanner reads exactly those and
 * hands fm_event() the events libyaml would have produced, with the same
 * marks; at the first thing it is not sure of (tabs, anchors, tags, block
 * scalars, multi-line scalars, flow mappings, "- key: value", control
 * characters, invalid UTF-8, CR...) it gives up and the whole text goes to
 * libyaml, so errors and their messages are always libyaml's.
 */
#define FMF_MAX_DEPTH 32

typedef struct fmf_coll {
    bool seq;
    size_t indent;     /* column of the keys / of the '-' */
    bool indentless;   /* a sequence whose '-' sits at its key's column */
} fmf_coll;

typedef struct fmf {
    fm_yaml *y;
    const char *s, *end;
    size_t line;            /* 0-based, of the current line */
    const char *line_start;
    fmf_coll open[FMF_MAX_DEPTH];
    size_t depth;
    size_t max_depth;
    const char *col_at;     /* fmf_col's last answer, to go on from: one pass */
    size_t col_val;         /* per line, even for a flow sequence of 50,000 */
    quire_buf buf;          /* unescaped double-quoted text */
    int rc;                 /* QUIRE_OK, or an error from fm_event */
    bool header_only;       /* QUIRE_READ_HEADER_ONLY: see fmf_skips */
    size_t skip;            /* levels open inside a collection not built */
} fmf;

static bool fm_key_needed(const quire_read_ctx *ctx, const char *key);

/* Column (0-based, in characters, as libyaml counts) of p on its line: its
 * bytes from the line's start (or from the last answer on this line, so a
 * line is counted once however many scalars it holds), less the UTF-8
 * continuation bytes among them (10xxxxxx: bit 7 set and bit 6, moved up by
 * the shift, clear).  Eight bytes at a time; the last few as one more word
 * when the text goes on far enough, with the bytes past p masked off. */
static size_t fmf_count_col(const fmf *f, const unsigned char *q, const unsigned char *e)
{
    size_t c = (size_t)(e - q);
    for (; e - q >= 8; q += 8) {
        uint64_t w = quire__load64(q);
        uint64_t cont = w & ~(w << 1) & QUIRE__HIGH64;
        if (cont)
            c -= (size_t)__builtin_popcountll(cont);
    }
    size_t left = (size_t)(e - q);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    if (left && (const char *)q + 8 <= f->end) {
        /* little-endian load: the first `left` bytes are the low ones */
        uint64_t w = quire__load64(q) & ((UINT64_C(1) << (8 * left)) - 1);
        uint64_t cont = w & ~(w << 1) & QUIRE__HIGH64;
        if (cont)
            c -= (size_t)__builtin_popcountll(cont);
        return c;
    }
#else
    (void)f;
#endif
    for (; q < e; q++)
        c -= (*q & 0xC0) == 0x80;
    return c;
}

static size_t fmf_col(fmf *f, const char *p)
{
    const char *q = f->line_start;
    size_t c = 0;
    if (f->col_at >= q && f->col_at <= p) {
        q = f->col_at;
        c = f->col_val;
    }
    c += fmf_count_col(f, (const unsigned char *)q, (const unsigned char *)p);
    f->col_at = p;
    f->col_val = c;
    return c;
}

static yaml_mark_t fmf_mark(fmf *f, const char *p)
{
    yaml_mark_t m = {0, f->line, fmf_col(f, p)};
    return m;
}

/* The build's first pass (QUIRE_READ_HEADER_ONLY) keeps of the front
 * matter only the top-level scalars (compact() in collect.c) and what
 * quire__fm_apply reads; the second pass reads the whole tree again.  So a
 * collection that is the value of any other top-level key is scanned as
 * usual (what the scanner gives up on, hence every diagnostic, stays the
 * same) but not built: in typical front matter these are most of the
 * values (SEO and Open Graph blocks).  Only here, not in the libyaml path:
 * there an anchor in such a block could be aliased under a needed key. */
static bool fmf_skips(const fmf *f)
{
    const fm_yaml *y = f->y;
    if (!f->header_only || y->depth != 1)
        return false;
    const fm_frame *top = &y->stack[0];
    return top->v->type == QUIRE_VALUE_MAPPING && top->have_key &&
           !fm_key_needed(y->ctx, top->key);
}

/* Collection levels open, built or not: what max_depth limits. */
static size_t fmf_levels(const fmf *f)
{
    return f->y->depth + f->skip;
}

/* A collection's start or end.  An end needs no mark (fm_event places the
 * finished collection where it started), so none is counted for it. */
static bool fmf_event(fmf *f, yaml_event_type_t type, const char *at)
{
    bool start = type == YAML_MAPPING_START_EVENT || type == YAML_SEQUENCE_START_EVENT;
    if (f->skip || (start && fmf_skips(f))) {
        f->skip = start ? f->skip + 1 : f->skip - 1;
        /* The skipped value ends: what fm_add would do for the root mapping
         * (its size and height only matter to an anchor, which the fast
         * path never sees) is to take the waiting key. */
        if (!f->skip)
            f->y->stack[0].have_key = false;
        return true;
    }
    f->rc = start ? fm_coll_start(f->y, type == YAML_SEQUENCE_START_EVENT, NULL, fmf_mark(f, at))
                  : fm_coll_end(f->y);
    return f->rc == QUIRE_OK;
}

/* A scalar: what fm_event does with a libyaml scalar event, without one
 * (the fast path has no tags and no anchors). */
static bool fmf_scalar(fmf *f, const char *at, const char *v, size_t n, yaml_scalar_style_t st)
{
    if (f->skip)
        return true;
    yaml_mark_t mark = fmf_mark(f, at);
    quire_value *val = fm_new_scalar(f->y, v, n, st == YAML_PLAIN_SCALAR_STYLE, false, mark);
    f->rc = val ? fm_add(f->y, val, v, n, 1, 0, mark) : QUIRE_ERR_NOMEM;
    return f->rc == QUIRE_OK;
}

/* A mapping key in block context: what fm_event(SCALAR) then fm_add would
 * do with it, without building the scalar value that fm_add only reads the
 * text of and then drops (keys are half the scalars of front matter). */
static bool fmf_key(fmf *f, const char *at, const char *v, size_t n, yaml_scalar_style_t st)
{
    if (f->skip)
        return true;
    fm_yaml *y = f->y;
    fm_frame *top = y->depth ? &y->stack[y->depth - 1] : NULL;
    if (!top || top->v->type != QUIRE_VALUE_MAPPING || top->have_key)
        return fmf_scalar(f, at, v, n, st); /* not a key after all: the general way */
    top->size += 1; /* a scalar: one value, no height (fm_add) */
    if (top->height < 1)
        top->height = 1;
    top->key = quire_arena_strndup(y->arena, v, n);
    if (!top->key) {
        f->rc = QUIRE_ERR_NOMEM;
        return false;
    }
    top->have_key = true;
    return true;
}

/* The character at p (before e), which is not printable ASCII nor '\n':
 * its length when it is valid UTF-8 for a code point libyaml accepts that
 * is not a YAML line break (U+0085, U+2028, U+2029) nor a BOM, else 0. */
static inline size_t fmf_text_step(const unsigned char *p, const unsigned char *e)
{
    unsigned char c = *p;
    if (c < 0x80)
        return (c < 0x20 && c != '\n') || c == 0x7F ? 0 : 1;
    uint32_t cp;
    size_t k;
    if ((c & 0xE0) == 0xC0)
        cp = c & 0x1F, k = 2;
    else if ((c & 0xF0) == 0xE0)
        cp = c & 0x0F, k = 3;
    else if ((c & 0xF8) == 0xF0)
        cp = c & 0x07, k = 4;
    else
        return 0;
    if ((size_t)(e - p) < k)
        return 0;
    for (size_t i = 1; i < k; i++) {
        if ((p[i] & 0xC0) != 0x80)
            return 0;
        cp = (cp << 6) | (p[i] & 0x3F);
    }
    if ((k == 2 && cp < 0x80) || (k == 3 && cp < 0x800) || (k == 4 && cp < 0x10000) ||
        cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    if (cp < 0xA0 || cp == 0x2028 || cp == 0x2029 || cp == 0xFEFF || cp == 0xFFFE ||
        cp == 0xFFFF)
        return 0;
    return k;
}

/* Every byte is one the fast path can judge: printable ASCII, '\n', or
 * what fmf_text_step accepts. */
static bool fmf_text_ok(const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s, *e = p + n;
#if defined(__SSE2__)
    /* Sixteen bytes at a time; each byte of a block that is not printable
     * ASCII (0x20..0x7E) or '\n' is judged in place, without reading the
     * block again: non-ASCII letters come in clusters ("Łódź").  Signed
     * compares: bytes 0x80.. are negative, so not above 0x1F. */
    while (e - p >= 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
        __m128i ok = _mm_or_si128(_mm_and_si128(_mm_cmpgt_epi8(v, _mm_set1_epi8(0x1F)),
                                                _mm_cmplt_epi8(v, _mm_set1_epi8(0x7F))),
                                  _mm_cmpeq_epi8(v, _mm_set1_epi8('\n')));
        unsigned mask = ~(unsigned)_mm_movemask_epi8(ok) & 0xFFFF;
        const unsigned char *base = p;
        p += 16;
        while (mask) {
            const unsigned char *q = base + __builtin_ctz(mask);
            size_t k = fmf_text_step(q, e);
            if (!k)
                return false;
            q += k;
            if (q >= base + 16) { /* a character across the block's end */
                p = q;
                break;
            }
            mask &= ~0u << (q - base); /* the bytes it took are judged */
        }
    }
#endif
    /* The rest eight bytes at a time while they are printable ASCII or
     * '\n': quire__word_is_text, minus DEL (with no top bit set in w,
     * b + 1 sets it only for 0x7F, carrying into nothing); else one
     * character. */
    while (p < e) {
        if (e - p >= 8) {
            uint64_t w = quire__load64(p);
            if (quire__word_is_text(w) && !((w + QUIRE__ONES64) & QUIRE__HIGH64)) {
                p += 8;
                continue;
            }
        }
        size_t k = fmf_text_step(p, e);
        if (!k)
            return false;
        p += k;
    }
    return true;
}

/* Byte classes the scanner asks about at every key and value (a table
 * rather than strchr: a call each time).  NUL is in every class, as it is
 * for strchr (the text check refuses it anyway). */
enum {
    FMF_NOT_PLAIN = 1, /* cannot start a plain scalar or key: -?:,[]{}#&*!|>'"%@` */
    FMF_NOT_ITEM = 2,  /* a sequence entry starting so is not the scanner's: #-[{? */
    FMF_FLOW = 4,      /* ends a plain scalar in a flow sequence: ,[]{} */
};
static const unsigned char fmf_class[256] = {
    [0] = FMF_NOT_PLAIN | FMF_NOT_ITEM | FMF_FLOW,
    ['-'] = FMF_NOT_PLAIN | FMF_NOT_ITEM, ['?'] = FMF_NOT_PLAIN | FMF_NOT_ITEM,
    [':'] = FMF_NOT_PLAIN, [','] = FMF_NOT_PLAIN | FMF_FLOW,
    ['['] = FMF_NOT_PLAIN | FMF_NOT_ITEM | FMF_FLOW, [']'] = FMF_NOT_PLAIN | FMF_FLOW,
    ['{'] = FMF_NOT_PLAIN | FMF_NOT_ITEM | FMF_FLOW, ['}'] = FMF_NOT_PLAIN | FMF_FLOW,
    ['#'] = FMF_NOT_PLAIN | FMF_NOT_ITEM, ['&'] = FMF_NOT_PLAIN, ['*'] = FMF_NOT_PLAIN,
    ['!'] = FMF_NOT_PLAIN, ['|'] = FMF_NOT_PLAIN, ['>'] = FMF_NOT_PLAIN,
    ['\''] = FMF_NOT_PLAIN, ['"'] = FMF_NOT_PLAIN, ['%'] = FMF_NOT_PLAIN,
    ['@'] = FMF_NOT_PLAIN, ['`'] = FMF_NOT_PLAIN,
};

static inline bool fmf_is(char c, unsigned cls)
{
    return (fmf_class[(unsigned char)c] & cls) != 0;
}

/* The bytes of w equal to b, as their top bits: exact for the lowest one
 * (a false match can only follow a true one: the borrow runs upwards). */
static inline uint64_t fmf_bytes_eq(uint64_t w, unsigned char b)
{
    uint64_t x = w ^ (b * QUIRE__ONES64);
    return (x - QUIRE__ONES64) & ~x & QUIRE__HIGH64;
}

/* The first byte a or b in [p, e), else e.  Bytes up to `lim` (>= e, the
 * end of the text) may be read: sixteen at a time, those past e masked
 * off, so that the usual key or value, shorter than that, is one step;
 * near lim a word, then a byte at a time. */
static const char *fmf_find2(const char *p, const char *e, const char *lim, unsigned char a,
                             unsigned char b)
{
#if defined(__SSE2__)
    const __m128i va = _mm_set1_epi8((char)a), vb = _mm_set1_epi8((char)b);
    while (p < e && lim - p >= 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
        unsigned m = (unsigned)_mm_movemask_epi8(
            _mm_or_si128(_mm_cmpeq_epi8(v, va), _mm_cmpeq_epi8(v, vb)));
        if (e - p < 16)
            m &= (1u << (e - p)) - 1; /* not the bytes at and after e */
        if (m)
            return p + __builtin_ctz(m);
        if (e - p <= 16)
            return e;
        p += 16;
    }
#else
    (void)lim;
#endif
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    for (; e - p >= 8; p += 8) {
        uint64_t w = quire__load64((const unsigned char *)p);
        uint64_t m = fmf_bytes_eq(w, a) | fmf_bytes_eq(w, b);
        if (m)
            return p + (__builtin_ctzll(m) >> 3);
    }
#endif
    for (; p < e; p++)
        if (*p == (char)a || *p == (char)b)
            return p;
    return e;
}

static const char *fmf_eol(const fmf *f, const char *p)
{
    const char *nl = memchr(p, '\n', (size_t)(f->end - p));
    return nl ? nl : f->end;
}

/* Past the blanks at p: up to eight at once (indentation, the blank
 * after ':'), then one by one. */
static const char *fmf_skip_spaces(const char *p, const char *e)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    if (e - p >= 8) {
        uint64_t x = quire__load64((const unsigned char *)p) ^ (' ' * QUIRE__ONES64);
        if (x)
            return p + (__builtin_ctzll(x) >> 3); /* the first byte that is not ' ' */
        p += 8;
    }
#endif
    while (p < e && *p == ' ')
        p++;
    return p;
}

/* The rest of a line after a value: only blanks, or a comment after a blank. */
static bool fmf_rest_ok(const char *p, const char *e)
{
    const char *q = fmf_skip_spaces(p, e);
    return q == e || (*q == '#' && q > p);
}

/* A double-quoted scalar on one line, starting at p ('"').  Sets *v and *n to
 * the unescaped text and *after past the closing quote; false to give up. */
static bool fmf_dquoted_escapes(fmf *f, const char *q, const char *e, const char **v,
                                size_t *n, const char **after);

static inline bool fmf_dquoted(fmf *f, const char *p, const char *e, const char **v, size_t *n,
                               const char **after)
{
    const char *q = p + 1;
    /* Usually no escape: the closing quote comes before any backslash. */
    const char *plain_end = fmf_find2(q, e, f->end, '"', '\\');
    if (plain_end < e && *plain_end == '"') {
        *v = q;
        *n = (size_t)(plain_end - q);
        *after = plain_end + 1;
        return true;
    }
    return fmf_dquoted_escapes(f, q, e, v, n, after);
}

/* The rest of fmf_dquoted, from the opening quote's next byte q: apart,
 * so that the common case above saves no registers for this loop. */
static __attribute__((noinline)) bool fmf_dquoted_escapes(fmf *f, const char *q, const char *e,
                                                          const char **v, size_t *n,
                                                          const char **after)
{
    quire__buf_reset(&f->buf);
    while (q < e && *q != '"') {
        if (*q != '\\') {
            quire__buf_putc(&f->buf, *q++);
            continue;
        }
        if (q + 1 >= e)
            return false;
        char c = q[1];
        q += 2;
        static const char esc_in[] = "0abtnvfre \"/\\";
        static const char esc_out[] = {'\0', '\a', '\b', '\t', '\n', '\v', '\f',
                                       '\r', '\x1B', ' ', '"', '/', '\\'};
        bool done = false;
        for (size_t i = 0; i < sizeof esc_out; i++)
            if (esc_in[i] == c) {
                quire__buf_putc(&f->buf, esc_out[i]);
                done = true;
                break;
            }
        if (done)
            continue;
        size_t hex = c == 'x' ? 2 : c == 'u' ? 4 : c == 'U' ? 8 : 0;
        if (!hex || (size_t)(e - q) < hex)
            return false; /* \N \_ \L \P, a tab escape, or bad: libyaml knows */
        uint32_t cp = 0;
        for (size_t i = 0; i < hex; i++) {
            char h = q[i];
            int d = h >= '0' && h <= '9' ? h - '0'
                    : h >= 'a' && h <= 'f' ? h - 'a' + 10
                    : h >= 'A' && h <= 'F' ? h - 'A' + 10
                                           : -1;
            if (d < 0)
                return false;
            cp = cp * 16 + (uint32_t)d;
        }
        q += hex;
        if ((cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF)
            return false;
        char u[4];
        size_t k;
        if (cp < 0x80)
            u[0] = (char)cp, k = 1;
        else if (cp < 0x800)
            u[0] = (char)(0xC0 | (cp >> 6)), u[1] = (char)(0x80 | (cp & 0x3F)), k = 2;
        else if (cp < 0x10000)
            u[0] = (char)(0xE0 | (cp >> 12)), u[1] = (char)(0x80 | ((cp >> 6) & 0x3F)),
            u[2] = (char)(0x80 | (cp & 0x3F)), k = 3;
        else
            u[0] = (char)(0xF0 | (cp >> 18)), u[1] = (char)(0x80 | ((cp >> 12) & 0x3F)),
            u[2] = (char)(0x80 | ((cp >> 6) & 0x3F)), u[3] = (char)(0x80 | (cp & 0x3F)), k = 4;
        quire__buf_put(&f->buf, u, k);
    }
    if (q >= e)
        return false; /* continues on the next line */
    *v = f->buf.len ? f->buf.data : "";
    *n = f->buf.len;
    *after = q + 1;
    return true;
}

/* A single-quoted scalar on one line without '' inside. */
static bool fmf_squoted(const char *p, const char *e, const char **v, size_t *n,
                        const char **after)
{
    const char *q = memchr(p + 1, '\'', (size_t)(e - p - 1));
    if (!q || (q + 1 < e && q[1] == '\''))
        return false;
    *v = p + 1;
    *n = (size_t)(q - p - 1);
    *after = q + 1;
    return true;
}

/* A plain scalar from p to the end of its line (or to `stop` chars in a
 * flow sequence).  False when it could be anything else. */
static bool fmf_plain(const char *p, const char *e, const char *lim, bool flow, const char **v,
                      size_t *n, const char **after)
{
    if (p >= e || (fmf_is(*p, FMF_NOT_PLAIN) &&
                   !(*p == '-' && p + 1 < e && p[1] >= '0' && p[1] <= '9')))
        return false;
    const char *q = p;
    while (q < e) {
        if (!flow && (q = fmf_find2(q, e, lim, ':', '#')) == e)
            break; /* in block context only these two can end it early */
        if (*q == ':' && (q + 1 == e || q[1] == ' ' || (flow && fmf_is(q[1], FMF_FLOW))))
            return false; /* a key, or an error: libyaml */
        if (*q == '#' && q[-1] == ' ')
            break;
        if (flow && fmf_is(*q, FMF_FLOW))
            break;
        q++;
    }
    const char *t = q;
    while (t > p && t[-1] == ' ')
        t--;
    if (t == p)
        return false;
    *v = p;
    *n = (size_t)(t - p);
    *after = t;
    return true;
}

/* One scalar value in block context at p (the rest of the line is e). */
static bool fmf_value_scalar(fmf *f, const char *p, const char *e)
{
    const char *v, *after;
    size_t n;
    yaml_scalar_style_t st;
    if (*p == '"') {
        if (!fmf_dquoted(f, p, e, &v, &n, &after))
            return false;
        st = YAML_DOUBLE_QUOTED_SCALAR_STYLE;
    } else if (*p == '\'') {
        if (!fmf_squoted(p, e, &v, &n, &after))
            return false;
        st = YAML_SINGLE_QUOTED_SCALAR_STYLE;
    } else {
        if (!fmf_plain(p, e, f->end, false, &v, &n, &after))
            return false;
        st = YAML_PLAIN_SCALAR_STYLE;
    }
    if (!fmf_rest_ok(after, e))
        return false;
    return fmf_scalar(f, p, v, n, st);
}

/* "[a, "b", c]" on one line. */
static bool fmf_flow_seq(fmf *f, const char *p, const char *e)
{
    if (fmf_levels(f) + 1 > f->max_depth)
        return false;
    if (!fmf_event(f, YAML_SEQUENCE_START_EVENT, p))
        return false;
    const char *q = fmf_skip_spaces(p + 1, e);
    if (q < e && *q == ']') {
        q++;
    } else {
        for (;;) {
            const char *v, *after;
            size_t n;
            yaml_scalar_style_t st;
            if (q >= e)
                return false;
            if (*q == '"') {
                if (!fmf_dquoted(f, q, e, &v, &n, &after))
                    return false;
                st = YAML_DOUBLE_QUOTED_SCALAR_STYLE;
            } else if (*q == '\'') {
                if (!fmf_squoted(q, e, &v, &n, &after))
                    return false;
                st = YAML_SINGLE_QUOTED_SCALAR_STYLE;
            } else {
                if (!fmf_plain(q, e, f->end, true, &v, &n, &after))
                    return false;
                st = YAML_PLAIN_SCALAR_STYLE;
            }
            if (!fmf_scalar(f, q, v, n, st))
                return false;
            q = fmf_skip_spaces(after, e);
            if (q < e && *q == ',') {
                q = fmf_skip_spaces(q + 1, e);
                if (q < e && *q == ']')
                    return false; /* trailing comma: let libyaml judge */
                continue;
            }
            if (q < e && *q == ']') {
                q++;
                break;
            }
            return false;
        }
    }
    if (!fmf_rest_ok(q, e))
        return false;
    return fmf_event(f, YAML_SEQUENCE_END_EVENT, p);
}

/* Close open collections down to `depth` entries. */
static bool fmf_close_to(fmf *f, size_t depth, const char *at)
{
    while (f->depth > depth) {
        f->depth--;
        if (!fmf_event(f, f->open[f->depth].seq ? YAML_SEQUENCE_END_EVENT
                                                 : YAML_MAPPING_END_EVENT,
                       at))
            return false;
    }
    return true;
}

static bool fmf_open(fmf *f, bool seq, size_t indent, bool indentless, const char *at)
{
    if (f->depth == FMF_MAX_DEPTH || fmf_levels(f) + 1 > f->max_depth)
        return false;
    if (!fmf_event(f, seq ? YAML_SEQUENCE_START_EVENT : YAML_MAPPING_START_EVENT, at))
        return false;
    f->open[f->depth++] = (fmf_coll){seq, indent, indentless};
    return true;
}

/* The empty value of "key:" with nothing after it (a null). */
static bool fmf_empty(fmf *f, yaml_mark_t mark)
{
    if (f->skip)
        return true;
    yaml_event_t ev;
    memset(&ev, 0, sizeof ev);
    ev.type = YAML_SCALAR_EVENT;
    ev.start_mark = mark;
    ev.data.scalar.value = (yaml_char_t *)"";
    ev.data.scalar.style = YAML_PLAIN_SCALAR_STYLE;
    ev.data.scalar.plain_implicit = 1;
    f->rc = fm_event(f->y, &ev);
    return f->rc == QUIRE_OK;
}

/* Returns true when the whole text was read; false to hand it to libyaml
 * (f->rc tells an error from fm_event apart from "not sure"). */
static bool fmf_run(fmf *f)
{
    if (!fmf_text_ok(f->s, (size_t)(f->end - f->s)))
        return false;
    bool pending = false;         /* a key with no value on its line... */
    yaml_mark_t pending_mark = {0, 0, 0}; /* ...whose empty value starts after ':' */
    bool any = false;
    f->line = 0;
    for (const char *ls = f->s; ls < f->end; f->line++) {
        const char *le = fmf_eol(f, ls);
        const char *next = le < f->end ? le + 1 : f->end;
        f->line_start = ls;
        const char *p = fmf_skip_spaces(ls, le);
        if (p == le || *p == '#') {
            ls = next;
            continue;
        }
        size_t indent = (size_t)(p - ls);
        bool item = *p == '-' && (p + 1 == le || p[1] == ' ');
        if (!any) {
            /* the document's root collection, at its first entry */
            if (!fmf_open(f, item, indent, false, p))
                return false;
            any = true;
        } else if (pending) {
            pending = false;
            fmf_coll *top = &f->open[f->depth - 1];
            if (indent > top->indent) {
                if (!fmf_open(f, item, indent, false, p))
                    return false;
            } else if (indent == top->indent && item) {
                if (!fmf_open(f, true, indent, true, p))
                    return false; /* "key:\n- a": an indentless sequence */
            } else if (!fmf_empty(f, pending_mark)) {
                return false;
            }
        }
        /* close the collections this line is outside of */
        size_t keep = f->depth;
        while (keep > 0 && f->open[keep - 1].indent > indent)
            keep--;
        if (keep > 0 && f->open[keep - 1].indent == indent && f->open[keep - 1].seq && !item &&
            f->open[keep - 1].indentless)
            keep--; /* a key after an indentless sequence ends it */
        if (keep == 0)
            return false;
        if (keep < f->depth && !fmf_close_to(f, keep, p))
            return false;
        fmf_coll *top = &f->open[f->depth - 1];
        if (top->indent != indent || top->seq != item)
            return false; /* deeper without a key, or a misplaced '-': libyaml */
        if (item) {
            const char *v = fmf_skip_spaces(p + 1, le);
            if (v == le || v == p + 1 || fmf_is(*v, FMF_NOT_ITEM))
                return false; /* empty, nested, or flow: libyaml */
            if (*v != '"' && *v != '\'') {
                /* "- key: value" is a mapping in a sequence: libyaml */
                for (const char *c = v; c < le; c++)
                    if (*c == ':' && (c + 1 == le || c[1] == ' '))
                        return false;
            } else {
                const char *vv, *after;
                size_t n;
                if (*v == '"' ? !fmf_dquoted(f, v, le, &vv, &n, &after)
                              : !fmf_squoted(v, le, &vv, &n, &after))
                    return false;
                const char *r = fmf_skip_spaces(after, le);
                if (r < le && *r == ':')
                    return false;
            }
            if (!fmf_value_scalar(f, v, le))
                return false;
            ls = next;
            continue;
        }
        /* key: value */
        const char *k = p, *kv, *kafter;
        size_t kn;
        yaml_scalar_style_t kst = YAML_PLAIN_SCALAR_STYLE;
        if (*k == '"') {
            if (!fmf_dquoted(f, k, le, &kv, &kn, &kafter))
                return false;
            kst = YAML_DOUBLE_QUOTED_SCALAR_STYLE;
        } else if (*k == '\'') {
            if (!fmf_squoted(k, le, &kv, &kn, &kafter))
                return false;
            kst = YAML_SINGLE_QUOTED_SCALAR_STYLE;
        } else {
            if (fmf_is(*k, FMF_NOT_PLAIN))
                return false;
            /* the key ends at ": " (or ':' at the line's end); " #" before
             * that is a comment: libyaml.  k[0] is no '#', so c > k there. */
            const char *c = k;
            for (;; c++) {
                c = fmf_find2(c, le, f->end, ':', '#');
                if (c == le || (*c == ':' && (c + 1 == le || c[1] == ' ')))
                    break;
                if (*c == '#' && c[-1] == ' ')
                    return false;
            }
            if (c == le)
                return false; /* a scalar without ':': libyaml */
            kafter = c;
            while (kafter > k && kafter[-1] == ' ')
                kafter--;
            kv = k;
            kn = (size_t)(kafter - k);
        }
        /* libyaml's limit on simple keys; a column is at most as many
         * characters as there are bytes before it, so counting is rarely needed */
        if (kn > 1000 || ((size_t)(kafter - ls) > 1000 && fmf_col(f, kafter) > 1000))
            return false;
        const char *colon = fmf_skip_spaces(kafter, le);
        if (colon >= le || *colon != ':' || (colon + 1 < le && colon[1] != ' '))
            return false;
        if (kst != YAML_PLAIN_SCALAR_STYLE && kv == f->buf.data) {
            /* the key's unescaped text is about to be overwritten: keep it */
            char *copy = quire_arena_strndup(f->y->arena, kv, kn);
            if (!copy) {
                f->rc = QUIRE_ERR_NOMEM;
                return false;
            }
            kv = copy;
        }
        if (!fmf_key(f, k, kv, kn, kst))
            return false;
        const char *v = fmf_skip_spaces(colon + 1, le);
        if (v == le || *v == '#') {
            if (v < le && v == colon + 1)
                return false;
            pending = true;
            if (!f->skip) /* a skipped value needs no position */
                pending_mark = fmf_mark(f, colon + 1);
            ls = next;
            continue;
        }
        if (*v == '[') {
            if (!fmf_flow_seq(f, v, le))
                return false;
        } else if (!fmf_value_scalar(f, v, le)) {
            return false;
        }
        ls = next;
    }
    if (!any)
        return true; /* blank and comments only: an empty document */
    if (pending && !fmf_empty(f, pending_mark))
        return false;
    return fmf_close_to(f, 0, f->end);
}

/* Forget what a failed fast pass built (its values stay in the arena). */
static void fmf_reset(fm_yaml *y)
{
    y->depth = 0;
    y->nanchors = 0;
    y->aliases = y->copied = 0;
    y->root = NULL;
}

int quire__yaml_parse(quire_value **out, quire_arena *arena, const char *yaml, size_t len,
                      uint32_t line_offset, const quire_read_ctx *ctx, const char *component)
{
    return quire__yaml_parse_mode(out, arena, yaml, len, line_offset, ctx, component, 0);
}

int quire__yaml_parse_mode(quire_value **out, quire_arena *arena, const char *yaml, size_t len,
                           uint32_t line_offset, const quire_read_ctx *ctx, const char *component,
                           int mode)
{
    *out = NULL;
    fm_yaml y = {0};
    y.arena = arena;
    y.ctx = ctx;
    y.component = component;
    y.yaml = yaml;
    y.len = len;
    y.line_offset = line_offset;
    y.max_aliases = ctx->limits.max_yaml_aliases ? ctx->limits.max_yaml_aliases
                                                 : QUIRE__DEFAULT_MAX_YAML_ALIASES;
    y.max_depth = ctx->limits.max_depth ? ctx->limits.max_depth : QUIRE__DEFAULT_MAX_DEPTH;

    if (mode != QUIRE__YAML_LIBYAML) {
        fmf f;
        memset(&f, 0, sizeof f);
        f.y = &y;
        f.s = yaml;
        f.end = yaml + len;
        f.max_depth = y.max_depth;
        f.header_only = (ctx->flags & QUIRE_READ_HEADER_ONLY) != 0;
        quire__buf_init(&f.buf);
        bool done = fmf_run(&f);
        quire__buf_free(&f.buf);
        if (done || f.rc == QUIRE_ERR_NOMEM) {
            int frc = done ? QUIRE_OK : f.rc;
            if (frc == QUIRE_ERR_NOMEM)
                quire_diag_add(ctx->diags, QUIRE_SEV_ERROR, component, ctx->path,
                               line_offset + 1, 1, "out of memory while reading the front matter");
            free(y.stack);
            free(y.anchors);
            if (frc == QUIRE_OK)
                *out = y.root;
            return frc;
        }
        fmf_reset(&y);
        if (mode == QUIRE__YAML_FAST) {
            free(y.stack);
            free(y.anchors);
            return QUIRE_ERR_UNSUPPORTED;
        }
    }

    yaml_parser_t parser;
    if (!yaml_parser_initialize(&parser))
        return QUIRE_ERR_NOMEM;
    yaml_parser_set_input_string(&parser, (const unsigned char *)yaml, len);
    yaml_parser_set_encoding(&parser, YAML_UTF8_ENCODING);

    int rc = QUIRE_OK;
    for (;;) {
        yaml_event_t ev;
        if (!yaml_parser_parse(&parser, &ev)) {
            if (parser.error == YAML_MEMORY_ERROR) {
                rc = QUIRE_ERR_NOMEM;
            } else {
                fm_report_libyaml(&y, &parser);
                rc = QUIRE_ERR_PARSE;
            }
            break;
        }
        bool end = ev.type == YAML_STREAM_END_EVENT;
        rc = fm_event(&y, &ev);
        yaml_event_delete(&ev);
        if (rc != QUIRE_OK || end)
            break;
    }
    if (rc == QUIRE_ERR_NOMEM)
        quire_diag_add(ctx->diags, QUIRE_SEV_ERROR, component, ctx->path, line_offset + 1, 1,
                       "out of memory while reading the front matter");
    yaml_parser_delete(&parser);
    free(y.stack);
    free(y.anchors);
    if (rc == QUIRE_OK)
        *out = y.root;
    return rc;
}

/* ======================================================== field mapping */

typedef enum fm_field {
    FM_TITLE, FM_SUBTITLE, FM_SUMMARY, FM_PUBLISHED, FM_MODIFIED, FM_AUTHORS, FM_TAGS,
    FM_CATEGORIES, FM_IMAGE, FM_EXTERNAL_URL, FM_URL, FM_SLUG, FM_ID, FM_LANGUAGE, FM_DRAFT,
    FM_COUNT
} fm_field;

/* Source keys in order of preference.  A leading '?' marks a key used only
 * when its value has the right type (`link` is a URL when it is a string,
 * a mapping of link data otherwise). */
typedef struct fm_field_def {
    const char *name, *alias; /* names accepted in quire.yaml `fields:` */
    const char *const *keys;
} fm_field_def;

static const fm_field_def fm_fields[FM_COUNT] = {
    [FM_TITLE] = {"title", NULL, (const char *const[]){"title", NULL}},
    [FM_SUBTITLE] = {"subtitle", NULL, (const char *const[]){"subtitle", NULL}},
    [FM_SUMMARY] = {"summary", "description",
                    (const char *const[]){"description", "summary", "excerpt", NULL}},
    [FM_PUBLISHED] = {"published", "date",
                      (const char *const[]){"date", "pubDate", "published", "datePublished",
                                            "publishDate", NULL}},
    [FM_MODIFIED] = {"modified", "updated",
                     (const char *const[]){"lastmod", "lastMod", "updated", "modified",
                                           "dateModified", NULL}},
    [FM_AUTHORS] = {"authors", "author", (const char *const[]){"author", "authors", NULL}},
    [FM_TAGS] = {"tags", "keywords", (const char *const[]){"tags", "keywords", NULL}},
    [FM_CATEGORIES] = {"categories", "category",
                       (const char *const[]){"categories", "category", NULL}},
    [FM_IMAGE] = {"image", NULL,
                  (const char *const[]){"image", "featuredImage", "featured_image", "cover",
                                        "og:image", "images", NULL}},
    [FM_EXTERNAL_URL] = {"external_url", "externalUrl",
                         (const char *const[]){"link.href", "external_url", "externalUrl",
                                               "canonical", "canonical_url", "canonicalURL",
                                               "?link", NULL}},
    [FM_URL] = {"url", "permalink", (const char *const[]){"url", "permalink", NULL}},
    [FM_SLUG] = {"slug", NULL, (const char *const[]){"slug", NULL}},
    [FM_ID] = {"id", NULL, (const char *const[]){"id", NULL}},
    [FM_LANGUAGE] = {"language", "lang", (const char *const[]){"lang", "language", NULL}},
    [FM_DRAFT] = {"draft", NULL, (const char *const[]){"draft", NULL}},
};

/* Whether key (first pass, top level) may be read by quire__fm_apply: as
 * one of the built-in spellings or a path of the quire.yaml mapping, or as
 * the first segment of one that is dotted ("link.href").  Saying yes too
 * often only costs time. */
static bool fm_path_starts(const char *path, const char *key, size_t n)
{
    return path[0] == key[0] && strncmp(path, key, n) == 0 &&
           (path[n] == '\0' || path[n] == '.');
}

static bool fm_key_needed(const quire_read_ctx *ctx, const char *key)
{
    size_t n = strlen(key);
    for (int f = 0; f < FM_COUNT; f++)
        for (const char *const *k = fm_fields[f].keys; *k; k++)
            if (fm_path_starts(*k + ((*k)[0] == '?'), key, n))
                return true;
    const quire_value *map = ctx->field_map;
    if (!map || map->type != QUIRE_VALUE_MAPPING)
        return false;
    for (const quire_value *m = map->first; m; m = m->next) {
        const char *s = quire_value_str(m);
        if (s && fm_path_starts(s, key, n))
            return true;
        if (m->type == QUIRE_VALUE_SEQUENCE)
            for (const quire_value *p = m->first; p; p = p->next)
                if ((s = quire_value_str(p)) && fm_path_starts(s, key, n))
                    return true;
    }
    return false;
}

/* quire_strlist_add skips duplicates by a linear search and
 * quire_document_add_author copies the array on each call: both are fine
 * for real front matter and quadratic for hostile lists, hence a cap. */
#define FM_MAX_LIST 1000

typedef struct fm_apply {
    quire_document *doc;
    const quire_read_ctx *ctx;
    const char *component;
} fm_apply;

static bool fm_is_scalar(const quire_value *v)
{
    return v->type == QUIRE_VALUE_STRING || v->type == QUIRE_VALUE_NUMBER ||
           v->type == QUIRE_VALUE_BOOL;
}

static const char *fm_type_name(const quire_value *v)
{
    switch (v->type) {
    case QUIRE_VALUE_MAPPING: return "a mapping";
    case QUIRE_VALUE_SEQUENCE: return "a list";
    case QUIRE_VALUE_NUMBER: return "a number";
    case QUIRE_VALUE_BOOL: return "a boolean";
    case QUIRE_VALUE_STRING: return "a string";
    default: return "null";
    }
}

static void fm_warn(const fm_apply *fa, const quire_value *v, const char *key,
                    const char *field, const char *expected)
{
    quire_diag_add(fa->ctx->diags, QUIRE_SEV_WARNING, fa->component, fa->ctx->path, v->line,
                   v->column, "front matter '%s': expected %s for %s, got %s; ignored", key,
                   expected, field, fm_type_name(v));
}

/* A key as written ("msvalidate.01", "og:image"), else a dotted path. */
static const quire_value *fm_lookup(const quire_value *meta, const char *key)
{
    const quire_value *v = quire_value_get(meta, key);
    if (!v && strchr(key, '.'))
        v = quire_value_path(meta, key);
    return v;
}

/* Shapes each field accepts, for the soft ('?') keys. */
static bool fm_shape_ok(fm_field f, const quire_value *v)
{
    switch (f) {
    case FM_AUTHORS: case FM_TAGS: case FM_CATEGORIES:
        return v->type != QUIRE_VALUE_BOOL;
    case FM_IMAGE:
        return v->type == QUIRE_VALUE_STRING || v->type == QUIRE_VALUE_MAPPING ||
               v->type == QUIRE_VALUE_SEQUENCE;
    case FM_PUBLISHED: case FM_MODIFIED:
        return v->type == QUIRE_VALUE_STRING || v->type == QUIRE_VALUE_NUMBER;
    case FM_DRAFT:
        return v->type == QUIRE_VALUE_BOOL || v->type == QUIRE_VALUE_STRING;
    default:
        return fm_is_scalar(v);
    }
}

/* The value for field f: quire.yaml's mapping first, then the built-in
 * spellings.  Null values count as absent. */
static const quire_value *fm_find(const fm_apply *fa, const quire_value *meta, fm_field f,
                                  const char **key_out)
{
    const fm_field_def *def = &fm_fields[f];
    const quire_value *map = fa->ctx->field_map;
    if (map && map->type == QUIRE_VALUE_MAPPING) {
        const quire_value *m = quire_value_get(map, def->name);
        if (!m && def->alias)
            m = quire_value_get(map, def->alias);
        if (m && m->type == QUIRE_VALUE_STRING) {
            const quire_value *v = fm_lookup(meta, m->str);
            if (v && v->type != QUIRE_VALUE_NULL) {
                *key_out = m->str;
                return v;
            }
        } else if (m && m->type == QUIRE_VALUE_SEQUENCE) {
            for (const quire_value *k = m->first; k; k = k->next) {
                const char *path = quire_value_str(k);
                const quire_value *v = path ? fm_lookup(meta, path) : NULL;
                if (v && v->type != QUIRE_VALUE_NULL) {
                    *key_out = path;
                    return v;
                }
            }
        }
    }
    for (const char *const *k = def->keys; *k; k++) {
        bool soft = (*k)[0] == '?';
        const char *key = *k + soft;
        const quire_value *v = fm_lookup(meta, key);
        if (!v || v->type == QUIRE_VALUE_NULL || (soft && !fm_shape_ok(f, v)))
            continue;
        *key_out = key;
        return v;
    }
    return NULL;
}

static const char *fm_text(const fm_apply *fa, const quire_value *v, const char *key,
                           const char *field)
{
    if (!fm_is_scalar(v)) {
        fm_warn(fa, v, key, field, "text");
        return NULL;
    }
    if (!v->len)
        return NULL;
    /* YAML can carry "\0"; every consumer of the model takes C strings, so
     * the text ends there.  Say so rather than lose the rest silently. */
    if (memchr(v->str, '\0', v->len))
        quire_diag_add(fa->ctx->diags, QUIRE_SEV_WARNING, fa->component, fa->ctx->path, v->line,
                       v->column, "front matter '%s': the text contains a NUL character; only "
                       "what comes before it is kept", key);
    return quire_arena_strndup(fa->doc->arena, v->str, v->len);
}

static void fm_date(const fm_apply *fa, const quire_value *v, const char *key,
                    const char *field, quire_date *out)
{
    if (v->type != QUIRE_VALUE_STRING && v->type != QUIRE_VALUE_NUMBER) {
        fm_warn(fa, v, key, field, "a date");
        return;
    }
    if (!quire_date_parse(out, v->str)) {
        quire_diag_add(fa->ctx->diags, QUIRE_SEV_WARNING, fa->component, fa->ctx->path, v->line,
                       v->column,
                       "front matter '%s': '%s' is not a valid date (expected YYYY-MM-DD or "
                       "RFC 3339); ignored",
                       key, v->str);
        *out = (quire_date){0};
    }
}

static char *fm_trim(quire_arena *arena, const char *s, size_t n)
{
    while (n && (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r'))
        s++, n--;
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\n' || s[n - 1] == '\r'))
        n--;
    return n ? quire_arena_strndup(arena, s, n) : NULL;
}

/* "Jane Doe <jane@example.org>" is a name and an email. */
static void fm_author_string(quire_document *doc, const char *s, size_t n)
{
    const char *lt = memchr(s, '<', n);
    if (lt && n && s[n - 1] == '>' && lt < s + n - 1) {
        char *name = fm_trim(doc->arena, s, (size_t)(lt - s));
        char *email = fm_trim(doc->arena, lt + 1, (size_t)(s + n - 1 - (lt + 1)));
        quire_document_add_author(doc, name, NULL, email);
        return;
    }
    char *name = fm_trim(doc->arena, s, n);
    if (name)
        quire_document_add_author(doc, name, NULL, NULL);
}

static const char *fm_first_str(const quire_value *map, const char *const *keys)
{
    for (; *keys; keys++) {
        const char *s = quire_value_str(quire_value_get(map, *keys));
        if (s && *s)
            return s;
    }
    return NULL;
}

static void fm_author_one(const fm_apply *fa, const quire_value *v, const char *key)
{
    quire_document *doc = fa->doc;
    if (v->type == QUIRE_VALUE_STRING || v->type == QUIRE_VALUE_NUMBER) {
        fm_author_string(doc, v->str, v->len);
    } else if (v->type == QUIRE_VALUE_MAPPING) {
        static const char *const names[] = {"name", "title", NULL};
        static const char *const urls[] = {"url", "uri", "link", "website", "homepage", NULL};
        static const char *const emails[] = {"email", "mail", NULL};
        static const char *const avatars[] = {"avatar", "image", "picture", NULL};
        const char *name = fm_first_str(v, names), *url = fm_first_str(v, urls);
        const char *email = fm_first_str(v, emails), *avatar = fm_first_str(v, avatars);
        if (!name && !url && !email) {
            fm_warn(fa, v, key, "an author", "a name, url or email");
            return;
        }
        quire_document_add_author(doc, name, url, email);
        if (avatar && doc->n_authors)
            doc->authors[doc->n_authors - 1].avatar = quire_arena_strdup(doc->arena, avatar);
    } else if (v->type != QUIRE_VALUE_NULL) {
        fm_warn(fa, v, key, "an author", "a name or a mapping {name, url, email}");
    }
}

static void fm_too_many(const fm_apply *fa, const quire_value *v, const char *key)
{
    quire_diag_add(fa->ctx->diags, QUIRE_SEV_WARNING, fa->component, fa->ctx->path, v->line,
                   v->column, "front matter '%s': more than %d entries; the rest are ignored",
                   key, FM_MAX_LIST);
}

static void fm_authors(const fm_apply *fa, const quire_value *v, const char *key)
{
    if (v->type == QUIRE_VALUE_SEQUENCE) {
        for (const quire_value *c = v->first; c; c = c->next) {
            if (fa->doc->n_authors >= FM_MAX_LIST) {
                fm_too_many(fa, v, key);
                break;
            }
            fm_author_one(fa, c, key);
        }
    } else {
        fm_author_one(fa, v, key);
    }
}

static void fm_strlist(const fm_apply *fa, const quire_value *v, const char *key,
                       const char *field, quire_strlist *list)
{
    quire_arena *arena = fa->doc->arena;
    if (v->type == QUIRE_VALUE_STRING) {
        /* "a, b, c" as written by hand and by many CMSs */
        const char *s = v->str;
        while (*s) {
            if (list->count >= FM_MAX_LIST) {
                fm_too_many(fa, v, key);
                break;
            }
            size_t n = strcspn(s, ",");
            char *item = fm_trim(arena, s, n);
            if (item)
                quire_strlist_add(arena, list, item);
            s += n + (s[n] == ',');
        }
    } else if (v->type == QUIRE_VALUE_NUMBER) {
        quire_strlist_add(arena, list, v->str);
    } else if (v->type == QUIRE_VALUE_SEQUENCE) {
        for (const quire_value *c = v->first; c; c = c->next) {
            if (list->count >= FM_MAX_LIST) {
                fm_too_many(fa, v, key);
                break;
            }
            if (c->type == QUIRE_VALUE_STRING || c->type == QUIRE_VALUE_NUMBER) {
                char *item = fm_trim(arena, c->str, c->len);
                if (item)
                    quire_strlist_add(arena, list, item);
            } else if (c->type != QUIRE_VALUE_NULL) {
                fm_warn(fa, c, key, field, "text items");
            }
        }
    } else {
        fm_warn(fa, v, key, field, "a list or a comma-separated string");
    }
}

static int fm_size(const quire_value *v)
{
    const char *s = quire_value_str(v);
    if (!s)
        return 0;
    char *end;
    long n = strtol(s, &end, 10);
    if (end == s || n <= 0 || n > 1000000 || (*end && strcmp(end, "px") != 0))
        return 0;
    return (int)n;
}

static void fm_image(const fm_apply *fa, const quire_value *v, const char *key)
{
    quire_document *doc = fa->doc;
    if (v->type == QUIRE_VALUE_SEQUENCE) {
        /* `images: [...]` (Hugo): the first is the document's image */
        if (!v->first)
            return;
        v = v->first;
    }
    if (v->type == QUIRE_VALUE_STRING) {
        doc->image.src = fm_trim(doc->arena, v->str, v->len);
        return;
    }
    if (v->type != QUIRE_VALUE_MAPPING) {
        fm_warn(fa, v, key, "image", "a URL or a mapping {src, alt, width, height}");
        return;
    }
    static const char *const srcs[] = {"src", "href", "url", "image", "path", NULL};
    static const char *const alts[] = {"alt", "caption", "title", NULL};
    const char *src = fm_first_str(v, srcs);
    if (!src) {
        fm_warn(fa, v, key, "image", "a mapping with src, href or url");
        return;
    }
    doc->image.src = quire_arena_strdup(doc->arena, src);
    doc->image.alt = quire_arena_strdup(doc->arena, fm_first_str(v, alts));
    doc->image.width = fm_size(quire_value_get(v, "width"));
    doc->image.height = fm_size(quire_value_get(v, "height"));
    /* size: [height, width] as some CMS exports write it */
    const quire_value *size = quire_value_get(v, "size");
    if (size && size->type == QUIRE_VALUE_SEQUENCE && size->count == 2) {
        if (!doc->image.height)
            doc->image.height = fm_size(size->first);
        if (!doc->image.width)
            doc->image.width = fm_size(size->first->next);
    }
}

static void fm_draft(const fm_apply *fa, const quire_value *v, const char *key)
{
    const char *s = quire_value_str(v);
    if (s && (v->type == QUIRE_VALUE_BOOL || v->type == QUIRE_VALUE_STRING)) {
        if (strcasecmp(s, "true") == 0 || strcasecmp(s, "yes") == 0) {
            fa->doc->draft = true;
            return;
        }
        if (strcasecmp(s, "false") == 0 || strcasecmp(s, "no") == 0) {
            fa->doc->draft = false;
            return;
        }
    }
    fm_warn(fa, v, key, "draft", "true or false");
}

void quire__fm_apply(quire_document *doc, const quire_value *meta, const quire_read_ctx *ctx,
                     const char *component)
{
    if (!meta || meta->type != QUIRE_VALUE_MAPPING)
        return;
    fm_apply fa = {doc, ctx, component};
    for (int f = 0; f < FM_COUNT; f++) {
        const char *key = NULL;
        const quire_value *v = fm_find(&fa, meta, (fm_field)f, &key);
        if (!v)
            continue;
        const char *field = fm_fields[f].name;
        switch ((fm_field)f) {
        case FM_TITLE: doc->title = fm_text(&fa, v, key, field); break;
        case FM_SUBTITLE: doc->subtitle = fm_text(&fa, v, key, field); break;
        case FM_SUMMARY: doc->summary = fm_text(&fa, v, key, field); break;
        case FM_URL: doc->url = fm_text(&fa, v, key, field); break;
        case FM_EXTERNAL_URL: doc->external_url = fm_text(&fa, v, key, field); break;
        case FM_SLUG: doc->slug = fm_text(&fa, v, key, field); break;
        case FM_ID: doc->id = fm_text(&fa, v, key, field); break;
        case FM_LANGUAGE: doc->language = fm_text(&fa, v, key, field); break;
        case FM_PUBLISHED: fm_date(&fa, v, key, field, &doc->published); break;
        case FM_MODIFIED: fm_date(&fa, v, key, field, &doc->modified); break;
        case FM_AUTHORS: fm_authors(&fa, v, key); break;
        case FM_TAGS: fm_strlist(&fa, v, key, field, &doc->tags); break;
        case FM_CATEGORIES: fm_strlist(&fa, v, key, field, &doc->categories); break;
        case FM_IMAGE: fm_image(&fa, v, key); break;
        case FM_DRAFT: fm_draft(&fa, v, key); break;
        case FM_COUNT: break;
        }
    }
}

/* ============================================================= identity */

char *quire__safe_slug(quire_arena *arena, const char *s)
{
    char *slug = quire__slugify(arena, s);
    if (!slug)
        return NULL;
    /* slugify keeps inner dots: "a..b" must not carry a ".." */
    size_t w = 0;
    for (size_t r = 0; slug[r]; r++) {
        if (slug[r] == '.' && (w == 0 || slug[w - 1] == '.'))
            continue;
        slug[w++] = slug[r];
    }
    while (w && (slug[w - 1] == '.' || slug[w - 1] == '-' || slug[w - 1] == '_'))
        w--;
    slug[w] = '\0';
    return slug;
}

/* The file name without folder and extension ("posts/hello.md" -> "hello"). */
static char *fm_basename(quire_arena *arena, const char *path)
{
    if (!path || strcmp(path, "-") == 0)
        return NULL;
    const char *b = strrchr(path, '/');
    b = b ? b + 1 : path;
    const char *dot = strrchr(b, '.');
    size_t n = dot && dot != b ? (size_t)(dot - b) : strlen(b);
    return n ? quire_arena_strndup(arena, b, n) : NULL;
}

static const char *fm_first_heading(quire_document *doc)
{
    quire_iter it;
    quire_node *n;
    quire_event ev;
    if (!doc->body)
        return NULL;
    quire_iter_init(&it, doc->body);
    while ((ev = quire_iter_next(&it, &n)) != QUIRE_EVENT_DONE) {
        if (ev == QUIRE_EVENT_ENTER && n->type == QUIRE_NODE_HEADING) {
            char *t = quire_node_plain_text(doc->arena, n);
            if (t && *t)
                return t;
        }
    }
    return NULL;
}

void quire__doc_identity(quire_document *doc, const quire_read_ctx *ctx)
{
    quire_arena *a = doc->arena;
    const char *path = ctx->path ? ctx->path : "-";
    if (!doc->source_path)
        doc->source_path = quire_arena_strdup(a, path);
    /* Hash the path relative to the source folder: `quire build ./site`
     * and `quire build /abs/site` must give the same ids. */
    const char *id_path = ctx->id_path ? ctx->id_path : path;
    uint64_t h = quire__fnv1a64(id_path, strlen(id_path), 0);

    char *base = fm_basename(a, path);
    if (!doc->title || !*doc->title)
        doc->title = fm_first_heading(doc);
    if (!doc->title || !*doc->title)
        doc->title = base ? base : "Untitled";

    if (!doc->id || !*doc->id)
        doc->id = doc->url && *doc->url ? doc->url
                                        : quire_arena_printf(a, "urn:quire:%016" PRIx64, h);

    const char *slug = doc->slug ? quire__safe_slug(a, doc->slug) : NULL;
    if (doc->slug && *doc->slug && (!slug || strcmp(slug, doc->slug) != 0)) {
        /* An absolute path, "..", a backslash: the slug names a folder of
         * the output, so it is rewritten; the author should know. */
        const quire_value *v = quire_value_get(doc->extra, "slug");
        quire_diag_add(ctx->diags, QUIRE_SEV_WARNING, "slugs", path, v ? v->line : 1,
                       v ? v->column : 1,
                       "slug '%s' is not a safe path segment: this document is written as '%s'",
                       doc->slug, slug && *slug ? slug : "(derived from the title)");
    }
    if (!slug || !*slug)
        slug = quire__safe_slug(a, doc->title);
    if ((!slug || !*slug) && base)
        slug = quire__safe_slug(a, base);
    if (!slug || !*slug)
        slug = quire_arena_printf(a, "doc-%08" PRIx32, (uint32_t)(h ^ (h >> 32)));
    doc->slug = slug;
}
