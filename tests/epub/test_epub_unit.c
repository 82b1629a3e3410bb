/*
 * test_epub_unit.c — the EPUB writer on programmatic documents, written to
 * memory and read back with libzip (an independent zip implementation) and
 * libxml2: container structure, well-formedness, hostile content removed,
 * ids unique in the book, links between documents, images, metadata,
 * accessibility claims, reproducibility.
 */
#include "cases.h"

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <time.h>
#include <unistd.h>
#include <zip.h>

typedef struct book {
    char *data;
    size_t len;
    zip_t *zip;
    quire_diag_list diags;
} book;

static bool book_open(book *b, quire_collection *c)
{
    memset(b, 0, sizeof *b);
    quire_diag_list_init(&b->diags);
    if (twrite(c, &b->data, &b->len, &b->diags) != QUIRE_OK) {
        tprint_diags(&b->diags);
        return false;
    }
    zip_error_t err;
    zip_source_t *src = zip_source_buffer_create(b->data, b->len, 0, &err);
    b->zip = src ? zip_open_from_source(src, ZIP_RDONLY | ZIP_CHECKCONS, &err) : NULL;
    return b->zip != NULL;
}

static void book_close(book *b)
{
    if (b->zip)
        zip_discard(b->zip);
    free(b->data);
    quire_diag_list_free(&b->diags);
}

/* An entry's bytes, NUL-terminated (malloc'd), or NULL. */
static char *entry(book *b, const char *name, size_t *len)
{
    zip_stat_t st;
    if (zip_stat(b->zip, name, 0, &st) != 0)
        return NULL;
    zip_file_t *f = zip_fopen(b->zip, name, 0);
    if (!f)
        return NULL;
    char *buf = malloc(st.size + 1);
    zip_int64_t n = zip_fread(f, buf, st.size);
    zip_fclose(f);
    if (n < 0 || (zip_uint64_t)n != st.size) {
        free(buf);
        return NULL;
    }
    buf[st.size] = '\0';
    if (len)
        *len = st.size;
    return buf;
}

static xmlDocPtr parse(const char *s, size_t len)
{
    return xmlReadMemory(s, (int)len, "x.xml", NULL, XML_PARSE_NONET | XML_PARSE_NOERROR |
                                                        XML_PARSE_NOWARNING);
}

static bool contains(const char *hay, const char *needle)
{
    return hay && strstr(hay, needle) != NULL;
}

/* Every xhtml entry concatenated, after checking each is well-formed and its
 * ids are unique across the book. */
static char *all_xhtml(book *b, int *ill_formed, int *dup_ids, int *img_without_alt)
{
    size_t cap = 1 << 16, len = 0;
    char *all = malloc(cap);
    all[0] = '\0';
    char **ids = NULL;
    size_t nid = 0, cid = 0;
    zip_int64_t n = zip_get_num_entries(b->zip, 0);
    for (zip_int64_t i = 0; i < n; i++) {
        const char *name = zip_get_name(b->zip, (zip_uint64_t)i, 0);
        size_t nl = strlen(name);
        if (nl < 6 || strcmp(name + nl - 6, ".xhtml") != 0)
            continue;
        size_t l;
        char *s = entry(b, name, &l);
        xmlDocPtr d = s ? parse(s, l) : NULL;
        if (!d) {
            fprintf(stderr, "not well-formed: %s\n", name);
            (*ill_formed)++;
        } else {
            /* walk without recursion */
            xmlNodePtr x = xmlDocGetRootElement(d);
            while (x) {
                if (x->type == XML_ELEMENT_NODE) {
                    xmlChar *id = xmlGetProp(x, BAD_CAST "id");
                    if (id) {
                        for (size_t k = 0; k < nid; k++)
                            if (strcmp(ids[k], (char *)id) == 0) {
                                fprintf(stderr, "duplicate id %s in %s\n", id, name);
                                (*dup_ids)++;
                            }
                        if (nid == cid)
                            ids = realloc(ids, (cid = cid ? cid * 2 : 64) * sizeof *ids);
                        ids[nid++] = strdup((char *)id);
                        xmlFree(id);
                    }
                    if (xmlStrEqual(x->name, BAD_CAST "img") && !xmlHasProp(x, BAD_CAST "alt"))
                        (*img_without_alt)++;
                }
                if (x->type == XML_ELEMENT_NODE && x->children) {
                    x = x->children;
                    continue;
                }
                while (x && !x->next)
                    x = x->parent;
                if (x)
                    x = x->next;
            }
            xmlFreeDoc(d);
        }
        if (s) {
            while (len + l + 1 > cap)
                all = realloc(all, cap *= 2);
            memcpy(all + len, s, l);
            len += l;
            all[len] = '\0';
        }
        free(s);
    }
    for (size_t k = 0; k < nid; k++)
        free(ids[k]);
    free(ids);
    return all;
}

