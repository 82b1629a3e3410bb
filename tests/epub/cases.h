/*
 * cases.h — the documents the EPUB tests write: hostile content, links
 * between documents, images present/missing/remote, embeds, a synthetic
 * corpus.  Built in C so that the writer can be tested without a reader.
 * Every case writes its image files under `dir` and names its documents'
 * source paths there, the way a reader would.
 */
#ifndef QUIRE_EPUB_CASES_H
#define QUIRE_EPUB_CASES_H

#include "epub_test.h"

#include <sys/stat.h>

__attribute__((unused)) static const unsigned char t_png_red[] =
    "\x89\x50\x4e\x47\x0d\x0a\x1a\x0a\x00\x00\x00\x0d\x49\x48\x44\x52\x00\x00\x00\x01\x00\x00"
    "\x00\x01\x08\x02\x00\x00\x00\x90\x77\x53\xde\x00\x00\x00\x0c\x49\x44\x41\x54\x78\xda\x63"
    "\xf8\xcf\xc0\x00\x00\x03\x01\x01\x00\xf7\x03\x41\x43\x00\x00\x00\x00\x49\x45\x4e\x44\xae"
    "\x42\x60\x82";
__attribute__((unused)) static const unsigned char t_png_blue[] =
    "\x89\x50\x4e\x47\x0d\x0a\x1a\x0a\x00\x00\x00\x0d\x49\x48\x44\x52\x00\x00\x00\x01\x00\x00"
    "\x00\x01\x08\x02\x00\x00\x00\x90\x77\x53\xde\x00\x00\x00\x0c\x49\x44\x41\x54\x78\xda\x63"
    "\x60\x60\xf8\x0f\x00\x01\x03\x01\x00\x36\x74\x11\x40\x00\x00\x00\x00\x49\x45\x4e\x44\xae"
    "\x42\x60\x82";

__attribute__((unused)) static void twrite_bytes(const char *dir, const char *name, const void *data, size_t len)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (f) {
        fwrite(data, 1, len, f);
        fclose(f);
    }
}

__attribute__((unused)) static char *tpath(quire_document *d, const char *dir, const char *name)
{
    return quire_arena_printf(d->arena, "%s/%s", dir, name);
}

