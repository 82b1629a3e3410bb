/*
 * test_absolute_urls.c — the "absolute-urls" filter: the permalink from
 * url, base_url and slug; every relative URL of the body and the metadata
 * resolved against it; schemes, fragments and empty URLs kept.
 */
#include "ftest.h"

#include <string.h>

static quire_node *add(quire_document *d, quire_node *parent, quire_node_type t, const char *url)
{
    quire_node *n = quire_node_new(d->arena, t, 1, 1);
    n->url = url ? quire_arena_strdup(d->arena, url) : NULL;
    quire_node_append(parent ? parent : d->body, n);
    return n;
}

static quire_document *mk(const char *slug, const char *url)
{
    quire_document *d = ft_doc("Hello World!", "hello.md", "hello-id");
    d->slug = slug;
    d->url = url;
    return d;
}

static void test_body(void)
{
    quire_collection *c = quire_collection_new();
    quire_site_set_base_url(&c->site, "https://example.com/blog");
    quire_document *d = mk("hello", NULL);
    quire_node *p = add(d, NULL, QUIRE_NODE_PARAGRAPH, NULL);
    static const char *const cases[][2] = {
        {"../x.png", "https://example.com/blog/x.png"},
        {"./images/a.png", "https://example.com/blog/hello/images/a.png"},
        {"images/b.png", "https://example.com/blog/hello/images/b.png"},
        {"/abs", "https://example.com/abs"},
        {"../../../../up.png", "https://example.com/up.png"},
        {"//cdn.example/i.png", "https://cdn.example/i.png"},
        {"#frag", "#frag"},
        {"mailto:someone@example.com", "mailto:someone@example.com"},
        {"tel:+1-555-0100", "tel:+1-555-0100"},
        {"https://other.example/x?y#z", "https://other.example/x?y#z"},
        {"HTTP://Upper.example/", "HTTP://Upper.example/"},
        {"data:image/png;base64,AAAA", "data:image/png;base64,AAAA"},
        {"?page=2", "https://example.com/blog/hello/?page=2"},
        {"other.html#sec", "https://example.com/blog/hello/other.html#sec"},
        {"", ""},
        {"  spaced.html \n", "https://example.com/blog/hello/spaced.html"},
        {".", "https://example.com/blog/hello/"},
        {"..", "https://example.com/blog/"},
        {"my photo <1>.png", "https://example.com/blog/hello/my%20photo%20%3C1%3E.png"},
        {"//cdn.example/a b", "https://cdn.example/a%20b"},
        {"https://keep.example/a b", "https://keep.example/a b"},
        {"café/ü.png", "https://example.com/blog/hello/café/ü.png"},
        {"50%25.png", "https://example.com/blog/hello/50%25.png"},
    };
    size_t n = sizeof cases / sizeof *cases;
    quire_node *links[sizeof cases / sizeof *cases];
    for (size_t i = 0; i < n; i++)
        links[i] = add(d, p, i % 2 ? QUIRE_NODE_IMAGE : QUIRE_NODE_LINK, cases[i][0]);
    quire_node *embed = add(d, NULL, QUIRE_NODE_EMBED, "/embed/1");
    quire_node *a = add(d, p, QUIRE_NODE_HTML_INLINE, NULL);
    a->name = "a";
    quire_node_set_attr(d->arena, a, "href", "rel.html");
    quire_node_set_attr(d->arena, a, "class", "rel.html");
    quire_node *video = add(d, NULL, QUIRE_NODE_HTML_BLOCK, NULL);
    video->name = "video";
    quire_node_set_attr(d->arena, video, "poster", "p.jpg");
    quire_node_set_attr(d->arena, video, "src", "../v.mp4");
    quire_node *src = add(d, video, QUIRE_NODE_HTML_BLOCK, NULL);
    src->name = "source";
    quire_node_set_attr(d->arena, src, "srcset",
                        " a.png 1x,/b.png 2x , //c.example/c.png 3x,d.png, e.png 100w,,f.png,");
    quire_node *bq = add(d, NULL, QUIRE_NODE_BLOCKQUOTE, NULL);
    quire_node_set_attr(d->arena, bq, "cite", "#q");
    quire_node *img = add(d, p, QUIRE_NODE_IMAGE, "pic.png");
    quire_node_set_attr(d->arena, img, "srcset", "pic-2x.png 2x");
    d->image.src = "cover.jpg";
    d->external_url = "//news.example/item";
    quire_document_add_author(d, "A", "/about/", NULL);
    d->authors[0].avatar = "me.png";
    quire_document_add_author(d, "B", "https://b.example/", NULL);

    CHECK_INT(ft_run_doc("absolute-urls", NULL, &c->site, d, NULL), QUIRE_OK);
    CHECK_STR(d->url, "https://example.com/blog/hello/");
    for (size_t i = 0; i < n; i++)
        CHECK_STR(links[i]->url, cases[i][1]);
    CHECK_STR(embed->url, "https://example.com/embed/1");
    CHECK_STR(quire_node_attr(a, "href"), "https://example.com/blog/hello/rel.html");
    CHECK_STR(quire_node_attr(a, "class"), "rel.html");
    CHECK_STR(quire_node_attr(video, "poster"), "https://example.com/blog/hello/p.jpg");
    CHECK_STR(quire_node_attr(video, "src"), "https://example.com/blog/v.mp4");
    CHECK_STR(quire_node_attr(src, "srcset"),
              "https://example.com/blog/hello/a.png 1x, https://example.com/b.png 2x, "
              "https://c.example/c.png 3x, https://example.com/blog/hello/d.png, "
              "https://example.com/blog/hello/e.png 100w, https://example.com/blog/hello/f.png");
    CHECK_STR(quire_node_attr(bq, "cite"), "#q");
    CHECK_STR(img->url, "https://example.com/blog/hello/pic.png");
    CHECK_STR(quire_node_attr(img, "srcset"), "https://example.com/blog/hello/pic-2x.png 2x");
    CHECK_STR(d->image.src, "https://example.com/blog/hello/cover.jpg");
    CHECK_STR(d->external_url, "https://news.example/item");
    CHECK_STR(d->authors[0].url, "https://example.com/about/");
    CHECK_STR(d->authors[0].avatar, "https://example.com/blog/hello/me.png");
    CHECK_STR(d->authors[1].url, "https://b.example/");

    /* Running twice changes nothing more. */
    CHECK_INT(ft_run_doc("absolute-urls", NULL, &c->site, d, NULL), QUIRE_OK);
    CHECK_STR(d->url, "https://example.com/blog/hello/");
    CHECK_STR(links[0]->url, "https://example.com/blog/x.png");
    quire_document_free(d);
    quire_collection_free(c);
}

