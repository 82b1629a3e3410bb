/* test_html_rw.c — the html writer and reader together:
 *   - round trip: a page written by quire, read back by the html reader,
 *     gives the same title, date, authors, tags, summary, headings, links
 *     and images;
 *   - video embeds: known providers on their privacy-friendly host,
 *     sandboxed and lazy; other frames become links;
 *   - slugs: duplicates renamed (writer and build step), unsafe ones made
 *     safe, the build's own names never given out;
 *   - saved real-world-shaped pages (tests/html/pages): title,
 *     description, date, image and the rest from OpenGraph, Twitter,
 *     JSON-LD and meta, in the documented order of trust; front matter
 *     first; charset from <meta>.
 * argv[1] is this folder (for the page fixtures). */
#include "check.h"
#include "internal.h"
#include "html_internal.h"
#include "media.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/stat.h>

static quire_document *read_one(const char *reader, const char *path, const char *data, size_t len)
{
    quire_collection *c = quire_collection_new();
    quire_diag_list diags;
    quire_diag_list_init(&diags);
    quire_document *d = NULL;
    int rc = quire_read_buffer(c, quire_reader_find(reader), path, data, len, NULL, &diags);
    for (size_t i = 0; i < diags.count; i++)
        if (diags.items[i].severity == QUIRE_SEV_ERROR)
            fprintf(stderr, "%s: %s\n", path, diags.items[i].message);
    if (rc == QUIRE_OK && c->count == 1)
        d = quire_collection_take(c, 0);
    quire_collection_free(c);
    quire_diag_list_free(&diags);
    return d;
}

static quire_document *read_file(const char *reader, const char *path)
{
    char *data = NULL;
    size_t len = 0;
    if (quire_read_file(path, 0, &data, &len) != QUIRE_OK) {
        fprintf(stderr, "cannot read %s\n", path);
        return NULL;
    }
    quire_document *d = read_one(reader, path, data, len);
    free(data);
    return d;
}

/* Headings, links and images of a body, one line each, in order. */
static char *outline(const quire_document *d)
{
    quire_buf b;
    quire__buf_init(&b);
    quire_arena *a = quire_arena_new();
    quire_iter it;
    quire_node *n;
    quire_event ev;
    quire_iter_init(&it, d->body);
    while ((ev = quire_iter_next(&it, &n)) != QUIRE_EVENT_DONE) {
        if (ev != QUIRE_EVENT_ENTER)
            continue;
        if (n->type == QUIRE_NODE_HEADING)
            quire__buf_printf(&b, "h: %s\n", quire_node_plain_text(a, n));
        else if (n->type == QUIRE_NODE_LINK)
            quire__buf_printf(&b, "a: %s %s\n", n->url, quire_node_plain_text(a, n));
        else if (n->type == QUIRE_NODE_IMAGE)
            quire__buf_printf(&b, "img: %s %s\n", n->url, n->literal ? n->literal : "");
    }
    quire_arena_free(a);
    char *s = strdup(quire__buf_cstr(&b));
    quire__buf_free(&b);
    return s;
}

static char *slurp(const char *path)
{
    char *data = NULL;
    size_t len;
    return quire_read_file(path, 0, &data, &len) == QUIRE_OK ? data : NULL;
}

/* A copy of s from the first `from` to the `to` after it (excluded), or
 * NULL. */
static char *cut(const char *s, const char *from, const char *to)
{
    const char *a = s ? strstr(s, from) : NULL;
    const char *b = a ? strstr(a, to) : NULL;
    return b ? strndup(a, (size_t)(b - a)) : NULL;
}