static bool has_diag(const quire_diag_list *l, const char *file_part, const char *msg_part)
{
    for (size_t i = 0; i < l->count; i++)
        if ((!file_part || (l->items[i].file && strstr(l->items[i].file, file_part))) &&
            strstr(l->items[i].message, msg_part))
            return true;
    return false;
}

static void test_container(book *b)
{
    /* mimetype: first entry, stored, exact content, no extra field */
    CHECK(b->len > 38 && memcmp(b->data, "PK\x03\x04", 4) == 0);
    CHECK(b->data[8] == 0 && b->data[9] == 0);   /* method: stored */
    CHECK(b->data[26] == 8 && b->data[27] == 0); /* name length */
    CHECK(b->data[28] == 0 && b->data[29] == 0); /* extra length */
    CHECK(memcmp(b->data + 30, "mimetypeapplication/epub+zip", 28) == 0);
    CHECK(strcmp(zip_get_name(b->zip, 0, 0), "mimetype") == 0);
    zip_stat_t st;
    CHECK(zip_stat_index(b->zip, 0, 0, &st) == 0 && st.comp_method == ZIP_CM_STORE);
    char *container = entry(b, "META-INF/container.xml", NULL);
    CHECK(contains(container, "full-path=\"OEBPS/content.opf\""));
    CHECK(contains(container, "application/oebps-package+xml"));
    free(container);
    size_t l;
    char *opf = entry(b, "OEBPS/content.opf", &l);
    xmlDocPtr d = opf ? parse(opf, l) : NULL;
    CHECK(d != NULL);
    xmlFreeDoc(d);
    CHECK(contains(opf, "version=\"3.0\""));
    CHECK(contains(opf, "<dc:identifier id=\"uid\">urn:uuid:"));
    CHECK(contains(opf, "property=\"dcterms:modified\""));
    CHECK(contains(opf, "<spine toc=\"ncx\">"));
    CHECK(!contains(opf, "></dc:") && !contains(opf, "<dc:description/>"));
    free(opf);
    char *ncx = entry(b, "OEBPS/toc.ncx", &l);
    d = ncx ? parse(ncx, l) : NULL;
    CHECK(d != NULL);
    xmlFreeDoc(d);
    CHECK(contains(ncx, "name=\"dtb:uid\" content=\"urn:uuid:"));
    free(ncx);
    /* every entry dated the same (DOS time), none with an extra field */
    for (zip_int64_t i = 0; i < zip_get_num_entries(b->zip, 0); i++) {
        CHECK(zip_file_extra_fields_count(b->zip, (zip_uint64_t)i, ZIP_FL_LOCAL) == 0);
        CHECK(zip_file_extra_fields_count(b->zip, (zip_uint64_t)i, ZIP_FL_CENTRAL) == 0);
    }
}

