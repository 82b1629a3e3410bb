/*
 * jsonfeed.c — writer "jsonfeed": JSON Feed 1.1 (https://jsonfeed.org/version/1.1).
 *
 * Every field the model can fill:
 *   feed: version, title (+ title_suffix), home_page_url, feed_url,
 *         description, icon, favicon, authors, language, items;
 *   item: id, url, external_url, title, content_html (or content_text when
 *         the body renders to no HTML), summary, image, date_published,
 *         date_modified, authors, tags, language.
 *
 * Rules kept here, not left to the filters, because a feed that breaks them
 * is rejected or misread by feed readers:
 *   - Never a relative URL.  A URL field that is not absolute http(s) is
 *     resolved against the item's permalink or the site's base_url, or left
 *     out when there is nothing to resolve against.  Links and images inside
 *     content_html get the same treatment on a copy of the body (the
 *     absolute-urls filter normally did it already; then no copy is made);
 *     a link that cannot be made absolute keeps its text and loses its
 *     <a>, an image becomes its alt text.
 *   - home_page_url and feed_url are always written (feed checkers expect
 *     both).  Without base_url they fall back to JF_FALLBACK_BASE
 *     ("https://example.org/", a reserved example domain, RFC 2606) plus the
 *     output's own path: a placeholder that validates and is obviously not
 *     a real site; set base_url in quire.yaml or --base-url for real feeds.
 *     (quire build defaults base_url the same way.)
 *   - Strings are valid UTF-8 without the characters XML 1.0 forbids
 *     (quire__xml_clean), so the same content can go into RSS and Atom.
 *   - tags: the document's tags followed by its categories, each once, in
 *     that order (JSON Feed has a single list; categories are tags to a
 *     feed reader).
 *   - Authors are objects with at least one of name, url, avatar: an author
 *     with only an email (JSON Feed has no email field) is left out.
 *   - Item ids are unique: a document whose id was already written is
 *     skipped with a warning (the dedupe filter is the place to choose which
 *     one stays).
 *
 * Output: the bytes cJSON_Print() would give for the whole feed (tab
 * indentation, keys in the order above), but streamed: the header goes out
 * at begin, each item is built as a cJSON tree, printed, written and freed
 * at write_document, and the closing brackets at end.  What stays in memory
 * between items is the set of 64-bit hashes of the ids written (8 bytes
 * per item, for the uniqueness rule above).  No clock is read: output is
 * byte-identical between runs.
 *
 * Ownership: priv owns an arena (feed-level strings) and the id set; close
 * frees both.  Each item uses its own arena, freed when the item is written.
 */
#include "internal.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define JF_VERSION "https://jsonfeed.org/version/1.1"
#define JF_FALLBACK_BASE "https://example.org/"

typedef struct jf_priv {
    quire_arena *arena;     /* feed-lifetime strings */
    const char *base;       /* the site's base_url when absolute http(s), else NULL */
    size_t items;           /* items written so far */
    uint64_t *ids;          /* open-addressing set of id hashes (0 = empty) */
    size_t ids_cap, ids_count;
} jf_priv;

/* ------------------------------------------------------------ URLs */

/* Absolute http(s) URL with a host: what feed readers can follow. */
static bool jf_is_http(const char *s)
{
    if (!s)
        return false;
    size_t n = strncasecmp(s, "https://", 8) == 0 ? 8 : strncasecmp(s, "http://", 7) == 0 ? 7 : 0;
    return n && s[n] && s[n] != '/' && s[n] != '?' && s[n] != '#';
}

/* s as an absolute http(s) URL: itself, or resolved against base; NULL when
 * neither works (another scheme such as mailto:, or no base). */
static const char *jf_url(quire_arena *a, const char *base, const char *s)
{
    if (!s || !*s)
        return NULL;
    if (jf_is_http(s))
        return quire__xml_clean(a, s);
    if (!base || quire__url_has_scheme(s))
        return NULL;
    const char *r = quire__url_resolve(a, base, s);
    return jf_is_http(r) ? quire__xml_clean(a, r) : NULL;
}

