/*
 * test_epub_package.c — the package document, nav and NCX that epub_package.c
 * writes directly (quire__epub_opf, quire__epub_nav, quire__epub_ncx), held to
 * the libxml2 trees they were built as before (kept here, as they were, with
 * xmlSaveDoc through quire__epub_xml_dump): byte for byte.
 *
 * Inputs: random books (0 to 40 chapters, authors, creators, subjects, media,
 * cover or none, dates set or not, any order) whose strings are hostile:
 * markup characters, quotes, "]]>", tabs and line breaks, control
 * characters, valid and invalid UTF-8, surrogates, U+FFFE, blank and empty
 * strings, NULLs where the state allows them.
 */
#include "epub_internal.h"
#include "check_msg.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EPUB_OPF_NS "http://www.idpf.org/2007/opf"
#define EPUB_DC_NS "http://purl.org/dc/elements/1.1/"
#define EPUB_NCX_NS "http://www.daisy.org/z3986/2005/ncx/"

/* ------------------------------------------------------------------ the reference */

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

/* ------------------------------------------------------------------ random books */

static uint64_t rng = 0x9E3779B97F4A7C15u;

static uint32_t rnd(void)
{
    return rnd_next(&rng);
}

/* Pieces strings are made of: plain words most of the time, else trouble. */
static const char *const pieces[] = {
    "word", "Harbor", " ", "  ", "\t", "\n", "\r", "\r\n", "<", ">", "&", "&amp;", "\"", "'",
    "]]>", "<![CDATA[", "&#13;", "\x01", "\x08", "\x0b", "\x1f", "\x7f", "caf\xc3\xa9",
    "\xe2\x82\xac", "\xf0\x9f\x98\x80", "\xef\xbf\xbe", "\xef\xbf\xbf", "\xed\xa0\x80", "\xff",
    "\xfe", "\x80", "\xc0\x80", "\xc3", "\xe2\x82", "\xf4\x90\x80\x80", "\xc2\x85", "Untitled",
    "-->", "<!--", "?>", "%", "#", "/",
};

static char *rstr(quire_arena *a)
{
    switch (rnd() % 16) {
    case 0: return NULL;
    case 1: return quire_arena_strdup(a, "");
    case 2: return quire_arena_strdup(a, " \t\r\n ");
    default: break;
    }
    quire_buf b;
    quire__buf_init(&b);
    size_t n = 1 + rnd() % 8;
    for (size_t i = 0; i < n; i++)
        quire__buf_puts(&b, rnd() % 3 ? pieces[rnd() % 3] : pieces[rnd() % (sizeof pieces /
                                                                           sizeof pieces[0])]);
    char *s = quire_arena_strndup(a, quire__buf_cstr(&b), b.len);
    quire__buf_free(&b);
    return s;
}

/* Strings the state never holds as NULL. */
static char *rstr_set(quire_arena *a)
{
    char *s = rstr(a);
    return s ? s : quire_arena_strdup(a, "x");
}

static quire_date rdate(void)
{
    quire_date d = {0};
    if (rnd() % 4 == 0)
        return d;
    d.set = true;
    d.has_time = rnd() % 2;
    d.has_zone = d.has_time && rnd() % 2;
    d.year = (int16_t)(rnd() % 5 == 0 ? (int)(rnd() % 12000) - 10 : 1970 + (int)(rnd() % 80));
    d.month = (uint8_t)(1 + rnd() % 12);
    d.day = (uint8_t)(1 + rnd() % 28);
    d.hour = (uint8_t)(rnd() % 24);
    d.minute = (uint8_t)(rnd() % 60);
    d.second = (uint8_t)(rnd() % 60);
    d.offset_min = d.has_zone ? (int16_t)((int)(rnd() % 1440) - 720) : 0;
    return d;
}

static char **rlist(quire_arena *a, size_t n)
{
    char **v = quire_arena_alloc(a, (n ? n : 1) * sizeof *v);
    for (size_t i = 0; i < n; i++)
        v[i] = rstr_set(a);
    return v;
}

/* The first difference of two outputs, for the message. */
static void show_diff(const char *what, const char *a, size_t an, const char *b, size_t bn)
{
    size_t i = 0;
    while (i < an && i < bn && a[i] == b[i])
        i++;
    size_t from = i > 60 ? i - 60 : 0;
    fprintf(stderr, "%s: first difference at byte %zu of %zu/%zu\n  libxml2: %.*s\n  direct:  %.*s\n",
            what, i, an, bn, (int)((an - from) < 140 ? an - from : 140), a + from,
            (int)((bn - from) < 140 ? bn - from : 140), b + from);
}