static void test_hostile(void)
{
    char dir[] = "/tmp/quire-epub-unit-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    quire_collection *c = case_hostile(dir);
    book b;
    CHECK(book_open(&b, c));
    if (!b.zip)
        return;
    test_container(&b);
    int bad = 0, dups = 0, noalt = 0;
    char *x = all_xhtml(&b, &bad, &dups, &noalt);
    CHECK(bad == 0);
    CHECK(dups == 0);
    CHECK(noalt == 0);
    /* hostile content is gone */
    static const char *const banned[] = {"<script", "javascript:", "JaVaScRiPt", "frameborder",
                                         "allowfullscreen", "file:", "onclick", "onerror",
                                         "<iframe", "<form", "<input", "<button", "<svg",
                                         "<object", "<embed", "<style", "position:fixed",
                                         "align=", "border=", "&nbsp;", "<foo", "<1abc",
                                         "<base", "http-equiv", "data:", "<time>", NULL};
    for (size_t i = 0; banned[i]; i++)
        if (contains(x, banned[i])) {
            fprintf(stderr, "found %s\n", banned[i]);
            t_failures++;
        }
    /* what must remain */
    CHECK(contains(x, "The hostile sentence about scripts survives as text."));
    CHECK(contains(x, "Form text stays."));
    CHECK(contains(x, "inside foo:bar."));
    CHECK(contains(x, "deepest words"));
    CHECK(contains(x, "https://www.youtube.com/watch?v=abcDEF12345"));
    CHECK(contains(x, "https://vimeo.com/123456"));
    CHECK(contains(x, "<figcaption>YouTube</figcaption>"));
    CHECK(contains(x, "reversed=\"reversed\""));
    CHECK(contains(x, "style=\"text-align: center\""));
    /* no div inside p: the paragraph holding a div became a div */
    CHECK(contains(x, "<div class=\"lead good_one\">Paragraph with a div inside: <div"));
    /* ids prefixed and deduplicated, links follow them */
    CHECK(contains(x, "id=\"c1-intro\"") && contains(x, "id=\"c1-intro-2\""));
    CHECK(contains(x, "<a href=\"#c1-intro\">to intro</a>"));
    CHECK(contains(x, "<a>to nowhere</a>"));
    CHECK(contains(x, "href=\"#c1-caf_c3_a9_20au_20lait\""));
    /* links between documents */
    CHECK(contains(x, "<a href=\"ch00002.xhtml#c2-section-two\">forward link to other</a>"));
    CHECK(contains(x, "<a href=\"ch00001.xhtml#c1-intro\">back to intro</a>"));
    CHECK(contains(x, "<a href=\"ch00001.xhtml\">back, bad fragment</a>"));
    CHECK(contains(x, "<a href=\"ch00003.xhtml\">site link to the third</a>"));
    CHECK(contains(x, "<a href=\"#c2-section-two\">self link</a>"));
    CHECK(contains(x, "<a>link to a missing document</a>"));
    CHECK(!contains(x, "quire-xref"));
    /* images: local ones copied once, remote ones linked, missing ones as alt text */
    CHECK(contains(x, "<a href=\"https://cdn.example.com/pic.jpg\" class=\"remote-image\">Remote picture</a>"));
    CHECK(contains(x, "Missing picture"));
    CHECK(contains(x, "alt=\"A red square\""));
    int images = 0;
    for (zip_int64_t i = 0; i < zip_get_num_entries(b.zip, 0); i++)
        if (strncmp(zip_get_name(b.zip, (zip_uint64_t)i, 0), "OEBPS/images/", 13) == 0)
            images++;
    CHECK(images == 2);
    CHECK(has_diag(&b.diags, "hostile.md", "nope.png"));
    CHECK(has_diag(&b.diags, "hostile.md", "WebP"));
    /* chapter header */
    CHECK(contains(x, "<time datetime=\"2023-04-05T06:07:08+02:00\">2023-04-05</time>"));
    CHECK(contains(x, "<p class=\"source\">Source: <a href=\"https://news.example.com/story?id=1&amp;x=%3C2%3E\">news.example.com</a></p>"));
    CHECK(contains(x, "lang=\"de\" xml:lang=\"de\""));
    CHECK(contains(x, "<h1>third</h1>")); /* blank title: the slug */
    free(x);

    char *opf = entry(&b, "OEBPS/content.opf", NULL);
    CHECK(contains(opf, "<dc:language>en-US</dc:language>"));
    CHECK(contains(opf, "<dc:title id=\"title\">Hostile book</dc:title>"));
    CHECK(contains(opf, "<dc:publisher>Quire Tests</dc:publisher>"));
    CHECK(contains(opf, "<dc:subject>safety</dc:subject>"));
    CHECK(contains(opf, ">visual</meta>"));
    CHECK(!contains(opf, "alternativeText")); /* some images have alt="" */
    CHECK(!contains(opf, "scripted") && !contains(opf, "remote-resources"));
    free(opf);
    char *nav = entry(&b, "OEBPS/nav.xhtml", NULL);
    CHECK(contains(nav, "epub:type=\"toc\""));
    CHECK(contains(nav, "epub:type=\"landmarks\" hidden="));
    CHECK(contains(nav, "<a href=\"ch00001.xhtml\">Hostile input: &lt;script&gt; &amp; \"quotes\"</a>"));
    free(nav);
    book_close(&b);
    quire_collection_free(c);
}

