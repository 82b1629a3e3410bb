/*
 * test_frontmatter.c — YAML front matter of the markdown reader: scalar
 * resolution, positions, errors with file line:column, alias bombs, depth,
 * BOM/CRLF, field spellings and quire.yaml field mapping, wrong types,
 * dates, identity and slugs.
 */
#include "rd_test.h"
#include "../../src/readers/frontmatter.h"

#include <time.h>

typedef struct rd_doc {
    quire_diag_list diags;
    quire_read_ctx ctx;
    quire_collection *c;
    quire_document *doc;
    int rc;
} rd_doc;

static void rd_open_map(rd_doc *r, const char *path, const char *text, const quire_value *map)
{
    quire_diag_list_init(&r->diags);
    r->ctx = rd_ctx(path, &r->diags);
    r->ctx.field_map = map;
    r->rc = rd_read("markdown", &r->ctx, text, &r->c, &r->doc);
}

static void rd_open(rd_doc *r, const char *path, const char *text)
{
    rd_open_map(r, path, text, NULL);
}

static void rd_close(rd_doc *r)
{
    quire_collection_free(r->c);
    quire_diag_list_free(&r->diags);
}

static void test_scalars(void)
{
    rd_doc r;
    rd_open(&r, "s.md",
            "---\n"                 /* 1 */
            "n1: null\n"            /* 2 */
            "n2: ~\n"               /* 3 */
            "n3:\n"                 /* 4 */
            "b1: true\n"            /* 5 */
            "b2: False\n"           /* 6 */
            "i: 42\n"               /* 7 */
            "f: -1.5e3\n"           /* 8 */
            "hex: 0x1F\n"           /* 9 */
            "lead: 007\n"           /* 10 */
            "q: \"123\"\n"          /* 11 */
            "qn: 'null'\n"          /* 12 */
            "msvalidate.01: null\n" /* 13 */
            "nested:\n"             /* 14 */
            "  deep:\n"             /* 15 */
            "    - 1\n"             /* 16 */
            "    - {k: v}\n"        /* 17 */
            "folded: >-\n"          /* 18 */
            "  a\n"                 /* 19 */
            "  b\n"                 /* 20 */
            "---\n"
            "Body.\n");
    CHECK_INT(r.rc, QUIRE_OK);
    const quire_value *x = r.doc ? r.doc->extra : NULL;
    CHECK(x && x->type == QUIRE_VALUE_MAPPING);
    if (x) {
        CHECK_INT(x->count, 14);
        CHECK_INT(quire_value_get(x, "n1")->type, QUIRE_VALUE_NULL);
        CHECK_INT(quire_value_get(x, "n2")->type, QUIRE_VALUE_NULL);
        CHECK_INT(quire_value_get(x, "n3")->type, QUIRE_VALUE_NULL);
        CHECK_INT(quire_value_get(x, "b1")->type, QUIRE_VALUE_BOOL);
        CHECK_STR(quire_value_get(x, "b2")->str, "false");
        CHECK_INT(quire_value_get(x, "i")->type, QUIRE_VALUE_NUMBER);
        CHECK_STR(quire_value_get(x, "i")->str, "42");
        CHECK_INT(quire_value_get(x, "f")->type, QUIRE_VALUE_NUMBER);
        CHECK_STR(quire_value_get(x, "f")->str, "-1.5e3");
        CHECK_INT(quire_value_get(x, "hex")->type, QUIRE_VALUE_STRING);
        CHECK_INT(quire_value_get(x, "lead")->type, QUIRE_VALUE_STRING);
        CHECK_INT(quire_value_get(x, "q")->type, QUIRE_VALUE_STRING);
        CHECK_INT(quire_value_get(x, "qn")->type, QUIRE_VALUE_STRING);
        const quire_value *ms = quire_value_get(x, "msvalidate.01");
        CHECK(ms && ms->type == QUIRE_VALUE_NULL);
        const quire_value *deep = quire_value_path(x, "nested.deep");
        CHECK(deep && deep->type == QUIRE_VALUE_SEQUENCE && deep->count == 2);
        if (deep && deep->count == 2) {
            CHECK_STR(quire_value_get(deep->first->next, "k")->str, "v");
            CHECK_INT(deep->first->line, 16);
            CHECK_INT(deep->first->column, 7);
        }
        CHECK_STR(quire_value_get(x, "folded")->str, "a b");
        CHECK_INT(quire_value_get(x, "i")->line, 7);
        CHECK_INT(quire_value_get(x, "i")->column, 4);
    }
    rd_close(&r);
}

static void test_yaml_errors(void)
{
    rd_doc r;
    /* "foo: bar: baz" is on file line 3; libyaml's mark is 0-based. */
    rd_open(&r, "bad.md", "---\ntitle: a\nfoo: bar: baz\n---\nbody\n");
    CHECK_INT(r.rc, QUIRE_ERR_PARSE);
    CHECK_INT(r.c->count, 0);
    CHECK(rd_has_diag(&r.diags, QUIRE_SEV_ERROR, 3, 9, "YAML"));
    if (!rd_has_diag(&r.diags, QUIRE_SEV_ERROR, 3, 9, "YAML"))
        rd_print_diags(&r.diags);
    rd_close(&r);

    /* The same with a BOM and CRLF line endings. */
    rd_open(&r, "bad.md", "\xEF\xBB\xBF---\r\ntitle: a\r\nfoo: bar: baz\r\n---\r\nbody\r\n");
    CHECK_INT(r.rc, QUIRE_ERR_PARSE);
    CHECK(rd_has_diag(&r.diags, QUIRE_SEV_ERROR, 3, 9, "YAML"));
    rd_close(&r);

    /* An unclosed flow sequence: reported where libyaml noticed it. */
    rd_open(&r, "bad2.md", "---\na: 1\nb: [1, 2\nc: 3\n---\n");
    CHECK_INT(r.rc, QUIRE_ERR_PARSE);
    CHECK(r.diags.count == 1 && r.diags.items[0].line >= 3 && r.diags.items[0].line <= 5);
    rd_close(&r);

    /* Tab indentation error at a known place. */
    rd_open(&r, "tab.md", "---\nx:\n\t- 1\n---\n");
    CHECK_INT(r.rc, QUIRE_ERR_PARSE);
    CHECK(rd_has_diag(&r.diags, QUIRE_SEV_ERROR, 3, 0, NULL));
    rd_close(&r);

    rd_open(&r, "open.md", "---\ntitle: never closed\n\nBody text.\n");
    CHECK_INT(r.rc, QUIRE_ERR_PARSE);
    CHECK_INT(r.c->count, 0);
    CHECK(rd_has_diag(&r.diags, QUIRE_SEV_ERROR, 1, 1, "never closed"));
    rd_close(&r);

    rd_open(&r, "list.md", "---\n- a\n- b\n---\nx\n");
    CHECK_INT(r.rc, QUIRE_ERR_PARSE);
    CHECK(rd_has_diag(&r.diags, QUIRE_SEV_ERROR, 2, 1, "mapping"));
    rd_close(&r);

    rd_open(&r, "scalar.md", "---\njust text\n---\nx\n");
    CHECK_INT(r.rc, QUIRE_ERR_PARSE);
    CHECK(rd_has_diag(&r.diags, QUIRE_SEV_ERROR, 2, 1, "mapping"));
    rd_close(&r);

    rd_open(&r, "alias.md", "---\na: *nowhere\n---\n");
    CHECK_INT(r.rc, QUIRE_ERR_PARSE);
    CHECK(rd_has_diag(&r.diags, QUIRE_SEV_ERROR, 2, 4, "anchor"));
    rd_close(&r);

    /* A Latin-1 file: decoded as Windows-1252 with a warning at the first
     * non-UTF-8 byte, so the title survives (src/core/encoding.c). */
    rd_open(&r, "utf.md", "---\ntitle: caf\xE9\n---\nx\n");
    CHECK_INT(r.rc, QUIRE_OK);
    CHECK(r.doc && r.doc->title && !strcmp(r.doc->title, "caf\xC3\xA9"));
    CHECK(rd_has_diag(&r.diags, QUIRE_SEV_WARNING, 2, 11, "Windows-1252"));
    rd_close(&r);
}