static const char *const source_md =
    "---\n"
    "title: \"Round & trip: a <test>\"\n"
    "date: 2024-03-05T09:15:00Z\n"
    "author: [Mira Okafor, Jonas Ferreira]\n"
    "tags: [Harbor, Boats & Ships]\n"
    "description: \"A summary with \\\"quotes\\\" & ampersands.\"\n"
    "slug: same\n"
    "---\n"
    "\n"
    "Intro with a [link](https://example.org/a?b=1&c=2) and ![a map](https://example.org/map.png).\n"
    "\n"
    "## First section\n"
    "\n"
    "Text and a [relative link](../other/).\n"
    "\n"
    "### Sub section\n"
    "\n"
    "<iframe src=\"https://www.youtube.com/embed/sxHFDKwJGGo\" title=\"Clip\" frameborder=\"0\" allowfullscreen></iframe>\n"
    "\n"
    "<iframe src=\"https://maps.example/embed?x=1\" title=\"A map\"></iframe>\n"
    "\n"
    "## Second section\n"
    "\n"
    "![second](img/second.jpg)\n";

static void test_round_trip(const char *tmp)
{
    quire_collection *c = quire_collection_new();
    quire_diag_list diags;
    quire_diag_list_init(&diags);
    quire_site_set_base_url(&c->site, "https://site.example/");
    /* the local image exists beside the source: it is published */
    char src_md[4096], img_dir[4096];
    snprintf(src_md, sizeof src_md, "%s/src/a.md", tmp);
    snprintf(img_dir, sizeof img_dir, "%s/src", tmp);
    mkdir(img_dir, 0755);
    snprintf(img_dir, sizeof img_dir, "%s/src/img", tmp);
    mkdir(img_dir, 0755);
    snprintf(img_dir, sizeof img_dir, "%s/src/img/second.jpg", tmp);
    FILE *jf = fopen(img_dir, "wb");
    if (jf) {
        static const char jpeg[] = "\xFF\xD8\xFF\xE0 only the magic bytes matter";
        fwrite(jpeg, 1, sizeof jpeg - 1, jf);
        fclose(jf);
    }
    CHECK(quire_read_buffer(c, quire_reader_find("markdown"), src_md, source_md, strlen(source_md),
                            NULL, &diags) == QUIRE_OK);
    /* a second document with the same slug */
    const char *dup = "---\ntitle: Dup\nslug: same\n---\n\nSecond.\n";
    CHECK(quire_read_buffer(c, quire_reader_find("markdown"), "b.md", dup, strlen(dup), NULL,
                            &diags) == QUIRE_OK);
    quire_chain *chain = NULL;
    CHECK(quire_chain_add_spec(&chain, "sanitize", &diags) == QUIRE_OK);
    CHECK(quire_chain_run(chain, c, &diags) == QUIRE_OK);
    quire_outdir *od = NULL;
    CHECK(quire_outdir_open(&od, tmp) == QUIRE_OK);
    quire_write_opts wo = {.outdir = od};
    CHECK(quire_write(c, quire_writer_find("html"), NULL, &wo, &diags) == QUIRE_OK);
    quire_outdir_free(od);
    bool warned = false;
    for (size_t i = 0; i < diags.count; i++)
        if (diags.items[i].severity == QUIRE_SEV_WARNING && strstr(diags.items[i].message, "same-2"))
            warned = true;
    CHECK(warned);

    char path[4096];
    snprintf(path, sizeof path, "%s/same/index.html", tmp);
    quire_document *back = read_file("html", path);
    CHECK(back != NULL);
    const quire_document *orig = c->docs[0];
    if (back) {
        CHECK_STR(back->title, orig->title);
        CHECK(quire_date_compare(&back->published, &orig->published) == 0);
        CHECK(back->n_authors == 2);
        for (size_t i = 0; i < back->n_authors && i < orig->n_authors; i++)
            CHECK_STR(back->authors[i].name, orig->authors[i].name);
        CHECK(back->tags.count == orig->tags.count);
        for (size_t i = 0; i < back->tags.count && i < orig->tags.count; i++)
            CHECK_STR(back->tags.items[i], orig->tags.items[i]);
        CHECK_STR(back->summary, orig->summary);
        CHECK_STR(back->url, "https://site.example/same/");
        char *o1 = outline(orig), *o2 = outline(back);
        /* the unknown frame became a link on the page: that is the one
         * expected difference */
        quire_buf want;
        quire__buf_init(&want);
        quire__buf_puts(&want, o1);
        char *pos = strstr(o2, "a: https://maps.example/embed?x=1 A map\n");
        CHECK(pos != NULL);
        if (pos)
            memmove(pos, pos + strlen("a: https://maps.example/embed?x=1 A map\n"),
                    strlen(pos + strlen("a: https://maps.example/embed?x=1 A map\n")) + 1);
        /* and the local image points at its published copy */
        const char *copy = "img: ../media/", *orig_img = "img: img/second.jpg second\n";
        char *p2 = strstr(o2, copy), *p1 = strstr(want.data ? want.data : "", orig_img);
        CHECK(p1 && p2 && strstr(p2, ".jpg second\n"));
        if (p1 && p2) {
            char *e2 = strchr(p2, '\n') + 1;
            memmove(p2, e2, strlen(e2) + 1);
            memmove(p1, p1 + strlen(orig_img), strlen(p1 + strlen(orig_img)) + 1);
            want.len = strlen(want.data);
        }
        CHECK_STR(o2, quire__buf_cstr(&want));
        quire__buf_free(&want);
        free(o1);
        free(o2);
        quire_document_free(back);
    }
    char *page = slurp(path);
    CHECK(page != NULL);
    if (page) {
        CHECK(strstr(page, "src=\"https://www.youtube-nocookie.com/embed/sxHFDKwJGGo\"") != NULL);
        CHECK(strstr(page, "loading=\"lazy\"") != NULL);
        CHECK(strstr(page, "sandbox=\"") != NULL);
        CHECK(strstr(page, "title=\"Clip\"") != NULL);
        CHECK(strstr(page, "frameborder") == NULL);
        CHECK(strstr(page, "<iframe") && !strstr(page, "maps.example/embed?x=1\" title"));
        CHECK(strstr(page, "<link rel=\"canonical\" href=\"https://site.example/same/\">") != NULL);
        CHECK(strstr(page, "property=\"og:title\"") != NULL);
        CHECK(strstr(page, "application/ld+json") != NULL);
        char *ld = cut(page, "<script type=\"application/ld+json\">", "</script>");
        char *au = cut(page, "<meta name=\"author\"", "\n");
        /* the JSON-LD's members in their order, its keys and fixed parts
         * written as literals; the authors' names joined */
        CHECK_STR(ld, "<script type=\"application/ld+json\">{\"@context\":\"https://schema.org\","
                      "\"@type\":\"BlogPosting\",\"headline\":\"Round \\u0026 trip: a "
                      "\\u003ctest\\u003e\",\"description\":\"A summary with \\\"quotes\\\" "
                      "\\u0026 ampersands.\",\"datePublished\":\"2024-03-05T09:15:00Z\","
                      "\"author\":[{\"@type\":\"Person\",\"name\":\"Mira Okafor\"},"
                      "{\"@type\":\"Person\",\"name\":\"Jonas Ferreira\"}],\"keywords\":"
                      "[\"Harbor\",\"Boats \\u0026 Ships\"],\"url\":\"https://site.example/same/\","
                      "\"mainEntityOfPage\":\"https://site.example/same/\",\"publisher\":"
                      "{\"@type\":\"Organization\",\"name\":\"Untitled\"}}");
        CHECK_STR(au, "<meta name=\"author\" content=\"Mira Okafor, Jonas Ferreira\">");
        /* the flags the page's sections test: has_meta, the last author, footer */
        CHECK(strstr(page, "<p class=\"meta\"><time datetime=\"2024-03-05T09:15:00Z\">5 March "
                           "2024</time> &#183; <span class=\"author\">Mira Okafor</span>, <span "
                           "class=\"author\">Jonas Ferreira</span></p>\n") != NULL);
        CHECK(strstr(page, "<footer>\n<ul class=\"tags\">") != NULL);
        free(ld);
        free(au);
        /* the published image is named by its bytes' hash, in 16 hex digits */
        {
            static const char jpeg[] = "\xFF\xD8\xFF\xE0 only the magic bytes matter";
            uint64_t h1, h2;
            quire__media_hash(jpeg, sizeof jpeg - 1, &h1, &h2);
            char want_src[80];
            snprintf(want_src, sizeof want_src, "src=\"../media/%016llx.jpg\"",
                     (unsigned long long)h1);
            CHECK(strstr(page, want_src) != NULL);
        }
        CHECK(strstr(page, "href=\"../tags/boats-ships/\"") != NULL);
        CHECK(strstr(page, "href=\"../style.css\"") != NULL);
        free(page);
    }
    snprintf(path, sizeof path, "%s/same-2/index.html", tmp);
    CHECK(access(path, F_OK) == 0);
    snprintf(path, sizeof path, "%s/index.html", tmp);
    page = slurp(path);
    CHECK(page && strstr(page, "href=\"same/\"") && strstr(page, "href=\"same-2/\"") &&
          strstr(page, "Round &amp; trip: a &lt;test&gt;"));
    {
        char *ld = cut(page, "<script type=\"application/ld+json\">", "</script>");
        CHECK_STR(ld, "<script type=\"application/ld+json\">{\"@context\":\"https://schema.org\","
                      "\"@type\":\"WebSite\",\"name\":\"Untitled\",\"url\":\"https://site.example/\","
                      "\"inLanguage\":\"en\"}");
        free(ld);
    }
    free(page);
    snprintf(path, sizeof path, "%s/tags/harbor/index.html", tmp);
    page = slurp(path);
    CHECK(page && strstr(page, "href=\"../../same/\"") && !strstr(page, "same-2/"));
    {
        char *ld = cut(page, "<script type=\"application/ld+json\">", "</script>");
        CHECK_STR(ld, "<script type=\"application/ld+json\">{\"@context\":\"https://schema.org\","
                      "\"@type\":\"CollectionPage\",\"name\":\"Harbor \xE2\x80\x94 Untitled\","
                      "\"url\":\"https://site.example/tags/harbor/\",\"inLanguage\":\"en\"}");
        free(ld);
    }
    free(page);
    snprintf(path, sizeof path, "%s/style.css", tmp);
    page = slurp(path);
    CHECK(page && strstr(page, "prefers-color-scheme: dark") && !strstr(page, "url("));
    free(page);
    quire_chain_free(chain);
    quire_collection_free(c);
    quire_diag_list_free(&diags);
}