/* ---- hostile: everything that must not reach the book as is ---- */
__attribute__((unused)) static quire_document *case_hostile_doc(const char *dir)
{
    quire_document *d = tdoc("hostile", "Hostile input: <script> & \"quotes\"", "");
    d->source_path = tpath(d, dir, "posts/hostile.md");
    d->summary = "A document made of everything that breaks EPUB files.";
    d->language = "en_US";
    quire_strlist_add(d->arena, &d->tags, "safety");
    quire_strlist_add(d->arena, &d->tags, "  ");
    quire_document_add_author(d, "Mallory \x01 Tester", NULL, NULL);
    quire_date_parse(&d->published, "2023-04-05T06:07:08+02:00");
    d->external_url = "https://news.example.com/story?id=1&x=<2>";
    d->image.src = "../images/red.png";
    d->image.alt = "A red square";
    quire_node *b = d->body;

    quire_node *h = theading(d, b, 2, "Introduction");
    quire_node_set_attr(d->arena, h, "id", "intro");
    h = theading(d, b, 2, "Introduction again");
    quire_node_set_attr(d->arena, h, "id", "intro");
    h = theading(d, b, 3, "Caf\xc3\xa9 and spaces");
    quire_node_set_attr(d->arena, h, "id", "caf\xc3\xa9 au lait");
    tpara(d, b, "The hostile sentence about scripts survives as text.");

    quire_node *s = th(d, b, true, "script", "type", "text/javascript", NULL);
    tt(d, s, "alert('x') </p> ]]> &nbsp;");
    th(d, b, true, "style", NULL);

    quire_node *p = th(d, b, true, "p", "onclick", "evil()", "style", "position:fixed",
                       "align", "center", "class", "lead x\"y good_one", NULL);
    tt(d, p, "Paragraph with a div inside: ");
    quire_node *div = th(d, p, true, "div", "id", "inner", NULL);
    tt(d, div, "inner block text");
    tt(d, p, " and after.");

    quire_node *form = th(d, b, true, "form", "action", "https://evil.example/", NULL);
    th(d, form, false, "input", "type", "text", "value", "secret", NULL);
    tt(d, form, "Form text stays.");
    quire_node *btn = th(d, form, false, "button", NULL);
    tt(d, btn, "Click");

    p = tn(d, b, QUIRE_NODE_PARAGRAPH);
    tlink(d, p, "javascript:alert(1)", "js link");
    tt(d, p, " ");
    tlink(d, p, "  JaVaScRiPt:alert(2)", "js link 2");
    tt(d, p, " ");
    tlink(d, p, "file:///etc/passwd", "file link");
    tt(d, p, " ");
    tlink(d, p, "data:text/html,<b>x</b>", "data link");
    tt(d, p, " ");
    tlink(d, p, "#intro", "to intro");
    tt(d, p, " ");
    tlink(d, p, "#missing", "to nowhere");
    tt(d, p, " ");
    tlink(d, p, "#caf%C3%A9%20au%20lait", "to cafe");
    tt(d, p, " ");
    tlink(d, p, "https://example.com/a b?q=\"x\"&y=<1>#f#g", "odd url");
    tt(d, p, " ");
    tlink(d, p, "http://", "no host");
    tt(d, p, " ");
    tlink(d, p, "mailto:someone@example.com", "mail");
    tt(d, p, " ");
    tlink(d, p, "other.md#section-two", "forward link to other");
    tt(d, p, " ");
    tlink(d, p, "missing-file.md", "link to a missing document");
    quire_node *a = tlink(d, p, "https://example.org/outer", "outer ");
    tlink(d, a, "https://example.org/inner", "inner link in link");

    quire_node *ifr = th(d, b, true, "iframe", "src", "https://www.youtube.com/embed/abcDEF12345",
                         "allowfullscreen", "", "frameborder", "0", "title",
                         "YouTube video player", NULL);
    (void)ifr;
    quire_node *e = tn(d, b, QUIRE_NODE_EMBED);
    e->url = "https://player.vimeo.com/video/123456?h=1";
    e->title = "A talk about testing";
    e->embed_kind = QUIRE_EMBED_IFRAME;
    p = tn(d, b, QUIRE_NODE_PARAGRAPH);
    e = tn(d, p, QUIRE_NODE_EMBED);
    e->url = "javascript:evil()";
    tt(d, p, "text next to a bad embed");

    quire_node *bad = th(d, b, true, "foo:bar", NULL);
    tt(d, bad, "inside foo:bar. ");
    bad = th(d, b, true, "1abc", "x y", "1", NULL);
    tt(d, bad, "inside 1abc. ");
    bad = th(d, b, false, "x y", NULL);
    tt(d, bad, "inside x y.");

    quire_node *tbl = th(d, b, true, "table", "border", "1", "align", "center", NULL);
    quire_node *tr = th(d, tbl, true, "tr", NULL);
    quire_node *td = th(d, tr, true, "td", "align", "right", "valign", "top", "colspan", "2",
                        NULL);
    tt(d, td, "cell");
    tt(d, tr, "stray text in a row");
    quire_node *thead = th(d, tbl, true, "thead", NULL);
    tr = th(d, thead, true, "tr", NULL);
    td = th(d, tr, true, "th", "scope", "col", NULL);
    tt(d, td, "late head");
    tt(d, tbl, "stray text in a table");
    quire_node *cap = th(d, tbl, true, "caption", NULL);
    tt(d, cap, "late caption");

    quire_node *ul = th(d, b, true, "ul", NULL);
    tpara(d, ul, "paragraph directly in ul");
    quire_node *li = th(d, ul, true, "li", NULL);
    tt(d, li, "real item");
    li = th(d, b, true, "li", NULL);
    tt(d, li, "item outside any list");
    quire_node *dl = th(d, b, true, "dl", NULL);
    tt(d, dl, "stray in dl");
    quire_node *ol = th(d, b, true, "ol", "reversed", "", "start", "x", "type", "A", NULL);
    li = th(d, ol, true, "li", "value", "3", NULL);
    tt(d, li, "reversed item");

    /* typed table with alignment and a header row */
    quire_node *t2 = tn(d, b, QUIRE_NODE_TABLE);
    quire_node *r = tn(d, t2, QUIRE_NODE_TABLE_ROW);
    r->flags |= QUIRE_NODE_FLAG_HEADER;
    quire_node *c = tn(d, r, QUIRE_NODE_TABLE_CELL);
    c->align = QUIRE_ALIGN_CENTER;
    tt(d, c, "Head");
    r = tn(d, t2, QUIRE_NODE_TABLE_ROW);
    c = tn(d, r, QUIRE_NODE_TABLE_CELL);
    c->align = QUIRE_ALIGN_RIGHT;
    tt(d, c, "42");

    /* characters illegal in XML, invalid UTF-8, noncharacters, an entity name */
    tpara(d, b, "ctl[\x01\x0b\x1f] bad[\xff\xfe] nonchar[\xef\xbf\xbe] nbsp[\xc2\xa0] &nbsp; &amp;");

    /* images: present, no alt, missing, remote, data:, webp-like, decorative */
    p = tn(d, b, QUIRE_NODE_PARAGRAPH);
    timage(d, p, "../images/red.png", "Red square");
    timage(d, p, "../images/blue.png", NULL);
    timage(d, p, "../images/nope.png", "Missing picture");
    timage(d, p, "https://cdn.example.com/pic.jpg", "Remote picture");
    timage(d, p, "//cdn.example.com/pic2.jpg", "");
    timage(d, p, "data:image/png;base64,iVBORw0KGgo=", "Inline data");
    timage(d, p, "../images/fake.webp", "A WebP");
    th(d, p, false, "img", "src", "../images/red.png", "onerror", "x()", "width", "10px", NULL);

    /* svg, math, object, embed, base, meta in the body */
    quire_node *svg = th(d, b, true, "svg", "onload", "x()", NULL);
    th(d, svg, true, "script", NULL);
    quire_node *math = th(d, b, true, "math", NULL);
    tt(d, math, "x squared");
    th(d, b, true, "object", "data", "x.swf", NULL);
    th(d, b, true, "embed", "src", "x.swf", NULL);
    th(d, b, true, "base", "href", "https://evil.example/", NULL);
    th(d, b, true, "meta", "http-equiv", "refresh", NULL);

    /* hr and heading inside a paragraph; figcaption in the middle; time */
    p = th(d, b, false, "p", NULL);
    tt(d, p, "before hr");
    th(d, p, false, "hr", NULL);
    quire_node *hh = th(d, p, false, "h2", NULL);
    tt(d, hh, "heading in a paragraph");
    quire_node *fig = th(d, b, true, "figure", NULL);
    quire_node *fc = th(d, fig, true, "figcaption", NULL);
    tt(d, fc, "first caption");
    fc = th(d, fig, true, "figcaption", NULL);
    tt(d, fc, "middle caption");
    tpara(d, fig, "figure body");
    quire_node *tm = th(d, b, false, "time", "datetime", "yesterday", NULL);
    tt(d, tm, "not a date");
    quire_node *sp = th(d, b, false, "span", "lang", "zz-invalid-!!", "dir", "sideways", NULL);
    tt(d, sp, "bad lang");
    sp = th(d, b, false, "span", "lang", "fr", NULL);
    tt(d, sp, "en fran\xc3\xa7" "ais");

    /* footnotes, one reference to nothing */
    p = tn(d, b, QUIRE_NODE_PARAGRAPH);
    tt(d, p, "A claim");
    quire_node *fr = tn(d, p, QUIRE_NODE_FOOTNOTE_REF);
    fr->info = "1";
    fr = tn(d, p, QUIRE_NODE_FOOTNOTE_REF);
    fr->info = "1";
    fr = tn(d, p, QUIRE_NODE_FOOTNOTE_REF);
    fr->info = "ghost";
    quire_node *fd = tn(d, b, QUIRE_NODE_FOOTNOTE_DEF);
    fd->info = "1";
    tpara(d, fd, "The footnote.");

    quire_node *cb = tn(d, b, QUIRE_NODE_CODE_BLOCK);
    cb->info = "\"><script>x</script>";
    cb->literal = "int main(void) { return 0 < 1 && 2 > 1; }\n";

    /* task list, tight */
    quire_node *lst = tn(d, b, QUIRE_NODE_LIST);
    lst->flags = QUIRE_NODE_FLAG_TIGHT | QUIRE_NODE_FLAG_ORDERED;
    lst->level = 0;
    quire_node *it = tn(d, lst, QUIRE_NODE_ITEM);
    it->flags = QUIRE_NODE_FLAG_TASK | QUIRE_NODE_FLAG_CHECKED;
    tpara(d, it, "done task");
    it = tn(d, lst, QUIRE_NODE_ITEM);
    quire_node *ip = tpara(d, it, "item with a nested list ");
    (void)ip;
    quire_node *inner = tn(d, it, QUIRE_NODE_LIST);
    tpara(d, tn(d, inner, QUIRE_NODE_ITEM), "nested");

    /* deep nesting: 3000 blockquotes, then 3000 emphasis */
    quire_node *deep = b;
    for (int i = 0; i < 3000; i++)
        deep = tn(d, deep, QUIRE_NODE_BLOCKQUOTE);
    p = tpara(d, deep, "deep text ");
    quire_node *em = p;
    for (int i = 0; i < 3000; i++)
        em = tn(d, em, i % 2 ? QUIRE_NODE_EMPH : QUIRE_NODE_STRONG);
    tt(d, em, "deepest words");
    return d;
}

