/*
 * markdown.c — reader "markdown": YAML front matter + GitHub Flavored
 * Markdown (cmark-gfm), raw HTML included.
 *
 * How raw HTML becomes model nodes.  cmark-gfm hands inline HTML over in
 * fragments (`<i>`, then Markdown text, then `</i>`) and an HTML block may
 * open an element that a later block closes, so HTML cannot be parsed
 * fragment by fragment.  Two ways were weighed (see the design sketch): build the tree
 * from cmark's AST with an open-element stack fed by a tokenizer, or let
 * cmark-gfm render HTML (unsafe, with source positions) and parse that once
 * with libxml2.  We take the second:
 *   - one HTML-to-model converter (html_to_model.c) serves this reader and
 *     the html reader, so Markdown and HTML input give the same nodes;
 *   - libxml2 does all HTML error recovery (unclosed and misnested tags),
 *     which the first way would have to reimplement;
 *   - the converter runs on SAX events, straight into the arena, without an
 *     intermediate DOM, so the extra cost is one linear pass of the HTML
 *     parser over text cmark-gfm just wrote.
 * Positions survive the round trip: cmark's `data-sourcepos` gives every
 * Markdown block its line and column, and a marker comment placed before
 * each raw HTML block lets elements inside raw HTML get theirs too.
 */
#include "frontmatter.h"
#include "html_to_model.h"

#include <cmark-gfm-core-extensions.h>
#include <cmark-gfm.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MD_COMPONENT "markdown"

/* tagfilter is left out on purpose: it would turn <iframe> into text, and
 * what survives is the sanitize and embeds filters' decision. */
static const char *const md_extensions[] = {"table", "strikethrough", "autolink", "tasklist"};

static pthread_once_t md_once = PTHREAD_ONCE_INIT;

static void md_init(void)
{
    /* The extension registry is global in cmark-gfm: fill it once. */
    cmark_gfm_core_extensions_ensure_registered();
}

/* ------------------------------------------------------------ front matter */

typedef struct md_split {
    bool has_fm;
    const char *yaml;      /* between the delimiters */
    size_t yaml_len;
    const char *body;
    size_t body_len;
    uint32_t body_offset;  /* lines before the body */
} md_split;

/* Length of a delimiter line ("---" or "..." plus blanks, then \n, \r\n or
 * end of input) at p, 0 when p does not start one. */
static size_t md_delim_line(const char *p, const char *end, bool closing)
{
    if (end - p < 3)
        return 0;
    if (memcmp(p, "---", 3) != 0 && !(closing && memcmp(p, "...", 3) == 0))
        return 0;
    const char *q = p + 3;
    while (q < end && (*q == ' ' || *q == '\t'))
        q++;
    if (q < end && *q == '\r')
        q++;
    if (q < end && *q != '\n')
        return 0;
    return (size_t)(q - p) + (q < end ? 1 : 0);
}

static size_t md_count_lines(const char *s, const char *end)
{
    size_t n = 0;
    while (s < end && (s = memchr(s, '\n', (size_t)(end - s))) != NULL) {
        n++;
        s++;
    }
    return n;
}

static int md_split_front_matter(md_split *out, const quire_read_ctx *ctx, const char *data,
                                 size_t len)
{
    const char *p = data, *end = data + len;
    if (len >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0)
        p += 3;
    *out = (md_split){false, NULL, 0, p, (size_t)(end - p), 0};
    size_t open = md_delim_line(p, end, false);
    if (!open || (p + open == end && p[open - 1] != '\n'))
        return QUIRE_OK; /* a lone "---" is a thematic break, not front matter */
    const char *yaml = p + open, *line = yaml;
    while (line < end) {
        size_t close = md_delim_line(line, end, true);
        if (close) {
            out->has_fm = true;
            out->yaml = yaml;
            out->yaml_len = (size_t)(line - yaml);
            out->body = line + close;
            out->body_len = (size_t)(end - out->body);
            out->body_offset = (uint32_t)md_count_lines(data, out->body);
            if (out->body == end && end[-1] != '\n')
                out->body_offset++; /* closing line without a newline */
            return QUIRE_OK;
        }
        const char *nl = memchr(line, '\n', (size_t)(end - line));
        line = nl ? nl + 1 : end;
    }
    quire_diag_add(ctx->diags, QUIRE_SEV_ERROR, MD_COMPONENT, ctx->path, 1, 1,
                   "front matter opened with '---' on line 1 is never closed "
                   "(expected a line '---' or '...')");
    return QUIRE_ERR_PARSE;
}

/* ------------------------------------------------------------------- body */

/* Block containers that can hold an HTML block; everything else (leaf
 * blocks, tables) only holds inlines, which the walk below skips. */
static bool md_holds_blocks(cmark_node *n)
{
    switch (cmark_node_get_type(n)) {
    case CMARK_NODE_DOCUMENT:
    case CMARK_NODE_BLOCK_QUOTE:
    case CMARK_NODE_LIST:
    case CMARK_NODE_ITEM:
    case CMARK_NODE_FOOTNOTE_DEFINITION:
        return true;
    default:
        return false;
    }
}