static void test_slug_step(void)
{
    quire_collection *c = quire_collection_new();
    const char *slugs[] = {"same", "same", "../../etc", "feed.json", "same", "", NULL};
    for (size_t i = 0; i < 6; i++) {
        quire_document *d = quire_document_new();
        d->slug = slugs[i];
        d->title = i == 5 ? "Only A Title" : NULL;
        d->id = quire_arena_printf(d->arena, "id-%zu", i);
        d->source_path = quire_arena_printf(d->arena, "doc%zu.md", i);
        quire_collection_add(c, d);
    }
    quire_diag_list diags;
    quire_diag_list_init(&diags);
    CHECK(quire__slugs_unique(c, &diags) == QUIRE_OK);
    CHECK_STR(c->docs[0]->slug, "same");
    CHECK_STR(c->docs[1]->slug, "same-2");
    CHECK_STR(c->docs[2]->slug, "etc");
    CHECK_STR(c->docs[3]->slug, "feed.json-2");
    CHECK_STR(c->docs[4]->slug, "same-3");
    CHECK_STR(c->docs[5]->slug, "only-a-title");
    for (size_t i = 0; i < c->count; i++)
        CHECK(quire__slug_is_safe(c->docs[i]->slug) && quire_path_is_safe(c->docs[i]->slug));
    CHECK(diags.warnings == 4);
    CHECK(diags.count && strcmp(diags.items[0].file, "doc1.md") == 0);
    quire_diag_list_free(&diags);
    quire_collection_free(c);
}

