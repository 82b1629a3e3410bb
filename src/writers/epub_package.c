/*
 * epub_package.c — the end of the book: package document (OPF), navigation
 * document, NCX, cover or title page, stylesheet; then every entry not yet
 * in the zip, and its directory.  The zip's entries, in the order written:
 *
 *   mimetype (stored, first: written by the first entry of any kind), then,
 *   as they arrived during the build, the chapters that were final (packed)
 *   and the images, in collection order; then at the end
 *   META-INF/container.xml, OEBPS/content.opf, OEBPS/nav.xhtml,
 *   OEBPS/toc.ncx, OEBPS/style.css, OEBPS/cover.xhtml, the other chapters
 *   in reading order (and images when there was no sink to write them to).
 *
 * Readers find entries by the directory and the spine (the OPF), so the
 * order matters only for mimetype; it is the same for every run and every
 * number of threads, since documents arrive in collection order.
 *
 * The chapters left for the end come back from the spool one at a time: they
 * have cross-document link placeholders (href="quire-xref:N") that are
 * replaced here, when every chapter's file name and ids are known, or ids
 * numbered by position; they are compressed here.
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

static void epub_put_num(quire_buf *b, size_t v, int width)
{
    char d[24];
    quire__buf_put(b, d, quire__fmt_uint(d, v, width));
}

/* snprintf's "ch%05zu.xhtml", without snprintf. */
void quire__epub_file_name(char *buf, size_t chapter)
{
    memcpy(buf, "ch", 2);
    size_t n = 2 + quire__fmt_uint(buf + 2, chapter + 1, 5);
    memcpy(buf + n, ".xhtml", sizeof ".xhtml");
}

static bool epub_blank(const char *s)
{
    for (; s && *s; s++)
        if (*s != ' ' && *s != '\t' && *s != '\n' && *s != '\r')
            return false;
    return true;
}

/*
 * Writing XML directly.  The package document, nav and NCX used to be
 * libxml2 trees given to xmlSaveDoc: a malloc per node, attribute and string
 * and a generic serializer, most of the end of a large book.  They are flat
 * and made of trusted names, so they are written straight into a buffer,
 * with the bytes xmlSaveDoc wrote (escaping of epub_dom.c, empty elements
 * as <x/>, XHTML elements other than void ones as <x></x>, one '\n' after
 * the root).  tests/epub/test_epub_package.c holds them to the libxml2
 * trees on hostile inputs.
 */
#define EPUB_XML_DECL "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"

static void epub_x_attr(quire_buf *b, const char *name, const char *value)
{
    quire__buf_putc(b, ' ');
    quire__buf_puts(b, name);
    quire__buf_put(b, "=\"", 2);
    if (value)
        quire__epub_put_escaped(b, value, strlen(value), true);
    quire__buf_putc(b, '"');
}

/* <name a1="v1" ... (no '>'); attrs: name, value pairs ending in NULL */
static void epub_x_open(quire_buf *b, const char *name, const char *const *attrs)
{
    quire__buf_putc(b, '<');
    quire__buf_puts(b, name);
    for (; attrs && attrs[0]; attrs += 2)
        epub_x_attr(b, attrs[0], attrs[1]);
}

static void epub_x_close(quire_buf *b, const char *name)
{
    quire__buf_put(b, "</", 2);
    quire__buf_puts(b, name);
    quire__buf_putc(b, '>');
}

/* Text cleaned of characters XML forbids, escaped. */
static void epub_x_text(quire_buf *b, quire_arena *a, const char *text)
{
    const char *c = quire__xml_clean(a, text ? text : "");
    if (!c)
        b->oom = true;
    else
        quire__epub_put_escaped(b, c, strlen(c), false);
}

/* An element with (XML-cleaned) text, or nothing when the text is blank:
 * empty dc: elements are errors. */
static bool epub_x_text_el(quire_buf *b, quire_arena *a, const char *name, const char *text,
                           const char *const *attrs)
{
    if (!text || epub_blank(text))
        return false;
    epub_x_open(b, name, attrs);
    quire__buf_putc(b, '>');
    epub_x_text(b, a, text);
    epub_x_close(b, name);
    return true;
}