/* Put a marker comment before every raw HTML block, so that the HTML
 * converter knows where in the source each one starts (cmark writes no
 * data-sourcepos for raw HTML).  The walk visits blocks only, through
 * parent links: no recursion, and no visit of the (many more) inlines. */
static bool md_mark_html_blocks(cmark_node *root)
{
    cmark_node *n = cmark_node_first_child(root);
    while (n) {
        cmark_node *next_up;
        if (cmark_node_get_type(n) == CMARK_NODE_HTML_BLOCK) {
            char lit[64];
            snprintf(lit, sizeof lit, "<!--" QUIRE__H2M_POS_MARK "%d:%d-->\n",
                     cmark_node_get_start_line(n), cmark_node_get_start_column(n));
            cmark_node *mark = cmark_node_new(CMARK_NODE_HTML_BLOCK);
            if (!mark || !cmark_node_set_literal(mark, lit) ||
                !cmark_node_insert_before(n, mark)) {
                if (mark)
                    cmark_node_free(mark);
                return false;
            }
        } else if (md_holds_blocks(n) && cmark_node_first_child(n)) {
            n = cmark_node_first_child(n);
            continue;
        }
        /* next sibling, or the next sibling of the nearest ancestor */
        next_up = n;
        while (next_up && next_up != root && !cmark_node_next(next_up))
            next_up = cmark_node_parent(next_up);
        n = next_up && next_up != root ? cmark_node_next(next_up) : NULL;
    }
    return true;
}

static int md_body(quire_document *doc, const char *body, size_t len, uint32_t line_offset,
                   const quire_read_ctx *ctx)
{
    pthread_once(&md_once, md_init);
    const int opts = CMARK_OPT_UNSAFE | CMARK_OPT_SOURCEPOS | CMARK_OPT_FOOTNOTES;
    int rc = QUIRE_OK;
    char *html = NULL;
    cmark_node *root = NULL;
    cmark_parser *parser = cmark_parser_new(opts);
    if (!parser)
        return QUIRE_ERR_NOMEM;
    for (size_t i = 0; i < sizeof md_extensions / sizeof *md_extensions; i++) {
        cmark_syntax_extension *ext = cmark_find_syntax_extension(md_extensions[i]);
        if (ext)
            cmark_parser_attach_syntax_extension(parser, ext);
    }
    cmark_parser_feed(parser, body, len);
    root = cmark_parser_finish(parser);
    if (!root || !md_mark_html_blocks(root)) {
        rc = QUIRE_ERR_NOMEM;
        goto done;
    }
    html = cmark_render_html(root, opts, cmark_parser_get_syntax_extensions(parser));
    if (!html) {
        rc = QUIRE_ERR_NOMEM;
        goto done;
    }
    rc = quire__html_to_model(doc, doc->body, html, strlen(html), line_offset,
                              QUIRE__H2M_CMARK, ctx, MD_COMPONENT);
done:
    if (html)
        cmark_get_default_mem_allocator()->free(html);
    if (root)
        cmark_node_free(root);
    cmark_parser_free(parser);
    return rc;
}

/* ------------------------------------------------------------------ reader */

static const char *md_value_kind(const quire_value *v)
{
    switch (v->type) {
    case QUIRE_VALUE_SEQUENCE: return "a list";
    case QUIRE_VALUE_STRING: return "a string";
    case QUIRE_VALUE_NUMBER: return "a number";
    case QUIRE_VALUE_BOOL: return "a boolean";
    default: return "something else";
    }
}

static int md_read_utf8(const quire_read_ctx *ctx, const char *data, size_t len,
                        quire_collection *into)
{
    md_split sp;
    int rc = md_split_front_matter(&sp, ctx, data, len);
    if (rc != QUIRE_OK)
        return rc;
    quire_document *doc = quire_document_new();
    if (!doc)
        return QUIRE_ERR_NOMEM;

    /* BODY_ONLY (the build's second pass): the metadata was read in the
     * first pass; parsing it again would cost time and repeat warnings. */
    bool want_meta = !(ctx->flags & QUIRE_READ_BODY_ONLY);
    bool want_extra = want_meta || (ctx->flags & QUIRE_READ_EXTRA);
    if (sp.has_fm && want_extra) {
        quire_value *meta = NULL;
        /* the YAML starts on line 2: one line (the opening ---) before it */
        rc = quire__yaml_parse(&meta, doc->arena, sp.yaml, sp.yaml_len, 1, ctx, MD_COMPONENT);
        if (rc != QUIRE_OK)
            goto fail;
        if (meta && meta->type != QUIRE_VALUE_MAPPING) {
            quire_diag_add(ctx->diags, QUIRE_SEV_ERROR, MD_COMPONENT, ctx->path, meta->line,
                           meta->column, "front matter must be a mapping of keys, not %s",
                           md_value_kind(meta));
            rc = QUIRE_ERR_PARSE;
            goto fail;
        }
        doc->extra = meta ? meta : quire_value_new(doc->arena, QUIRE_VALUE_MAPPING);
    }

    doc->format = MD_COMPONENT;
    doc->source_path = quire_arena_strdup(doc->arena, ctx->path ? ctx->path : "-");
    doc->body_line = sp.body_offset + 1;
    doc->body = quire_node_new(doc->arena, QUIRE_NODE_ROOT, doc->body_line, 1);
    if (!doc->body || !doc->source_path) {
        rc = QUIRE_ERR_NOMEM;
        goto fail;
    }
    if (want_meta)
        quire__fm_apply(doc, doc->extra, ctx, MD_COMPONENT);
    /* HEADER_ONLY (the first pass) skips the body when the metadata is
     * complete without it: the title is the one field a body can supply. */
    if ((ctx->flags & QUIRE_READ_HEADER_ONLY) && doc->title && *doc->title)
        doc->body_deferred = true;
    else
        rc = md_body(doc, sp.body, sp.body_len, sp.body_offset, ctx);
    if (rc != QUIRE_OK)
        goto fail;
    if (want_meta)
        quire__doc_identity(doc, ctx);
    rc = quire_collection_add(into, doc);
    if (rc != QUIRE_OK)
        goto fail;
    return QUIRE_OK;

fail:
    quire_document_free(doc);
    return rc;
}

