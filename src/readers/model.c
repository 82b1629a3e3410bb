/*
 * model.c — reader "model": the JSON written by the writer "model"
 * (src/writers/model.c, which describes the format) back into documents.
 *
 * Why not cJSON: it parses numbers into doubles (12345678901234567890 and
 * 1.50 would not come back as written), keeps only one of duplicate keys
 * when looked up, recurses, and stops at CJSON_NESTING_LIMIT (1000) levels.
 * This reader has its own small JSON lexer and builds a light tree per
 * document without recursion; the tree is then turned into the model with
 * loops that follow parent pointers.  Every JSON value keeps its line and
 * column, so every problem is reported as path:line:col.
 *
 * Limits: JSON nesting is limited to 2 × limits.max_depth + 16 levels (one
 * body node takes two: its object and its "children" array), default
 * max_depth 200.  Raise limits.max_depth to read deeper bodies: the reader
 * has no recursion, so the only cost is memory.
 *
 * Errors: a JSON syntax error (or a nesting limit) makes the whole input
 * unreadable: it is reported with line and column and nothing is appended.
 * A document whose JSON is well-formed but wrong for the model (a missing
 * or unknown node type, a field of the wrong type) is reported and skipped;
 * the others are read.  Unknown members are ignored with a warning, so that
 * newer model files stay readable.
 *
 * Positions: a body node without "line" or "column" takes its parent's
 * (the writer omits both where they equal the parent's); a root without
 * them gets 0.  So a filter that adds nodes without positions gets its
 * nodes placed where their parent is.
 *
 * Site: the "site" object fills only what the collection's site does not
 * have yet (NULL fields, the default title "Untitled" and language "en"),
 * so quire.yaml keeps precedence when both are given.
 *
 * Ownership: the JSON trees live in a temporary arena per document, freed as
 * soon as the document is built; documents are appended to `into`, which
 * owns them.
 */
#include "internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MR_DEFAULT_MAX_DEPTH 200

/* ------------------------------------------------------------ JSON tree */

typedef enum mr_jtype {
    MR_J_NULL, MR_J_FALSE, MR_J_TRUE, MR_J_NUMBER, MR_J_STRING, MR_J_ARRAY, MR_J_OBJECT
} mr_jtype;

typedef struct mr_jv mr_jv;
struct mr_jv {
    mr_jtype type;
    const char *key;      /* member name when the parent is an object */
    const char *s;        /* STRING (decoded, NUL-terminated) or NUMBER text */
    size_t len;
    mr_jv *first, *last, *next, *parent;
    uint32_t line, col;
    void *made;           /* the model object built from this value */
};

/* ------------------------------------------------------------ lexer */

typedef enum mr_tok_type {
    MR_T_EOF, MR_T_LBRACE, MR_T_RBRACE, MR_T_LBRACKET, MR_T_RBRACKET, MR_T_COLON,
    MR_T_COMMA, MR_T_STRING, MR_T_NUMBER, MR_T_TRUE, MR_T_FALSE, MR_T_NULL, MR_T_ERROR
} mr_tok_type;

typedef struct mr_tok {
    mr_tok_type type;
    const char *s;        /* STRING: decoded copy in the current arena; NUMBER: input */
    size_t len;
    uint32_t line, col;
} mr_tok;

typedef struct mr_lexer {
    const char *p, *end;
    uint32_t line, col;
    const quire_read_ctx *ctx;
    quire_arena *arena;   /* where decoded strings go (the current document's) */
    quire_buf scratch;
    mr_tok peeked;
    bool has_peek;
    bool failed;          /* a syntax error was reported: stop */
    size_t depth, max_depth;
} mr_lexer;

static void mr_diag(const quire_read_ctx *ctx, quire_severity sev, uint32_t line, uint32_t col,
                    const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 5, 6)))
#endif
    ;

static void mr_diag(const quire_read_ctx *ctx, quire_severity sev, uint32_t line, uint32_t col,
                    const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    quire_diag_add(ctx->diags, sev, "model", ctx->path, line, col, "%s", msg);
}

/* Consume one byte, keeping line and column (columns count characters:
 * UTF-8 continuation bytes do not move it). */
static inline void mr_adv(mr_lexer *lx)
{
    unsigned char c = (unsigned char)*lx->p++;
    if (c == '\n') {
        lx->line++;
        lx->col = 1;
    } else if ((c & 0xC0) != 0x80) {
        lx->col++;
    }
}

static mr_tok mr_error_tok(mr_lexer *lx, uint32_t line, uint32_t col, const char *what)
{
    mr_diag(lx->ctx, QUIRE_SEV_ERROR, line, col, "malformed JSON: %s", what);
    lx->failed = true;
    return (mr_tok){.type = MR_T_ERROR, .line = line, .col = col};
}

static int mr_hex4(const char *p, const char *end)
{
    int v = 0;
    if (end - p < 4)
        return -1;
    for (int i = 0; i < 4; i++) {
        char c = p[i];
        v <<= 4;
        if (c >= '0' && c <= '9') v |= c - '0';
        else if (c >= 'a' && c <= 'f') v |= c - 'a' + 10;
        else if (c >= 'A' && c <= 'F') v |= c - 'A' + 10;
        else return -1;
    }
    return v;
}