static quire_collection *one_doc(const char *dir, bool image, const char *alt)
{
    quire_collection *c = quire_collection_new();
    case_site_dir(c, dir);
    quire_document *d = tdoc("solo", "Solo title", "");
    d->source_path = tpath(d, dir, "posts/solo.md");
    quire_date_parse(&d->published, "2021-09-24");
    d->summary = "Solo summary.";
    tpara(d, d->body, "Solo sentence.");
    if (image)
        timage(d, tn(d, d->body, QUIRE_NODE_PARAGRAPH), "../images/red.png", alt);
    quire_collection_add(c, d);
    return c;
}

static void test_single_and_a11y(void)
{
    char dir[] = "/tmp/quire-epub-unit-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    case_images(dir);

    quire_collection *c = one_doc(dir, false, NULL);
    book b;
    CHECK(book_open(&b, c));
    char *opf = b.zip ? entry(&b, "OEBPS/content.opf", NULL) : NULL;
    CHECK(contains(opf, "<dc:title id=\"title\">Solo title</dc:title>"));
    CHECK(contains(opf, "<dc:date>2021-09-24</dc:date>"));
    CHECK(contains(opf, "<dc:description>Solo summary.</dc:description>"));
    CHECK(contains(opf, "<dc:language>en</dc:language>"));
    CHECK(!contains(opf, ">visual<"));
    CHECK(!contains(opf, "alternativeText"));
    CHECK(contains(opf, "accessibilityHazard\">none<"));
    CHECK(!contains(opf, "name=\"cover\""));
    free(opf);
    char *cover = b.zip ? entry(&b, "OEBPS/cover.xhtml", NULL) : NULL;
    CHECK(contains(cover, "epub:type=\"titlepage\""));
    free(cover);
    book_close(&b);
    quire_collection_free(c);

    c = one_doc(dir, true, "Red square");
    CHECK(book_open(&b, c));
    opf = b.zip ? entry(&b, "OEBPS/content.opf", NULL) : NULL;
    CHECK(contains(opf, ">visual<"));
    CHECK(contains(opf, ">alternativeText<"));
    free(opf);
    book_close(&b);
    quire_collection_free(c);

    c = one_doc(dir, true, "   ");
    CHECK(book_open(&b, c));
    opf = b.zip ? entry(&b, "OEBPS/content.opf", NULL) : NULL;
    CHECK(contains(opf, ">visual<"));
    CHECK(!contains(opf, "alternativeText"));
    free(opf);
    book_close(&b);
    quire_collection_free(c);

    /* a cover from the configuration, a bad language from the system locale */
    c = one_doc(dir, false, NULL);
    c->site.cover = "images/blue.png";
    c->site.config_dir = quire_arena_strdup(c->site.arena, dir);
    c->site.language = "C";
    CHECK(book_open(&b, c));
    opf = b.zip ? entry(&b, "OEBPS/content.opf", NULL) : NULL;
    CHECK(contains(opf, "<meta name=\"cover\" content=\"cover-image\"/>"));
    CHECK(contains(opf, "properties=\"cover-image\""));
    CHECK(contains(opf, "<dc:language>en</dc:language>"));
    CHECK(contains(opf, "<reference type=\"cover\""));
    free(opf);
    CHECK(has_diag(&b.diags, NULL, "not a BCP 47 tag"));
    book_close(&b);
    quire_collection_free(c);
}