/* A URL inside content: fine when it has a scheme (mailto:, https:) or is a
 * fragment; else it must be resolved (NULL: it cannot be). */
static const char *jf_content_url(quire_arena *a, const char *base, const char *s)
{
    if (!s)
        return NULL;
    if (s[0] == '#' && s[1])
        return s;
    if (quire__url_has_scheme(s))
        return s;
    if (!*s || !base)
        return NULL;
    const char *r = quire__url_resolve(a, base, s);
    return quire__url_has_scheme(r) ? r : NULL;
}

static bool jf_content_url_ok(const char *s)
{
    return s && ((s[0] == '#' && s[1]) || quire__url_has_scheme(s));
}

/* Attributes that hold one URL, on any element. */
static bool jf_url_attr(const char *name)
{
    static const char *const names[] = {"href", "src", "poster", "cite", "action",
                                        "formaction", "background", "longdesc", "data", NULL};
    for (size_t i = 0; names[i]; i++)
        if (strcmp(name, names[i]) == 0)
            return true;
    return false;
}

/* srcset "url 1x, url 2x" with every candidate made absolute, or NULL. */
static const char *jf_srcset(quire_arena *a, const char *base, const char *v)
{
    quire_buf b;
    quire__buf_init(&b);
    const char *p = v, *result = NULL;
    bool ok = true;
    while (ok && *p) {
        while (*p == ' ' || *p == ',' || *p == '\t' || *p == '\n')
            p++;
        if (!*p)
            break;
        size_t n = strcspn(p, " \t\n,");
        char *url = quire_arena_strndup(a, p, n);
        const char *abs = jf_content_url(a, base, url);
        p += n;
        size_t d = strcspn(p, ",");
        if (!abs) {
            ok = false;
            break;
        }
        if (b.len)
            quire__buf_puts(&b, ", ");
        quire__buf_puts(&b, abs);
        quire__buf_put(&b, p, d);
        p += d;
    }
    if (ok && b.len && !b.oom)
        result = quire_arena_strdup(a, quire__buf_cstr(&b));
    quire__buf_free(&b);
    return result;
}

static bool jf_node_needs_fix(const quire_node *n)
{
    switch (n->type) {
    case QUIRE_NODE_LINK:
    case QUIRE_NODE_IMAGE:
    case QUIRE_NODE_EMBED:
        if (!jf_content_url_ok(n->url))
            return true;
        break;
    default:
        break;
    }
    for (const quire_attr *at = n->attrs; at; at = at->next)
        if ((jf_url_attr(at->name) && !jf_content_url_ok(at->value)) ||
            strcmp(at->name, "srcset") == 0)
            return true;
    return false;
}

/* Rewrites the URLs of one node of a private copy of the body. */
static void jf_fix_node(quire_arena *a, const char *base, quire_node *n)
{
    if (n->type == QUIRE_NODE_LINK || n->type == QUIRE_NODE_IMAGE || n->type == QUIRE_NODE_EMBED) {
        const char *u = jf_content_url(a, base, n->url);
        if (u) {
            n->url = u;
        } else if (n->type == QUIRE_NODE_IMAGE) {
            n->type = QUIRE_NODE_TEXT; /* its alt text, already in literal */
            n->attrs = NULL;
            if (!n->literal)
                n->literal = "";
            return;
        } else {
            /* No element: the renderer writes only the children. */
            n->type = n->type == QUIRE_NODE_LINK ? QUIRE_NODE_HTML_INLINE : QUIRE_NODE_HTML_BLOCK;
            n->name = NULL;
            n->attrs = NULL;
            return;
        }
    }
    for (quire_attr **pp = &n->attrs; *pp;) {
        quire_attr *at = *pp;
        const char *v = at->value;
        if (strcmp(at->name, "srcset") == 0)
            v = jf_srcset(a, base, at->value);
        else if (jf_url_attr(at->name))
            v = jf_content_url(a, base, at->value);
        if (!v) {
            *pp = at->next; /* drop an attribute that cannot be made absolute */
            continue;
        }
        at->value = v;
        pp = &at->next;
    }
}