__attribute__((unused)) static quire_document *case_other_doc(const char *dir)
{
    quire_document *d = tdoc("other", "The other document", "");
    d->source_path = tpath(d, dir, "posts/other.md");
    d->url = "https://blog.example.com/posts/other/";
    d->language = "de";
    quire_date_parse(&d->published, "2022-01-02");
    quire_document_add_author(d, "Alice", NULL, NULL);
    quire_strlist_add(d->arena, &d->tags, "links");
    quire_node *h = theading(d, d->body, 2, "Section two");
    quire_node_set_attr(d->arena, h, "id", "section-two");
    quire_node *p = tpara(d, d->body, "The other sentence links back: ");
    tlink(d, p, "hostile.md#intro", "back to intro");
    tt(d, p, ", ");
    tlink(d, p, "./hostile.md#nothing-here", "back, bad fragment");
    tt(d, p, ", ");
    tlink(d, p, "/posts/third/", "site link to the third");
    tt(d, p, ", ");
    tlink(d, p, "https://blog.example.com/posts/unknown/", "same site, unknown page");
    tt(d, p, ", ");
    tlink(d, p, "other.md#section-two", "self link");
    tt(d, p, ", ");
    tlink(d, p, "../posts/gone.md", "relative, missing");
    tt(d, p, ".");
    timage(d, tn(d, d->body, QUIRE_NODE_PARAGRAPH), "../images/red.png", "Red again");
    return d;
}