static void test_pages(const char *dir)
{
    char path[4096];
    char buf[48];
    snprintf(path, sizeof path, "%s/pages/opengraph.html", dir);
    quire_document *d = read_file("html", path);
    CHECK(d != NULL);
    if (d) {
        CHECK_STR(d->title, "Tide gauges, explained");
        CHECK_STR(d->summary, "How a float in a pipe tells the sea level.");
        CHECK_STR(quire_date_iso(&d->published, buf), "2023-06-01T08:30:00+02:00");
        CHECK_STR(quire_date_iso(&d->modified, buf), "2023-06-03T10:00:00Z");
        CHECK_STR(d->image.src, "https://coastal.example/img/gauge.jpg");
        CHECK_STR(d->image.alt, "A tide gauge on a pier");
        CHECK(d->image.width == 1200 && d->image.height == 630);
        CHECK_STR(d->url, "https://coastal.example/tide-gauges/");
        CHECK_STR(d->language, "en-GB");
        CHECK(d->n_authors == 1 && !strcmp(d->authors[0].name, "Jonas Ferreira"));
        CHECK(d->tags.count == 2 && !strcmp(d->tags.items[0], "Tides"));
        char *o = outline(d);
        CHECK_STR(o, "a: https://example.org/float float\nh: Radar gauges\nimg: /img/radar.png radar\n");
        free(o);
        quire_buf b;
        quire__buf_init(&b);
        quire__render_text(&b, d->body);
        CHECK(!strstr(quire__buf_cstr(&b), "Sidebar") && !strstr(quire__buf_cstr(&b), "Share") &&
              !strstr(quire__buf_cstr(&b), "Home") && !strstr(quire__buf_cstr(&b), "tracking") &&
              !strstr(quire__buf_cstr(&b), "Subscribe") && strstr(quire__buf_cstr(&b), "stilling well"));
        quire__buf_free(&b);
        quire_document_free(d);
    }
    snprintf(path, sizeof path, "%s/pages/jsonld.html", dir);
    d = read_file("html", path);
    CHECK(d != NULL);
    if (d) {
        CHECK_STR(d->title, "New ferry <b>route</b> opens");
        CHECK_STR(d->summary, "The island route runs twice a day from May.");
        CHECK_STR(quire_date_iso(&d->published, buf), "2024-04-20T07:00:00Z");
        CHECK_STR(quire_date_iso(&d->modified, buf), "2024-04-21");
        CHECK_STR(d->image.src, "https://daily.example/ferry.jpg");
        CHECK(d->n_authors == 2 && !strcmp(d->authors[0].name, "Ana Silva") &&
              d->authors[0].url && !strcmp(d->authors[0].url, "https://daily.example/ana") &&
              !strcmp(d->authors[1].name, "Li Wei"));
        CHECK(d->tags.count == 3 && !strcmp(d->tags.items[2], "transport"));
        CHECK_STR(d->language, "pt-PT");
        quire_document_free(d);
    }
    snprintf(path, sizeof path, "%s/pages/frontmatter.html", dir);
    d = read_file("html", path);
    CHECK(d != NULL);
    if (d) {
        CHECK_STR(d->title, "Front matter wins");
        CHECK_STR(d->summary, "From the page.");
        CHECK_STR(quire_date_iso(&d->published, buf), "2022-02-02");
        CHECK(d->tags.count == 2 && !strcmp(d->tags.items[0], "local"));
        CHECK(d->body && d->body->first_child);
        quire_document_free(d);
    }
    snprintf(path, sizeof path, "%s/pages/latin1.html", dir);
    d = read_file("html", path);
    CHECK(d != NULL);
    if (d) {
        CHECK_STR(d->title, "Caf\xc3\xa9 cr\xc3\xa8me");
        CHECK_STR(quire_date_iso(&d->published, buf), "2019-05-05");
        quire_document_free(d);
    }
    /* probing: html files are ours even with front matter */
    CHECK(quire_reader_probe("x.html", "---\ntitle: a\n---\n<p>x</p>", 24, NULL) ==
          quire_reader_find("html"));
    CHECK(quire_reader_probe("x.txt", "<!DOCTYPE html><html></html>", 28, NULL) ==
          quire_reader_find("html"));
}