static void test_aliases_and_depth(void)
{
    rd_doc r;
    rd_open(&r, "ok.md", "---\nbase: &b {x: 1, y: [a, b]}\nother: *b\nname: &n Jo\nwho: *n\n---\n");
    CHECK_INT(r.rc, QUIRE_OK);
    if (r.doc) {
        CHECK_STR(quire_value_str(quire_value_path(r.doc->extra, "other.x")), "1");
        CHECK_INT(quire_value_path(r.doc->extra, "other.y")->count, 2);
        CHECK_STR(quire_value_str(quire_value_get(r.doc->extra, "who")), "Jo");
    }
    rd_close(&r);

    /* Billion laughs: must be refused, and quickly. */
    quire_buf b;
    quire__buf_init(&b);
    quire__buf_puts(&b, "---\na0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
    for (int i = 1; i < 10; i++) {
        quire__buf_printf(&b, "a%d: &a%d [", i, i);
        for (int k = 0; k < 9; k++)
            quire__buf_printf(&b, "%s*a%d", k ? ", " : "", i - 1);
        quire__buf_puts(&b, "]\n");
    }
    quire__buf_puts(&b, "---\nlol\n");
    clock_t t0 = clock();
    rd_open(&r, "bomb.md", quire__buf_cstr(&b));
    double secs = (double)(clock() - t0) / CLOCKS_PER_SEC;
    CHECK_INT(r.rc, QUIRE_ERR_LIMIT);
    CHECK_INT(r.c->count, 0);
    CHECK(rd_has_diag(&r.diags, QUIRE_SEV_ERROR, 0, 0, "alias"));
    CHECK(secs < 1.0);
    rd_close(&r);

    /* The limit is configurable. */
    quire__buf_reset(&b);
    quire__buf_puts(&b, "---\nx: &x 1\n");
    for (int i = 0; i < 20; i++)
        quire__buf_printf(&b, "k%d: *x\n", i);
    quire__buf_puts(&b, "---\n");
    quire_diag_list_init(&r.diags);
    r.ctx = rd_ctx("lim.md", &r.diags);
    r.ctx.limits.max_yaml_aliases = 10;
    r.rc = rd_read("markdown", &r.ctx, quire__buf_cstr(&b), &r.c, &r.doc);
    CHECK_INT(r.rc, QUIRE_ERR_LIMIT);
    CHECK(rd_has_diag(&r.diags, QUIRE_SEV_ERROR, 13, 6, "alias"));
    rd_close(&r);

    /* Nesting deeper than max_depth (flow and block) is an error. */
    quire__buf_reset(&b);
    quire__buf_puts(&b, "---\nx: ");
    for (int i = 0; i < 600; i++)
        quire__buf_putc(&b, '[');
    for (int i = 0; i < 600; i++)
        quire__buf_putc(&b, ']');
    quire__buf_puts(&b, "\n---\n");
    rd_open(&r, "deep.md", quire__buf_cstr(&b));
    CHECK_INT(r.rc, QUIRE_ERR_LIMIT);
    CHECK(rd_has_diag(&r.diags, QUIRE_SEV_ERROR, 2, 0, "nested deeper"));
    rd_close(&r);

    quire__buf_reset(&b);
    quire__buf_puts(&b, "---\nx: ");
    for (int i = 0; i < 100; i++)
        quire__buf_putc(&b, '[');
    for (int i = 0; i < 100; i++)
        quire__buf_putc(&b, ']');
    quire__buf_puts(&b, "\n---\n");
    rd_open(&r, "ok-deep.md", quire__buf_cstr(&b));
    CHECK_INT(r.rc, QUIRE_OK);
    rd_close(&r);
    quire__buf_free(&b);
}

static void test_bom_crlf(void)
{
    rd_doc r;
    rd_open(&r, "crlf.md",
            "\xEF\xBB\xBF---\r\ntitle: Hello\r\ndate: 2021-01-02\r\ntags: [a, b]\r\n---\r\n"
            "# Head\r\n\r\nText\r\nmore\r\n");
    CHECK_INT(r.rc, QUIRE_OK);
    if (r.doc) {
        CHECK_STR(r.doc->title, "Hello");
        CHECK(r.doc->published.set && r.doc->published.day == 2);
        CHECK_INT(r.doc->tags.count, 2);
        CHECK_INT(r.doc->body_line, 6);
        quire_node *h = rd_find(r.doc->body, QUIRE_NODE_HEADING, 0);
        CHECK(h && h->line == 6 && h->column == 1);
        quire_node *p = rd_find(r.doc->body, QUIRE_NODE_PARAGRAPH, 0);
        CHECK(p && p->line == 8);
        char *d = rd_dump(r.doc->body);
        CHECK_STR(d, "(root (heading:1 \"Head\") (paragraph \"Text\" softbreak \"more\"))");
        free(d);
    }
    rd_close(&r);

    /* No front matter at all, and "..." as the closing line. */
    rd_open(&r, "plain.md", "Just *text*.\n");
    CHECK_INT(r.rc, QUIRE_OK);
    CHECK(r.doc && r.doc->extra == NULL && r.doc->body_line == 1);
    rd_close(&r);
    rd_open(&r, "dots.md", "---\ntitle: Dots\n...\nBody\n");
    CHECK_INT(r.rc, QUIRE_OK);
    CHECK(r.doc && r.doc->title && strcmp(r.doc->title, "Dots") == 0);
    rd_close(&r);
    rd_open(&r, "empty.md", "---\n---\nBody\n");
    CHECK_INT(r.rc, QUIRE_OK);
    CHECK(r.doc && r.doc->extra && r.doc->extra->type == QUIRE_VALUE_MAPPING);
    rd_close(&r);
}

/* Each spelling of a field lands in the typed field. */
static void test_spellings(void)
{
    static const char *const pub[] = {"date", "pubDate", "published", "datePublished",
                                      "publishDate"};
    static const char *const mod[] = {"lastmod", "lastMod", "updated", "modified",
                                      "dateModified"};
    static const char *const sum[] = {"description", "summary", "excerpt"};
    char text[512];
    rd_doc r;
    for (size_t i = 0; i < 5; i++) {
        snprintf(text, sizeof text, "---\n%s: 2020-03-04\n%s: '2020-05-06T07:08:09Z'\n---\n",
                 pub[i], mod[i]);
        rd_open(&r, "d.md", text);
        CHECK(r.doc && r.doc->published.set && r.doc->published.month == 3 &&
              !r.doc->published.has_time);
        CHECK(r.doc && r.doc->modified.set && r.doc->modified.hour == 7 &&
              r.doc->modified.has_zone);
        rd_close(&r);
    }
    for (size_t i = 0; i < 3; i++) {
        snprintf(text, sizeof text, "---\n%s: The gist.\n---\n", sum[i]);
        rd_open(&r, "s.md", text);
        CHECK(r.doc && r.doc->summary && strcmp(r.doc->summary, "The gist.") == 0);
        rd_close(&r);
    }

    rd_open(&r, "a.md",
            "---\n"
            "title: T\nsubtitle: Sub\n"
            "author: Ann\n"
            "keywords: 'x, y ,z'\n"
            "category: One\n"
            "og:image: /o.png\n"
            "external_url: https://ext.example/\n"
            "permalink: https://site.example/p/\n"
            "lang: fr\n"
            "draft: true\n"
            "---\n");
    CHECK_INT(r.rc, QUIRE_OK);
    if (r.doc) {
        CHECK_STR(r.doc->subtitle, "Sub");
        CHECK_INT(r.doc->n_authors, 1);
        CHECK_STR(r.doc->authors[0].name, "Ann");
        CHECK_INT(r.doc->tags.count, 3);
        CHECK_STR(r.doc->tags.items[1], "y");
        CHECK_INT(r.doc->categories.count, 1);
        CHECK_STR(r.doc->image.src, "/o.png");
        CHECK_STR(r.doc->external_url, "https://ext.example/");
        CHECK_STR(r.doc->url, "https://site.example/p/");
        CHECK_STR(r.doc->id, "https://site.example/p/"); /* permalink is the id */
        CHECK_STR(r.doc->language, "fr");
        CHECK(r.doc->draft);
    }
    CHECK_INT(r.diags.count, 0);
    rd_close(&r);

    rd_open(&r, "b.md",
            "---\n"
            "authors:\n  - Bo\n  - {name: Cy, url: 'https://cy.example', email: c@y.example}\n"
            "  - 'Di <di@example.org>'\n"
            "tags: [t1, 2021]\n"
            "categories: [c1, c2]\n"
            "featuredImage: {src: /f.jpg, alt: Fig, width: 640, height: '480'}\n"
            "canonical: https://canon.example/\n"
            "url: /u/\n"
            "language: de\n"
            "draft: 'no'\n"
            "---\n");
    if (r.doc) {
        CHECK_INT(r.doc->n_authors, 3);
        if (r.doc->n_authors == 3) {
            CHECK_STR(r.doc->authors[1].url, "https://cy.example");
            CHECK_STR(r.doc->authors[1].email, "c@y.example");
            CHECK_STR(r.doc->authors[2].name, "Di");
            CHECK_STR(r.doc->authors[2].email, "di@example.org");
        }
        CHECK_INT(r.doc->tags.count, 2);
        CHECK_STR(r.doc->tags.items[1], "2021");
        CHECK_INT(r.doc->categories.count, 2);
        CHECK_STR(r.doc->image.src, "/f.jpg");
        CHECK_STR(r.doc->image.alt, "Fig");
        CHECK_INT(r.doc->image.width, 640);
        CHECK_INT(r.doc->image.height, 480);
        CHECK_STR(r.doc->external_url, "https://canon.example/");
        CHECK_STR(r.doc->url, "/u/");
        CHECK_STR(r.doc->language, "de");
        CHECK(!r.doc->draft);
    }
    CHECK_INT(r.diags.count, 0);
    rd_close(&r);

    rd_open(&r, "c.md",
            "---\n"
            "author: {name: Ed, avatar: /ed.png}\n"
            "cover: {image: /c.png, alt: C}\n"
            "link: https://linked.example/\n"
            "externalUrl: https://ext2.example/\n"
            "---\n");
    if (r.doc) {
        CHECK_INT(r.doc->n_authors, 1);
        CHECK_STR(r.doc->authors[0].avatar, "/ed.png");
        CHECK_STR(r.doc->image.src, "/c.png");
        /* externalUrl is a spelling of its own and comes before a bare link */
        CHECK_STR(r.doc->external_url, "https://ext2.example/");
    }
    rd_close(&r);

    rd_open(&r, "d.md",
            "---\nlink: {href: 'https://h.example/', brand: b}\n"
            "featured_image: {href: h.jpg, size: [1080, 1920]}\n"
            "author: [{name: Fay}, {name: Gus}]\n---\n");
    if (r.doc) {
        CHECK_STR(r.doc->external_url, "https://h.example/");
        CHECK_STR(r.doc->image.src, "h.jpg");
        CHECK_INT(r.doc->image.height, 1080);
        CHECK_INT(r.doc->image.width, 1920);
        CHECK_INT(r.doc->n_authors, 2);
    }
    CHECK_INT(r.diags.count, 0);
    rd_close(&r);

    rd_open(&r, "l.md", "---\nlink: https://linked.example/\n---\n");
    CHECK(r.doc && r.doc->external_url && strcmp(r.doc->external_url, "https://linked.example/") == 0);
    rd_close(&r);

    rd_open(&r, "e.md", "---\nlink: {brand: only}\nimage: /i.png\n---\n");
    CHECK(r.doc && r.doc->external_url == NULL);
    CHECK_INT(r.diags.count, 0); /* a `link` mapping without href is just data */
    rd_close(&r);
}

/* Hostile list sizes stay linear: capped, with a warning. */
static void test_big_lists(void)
{
    quire_buf b;
    quire__buf_init(&b);
    quire__buf_puts(&b, "---\ntags: [");
    for (int i = 0; i < 50000; i++)
        quire__buf_printf(&b, "%st%d", i ? ", " : "", i);
    quire__buf_puts(&b, "]\nauthor: [");
    for (int i = 0; i < 50000; i++)
        quire__buf_printf(&b, "%sa%d", i ? ", " : "", i);
    quire__buf_puts(&b, "]\n---\n");
    clock_t t0 = clock();
    rd_doc r;
    rd_open(&r, "big.md", quire__buf_cstr(&b));
    CHECK_INT(r.rc, QUIRE_OK);
    CHECK(r.doc && r.doc->tags.count == 1000 && r.doc->n_authors == 1000);
    CHECK(rd_has_diag(&r.diags, QUIRE_SEV_WARNING, 2, 7, "more than"));
    CHECK((double)(clock() - t0) / CLOCKS_PER_SEC < 5.0);
    rd_close(&r);
    quire__buf_free(&b);
}

static void test_field_map(void)
{
    quire_arena *a = quire_arena_new();
    quire_value *map = quire_value_new(a, QUIRE_VALUE_MAPPING);
    quire_value_append(a, map, "title",
                       quire_value_new_scalar(a, QUIRE_VALUE_STRING, "headline", 8));
    quire_value_append(a, map, "published",
                       quire_value_new_scalar(a, QUIRE_VALUE_STRING, "meta.created", 12));
    quire_value *tags = quire_value_new(a, QUIRE_VALUE_SEQUENCE);
    quire_value_append(a, tags, NULL, quire_value_new_scalar(a, QUIRE_VALUE_STRING, "labels", 6));
    quire_value_append(a, tags, NULL, quire_value_new_scalar(a, QUIRE_VALUE_STRING, "topics", 6));
    quire_value_append(a, map, "tags", tags);
    quire_value_append(a, map, "external_url",
                       quire_value_new_scalar(a, QUIRE_VALUE_STRING, "source.url", 10));

    rd_doc r;
    rd_open_map(&r, "m.md",
                "---\ntitle: Not this\nheadline: This one\nmeta: {created: 2019-12-31}\n"
                "date: 2000-01-01\ntopics: [p, q]\nsource: {url: 'https://src.example/'}\n---\n",
                map);
    if (r.doc) {
        CHECK_STR(r.doc->title, "This one");
        CHECK_INT(r.doc->published.year, 2019);
        CHECK_INT(r.doc->tags.count, 2);
        CHECK_STR(r.doc->tags.items[0], "p");
        CHECK_STR(r.doc->external_url, "https://src.example/");
    }
    rd_close(&r);

    /* A mapped key that is absent falls back to the usual spellings. */
    rd_open_map(&r, "m2.md", "---\ntitle: Usual\ndate: 2000-01-01\n---\n", map);
    if (r.doc) {
        CHECK_STR(r.doc->title, "Usual");
        CHECK_INT(r.doc->published.year, 2000);
    }
    rd_close(&r);
    quire_arena_free(a);
}

static void test_wrong_types(void)
{
    rd_doc r;
    rd_open(&r, "w.md",
            "---\n"
            "title: Still here\n"     /* 2 */
            "tags: {a: 1}\n"          /* 3 */
            "date: [1]\n"             /* 4 */
            "lastmod: 2021-02-30\n"   /* 5 */
            "image: 42\n"             /* 6 */
            "draft: maybe\n"          /* 7 */
            "summary: {x: y}\n"       /* 8 */
            "author: true\n"          /* 9 */
            "---\nBody\n");
    CHECK_INT(r.rc, QUIRE_OK);
    CHECK(r.doc != NULL);
    if (r.doc) {
        CHECK_STR(r.doc->title, "Still here");
        CHECK_INT(r.doc->tags.count, 0);
        CHECK(!r.doc->published.set);
        CHECK(!r.doc->modified.set);
        CHECK(r.doc->image.src == NULL);
        CHECK(!r.doc->draft);
        CHECK(r.doc->summary == NULL);
        CHECK_INT(r.doc->n_authors, 0);
    }
    CHECK(rd_has_diag(&r.diags, QUIRE_SEV_WARNING, 3, 7, "tags"));
    CHECK(rd_has_diag(&r.diags, QUIRE_SEV_WARNING, 4, 7, "date"));
    CHECK(rd_has_diag(&r.diags, QUIRE_SEV_WARNING, 5, 10, "not a valid date"));
    CHECK(rd_has_diag(&r.diags, QUIRE_SEV_WARNING, 6, 8, "image"));
    CHECK(rd_has_diag(&r.diags, QUIRE_SEV_WARNING, 7, 8, "draft"));
    CHECK(rd_has_diag(&r.diags, QUIRE_SEV_WARNING, 8, 10, "summary"));
    CHECK(rd_has_diag(&r.diags, QUIRE_SEV_WARNING, 9, 9, "author"));
    CHECK_INT(r.diags.errors, 0);
    rd_close(&r);
}

static void test_dates(void)
{
    quire_date d;
    CHECK(quire_date_parse(&d, "2021-09-24"));
    CHECK(d.set && !d.has_time && !d.has_zone && d.year == 2021 && d.month == 9 && d.day == 24);
    CHECK(quire_date_parse(&d, "2021-09-24T10:20:30"));
    CHECK(d.has_time && !d.has_zone && d.hour == 10 && d.second == 30);
    CHECK(quire_date_parse(&d, "2021-09-24T10:20:30Z"));
    CHECK(d.has_zone && d.offset_min == 0);
    CHECK(quire_date_parse(&d, "2021-09-24T10:20:30.123456+02:00"));
    CHECK(d.nanos == 123456000 && d.offset_min == 120);
    CHECK(quire_date_parse(&d, "2021-09-24 10:20-05:30"));
    CHECK(d.offset_min == -330 && d.second == 0);
    CHECK(quire_date_parse(&d, "2021-09-24T09:56:50.446630Z"));
    CHECK(d.nanos == 446630000);
    CHECK(quire_date_parse(&d, "2020-02-29"));
    static const char *const bad[] = {"2021-02-29", "2021-02-30", "2021-13-01", "2021-00-10",
                                      "2021-09-24T25:00", "24/09/2021", "2021-9-24", "",
                                      "2021-09-24T10:20:30+2", "2021-09-24x", "yesterday",
                                      "2021-09-24T10:20:30."};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        if (quire_date_parse(&d, bad[i])) {
            fprintf(stderr, "accepted bad date '%s'\n", bad[i]);
            rd_failures++;
        }
    }

    rd_doc r;
    rd_open(&r, "dz.md", "---\ndate: 2021-09-24T10:00:00+02:00\nupdated: 2021-09-25 08:00\n---\n");
    CHECK(r.doc && r.doc->published.has_zone && r.doc->published.offset_min == 120);
    CHECK(r.doc && r.doc->modified.has_time && !r.doc->modified.has_zone);
    rd_close(&r);
}