static void test_reproducible_and_identity(void)
{
    char dir[] = "/tmp/quire-epub-unit-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    quire_collection *c = case_hostile(dir);
    quire_diag_list dl;
    quire_diag_list_init(&dl);
    char *a = NULL, *b2 = NULL;
    size_t al = 0, bl = 0;
    setenv("TZ", "UTC", 1);
    tzset();
    CHECK(twrite(c, &a, &al, &dl) == QUIRE_OK);
    setenv("TZ", "Asia/Kolkata", 1);
    tzset();
    CHECK(twrite(c, &b2, &bl, &dl) == QUIRE_OK);
    CHECK(al == bl && a && b2 && memcmp(a, b2, al) == 0);
    free(a);
    free(b2);
    quire_collection_free(c);

    /* the identifier depends on the documents, not on their order */
    char uid1[64] = "", uid2[64] = "";
    for (int round = 0; round < 2; round++) {
        quire_collection *k = quire_collection_new();
        quire_document *x = tdoc("x", "X", "x.md"), *y = tdoc("y", "Y", "y.md");
        quire_collection_add(k, round ? y : x);
        quire_collection_add(k, round ? x : y);
        book bk;
        CHECK(book_open(&bk, k));
        char *opf = bk.zip ? entry(&bk, "OEBPS/content.opf", NULL) : NULL;
        const char *u = opf ? strstr(opf, "urn:uuid:") : NULL;
        if (u)
            snprintf(round ? uid2 : uid1, 64, "%.45s", u);
        free(opf);
        book_close(&bk);
        quire_collection_free(k);
    }
    CHECK(*uid1 && strcmp(uid1, uid2) == 0);
    CHECK(uid1[9 + 14] == '5'); /* version nibble */
    quire_diag_list_free(&dl);
}

static void test_order_and_empty(void)
{
    quire_collection *c = quire_collection_new();
    quire_document *x = tdoc("x", "Zebra", "x.md"), *y = tdoc("y", "Aardvark", "y.md");
    quire_date_parse(&x->published, "2020-01-01");
    quire_date_parse(&y->published, "2021-01-01");
    quire_collection_add(c, x);
    quire_collection_add(c, y);
    /* epub: {order: title} */
    quire_value *cfg = quire_value_new(c->site.arena, QUIRE_VALUE_MAPPING);
    quire_value *epub = quire_value_new(c->site.arena, QUIRE_VALUE_MAPPING);
    quire_value_append(c->site.arena, epub, "order",
                       quire_value_new_scalar(c->site.arena, QUIRE_VALUE_STRING, "title", 5));
    quire_value_append(c->site.arena, cfg, "epub", epub);
    c->site.config = cfg;
    book b;
    CHECK(book_open(&b, c));
    char *opf = b.zip ? entry(&b, "OEBPS/content.opf", NULL) : NULL;
    const char *p1 = opf ? strstr(opf, "<itemref idref=\"c2\"/>") : NULL;
    const char *p2 = opf ? strstr(opf, "<itemref idref=\"c1\"/>") : NULL;
    CHECK(p1 && p2 && p1 < p2);
    free(opf);
    /* both chapters in the zip; its entries are in order of arrival (packed
     * chapters go in as they come), the spine alone gives the reading order
     * (test_epub_zip.c checks every order) */
    zip_int64_t i2 = zip_name_locate(b.zip, "OEBPS/ch00002.xhtml", 0);
    zip_int64_t i1 = zip_name_locate(b.zip, "OEBPS/ch00001.xhtml", 0);
    CHECK(i2 >= 0 && i1 >= 0);
    book_close(&b);
    quire_collection_free(c);

    c = quire_collection_new();
    CHECK(book_open(&b, c));
    char *nav = b.zip ? entry(&b, "OEBPS/nav.xhtml", NULL) : NULL;
    CHECK(contains(nav, "<li><a href=\"cover.xhtml\">Title page</a></li>"));
    free(nav);
    book_close(&b);
    quire_collection_free(c);
}

/* A collection with the case site of dir, and one document in it (its
 * source posts/<slug>.md), for a test that fills the body. */
static quire_document *case_doc(char *dir, quire_collection **c, const char *slug,
                                const char *title)
{
    CHECK(mkdtemp(dir) != NULL);
    *c = quire_collection_new();
    case_site_dir(*c, dir);
    quire_document *d = tdoc(slug, title, "");
    char path[128];
    snprintf(path, sizeof path, "posts/%s.md", slug);
    d->source_path = tpath(d, dir, path);
    return d;
}

/* The book of c with d added: its first chapter (malloc'd), or NULL. */
static char *first_chapter(quire_collection *c, quire_document *d)
{
    quire_collection_add(c, d);
    book b;
    CHECK(book_open(&b, c));
    char *x = b.zip ? entry(&b, "OEBPS/ch00001.xhtml", NULL) : NULL;
    book_close(&b);
    return x;
}