static void epub_x_meta(quire_buf *b, quire_arena *a, const char *property, const char *text)
{
    epub_x_text_el(b, a, "meta", text, (const char *const[]){"property", property, NULL});
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

/* dc:creator with its role; false when the name is blank */
static bool epub_x_creator(quire_buf *b, quire_arena *a, const char *name, size_t n)
{
    char id[40] = "creator", ref[40] = "#creator";
    quire__fmt_uint(id + 7, n, 0);
    quire__fmt_uint(ref + 8, n, 0);
    if (!epub_x_text_el(b, a, "dc:creator", name, (const char *const[]){"id", id, NULL}))
        return false;
    epub_x_text_el(b, a, "meta", "aut",
                   (const char *const[]){"property", "role", "refines", ref, "scheme",
                                         "marc:relators", NULL});
    return true;
}

static void epub_x_item(quire_buf *b, const char *id, const char *href, const char *type,
                        const char *props)
{
    epub_x_open(b, "item",
                (const char *const[]){"id", id, "href", href, "media-type", type,
                                      props ? "properties" : NULL, props, NULL});
    quire__buf_put(b, "/>", 2);
}

static void epub_x_reference(quire_buf *b, const char *type, const char *title, const char *href)
{
    epub_x_open(b, "reference",
                (const char *const[]){"type", type, "title", title, "href", href, NULL});
    quire__buf_put(b, "/>", 2);
}

int quire__epub_opf(const epub_state *st, quire_arena *ar, const size_t *order, const char *uid,
                    quire_buf *b)
{
    const quire_writer_ctx *ctx = st->ctx;
    const quire_site *site = ctx->site;
    quire__buf_puts(b, EPUB_XML_DECL);
    epub_x_open(b, "package",
                (const char *const[]){"xmlns", EPUB_OPF_NS, "version", "3.0",
                                      "unique-identifier", "uid", "xml:lang", st->language,
                                      NULL});
    quire__buf_puts(b, "><metadata xmlns:dc=\"" EPUB_DC_NS "\">");

    epub_x_text_el(b, ar, "dc:identifier", uid, (const char *const[]){"id", "uid", NULL});
    epub_x_text_el(b, ar, "dc:title", epub_book_title(st),
                   (const char *const[]){"id", "title", NULL});
    epub_x_text_el(b, ar, "dc:language", st->language, NULL);

    /* creators: the site's authors, else the documents' */
    size_t nc = 0;
    for (size_t i = 0; i < site->n_authors; i++)
        if (epub_x_creator(b, ar, site->authors[i].name, nc + 1))
            nc++;
    if (!nc)
        for (size_t i = 0; i < st->creators.count; i++)
            if (epub_x_creator(b, ar, st->creators.items[i], nc + 1))
                nc++;

    /* dc:date: the document's own date for a one-document book, else the build date */
    const quire_date *pd = st->n_chapters == 1 && st->first_published.set ? &st->first_published
                                                                          : &ctx->updated;
    char when[64];
    if (pd->set && pd->year >= 1 && pd->year <= 9999) {
        snprintf(when, sizeof when, "%04d-%02u-%02u", pd->year, pd->month, pd->day);
        epub_x_text_el(b, ar, "dc:date", when, NULL);
    }
    for (size_t i = 0; i < st->subjects.count; i++)
        epub_x_text_el(b, ar, "dc:subject", st->subjects.items[i], NULL);
    const char *desc = site->description;
    if ((!desc || epub_blank(desc)) && st->n_chapters == 1)
        desc = st->first_summary;
    epub_x_text_el(b, ar, "dc:description", desc, NULL);
    epub_x_text_el(b, ar, "dc:publisher", site->publisher, NULL);
    epub_x_text_el(b, ar, "dc:rights", site->rights, NULL);

    quire_date m = quire_date_from_epoch(ctx->updated.set ? quire_date_epoch(&ctx->updated) : 0);
    snprintf(when, sizeof when, "%04d-%02u-%02uT%02u:%02u:%02uZ", m.year, m.month, m.day, m.hour,
             m.minute, m.second);
    epub_x_meta(b, ar, "dcterms:modified", when);

    /* Accessibility metadata, claiming only what the content shows. */
    bool cover_img = st->cover_media >= 0;
    size_t images = st->n_images + (cover_img ? 1 : 0);
    size_t with_alt = st->n_images_alt + (cover_img ? 1 : 0); /* the cover's alt is its title */
    bool all_alt = images > 0 && with_alt == images;
    epub_x_meta(b, ar, "schema:accessMode", "textual");
    if (images)
        epub_x_meta(b, ar, "schema:accessMode", "visual");
    if (!images || all_alt)
        epub_x_meta(b, ar, "schema:accessModeSufficient", "textual");
    if (images)
        epub_x_meta(b, ar, "schema:accessModeSufficient", "textual,visual");
    epub_x_meta(b, ar, "schema:accessibilityFeature", "tableOfContents");
    epub_x_meta(b, ar, "schema:accessibilityFeature", "readingOrder");
    epub_x_meta(b, ar, "schema:accessibilityFeature", "structuralNavigation");
    if (all_alt)
        epub_x_meta(b, ar, "schema:accessibilityFeature", "alternativeText");
    /* GIFs may animate (flashing cannot be ruled out); nothing else here moves or sounds */
    epub_x_meta(b, ar, "schema:accessibilityHazard", st->n_gif ? "unknown" : "none");
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
    if (sum.oom)
        b->oom = true;
    epub_x_meta(b, ar, "schema:accessibilitySummary", quire__buf_cstr(&sum));
    quire__buf_free(&sum);
    if (cover_img) /* EPUB 2 readers find the cover through this */
        quire__buf_puts(b, "<meta name=\"cover\" content=\"cover-image\"/>");
    quire__buf_puts(b, "</metadata>");

    /* manifest */
    quire__buf_puts(b, "<manifest>");
    epub_x_item(b, "nav", "nav.xhtml", "application/xhtml+xml", "nav");
    epub_x_item(b, "ncx", "toc.ncx", "application/x-dtbncx+xml", NULL);
    epub_x_item(b, "css", "style.css", "text/css", NULL);
    epub_x_item(b, "cover", "cover.xhtml", "application/xhtml+xml", NULL);
    for (size_t k = 0; k < st->n_chapters; k++) {
        size_t i = order[k];
        quire__buf_puts(b, "<item id=\"c");
        epub_put_num(b, i + 1, 0);
        quire__buf_puts(b, "\" href=\"ch");
        epub_put_num(b, i + 1, 5);
        quire__buf_puts(b, ".xhtml\" media-type=\"application/xhtml+xml\"/>");
    }
    for (size_t i = 0; i < st->n_media; i++) {
        bool is_cover = (long)i == st->cover_media;
        char id[40] = "img";
        quire__fmt_uint(id + 3, i + 1, 0);
        epub_x_item(b, is_cover ? "cover-image" : id, st->media[i].href, st->media[i].type,
                    is_cover ? "cover-image" : NULL);
    }
    quire__buf_puts(b, "</manifest>");

    /* spine: cover or title page, contents, chapters */
    quire__buf_puts(b, "<spine toc=\"ncx\"><itemref idref=\"cover\"/><itemref idref=\"nav\"/>");
    for (size_t k = 0; k < st->n_chapters; k++) {
        quire__buf_puts(b, "<itemref idref=\"c");
        epub_put_num(b, order[k] + 1, 0);
        quire__buf_puts(b, "\"/>");
    }
    quire__buf_puts(b, "</spine>");

    /* guide, for EPUB 2 readers */
    quire__buf_puts(b, "<guide>");
    epub_x_reference(b, cover_img ? "cover" : "title-page", cover_img ? "Cover" : "Title page",
                     "cover.xhtml");
    epub_x_reference(b, "toc", "Contents", "nav.xhtml");
    if (st->n_chapters) {
        char file[40];
        quire__epub_file_name(file, order[0]);
        epub_x_reference(b, "text", "Start", file);
    }
    quire__buf_puts(b, "</guide></package>\n");
    return b->oom ? QUIRE_ERR_NOMEM : QUIRE_OK;
}

/* ------------------------------------------------------------------ nav, ncx, cover */

/* <li><a attrs>text</a></li> of the nav (text cleaned) */
static void epub_x_nav_li(quire_buf *b, quire_arena *a, const char *text,
                          const char *const *attrs)
{
    quire__buf_puts(b, "<li>");
    epub_x_open(b, "a", attrs);
    quire__buf_putc(b, '>');
    epub_x_text(b, a, text);
    quire__buf_puts(b, "</a></li>");
}

int quire__epub_nav(const epub_state *st, quire_arena *ar, const size_t *order, quire_buf *b)
{
    /* the head of quire__epub_xhtml_new */
    quire__buf_puts(b, EPUB_XML_DECL "<!DOCTYPE html>\n");
    epub_x_open(b, "html",
                (const char *const[]){"xmlns", EPUB_XHTML_NS, "xmlns:epub", EPUB_OPS_NS, "lang",
                                      st->language, "xml:lang", st->language, NULL});
    quire__buf_puts(b, "><head><meta charset=\"UTF-8\"/><title>Contents</title>"
                       "<link rel=\"stylesheet\" type=\"text/css\" href=\"style.css\"/>"
                       "</head><body>");
    quire__buf_puts(b, "<nav epub:type=\"toc\" id=\"toc\"><h1>Contents</h1><ol>");
    const char *front = st->cover_media >= 0 ? "Cover" : "Title page";
    if (!st->n_chapters) /* a toc list may not be empty */
        epub_x_nav_li(b, ar, front, (const char *const[]){"href", "cover.xhtml", NULL});
    for (size_t k = 0; k < st->n_chapters; k++) {
        quire__buf_puts(b, "<li><a href=\"ch");
        epub_put_num(b, order[k] + 1, 5);
        quire__buf_puts(b, ".xhtml\">");
        epub_x_text(b, ar, st->chapters[order[k]].title);
        quire__buf_puts(b, "</a></li>");
    }
    quire__buf_puts(b, "</ol></nav>");

    quire__buf_puts(b, "<nav epub:type=\"landmarks\" hidden=\"hidden\"><h2>Guide</h2><ol>");
    epub_x_nav_li(b, ar, front,
                  (const char *const[]){"epub:type", st->cover_media >= 0 ? "cover" : "titlepage",
                                        "href", "cover.xhtml", NULL});
    epub_x_nav_li(b, ar, "Contents",
                  (const char *const[]){"epub:type", "toc", "href", "nav.xhtml#toc", NULL});
    if (st->n_chapters) {
        char file[40];
        quire__epub_file_name(file, order[0]);
        epub_x_nav_li(b, ar, "Start",
                      (const char *const[]){"epub:type", "bodymatter", "href", file, NULL});
    }
    quire__buf_puts(b, "</ol></nav></body></html>\n");
    return b->oom ? QUIRE_ERR_NOMEM : QUIRE_OK;
}

int quire__epub_ncx(const epub_state *st, quire_arena *ar, const size_t *order, const char *uid,
                    quire_buf *b)
{
    quire__buf_puts(b, EPUB_XML_DECL);
    epub_x_open(b, "ncx",
                (const char *const[]){"xmlns", EPUB_NCX_NS, "version", "2005-1", "xml:lang",
                                      st->language, NULL});
    quire__buf_puts(b, "><head>");
    epub_x_open(b, "meta", (const char *const[]){"name", "dtb:uid", "content", uid, NULL});
    quire__buf_puts(b, "/><meta name=\"dtb:depth\" content=\"1\"/>"
                       "<meta name=\"dtb:totalPageCount\" content=\"0\"/>"
                       "<meta name=\"dtb:maxPageNumber\" content=\"0\"/></head>");
    /* an element left empty is <docTitle/>, as xmlSaveDoc wrote it */
    const char *title = epub_book_title(st);
    quire__buf_puts(b, epub_blank(title) ? "<docTitle/>" : "<docTitle>");
    if (epub_x_text_el(b, ar, "text", title, NULL))
        quire__buf_puts(b, "</docTitle>");
    quire__buf_puts(b, "<navMap>");
    size_t n = st->n_chapters ? st->n_chapters : 1;
    for (size_t k = 0; k < n; k++) {
        const char *label;
        quire__buf_puts(b, "<navPoint id=\"np");
        epub_put_num(b, k + 1, 0);
        quire__buf_puts(b, "\" playOrder=\"");
        epub_put_num(b, k + 1, 0);
        quire__buf_puts(b, "\">");
        if (st->n_chapters)
            label = st->chapters[order[k]].title;
        else
            label = st->cover_media >= 0 ? "Cover" : "Title page";
        if (epub_blank(label))
            quire__buf_puts(b, "<navLabel/>");
        else {
            quire__buf_puts(b, "<navLabel>");
            epub_x_text_el(b, ar, "text", label, NULL);
            quire__buf_puts(b, "</navLabel>");
        }
        if (st->n_chapters) {
            quire__buf_puts(b, "<content src=\"ch");
            epub_put_num(b, order[k] + 1, 5);
            quire__buf_puts(b, ".xhtml\"/>");
        } else {
            quire__buf_puts(b, "<content src=\"cover.xhtml\"/>");
        }
        quire__buf_puts(b, "</navPoint>");
    }
    quire__buf_puts(b, "</navMap></ncx>\n");
    return b->oom ? QUIRE_ERR_NOMEM : QUIRE_OK;
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
        char file[40];
        quire__epub_file_name(file, t);
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

/* A package document written into b (then emptied for the next one), deflated
 * into the book; rc: what writing it returned. */
static int epub_add_written(epub_zip *z, const char *name, int rc, quire_buf *b)
{
    if (!rc)
        rc = quire__epub_zip_add(z, name, b->data, b->len, true);
    quire__buf_reset(b);
    return rc;
}

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

int quire__epub_book_begin(epub_state *st)
{
    if (st->zip_begun)
        return st->zip.err;
    static const char mimetype[] = "application/epub+zip";
    st->zip_begun = true;
    quire__epub_zip_init(&st->zip, st->ctx->out, &st->ctx->updated);
    return quire__epub_zip_add(&st->zip, "mimetype", mimetype, sizeof mimetype - 1, false);
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

    /* mimetype and what arrived final (packed chapters, images) are in
     * already when the book has a sink */
    epub_zip *z = &st->zip;
    quire__epub_book_begin(st);
    static const char container[] =
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        "<container version=\"1.0\" xmlns=\"urn:oasis:names:tc:opendocument:xmlns:container\">\n"
        "  <rootfiles>\n"
        "    <rootfile full-path=\"OEBPS/content.opf\" media-type=\"application/oebps-package+xml\"/>\n"
        "  </rootfiles>\n"
        "</container>\n";
    quire__epub_zip_add(z, "META-INF/container.xml", container, sizeof container - 1, true);
    quire_buf doc;
    quire__buf_init(&doc);
    epub_add_written(z, "OEBPS/content.opf", quire__epub_opf(st, ar, order, uid, &doc), &doc);
    epub_add_written(z, "OEBPS/nav.xhtml", quire__epub_nav(st, ar, order, &doc), &doc);
    epub_add_written(z, "OEBPS/toc.ncx", quire__epub_ncx(st, ar, order, uid, &doc), &doc);
    quire__buf_free(&doc);
    if (st->stylesheet)
        quire__epub_zip_add(z, "OEBPS/style.css", st->stylesheet, st->stylesheet_len, true);
    else
        quire__epub_zip_add(z, "OEBPS/style.css", quire__epub_default_css,
                            sizeof quire__epub_default_css - 1, true);
    epub_add_doc(z, "OEBPS/cover.xhtml", epub_cover_page(st, ar));

    quire_buf fixed;
    quire__buf_init(&fixed);
    st->spool_at_end = false; /* the zip reads the spool from here on */
    for (size_t k = 0; k < st->n_chapters && !z->err; k++) {
        size_t i = order[k];
        const epub_chapter *ch = &st->chapters[i];
        if (ch->in_book)
            continue;
        char name[48] = "OEBPS/";
        quire__epub_file_name(name + 6, i);
        if (ch->packed) { /* compressed when it was converted */
            quire__epub_zip_add_packed_file(z, name, st->spool, ch->spool_off, ch->spool_len,
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
                quire__epub_zip_add(z, name, fixed.data, fixed.len, true);
        } else {
            quire__epub_zip_add(z, name, bytes, ch->spool_len, true);
        }
        free(bytes);
        if (rc)
            break;
    }
    quire__buf_free(&fixed);
    for (size_t i = 0; i < st->n_media && !rc && !z->err; i++) {
        const epub_media *m = &st->media[i];
        if (m->in_book)
            continue;
        char *name = quire_arena_printf(ar, "OEBPS/%s", m->href);
        quire__epub_zip_add_stored_file(z, name, st->spool, m->spool_off, m->len, m->crc);
    }
    if (!rc)
        rc = quire__epub_zip_finish(z);
    if (!rc)
        rc = z->err;
    if (rc)
        quire_diag_add(ctx->diags, QUIRE_SEV_ERROR, "epub", NULL, 0, 0,
                       "cannot write the book: %s", quire_strerror(rc));
    quire__epub_zip_free(z);
    free(order);
    quire_arena_free(ar);
    return rc;
}