/* The body to render: the document's own when every URL in it is already
 * absolute, else a copy in `a` with URLs resolved against base. */
static const quire_node *jf_body(quire_arena *a, const char *base, const quire_node *body)
{
    quire_iter it;
    quire_node *n;
    quire_event ev;
    bool needs = false;
    quire_iter_init(&it, (quire_node *)body);
    while (!needs && (ev = quire_iter_next(&it, &n)) != QUIRE_EVENT_DONE)
        needs = ev == QUIRE_EVENT_ENTER && jf_node_needs_fix(n);
    if (!needs)
        return body;
    quire_node *copy = quire_node_clone(a, body);
    if (!copy)
        return NULL;
    quire_iter_init(&it, copy);
    while ((ev = quire_iter_next(&it, &n)) != QUIRE_EVENT_DONE)
        if (ev == QUIRE_EVENT_ENTER)
            jf_fix_node(a, base, n);
    return copy;
}

/* ------------------------------------------------------------ JSON helpers */

/* A string member, cleaned for XML; left out when NULL or empty. */
static void jf_add_str(quire_arena *a, cJSON *obj, const char *key, const char *s)
{
    if (s && *s)
        cJSON_AddStringToObject(obj, key, quire__xml_clean(a, s));
}

static void jf_add_url(quire_arena *a, cJSON *obj, const char *key, const char *base,
                       const char *s)
{
    const char *u = jf_url(a, base, s);
    if (u)
        cJSON_AddStringToObject(obj, key, u);
}

/* authors: objects with at least one of name, url, avatar; the key is left
 * out when none qualifies (an empty array is invalid JSON Feed). */
static void jf_add_authors(quire_arena *a, cJSON *obj, const char *base,
                           const quire_author *authors, size_t n)
{
    cJSON *arr = NULL;
    for (size_t i = 0; i < n; i++) {
        cJSON *o = cJSON_CreateObject();
        if (!o)
            break;
        jf_add_str(a, o, "name", authors[i].name);
        jf_add_url(a, o, "url", base, authors[i].url);
        jf_add_url(a, o, "avatar", base, authors[i].avatar);
        if (!o->child) {
            cJSON_Delete(o);
            continue;
        }
        if (!arr && !(arr = cJSON_AddArrayToObject(obj, "authors"))) {
            cJSON_Delete(o);
            break;
        }
        cJSON_AddItemToArray(arr, o);
    }
}

static void jf_add_date(cJSON *obj, const char *key, const quire_date *d)
{
    char buf[40];
    if (d->set)
        cJSON_AddStringToObject(obj, key, quire_date_rfc3339(d, buf));
}

/* tags then categories, each string once (after cleaning), in order. */
static void jf_add_tags(quire_arena *a, cJSON *obj, const quire_document *d)
{
    const quire_strlist *lists[2] = {&d->tags, &d->categories};
    quire_strlist seen = {0};
    for (size_t l = 0; l < 2; l++)
        for (size_t i = 0; i < lists[l]->count; i++)
            quire_strlist_add(a, &seen, quire__xml_clean(a, lists[l]->items[i]));
    if (!seen.count)
        return;
    cJSON *arr = cJSON_AddArrayToObject(obj, "tags");
    for (size_t i = 0; arr && i < seen.count; i++)
        cJSON_AddItemToArray(arr, cJSON_CreateString(seen.items[i]));
}

/* Prints item (or the header) and writes it, re-indented by `indent` tabs
 * so that the streamed file equals cJSON_Print of the whole feed.  The
 * newlines in cJSON's output are all formatting: newlines inside strings
 * are escaped. */
