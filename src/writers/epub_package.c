/*
 * epub_package.c — the end of the book: package document (OPF), navigation
 * document, NCX, cover or title page, stylesheet; then every entry in a fixed
 * order into the zip:
 *
 *   mimetype (stored, first), META-INF/container.xml, OEBPS/content.opf,
 *   OEBPS/nav.xhtml, OEBPS/toc.ncx, OEBPS/style.css, OEBPS/cover.xhtml,
 *   chapters in reading order, images in order of first use.
 *
 * Chapters come back from the spool one at a time, most already compressed
 * (copied as they are); the others have cross-document link
 * placeholders (href="quire-xref:N") that are replaced here, when every chapter's
 * file name and ids are known.
 */
#include "epub_internal.h"

#include <stdlib.h>
#include <string.h>

#define EPUB_OPF_NS "http://www.idpf.org/2007/opf"
#define EPUB_DC_NS "http://purl.org/dc/elements/1.1/"
#define EPUB_NCX_NS "http://www.daisy.org/z3986/2005/ncx/"

const char quire__epub_default_css[] =
    "/* quire default EPUB stylesheet: reflowable, no fixed sizes or colours, so it\n"
    "   reads on e-ink and phones and leaves the reader's font settings alone.\n"
    "   Replace it with `epub: {stylesheet: my.css}` in quire.yaml. */\n"
    "html { -webkit-text-size-adjust: 100%; }\n"
    "body { margin: 0 0.5em; line-height: 1.45; orphans: 2; widows: 2;\n"
    "  overflow-wrap: break-word; hyphens: auto; -webkit-hyphens: auto; }\n"
    "h1, h2, h3, h4, h5, h6 { line-height: 1.2; margin: 1.2em 0 0.5em;\n"
    "  page-break-after: avoid; break-after: avoid; hyphens: manual; -webkit-hyphens: manual; }\n"
    "h1 { font-size: 1.6em; } h2 { font-size: 1.35em; } h3 { font-size: 1.15em; }\n"
    "h4, h5, h6 { font-size: 1em; }\n"
    "p { margin: 0 0 0.8em; }\n"
    "a { color: inherit; text-decoration: underline; }\n"
    "img { max-width: 100%; height: auto; }\n"
    "figure { margin: 1em 0; text-align: center; page-break-inside: avoid; break-inside: avoid; }\n"
    "figcaption { font-size: 0.9em; font-style: italic; margin-top: 0.3em; }\n"
    "figure.embed { text-align: left; border-left: 0.2em solid; padding-left: 0.8em; }\n"
    "blockquote { margin: 1em 0 1em 1em; padding-left: 0.8em; border-left: 0.2em solid; }\n"
    "pre { white-space: pre-wrap; font-size: 0.85em; line-height: 1.3; margin: 1em 0;\n"
    "  padding: 0.5em; border: 1px solid; page-break-inside: avoid; }\n"
    "code { font-family: monospace; font-size: 0.95em; hyphens: none; -webkit-hyphens: none; }\n"
    "table { border-collapse: collapse; margin: 1em 0; font-size: 0.9em; max-width: 100%; }\n"
    "th, td { border: 1px solid; padding: 0.25em 0.5em; vertical-align: top; }\n"
    "hr { border: 0; border-top: 1px solid; margin: 1.5em 20%; }\n"
    "ul, ol { margin: 0 0 0.8em; padding-left: 1.6em; }\n"
    ".chapter-header { margin-bottom: 1.5em; }\n"
    ".chapter-header h1 { margin-top: 0; }\n"
    ".subtitle { font-size: 1.15em; font-style: italic; }\n"
    ".byline, .dateline, .source { margin: 0.2em 0; font-size: 0.9em; }\n"
    ".description { font-style: italic; margin-top: 0.6em; }\n"
    "ul.tags { list-style: none; padding: 0; margin: 0.4em 0; font-size: 0.85em; }\n"
    "ul.tags li { display: inline; margin-right: 0.8em; }\n"
    "ul.tags li::before { content: \"#\"; }\n"
    "aside.footnote { font-size: 0.9em; margin-top: 1em; }\n"
    ".titlepage { text-align: center; margin-top: 20%; }\n"
    ".titlepage h1 { font-size: 2em; }\n"
    ".cover { margin: 0; padding: 0; text-align: center; }\n"
    ".cover img { max-height: 100vh; }\n"
    "nav ol { list-style: none; padding-left: 0; }\n"
    "nav li { margin: 0.3em 0; }\n";

