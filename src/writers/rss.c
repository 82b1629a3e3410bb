/*
 * rss.c — writer "rss": RSS 2.0 (with the RSS Advisory Board's profile in
 * mind), serialized by libxml2's xmlTextWriter, never by pasting strings.
 *
 * What an item carries and why:
 *   - guid: the shared item id (feed_common.h); isPermaLink="false" unless
 *     the id is the permalink itself, since RSS treats a guid as a URL by
 *     default;
 *   - pubDate: RFC 822 with a four-digit year;
 *   - dc:creator for every author name (RSS `author` must be an email),
 *     and `author` ("email (Name)") only for the first author with an email;
 *   - description: the summary (as HTML, since RSS readers render it so);
 *     content:encoded: the full HTML;
 *   - the featured image: an `enclosure` with the real length and type when
 *     it is a local file (the spec needs both), else media:content and
 *     media:thumbnail.
 * The four namespaces are declared on the root whether or not an item ends
 * up using them: the writer streams, so it cannot know in advance, and an
 * unused declaration is harmless.
 */
#include "feed_common.h"

#include <stdio.h>
#include <string.h>

typedef struct rss_priv {
    xmlTextWriterPtr w;
    quire_buf buf;     /* reused for each item's HTML: memory stays flat */
    bool buf_ready;
    bool failed;       /* sticky: some libxml2 call failed */
    quire_feed_ids ids; /* ids written so far: a repeated one is skipped */
} rss_priv;

static void rss_ok(rss_priv *p, int rc)
{
    if (rc < 0)
        p->failed = true;
}

static void rss_el(rss_priv *p, const char *name, const char *text)
{
    rss_ok(p, quire__feed_xml_element(p->w, name, text));
}

static void rss_attr(rss_priv *p, const char *name, const char *value)
{
    if (value)
        rss_ok(p, xmlTextWriterWriteAttribute(p->w, BAD_CAST name, BAD_CAST value));
}

static void rss_start(rss_priv *p, const char *name)
{
    rss_ok(p, xmlTextWriterStartElement(p->w, BAD_CAST name));
}

static void rss_end(rss_priv *p)
{
    rss_ok(p, xmlTextWriterEndElement(p->w));
}

static void rss_date(rss_priv *p, const char *name, const quire_date *d)
{
    char buf[40];
    rss_el(p, name, quire_date_rfc822(d, buf));
}

static int rss_begin(quire_writer_ctx *ctx)
{
    rss_priv *p = ctx->priv;
    quire__buf_init(&p->buf);
    p->buf_ready = true;
    quire_arena *a = quire_arena_new();
    if (!a)
        return QUIRE_ERR_NOMEM;
    p->w = quire__feed_xml_open(ctx->out);
    if (!p->w) {
        quire_arena_free(a);
        return QUIRE_ERR_NOMEM;
    }
    const quire_site *site = ctx->site;
    const char *title = quire__feed_title(a, ctx);
    const char *link = quire__feed_site_link(a, site);
    const char *desc = quire__xml_clean(a, site->description);

    rss_start(p, "rss");
    rss_attr(p, "version", "2.0");
    rss_attr(p, "xmlns:atom", QUIRE_NS_ATOM);
    rss_attr(p, "xmlns:content", QUIRE_NS_CONTENT);
    rss_attr(p, "xmlns:dc", QUIRE_NS_DC);
    rss_attr(p, "xmlns:media", QUIRE_NS_MEDIA);
    rss_start(p, "channel");
    rss_el(p, "title", title);
    rss_el(p, "link", link);
    /* description is required: the title says more than nothing */
    rss_el(p, "description", desc && *desc ? desc : title);
    rss_el(p, "language", quire__feed_language(a, site->language));
    rss_el(p, "copyright", quire__xml_clean(a, site->rights));
    rss_date(p, "lastBuildDate", &ctx->updated);
    rss_el(p, "generator", "quire " QUIRE_VERSION_STRING);
    rss_start(p, "atom:link");
    rss_attr(p, "href", quire__feed_self_url(a, ctx));
    rss_attr(p, "rel", "self");
    rss_attr(p, "type", ctx->writer && ctx->writer->mime_type ? ctx->writer->mime_type
                                                                : "application/rss+xml");
    rss_end(p);
    const char *icon = quire__feed_abs_url(a, link, site->icon);
    if (icon) {
        /* image needs url, title and link, the last two the channel's own */
        rss_start(p, "image");
        rss_el(p, "url", icon);
        rss_el(p, "title", title);
        rss_el(p, "link", link);
        rss_end(p);
    }
    quire_arena_free(a);
    return p->failed ? QUIRE_ERR_IO : QUIRE_OK;
}

