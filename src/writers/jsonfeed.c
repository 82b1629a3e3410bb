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
 * The mapping from a document to an item is feed_common.c's, shared with
 * the rss and atom writers, so that the three feeds show the same items
 * with the same ids, links, titles, dates, authors, tags, summaries and
 * content (tests/feeds/conformance.py compares them).  In short:
 *   - Never a relative URL: every URL is absolute http(s), resolved against
 *     the item's permalink or the site link, or left out; content_html has
 *     its URL attributes resolved and quotes in text escaped, so no
 *     href="relative" pattern appears (feed checkers grep for it).
 *   - home_page_url and feed_url are always written.  Without base_url they
 *     fall back to QUIRE_FEED_FALLBACK_BASE ("https://example.org/", a
 *     reserved example domain, RFC 2606) plus the output's own path: a
 *     placeholder that validates and is obviously not a real site; set
 *     base_url for real feeds (quire build defaults it the same way).
 *   - Strings are valid UTF-8 without the characters XML 1.0 forbids.
 *   - tags: the document's tags followed by its categories, each once, in
 *     that order (JSON Feed has one list; categories are tags to a reader).
 *   - authors: objects with a name (the name, else the email, else the url),
 *     url and avatar only when absolute; JSON Feed has no email field.
 *   - A repeated item id is left out with a warning (as in rss and atom).
 * What is JSON Feed's own: content_text is written only when the body
 * renders to no HTML at all (every item needs one of the two), and
 * date_modified only when the document has a modified date.
 *
 * Output: the bytes cJSON_Print() would give for the whole feed (tab
 * indentation, keys in the order above), but streamed and printed here
 * (see "printing" below): the header goes out at begin, each item at
 * write_document, and the closing brackets at end.  An item is printed
 * once per document and kept in feed_common's per-document memo for the
 * other feed sets the document is in.  What stays in memory between items
 * is the set of 64-bit hashes of the ids written (8 bytes per item).  No
 * clock is read: output is byte-identical between runs.
 *
 * Ownership: priv owns the id set and two buffers; close frees them.  Each
 * item uses its own arena, made when needed and freed when it is written.
 */
#include "feed_common.h"

#include <string.h>

#define JF_VERSION "https://jsonfeed.org/version/1.1"

typedef struct jf_priv {
    quire_feed_ids ids;     /* ids written so far */
    quire_buf buf;          /* content_text of the current item */
    quire_buf item;         /* the current item, printed */
    size_t items;           /* items written so far */
} jf_priv;

/* ------------------------------------------------------------ printing
 *
 * The bytes cJSON_Print gives (cJSON 1.7.15, formatted): an object is "{",
 * a newline, each member on its own line as TABS "key":<TAB>value, a comma
 * after each but the last, then a newline and "}" indented one tab less
 * (an empty object is "{\n" and the closing line); an array is "[" values
 * separated by ", " "]" on one line; objects and arrays both count in the
 * depth (the number of tabs).  Strings are escaped as cJSON does
 * (quire__feed_json_string). */

typedef struct jf_obj {
    quire_buf *b;
    int depth;  /* tabs before each key */
    bool first;
} jf_obj;

static void jf_tabs(quire_buf *b, int n)
{
    static const char tabs[] = "\t\t\t\t\t\t\t\t";
    for (; n > 8; n -= 8)
        quire__buf_put(b, tabs, 8);
    if (n > 0)
        quire__buf_put(b, tabs, (size_t)n);
}

static void jf_str(quire_buf *b, const char *s)
{
    quire__feed_json_string(b, s, strlen(s));
}

static jf_obj jf_obj_begin(quire_buf *b, int depth)
{
    quire__buf_put(b, "{\n", 2);
    return (jf_obj){.b = b, .depth = depth, .first = true};
}

static void jf_key(jf_obj *o, const char *key)
{
    if (!o->first)
        quire__buf_put(o->b, ",\n", 2);
    o->first = false;
    jf_tabs(o->b, o->depth);
    jf_str(o->b, key);
    quire__buf_put(o->b, ":\t", 2);
}