/* ------------------------------------------------------------------ helpers */

static void epub_file_name(char *buf, size_t n, size_t chapter)
{
    snprintf(buf, n, "ch%05zu.xhtml", chapter + 1);
}

static bool epub_blank(const char *s)
{
    for (; s && *s; s++)
        if (*s != ' ' && *s != '\t' && *s != '\n' && *s != '\r')
            return false;
    return true;
}

/* An element with (XML-cleaned) text, or nothing when the text is blank:
 * empty dc: elements are errors. */
static xmlNodePtr epub_text_el(quire_arena *a, xmlNodePtr parent, xmlNsPtr ns,
                               const char *name, const char *text)
{
    if (!text || epub_blank(text))
        return NULL;
    xmlNodePtr el = xmlNewDocNode(parent->doc, ns, BAD_CAST name, NULL);
    xmlAddChild(parent, el);
    xmlAddChild(el, xmlNewDocText(parent->doc, BAD_CAST quire__xml_clean(a, text)));
    return el;
}

static xmlNodePtr epub_meta(quire_arena *a, xmlNodePtr md, xmlNsPtr ns, const char *property,
                            const char *text)
{
    xmlNodePtr m = epub_text_el(a, md, ns, "meta", text);
    if (m)
        xmlSetProp(m, BAD_CAST "property", BAD_CAST property);
    return m;
}

static bool epub_is_default_title(const char *t)
{
    return !t || epub_blank(t) || strcmp(t, "Untitled") == 0;
}

static const char *epub_book_title(const epub_state *st)
{
    const char *t = st->ctx->site->title;
    if (epub_is_default_title(t) && st->n_chapters == 1)
        return st->chapters[0].title;
    return epub_blank(t) ? "Untitled" : t;
}

static void epub_uuid(const epub_state *st, char out[48])
{
    unsigned char k[16];
    uint64_t a = st->uid_a, b = st->uid_b;
    if (!st->n_chapters) {
        const char *t = st->ctx->site->title ? st->ctx->site->title : "";
        a = quire__hash_str(t, 11);
        b = quire__hash_str(t, 12);
    }
    for (int i = 0; i < 8; i++) {
        k[i] = (unsigned char)(a >> (8 * i));
        k[8 + i] = (unsigned char)(b >> (8 * i));
    }
    uint64_t h1 = quire__fnv1a64(k, 16, 0x6c62272e07bb0142ull);
    uint64_t h2 = quire__fnv1a64(k, 16, 0x62b821756295c58dull);
    unsigned char u[16];
    for (int i = 0; i < 8; i++) {
        u[i] = (unsigned char)(h1 >> (56 - 8 * i));
        u[8 + i] = (unsigned char)(h2 >> (56 - 8 * i));
    }
    u[6] = (unsigned char)((u[6] & 0x0f) | 0x50); /* version 5 (name-based) */
    u[8] = (unsigned char)((u[8] & 0x3f) | 0x80); /* RFC 4122 variant */
    snprintf(out, 48,
             "urn:uuid:%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
             u[0], u[1], u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9], u[10], u[11], u[12],
             u[13], u[14], u[15]);
}

/* ------------------------------------------------------------------ order */

/* qsort has no context argument: each key carries what the comparison needs */
typedef struct epub_sortkey {
    size_t idx;
    const epub_chapter *ch;
    epub_order order;
} epub_sortkey;

static int epub_cmp_order(const void *pa, const void *pb)
{
    const epub_sortkey *a = pa, *b = pb;
    int c = 0;
    switch (a->order) {
    case EPUB_ORDER_DATE:
        c = quire_date_compare(&a->ch->date, &b->ch->date);
        break;
    case EPUB_ORDER_DATE_DESC:
        c = -quire_date_compare(&a->ch->date, &b->ch->date);
        break;
    case EPUB_ORDER_TITLE:
        c = strcmp(a->ch->title, b->ch->title);
        break;
    default:
        break;
    }
    return c ? c : (a->idx < b->idx ? -1 : a->idx > b->idx); /* stable: ties keep collection order */
}

static int epub_sort(const epub_state *st, size_t *order)
{
    epub_sortkey *keys = malloc((st->n_chapters ? st->n_chapters : 1) * sizeof *keys);
    if (!keys)
        return QUIRE_ERR_NOMEM;
    for (size_t i = 0; i < st->n_chapters; i++)
        keys[i] = (epub_sortkey){i, &st->chapters[i], st->order};
    qsort(keys, st->n_chapters, sizeof *keys, epub_cmp_order);
    for (size_t i = 0; i < st->n_chapters; i++)
        order[i] = keys[i].idx;
    free(keys);
    return QUIRE_OK;
}