static bool slug_is_safe(const char *s)
{
    return s && *s && !strchr(s, '/') && !strchr(s, '\\') && !strstr(s, "..") && s[0] != '.';
}

static void test_identity(void)
{
    static const char *const slugs[] = {"../../etc/passwd", "a/b\\\\c..d", "..", "/abs/path",
                                        "..\\\\..\\\\win", "....", "%2e%2e%2fx", "CON"};
    char text[256];
    rd_doc r;
    for (size_t i = 0; i < sizeof slugs / sizeof *slugs; i++) {
        snprintf(text, sizeof text, "---\ntitle: T\nslug: \"%s\"\n---\n", slugs[i]);
        rd_open(&r, "p.md", text);
        CHECK(r.doc && slug_is_safe(r.doc->slug));
        if (r.doc && !slug_is_safe(r.doc->slug))
            fprintf(stderr, "unsafe slug from '%s': '%s'\n", slugs[i], r.doc->slug);
        rd_close(&r);
    }
    rd_open(&r, "p.md", "---\nslug: ../../etc/passwd\n---\n");
    CHECK(r.doc && strcmp(r.doc->slug, "etc-passwd") == 0);
    rd_close(&r);
    rd_open(&r, "p.md", "---\ntitle: Hello, World!\nslug: '..'\n---\n");
    CHECK(r.doc && strcmp(r.doc->slug, "hello-world") == 0);
    rd_close(&r);

    /* No title: the first heading, then the file name. */
    rd_open(&r, "posts/My File.md", "Intro.\n\n## The *Real* Title\n\n# Later\n");
    CHECK(r.doc && strcmp(r.doc->title, "The Real Title") == 0);
    CHECK(r.doc && strcmp(r.doc->slug, "the-real-title") == 0);
    CHECK(r.doc && strcmp(r.doc->format, "markdown") == 0);
    CHECK(r.doc && strcmp(r.doc->source_path, "posts/My File.md") == 0);
    CHECK(r.doc && strncmp(r.doc->id, "urn:quire:", 10) == 0 && strlen(r.doc->id) == 26);
    rd_close(&r);
    rd_open(&r, "posts/My File.md", "No heading.\n");
    CHECK(r.doc && strcmp(r.doc->title, "My File") == 0);
    CHECK(r.doc && strcmp(r.doc->slug, "my-file") == 0);
    char *id1 = r.doc ? strdup(r.doc->id) : NULL;
    rd_close(&r);
    rd_open(&r, "posts/My File.md", "Other content, same path.\n");
    CHECK(r.doc && id1 && strcmp(r.doc->id, id1) == 0); /* stable */
    rd_close(&r);
    free(id1);

    /* Nothing sluggable anywhere: still a safe, non-empty slug. */
    rd_open(&r, "\xE6\x97\xA5\xE6\x9C\xAC.md", "---\ntitle: \xE6\x97\xA5\xE6\x9C\xAC\n---\n");
    CHECK(r.doc && slug_is_safe(r.doc->slug) && strncmp(r.doc->slug, "doc-", 4) == 0);
    rd_close(&r);

    rd_open(&r, "n.md", "---\nid: 7938\ntitle: x\n---\n");
    CHECK(r.doc && strcmp(r.doc->id, "7938") == 0);
    rd_close(&r);
}