/* The permalink from the given url/slug, with a site base_url (NULL: none). */
static void expect_permalink(const char *base_url, const char *opts, const char *slug,
                             const char *url, const char *want, const char *rel_want)
{
    quire_collection *c = quire_collection_new();
    quire_site_set_base_url(&c->site, base_url);
    quire_document *d = mk(slug, url);
    quire_node *l = add(d, NULL, QUIRE_NODE_LINK, "../x.png");
    CHECK_INT(ft_run_doc("absolute-urls", opts, &c->site, d, NULL), QUIRE_OK);
    CHECK_STR(d->url, want);
    CHECK_STR(l->url, rel_want);
    quire_document_free(d);
    quire_collection_free(c);
}

static void test_permalink(void)
{
    const char *b = "https://example.com/blog/";
    expect_permalink(b, NULL, "s", "/posts/x/", "https://example.com/blog/posts/x/",
                     "https://example.com/blog/posts/x.png");
    expect_permalink(b, NULL, "s", "posts/x/", "https://example.com/blog/posts/x/",
                     "https://example.com/blog/posts/x.png");
    expect_permalink(b, NULL, "s", "page.html", "https://example.com/blog/page.html",
                     "https://example.com/x.png");
    expect_permalink(b, NULL, "s", "https://elsewhere.example/a/b/", "https://elsewhere.example/a/b/",
                     "https://elsewhere.example/a/x.png");
    expect_permalink(b, NULL, "s", "//elsewhere.example/p/", "https://elsewhere.example/p/",
                     "https://elsewhere.example/x.png");
    expect_permalink(b, NULL, "s", NULL, "https://example.com/blog/s/",
                     "https://example.com/blog/x.png");
    /* no slug: from the title */
    expect_permalink(b, NULL, NULL, NULL, "https://example.com/blog/hello-world/",
                     "https://example.com/blog/x.png");
    /* no base_url: the documented fallback, never a relative output */
    expect_permalink(NULL, NULL, "s", NULL, "https://example.org/s/", "https://example.org/x.png");
    expect_permalink(NULL, NULL, "s", "/p/q/", "https://example.org/p/q/",
                     "https://example.org/p/x.png");
    /* base= overrides the site; a missing '/' is added */
    expect_permalink(b, "base=https://opt.example/sub", "s", NULL,
                     "https://opt.example/sub/s/", "https://opt.example/sub/x.png");
    expect_permalink(NULL, "base=//opt.example/", "s", NULL, "https://opt.example/s/",
                     "https://opt.example/x.png");

    /* no site at all */
    quire_document *d = mk("s", NULL);
    CHECK_INT(ft_run_doc("absolute-urls", NULL, NULL, d, NULL), QUIRE_OK);
    CHECK_STR(d->url, "https://example.org/s/");
    quire_document_free(d);
}

static void test_options(void)
{
    quire_diag_list diags;
    quire_diag_list_init(&diags);
    CHECK_INT(ft_init("absolute-urls", "base=/relative/", &diags), QUIRE_ERR_USAGE);
    CHECK_INT(ft_init("absolute-urls", "base=example.org", &diags), QUIRE_ERR_USAGE);
    CHECK_INT(ft_init("absolute-urls", "base=https:", &diags), QUIRE_ERR_USAGE);
    CHECK_INT(ft_init("absolute-urls", "base_url=https://x/", &diags), QUIRE_ERR_USAGE);
    CHECK_INT(diags.errors, 4);
    CHECK_INT(ft_init("absolute-urls", "base=https://x.example", &diags), QUIRE_OK);
    quire_diag_list_free(&diags);
}

int main(void)
{
    test_body();
    test_permalink();
    test_options();
    return ft_done("test_absolute_urls");
}