/* ------------------------------------------------------------------ package document */

static xmlDocPtr epub_opf(epub_state *st, quire_arena *ar, const size_t *order,
                          const char *uid)
{
    const quire_writer_ctx *ctx = st->ctx;
    const quire_site *site = ctx->site;
    xmlDocPtr d = xmlNewDoc(BAD_CAST "1.0");
    xmlNodePtr pkg = xmlNewDocNode(d, NULL, BAD_CAST "package", NULL);
    xmlDocSetRootElement(d, pkg);
    xmlNsPtr ns = xmlNewNs(pkg, BAD_CAST EPUB_OPF_NS, NULL);
    xmlSetNs(pkg, ns);
    xmlSetProp(pkg, BAD_CAST "version", BAD_CAST "3.0");
    xmlSetProp(pkg, BAD_CAST "unique-identifier", BAD_CAST "uid");
    xmlNodeSetLang(pkg, BAD_CAST st->language);

    xmlNodePtr md = xmlNewDocNode(d, ns, BAD_CAST "metadata", NULL);
    xmlAddChild(pkg, md);
    xmlNsPtr dc = xmlNewNs(md, BAD_CAST EPUB_DC_NS, BAD_CAST "dc");

    xmlSetProp(epub_text_el(ar, md, dc, "identifier", uid), BAD_CAST "id", BAD_CAST "uid");
    xmlSetProp(epub_text_el(ar, md, dc, "title", epub_book_title(st)), BAD_CAST "id",
               BAD_CAST "title");
    epub_text_el(ar, md, dc, "language", st->language);

    /* creators: the site's authors, else the documents' */
    size_t nc = 0;
    for (size_t i = 0; i < site->n_authors; i++) {
        xmlNodePtr c = epub_text_el(ar, md, dc, "creator", site->authors[i].name);
        if (c) {
            char *id = quire_arena_printf(ar, "creator%zu", ++nc);
            xmlSetProp(c, BAD_CAST "id", BAD_CAST id);
            xmlNodePtr r = epub_meta(ar, md, ns, "role", "aut");
            xmlSetProp(r, BAD_CAST "refines", BAD_CAST quire_arena_printf(ar, "#%s", id));
            xmlSetProp(r, BAD_CAST "scheme", BAD_CAST "marc:relators");
        }
    }
    if (!nc) {
        for (size_t i = 0; i < st->creators.count; i++) {
            xmlNodePtr c = epub_text_el(ar, md, dc, "creator", st->creators.items[i]);
            if (c) {
                char *id = quire_arena_printf(ar, "creator%zu", ++nc);
                xmlSetProp(c, BAD_CAST "id", BAD_CAST id);
                xmlNodePtr r = epub_meta(ar, md, ns, "role", "aut");
                xmlSetProp(r, BAD_CAST "refines", BAD_CAST quire_arena_printf(ar, "#%s", id));
                xmlSetProp(r, BAD_CAST "scheme", BAD_CAST "marc:relators");
            }
        }
    }

    /* dc:date: the document's own date for a one-document book, else the build date */
    const quire_date *pd = st->n_chapters == 1 && st->first_published.set ? &st->first_published
                                                                          : &ctx->updated;
    if (pd->set && pd->year >= 1 && pd->year <= 9999)
        epub_text_el(ar, md, dc, "date",
                     quire_arena_printf(ar, "%04d-%02u-%02u", pd->year, pd->month, pd->day));
    for (size_t i = 0; i < st->subjects.count; i++)
        epub_text_el(ar, md, dc, "subject", st->subjects.items[i]);
    const char *desc = site->description;
    if ((!desc || epub_blank(desc)) && st->n_chapters == 1)
        desc = st->first_summary;
    epub_text_el(ar, md, dc, "description", desc);
    epub_text_el(ar, md, dc, "publisher", site->publisher);
    epub_text_el(ar, md, dc, "rights", site->rights);

    quire_date m = quire_date_from_epoch(ctx->updated.set ? quire_date_epoch(&ctx->updated) : 0);
    epub_meta(ar, md, ns, "dcterms:modified",
              quire_arena_printf(ar, "%04d-%02u-%02uT%02u:%02u:%02uZ", m.year, m.month, m.day,
                                 m.hour, m.minute, m.second));

    /* Accessibility metadata, claiming only what the content shows. */
    bool cover_img = st->cover_media >= 0;
    size_t images = st->n_images + (cover_img ? 1 : 0);
    size_t with_alt = st->n_images_alt + (cover_img ? 1 : 0); /* the cover's alt is its title */
    bool all_alt = images > 0 && with_alt == images;
    epub_meta(ar, md, ns, "schema:accessMode", "textual");
    if (images)
        epub_meta(ar, md, ns, "schema:accessMode", "visual");
    if (!images || all_alt)
        epub_meta(ar, md, ns, "schema:accessModeSufficient", "textual");
    if (images)
        epub_meta(ar, md, ns, "schema:accessModeSufficient", "textual,visual");
    epub_meta(ar, md, ns, "schema:accessibilityFeature", "tableOfContents");
    epub_meta(ar, md, ns, "schema:accessibilityFeature", "readingOrder");
    epub_meta(ar, md, ns, "schema:accessibilityFeature", "structuralNavigation");
    if (all_alt)
        epub_meta(ar, md, ns, "schema:accessibilityFeature", "alternativeText");
    /* GIFs may animate (flashing cannot be ruled out); nothing else here moves or sounds */
    epub_meta(ar, md, ns, "schema:accessibilityHazard", st->n_gif ? "unknown" : "none");
    quire_buf sum;
    quire__buf_init(&sum);
    quire__buf_printf(&sum, "%zu %s with a table of contents; each begins with a heading. ",
                      st->n_chapters, st->n_chapters == 1 ? "chapter" : "chapters");
    if (!images)
        quire__buf_puts(&sum, "Text only: there are no images.");
    else if (all_alt)
        quire__buf_printf(&sum, "%zu %s, all with a text alternative.", images,
                          images == 1 ? "image" : "images");
    else
        quire__buf_printf(&sum, "%zu %s, %zu of them without a text alternative.", images,
                          images == 1 ? "image" : "images", images - with_alt);
    if (st->n_gif)
        quire__buf_puts(&sum, " GIF images may be animated.");
    epub_meta(ar, md, ns, "schema:accessibilitySummary", quire__buf_cstr(&sum));
    quire__buf_free(&sum);
    if (cover_img) { /* EPUB 2 readers find the cover through this */
        xmlNodePtr c = xmlNewDocNode(d, ns, BAD_CAST "meta", NULL);
        xmlAddChild(md, c);
        xmlSetProp(c, BAD_CAST "name", BAD_CAST "cover");
        xmlSetProp(c, BAD_CAST "content", BAD_CAST "cover-image");
    }

    /* manifest */
    xmlNodePtr man = xmlNewDocNode(d, ns, BAD_CAST "manifest", NULL);
    xmlAddChild(pkg, man);
#define ITEM(id_, href_, type_, props_)                                            \
    do {                                                                           \
        xmlNodePtr it_ = xmlNewDocNode(d, ns, BAD_CAST "item", NULL);              \
        xmlAddChild(man, it_);                                                     \
        xmlSetProp(it_, BAD_CAST "id", BAD_CAST(id_));                             \
        xmlSetProp(it_, BAD_CAST "href", BAD_CAST(href_));                         \
        xmlSetProp(it_, BAD_CAST "media-type", BAD_CAST(type_));                   \
        if (props_)                                                                \
            xmlSetProp(it_, BAD_CAST "properties", BAD_CAST(const char *)(props_)); \
    } while (0)
    ITEM("nav", "nav.xhtml", "application/xhtml+xml", "nav");
    ITEM("ncx", "toc.ncx", "application/x-dtbncx+xml", NULL);
    ITEM("css", "style.css", "text/css", NULL);
    ITEM("cover", "cover.xhtml", "application/xhtml+xml", NULL);
    char file[32];
    for (size_t k = 0; k < st->n_chapters; k++) {
        size_t i = order[k];
        epub_file_name(file, sizeof file, i);
        ITEM(quire_arena_printf(ar, "c%zu", i + 1), file, "application/xhtml+xml", NULL);
    }
    for (size_t i = 0; i < st->n_media; i++) {
        bool is_cover = (long)i == st->cover_media;
        ITEM(is_cover ? "cover-image" : quire_arena_printf(ar, "img%zu", i + 1),
             st->media[i].href, st->media[i].type, is_cover ? "cover-image" : NULL);
    }
#undef ITEM

    /* spine: cover or title page, contents, chapters */
    xmlNodePtr spine = xmlNewDocNode(d, ns, BAD_CAST "spine", NULL);
    xmlAddChild(pkg, spine);
    xmlSetProp(spine, BAD_CAST "toc", BAD_CAST "ncx");
    xmlNodePtr ir = xmlNewDocNode(d, ns, BAD_CAST "itemref", NULL);
    xmlAddChild(spine, ir);
    xmlSetProp(ir, BAD_CAST "idref", BAD_CAST "cover");
    ir = xmlNewDocNode(d, ns, BAD_CAST "itemref", NULL);
    xmlAddChild(spine, ir);
    xmlSetProp(ir, BAD_CAST "idref", BAD_CAST "nav");
    for (size_t k = 0; k < st->n_chapters; k++) {
        ir = xmlNewDocNode(d, ns, BAD_CAST "itemref", NULL);
        xmlAddChild(spine, ir);
        xmlSetProp(ir, BAD_CAST "idref", BAD_CAST quire_arena_printf(ar, "c%zu", order[k] + 1));
    }

    /* guide, for EPUB 2 readers */
    xmlNodePtr guide = xmlNewDocNode(d, ns, BAD_CAST "guide", NULL);
    xmlAddChild(pkg, guide);
    xmlNodePtr r = xmlNewDocNode(d, ns, BAD_CAST "reference", NULL);
    xmlAddChild(guide, r);
    xmlSetProp(r, BAD_CAST "type", BAD_CAST(cover_img ? "cover" : "title-page"));
    xmlSetProp(r, BAD_CAST "title", BAD_CAST(cover_img ? "Cover" : "Title page"));
    xmlSetProp(r, BAD_CAST "href", BAD_CAST "cover.xhtml");
    r = xmlNewDocNode(d, ns, BAD_CAST "reference", NULL);
    xmlAddChild(guide, r);
    xmlSetProp(r, BAD_CAST "type", BAD_CAST "toc");
    xmlSetProp(r, BAD_CAST "title", BAD_CAST "Contents");
    xmlSetProp(r, BAD_CAST "href", BAD_CAST "nav.xhtml");
    if (st->n_chapters) {
        epub_file_name(file, sizeof file, order[0]);
        r = xmlNewDocNode(d, ns, BAD_CAST "reference", NULL);
        xmlAddChild(guide, r);
        xmlSetProp(r, BAD_CAST "type", BAD_CAST "text");
        xmlSetProp(r, BAD_CAST "title", BAD_CAST "Start");
        xmlSetProp(r, BAD_CAST "href", BAD_CAST file);
    }
    return d;
}

