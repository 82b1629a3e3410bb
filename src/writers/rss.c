/*
 * rss.c — writer "rss": RSS 2.0 (with the RSS Advisory Board's profile in
 * mind), serialized by feed_common's XML writer (the bytes libxml2's
 * xmlTextWriter gives), never by pasting strings.
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

static void rss_date(quire_feed_xml *p, const char *name, const quire_date *d)
{
    char buf[40];
    quire__fx_el(p, name, quire_date_rfc822(d, buf));
}

static int rss_begin(quire_writer_ctx *ctx)
{
    quire_feed_xml *p = ctx->priv;
    quire_arena *a = quire_arena_new();
    if (!a || quire__fx_open(p, ctx->out) != QUIRE_OK) {
        quire_arena_free(a);
        return QUIRE_ERR_NOMEM;
    }
    const quire_site *site = ctx->site;
    const char *title = quire__feed_title(a, ctx);
    const char *link = quire__feed_site_link(a, site);
    const char *desc = quire__xml_clean(a, site->description);

    quire__fx_start(p, "rss");
    quire__fx_attr(p, "version", "2.0");
    quire__fx_attr(p, "xmlns:atom", QUIRE_NS_ATOM);
    quire__fx_attr(p, "xmlns:content", QUIRE_NS_CONTENT);
    quire__fx_attr(p, "xmlns:dc", QUIRE_NS_DC);
    quire__fx_attr(p, "xmlns:media", QUIRE_NS_MEDIA);
    quire__fx_start(p, "channel");
    quire__fx_el(p, "title", title);
    quire__fx_el(p, "link", link);
    /* description is required: the title says more than nothing */
    quire__fx_el(p, "description", desc && *desc ? desc : title);
    quire__fx_el(p, "language", quire__feed_language(a, site->language));
    quire__fx_el(p, "copyright", quire__xml_clean(a, site->rights));
    rss_date(p, "lastBuildDate", &ctx->updated);
    quire__fx_el(p, "generator", "quire " QUIRE_VERSION_STRING);
    quire__fx_start(p, "atom:link");
    quire__fx_attr(p, "href", quire__feed_self_url(a, ctx));
    quire__fx_attr(p, "rel", "self");
    quire__fx_attr(p, "type", ctx->writer && ctx->writer->mime_type ? ctx->writer->mime_type
                                                                : "application/rss+xml");
    quire__fx_end(p);
    const char *icon = quire__feed_abs_url(a, link, site->icon);
    if (icon) {
        /* image needs url, title and link, the last two the channel's own */
        quire__fx_start(p, "image");
        quire__fx_el(p, "url", icon);
        quire__fx_el(p, "title", title);
        quire__fx_el(p, "link", link);
        quire__fx_end(p);
    }
    quire_arena_free(a);
    return p->failed ? QUIRE_ERR_IO : QUIRE_OK;
}

static void rss_image(quire_feed_xml *p, const quire_feed_image *img)
{
    if (!img->url)
        return;
    if (img->length >= 0 && img->mime_type) {
        char len[24];
        snprintf(len, sizeof len, "%lld", (long long)img->length);
        quire__fx_start(p, "enclosure");
        quire__fx_attr(p, "url", img->url);
        quire__fx_attr(p, "length", len);
        quire__fx_attr(p, "type", img->mime_type);
        quire__fx_end(p);
        return;
    }
    char w[16], h[16];
    snprintf(w, sizeof w, "%d", img->width);
    snprintf(h, sizeof h, "%d", img->height);
    quire__fx_start(p, "media:content");
    quire__fx_attr(p, "url", img->url);
    quire__fx_attr(p, "medium", "image");
    quire__fx_attr(p, "type", img->mime_type);
    if (img->width > 0 && img->height > 0) {
        quire__fx_attr(p, "width", w);
        quire__fx_attr(p, "height", h);
    }
    if (img->alt && *img->alt)
        quire__fx_el(p, "media:description", img->alt);
    quire__fx_end(p);
    quire__fx_start(p, "media:thumbnail");
    quire__fx_attr(p, "url", img->url);
    if (img->width > 0 && img->height > 0) {
        quire__fx_attr(p, "width", w);
        quire__fx_attr(p, "height", h);
    }
    quire__fx_end(p);
}

/* The item element; a is the item's scratch arena (made here when NULL). */
static int rss_item(quire_feed_xml *p, quire_arena **a, const quire_document *doc,
                    const quire_feed_item *it)
{
    if (!*a && !(*a = quire_arena_new()))
        return QUIRE_ERR_NOMEM;
    quire__fx_start(p, "item");
    quire__fx_el(p, "title", it->title);
    quire__fx_el(p, "link", it->url);
    quire__fx_start(p, "guid");
    if (!it->id_is_permalink)
        quire__fx_attr(p, "isPermaLink", "false");
    quire__fx_text(p, it->id);
    quire__fx_end(p);
    rss_date(p, "pubDate", &it->published);
    const quire_author *mail = NULL;
    for (size_t i = 0; i < it->n_authors; i++) {
        quire__fx_el(p, "dc:creator", it->authors[i].name);
        if (!mail && it->authors[i].email)
            mail = &it->authors[i];
    }
    if (mail) {
        const char *v = strcmp(mail->name, mail->email) == 0
                            ? mail->email
                            : quire_arena_printf(*a, "%s (%s)", mail->email, mail->name);
        quire__fx_el(p, "author", v);
    }
    for (size_t i = 0; i < it->n_tags; i++)
        quire__fx_el(p, "category", it->tags[i]);
    if (it->summary) {
        quire__buf_reset(&p->buf);
        quire__feed_summary_html(&p->buf, it->summary);
        quire__fx_el(p, "description", quire__buf_cstr(&p->buf));
    }
    size_t len;
    const char *content = quire__feed_content_escaped(*a, doc, it, QUIRE_FEED_ESC_XML, &len);
    /* Escaped text, not CDATA: "]]>" in the content cannot end anything. */
    quire__fx_start(p, "content:encoded");
    quire__fx_raw(p, content, len);
    quire__fx_end(p);
    rss_image(p, &it->image);
    quire__fx_end(p);
    if (p->buf.oom || !content)
        return QUIRE_ERR_NOMEM;
    return QUIRE_OK;
}

static int rss_write_document(quire_writer_ctx *ctx, const quire_document *doc)
{
    return quire__fx_write_document(ctx, doc, QUIRE_FEED_FMT_RSS, "rss", rss_item);
}

const quire_writer quire_writer_rss = {
    .version = QUIRE_COMPONENT_VERSION,
    .name = "rss",
    .long_name = "RSS 2.0",
    .extension = "rss.xml",
    .mime_type = "application/rss+xml",
    .flags = 0,
    .default_filters = "sanitize,embeds,absolute-urls",
    .priv_size = sizeof(quire_feed_xml),
    .begin = rss_begin,
    .write_document = rss_write_document,
    .end = quire__fx_writer_end,
    .close = quire__fx_writer_close,
};