static void compare(const char *what, xmlDocPtr ref, int rc, const quire_buf *got)
{
    char *want = NULL;
    size_t wn = 0;
    CHECK(ref && quire__epub_xml_dump(ref, &want, &wn) == QUIRE_OK, "%s: libxml2 failed", what);
    xmlFreeDoc(ref);
    CHECK(rc == QUIRE_OK, "%s: direct writer failed (%d)", what, rc);
    checked++;
    if (want && (wn != got->len || memcmp(want, got->data, wn) != 0)) {
        CHECK(false, "%s differs", what);
        show_diff(what, want, wn, got->data ? got->data : "", got->len);
    }
    free(want);
}

static void one_book(unsigned round)
{
    quire_arena *a = quire_arena_new();
    quire_site site = {0};
    site.title = rnd() % 5 == 0 ? "Untitled" : rstr_set(a);
    site.description = rstr(a);
    site.publisher = rstr(a);
    site.rights = rstr(a);
    site.n_authors = rnd() % 3 ? 0 : rnd() % 4;
    site.authors = quire_arena_alloc(a, (site.n_authors + 1) * sizeof *site.authors);
    for (size_t i = 0; i < site.n_authors; i++)
        site.authors[i] = (quire_author){.name = rstr(a)};
    quire_writer_ctx ctx = {0};
    ctx.site = &site;
    ctx.updated = rdate();

    epub_state st = {0};
    st.ctx = &ctx;
    st.language = rnd() % 4 ? quire_arena_strdup(a, "en-GB") : rstr_set(a);
    st.n_chapters = rnd() % 4 == 0 ? rnd() % 2 : rnd() % 41;
    st.chapters = quire_arena_alloc(a, (st.n_chapters + 1) * sizeof *st.chapters);
    for (size_t i = 0; i < st.n_chapters; i++)
        st.chapters[i].title = rstr_set(a);
    st.creators.count = rnd() % 4;
    st.creators.items = rlist(a, st.creators.count);
    st.subjects.count = rnd() % 5;
    st.subjects.items = rlist(a, st.subjects.count);
    st.first_title = rstr(a);
    st.first_summary = rstr(a);
    st.first_published = rdate();
    st.n_media = rnd() % 4;
    st.media = quire_arena_alloc(a, (st.n_media + 1) * sizeof *st.media);
    for (size_t i = 0; i < st.n_media; i++) {
        st.media[i].href = rnd() % 2 ? quire_arena_strdup(a, "images/0123456789abcdef.png")
                                     : rstr_set(a);
        st.media[i].type = rnd() % 2 ? "image/png" : rstr_set(a);
    }
    st.cover_media = st.n_media && rnd() % 2 ? (long)(rnd() % st.n_media) : -1;
    st.n_images = rnd() % 3;
    st.n_images_alt = st.n_images ? rnd() % (st.n_images + 1) : 0;
    st.n_gif = rnd() % 3 == 0;

    size_t *order = quire_arena_alloc(a, (st.n_chapters + 1) * sizeof *order);
    for (size_t i = 0; i < st.n_chapters; i++)
        order[i] = i;
    for (size_t i = st.n_chapters; i > 1; i--) { /* shuffled: any reading order */
        size_t j = rnd() % i, t = order[i - 1];
        order[i - 1] = order[j];
        order[j] = t;
    }
    const char *uid = rnd() % 4 ? "urn:uuid:5989f842-8371-582a-9ab2-8acfb0757915" : rstr_set(a);

    char what[64];
    quire_buf b;
    quire__buf_init(&b);
    snprintf(what, sizeof what, "book %u: opf", round);
    int rc = quire__epub_opf(&st, a, order, uid, &b);
    compare(what, epub_opf(&st, a, order, uid), rc, &b);
    quire__buf_reset(&b);
    snprintf(what, sizeof what, "book %u: nav", round);
    rc = quire__epub_nav(&st, a, order, &b);
    compare(what, epub_nav(&st, order), rc, &b);
    quire__buf_reset(&b);
    snprintf(what, sizeof what, "book %u: ncx", round);
    rc = quire__epub_ncx(&st, a, order, uid, &b);
    compare(what, epub_ncx(&st, a, order, uid), rc, &b);
    quire__buf_free(&b);
    quire_arena_free(a);
}

int main(void)
{
    for (unsigned i = 0; i < 3000 && failures < 20; i++)
        one_book(i);
    printf("%d comparisons, %d failures\n", checked, failures);
    return failures ? 1 : 0;
}
