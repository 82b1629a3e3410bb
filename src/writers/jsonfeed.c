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
 * indentation, keys in the order above), but streamed: the header goes out
 * at begin, each item is built as a cJSON tree, printed, written and freed
 * at write_document, and the closing brackets at end.  What stays in memory
 * between items is the set of 64-bit hashes of the ids written (8 bytes
 * per item).  No clock is read: output is byte-identical between runs.
 *
 * Ownership: priv owns the id set and a buffer; close frees both.  Each
 * item uses its own arena, freed when the item is written.
 */
#include "feed_common.h"

#include <cjson/cJSON.h>
#include <string.h>

#define JF_VERSION "https://jsonfeed.org/version/1.1"

typedef struct jf_priv {
    quire_feed_ids ids;     /* ids written so far */
    quire_buf buf;          /* content of the current item */
    size_t items;           /* items written so far */
} jf_priv;

/* A string member; left out when NULL or empty.  Strings from feed_common
 * are clean already; others go through quire__xml_clean. */
static void jf_add_str(cJSON *obj, const char *key, const char *s)
{
    if (s && *s)
        cJSON_AddStringToObject(obj, key, s);
}

static void jf_add_authors(cJSON *obj, const quire_author *authors, size_t n)
{
    cJSON *arr = NULL;
    for (size_t i = 0; i < n; i++) {
        cJSON *o = cJSON_CreateObject();
        if (!o)
            break;
        jf_add_str(o, "name", authors[i].name);
        jf_add_str(o, "url", authors[i].url);
        jf_add_str(o, "avatar", authors[i].avatar);
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

/* content_html stands in the cJSON tree as this string, which cJSON prints
 * as "\u0001": no other string of an item can print so (feed strings are
 * clean for XML 1.0, which has no U+0001).  jf_emit puts the content,
 * escaped once per document for every feed (quire__feed_content_escaped),
 * in its place: cJSON would spend more time escaping the content than
 * everything else in the item, again for every feed set. */
#define JF_CONTENT_MARK "\x01"
#define JF_CONTENT_PRINTED "\"\\u0001\""

/* Prints item (or the header) and writes it, re-indented by `indent` tabs
 * so that the streamed file equals cJSON_Print of the whole feed, with
 * `content` (a printed JSON string, or NULL) in place of the mark.  The
 * newlines in cJSON's output are all formatting: newlines inside strings
 * are escaped. */
static int jf_emit(quire_sink *out, const cJSON *item, int indent, size_t drop_tail,
                   const char *content, size_t content_len)
{
    char *text = cJSON_Print(item);
    if (!text)
        return QUIRE_ERR_NOMEM;
    size_t len = strlen(text) - drop_tail;
    const char *mark = content ? strstr(text, JF_CONTENT_PRINTED) : NULL;
    quire_buf b;
    quire__buf_init(&b);
    size_t run = 0;
    for (size_t i = 0; i < len; i++) {
        if (text + i == mark) {
            quire__buf_put(&b, text + run, i - run);
            quire__buf_put(&b, content, content_len);
            i += sizeof JF_CONTENT_PRINTED - 2;
            run = i + 1;
            continue;
        }
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

/* ------------------------------------------------------------ writer */

static int jsonfeed_begin(quire_writer_ctx *ctx)
{
    const quire_site *s = ctx->site;
    quire_arena *a = quire_arena_new(); /* the header's strings: freed below */
    cJSON *feed = cJSON_CreateObject();
    if (!a || !feed) {
        quire_arena_free(a);
        cJSON_Delete(feed);
        return QUIRE_ERR_NOMEM;
    }
    const char *link = quire__feed_site_link(a, s);
    cJSON_AddStringToObject(feed, "version", JF_VERSION);
    cJSON_AddStringToObject(feed, "title", quire__feed_title(a, ctx));
    cJSON_AddStringToObject(feed, "home_page_url", link);
    cJSON_AddStringToObject(feed, "feed_url", quire__feed_self_url(a, ctx));
    jf_add_str(feed, "description", quire__xml_clean(a, s->description));
    jf_add_str(feed, "icon", quire__feed_abs_url(a, link, s->icon));
    jf_add_str(feed, "favicon", quire__feed_abs_url(a, link, s->favicon));
    size_t n;
    const quire_author *authors = quire__feed_authors(a, s->authors, s->n_authors, link, &n);
    jf_add_authors(feed, authors, n);
    jf_add_str(feed, "language", quire__feed_language(a, s->language));
    /* The header is the feed object without its closing "\n}": items
     * follow as the last member. */
    int rc = jf_emit(ctx->out, feed, 0, 2, NULL, 0);
    cJSON_Delete(feed);
    quire_arena_free(a);
    if (rc == QUIRE_OK)
        rc = quire_sink_puts(ctx->out, ",\n\t\"items\":\t[");
    return rc;
}

/* The item object, with JF_CONTENT_MARK for a content_html; NULL when out
 * of memory. */
static cJSON *jf_item(jf_priv *p, quire_arena *a, const quire_document *d,
                      const quire_feed_item *it, bool has_html)
{
    cJSON *o = cJSON_CreateObject();
    if (!o)
        return NULL;
    cJSON_AddStringToObject(o, "id", it->id);
    cJSON_AddStringToObject(o, "url", it->url);
    jf_add_str(o, "external_url", it->external_url);
    jf_add_str(o, "title", it->title);
    if (has_html) {
        cJSON_AddStringToObject(o, "content_html", JF_CONTENT_MARK);
    } else {
        /* No HTML at all: content_text is required, even if empty. */
        quire__buf_reset(&p->buf);
        if (d->body)
            quire__render_text(&p->buf, d->body);
        const char *text = p->buf.len ? quire__buf_cstr(&p->buf) : it->summary ? it->summary : "";
        cJSON_AddStringToObject(o, "content_text", quire__xml_clean(a, text));
    }
    jf_add_str(o, "summary", it->summary);
    jf_add_str(o, "image", it->image.url);
    jf_add_date(o, "date_published", &it->published);
    if (d->modified.set)
        jf_add_date(o, "date_modified", &it->updated);
    jf_add_authors(o, it->authors, it->n_authors);
    if (it->n_tags) {
        cJSON *arr = cJSON_AddArrayToObject(o, "tags");
        for (size_t i = 0; arr && i < it->n_tags; i++)
            cJSON_AddItemToArray(arr, cJSON_CreateString(it->tags[i]));
    }
    jf_add_str(o, "language", it->language);
    return o;
}

static int jsonfeed_write_document(quire_writer_ctx *ctx, const quire_document *d)
{
    jf_priv *p = ctx->priv;
    quire_arena *a = quire_arena_new(); /* per item: freed below */
    if (!a)
        return QUIRE_ERR_NOMEM;
    quire_feed_item it;
    int rc = quire__feed_item_init(&it, a, d, ctx);
    int fresh = rc == QUIRE_OK ? quire__feed_ids_add(&p->ids, it.id) : rc;
    if (fresh == 0)
        quire_diag_add(ctx->diags, QUIRE_SEV_WARNING, "jsonfeed", d->source_path, 0, 0,
                       "duplicate id '%.80s': document left out of the feed", it.id);
    if (fresh <= 0) {
        quire_arena_free(a);
        return fresh < 0 ? fresh : QUIRE_OK;
    }
    size_t len;
    const char *content = quire__feed_content_escaped(a, d, &it, QUIRE_FEED_ESC_JSON, &len);
    cJSON *o = content ? jf_item(p, a, d, &it, len > 0) : NULL;
    rc = o && !p->buf.oom ? QUIRE_OK : QUIRE_ERR_NOMEM;
    if (rc == QUIRE_OK)
        rc = quire_sink_puts(ctx->out, p->items ? ", " : "");
    if (rc == QUIRE_OK)
        rc = jf_emit(ctx->out, o, 2, 0, len ? content : NULL, len);
    p->items++;
    cJSON_Delete(o);
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