/* ------------------------------------------------------------------ nav, ncx, cover */

static xmlDocPtr epub_nav(epub_state *st, const size_t *order)
{
    xmlNodePtr body;
    xmlDocPtr d = quire__epub_xhtml_new(st->language, "Contents", &body);
    if (!d)
        return NULL;
    xmlNsPtr epns = xmlSearchNsByHref(d, xmlDocGetRootElement(d), BAD_CAST EPUB_OPS_NS);
    xmlNodePtr nav = quire__epub_el(body, "nav", NULL);
    xmlSetNsProp(nav, epns, BAD_CAST "type", BAD_CAST "toc");
    xmlSetProp(nav, BAD_CAST "id", BAD_CAST "toc");
    quire__epub_el(nav, "h1", "Contents");
    xmlNodePtr ol = quire__epub_el(nav, "ol", NULL);
    char file[32];
    if (!st->n_chapters) { /* a toc list may not be empty */
        xmlNodePtr a = quire__epub_el(quire__epub_el(ol, "li", NULL), "a",
                                      st->cover_media >= 0 ? "Cover" : "Title page");
        xmlSetProp(a, BAD_CAST "href", BAD_CAST "cover.xhtml");
    }
    for (size_t k = 0; k < st->n_chapters; k++) {
        epub_file_name(file, sizeof file, order[k]);
        xmlNodePtr a = quire__epub_el(quire__epub_el(ol, "li", NULL), "a",
                                      st->chapters[order[k]].title);
        xmlSetProp(a, BAD_CAST "href", BAD_CAST file);
    }

    xmlNodePtr lm = quire__epub_el(body, "nav", NULL);
    xmlSetNsProp(lm, epns, BAD_CAST "type", BAD_CAST "landmarks");
    xmlSetProp(lm, BAD_CAST "hidden", BAD_CAST "hidden");
    quire__epub_el(lm, "h2", "Guide");
    ol = quire__epub_el(lm, "ol", NULL);
    xmlNodePtr a = quire__epub_el(quire__epub_el(ol, "li", NULL), "a",
                                  st->cover_media >= 0 ? "Cover" : "Title page");
    xmlSetNsProp(a, epns, BAD_CAST "type", BAD_CAST(st->cover_media >= 0 ? "cover" : "titlepage"));
    xmlSetProp(a, BAD_CAST "href", BAD_CAST "cover.xhtml");
    a = quire__epub_el(quire__epub_el(ol, "li", NULL), "a", "Contents");
    xmlSetNsProp(a, epns, BAD_CAST "type", BAD_CAST "toc");
    xmlSetProp(a, BAD_CAST "href", BAD_CAST "nav.xhtml#toc");
    if (st->n_chapters) {
        epub_file_name(file, sizeof file, order[0]);
        a = quire__epub_el(quire__epub_el(ol, "li", NULL), "a", "Start");
        xmlSetNsProp(a, epns, BAD_CAST "type", BAD_CAST "bodymatter");
        xmlSetProp(a, BAD_CAST "href", BAD_CAST file);
    }
    quire__epub_fix_empty(xmlDocGetRootElement(d));
    return d;
}