/* ---------------------------------------------- the fast YAML scanner */

static bool fy_same(const quire_value *a, const quire_value *b)
{
    if (!a || !b)
        return a == b;
    if (a->type != b->type || a->len != b->len || a->line != b->line ||
        a->column != b->column || a->count != b->count || !a->str != !b->str ||
        (a->str && memcmp(a->str, b->str, a->len) != 0) || !a->key != !b->key ||
        (a->key && strcmp(a->key, b->key) != 0))
        return false;
    for (a = a->first, b = b->first; a && b; a = a->next, b = b->next)
        if (!fy_same(a, b))
            return false;
    return !a && !b;
}

/* The fast scanner (when it reads the text at all) and libyaml agree on
 * every value, key, position and status; `fast` says whether it must read
 * this text itself rather than hand it to libyaml. */
static void fy_check(const char *yaml, bool fast)
{
    quire_arena *arena = quire_arena_new();
    quire_diag_list d1, d2;
    quire_diag_list_init(&d1);
    quire_diag_list_init(&d2);
    quire_read_ctx c1 = rd_ctx("f.md", &d1), c2 = rd_ctx("f.md", &d2);
    quire_value *v1 = NULL, *v2 = NULL;
    size_t n = strlen(yaml);
    int r1 = quire__yaml_parse_mode(&v1, arena, yaml, n, 1, &c1, "markdown", QUIRE__YAML_LIBYAML);
    int r2 = quire__yaml_parse_mode(&v2, arena, yaml, n, 1, &c2, "markdown", QUIRE__YAML_FAST);
    if (fast && r2 != QUIRE_OK) {
        fprintf(stderr, "fast scanner gave up on:\n%s\n", yaml);
        rd_failures++;
    }
    if (r2 == QUIRE_OK && (r1 != QUIRE_OK || !fy_same(v1, v2))) {
        fprintf(stderr, "fast scanner and libyaml disagree on:\n%s\n", yaml);
        rd_failures++;
    }
    CHECK(r2 == QUIRE_OK || d2.count == 0); /* giving up reports nothing */
    quire_diag_list_free(&d1);
    quire_diag_list_free(&d2);
    quire_arena_free(arena);
}