/* ------------------------------------------------------------------- probe */

static bool md_ext_is(const char *path, const char *ext)
{
    const char *dot = path ? strrchr(path, '.') : NULL;
    return dot && !strchr(dot, '/') && strcasecmp(dot + 1, ext) == 0;
}

/* A front matter line: `key:` with a plain or quoted key. */
static bool md_is_key_line(const char *p, const char *end)
{
    const char *q = p;
    if (q < end && (*q == '"' || *q == '\'')) {
        char quote = *q++;
        const char *k = q;
        while (q < end && *q != quote && *q != '\n')
            q++;
        if (q == k || q >= end || *q != quote)
            return false;
        q++;
    } else {
        const char *k = q;
        while (q < end && *q != ':' && *q != '\n' && *q != ' ' && *q != '#')
            q++;
        if (q == k)
            return false;
    }
    while (q < end && *q == ' ')
        q++;
    return q < end && *q == ':';
}

/* Markdown-ish line starts: headings, lists, quotes, fences, links. */
/* Latin-1 files, stray bytes, NUL: decoded once here with a warning
 * (src/core/encoding.c), so that the front matter parser and cmark only ever
 * see UTF-8 and nothing is dropped silently. */
static int md_read(const quire_read_ctx *ctx, const char *data, size_t len,
                   quire_collection *into)
{
    char *clean = NULL;
    size_t clean_len = 0;
    int rc = quire__text_to_utf8(ctx, MD_COMPONENT, data, len, &clean, &clean_len);
    if (rc != QUIRE_OK)
        return rc;
    rc = clean ? md_read_utf8(ctx, clean, clean_len, into) : md_read_utf8(ctx, data, len, into);
    free(clean);
    return rc;
}

static int md_markdown_signals(const char *p, const char *end)
{
    int score = 0;
    for (const char *line = p; line < end && score < 4;) {
        const char *nl = memchr(line, '\n', (size_t)(end - line));
        const char *le = nl ? nl : end;
        size_t n = (size_t)(le - line);
        if ((n > 2 && line[0] == '#' && (line[1] == ' ' || line[1] == '#')) ||
            (n > 2 && (line[0] == '-' || line[0] == '*' || line[0] == '>') && line[1] == ' ') ||
            (n >= 3 && memcmp(line, "```", 3) == 0))
            score++;
        const char *br = memchr(line, ']', n);
        if (br && br + 1 < le && br[1] == '(')
            score++;
        line = nl ? nl + 1 : end;
    }
    return score;
}

static int md_probe(const char *path, const char *data, size_t len)
{
    const char *p = data, *end = data + len;
    if (len >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0)
        p += 3;
    size_t open = md_delim_line(p, end, false);
    if (open && p + open < end) {
        const char *line = p + open;
        while (line < end && (*line == '\n' || *line == '\r' || *line == '#')) {
            const char *nl = memchr(line, '\n', (size_t)(end - line));
            line = nl ? nl + 1 : end; /* skip blank and comment lines */
        }
        if (md_is_key_line(line, end))
            return 85;
    }
    if (md_ext_is(path, "md") || md_ext_is(path, "markdown"))
        return 60;
    int signals = md_markdown_signals(p, end);
    if (md_ext_is(path, "txt"))
        return signals ? 40 : 25;
    return signals >= 2 ? 30 : 0;
}

const quire_reader quire_reader_markdown = {
    .version = QUIRE_COMPONENT_VERSION,
    .name = "markdown",
    .long_name = "Markdown with YAML front matter (GFM)",
    .extensions = "md,markdown,txt",
    .mime_type = "text/markdown",
    .probe = md_probe,
    .read = md_read,
};