static mr_tok mr_lex_string(mr_lexer *lx, uint32_t line, uint32_t col)
{
    quire_buf *b = &lx->scratch;
    quire__buf_reset(b);
    mr_adv(lx); /* the opening quote */
    for (;;) {
        const char *run = lx->p;
        while (lx->p < lx->end && (unsigned char)*lx->p >= 0x20 && *lx->p != '"' &&
               *lx->p != '\\')
            mr_adv(lx);
        quire__buf_put(b, run, (size_t)(lx->p - run));
        if (lx->p >= lx->end)
            return mr_error_tok(lx, line, col, "unterminated string");
        char c = *lx->p;
        if (c == '"') {
            mr_adv(lx);
            break;
        }
        if (c != '\\')
            return mr_error_tok(lx, lx->line, lx->col,
                                "control character in a string (it must be escaped)");
        uint32_t eline = lx->line, ecol = lx->col;
        mr_adv(lx);
        if (lx->p >= lx->end)
            return mr_error_tok(lx, line, col, "unterminated string");
        c = *lx->p;
        mr_adv(lx);
        switch (c) {
        case '"': quire__buf_putc(b, '"'); break;
        case '\\': quire__buf_putc(b, '\\'); break;
        case '/': quire__buf_putc(b, '/'); break;
        case 'b': quire__buf_putc(b, '\b'); break;
        case 'f': quire__buf_putc(b, '\f'); break;
        case 'n': quire__buf_putc(b, '\n'); break;
        case 'r': quire__buf_putc(b, '\r'); break;
        case 't': quire__buf_putc(b, '\t'); break;
        case 'u': {
            int cp = mr_hex4(lx->p, lx->end);
            if (cp < 0)
                return mr_error_tok(lx, eline, ecol, "bad \\u escape");
            for (int i = 0; i < 4; i++)
                mr_adv(lx);
            if (cp >= 0xD800 && cp <= 0xDBFF && lx->end - lx->p >= 6 && lx->p[0] == '\\' &&
                lx->p[1] == 'u') {
                int lo = mr_hex4(lx->p + 2, lx->end);
                if (lo >= 0xDC00 && lo <= 0xDFFF) {
                    for (int i = 0; i < 6; i++)
                        mr_adv(lx);
                    quire__utf8_put(b, 0x10000u + (((uint32_t)cp - 0xD800u) << 10) +
                                           ((uint32_t)lo - 0xDC00u));
                    break;
                }
            }
            if (cp >= 0xDC80 && cp <= 0xDCFF)
                quire__buf_putc(b, (char)(cp & 0xFF)); /* the writer's escaped byte */
            else if (cp >= 0xD800 && cp <= 0xDFFF)
                quire__utf8_put(b, 0xFFFD);            /* a lone surrogate: no text */
            else
                quire__utf8_put(b, (uint32_t)cp);
            break;
        }
        default:
            return mr_error_tok(lx, eline, ecol, "unknown escape in a string");
        }
    }
    mr_tok t = {.type = MR_T_STRING, .len = b->len, .line = line, .col = col};
    t.s = quire_arena_strndup(lx->arena, b->len ? b->data : "", b->len);
    if (!t.s || b->oom)
        return mr_error_tok(lx, line, col, "out of memory");
    return t;
}

static bool mr_digit(const mr_lexer *lx)
{
    return lx->p < lx->end && *lx->p >= '0' && *lx->p <= '9';
}

static mr_tok mr_lex_number(mr_lexer *lx, uint32_t line, uint32_t col)
{
    const char *start = lx->p;
    if (*lx->p == '-')
        mr_adv(lx);
    if (!mr_digit(lx))
        return mr_error_tok(lx, line, col, "bad number");
    if (*lx->p == '0')
        mr_adv(lx);
    else
        while (mr_digit(lx))
            mr_adv(lx);
    if (lx->p < lx->end && *lx->p == '.') {
        mr_adv(lx);
        if (!mr_digit(lx))
            return mr_error_tok(lx, line, col, "bad number: no digit after '.'");
        while (mr_digit(lx))
            mr_adv(lx);
    }
    if (lx->p < lx->end && (*lx->p == 'e' || *lx->p == 'E')) {
        mr_adv(lx);
        if (lx->p < lx->end && (*lx->p == '+' || *lx->p == '-'))
            mr_adv(lx);
        if (!mr_digit(lx))
            return mr_error_tok(lx, line, col, "bad number: no digit in the exponent");
        while (mr_digit(lx))
            mr_adv(lx);
    }
    return (mr_tok){.type = MR_T_NUMBER, .s = start, .len = (size_t)(lx->p - start),
                    .line = line, .col = col};
}

static mr_tok mr_next(mr_lexer *lx)
{
    if (lx->has_peek) {
        lx->has_peek = false;
        return lx->peeked;
    }
    if (lx->failed)
        return (mr_tok){.type = MR_T_ERROR};
    while (lx->p < lx->end &&
           (*lx->p == ' ' || *lx->p == '\t' || *lx->p == '\n' || *lx->p == '\r'))
        mr_adv(lx);
    uint32_t line = lx->line, col = lx->col;
    if (lx->p >= lx->end)
        return (mr_tok){.type = MR_T_EOF, .line = line, .col = col};
    char c = *lx->p;
    mr_tok_type single = MR_T_ERROR;
    switch (c) {
    case '{': single = MR_T_LBRACE; break;
    case '}': single = MR_T_RBRACE; break;
    case '[': single = MR_T_LBRACKET; break;
    case ']': single = MR_T_RBRACKET; break;
    case ':': single = MR_T_COLON; break;
    case ',': single = MR_T_COMMA; break;
    case '"': return mr_lex_string(lx, line, col);
    default: break;
    }
    if (single != MR_T_ERROR) {
        mr_adv(lx);
        return (mr_tok){.type = single, .line = line, .col = col};
    }
    if (c == '-' || (c >= '0' && c <= '9'))
        return mr_lex_number(lx, line, col);
    static const struct { const char *word; mr_tok_type type; } words[] = {
        {"true", MR_T_TRUE}, {"false", MR_T_FALSE}, {"null", MR_T_NULL}};
    for (size_t i = 0; i < 3; i++) {
        size_t n = strlen(words[i].word);
        if ((size_t)(lx->end - lx->p) >= n && memcmp(lx->p, words[i].word, n) == 0) {
            for (size_t k = 0; k < n; k++)
                mr_adv(lx);
            return (mr_tok){.type = words[i].type, .line = line, .col = col};
        }
    }
    return mr_error_tok(lx, line, col, (unsigned char)c < 0x20 ? "unexpected control character"
                                                               : "unexpected character");
}