/* Each of want[0..n) is in x; a failure names the missing one. */
static void want_all(const char *x, const char *const *want, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!contains(x, want[i])) {
            fprintf(stderr, "missing %s\nin %s\n", want[i], x ? x : "(none)");
            t_failures++;
        }
}

/* Links by scheme (compared in place, without case), trimmed without a copy
 * when there is nothing to trim, percent-encoded sixteen bytes at a time;
 * literal and borrowed attribute values; the header's date made without
 * snprintf.  Each expected string is what the writer wrote before those. */
static void test_links_and_dates(void)
{
    char dir[] = "/tmp/quire-epub-unit-XXXXXX";
    quire_collection *c;
    quire_document *d = case_doc(dir, &c, "links", "Links");
    quire_date_parse(&d->published, "0987-03-04");
    quire_node *p = tn(d, d->body, QUIRE_NODE_PARAGRAPH);
    static const char *const links[][2] = {
        {"HTTPS://Example.COM/a b?q=1&r=\"x\"#f#g", "upper"},
        {"  https://example.org/trim  ", "spaces"},
        {"https://example.org/trail ", "trailing space"},
        {"https://exa\tmple.org/\npath\r", "controls"},
        {"//cdn.example.net/x", "no scheme"},
        {"MailTo:someone@example.com", "mail"},
        {"TEL:+1-555-0100", "phone"},
        {"Ftp://files.example.com/f", "files"},
        {"JavaScript:alert(1)", "script"},
        {"data:text/html,x", "data"},
        {"http:foo", "no host"},
        {"verylongscheme://x.example/", "long scheme"},
        {"a+b.c-d://x.example/", "odd scheme"},
        {"https://example.com/0123456789abcdef<0123456789>abcdef{|}~^`\\x%41%zz%", "long"},
        {"https://example.com/\xc3\xa9t\xc3\xa9/0123456789abcdef/caf\xc3\xa9#\xe2\x82\xac", "utf8"},
        {"https://example.com/exactly-sixteen/0123456789abcdef", "blocks"},
    };
    for (size_t i = 0; i < sizeof links / sizeof links[0]; i++) {
        tlink(d, p, links[i][0], links[i][1]);
        tt(d, p, " ");
    }
    char *x = first_chapter(c, d);
    static const char *const want[] = {
        "<a href=\"HTTPS://Example.COM/a%20b?q=1&amp;r=%22x%22#f%23g\">upper</a>",
        "<a href=\"https://example.org/trim\">spaces</a>",
        "<a href=\"https://example.org/trail\">trailing space</a>",
        "<a href=\"https://example.org/path\">controls</a>",
        "<a href=\"https://cdn.example.net/x\">no scheme</a>",
        "<a href=\"MailTo:someone@example.com\">mail</a>",
        "<a href=\"TEL:+1-555-0100\">phone</a>",
        "<a href=\"Ftp://files.example.com/f\">files</a>",
        "<a>script</a>",
        "<a>data</a>",
        "<a>no host</a>",
        "<a>long scheme</a>",
        "<a>odd scheme</a>",
        "<a href=\"https://example.com/0123456789abcdef%3C0123456789%3Eabcdef%7B%7C%7D~%5E%60%5Cx%41%25zz%25\">long</a>",
        "<a href=\"https://example.com/%C3%A9t%C3%A9/0123456789abcdef/caf%C3%A9#%E2%82%AC\">utf8</a>",
        "<a href=\"https://example.com/exactly-sixteen/0123456789abcdef\">blocks</a>",
        "<p class=\"dateline\"><time datetime=\"0987-03-04\">0987-03-04</time></p>",
        "<section epub:type=\"chapter\" class=\"chapter\"><header class=\"chapter-header\">",
        "<link rel=\"stylesheet\" type=\"text/css\" href=\"style.css\"/>",
    };
    want_all(x, want, sizeof want / sizeof want[0]);
    free(x);
    quire_collection_free(c);
}

/* Children placed by the content model of their parent: where it is flow,
 * phrasing or transparent content (inline, without a call), and where it is
 * structural (lists, definition lists, tables, rows), which gives stray
 * content the wrapper it lacks and drops white space between items and
 * rows.  Expected strings checked against the previous writer. */