static int jf_emit(quire_sink *out, const cJSON *item, int indent, size_t drop_tail)
{
    char *text = cJSON_Print(item);
    if (!text)
        return QUIRE_ERR_NOMEM;
    size_t len = strlen(text) - drop_tail;
    quire_buf b;
    quire__buf_init(&b);
    size_t run = 0;
    for (size_t i = 0; i < len; i++) {
        if (text[i] != '\n')
            continue;
        quire__buf_put(&b, text + run, i + 1 - run);
        for (int k = 0; k < indent; k++)
            quire__buf_putc(&b, '\t');
        run = i + 1;
    }
    quire__buf_put(&b, text + run, len - run);
    cJSON_free(text);
    int rc = b.oom ? QUIRE_ERR_NOMEM : quire_sink_write(out, b.data, b.len);
    quire__buf_free(&b);
    return rc;
}

/* True when the id was not written before (and remembers it). */
static bool jf_id_new(jf_priv *p, const char *id)
{
    uint64_t h = quire__fnv1a64(id, strlen(id), 0);
    if (!h)
        h = 1;
    if (p->ids_count * 2 >= p->ids_cap) {
        size_t cap = p->ids_cap ? p->ids_cap * 2 : 256;
        uint64_t *t = calloc(cap, sizeof *t);
        if (!t)
            return true; /* no memory for the check: write rather than lose it */
        for (size_t i = 0; i < p->ids_cap; i++) {
            if (!p->ids[i])
                continue;
            size_t j = p->ids[i] & (cap - 1);
            while (t[j])
                j = (j + 1) & (cap - 1);
            t[j] = p->ids[i];
        }
        free(p->ids);
        p->ids = t;
        p->ids_cap = cap;
    }
    size_t j = h & (p->ids_cap - 1);
    while (p->ids[j]) {
        if (p->ids[j] == h)
            return false;
        j = (j + 1) & (p->ids_cap - 1);
    }
    p->ids[j] = h;
    p->ids_count++;
    return true;
}

/* ------------------------------------------------------------ writer */

static int jsonfeed_begin(quire_writer_ctx *ctx)
{
    jf_priv *p = ctx->priv;
    const quire_site *s = ctx->site;
    if (!(p->arena = quire_arena_new()))
        return QUIRE_ERR_NOMEM;
    quire_arena *a = p->arena;
    p->base = jf_is_http(s->base_url) ? s->base_url : NULL;
    const char *home = p->base ? p->base : JF_FALLBACK_BASE;
    const char *feed_url = jf_is_http(ctx->self_url) ? ctx->self_url : NULL;
    if (!feed_url)
        feed_url = jf_url(a, home, ctx->self_path ? ctx->self_path : "feed.json");
    if (!feed_url)
        feed_url = quire_arena_printf(a, "%sfeed.json", home);

    cJSON *feed = cJSON_CreateObject();
    if (!feed)
        return QUIRE_ERR_NOMEM;
    cJSON_AddStringToObject(feed, "version", JF_VERSION);
    const char *title = s->title && *s->title ? s->title : "Untitled";
    if (ctx->title_suffix)
        title = quire_arena_printf(a, "%s%s", title, ctx->title_suffix);
    cJSON_AddStringToObject(feed, "title", quire__xml_clean(a, title));
    cJSON_AddStringToObject(feed, "home_page_url", quire__xml_clean(a, home));
    cJSON_AddStringToObject(feed, "feed_url", quire__xml_clean(a, feed_url));
    jf_add_str(a, feed, "description", s->description);
    jf_add_url(a, feed, "icon", p->base, s->icon);
    jf_add_url(a, feed, "favicon", p->base, s->favicon);
    jf_add_authors(a, feed, p->base, s->authors, s->n_authors);
    jf_add_str(a, feed, "language", s->language);
    /* The header is the feed object without its closing "\n}": items
     * follow as the last member. */
    int rc = jf_emit(ctx->out, feed, 0, 2);
    cJSON_Delete(feed);
    if (rc == QUIRE_OK)
        rc = quire_sink_puts(ctx->out, ",\n\t\"items\":\t[");
    return rc;
}