__attribute__((unused)) static quire_document *case_third_doc(const char *dir)
{
    quire_document *d = tdoc("third", "  \n ", "");
    d->source_path = tpath(d, dir, "posts/third.md");
    d->url = "/posts/third/";
    d->slug = "third";
    tpara(d, d->body, "The third sentence has no title.");
    return d;
}

__attribute__((unused)) static void case_images(const char *dir)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/images", dir);
    mkdir(dir, 0755);
    mkdir(path, 0755);
    snprintf(path, sizeof path, "%s/posts", dir);
    mkdir(path, 0755);
    twrite_bytes(dir, "images/red.png", t_png_red, sizeof t_png_red - 1);
    twrite_bytes(dir, "images/blue.png", t_png_blue, sizeof t_png_blue - 1);
    twrite_bytes(dir, "images/fake.webp", "RIFF\x10\0\0\0WEBPVP8 ", 16);
}

/* dir is the site's folder, as quire.yaml there would make it: images are
 * only read from a document's folder or the site's (media.c). */
__attribute__((unused)) static void case_site_dir(quire_collection *c, const char *dir)
{
    c->site.config_dir = quire_arena_strdup(c->site.arena, dir);
}

/* The hostile collection: three documents linking to each other. */
__attribute__((unused)) static quire_collection *case_hostile(const char *dir)
{
    case_images(dir);
    quire_collection *c = quire_collection_new();
    case_site_dir(c, dir);
    quire_site_set_base_url(&c->site, "https://blog.example.com/");
    c->site.title = "Hostile book";
    c->site.language = "en_US.UTF-8";
    c->site.publisher = "Quire Tests";
    c->site.rights = "CC0";
    quire_collection_add(c, case_hostile_doc(dir));
    quire_collection_add(c, case_other_doc(dir));
    quire_collection_add(c, case_third_doc(dir));
    return c;
}