static void mr_unget(mr_lexer *lx, mr_tok t)
{
    lx->peeked = t;
    lx->has_peek = true;
}

/* ------------------------------------------------------------ JSON tree */

static mr_jv *mr_jv_new(mr_lexer *lx, const mr_tok *t, mr_jtype type)
{
    mr_jv *v = quire_arena_alloc(lx->arena, sizeof *v);
    if (!v)
        return NULL;
    v->type = type;
    v->line = t->line;
    v->col = t->col;
    if (type == MR_J_STRING) {
        v->s = t->s;
        v->len = t->len;
    } else if (type == MR_J_NUMBER) {
        v->s = quire_arena_strndup(lx->arena, t->s, t->len);
        v->len = t->len;
        if (!v->s)
            return NULL;
    }
    return v;
}

static void mr_jv_append(mr_jv *parent, mr_jv *child, const char *key)
{
    child->parent = parent;
    child->key = key;
    if (parent->last)
        parent->last->next = child;
    else
        parent->first = child;
    parent->last = child;
}

static bool mr_expect_fail(mr_lexer *lx, const mr_tok *t, const char *what)
{
    if (t->type != MR_T_ERROR) {
        char msg[96];
        snprintf(msg, sizeof msg, "%s", what);
        mr_error_tok(lx, t->line, t->col, t->type == MR_T_EOF ? "unexpected end of input" : msg);
    }
    return false;
}

/* One JSON value (any depth) into a tree in lx->arena, without recursion.
 * States: a value is expected, a key (or '}' right after '{'), a ':', or a
 * ',' / closing bracket after a value. */
static mr_jv *mr_parse_value(mr_lexer *lx)
{
    enum { S_VALUE, S_KEY, S_COLON, S_AFTER } state = S_VALUE;
    mr_jv *root = NULL, *cur = NULL;
    const char *key = NULL;
    size_t base_depth = lx->depth;
    for (;;) {
        mr_tok t = mr_next(lx);
        if (t.type == MR_T_ERROR)
            goto fail;
        switch (state) {
        case S_VALUE: {
            if (t.type == MR_T_RBRACKET && cur && cur->type == MR_J_ARRAY && !cur->first)
                goto close; /* "[]" */
            mr_jtype type;
            switch (t.type) {
            case MR_T_LBRACE: type = MR_J_OBJECT; break;
            case MR_T_LBRACKET: type = MR_J_ARRAY; break;
            case MR_T_STRING: type = MR_J_STRING; break;
            case MR_T_NUMBER: type = MR_J_NUMBER; break;
            case MR_T_TRUE: type = MR_J_TRUE; break;
            case MR_T_FALSE: type = MR_J_FALSE; break;
            case MR_T_NULL: type = MR_J_NULL; break;
            default:
                mr_expect_fail(lx, &t, "expected a value");
                goto fail;
            }
            mr_jv *v = mr_jv_new(lx, &t, type);
            if (!v) {
                mr_error_tok(lx, t.line, t.col, "out of memory");
                goto fail;
            }
            if (cur)
                mr_jv_append(cur, v, key);
            else
                root = v;
            key = NULL;
            if (type == MR_J_OBJECT || type == MR_J_ARRAY) {
                if (++lx->depth > lx->max_depth) {
                    mr_diag(lx->ctx, QUIRE_SEV_ERROR, t.line, t.col,
                            "JSON nested deeper than %zu levels (raise the depth limit to "
                            "read it)", lx->max_depth);
                    lx->failed = true;
                    goto fail;
                }
                cur = v;
                state = type == MR_J_OBJECT ? S_KEY : S_VALUE;
                continue;
            }
            state = S_AFTER;
            break;
        }
        case S_KEY:
            if (t.type == MR_T_RBRACE && !cur->first)
                goto close; /* "{}" */
            if (t.type != MR_T_STRING) {
                mr_expect_fail(lx, &t, "expected a string as member name");
                goto fail;
            }
            key = t.s;
            state = S_COLON;
            continue;
        case S_COLON:
            if (t.type != MR_T_COLON) {
                mr_expect_fail(lx, &t, "expected ':' after a member name");
                goto fail;
            }
            state = S_VALUE;
            continue;
        case S_AFTER:
            if (t.type == MR_T_COMMA) {
                state = cur->type == MR_J_OBJECT ? S_KEY : S_VALUE;
                continue;
            }
            if ((t.type == MR_T_RBRACE && cur->type == MR_J_OBJECT) ||
                (t.type == MR_T_RBRACKET && cur->type == MR_J_ARRAY))
                goto close;
            mr_expect_fail(lx, &t, cur->type == MR_J_OBJECT ? "expected ',' or '}'"
                                                             : "expected ',' or ']'");
            goto fail;
        }
        if (0) {
        close:
            lx->depth--;
            cur = cur->parent;
            state = S_AFTER;
        }
        if (!cur) /* the value is complete */
            return root;
    }
fail:
    lx->depth = base_depth;
    return NULL;
}