static void test_structure(void)
{
    char dir[] = "/tmp/quire-epub-unit-XXXXXX";
    quire_collection *c;
    quire_document *d = case_doc(dir, &c, "structure", "Structure");
    quire_node *b = d->body;
    quire_node *ul = th(d, b, true, "ul", NULL);
    tt(d, ul, "\n  ");
    tt(d, ul, "stray in list");
    quire_node *li = th(d, ul, true, "li", NULL);
    tt(d, li, "item");
    tt(d, ul, " \t");
    quire_node *dl = th(d, b, true, "dl", NULL);
    tt(d, dl, "\n");
    quire_node *dd = th(d, dl, true, "dd", NULL);
    tt(d, dd, "definition without a term");
    quire_node *dt = th(d, dl, true, "dt", NULL);
    tt(d, dt, "trailing term");
    quire_node *table = th(d, b, true, "table", NULL);
    tt(d, table, "\n ");
    tt(d, table, "stray in table");
    quire_node *tr = th(d, table, true, "tr", NULL);
    tt(d, tr, "\n");
    quire_node *td = th(d, tr, true, "td", NULL);
    tt(d, td, "cell");
    tt(d, tr, "stray in row");
    tt(d, table, "  ");
    quire_node *p = th(d, b, true, "p", NULL);
    tt(d, p, "phrasing ");
    quire_node *em = th(d, p, false, "em", NULL);
    tt(d, em, " ");
    quire_node *a = th(d, p, false, "a", "href", "https://example.com/", NULL);
    tt(d, a, "link ");
    th(d, a, true, "div", NULL);
    /* what frames inherit: a link inside a link (two levels down) is a
     * span; a figcaption only inside a figure */
    p = th(d, b, true, "p", NULL);
    a = th(d, p, false, "a", "href", "https://example.com/outer", NULL);
    tt(d, a, "outer ");
    em = th(d, a, false, "em", NULL);
    quire_node *inner = th(d, em, false, "a", "href", "https://example.com/inner", NULL);
    tt(d, inner, "inner");
    quire_node *fig = th(d, b, true, "figure", NULL);
    quire_node *img = th(d, fig, true, "div", NULL);
    tt(d, img, "picture");
    quire_node *cap = th(d, fig, true, "figcaption", NULL);
    tt(d, cap, "caption");
    cap = th(d, b, true, "figcaption", NULL);
    tt(d, cap, "loose caption");
    /* closing a figure: a figcaption neither first nor last (white space
     * aside) becomes a div */
    fig = th(d, b, true, "figure", NULL);
    tt(d, fig, "\n ");
    tt(d, th(d, fig, true, "figcaption", NULL), "first");
    tt(d, th(d, fig, true, "div", NULL), "x");
    tt(d, th(d, fig, true, "figcaption", NULL), "middle");
    tt(d, th(d, fig, true, "div", NULL), "y");
    tt(d, fig, " ");
    char *x = first_chapter(c, d);
    static const char *const want[] = {
        "<ul><li>stray in list</li><li>item</li></ul>",
        "<dl><dt></dt><dd>definition without a term</dd><dt>trailing term</dt><dd></dd></dl>",
        "<table><tbody><tr><td>stray in table</td></tr><tr><td>cell</td><td>stray in row</td>"
        "</tr></tbody></table>",
        "<p>phrasing <em> </em><a href=\"https://example.com/\">link <span></span></a></p>",
        "<p><a href=\"https://example.com/outer\">outer <em><span>inner</span></em></a></p>",
        "<figure><div>picture</div><figcaption>caption</figcaption></figure>",
        "<div>loose caption</div>",
        "<figure>\n <figcaption>first</figcaption><div>x</div><div>middle</div><div>y</div> "
        "</figure>",
    };
    want_all(x, want, sizeof want / sizeof want[0]);
    free(x);
    quire_collection_free(c);
}

int main(void)
{
    test_hostile();
    test_structure();
    test_links_and_dates();
    test_single_and_a11y();
    test_reproducible_and_identity();
    test_order_and_empty();
    if (t_failures)
        fprintf(stderr, "%d check(s) failed\n", t_failures);
    return t_failures ? 1 : 0;
}