static void jf_obj_end(jf_obj *o)
{
    if (!o->first)
        quire__buf_putc(o->b, '\n');
    jf_tabs(o->b, o->depth - 1);
    quire__buf_putc(o->b, '}');
}

/* A string member, always written. */
static void jf_put_str(jf_obj *o, const char *key, const char *s)
{
    jf_key(o, key);
    jf_str(o->b, s ? s : "");
}

/* A string member; left out when NULL or empty.  Strings from feed_common
 * are clean already; others go through quire__xml_clean. */
static void jf_add_str(jf_obj *o, const char *key, const char *s)
{
    if (s && *s)
        jf_put_str(o, key, s);
}

static void jf_add_authors(jf_obj *o, const quire_author *authors, size_t n)
{
    if (!n)
        return;
    jf_key(o, "authors");
    quire__buf_putc(o->b, '[');
    for (size_t i = 0; i < n; i++) {
        if (i)
            quire__buf_put(o->b, ", ", 2);
        /* the array is one level, the object in it another */
        jf_obj au = jf_obj_begin(o->b, o->depth + 2);
        jf_add_str(&au, "name", authors[i].name);
        jf_add_str(&au, "url", authors[i].url);
        jf_add_str(&au, "avatar", authors[i].avatar);
        jf_obj_end(&au);
    }
    quire__buf_putc(o->b, ']');
}

static void jf_add_date(jf_obj *o, const char *key, const quire_date *d)
{
    char buf[40];
    if (d->set)
        jf_put_str(o, key, quire_date_rfc3339(d, buf));
}

/* ------------------------------------------------------------ writer */

static int jsonfeed_begin(quire_writer_ctx *ctx)
{
    const quire_site *s = ctx->site;
    quire_arena *a = quire_arena_new(); /* the header's strings: freed below */
    if (!a)
        return QUIRE_ERR_NOMEM;
    quire_buf b;
    quire__buf_init(&b);
    const char *link = quire__feed_site_link(a, s);
    jf_obj feed = jf_obj_begin(&b, 1);
    jf_put_str(&feed, "version", JF_VERSION);
    jf_put_str(&feed, "title", quire__feed_title(a, ctx));
    jf_put_str(&feed, "home_page_url", link);
    jf_put_str(&feed, "feed_url", quire__feed_self_url(a, ctx));
    jf_add_str(&feed, "description", quire__xml_clean(a, s->description));
    jf_add_str(&feed, "icon", quire__feed_abs_url(a, link, s->icon));
    jf_add_str(&feed, "favicon", quire__feed_abs_url(a, link, s->favicon));
    size_t n;
    const quire_author *authors = quire__feed_authors(a, s->authors, s->n_authors, link, &n);
    jf_add_authors(&feed, authors, n);
    jf_add_str(&feed, "language", quire__feed_language(a, s->language));
    /* items is the last member: its items follow as they come, and
     * jsonfeed_end closes the array and the feed. */
    jf_key(&feed, "items");
    quire__buf_putc(&b, '[');
    quire_arena_free(a);
    int rc = b.oom ? QUIRE_ERR_NOMEM : quire_sink_write(ctx->out, b.data, b.len);
    quire__buf_free(&b);
    return rc;
}

/* The item object, printed into p->item: a member of the items array of
 * the feed object, so its keys are three tabs in. */