static bool same_str(const char *a, const char *b)
{
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

/* The html writer copies each body with quire__node_clone_shared (its
 * strings not copied): the copy must be quire_node_clone's, node for node,
 * with its own nodes and attribute lists and the source's strings. */
static void test_clone_shared(void)
{
    static const char md[] =
        "---\ntitle: Clone\n---\n\n# Head *em* **strong**\n\nText [link](https://a.example/ \"t\") "
        "![img](x.png \"title\") `code` ~~del~~[^1].\n\n> quote\n>\n> - a\n> - b\n\n"
        "1. one\n2. two\n\n```c\nint x;\n```\n\n| a | b |\n|---|:-:|\n| 1 | 2 |\n\n"
        "<div class=\"c\" id=\"d\"><span title=\"s\">raw</span></div>\n\n"
        "<iframe src=\"https://www.youtube.com/embed/abc\"></iframe>\n\n---\n\n[^1]: Note.\n";
    quire_document *d = read_one("markdown", "clone.md", md, sizeof md - 1);
    CHECK(d != NULL && d->body != NULL);
    if (!d || !d->body) {
        quire_document_free(d);
        return;
    }
    quire_arena *a = quire_arena_new();
    quire_node *deep = quire_node_clone(a, d->body), *shared = quire__node_clone_shared(a, d->body);
    CHECK(deep && shared);
    quire_iter ia, ib, is;
    quire_node *na, *nb, *ns;
    quire_event ea, eb, es;
    quire_iter_init(&ia, d->body);
    quire_iter_init(&ib, deep);
    quire_iter_init(&is, shared);
    size_t nodes = 0;
    do {
        ea = quire_iter_next(&ia, &na);
        eb = quire_iter_next(&ib, &nb);
        es = quire_iter_next(&is, &ns);
        CHECK(ea == eb && ea == es);
        if (ea == QUIRE_EVENT_DONE || ea != eb || ea != es)
            break;
        nodes++;
        CHECK(ns != na && nb->type == ns->type && nb->flags == ns->flags && nb->level == ns->level &&
              nb->line == ns->line && nb->column == ns->column && nb->width == ns->width &&
              nb->height == ns->height && nb->align == ns->align && nb->embed_kind == ns->embed_kind);
        CHECK(same_str(nb->literal, ns->literal) && same_str(nb->url, ns->url) &&
              same_str(nb->title, ns->title) && same_str(nb->info, ns->info) &&
              same_str(nb->name, ns->name));
        /* shared: the source's own bytes */
        CHECK(ns->literal == na->literal && ns->url == na->url && ns->name == na->name);
        const quire_attr *x = nb->attrs, *y = ns->attrs, *z = na->attrs;
        for (; x && y && z; x = x->next, y = y->next, z = z->next)
            CHECK(y != z && same_str(x->name, y->name) && same_str(x->value, y->value) &&
                  y->value == z->value);
        CHECK(!x && !y && !z);
    } while (true);
    CHECK(nodes > 40);
    quire_buf rb, rs;
    quire__buf_init(&rb);
    quire__buf_init(&rs);
    static const quire_render_opts opts = {.keep_embeds = true};
    quire__render_html(&rb, deep, &opts);
    quire__render_html(&rs, shared, &opts);
    CHECK_STR(quire__buf_cstr(&rs), quire__buf_cstr(&rb));
    quire__buf_free(&rb);
    quire__buf_free(&rs);
    quire_arena_free(a);
    quire_document_free(d);
}

/* quire__html_next must enter the nodes quire_iter enters, in its order:
 * over parsed bodies, and a built tree where leaves (an image, a code
 * span) have children a walk must not see, and containers have none. */
static void check_walk(quire_node *root)
{
    quire_iter it;
    quire_node *n, *w = root;
    quire_event ev;
    size_t count = 0;
    quire_iter_init(&it, root);
    while ((ev = quire_iter_next(&it, &n)) != QUIRE_EVENT_DONE) {
        if (ev != QUIRE_EVENT_ENTER)
            continue;
        CHECK(w == n);
        if (w != n)
            return;
        w = quire__html_next(root, w);
        count++;
    }
    CHECK(w == NULL);
    CHECK(count > 1);
}

static void test_walk(void)
{
    static const char *const docs[] = {
        "# H\n\npara *em **strong `c` x** y* [l](u)\n\n> q\n> > qq\n> - a\n>   - b\n>     1. c\n",
        "<div><p>a<source>b</source></p><picture><source srcset=\"x\"><img src=\"y\"></picture></div>\n\n"
        "| a | b |\n|---|---|\n| 1 | 2 |\n\n![i](x.png)\n\n<iframe src=\"https://x.example/\"></iframe>\n",
        "- a\n\n  b\n- c\n  ```\n  code\n  ```\n\n---\n\nz[^n]\n\n[^n]: note *x*\n",
    };
    for (size_t i = 0; i < sizeof docs / sizeof docs[0]; i++) {
        quire_document *d = read_one("markdown", "walk.md", docs[i], strlen(docs[i]));
        CHECK(d && d->body);
        if (d && d->body) {
            check_walk(d->body);
            quire_node *c = d->body->first_child;
            if (c && c->next)
                check_walk(c); /* a subtree: the walk stops at its root */
        }
        quire_document_free(d);
    }
    quire_arena *a = quire_arena_new();
    quire_node *root = quire_node_new(a, QUIRE_NODE_ROOT, 1, 1);
    quire_node *p = quire_node_new(a, QUIRE_NODE_PARAGRAPH, 1, 1);
    quire_node *img = quire_node_new(a, QUIRE_NODE_IMAGE, 1, 1);
    quire_node *code = quire_node_new(a, QUIRE_NODE_CODE, 1, 1);
    quire_node_append(root, p);
    quire_node_append(p, img);
    quire_node_append(img, quire_node_new_text(a, "hidden", 6, 1, 1));
    quire_node_append(p, code);
    quire_node_append(code, quire_node_new_text(a, "hidden", 6, 1, 1));
    quire_node_append(root, quire_node_new(a, QUIRE_NODE_BLOCKQUOTE, 1, 1)); /* empty */
    quire_node *deep = root;
    for (int i = 0; i < 200; i++) {
        quire_node *q = quire_node_new(a, QUIRE_NODE_BLOCKQUOTE, 1, 1);
        quire_node_append(deep, q);
        deep = q;
    }
    quire_node_append(root, quire_node_new_text(a, "end", 3, 1, 1));
    check_walk(root);
    check_walk(p);
    quire_arena_free(a);
}

int main(int argc, char **argv)
{
    test_walk();
    test_clone_shared();
    const char *dir = argc > 1 ? argv[1] : ".";
    char tmp[] = "/tmp/quire-html-XXXXXX";
    if (!mkdtemp(tmp))
        return 1;
    test_round_trip(tmp);
    test_slug_step();
    test_pages(dir);
    char cmd[256];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", tmp);
    return CHECK_DONE();
}