/* ---- a synthetic corpus: n documents of a few KB, images shared ---- */
static const char *const t_words[] = {
    "alpha", "river", "stone", "garden", "signal", "harbor", "lantern", "meadow", "copper",
    "violet", "\xc3\xa9t\xc3\xa9", "na\xc3\xafve", "\xe6\x97\xa5\xe6\x9c\xac", "\xf0\x9f\x98\x80",
    "quiet", "engine", "paper", "winter", "orbit", "thread"};

__attribute__((unused)) static void tsentence(quire_document *d, quire_node *p, unsigned *seed, int words)
{
    char buf[2048];
    size_t n = 0;
    for (int i = 0; i < words && n < sizeof buf - 40; i++) {
        *seed = *seed * 1103515245u + 12345u;
        const char *w = t_words[(*seed >> 16) % (sizeof t_words / sizeof t_words[0])];
        n += (size_t)snprintf(buf + n, sizeof buf - n, "%s%s", i ? " " : "", w);
    }
    snprintf(buf + n, sizeof buf - n, ".");
    tt(d, p, buf);
}

__attribute__((unused)) static quire_document *case_corpus_doc(const char *dir, size_t i)
{
    char id[64], title[128];
    snprintf(id, sizeof id, "doc-%zu", i);
    snprintf(title, sizeof title, "Document number %zu: a & b", i);
    quire_document *d = tdoc(id, title, "");
    d->source_path = quire_arena_printf(d->arena, "%s/posts/%s.md", dir, id);
    char date[32];
    snprintf(date, sizeof date, "2020-%02zu-%02zuT10:00:00Z", 1 + i % 12, 1 + i % 28);
    quire_date_parse(&d->published, date);
    quire_document_add_author(d, i % 2 ? "Ann Author" : "Bob Writer", NULL, NULL);
    quire_strlist_add(d->arena, &d->tags, i % 3 ? "news" : "notes");
    d->summary = "A generated document.";
    unsigned seed = (unsigned)i * 2654435761u;
    for (int s = 0; s < 6; s++) {
        theading(d, d->body, 2, "Part");
        for (int k = 0; k < 3; k++) {
            quire_node *p = tn(d, d->body, QUIRE_NODE_PARAGRAPH);
            tsentence(d, p, &seed, 40);
            if (k == 1)
                tlink(d, p, "https://example.com/x", " link");
        }
    }
    if (i % 5 == 0)
        timage(d, tn(d, d->body, QUIRE_NODE_PARAGRAPH),
               i % 10 ? "../images/red.png" : "../images/blue.png", "A coloured square");
    if (i % 7 == 0) {
        quire_node *e = tn(d, d->body, QUIRE_NODE_EMBED);
        e->url = "https://www.youtube.com/embed/abcdefghijk";
        e->title = "YouTube video player";
    }
    if (i > 0) {
        char prev[64];
        snprintf(prev, sizeof prev, "doc-%zu.md", i - 1);
        tlink(d, tn(d, d->body, QUIRE_NODE_PARAGRAPH), prev, "previous");
    }
    return d;
}

#endif