static void test_yaml_fast(void)
{
    static const char *const fast[] = {
        "title: Hello\n",
        "title: \"Summit: Output Below\"\ndate: 2016-08-18\nlastmod: \"2019-12-13T23:49:24\"\n",
        "author: [\"Dmitri Nov\xC3\xA1k\", 'B', c d]\ntags:\n  - \"x\"\n  - y\ndraft: false\n",
        "a:\n  b:\n    c: 1\n    d: [1, 2.5, true, null, ~]\n  e: x\nf: -3\n",
        "\"og:image:width\": 1200\n'k': v\nog:type: article\nkey : v\n",
        "k:\n- a\n- b\nj: c\n",                      /* indentless sequence */
        "k:\nj:   # comment\n  # inside\nl: # c\n",    /* empty values */
        "k: \"esc \\\" \\\\ \\n \\t \\u00e9 \\x41 \\U0001F600 \\/ \\0 \\e\"\n",
        "# only a comment\n\nk: v # trailing\nw: a#b\nu: http://x.org/a?b=c#d\n",
        "- a\n- \"b\"\n",                             /* a root sequence */
        "\xD0\xBA\xD0\xBB\xD1\x8E\xD1\x87: \xE6\x9D\xB1\xE4\xBA\xAC\nx: \xF0\x9F\x98\x80 y\n",
        "k: []\nl: [ ]\nm: ''\nn: \"\"\n",
        "",
        "# nothing\n",
    };
    for (size_t i = 0; i < sizeof fast / sizeof *fast; i++)
        fy_check(fast[i], true);
    /* Whatever these are, libyaml decides; the scanner must not read them
     * differently. */
    static const char *const other[] = {
        "k: |\n  block\n", "k: >\n  folded\n", "k: &a v\nj: *a\n", "k: !tag v\n",
        "k: \"multi\n  line\"\n", "k: plain\n  continued\n", "k: {a: 1}\n", "k: [a, [b]]\n",
        "k: [a,b,]\n", "k:\tv\n", "\tk: v\n", "k: v\r\n", "k: a: b\n", "- a: b\n", "? k\n: v\n",
        "k: 'it''s'\n", "k: \"bad \\q\"\n", "k: @x\n", "k: `x\n", "%YAML 1.2\n---\nk: v\n",
        "k: v\n  j: w\n", "  k: v\nj: w\n", "k: v\n- a\n", "k\n", "k: -\n", "k: [a, b] x\n",
        "k: \"a\" b\n", "k: \xE2\x80\xA8\n", "k: \xC3\n", "k: \x01\n", "k: a\xC2\x85" "b\n",
        "---\nk: v\n", "k: v\n...\n", "k: :x\n", "k: ?x\n", "k: -x\n", "k:v\n",
    };
    for (size_t i = 0; i < sizeof other / sizeof *other; i++)
        fy_check(other[i], false);
}

static unsigned rd_rand(unsigned *seed)
{
    *seed = *seed * 1103515245u + 12345u;
    return *seed >> 16;
}

/* Random front matter in the shapes the fast scanner reads, with keys and
 * values of every width in front of a value (ASCII, 2-, 3- and 4-byte
 * UTF-8), so its column count crosses its eight-byte steps at every offset,
 * and lines ending right at the text's end: fast and libyaml must agree on
 * every value and position. */
