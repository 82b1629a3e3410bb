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
 *     when it has some.  Layout: one node per line, its fields inline and
 *     its children on the following lines, one level deeper; the closing
 *     brackets follow the last child.  Half the size of one member per
 *     line, and a tree that reads like an outline.
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
 * Streaming: the header goes out at begin, each document at write_document
 * (flushed to the sink every MW_FLUSH bytes), the closing brackets at end;
 * nothing is kept between documents.
 *
 * Ownership: the writer's priv owns one quire_buf and the value stack; close
 * frees both.  Documents and site are borrowed.
 */
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MW_MAX_INDENT 32
#define MW_FLUSH (64u * 1024u)

/* A pretty-printing JSON emitter that needs no stack: after an opening
 * bracket nothing has been written at the new level (need_comma false), and
 * after any value something has. */
typedef struct mw_json {
    quire_buf *b;
    size_t depth;
    bool need_comma;
    bool flat;       /* members go on the current line (a body node's fields) */
} mw_json;

typedef struct mw_priv {
    quire_buf buf;
    mw_json j;
    const quire_value **stack;  /* walk of value trees (malloc'd) */
    size_t stack_cap;
    bool warned_number;
    quire_writer_ctx *ctx;
} mw_priv;

/* ------------------------------------------------------------ strings */

static void mw_put_u(quire_buf *b, unsigned cp)
{
    static const char hex[] = "0123456789abcdef";
    char e[6] = {'\\', 'u', hex[(cp >> 12) & 0xF], hex[(cp >> 8) & 0xF], hex[(cp >> 4) & 0xF],
                 hex[cp & 0xF]};
    quire__buf_put(b, e, sizeof e);
}

/* The JSON string for s[0..n), escaped as described at the top. */
static void mw_put_string(quire_buf *b, const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t run = 0, i = 0;
    quire__buf_putc(b, '"');
    while (i < n) {
        unsigned char c = p[i];
        if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\' && c != '<' && c != '>' &&
            c != '&') {
            i++;
            continue;
        }
        quire__buf_put(b, s + run, i - run);
        if (c < 0x80) {
            switch (c) {
            case '"': quire__buf_puts(b, "\\\""); break;
            case '\\': quire__buf_puts(b, "\\\\"); break;
            case '\n': quire__buf_puts(b, "\\n"); break;
            case '\t': quire__buf_puts(b, "\\t"); break;
            case '\r': quire__buf_puts(b, "\\r"); break;
            case '\b': quire__buf_puts(b, "\\b"); break;
            case '\f': quire__buf_puts(b, "\\f"); break;
            default: mw_put_u(b, c); break; /* other controls, < > & */
            }
            i++;
        } else {
            uint32_t cp;
            size_t k = quire__utf8_decode(p + i, n - i, &cp);
            if (!k) {
                mw_put_u(b, 0xDC00u | c); /* surrogateescape: one byte */
                i++;
            } else {
                if (cp == 0x2028 || cp == 0x2029)
                    mw_put_u(b, cp);
                else
                    quire__buf_put(b, s + i, k);
                i += k;
            }
        }
        run = i;
    }
    quire__buf_put(b, s + run, n - run);
    quire__buf_putc(b, '"');
}


/* ------------------------------------------------------------ emitter */

static void mw_newline(mw_json *j)
{
    /* One write for the newline and the whole indentation. */
    static const char spaces[] = "\n                                                                "
                                 "                                                                ";
    size_t depth = j->depth < MW_MAX_INDENT ? j->depth : MW_MAX_INDENT;
    size_t n = 1 + 2 * depth;
    if (n > sizeof spaces - 1)
        n = sizeof spaces - 1;
    quire__buf_put(j->b, spaces, n);
}

/* Comma, newline and indentation before a value, then its key if any. */
static void mw_prefix(mw_json *j, const char *key)
{
    if (j->flat) {
        if (j->need_comma)
            quire__buf_put(j->b, ", ", 2);
    } else if (j->depth > 0) {
        if (j->need_comma)
            quire__buf_putc(j->b, ',');
        mw_newline(j);
    }
    if (key) {
        mw_put_string(j->b, key, strlen(key));
        quire__buf_put(j->b, ": ", 2);
    }
}