static xmlDocPtr epub_ncx(epub_state *st, quire_arena *ar, const size_t *order, const char *uid)
{
    xmlDocPtr d = xmlNewDoc(BAD_CAST "1.0");
    xmlNodePtr ncx = xmlNewDocNode(d, NULL, BAD_CAST "ncx", NULL);
    xmlDocSetRootElement(d, ncx);
    xmlNsPtr ns = xmlNewNs(ncx, BAD_CAST EPUB_NCX_NS, NULL);
    xmlSetNs(ncx, ns);
    xmlSetProp(ncx, BAD_CAST "version", BAD_CAST "2005-1");
    xmlNodeSetLang(ncx, BAD_CAST st->language);
    xmlNodePtr head = xmlNewDocNode(d, ns, BAD_CAST "head", NULL);
    xmlAddChild(ncx, head);
    static const char *const metas[][2] = {{"dtb:uid", NULL}, {"dtb:depth", "1"},
                                           {"dtb:totalPageCount", "0"},
                                           {"dtb:maxPageNumber", "0"}};
    for (size_t i = 0; i < 4; i++) {
        xmlNodePtr m = xmlNewDocNode(d, ns, BAD_CAST "meta", NULL);
        xmlAddChild(head, m);
        xmlSetProp(m, BAD_CAST "name", BAD_CAST metas[i][0]);
        xmlSetProp(m, BAD_CAST "content", BAD_CAST(metas[i][1] ? metas[i][1] : uid));
    }
    xmlNodePtr dt = xmlNewDocNode(d, ns, BAD_CAST "docTitle", NULL);
    xmlAddChild(ncx, dt);
    epub_text_el(ar, dt, ns, "text", epub_book_title(st));
    xmlNodePtr map = xmlNewDocNode(d, ns, BAD_CAST "navMap", NULL);
    xmlAddChild(ncx, map);
    size_t n = st->n_chapters ? st->n_chapters : 1;
    char file[32];
    for (size_t k = 0; k < n; k++) {
        const char *label, *src;
        if (st->n_chapters) {
            epub_file_name(file, sizeof file, order[k]);
            label = st->chapters[order[k]].title;
            src = file;
        } else {
            label = st->cover_media >= 0 ? "Cover" : "Title page";
            src = "cover.xhtml";
        }
        xmlNodePtr np = xmlNewDocNode(d, ns, BAD_CAST "navPoint", NULL);
        xmlAddChild(map, np);
        xmlSetProp(np, BAD_CAST "id", BAD_CAST quire_arena_printf(ar, "np%zu", k + 1));
        xmlSetProp(np, BAD_CAST "playOrder", BAD_CAST quire_arena_printf(ar, "%zu", k + 1));
        xmlNodePtr nl = xmlNewDocNode(d, ns, BAD_CAST "navLabel", NULL);
        xmlAddChild(np, nl);
        epub_text_el(ar, nl, ns, "text", label);
        xmlNodePtr c = xmlNewDocNode(d, ns, BAD_CAST "content", NULL);
        xmlAddChild(np, c);
        xmlSetProp(c, BAD_CAST "src", BAD_CAST src);
    }
    return d;
}