static int jf_item(jf_priv *p, quire_arena **a, const quire_document *d,
                   const quire_feed_item *it)
{
    if (!*a && !(*a = quire_arena_new()))
        return QUIRE_ERR_NOMEM;
    size_t len;
    const char *content = quire__feed_content_escaped(*a, d, it, QUIRE_FEED_ESC_JSON, &len);
    if (!content)
        return QUIRE_ERR_NOMEM;
    quire__buf_reset(&p->item);
    jf_obj o = jf_obj_begin(&p->item, 3);
    jf_put_str(&o, "id", it->id);
    jf_put_str(&o, "url", it->url);
    jf_add_str(&o, "external_url", it->external_url);
    jf_add_str(&o, "title", it->title);
    if (len) {
        /* escaped once per document for every feed */
        jf_key(&o, "content_html");
        quire__buf_put(&p->item, content, len);
    } else {
        /* No HTML at all: content_text is required, even if empty. */
        quire__buf_reset(&p->buf);
        if (d->body)
            quire__render_text(&p->buf, d->body);
        const char *text = p->buf.len ? quire__buf_cstr(&p->buf) : it->summary ? it->summary : "";
        const char *clean = quire__xml_clean(*a, text);
        if (!clean)
            return QUIRE_ERR_NOMEM;
        jf_put_str(&o, "content_text", clean);
    }
    jf_add_str(&o, "summary", it->summary);
    jf_add_str(&o, "image", it->image.url);
    jf_add_date(&o, "date_published", &it->published);
    if (d->modified.set)
        jf_add_date(&o, "date_modified", &it->updated);
    jf_add_authors(&o, it->authors, it->n_authors);
    if (it->n_tags) {
        jf_key(&o, "tags");
        quire__buf_putc(&p->item, '[');
        for (size_t i = 0; i < it->n_tags; i++) {
            if (i)
                quire__buf_put(&p->item, ", ", 2);
            jf_str(&p->item, it->tags[i]);
        }
        quire__buf_putc(&p->item, ']');
    }
    jf_add_str(&o, "language", it->language);
    jf_obj_end(&o);
    return p->item.oom || p->buf.oom ? QUIRE_ERR_NOMEM : QUIRE_OK;
}

static int jsonfeed_write_document(quire_writer_ctx *ctx, const quire_document *d)
{
    jf_priv *p = ctx->priv;
    quire_arena *a = NULL; /* per item, made when needed: freed below */
    const quire_feed_item *it;
    int rc = quire__feed_item_get(&it, &a, d, ctx);
    int fresh = rc == QUIRE_OK ? quire__feed_ids_add(&p->ids, it->id) : rc;
    if (fresh == 0)
        quire_diag_add(ctx->diags, QUIRE_SEV_WARNING, "jsonfeed", d->source_path, 0, 0,
                       "duplicate id '%.80s': document left out of the feed", it->id);
    if (fresh <= 0) {
        quire_arena_free(a);
        return fresh < 0 ? fresh : QUIRE_OK;
    }
    /* The same document in another feed set: printed already, and
     * shared (no copy) by every feed set that writes it. */
    quire__bytes *kept = quire__feed_item_bytes(it, QUIRE_FEED_FMT_JSON, 0);
    if (!kept) {
        rc = jf_item(p, &a, d, it);
        if (rc == QUIRE_OK)
            kept = quire__feed_item_bytes_keep(it, QUIRE_FEED_FMT_JSON, 0, p->item.data,
                                               p->item.len);
    }
    if (rc == QUIRE_OK && p->items)
        rc = quire_sink_write(ctx->out, ", ", 2);
    if (rc == QUIRE_OK)
        rc = kept ? quire__sink_write_bytes(ctx->out, kept)
                  : quire_sink_write(ctx->out, p->item.data, p->item.len);
    p->items++;
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
    quire__feed_ids_free(&p->ids);
    quire__buf_free(&p->buf);
    quire__buf_free(&p->item);
}

const quire_writer quire_writer_jsonfeed = {
    .version = QUIRE_COMPONENT_VERSION,
    .name = "jsonfeed",
    .long_name = "JSON Feed 1.1",
    .extension = "feed.json",
    .mime_type = "application/feed+json",
    .flags = 0,
    .default_filters = "sanitize,embeds,absolute-urls",
    .priv_size = sizeof(jf_priv),
    .begin = jsonfeed_begin,
    .write_document = jsonfeed_write_document,
    .end = jsonfeed_end,
    .close = jsonfeed_close,
};