/* The item object for one document; NULL when out of memory. */
static cJSON *jf_item(quire_writer_ctx *ctx, quire_arena *a, const quire_document *d)
{
    jf_priv *p = ctx->priv;
    const char *url = jf_url(a, p->base, d->url);
    if (!url && p->base && d->slug && *d->slug) /* where the html writer puts the page */
        url = jf_url(a, p->base, quire_arena_printf(a, "%s/", d->slug));
    const char *base = url ? url : p->base;

    cJSON *it = cJSON_CreateObject();
    if (!it)
        return NULL;
    const char *id = d->id && *d->id ? d->id : url ? url : d->source_path;
    cJSON_AddStringToObject(it, "id", quire__xml_clean(a, id ? id : ""));
    if (url)
        cJSON_AddStringToObject(it, "url", url);
    jf_add_url(a, it, "external_url", base, d->external_url);
    jf_add_str(a, it, "title", d->title);

    quire_buf b;
    quire__buf_init(&b);
    const quire_node *body = d->body ? jf_body(a, base, d->body) : NULL;
    if (body) {
        static const quire_render_opts ro = {.escape_quotes = true};
        quire__render_html(&b, body, &ro);
    }
    if (b.len) {
        cJSON_AddStringToObject(it, "content_html", quire__xml_clean(a, quire__buf_cstr(&b)));
    } else {
        /* No HTML at all: content_text is required, even if empty. */
        quire__buf_reset(&b);
        if (d->body)
            quire__render_text(&b, d->body);
        const char *text = b.len ? quire__buf_cstr(&b) : d->summary ? d->summary : "";
        cJSON_AddStringToObject(it, "content_text", quire__xml_clean(a, text));
    }
    quire__buf_free(&b);
    jf_add_str(a, it, "summary", d->summary);
    jf_add_url(a, it, "image", base, d->image.src);
    jf_add_date(it, "date_published", &d->published);
    jf_add_date(it, "date_modified", &d->modified);
    jf_add_authors(a, it, base, d->authors, d->n_authors);
    jf_add_tags(a, it, d);
    jf_add_str(a, it, "language", d->language);
    return it;
}

static int jsonfeed_write_document(quire_writer_ctx *ctx, const quire_document *d)
{
    jf_priv *p = ctx->priv;
    quire_arena *a = quire_arena_new();
    if (!a)
        return QUIRE_ERR_NOMEM;
    int rc = QUIRE_OK;
    cJSON *it = jf_item(ctx, a, d);
    const cJSON *id = it ? cJSON_GetObjectItemCaseSensitive(it, "id") : NULL;
    if (!id || !cJSON_IsString(id)) {
        rc = QUIRE_ERR_NOMEM;
    } else if (!jf_id_new(p, id->valuestring)) {
        quire_diag_add(ctx->diags, QUIRE_SEV_WARNING, "jsonfeed", d->source_path, 0, 0,
                       "duplicate id '%.80s': document left out of the feed", d->id);
    } else {
        rc = quire_sink_puts(ctx->out, p->items ? ", " : "");
        if (rc == QUIRE_OK)
            rc = jf_emit(ctx->out, it, 2, 0);
        p->items++;
    }
    cJSON_Delete(it);
    quire_arena_free(a);
    return rc;
}

static int jsonfeed_end(quire_writer_ctx *ctx)
{
    return quire_sink_puts(ctx->out, "]\n}\n");
}

static void jsonfeed_close(quire_writer_ctx *ctx)
{
    jf_priv *p = ctx->priv;
    if (!p)
        return;
    quire_arena_free(p->arena);
    free(p->ids);
    p->arena = NULL;
    p->ids = NULL;
}

const quire_writer quire_writer_jsonfeed = {
    .version = QUIRE_COMPONENT_VERSION,
    .name = "jsonfeed",
    .long_name = "JSON Feed 1.1",
    .extension = "feed.json",
    .mime_type = "application/feed+json",
    .flags = 0,
    .default_filters = "absolute-urls,embeds",
    .priv_size = sizeof(jf_priv),
    .begin = jsonfeed_begin,
    .write_document = jsonfeed_write_document,
    .end = jsonfeed_end,
    .close = jsonfeed_close,
};