static xmlDocPtr epub_cover_page(epub_state *st, quire_arena *ar)
{
    const quire_site *site = st->ctx->site;
    const char *title = epub_book_title(st);
    xmlNodePtr body;
    xmlDocPtr d = quire__epub_xhtml_new(st->language, quire__xml_clean(ar, title), &body);
    if (!d)
        return NULL;
    xmlNsPtr epns = xmlSearchNsByHref(d, xmlDocGetRootElement(d), BAD_CAST EPUB_OPS_NS);
    xmlNodePtr sec = quire__epub_el(body, "section", NULL);
    if (st->cover_media >= 0) {
        xmlSetProp(body, BAD_CAST "class", BAD_CAST "cover");
        xmlSetNsProp(sec, epns, BAD_CAST "type", BAD_CAST "cover");
        xmlNodePtr img = quire__epub_el(sec, "img", NULL);
        xmlSetProp(img, BAD_CAST "src", BAD_CAST st->media[st->cover_media].href);
        xmlSetProp(img, BAD_CAST "alt", BAD_CAST quire__xml_clean(ar, title));
    } else {
        /* no cover image: a title page made of text */
        xmlSetNsProp(sec, epns, BAD_CAST "type", BAD_CAST "titlepage");
        xmlSetProp(sec, BAD_CAST "class", BAD_CAST "titlepage");
        quire__epub_el(sec, "h1", quire__xml_clean(ar, title));
        quire_buf b;
        quire__buf_init(&b);
        if (site->n_authors) {
            for (size_t i = 0; i < site->n_authors; i++)
                if (site->authors[i].name && !epub_blank(site->authors[i].name))
                    quire__buf_printf(&b, "%s%s", b.len ? ", " : "", site->authors[i].name);
        } else {
            for (size_t i = 0; i < st->creators.count && i < 5; i++)
                quire__buf_printf(&b, "%s%s", b.len ? ", " : "", st->creators.items[i]);
        }
        if (b.len)
            quire__epub_el(sec, "p", quire__xml_clean(ar, quire__buf_cstr(&b)));
        quire__buf_free(&b);
        if (site->description && !epub_blank(site->description))
            quire__epub_el(sec, "p", quire__xml_clean(ar, site->description));
        if (site->publisher && !epub_blank(site->publisher))
            quire__epub_el(sec, "p", quire__xml_clean(ar, site->publisher));
    }
    quire__epub_fix_empty(xmlDocGetRootElement(d));
    return d;
}