/* ------------------------------------------------------------ conversion helpers */

typedef struct mr_doc_state {
    mr_lexer *lx;
    quire_arena *arena;   /* the arena the model objects go to */
    bool ok;
    bool warned_unknown;
} mr_doc_state;

static bool mr_bad(mr_doc_state *st, const mr_jv *v, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

static bool mr_bad(mr_doc_state *st, const mr_jv *v, const char *fmt, ...)
{
    char msg[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (st->ok) /* one error per document is enough: it is skipped anyway */
        mr_diag(st->lx->ctx, QUIRE_SEV_ERROR, v->line, v->col, "%s", msg);
    st->ok = false;
    return false;
}

static void mr_unknown(mr_doc_state *st, const mr_jv *v, const char *where)
{
    if (st->warned_unknown)
        return;
    st->warned_unknown = true;
    mr_diag(st->lx->ctx, QUIRE_SEV_WARNING, v->line, v->col,
            "unknown member \"%.60s\" in %s ignored", v->key ? v->key : "", where);
}

/* A string or null member into *out (copied into st->arena). */
static bool mr_string(mr_doc_state *st, const mr_jv *v, const char **out)
{
    if (v->type == MR_J_NULL) {
        *out = NULL;
        return true;
    }
    if (v->type != MR_J_STRING)
        return mr_bad(st, v, "\"%s\" must be a string", v->key ? v->key : "value");
    *out = quire_arena_strndup(st->arena, v->s, v->len);
    return *out != NULL || mr_bad(st, v, "out of memory");
}

static bool mr_int(mr_doc_state *st, const mr_jv *v, long long min, long long max,
                   long long *out)
{
    const char *what = v->key ? v->key : "value";
    if (v->type != MR_J_NUMBER || strpbrk(v->s, ".eE"))
        return mr_bad(st, v, "\"%s\" must be an integer", what);
    char *end;
    long long n = strtoll(v->s, &end, 10);
    if (*end || n < min || n > max)
        return mr_bad(st, v, "\"%s\" is out of range: %s", what, v->s);
    *out = n;
    return true;
}

static bool mr_u32(mr_doc_state *st, const mr_jv *v, uint32_t *out)
{
    long long n;
    if (!mr_int(st, v, 0, UINT32_MAX, &n))
        return false;
    *out = (uint32_t)n;
    return true;
}

static bool mr_i32(mr_doc_state *st, const mr_jv *v, int *out)
{
    long long n;
    if (!mr_int(st, v, -2147483647LL - 1, 2147483647LL, &n))
        return false;
    *out = (int)n;
    return true;
}

static bool mr_bool(mr_doc_state *st, const mr_jv *v, bool *out)
{
    if (v->type != MR_J_TRUE && v->type != MR_J_FALSE)
        return mr_bad(st, v, "\"%s\" must be true or false", v->key ? v->key : "value");
    *out = v->type == MR_J_TRUE;
    return true;
}

static bool mr_is(const mr_jv *v, const char *key)
{
    return v->key && strcmp(v->key, key) == 0;
}

/* A JSON value (any depth) as a quire_value tree, without recursion: the
 * tree's parent pointers lead back up, `made` holds what each became. */
static quire_value *mr_value(mr_doc_state *st, mr_jv *root)
{
    static const quire_value_type types[] = {
        [MR_J_NULL] = QUIRE_VALUE_NULL, [MR_J_FALSE] = QUIRE_VALUE_BOOL,
        [MR_J_TRUE] = QUIRE_VALUE_BOOL, [MR_J_NUMBER] = QUIRE_VALUE_NUMBER,
        [MR_J_STRING] = QUIRE_VALUE_STRING, [MR_J_ARRAY] = QUIRE_VALUE_SEQUENCE,
        [MR_J_OBJECT] = QUIRE_VALUE_MAPPING};
    mr_jv *jv = root;
    for (;;) {
        quire_value *v;
        if (jv->type == MR_J_TRUE || jv->type == MR_J_FALSE) {
            const char *s = jv->type == MR_J_TRUE ? "true" : "false";
            v = quire_value_new_scalar(st->arena, QUIRE_VALUE_BOOL, s, strlen(s));
        } else if (jv->type == MR_J_NUMBER || jv->type == MR_J_STRING) {
            v = quire_value_new_scalar(st->arena, types[jv->type], jv->s, jv->len);
        } else {
            v = quire_value_new(st->arena, types[jv->type]);
        }
        if (!v) {
            mr_bad(st, jv, "out of memory");
            return NULL;
        }
        v->line = jv->line;
        v->column = jv->col;
        jv->made = v;
        if (jv != root)
            quire_value_append(st->arena, jv->parent->made, jv->key, v);
        if (jv->first) {
            jv = jv->first;
            continue;
        }
        while (jv != root && !jv->next)
            jv = jv->parent;
        if (jv == root)
            return root->made;
        jv = jv->next;
    }
}

/* ------------------------------------------------------------ body */

static const struct { uint32_t bit; const char *name; } mr_flags[] = {
    {QUIRE_NODE_FLAG_ORDERED, "ordered"},
    {QUIRE_NODE_FLAG_TIGHT, "tight"},
    {QUIRE_NODE_FLAG_TASK, "task"},
    {QUIRE_NODE_FLAG_CHECKED, "checked"},
    {QUIRE_NODE_FLAG_HEADER, "header"},
};

static bool mr_attrs(mr_doc_state *st, const mr_jv *arr, quire_node *n)
{
    if (arr->type != MR_J_ARRAY)
        return mr_bad(st, arr, "\"attrs\" must be an array of [name, value] pairs");
    quire_attr **tail = &n->attrs;
    for (const mr_jv *p = arr->first; p; p = p->next) {
        const mr_jv *name = p->type == MR_J_ARRAY ? p->first : NULL;
        const mr_jv *value = name ? name->next : NULL;
        if (!name || !value || value->next || name->type != MR_J_STRING ||
            value->type != MR_J_STRING)
            return mr_bad(st, p, "an attribute must be a [name, value] pair of strings");
        quire_attr *a = quire_arena_alloc(st->arena, sizeof *a);
        if (!a || !(a->name = quire_arena_strndup(st->arena, name->s, name->len)) ||
            !(a->value = quire_arena_strndup(st->arena, value->s, value->len)))
            return mr_bad(st, p, "out of memory");
        *tail = a;
        tail = &a->next;
    }
    return true;
}

static bool mr_enum(mr_doc_state *st, const mr_jv *v, const char *const *names, size_t n,
                    int *out)
{
    if (v->type == MR_J_STRING)
        for (size_t i = 0; i < n; i++)
            if (names[i] && strcmp(v->s, names[i]) == 0) {
                *out = (int)i;
                return true;
            }
    return mr_bad(st, v, "unknown \"%s\" value", v->key);
}

/* One node object's own fields; *children gets its "children" array.
 * "line" and "column" default to the parent's (0 for the root): the writer
 * leaves them out where they equal the parent's, which is most inline
 * nodes, and a node that gives only one of them keeps the parent's other. */
static quire_node *mr_node(mr_doc_state *st, mr_jv *obj, const quire_node *parent,
                           mr_jv **children)
{
    static const char *const aligns[] = {NULL, "left", "center", "right"};
    static const char *const embeds[] = {"iframe", "video", "audio", "object"};
    *children = NULL;
    if (obj->type != MR_J_OBJECT) {
        mr_bad(st, obj, "a body node must be an object");
        return NULL;
    }
    const mr_jv *type = NULL;
    for (const mr_jv *m = obj->first; m; m = m->next)
        if (mr_is(m, "type"))
            type = m;
    quire_node_type t = type && type->type == MR_J_STRING ? quire_node_type_from_name(type->s)
                                                          : QUIRE_NODE_NONE;
    if (t == QUIRE_NODE_NONE) {
        mr_bad(st, type ? type : obj, "a body node needs a known \"type\"");
        return NULL;
    }
    quire_node *n = quire_node_new(st->arena, t, parent ? parent->line : 0,
                                   parent ? parent->column : 0);
    if (!n) {
        mr_bad(st, obj, "out of memory");
        return NULL;
    }
    bool ok = true;
    for (mr_jv *m = obj->first; m && ok; m = m->next) {
        const char *k = m->key;
        int e = 0; /* set by mr_enum on success; 0 keeps the default */
        if (!strcmp(k, "type"))
            continue;
        if (!strcmp(k, "line")) ok = mr_u32(st, m, &n->line);
        else if (!strcmp(k, "column")) ok = mr_u32(st, m, &n->column);
        else if (!strcmp(k, "level")) ok = mr_i32(st, m, &n->level);
        else if (!strcmp(k, "width")) ok = mr_i32(st, m, &n->width);
        else if (!strcmp(k, "height")) ok = mr_i32(st, m, &n->height);
        else if (!strcmp(k, "literal")) ok = mr_string(st, m, &n->literal);
        else if (!strcmp(k, "url")) ok = mr_string(st, m, &n->url);
        else if (!strcmp(k, "title")) ok = mr_string(st, m, &n->title);
        else if (!strcmp(k, "info")) ok = mr_string(st, m, &n->info);
        else if (!strcmp(k, "name")) ok = mr_string(st, m, &n->name);
        else if (!strcmp(k, "attrs")) ok = mr_attrs(st, m, n);
        else if (!strcmp(k, "align")) {
            ok = mr_enum(st, m, aligns, 4, &e);
            n->align = (quire_align)e;
        } else if (!strcmp(k, "embed_kind")) {
            ok = mr_enum(st, m, embeds, 4, &e);
            n->embed_kind = (quire_embed_kind)e;
        } else if (!strcmp(k, "flags")) {
            uint32_t f = 0;
            ok = mr_u32(st, m, &f);
            n->flags |= f;
        } else if (!strcmp(k, "children")) {
            if (m->type != MR_J_ARRAY)
                ok = mr_bad(st, m, "\"children\" must be an array");
            else if (m->first && quire_node_is_leaf(n))
                ok = mr_bad(st, m, "a %s node cannot have children", quire_node_type_name(t));
            *children = m;
        } else {
            bool known = false;
            for (size_t i = 0; i < sizeof mr_flags / sizeof mr_flags[0] && !known; i++) {
                if (!strcmp(k, mr_flags[i].name)) {
                    bool on = false;
                    ok = mr_bool(st, m, &on);
                    if (on)
                        n->flags |= mr_flags[i].bit;
                    known = true;
                }
            }
            if (!known)
                mr_unknown(st, m, "a body node");
        }
    }
    return ok ? n : NULL;
}

/* The "body" object as a node tree, without recursion: a child node's JSON
 * parent is its "children" array, whose parent is the node's object. */
static quire_node *mr_body(mr_doc_state *st, mr_jv *root)
{
    mr_jv *jv = root;
    for (;;) {
        mr_jv *children;
        quire_node *n = mr_node(st, jv, jv == root ? NULL : jv->parent->parent->made, &children);
        if (!n)
            return NULL;
        jv->made = n;
        if (jv != root)
            quire_node_append(jv->parent->parent->made, n);
        if (children && children->first) {
            jv = children->first;
            continue;
        }
        while (jv != root && !jv->next)
            jv = jv->parent->parent;
        if (jv == root)
            break;
        jv = jv->next;
    }
    quire_node *body = root->made;
    if (body->type != QUIRE_NODE_ROOT) {
        mr_bad(st, root, "\"body\" must be a node of type \"root\"");
        return NULL;
    }
    return body;
}

/* ------------------------------------------------------------ documents */

static bool mr_authors(mr_doc_state *st, const mr_jv *arr, quire_author **out, size_t *n_out)
{
    if (arr->type != MR_J_ARRAY)
        return mr_bad(st, arr, "\"authors\" must be an array of objects");
    size_t n = 0;
    for (const mr_jv *p = arr->first; p; p = p->next)
        n++;
    quire_author *a = n ? quire_arena_alloc(st->arena, n * sizeof *a) : NULL;
    if (n && !a)
        return mr_bad(st, arr, "out of memory");
    size_t i = 0;
    for (const mr_jv *p = arr->first; p; p = p->next, i++) {
        if (p->type != MR_J_OBJECT)
            return mr_bad(st, p, "an author must be an object");
        for (const mr_jv *m = p->first; m; m = m->next) {
            bool ok = true;
            if (mr_is(m, "name")) ok = mr_string(st, m, &a[i].name);
            else if (mr_is(m, "url")) ok = mr_string(st, m, &a[i].url);
            else if (mr_is(m, "email")) ok = mr_string(st, m, &a[i].email);
            else if (mr_is(m, "avatar")) ok = mr_string(st, m, &a[i].avatar);
            else mr_unknown(st, m, "an author");
            if (!ok)
                return false;
        }
    }
    *out = a;
    *n_out = n;
    return true;
}

static bool mr_strlist(mr_doc_state *st, const mr_jv *arr, quire_strlist *l)
{
    if (arr->type != MR_J_ARRAY)
        return mr_bad(st, arr, "\"%s\" must be an array of strings", arr->key);
    for (const mr_jv *p = arr->first; p; p = p->next) {
        if (p->type != MR_J_STRING)
            return mr_bad(st, p, "\"%s\" must be an array of strings", arr->key);
        quire_strlist_add(st->arena, l, p->s);
    }
    return true;
}

static bool mr_date(mr_doc_state *st, const mr_jv *v, quire_date *d)
{
    if (v->type == MR_J_NULL) {
        memset(d, 0, sizeof *d);
        return true;
    }
    if (v->type != MR_J_STRING || !quire_date_parse(d, v->s))
        return mr_bad(st, v, "\"%s\" must be an ISO 8601 date", v->key);
    return true;
}

static bool mr_image(mr_doc_state *st, const mr_jv *obj, quire_image *im)
{
    if (obj->type == MR_J_NULL)
        return true;
    if (obj->type != MR_J_OBJECT)
        return mr_bad(st, obj, "\"image\" must be an object");
    for (const mr_jv *m = obj->first; m; m = m->next) {
        bool ok = true;
        if (mr_is(m, "src")) ok = mr_string(st, m, &im->src);
        else if (mr_is(m, "alt")) ok = mr_string(st, m, &im->alt);
        else if (mr_is(m, "width")) ok = mr_i32(st, m, &im->width);
        else if (mr_is(m, "height")) ok = mr_i32(st, m, &im->height);
        else mr_unknown(st, m, "\"image\"");
        if (!ok)
            return false;
    }
    return true;
}

/* A slug from a file outside quire's control could name a path: keep it
 * only when it is a safe path segment. */
static bool mr_slug_safe(const char *s)
{
    if (!s || !*s || !strcmp(s, ".") || !strcmp(s, ".."))
        return false;
    for (const char *p = s; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '.' ||
              *p == '_' || *p == '-'))
            return false;
    return true;
}

static bool mr_doc_member(mr_doc_state *st, quire_document *d, mr_jv *m)
{
    const char *k = m->key;
    if (!strcmp(k, "id")) return mr_string(st, m, &d->id);
    if (!strcmp(k, "slug")) return mr_string(st, m, &d->slug);
    if (!strcmp(k, "source_path")) return mr_string(st, m, &d->source_path);
    if (!strcmp(k, "format")) return mr_string(st, m, &d->format);
    if (!strcmp(k, "title")) return mr_string(st, m, &d->title);
    if (!strcmp(k, "subtitle")) return mr_string(st, m, &d->subtitle);
    if (!strcmp(k, "summary")) return mr_string(st, m, &d->summary);
    if (!strcmp(k, "language")) return mr_string(st, m, &d->language);
    if (!strcmp(k, "url")) return mr_string(st, m, &d->url);
    if (!strcmp(k, "external_url")) return mr_string(st, m, &d->external_url);
    if (!strcmp(k, "authors")) return mr_authors(st, m, &d->authors, &d->n_authors);
    if (!strcmp(k, "published")) return mr_date(st, m, &d->published);
    if (!strcmp(k, "modified")) return mr_date(st, m, &d->modified);
    if (!strcmp(k, "tags")) return mr_strlist(st, m, &d->tags);
    if (!strcmp(k, "categories")) return mr_strlist(st, m, &d->categories);
    if (!strcmp(k, "image")) return mr_image(st, m, &d->image);
    if (!strcmp(k, "draft")) return mr_bool(st, m, &d->draft);
    if (!strcmp(k, "body_line")) return mr_u32(st, m, &d->body_line);
    if (!strcmp(k, "extra")) {
        d->extra = m->type == MR_J_NULL ? NULL : mr_value(st, m);
        return m->type == MR_J_NULL || d->extra;
    }
    if (!strcmp(k, "body"))
        return (d->body = mr_body(st, m)) != NULL;
    mr_unknown(st, m, "a document");
    return true;
}

/* A document from its JSON object; NULL (reported) when it does not fit the
 * model. */
static quire_document *mr_document(mr_lexer *lx, mr_jv *obj, size_t index)
{
    mr_doc_state st = {.lx = lx, .ok = true};
    if (obj->type != MR_J_OBJECT) {
        st.arena = NULL;
        mr_bad(&st, obj, "a document must be an object");
        return NULL;
    }
    quire_document *d = quire_document_new();
    if (!d) {
        mr_bad(&st, obj, "out of memory");
        return NULL;
    }
    st.arena = d->arena;
    for (mr_jv *m = obj->first; m && st.ok; m = m->next)
        mr_doc_member(&st, d, m);
    if (!st.ok) {
        quire_document_free(d);
        return NULL;
    }
    /* What every reader guarantees: an id, a safe slug, a body. */
    if (!d->source_path)
        d->source_path = quire_arena_strdup(d->arena, lx->ctx->path ? lx->ctx->path : "-");
    if (!d->format)
        d->format = "model";
    if (!d->id || !*d->id) {
        uint64_t h = quire__fnv1a64(d->source_path, strlen(d->source_path), index);
        d->id = quire_arena_printf(d->arena, "urn:quire:%016llx", (unsigned long long)h);
    }
    if (!mr_slug_safe(d->slug)) {
        const char *s = quire__slugify(d->arena, d->slug ? d->slug : d->title);
        if (!s || !*s)
            s = quire_arena_printf(d->arena, "document-%zu", index + 1);
        if (d->slug)
            mr_diag(lx->ctx, QUIRE_SEV_WARNING, obj->line, obj->col,
                    "slug \"%.60s\" is not a safe path segment: using \"%s\"", d->slug, s);
        d->slug = s;
    }
    if (!d->body && !(d->body = quire_node_new(d->arena, QUIRE_NODE_ROOT, d->body_line, 1))) {
        quire_document_free(d);
        return NULL;
    }
    return d;
}

/* ------------------------------------------------------------ site */

/* Fill what `site` does not have yet from the "site" object. */
static void mr_site(mr_lexer *lx, mr_jv *obj, quire_site *site)
{
    mr_doc_state st = {.lx = lx, .arena = site->arena, .ok = true};
    if (obj->type != MR_J_OBJECT) {
        mr_bad(&st, obj, "\"site\" must be an object");
        return;
    }
    for (mr_jv *m = obj->first; m; m = m->next) {
        const char *k = m->key, *s = NULL;
        st.ok = true;
        if (!strcmp(k, "authors")) {
            quire_author *a;
            size_t n;
            if (!site->n_authors && mr_authors(&st, m, &a, &n)) {
                site->authors = a;
                site->n_authors = n;
            }
            continue;
        }
        if (!strcmp(k, "config")) {
            if (!site->config && m->type != MR_J_NULL)
                site->config = mr_value(&st, m);
            continue;
        }
        static const char *const fields[] = {"title", "description", "base_url", "language",
                                             "icon", "favicon", "publisher", "rights",
                                             "cover", "config_dir"};
        size_t i = 0;
        while (i < sizeof fields / sizeof fields[0] && strcmp(k, fields[i]))
            i++;
        if (i == sizeof fields / sizeof fields[0]) {
            mr_unknown(&st, m, "\"site\"");
            continue;
        }
        if (!mr_string(&st, m, &s) || !s)
            continue;
        switch (i) {
        case 0:
            if (!site->title || !strcmp(site->title, "Untitled"))
                site->title = s;
            break;
        case 1: if (!site->description) site->description = s; break;
        case 2: if (!site->base_url) quire_site_set_base_url(site, s); break;
        case 3:
            if (!site->language || !strcmp(site->language, "en"))
                site->language = s;
            break;
        case 4: if (!site->icon) site->icon = s; break;
        case 5: if (!site->favicon) site->favicon = s; break;
        case 6: if (!site->publisher) site->publisher = s; break;
        case 7: if (!site->rights) site->rights = s; break;
        case 8: if (!site->cover) site->cover = s; break;
        default: if (!site->config_dir) site->config_dir = s; break;
        }
    }
}

/* ------------------------------------------------------------ reader */

static int model_probe(const char *path, const char *data, size_t len)
{
    (void)path;
    size_t i = 0;
    if (len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0)
        i = 3;
    while (i < len && (data[i] == ' ' || data[i] == '\t' || data[i] == '\n' || data[i] == '\r'))
        i++;
    if (i >= len || data[i] != '{')
        return 0;
    static const char mark[] = "\"quire_model\"";
    for (size_t k = i; k + sizeof mark - 1 <= len; k++)
        if (memcmp(data + k, mark, sizeof mark - 1) == 0)
            return 100;
    return 0;
}

/* Reads the "documents" array, one document tree at a time, into docs. */
static bool mr_documents(mr_lexer *lx, quire_collection *docs)
{
    mr_tok t = mr_next(lx);
    if (t.type != MR_T_LBRACKET)
        return mr_expect_fail(lx, &t, "\"documents\" must be an array");
    t = mr_next(lx);
    if (t.type == MR_T_RBRACKET)
        return true;
    mr_unget(lx, t);
    lx->depth++;
    for (size_t index = 0;; index++) {
        quire_arena *tmp = quire_arena_new();
        if (!tmp)
            return mr_expect_fail(lx, &t, "out of memory");
        lx->arena = tmp;
        mr_jv *obj = mr_parse_value(lx);
        quire_document *d = obj ? mr_document(lx, obj, index) : NULL;
        quire_arena_free(tmp);
        lx->arena = NULL;
        if (!obj)
            return false;
        if (d && quire_collection_add(docs, d) != QUIRE_OK) {
            quire_document_free(d);
            return mr_expect_fail(lx, &t, "out of memory");
        }
        t = mr_next(lx);
        if (t.type == MR_T_RBRACKET)
            break;
        if (t.type != MR_T_COMMA)
            return mr_expect_fail(lx, &t, "expected ',' or ']' after a document");
    }
    lx->depth--;
    return true;
}

static int model_read(const quire_read_ctx *ctx, const char *data, size_t len,
                      quire_collection *into)
{
    size_t max_depth = ctx->limits.max_depth ? ctx->limits.max_depth : MR_DEFAULT_MAX_DEPTH;
    mr_lexer lx = {.p = data, .end = data + len, .line = 1, .col = 1, .ctx = ctx,
                   .max_depth = max_depth * 2 + 16};
    quire__buf_init(&lx.scratch);
    if (len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0)
        lx.p += 3;
    quire_collection *docs = quire_collection_new();   /* appended to `into` at the end */
    quire_arena *top = quire_arena_new();               /* member names, site and version */
    bool version = false, ok = docs && top, more = true;
    mr_jv *site = NULL;
    lx.arena = top;
    mr_tok t = mr_next(&lx);
    if (ok && t.type != MR_T_LBRACE)
        ok = mr_expect_fail(&lx, &t, "a quire model starts with '{'");
    if (ok) {
        t = mr_next(&lx);
        if (t.type == MR_T_RBRACE)
            more = false; /* "{}": no members; the version check reports it */
        else
            mr_unget(&lx, t);
    }
    lx.depth = 1;
    while (ok && more) {
        mr_tok key = mr_next(&lx);
        if (key.type != MR_T_STRING) {
            ok = mr_expect_fail(&lx, &key, "expected a string as member name");
            break;
        }
        t = mr_next(&lx);
        if (t.type != MR_T_COLON) {
            ok = mr_expect_fail(&lx, &t, "expected ':' after a member name");
            break;
        }
        if (!strcmp(key.s, "documents")) {
            ok = mr_documents(&lx, docs);
            lx.arena = top;
        } else {
            mr_jv *v = mr_parse_value(&lx);
            ok = v != NULL;
            if (ok && !strcmp(key.s, "quire_model")) {
                if (v->type != MR_J_NUMBER || strcmp(v->s, "1")) {
                    mr_diag(ctx, QUIRE_SEV_ERROR, v->line, v->col,
                            "unsupported model version (this quire reads version 1)");
                    ok = false;
                }
                version = true;
            } else if (ok && !strcmp(key.s, "site")) {
                site = v;
            } else if (ok) {
                mr_diag(ctx, QUIRE_SEV_WARNING, key.line, key.col,
                        "unknown member \"%.60s\" ignored", key.s);
            }
        }
        if (!ok)
            break;
        t = mr_next(&lx);
        if (t.type == MR_T_RBRACE)
            break;
        if (t.type != MR_T_COMMA)
            ok = mr_expect_fail(&lx, &t, "expected ',' or '}'");
    }
    if (ok) {
        t = mr_next(&lx);
        if (t.type != MR_T_EOF)
            ok = mr_expect_fail(&lx, &t, "text after the end of the model");
    }
    if (ok && !version) {
        mr_diag(ctx, QUIRE_SEV_ERROR, 1, 1, "not a quire model: no \"quire_model\" member");
        ok = false;
    }
    int rc = ok ? QUIRE_OK : (docs && top ? QUIRE_ERR_PARSE : QUIRE_ERR_NOMEM);
    if (ok && site)
        mr_site(&lx, site, &into->site);
    size_t moved = 0;
    for (; ok && moved < docs->count; moved++) {
        if (quire_collection_add(into, docs->docs[moved]) != QUIRE_OK) {
            rc = QUIRE_ERR_NOMEM;
            break;
        }
    }
    if (docs) { /* what was moved belongs to `into` now; free the rest */
        for (size_t i = moved; i < docs->count; i++)
            quire_document_free(docs->docs[i]);
        docs->count = 0;
    }
    quire_collection_free(docs);
    quire_arena_free(top);
    quire__buf_free(&lx.scratch);
    return rc;
}

const quire_reader quire_reader_model = {
    .version = QUIRE_COMPONENT_VERSION,
    .name = "model",
    .long_name = "quire model JSON",
    .extensions = "json",
    .mime_type = "application/json",
    .probe = model_probe,
    .read = model_read,
};