static void rss_image(rss_priv *p, const quire_feed_image *img)
{
    if (!img->url)
        return;
    if (img->length >= 0 && img->mime_type) {
        char len[24];
        snprintf(len, sizeof len, "%lld", (long long)img->length);
        rss_start(p, "enclosure");
        rss_attr(p, "url", img->url);
        rss_attr(p, "length", len);
        rss_attr(p, "type", img->mime_type);
        rss_end(p);
        return;
    }
    char w[16], h[16];
    snprintf(w, sizeof w, "%d", img->width);
    snprintf(h, sizeof h, "%d", img->height);
    rss_start(p, "media:content");
    rss_attr(p, "url", img->url);
    rss_attr(p, "medium", "image");
    rss_attr(p, "type", img->mime_type);
    if (img->width > 0 && img->height > 0) {
        rss_attr(p, "width", w);
        rss_attr(p, "height", h);
    }
    if (img->alt && *img->alt)
        rss_el(p, "media:description", img->alt);
    rss_end(p);
    rss_start(p, "media:thumbnail");
    rss_attr(p, "url", img->url);
    if (img->width > 0 && img->height > 0) {
        rss_attr(p, "width", w);
        rss_attr(p, "height", h);
    }
    rss_end(p);
}

static int rss_write_document(quire_writer_ctx *ctx, const quire_document *doc)
{
    rss_priv *p = ctx->priv;
    quire_arena *a = quire_arena_new(); /* per item: freed below */
    if (!a)
        return QUIRE_ERR_NOMEM;
    quire_feed_item it;
    int rc = quire__feed_item_init(&it, a, doc, ctx);
    int fresh = rc == QUIRE_OK ? quire__feed_ids_add(&p->ids, it.id) : rc;
    if (fresh == 0)
        quire_diag_add(ctx->diags, QUIRE_SEV_WARNING, "rss", doc->source_path, 0, 0,
                       "duplicate id '%.80s': document left out of the feed", it.id);
    if (fresh <= 0) {
        quire_arena_free(a);
        return fresh < 0 ? fresh : QUIRE_OK;
    }
    rss_start(p, "item");
    rss_el(p, "title", it.title);
    rss_el(p, "link", it.url);
    rss_start(p, "guid");
    if (!it.id_is_permalink)
        rss_attr(p, "isPermaLink", "false");
    rss_ok(p, xmlTextWriterWriteString(p->w, BAD_CAST it.id));
    rss_end(p);
    rss_date(p, "pubDate", &it.published);
    const quire_author *mail = NULL;
    for (size_t i = 0; i < it.n_authors; i++) {
        rss_el(p, "dc:creator", it.authors[i].name);
        if (!mail && it.authors[i].email)
            mail = &it.authors[i];
    }
    if (mail) {
        const char *v = strcmp(mail->name, mail->email) == 0
                            ? mail->email
                            : quire_arena_printf(a, "%s (%s)", mail->email, mail->name);
        rss_el(p, "author", v);
    }
    for (size_t i = 0; i < it.n_tags; i++)
        rss_el(p, "category", it.tags[i]);
    if (it.summary) {
        quire__buf_reset(&p->buf);
        quire__feed_summary_html(&p->buf, it.summary);
        rss_el(p, "description", quire__buf_cstr(&p->buf));
    }
    quire__buf_reset(&p->buf);
    quire__feed_content_html(&p->buf, a, doc, &it);
    /* Escaped text, not CDATA: "]]>" in the content cannot end anything. */
    rss_el(p, "content:encoded", quire__xml_clean(a, quire__buf_cstr(&p->buf)));
    rss_image(p, &it.image);
    rss_end(p);
    quire_arena_free(a);
    if (p->buf.oom)
        return QUIRE_ERR_NOMEM;
    return p->failed ? QUIRE_ERR_IO : QUIRE_OK;
}

static int rss_end_feed(quire_writer_ctx *ctx)
{
    rss_priv *p = ctx->priv;
    /* EndDocument closes channel and rss */
    int rc = quire__feed_xml_close(p->w);
    p->w = NULL;
    return p->failed ? QUIRE_ERR_IO : rc;
}

static void rss_close(quire_writer_ctx *ctx)
{
    rss_priv *p = ctx->priv;
    if (!p)
        return;
    if (p->w)
        xmlFreeTextWriter(p->w);
    p->w = NULL;
    if (p->buf_ready)
        quire__buf_free(&p->buf);
    quire__feed_ids_free(&p->ids);
}

const quire_writer quire_writer_rss = {
    .version = QUIRE_COMPONENT_VERSION,
    .name = "rss",
    .long_name = "RSS 2.0",
    .extension = "rss.xml",
    .mime_type = "application/rss+xml",
    .flags = 0,
    .default_filters = "embeds,absolute-urls",
    .priv_size = sizeof(rss_priv),
    .begin = rss_begin,
    .write_document = rss_write_document,
    .end = rss_end_feed,
    .close = rss_close,
};