static void test_yaml_fast_random(void)
{
    static const char *const pieces[] = {"a", "Zz", "\xC3\xA9", "\xE6\x9D\xB1",
                                         "\xF0\x9F\x98\x80", "x-y", "7"};
    unsigned seed = 12345;
    char doc[4096], word[256];
    for (int iter = 0; iter < 3000; iter++) {
        size_t len = 0;
        int depth = 0;
        int lines = 1 + (int)(rd_rand(&seed) % 8);
        for (int l = 0; l < lines; l++) {
            /* a word of 0..12 random pieces */
            size_t wl = 0;
            int np = 1 + (int)(rd_rand(&seed) % 12);
            for (int k = 0; k < np; k++) {
                const char *pc = pieces[rd_rand(&seed) % (sizeof pieces / sizeof *pieces)];
                wl += (size_t)snprintf(word + wl, sizeof word - wl, "%s", pc);
            }
            for (int d = 0; d < depth; d++)
                len += (size_t)snprintf(doc + len, sizeof doc - len, "  ");
            unsigned shape = rd_rand(&seed) % 6;
            if (shape == 0 && depth < 3) {
                len += (size_t)snprintf(doc + len, sizeof doc - len, "k%s%d:\n", word, l);
                depth++;
                continue;
            }
            if (shape == 1 && depth > 0)
                depth--;
            switch (rd_rand(&seed) % 4) {
            case 0:
                len += (size_t)snprintf(doc + len, sizeof doc - len, "k%d%s: v%s\n", l, word, word);
                break;
            case 1:
                len += (size_t)snprintf(doc + len, sizeof doc - len, "\"%s%d\": \"%s\"\n", word, l, word);
                break;
            case 2:
                len += (size_t)snprintf(doc + len, sizeof doc - len, "k%d: [%s, \"%s\", '%s']\n", l, word, word, word);
                break;
            default:
                len += (size_t)snprintf(doc + len, sizeof doc - len, "'%s%d':    x%s  # c\n", word, l, word);
                break;
            }
        }
        if (rd_rand(&seed) % 2 && len) /* no final newline: values at the very end */
            doc[--len] = '\0';
        fy_check(doc, false);
        /* The fast scanner must read these itself (no give-up): flows,
         * quotes and plain words of these pieces are all in its grammar. */
        quire_arena *arena = quire_arena_new();
        quire_diag_list d;
        quire_diag_list_init(&d);
        quire_read_ctx c = rd_ctx("f.md", &d);
        quire_value *v = NULL;
        int r = quire__yaml_parse_mode(&v, arena, doc, len, 1, &c, "markdown", QUIRE__YAML_FAST);
        if (r != QUIRE_OK) {
            fprintf(stderr, "fast scanner gave up on:\n%s\n", doc);
            rd_failures++;
        }
        quire_diag_list_free(&d);
        quire_arena_free(arena);
    }
}

/* The scanner's word-at-a-time parts (the text check, sixteen and eight
 * bytes at a time; the search for the end of a key) at every offset: a
 * byte it must refuse anywhere in a long value makes it give up, one it
 * accepts does not, and keys with ':' or '#' inside read as libyaml reads
 * them. */
static void test_yaml_fast_offsets(void)
{
    static const struct { const char *piece; bool ok; } values[] = {
        {"\x01", false}, {"\x7f", false}, {"\t", false}, {"\r", false},
        {"\xc2\x85", false}, {"\xe2\x80\xa8", false}, {"\xff", false}, {"\xc3", false},
        {"\xef\xbb\xbf", false}, {"\xc3\xa9", true}, {"\xe6\x9d\xb1", true},
        {"\xf0\x9f\x98\x80", true}, {"~", true},
    };
    static const struct { const char *piece; bool ok; } keys[] = {
        {":b", true}, {"#c", true}, {" #c", false}, {"x", true}, {"\xc3\xa9:", true},
    };
    char doc[256];
    for (size_t at = 0; at <= 40; at++) {
        for (size_t after = 0; after <= 24; after++) {
            for (size_t i = 0; i < sizeof values / sizeof *values; i++) {
                snprintf(doc, sizeof doc, "k: a%*s%s%*sb\n", (int)at, "", values[i].piece,
                         (int)after, "");
                for (char *c = doc + 4; *c; c++) /* spaces to letters: one long word */
                    if (*c == ' ')
                        *c = 'x';
                fy_check(doc, values[i].ok);
                if (!values[i].ok) {
                    quire_arena *arena = quire_arena_new();
                    quire_diag_list d;
                    quire_diag_list_init(&d);
                    quire_read_ctx c = rd_ctx("f.md", &d);
                    quire_value *v = NULL;
                    CHECK(quire__yaml_parse_mode(&v, arena, doc, strlen(doc), 1, &c, "markdown",
                                                 QUIRE__YAML_FAST) == QUIRE_ERR_UNSUPPORTED);
                    quire_diag_list_free(&d);
                    quire_arena_free(arena);
                }
            }
            for (size_t i = 0; i < sizeof keys / sizeof *keys; i++) {
                char key[128];
                key[0] = 'q'; /* a key cannot start with ':' or '#' */
                memset(key + 1, 'a', at);
                snprintf(key + 1 + at, sizeof key - 1 - at, "%s", keys[i].piece);
                size_t kl = strlen(key);
                memset(key + kl, 'c', after);
                key[kl + after] = '\0';
                snprintf(doc, sizeof doc, "%s: v\nz: w\n", key);
                fy_check(doc, keys[i].ok);
            }
        }
    }
}

/* The scanner finds a double-quoted value's end (the quote, or a
 * backslash first), a key's ':' and a plain value's " #" sixteen bytes at
 * a time, reading past the line up to the end of the text and masking
 * those bytes off: the sought byte at every offset of values and keys up
 * to 40 bytes, on the last line or followed by lines of every length (and
 * by look-alike bytes right after the line), read as libyaml reads them. */
static void test_yaml_fast_find_every_offset(void)
{
    static const char *const inner[] = {"\\\"", "\\\\", "\\n", "\\u00e9", "'", ":", "#", " #c"};
    static const char *const after[] = {"", "\n", "\nz: \"\\\"\"", "\nz: \":\"\n",
                                        "\nzz: w #\n", "\nkkkkkkkkkkkkkkkk: \"vvvvvvvvvvvvvvvvvvvv\"\n"};
    char doc[256];
    for (size_t at = 0; at <= 40; at++)
        for (size_t a = 0; a < sizeof after / sizeof *after; a++) {
            char pad[64];
            memset(pad, 'x', at);
            pad[at] = '\0';
            for (size_t i = 0; i < sizeof inner / sizeof *inner; i++) {
                snprintf(doc, sizeof doc, "k: \"%s%sy\"%s", pad, inner[i], after[a]);
                fy_check(doc, i < 4 || inner[i][0] != ' ');
                snprintf(doc, sizeof doc, "k: %s%sy%s", pad, inner[i], after[a]);
                fy_check(doc, false);
            }
            snprintf(doc, sizeof doc, "\"%s\": v%s", pad, after[a]);
            fy_check(doc, true);
            snprintf(doc, sizeof doc, "q%s:%s", pad, after[a]);
            fy_check(doc, true);
            snprintf(doc, sizeof doc, "q%s#: v%s", pad, after[a]);
            fy_check(doc, true);
        }
}