/* ------------------------------------------------------------------ chapters back from the spool */

static void epub_put_attr_escaped(quire_buf *b, const char *s)
{
    quire__buf_put_escaped(b, s, strlen(s), true);
}

/* The replacement for one placeholder: ` href="..."`, or nothing (unlinked). */
static void epub_resolve(epub_state *st, size_t xi, size_t from, quire_buf *out)
{
    const epub_xref *x = &st->xrefs[xi];
    uint32_t t;
    bool found = (x->key_path && quire__hmap_get(&st->targets, x->key_path ^ 0x1, &t)) ||
                 (x->key_url && quire__hmap_get(&st->targets, x->key_url ^ 0x2, &t));
    if (found && t < st->n_chapters) {
        bool frag = x->fragment &&
                    quire__hmap_get(&st->ids, quire__hash_str(x->fragment, 1000 + t), NULL);
        char file[32];
        epub_file_name(file, sizeof file, t);
        quire__buf_puts(out, " href=\"");
        if (t != from || !frag)
            quire__buf_puts(out, file);
        if (frag) {
            quire__buf_printf(out, "#c%u-", t + 1);
            epub_put_attr_escaped(out, x->fragment);
        }
        quire__buf_putc(out, '"');
    } else if (x->fallback) {
        quire__buf_puts(out, " href=\"");
        epub_put_attr_escaped(out, x->fallback);
        quire__buf_putc(out, '"');
    }
}

/* quire__xref_rewrite's callback: the chapter being fixed is `from`. */
typedef struct epub_fix {
    epub_state *st;
    size_t from;
} epub_fix;

/* Placeholders are numbered within their chapter (epub_prep). */
static void epub_fix_one(void *ud, size_t index, quire_buf *out)
{
    epub_fix *f = ud;
    epub_resolve(f->st, f->st->chapters[f->from].xref_base + index, f->from, out);
}

/* ------------------------------------------------------------------ the book */