static void mw_open(mw_json *j, const char *key, char bracket)
{
    mw_prefix(j, key);
    quire__buf_putc(j->b, bracket);
    j->depth++;
    j->need_comma = false;
}

static void mw_close(mw_json *j, char bracket)
{
    j->depth--;
    if (j->need_comma && !j->flat) /* not empty: the bracket goes on its own line */
        mw_newline(j);
    quire__buf_putc(j->b, bracket);
    j->need_comma = true;
}

static void mw_raw(mw_json *j, const char *key, const char *raw)
{
    mw_prefix(j, key);
    quire__buf_puts(j->b, raw);
    j->need_comma = true;
}

static void mw_strn(mw_json *j, const char *key, const char *s, size_t n)
{
    mw_prefix(j, key);
    mw_put_string(j->b, s, n);
    j->need_comma = true;
}

/* A string member, left out when s is NULL. */
static void mw_str(mw_json *j, const char *key, const char *s)
{
    if (s)
        mw_strn(j, key, s, strlen(s));
}

static void mw_int(mw_json *j, const char *key, long long v)
{
    char num[24];
    snprintf(num, sizeof num, "%lld", v);
    mw_raw(j, key, num);
}

static void mw_bool(mw_json *j, const char *key, bool v)
{
    mw_raw(j, key, v ? "true" : "false");
}

/* ------------------------------------------------------------ values */

static bool mw_push(mw_priv *w, size_t n, const quire_value *v)
{
    if (n == w->stack_cap) {
        size_t cap = w->stack_cap ? w->stack_cap * 2 : 64;
        const quire_value **s = realloc(w->stack, cap * sizeof *s);
        if (!s)
            return false;
        w->stack = s;
        w->stack_cap = cap;
    }
    w->stack[n] = v;
    return true;
}

static void mw_scalar(mw_priv *w, const char *key, const quire_value *v)
{
    mw_json *j = &w->j;
    const char *s = v->str ? v->str : "";
    size_t n = v->str ? v->len : 0;
    switch (v->type) {
    case QUIRE_VALUE_BOOL:
        mw_bool(j, key, n == 4 && memcmp(s, "true", 4) == 0);
        break;
    case QUIRE_VALUE_NUMBER:
        if (quire__json_number(s, n)) {
            mw_prefix(j, key);
            quire__buf_put(j->b, s, n);
            j->need_comma = true;
            break;
        }
        /* Readers store numbers in JSON's grammar; a filter that broke that
         * rule gets its text kept as a string rather than invalid JSON. */
        if (!w->warned_number) {
            quire_diag_add(w->ctx->diags, QUIRE_SEV_WARNING, "model", NULL, v->line, v->column,
                           "number '%.40s' is not in JSON's grammar: written as a string", s);
            w->warned_number = true;
        }
        mw_strn(j, key, s, n);
        break;
    case QUIRE_VALUE_STRING:
        mw_strn(j, key, s, n);
        break;
    default:
        mw_raw(j, key, "null");
        break;
    }
}

static bool mw_is_container(const quire_value *v)
{
    return v->type == QUIRE_VALUE_MAPPING || v->type == QUIRE_VALUE_SEQUENCE;
}

/* A whole value tree as the member `key`, depth-first without recursion:
 * the stack holds the containers entered so far. */