/* The text check judges every byte of a sixteen-byte block that is not
 * printable ASCII in place, then goes on inside the block: values of
 * random clusters of accepted and refused characters, next to each other
 * and across block ends.  The scanner reads a value exactly when every
 * piece of it is accepted, and then agrees with libyaml. */
static void test_yaml_fast_clusters(void)
{
    static const struct { const char *piece; bool ok; } pieces[] = {
        {"abcdefghijk", true}, {"x", true}, {"\xc3\xa9", true}, {"\xc5\x81", true},
        {"\xe6\x9d\xb1", true}, {"\xf0\x9f\x98\x80", true}, {"\xe2\x80\x94", true},
        {"\xc2\xa0", true}, {"\x01", false}, {"\x7f", false}, {"\t", false},
        {"\xc2\x85", false}, {"\xe2\x80\xa8", false}, {"\xef\xbb\xbf", false}, {"\xff", false},
        {"\xc3", false}, {"\xed\xa0\x80", false}, {"\xf0\x9f\x98", false},
    };
    enum { NP = sizeof pieces / sizeof *pieces, NOK = 8 };
    unsigned seed = 4711;
    char doc[2048];
    for (int iter = 0; iter < 20000; iter++) {
        size_t len = (size_t)snprintf(doc, sizeof doc, "k: a");
        bool ok = true, mostly_ok = rd_rand(&seed) % 2;
        int n = 1 + (int)(rd_rand(&seed) % 40);
        for (int k = 0; k < n; k++) {
            unsigned r = rd_rand(&seed) % NP;
            if (mostly_ok && r >= NOK && rd_rand(&seed) % 8)
                r %= NOK;
            ok = ok && pieces[r].ok;
            len += (size_t)snprintf(doc + len, sizeof doc - len, "%s", pieces[r].piece);
        }
        snprintf(doc + len, sizeof doc - len, "b\nz: w\n");
        fy_check(doc, ok);
        quire_arena *arena = quire_arena_new();
        quire_diag_list d;
        quire_diag_list_init(&d);
        quire_read_ctx c = rd_ctx("f.md", &d);
        quire_value *v = NULL;
        int r = quire__yaml_parse_mode(&v, arena, doc, strlen(doc), 1, &c, "markdown",
                                       QUIRE__YAML_FAST);
        if ((r == QUIRE_OK) != ok) {
            fprintf(stderr, "fast scanner %s:\n%s\n", ok ? "gave up on" : "read", doc);
            rd_failures++;
        }
        quire_diag_list_free(&d);
        quire_arena_free(arena);
    }
}

/* The closing delimiter is searched sixteen bytes at a time, among the
 * lines that start with '-' or '.', with the lines before it counted in
 * byte lanes: random front matter of such lines, of delimiter look-alikes
 * and of long lines (past the 255 blocks between two sums), closed or not;
 * the body starts on the line a line-by-line reading says. */
static void test_split_random(void)
{
    static const char *const shapes[] = {
        "k%d: v", "-k%d: v", ".k%d: v", "--k%d: v", "..k%d: v", "# c%d", "", "#---%d",
        "k%d: x -- y ... z", "long%d: %s", "long%d: %s", "---", "...", "--- ", "---\t", "... ",
        "---\r",
    };
    enum { NS = sizeof shapes / sizeof *shapes, NDELIM = 6 };
    char fill[200];
    memset(fill, 'w', sizeof fill - 1);
    fill[sizeof fill - 1] = '\0';
    unsigned seed = 31337;
    quire_buf b;
    quire__buf_init(&b);
    for (int iter = 0; iter < 3000; iter++) {
        quire__buf_reset(&b);
        quire__buf_puts(&b, "---\n");
        int nlines = (int)(rd_rand(&seed) % 90);
        int close_at = -1; /* the reference: the first delimiter line */
        bool long_doc = rd_rand(&seed) % 4 == 0;
        for (int l = 0; l < nlines; l++) {
            unsigned r = rd_rand(&seed) % NS;
            if (r >= NS - NDELIM && rd_rand(&seed) % 8) /* delimiters are rare */
                r = rd_rand(&seed) % 5;
            if (long_doc && rd_rand(&seed) % 16) /* thousands of bytes without a '-' line */
                r = 9;
            char line[300];
            snprintf(line, sizeof line, shapes[r], l, fill + rd_rand(&seed) % 150);
            if (r >= NS - NDELIM && close_at < 0)
                close_at = l;
            quire__buf_puts(&b, line);
            if (l + 1 < nlines || r >= NS - NDELIM || rd_rand(&seed) % 4)
                quire__buf_putc(&b, '\n');
        }
        quire__buf_puts(&b, "body text\n");
        rd_doc r;
        rd_open(&r, "s.md", quire__buf_cstr(&b));
        if (close_at < 0) {
            /* never closed (a last line without newline runs into the body) */
            CHECK_INT(r.rc, QUIRE_ERR_PARSE);
        } else {
            CHECK_INT(r.rc, QUIRE_OK);
            CHECK(r.doc && r.doc->body_line == (uint32_t)close_at + 3);
        }
        if ((close_at < 0 ? r.rc != QUIRE_ERR_PARSE
                          : !r.doc || r.doc->body_line != (uint32_t)close_at + 3))
            fprintf(stderr, "split: close at %d, rc %d, body line %u in:\n%s\n", close_at, r.rc,
                    r.doc ? r.doc->body_line : 0, quire__buf_cstr(&b));
        rd_close(&r);
    }
    /* Lines of sixteen bytes: every newline in the same byte lane, more
     * than a lane holds (255) before the close. */
    quire__buf_reset(&b);
    quire__buf_puts(&b, "---\n");
    for (int l = 0; l < 600; l++)
        quire__buf_printf(&b, "k%09d: vvv\n", l);
    quire__buf_puts(&b, "---\nbody\n");
    rd_doc r;
    rd_open(&r, "lanes.md", quire__buf_cstr(&b));
    CHECK_INT(r.rc, QUIRE_OK);
    CHECK(r.doc && r.doc->body_line == 603);
    rd_close(&r);
    quire__buf_free(&b);
}

/* The first pass (QUIRE_READ_HEADER_ONLY) leaves out collections under
 * top-level keys that neither quire__fm_apply nor compact() reads.  Against
 * libyaml on the whole text: the same status and diagnostics, and the same
 * tree once those collections are taken out of libyaml's.  The keys come
 * from a vocabulary that knows which are needed: built-in spellings, their
 * dotted heads ("link" of "link.href"), a path of quire.yaml's `fields:`
 * ("custom" of "custom.x"), and near misses that are not. */
typedef struct hk_key {
    const char *name;
    bool needed;
} hk_key;

static const hk_key hk_keys[] = {
    {"tags", true},     {"author", true},  {"featuredImage", true}, {"link", true},
    {"images", true},   {"og:image", true}, {"custom", true},       {"alias", true},
    {"seo", false},     {"tag", false},    {"linkx", false},        {"og", false},
    {"htmlMetaData", false}, {"custom.y", false}, {"\"og:site\"", false}, {"x-y", false},
};