static int epub_add_doc(epub_zip *z, const char *name, xmlDocPtr d)
{
    if (!d)
        return QUIRE_ERR_NOMEM;
    char *bytes = NULL;
    size_t len = 0;
    int rc = quire__epub_xml_dump(d, &bytes, &len);
    xmlFreeDoc(d);
    if (rc)
        return rc;
    rc = quire__epub_zip_add(z, name, bytes, len, true);
    free(bytes);
    return rc;
}

int quire__epub_finish(epub_state *st)
{
    quire_writer_ctx *ctx = st->ctx;
    int rc = QUIRE_OK;
    quire_arena *ar = quire_arena_new();
    size_t *order = malloc((st->n_chapters ? st->n_chapters : 1) * sizeof *order);
    if (!ar || !order) {
        quire_arena_free(ar);
        free(order);
        return QUIRE_ERR_NOMEM;
    }
    for (size_t i = 0; i < st->n_chapters; i++)
        order[i] = i;
    if (st->order != EPUB_ORDER_COLLECTION && epub_sort(st, order) != QUIRE_OK) {
        quire_arena_free(ar);
        free(order);
        return QUIRE_ERR_NOMEM;
    }
    char uid[48];
    epub_uuid(st, uid);

    epub_zip z;
    quire__epub_zip_init(&z, ctx->out, &ctx->updated);
    static const char mimetype[] = "application/epub+zip";
    static const char container[] =
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        "<container version=\"1.0\" xmlns=\"urn:oasis:names:tc:opendocument:xmlns:container\">\n"
        "  <rootfiles>\n"
        "    <rootfile full-path=\"OEBPS/content.opf\" media-type=\"application/oebps-package+xml\"/>\n"
        "  </rootfiles>\n"
        "</container>\n";
    quire__epub_zip_add(&z, "mimetype", mimetype, sizeof mimetype - 1, false);
    quire__epub_zip_add(&z, "META-INF/container.xml", container, sizeof container - 1, true);
    epub_add_doc(&z, "OEBPS/content.opf", epub_opf(st, ar, order, uid));
    epub_add_doc(&z, "OEBPS/nav.xhtml", epub_nav(st, order));
    epub_add_doc(&z, "OEBPS/toc.ncx", epub_ncx(st, ar, order, uid));
    if (st->stylesheet)
        quire__epub_zip_add(&z, "OEBPS/style.css", st->stylesheet, st->stylesheet_len, true);
    else
        quire__epub_zip_add(&z, "OEBPS/style.css", quire__epub_default_css,
                            sizeof quire__epub_default_css - 1, true);
    epub_add_doc(&z, "OEBPS/cover.xhtml", epub_cover_page(st, ar));

    quire_buf fixed;
    quire__buf_init(&fixed);
    for (size_t k = 0; k < st->n_chapters && !z.err; k++) {
        size_t i = order[k];
        const epub_chapter *ch = &st->chapters[i];
        char name[48];
        snprintf(name, sizeof name, "OEBPS/ch%05zu.xhtml", i + 1);
        if (ch->packed) { /* compressed when it was converted */
            quire__epub_zip_add_packed_file(&z, name, st->spool, ch->spool_off, ch->spool_len,
                                            ch->usize, ch->crc, ch->method);
            continue;
        }
        char *bytes = NULL;
        if ((rc = quire__epub_unspool(st, ch->spool_off, ch->spool_len, &bytes)))
            break;
        if (ch->has_xref) {
            quire__buf_reset(&fixed);
            epub_fix f = {st, i};
            rc = quire__xref_rewrite(bytes, ch->spool_len, ch->n_xrefs, epub_fix_one, &f, &fixed);
            if (!rc)
                quire__epub_zip_add(&z, name, fixed.data, fixed.len, true);
        } else {
            quire__epub_zip_add(&z, name, bytes, ch->spool_len, true);
        }
        free(bytes);
        if (rc)
            break;
    }
    quire__buf_free(&fixed);
    for (size_t i = 0; i < st->n_media && !rc && !z.err; i++) {
        const epub_media *m = &st->media[i];
        char *name = quire_arena_printf(ar, "OEBPS/%s", m->href);
        quire__epub_zip_add_stored_file(&z, name, st->spool, m->spool_off, m->len, m->crc);
    }
    if (!rc)
        rc = quire__epub_zip_finish(&z);
    if (!rc)
        rc = z.err;
    if (rc)
        quire_diag_add(ctx->diags, QUIRE_SEV_ERROR, "epub", NULL, 0, 0,
                       "cannot write the book: %s", quire_strerror(rc));
    quire__epub_zip_free(&z);
    free(order);
    quire_arena_free(ar);
    return rc;
}