static int mw_value(mw_priv *w, const char *key, const quire_value *root)
{
    mw_json *j = &w->j;
    size_t n = 0;
    const quire_value *v = root;
    for (;;) {
        const char *k = key;
        if (n > 0)
            k = w->stack[n - 1]->type == QUIRE_VALUE_MAPPING ? (v->key ? v->key : "") : NULL;
        if (mw_is_container(v)) {
            char open = v->type == QUIRE_VALUE_MAPPING ? '{' : '[';
            mw_open(j, k, open);
            if (v->first) {
                if (!mw_push(w, n, v))
                    return QUIRE_ERR_NOMEM;
                n++;
                v = v->first;
                continue;
            }
            mw_close(j, open == '{' ? '}' : ']');
        } else {
            mw_scalar(w, k, v);
        }
        /* climb until a container has a next child */
        for (;;) {
            if (n == 0)
                return QUIRE_OK;
            if (v->next) {
                v = v->next;
                break;
            }
            v = w->stack[--n];
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

/* Flag bits and their names; the reader has the same table. */
static const struct { uint32_t bit; const char *name; } mw_flags[] = {
    {QUIRE_NODE_FLAG_ORDERED, "ordered"},
    {QUIRE_NODE_FLAG_TIGHT, "tight"},
    {QUIRE_NODE_FLAG_TASK, "task"},
    {QUIRE_NODE_FLAG_CHECKED, "checked"},
    {QUIRE_NODE_FLAG_HEADER, "header"},
};

/* Opens the node's object and writes its own fields (not its children),
 * all on one line. */
static void mw_node_fields(mw_json *j, const char *key, const quire_node *n)
{
    mw_open(j, key, '{');
    j->flat = true;
    mw_str(j, "type", quire_node_type_name(n->type));
    mw_int(j, "line", n->line);
    mw_int(j, "column", n->column);
    uint32_t rest = n->flags;
    for (size_t i = 0; i < sizeof mw_flags / sizeof mw_flags[0]; i++) {
        if (n->flags & mw_flags[i].bit) {
            mw_bool(j, mw_flags[i].name, true);
            rest &= ~mw_flags[i].bit;
        }
    }
    if (rest) /* bits quire does not name yet: kept as a number */
        mw_int(j, "flags", rest);
    if (n->level)
        mw_int(j, "level", n->level);
    mw_str(j, "literal", n->literal);
    mw_str(j, "url", n->url);
    mw_str(j, "title", n->title);
    mw_str(j, "info", n->info);
    mw_str(j, "name", n->name);
    if (n->attrs) {
        mw_open(j, "attrs", '[');
        for (const quire_attr *a = n->attrs; a; a = a->next) {
            mw_open(j, NULL, '[');
            mw_str(j, NULL, a->name ? a->name : "");
            mw_str(j, NULL, a->value ? a->value : "");
            mw_close(j, ']');
        }
        mw_close(j, ']');
    }
    if (n->width)
        mw_int(j, "width", n->width);
    if (n->height)
        mw_int(j, "height", n->height);
    mw_str(j, "align", mw_align_name(n->align));
    mw_str(j, "embed_kind", mw_embed_name(n->embed_kind));
}

static int mw_flush(mw_priv *w, bool force)
{
    if (w->buf.oom)
        return QUIRE_ERR_NOMEM;
    if (!force && w->buf.len < MW_FLUSH)
        return QUIRE_OK;
    int rc = w->buf.len ? quire_sink_write(w->ctx->out, w->buf.data, w->buf.len) : QUIRE_OK;
    quire__buf_reset(&w->buf);
    return rc;
}

static int mw_body(mw_priv *w, const quire_node *root)
{
    mw_json *j = &w->j;
    quire_iter it;
    quire_node *n;
    quire_event ev;
    int rc = QUIRE_OK;
    quire_iter_init(&it, (quire_node *)root);
    while (rc == QUIRE_OK && (ev = quire_iter_next(&it, &n)) != QUIRE_EVENT_DONE) {
        bool leaf = quire_node_is_leaf(n);
        if (ev == QUIRE_EVENT_ENTER) {
            /* One node per line: its fields flat, each child on a line of
             * its own, closing brackets right after the last child. */
            mw_node_fields(j, n == root ? "body" : NULL, n);
            if (leaf) /* a leaf gets no EXIT event */
                mw_close(j, '}');
            else if (n->first_child)
                mw_open(j, "children", '[');
            j->flat = false;
        } else {
            j->flat = true;
            if (n->first_child)
                mw_close(j, ']');
            mw_close(j, '}');
            j->flat = false;
        }
        rc = mw_flush(w, false);
    }
    return rc;
}

/* ------------------------------------------------------------ documents */

static void mw_authors(mw_json *j, const quire_author *a, size_t n)
{
    if (!n)
        return;
    mw_open(j, "authors", '[');
    for (size_t i = 0; i < n; i++) {
        mw_open(j, NULL, '{');
        mw_str(j, "name", a[i].name);
        mw_str(j, "url", a[i].url);
        mw_str(j, "email", a[i].email);
        mw_str(j, "avatar", a[i].avatar);
        mw_close(j, '}');
    }
    mw_close(j, ']');
}

static void mw_strlist(mw_json *j, const char *key, const quire_strlist *l)
{
    if (!l->count)
        return;
    mw_open(j, key, '[');
    for (size_t i = 0; i < l->count; i++)
        mw_str(j, NULL, l->items[i] ? l->items[i] : "");
    mw_close(j, ']');
}

static void mw_date(mw_json *j, const char *key, const quire_date *d)
{
    char buf[48];
    if (d->set)
        mw_str(j, key, quire_date_iso(d, buf));
}

static int mw_document(mw_priv *w, const quire_document *d)
{
    mw_json *j = &w->j;
    int rc = QUIRE_OK;
    mw_open(j, NULL, '{');
    mw_str(j, "id", d->id);
    mw_str(j, "slug", d->slug);
    mw_str(j, "source_path", d->source_path);
    mw_str(j, "format", d->format);
    mw_str(j, "title", d->title);
    mw_str(j, "subtitle", d->subtitle);
    mw_str(j, "summary", d->summary);
    mw_str(j, "language", d->language);
    mw_str(j, "url", d->url);
    mw_str(j, "external_url", d->external_url);
    mw_authors(j, d->authors, d->n_authors);
    mw_date(j, "published", &d->published);
    mw_date(j, "modified", &d->modified);
    mw_strlist(j, "tags", &d->tags);
    mw_strlist(j, "categories", &d->categories);
    const quire_image *im = &d->image;
    if (im->src || im->alt || im->width || im->height) {
        mw_open(j, "image", '{');
        mw_str(j, "src", im->src);
        mw_str(j, "alt", im->alt);
        if (im->width)
            mw_int(j, "width", im->width);
        if (im->height)
            mw_int(j, "height", im->height);
        mw_close(j, '}');
    }
    mw_bool(j, "draft", d->draft);
    mw_int(j, "body_line", d->body_line);
    if (d->extra)
        rc = mw_value(w, "extra", d->extra);
    if (rc == QUIRE_OK && d->body)
        rc = mw_body(w, d->body);
    mw_close(j, '}');
    return rc;
}

static int mw_site(mw_priv *w, const quire_site *s)
{
    mw_json *j = &w->j;
    int rc = QUIRE_OK;
    mw_open(j, "site", '{');
    mw_str(j, "title", s->title);
    mw_str(j, "description", s->description);
    mw_str(j, "base_url", s->base_url);
    mw_str(j, "language", s->language);
    mw_str(j, "icon", s->icon);
    mw_str(j, "favicon", s->favicon);
    mw_str(j, "publisher", s->publisher);
    mw_str(j, "rights", s->rights);
    mw_str(j, "cover", s->cover);
    mw_authors(j, s->authors, s->n_authors);
    if (s->config)
        rc = mw_value(w, "config", s->config);
    mw_str(j, "config_dir", s->config_dir);
    mw_close(j, '}');
    return rc;
}

/* ------------------------------------------------------------ writer */

static int model_begin(quire_writer_ctx *ctx)
{
    mw_priv *w = ctx->priv;
    w->ctx = ctx;
    quire__buf_init(&w->buf);
    w->j.b = &w->buf;
    mw_open(&w->j, NULL, '{');
    mw_raw(&w->j, "quire_model", "1");
    int rc = mw_site(w, ctx->site);
    mw_open(&w->j, "documents", '[');
    return rc == QUIRE_OK ? mw_flush(w, true) : rc;
}

static int model_write_document(quire_writer_ctx *ctx, const quire_document *doc)
{
    mw_priv *w = ctx->priv;
    int rc = mw_document(w, doc);
    return rc == QUIRE_OK ? mw_flush(w, true) : rc;
}

static int model_end(quire_writer_ctx *ctx)
{
    mw_priv *w = ctx->priv;
    mw_close(&w->j, ']');
    mw_close(&w->j, '}');
    quire__buf_putc(&w->buf, '\n');
    return mw_flush(w, true);
}

static void model_close(quire_writer_ctx *ctx)
{
    mw_priv *w = ctx->priv;
    if (!w)
        return;
    quire__buf_free(&w->buf);
    free(w->stack);
    w->stack = NULL;
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
    .end = model_end,
    .close = model_close,
};