static bool hk_needed(const char *key)
{
    for (size_t i = 0; i < sizeof hk_keys / sizeof *hk_keys; i++) {
        const char *n = hk_keys[i].name;
        size_t len = strlen(n);
        if (n[0] == '"' ? strncmp(key, n + 1, len - 2) == 0 && !key[len - 2]
                        : strcmp(key, n) == 0)
            return hk_keys[i].needed;
    }
    return true; /* not from the vocabulary: cannot tell, must be kept */
}

/* libyaml's tree as the first pass keeps it. */
static void hk_filter(quire_value *root)
{
    if (!root || root->type != QUIRE_VALUE_MAPPING)
        return;
    quire_value **pp = &root->first;
    root->last = NULL;
    while (*pp) {
        quire_value *v = *pp;
        if ((v->type == QUIRE_VALUE_MAPPING || v->type == QUIRE_VALUE_SEQUENCE) &&
            !hk_needed(v->key)) {
            *pp = v->next;
            root->count--;
            continue;
        }
        root->last = v;
        pp = &v->next;
    }
}

static bool hk_same_diags(const quire_diag_list *a, const quire_diag_list *b)
{
    if (a->count != b->count)
        return false;
    for (size_t i = 0; i < a->count; i++)
        if (a->items[i].severity != b->items[i].severity || a->items[i].line != b->items[i].line ||
            a->items[i].column != b->items[i].column ||
            strcmp(a->items[i].message, b->items[i].message) != 0)
            return false;
    return true;
}

static void hk_value(char *doc, size_t cap, size_t *len, unsigned *seed, int indent, int depth)
{
#define HK_PUT(...) (*len += (size_t)snprintf(doc + *len, cap - *len, __VA_ARGS__))
    /* the first ten the scanner reads, the rest it gives up on */
    static const char *const scalars[] = {"a", "\"q \\u00e9\"", "'s'", "7", "true", "~",
                                          "\xC3\xA9t\xC3\xA9", "[a, b]", "[]", "a #c",
                                          "x: y", "&a v", "*a", "|\n  b", "\"un", "{a: 1}",
                                          "\tt"};
    size_t ns = sizeof scalars / sizeof *scalars;
    unsigned shape = rd_rand(seed) % 6;
    if (depth >= 4 || shape < 2) {
        HK_PUT(" %s\n", scalars[rd_rand(seed) % 20 ? rd_rand(seed) % 10 : rd_rand(seed) % ns]);
        return;
    }
    if (shape == 2) {
        HK_PUT("\n");
        return; /* empty: null */
    }
    bool seq = shape == 3;
    int in = indent + (seq && rd_rand(seed) % 2 ? 0 : 2); /* indentless or not */
    HK_PUT("\n");
    int n = 1 + (int)(rd_rand(seed) % 3);
    for (int i = 0; i < n && *len + 200 < cap; i++) {
        HK_PUT("%*s", in, "");
        if (seq) {
            HK_PUT("-");
            if (rd_rand(seed) % 20 == 0) { /* a nested sequence: the scanner gives up */
                HK_PUT("\n%*s  - z\n", in, "");
                continue;
            }
            HK_PUT(" %s\n", scalars[rd_rand(seed) % 7]);
        } else {
            HK_PUT("k%d:", (int)(rd_rand(seed) % 4));
            hk_value(doc, cap, len, seed, in, depth + 1);
        }
    }
#undef HK_PUT
}

static void test_yaml_header_only_random(void)
{
    quire_arena *fa = quire_arena_new();
    quire_value *fields = quire_value_new(fa, QUIRE_VALUE_MAPPING);
    quire_value_append(fa, fields, "summary", quire_value_new_scalar(fa, QUIRE_VALUE_STRING,
                                                                     "custom.x", 8));
    quire_value *list = quire_value_new(fa, QUIRE_VALUE_SEQUENCE);
    quire_value_append(fa, list, NULL, quire_value_new_scalar(fa, QUIRE_VALUE_STRING, "nope", 4));
    quire_value_append(fa, list, NULL, quire_value_new_scalar(fa, QUIRE_VALUE_STRING, "alias", 5));
    quire_value_append(fa, fields, "subtitle", list);
    unsigned seed = 777;
    char doc[8192];
    int fast_read = 0;
    for (int iter = 0; iter < 4000; iter++) {
        size_t len = 0;
        int n = 1 + (int)(rd_rand(&seed) % 6);
        for (int i = 0; i < n && len + 1000 < sizeof doc; i++) {
            const char *k = hk_keys[rd_rand(&seed) % (sizeof hk_keys / sizeof *hk_keys)].name;
            len += (size_t)snprintf(doc + len, sizeof doc - len, "%s:", k);
            hk_value(doc, sizeof doc, &len, &seed, 0, 1);
        }
        if (rd_rand(&seed) % 3 == 0 && len) /* no final newline */
            doc[--len] = '\0';
        size_t depth_limit = rd_rand(&seed) % 4 ? 0 : 2 + rd_rand(&seed) % 3;
        quire_arena *arena = quire_arena_new();
        quire_diag_list d1, d2;
        quire_diag_list_init(&d1);
        quire_diag_list_init(&d2);
        quire_read_ctx c1 = rd_ctx("f.md", &d1), c2 = rd_ctx("f.md", &d2);
        c1.field_map = c2.field_map = fields;
        c1.limits.max_depth = c2.limits.max_depth = depth_limit;
        c2.flags = QUIRE_READ_HEADER_ONLY;
        quire_value *v1 = NULL, *v2 = NULL, *v3 = NULL;
        int r1 = quire__yaml_parse_mode(&v1, arena, doc, len, 1, &c1, "markdown",
                                        QUIRE__YAML_LIBYAML);
        int r2 = quire__yaml_parse(&v2, arena, doc, len, 1, &c2, "markdown");
        /* What libyaml reads (the scanner gave up) is kept whole. */
        if (r2 == QUIRE_OK && quire__yaml_parse_mode(&v3, arena, doc, len, 1, &c2, "markdown",
                                                      QUIRE__YAML_FAST) == QUIRE_OK) {
            fast_read++;
            hk_filter(v1);
        }
        if (r1 != r2 || !hk_same_diags(&d1, &d2) || (r1 == QUIRE_OK && !fy_same(v1, v2))) {
            fprintf(stderr, "first-pass parse and libyaml disagree (max_depth %zu) on:\n%s\n",
                    depth_limit, doc);
            rd_failures++;
        }
        quire_diag_list_free(&d1);
        quire_diag_list_free(&d2);
        quire_arena_free(arena);
    }
    /* the generator must reach the fast path, not only libyaml */
    CHECK(fast_read > 1000);
    quire_arena_free(fa);
}

int main(void)
{
    test_yaml_fast();
    test_yaml_fast_random();
    test_yaml_fast_offsets();
    test_yaml_fast_find_every_offset();
    test_yaml_fast_clusters();
    test_split_random();
    test_yaml_header_only_random();
    test_scalars();
    test_yaml_errors();
    test_aliases_and_depth();
    test_bom_crlf();
    test_spellings();
    test_field_map();
    test_big_lists();
    test_wrong_types();
    test_dates();
    test_identity();
    if (rd_failures)
        fprintf(stderr, "%d check(s) failed\n", rd_failures);
    return rd_failures ? 1 : 0;
}
