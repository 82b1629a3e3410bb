/*
 * atom.c — writer "atom": Atom 1.0 (RFC 4287), serialized by feed_common's
 * XML writer (the bytes libxml2's xmlTextWriter gives), checked in the tests
 * against the RFC's own RELAX NG schema.
 *
 * Choices and why:
 *   - feed id: "tag:HOST,2000:" + the feed's path (atom.xml, tags/x/atom.xml):
 *     absolute, distinct per feed, and unchanged by anything in the content;
 *   - entry id: the shared item id (feed_common.h), an absolute IRI;
 *   - the feed always has an author (the site's authors, else the site's
 *     title as a name): the writer streams, so it cannot know whether every
 *     entry will have one of its own, and RFC 4287 requires one or the other;
 *   - content type="html" (escaped, never CDATA) and a plain-text summary;
 *   - the featured image as link rel="enclosure", with type and length when
 *     the file is local.
 */
#include "feed_common.h"

#include <stdio.h>
#include <string.h>

static void atom_date(quire_feed_xml *p, const char *name, const quire_date *d)
{
    char buf[40];
    quire__fx_el(p, name, quire_date_rfc3339(d, buf));
}

static void atom_link(quire_feed_xml *p, const char *rel, const char *type, const char *href)
{
    if (!href)
        return;
    quire__fx_start(p, "link");
    quire__fx_attr(p, "rel", rel);
    quire__fx_attr(p, "type", type);
    quire__fx_attr(p, "href", href);
    quire__fx_end(p);
}

static void atom_person(quire_feed_xml *p, const quire_author *au)
{
    quire__fx_start(p, "author");
    quire__fx_el(p, "name", au->name);
    quire__fx_el(p, "uri", au->url);
    quire__fx_el(p, "email", au->email);
    quire__fx_end(p);
}

static int atom_begin(quire_writer_ctx *ctx)
{
    quire_feed_xml *p = ctx->priv;
    quire_arena *a = quire_arena_new();
    if (!a || quire__fx_open(p, ctx->out) != QUIRE_OK) {
        quire_arena_free(a);
        return QUIRE_ERR_NOMEM;
    }
    const quire_site *site = ctx->site;
    const char *link = quire__feed_site_link(a, site);
    const char *title = quire__feed_title(a, ctx);

    quire__fx_start(p, "feed");
    quire__fx_attr(p, "xmlns", QUIRE_NS_ATOM);
    quire__fx_attr(p, "xml:lang", quire__feed_language(a, site->language));
    quire__fx_el(p, "id", quire__feed_id(a, ctx));
    quire__fx_el(p, "title", title);
    const char *desc = quire__xml_clean(a, site->description);
    if (desc && *desc)
        quire__fx_el(p, "subtitle", desc);
    atom_date(p, "updated", &ctx->updated);
    size_t n_authors;
    const quire_author *authors = quire__feed_authors(a, site->authors, site->n_authors, link,
                                                      &n_authors);
    if (n_authors) {
        for (size_t i = 0; i < n_authors; i++)
            atom_person(p, &authors[i]);
    } else {
        quire_author site_name = {.name = quire__feed_title(a, &(quire_writer_ctx){.site = site})};
        atom_person(p, &site_name);
    }
    atom_link(p, "self",
              ctx->writer && ctx->writer->mime_type ? ctx->writer->mime_type
                                                    : "application/atom+xml",
              quire__feed_self_url(a, ctx));
    atom_link(p, "alternate", "text/html", link);
    quire__fx_start(p, "generator");
    quire__fx_attr(p, "version", QUIRE_VERSION_STRING);
    quire__fx_text(p, "quire");
    quire__fx_end(p);
    quire__fx_el(p, "icon", quire__feed_abs_url(a, link, site->icon));
    quire__fx_el(p, "rights", quire__xml_clean(a, site->rights));
    quire_arena_free(a);
    return p->failed ? QUIRE_ERR_IO : QUIRE_OK;
}

/* The entry element; a is the item's scratch arena (made here when NULL). */
static int atom_entry(quire_feed_xml *p, quire_arena **a, const quire_document *doc,
                      const quire_feed_item *it)
{
    if (!*a && !(*a = quire_arena_new()))
        return QUIRE_ERR_NOMEM;
    quire__fx_start(p, "entry");
    quire__fx_attr(p, "xml:lang", it->language);
    quire__fx_el(p, "id", it->id);
    quire__fx_el(p, "title", it->title);
    atom_date(p, "updated", &it->updated);
    atom_date(p, "published", &it->published);
    for (size_t i = 0; i < it->n_authors; i++)
        atom_person(p, &it->authors[i]);
    atom_link(p, "alternate", "text/html", it->url);
    if (it->external_url && strcmp(it->external_url, it->url) != 0)
        atom_link(p, "related", NULL, it->external_url);
    if (it->image.url) {
        quire__fx_start(p, "link");
        quire__fx_attr(p, "rel", "enclosure");
        quire__fx_attr(p, "type", it->image.mime_type);
        if (it->image.length >= 0) {
            char len[24];
            snprintf(len, sizeof len, "%lld", (long long)it->image.length);
            quire__fx_attr(p, "length", len);
        }
        quire__fx_attr(p, "href", it->image.url);
        quire__fx_end(p);
    }
    for (size_t i = 0; i < it->n_tags; i++) {
        quire__fx_start(p, "category");
        quire__fx_attr(p, "term", it->tags[i]);
        quire__fx_end(p);
    }
    quire__fx_el(p, "summary", it->summary);
    size_t len;
    const char *content = quire__feed_content_escaped(*a, doc, it, QUIRE_FEED_ESC_XML, &len);
    quire__fx_start(p, "content");
    quire__fx_attr(p, "type", "html");
    /* Escaped text, not CDATA: "]]>" in the content cannot end anything. */
    quire__fx_raw(p, content, len);
    quire__fx_end(p);
    quire__fx_end(p);
    return content ? QUIRE_OK : QUIRE_ERR_NOMEM;
}

static int atom_write_document(quire_writer_ctx *ctx, const quire_document *doc)
{
    return quire__fx_write_document(ctx, doc, QUIRE_FEED_FMT_ATOM, "atom", atom_entry);
}

const quire_writer quire_writer_atom = {
    .version = QUIRE_COMPONENT_VERSION,
    .name = "atom",
    .long_name = "Atom 1.0 (RFC 4287)",
    .extension = "atom.xml",
    .mime_type = "application/atom+xml",
    .flags = 0,
    .default_filters = "sanitize,embeds,absolute-urls",
    .priv_size = sizeof(quire_feed_xml),
    .begin = atom_begin,
    .write_document = atom_write_document,
    .end = quire__fx_writer_end,
    .close = quire__fx_writer_close,
};
