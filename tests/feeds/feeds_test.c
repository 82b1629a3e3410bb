/*
 * feeds_test.c — unit tests of the rss and atom writers (suite "writers").
 *
 * Documents are built in code (hostile ones too), written with quire_write()
 * into memory sinks, then parsed back with libxml2 (no network) and checked:
 * well-formed with namespaces, every URL absolute, dates in the right
 * grammar, the same items in both formats, and the specific mapping rules.
 *
 *   feeds_test            run the tests
 *   feeds_test --dump DIR write each fixture's rss.xml, atom.xml (and
 *                         feed.json when that writer works) into DIR/NAME/
 *                         for the conformance test's external validators
 */
#include "quire/quire.h"

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/HTMLparser.h>
#include <libxml/xmlwriter.h>
#include <cjson/cJSON.h>

#include "feed_common.h" /* internals: the XML writer, escaping, the memo */

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int failures, checks;

#define CHECK(cond, ...)                                                        \
    do {                                                                        \
        checks++;                                                               \
        if (!(cond)) {                                                          \
            failures++;                                                         \
            fprintf(stderr, "%s:%d: check failed: %s: ", __FILE__, __LINE__, #cond); \
            fprintf(stderr, __VA_ARGS__);                                       \
            fputc('\n', stderr);                                                \
        }                                                                       \
    } while (0)

#define NS_ATOM "http://www.w3.org/2005/Atom"
#define NS_CONTENT "http://purl.org/rss/1.0/modules/content/"
#define NS_DC "http://purl.org/dc/elements/1.1/"
#define NS_MEDIA "http://search.yahoo.com/mrss/"

/* 1x1 PNG header bytes are all the writer looks at; the rest pads the size. */
#define PNG_SIZE 137
#define GIF_SIZE 43

static char tmpdir[64];

/* ------------------------------------------------------------ model helpers */

static quire_node *add_node(quire_document *d, quire_node *parent, quire_node_type t)
{
    quire_node *n = quire_node_new(d->arena, t, 1, 1);
    quire_node_append(parent, n);
    return n;
}

static quire_node *add_text(quire_document *d, quire_node *parent, const char *s)
{
    quire_node *n = quire_node_new_text(d->arena, s, strlen(s), 1, 1);
    quire_node_append(parent, n);
    return n;
}

static quire_node *add_para(quire_document *d, const char *s)
{
    quire_node *p = add_node(d, d->body, QUIRE_NODE_PARAGRAPH);
    if (s)
        add_text(d, p, s);
    return p;
}

static quire_document *new_doc(const char *id, const char *slug, const char *title)
{
    quire_document *d = quire_document_new();
    d->id = quire_arena_strdup(d->arena, id);
    d->slug = quire_arena_strdup(d->arena, slug);
    d->title = quire_arena_strdup(d->arena, title);
    d->source_path = "-";
    d->body = quire_node_new(d->arena, QUIRE_NODE_ROOT, 1, 1);
    return d;
}

static void set_date(quire_date *out, const char *s)
{
    if (!quire_date_parse(out, s)) {
        fprintf(stderr, "bad test date %s\n", s);
        exit(99);
    }
}

/* Three ordinary documents: zoned date + relative links + two authors;
 * date-only with an absolute id equal to its URL, an external URL and a
 * remote image; undated, untitled, unsummarized, with a local PNG. */
static quire_collection *fx_basic(const char *base_url)
{
    quire_collection *c = quire_collection_new();
    c->site.title = "Quire \"Test\" & Site";
    c->site.description = "A site for <tests>";
    c->site.icon = "favicon.png";
    c->site.rights = "CC BY 4.0";
    c->site.language = "en-GB";
    quire_site_set_base_url(&c->site, base_url);

    quire_document *a = new_doc("posts/hello", "hello", "Hello, World");
    a->url = "posts/hello/";
    set_date(&a->published, "2024-05-01T10:00:00+02:00");
    set_date(&a->modified, "2024-05-03T08:30:00Z");
    quire_document_add_author(a, "Ada Lovelace", "about/ada", "ada@example.com");
    quire_document_add_author(a, "Charles Babbage", NULL, NULL);
    quire_strlist_add(a->arena, &a->tags, "c");
    quire_strlist_add(a->arena, &a->tags, "xml");
    quire_strlist_add(a->arena, &a->categories, "Programming");
    quire_strlist_add(a->arena, &a->categories, "xml");
    a->summary = "The first post.\n  Two lines.";
    a->language = "en";
    quire_node *p = add_para(a, "See ");
    quire_node *l = add_node(a, p, QUIRE_NODE_LINK);
    l->url = "../other/?a=1&b=2";
    add_text(a, l, "the other post");
    add_text(a, p, ", and code like <a href=\"page.html\"> or src='x.png'.");
    quire_node *img = add_node(a, add_para(a, NULL), QUIRE_NODE_IMAGE);
    img->url = "img/a.png";
    img->literal = "an image";
    quire_node *h = add_node(a, a->body, QUIRE_NODE_HTML_BLOCK);
    h->name = "div";
    quire_node_set_attr(a->arena, h, "data-src", "lazy.png");
    quire_node_set_attr(a->arena, h, "title", "it's");
    quire_node *pic = add_node(a, h, QUIRE_NODE_HTML_INLINE);
    pic->name = "img";
    quire_node_set_attr(a->arena, pic, "src", "/root.png");
    quire_node_set_attr(a->arena, pic, "srcset", "s.png 1x, //cdn.example.net/l.png 2x");
    quire_node *frag = add_node(a, add_para(a, NULL), QUIRE_NODE_LINK);
    frag->url = "#note";
    add_text(a, frag, "note");
    quire_collection_add(c, a);

    quire_document *b = new_doc("https://blog.example.com/b/", "b", "Second");
    b->url = "https://blog.example.com/b/";
    b->external_url = "https://news.example.net/story?id=7&x=y";
    set_date(&b->published, "2023-12-31");
    b->image.src = "https://cdn.example.net/x.jpg";
    b->image.alt = "Remote";
    b->image.width = 640;
    b->image.height = 480;
    quire_document_add_author(b, NULL, NULL, "only@example.com");
    add_para(b, "Body of the second.");
    quire_collection_add(c, b);

    quire_document *u = new_doc("7938", "undated", NULL);
    u->source_path = quire_arena_printf(u->arena, "%s/content/undated.md", tmpdir);
    u->image.src = "cover%20image.png";
    u->image.alt = "Cover";
    add_para(u, "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod "
                "tempor incididunt ut labore et dolore magna aliqua. Ut enim ad minim veniam, "
                "quis nostrud exercitation ullamco laboris nisi ut aliquip ex ea commodo "
                "consequat. Duis aute irure dolor in reprehenderit in voluptate velit esse "
                "cillum dolore eu fugiat nulla pariatur. Excepteur sint occaecat cupidatat non "
                "proident, sunt in culpa qui officia deserunt mollit anim id est laborum.");
    quire_collection_add(c, u);

    /* Images found through "..", and under the site's folder. */
    c->site.config_dir = quire_arena_strdup(c->site.arena, tmpdir);
    const char *const srcs[] = {"../site-images/logo.gif", "site-images/logo.gif"};
    for (int i = 0; i < 2; i++) {
        char id[16];
        snprintf(id, sizeof id, "gif-%d", i);
        quire_document *g = new_doc(id, id, id);
        g->source_path = quire_arena_printf(g->arena, "%s/content/%s.md", tmpdir, id);
        set_date(&g->published, "2022-01-01T00:00:00Z");
        g->image.src = srcs[i];
        add_para(g, "GIF.");
        quire_collection_add(c, g);
    }
    return c;
}

/* Everything a hostile or broken source can put into the model. */
static quire_collection *fx_hostile(void)
{
    quire_collection *c = quire_collection_new();
    c->site.title = "Evil ]]> <script>alert(1)</script> \x01site\x7f";
    c->site.description = "desc \x0b with \xff\xfe bytes";
    c->site.language = "not a language!";
    c->site.icon = "javascript:alert(1)";
    quire_site_set_base_url(&c->site, "https://evil.example/");

    quire_document *d = new_doc("id with spaces & <stuff>\x01 \xc3\xa9t\xc3\xa9", "hostile",
                                "]]> <script>alert(\"x\")</script> \x01\x02 bad\xff utf8 <b>unclosed");
    d->url = "javascript:alert(1)";
    d->external_url = "javascript:alert(2)";
    d->summary = "]]> \x0b summary with href=\"rel.html\" and <i>tags";
    d->language = "x-\x01";
    set_date(&d->published, "2024-02-29T23:59:60-05:30");
    quire_document_add_author(d, "\x01<Mallory>", "javascript:x", "not-an-email");
    quire_document_add_author(d, "", NULL, "@");
    quire_strlist_add(d->arena, &d->tags, "]]>");
    quire_strlist_add(d->arena, &d->tags, "\x07");
    quire_strlist_add(d->arena, &d->categories, "<b>bold</b>");
    d->image.src = "data:image/png;base64,AAAA";
    add_para(d, "Text with ]]> and ]]]]><![CDATA[> and \x01\x02\x1f controls \xed\xa0\x80 "
                "surrogate \xef\xbf\xbf nonchar <script>alert(1)</script> <b>unclosed");
    quire_node *s = add_node(d, d->body, QUIRE_NODE_HTML_BLOCK);
    s->name = "script";
    add_text(d, s, "if (a < b && c) { x = ']]>'; }");
    quire_node *bad = add_node(d, d->body, QUIRE_NODE_HTML_BLOCK);
    bad->name = "div";
    quire_node_set_attr(d->arena, bad, "onclick", "alert('\x01')");
    quire_node_set_attr(d->arena, bad, "a b", "bad name");
    add_text(d, bad, "inside");
    quire_node *cb = add_node(d, d->body, QUIRE_NODE_CODE_BLOCK);
    cb->literal = "<![CDATA[ ]]> ]]>\n<a href=\"x\">";
    quire_node *e = add_node(d, d->body, QUIRE_NODE_EMBED);
    e->url = "https://www.youtube.com/embed/xyz";
    e->title = "Video ]]>";
    e->info = "YouTube";
    quire_collection_add(c, d);

    quire_document *empty = new_doc("", "", "");
    quire_collection_add(c, empty);
    /* Same id as the first (after cleaning): left out, in every format. */
    quire_document *dup = new_doc("id with spaces & <stuff> \xc3\xa9t\xc3\xa9", "dup", "Dup");
    add_para(dup, "A second document with the first one's id.");
    quire_collection_add(c, dup);
    return c;
}

/* ----------------------------------------------------------------- writing */

static char *write_feed(const quire_collection *c, const char *writer, const quire_date *updated,
                        size_t *len_out, int *rc_out)
{
    quire_sink *s = NULL;
    quire_diag_list diags;
    quire_diag_list_init(&diags);
    if (quire_sink_open_memory(&s) != QUIRE_OK)
        exit(99);
    quire_write_opts opts = {0};
    if (updated)
        opts.updated = *updated;
    const quire_writer *w = quire_writer_find(writer);
    int rc = w ? quire_write(c, w, s, &opts, &diags) : QUIRE_ERR_NOTFOUND;
    if (rc_out)
        *rc_out = rc;
    char *data = NULL;
    size_t len = 0;
    if (rc != QUIRE_OK) {
        for (size_t i = 0; i < diags.count; i++)
            fprintf(stderr, "  %s: %s\n", writer, diags.items[i].message);
        quire_sink_abort(s);
    } else {
        quire_sink_commit_memory(s, &data, &len);
    }
    quire_diag_list_free(&diags);
    *len_out = len;
    return data;
}

/* -------------------------------------------------------------- XML checks */

typedef struct parsed {
    xmlDocPtr doc;
    xmlNodePtr root;
} parsed;

static parsed parse(const char *data, size_t len, const char *name)
{
    parsed p = {0};
    xmlParserCtxtPtr ctxt = xmlNewParserCtxt();
    p.doc = xmlCtxtReadMemory(ctxt, data, (int)len, name, NULL, XML_PARSE_NONET);
    CHECK(p.doc != NULL, "%s: not well-formed", name);
    CHECK(ctxt->wellFormed, "%s: not well-formed", name);
    CHECK(ctxt->nsWellFormed, "%s: a namespace prefix is not declared", name);
    xmlFreeParserCtxt(ctxt);
    if (p.doc)
        p.root = xmlDocGetRootElement(p.doc);
    return p;
}

static void parsed_free(parsed *p)
{
    xmlFreeDoc(p->doc);
}

static bool ns_is(const xmlNode *n, const char *href)
{
    if (!href)
        return n->ns == NULL;
    return n->ns && n->ns->href && strcmp((const char *)n->ns->href, href) == 0;
}

static bool is_el(const xmlNode *n, const char *ns, const char *name)
{
    return n && n->type == XML_ELEMENT_NODE && strcmp((const char *)n->name, name) == 0 &&
           ns_is(n, ns);
}

static xmlNodePtr child(const xmlNode *n, const char *ns, const char *name)
{
    for (xmlNodePtr c = n ? n->children : NULL; c; c = c->next)
        if (is_el(c, ns, name))
            return c;
    return NULL;
}

static int count_children(const xmlNode *n, const char *ns, const char *name)
{
    int k = 0;
    for (xmlNodePtr c = n ? n->children : NULL; c; c = c->next)
        k += is_el(c, ns, name);
    return k;
}

/* Text of a node, owned by a static ring so tests can compare a few at once. */
static const char *text(const xmlNode *n);
/* printf's %s must never see NULL: a missing element reads as "". */
static const char *text_or_empty(const xmlNode *n)
{
    const char *t = text(n);
    return t ? t : "";
}

static const char *text(const xmlNode *n)
{
    static char *ring[8];
    static int pos;
    if (!n)
        return NULL;
    pos = (pos + 1) % 8;
    xmlFree(ring[pos]);
    ring[pos] = (char *)xmlNodeGetContent(n);
    return ring[pos];
}

static const char *attr(const xmlNode *n, const char *name)
{
    static char *ring[8];
    static int pos;
    if (!n)
        return NULL;
    pos = (pos + 1) % 8;
    xmlFree(ring[pos]);
    ring[pos] = (char *)xmlGetProp(n, BAD_CAST name);
    return ring[pos];
}

static bool is_absolute_http(const char *u)
{
    if (!u)
        return false;
    const char *rest = !strncmp(u, "https://", 8) ? u + 8 : !strncmp(u, "http://", 7) ? u + 7 : NULL;
    return rest && *rest && *rest != '/';
}

static bool has_scheme(const char *s)
{
    if (!isalpha((unsigned char)*s))
        return false;
    while (isalnum((unsigned char)*s) || *s == '+' || *s == '-' || *s == '.')
        s++;
    return *s == ':';
}

/* The feed checker's test: any href= or src= followed by a quoted value that
 * is neither absolute, protocol-relative nor a fragment. */
static void check_no_relative(const char *html, const char *where)
{
    if (!html)
        return;
    for (const char *p = html; *p; p++) {
        size_t k = !strncmp(p, "href", 4) ? 4 : !strncmp(p, "src", 3) ? 3 : 0;
        if (!k)
            continue;
        const char *q = p + k;
        while (isspace((unsigned char)*q))
            q++;
        if (*q != '=')
            continue;
        q++;
        while (isspace((unsigned char)*q))
            q++;
        if (*q != '"' && *q != '\'')
            continue;
        q++;
        bool ok = has_scheme(q) || *q == '#' || !strncmp(q, "//", 2);
        CHECK(ok, "%s: relative URL in content: %.40s", where, q);
        if (!ok)
            return;
    }
}

/* Valid UTF-8 and only characters allowed in XML 1.0. */
static void check_xml_chars(const char *data, size_t len, const char *where)
{
    const unsigned char *s = (const unsigned char *)data;
    for (size_t i = 0; i < len;) {
        uint32_t c;
        size_t k;
        if (s[i] < 0x80) { c = s[i]; k = 1; }
        else if ((s[i] & 0xE0) == 0xC0 && i + 1 < len) { c = (s[i] & 0x1Fu) << 6 | (s[i + 1] & 0x3Fu); k = 2; }
        else if ((s[i] & 0xF0) == 0xE0 && i + 2 < len) { c = (s[i] & 0x0Fu) << 12 | (s[i + 1] & 0x3Fu) << 6 | (s[i + 2] & 0x3Fu); k = 3; }
        else if ((s[i] & 0xF8) == 0xF0 && i + 3 < len) { c = (s[i] & 0x07u) << 18 | (s[i + 1] & 0x3Fu) << 12 | (s[i + 2] & 0x3Fu) << 6 | (s[i + 3] & 0x3Fu); k = 4; }
        else { CHECK(0, "%s: invalid UTF-8 at byte %zu", where, i); return; }
        for (size_t j = 1; j < k; j++)
            if ((s[i + j] & 0xC0) != 0x80) {
                CHECK(0, "%s: invalid UTF-8 at byte %zu", where, i);
                return;
            }
        bool ok = c == 0x9 || c == 0xA || c == 0xD || (c >= 0x20 && c <= 0xD7FF) ||
                  (c >= 0xE000 && c <= 0xFFFD) || (c >= 0x10000 && c <= 0x10FFFF);
        if (!ok) {
            CHECK(0, "%s: character U+%04X is illegal in XML 1.0 (byte %zu)", where, c, i);
            return;
        }
        i += k;
    }
}

static bool is_rfc822(const char *s)
{
    /* "Wed, 01 May 2024 10:00:00 +0000" */
    static const char *const days = "Mon Tue Wed Thu Fri Sat Sun ";
    static const char *const months = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec ";
    if (!s || strlen(s) != 31)
        return false;
    char d[5] = {s[0], s[1], s[2], ' ', 0}, m[5] = {s[8], s[9], s[10], ' ', 0};
    static const int dig[] = {5, 6, 12, 13, 14, 15, 17, 18, 20, 21, 23, 24, 27, 28, 29, 30};
    for (size_t i = 0; i < sizeof dig / sizeof dig[0]; i++)
        if (!isdigit((unsigned char)s[dig[i]]))
            return false;
    return strstr(days, d) && strstr(months, m) && s[3] == ',' && s[4] == ' ' && s[7] == ' ' &&
           s[11] == ' ' && s[16] == ' ' && s[19] == ':' && s[22] == ':' && s[25] == ' ' &&
           (s[26] == '+' || s[26] == '-');
}

static bool is_rfc3339(const char *s)
{
    /* "2024-05-01T10:00:00Z" or "...+02:00" */
    if (!s)
        return false;
    size_t n = strlen(s);
    if (n != 20 && n != 25)
        return false;
    static const int dig[] = {0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18};
    for (size_t i = 0; i < sizeof dig / sizeof dig[0]; i++)
        if (!isdigit((unsigned char)s[dig[i]]))
            return false;
    if (s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':')
        return false;
    if (n == 20)
        return s[19] == 'Z';
    return (s[19] == '+' || s[19] == '-') && isdigit((unsigned char)s[20]) &&
           isdigit((unsigned char)s[21]) && s[22] == ':' && isdigit((unsigned char)s[23]) &&
           isdigit((unsigned char)s[24]);
}

/* One item as both formats show it, for the "one mapping" comparison. */
typedef struct seen_item {
    char id[512], title[512], link[512];
} seen_item;

static size_t rss_items(const parsed *p, seen_item *out, size_t max)
{
    size_t k = 0;
    xmlNodePtr ch = child(p->root, NULL, "channel");
    for (xmlNodePtr it = ch ? ch->children : NULL; it && k < max; it = it->next) {
        if (!is_el(it, NULL, "item"))
            continue;
        snprintf(out[k].id, sizeof out[k].id, "%s", text_or_empty(child(it, NULL, "guid")));
        snprintf(out[k].title, sizeof out[k].title, "%s", text_or_empty(child(it, NULL, "title")));
        snprintf(out[k].link, sizeof out[k].link, "%s", text_or_empty(child(it, NULL, "link")));
        k++;
    }
    return k;
}

static size_t atom_entries(const parsed *p, seen_item *out, size_t max)
{
    size_t k = 0;
    for (xmlNodePtr e = p->root ? p->root->children : NULL; e && k < max; e = e->next) {
        if (!is_el(e, NS_ATOM, "entry"))
            continue;
        snprintf(out[k].id, sizeof out[k].id, "%s", text(child(e, NS_ATOM, "id")));
        snprintf(out[k].title, sizeof out[k].title, "%s", text(child(e, NS_ATOM, "title")));
        out[k].link[0] = '\0';
        for (xmlNodePtr l = e->children; l; l = l->next)
            if (is_el(l, NS_ATOM, "link") && !strcmp(attr(l, "rel"), "alternate"))
                snprintf(out[k].link, sizeof out[k].link, "%s", attr(l, "href"));
        k++;
    }
    return k;
}

/* Structure every RSS output must have, whatever went in. */
static void check_rss_common(const parsed *p, const char *raw, size_t len, const char *where)
{
    check_xml_chars(raw, len, where);
    CHECK(p->root && is_el(p->root, NULL, "rss"), "%s: root is not rss", where);
    if (!p->root)
        return;
    CHECK(attr(p->root, "version") && !strcmp(attr(p->root, "version"), "2.0"), "%s: version", where);
    CHECK(count_children(p->root, NULL, "channel") == 1, "%s: exactly one channel", where);
    xmlNodePtr ch = child(p->root, NULL, "channel");
    for (const char *const *k = (const char *const[]){"title", "link", "description", NULL}; *k; k++)
        CHECK(count_children(ch, NULL, *k) == 1, "%s: channel/%s", where, *k);
    CHECK(is_absolute_http(text(child(ch, NULL, "link"))), "%s: channel link absolute", where);
    CHECK(is_rfc822(text(child(ch, NULL, "lastBuildDate"))), "%s: lastBuildDate %s", where,
          text(child(ch, NULL, "lastBuildDate")));
    xmlNodePtr self = child(ch, NS_ATOM, "link");
    CHECK(self && !strcmp(attr(self, "rel"), "self") && is_absolute_http(attr(self, "href")),
          "%s: atom:link rel=self absolute", where);
    xmlNodePtr img = child(ch, NULL, "image");
    if (img) {
        CHECK(is_absolute_http(text(child(img, NULL, "url"))), "%s: image url", where);
        CHECK(child(img, NULL, "title") && child(img, NULL, "link"), "%s: image title+link", where);
    }
    for (xmlNodePtr it = ch->children; it; it = it->next) {
        if (!is_el(it, NULL, "item"))
            continue;
        xmlNodePtr title = child(it, NULL, "title");
        CHECK(title && *text(title), "%s: item without title", where);
        CHECK(is_absolute_http(text(child(it, NULL, "link"))), "%s: item link %s", where,
              text(child(it, NULL, "link")));
        xmlNodePtr g = child(it, NULL, "guid");
        CHECK(g && *text(g), "%s: item guid", where);
        const char *pl = attr(g, "isPermaLink");
        if (!pl || !strcmp(pl, "true"))
            CHECK(is_absolute_http(text(g)), "%s: permalink guid %s", where, text(g));
        else
            CHECK(strcmp(text(g), text(child(it, NULL, "link"))) != 0,
                  "%s: guid equal to the link should be a permalink", where);
        CHECK(is_rfc822(text(child(it, NULL, "pubDate"))), "%s: pubDate %s", where,
              text(child(it, NULL, "pubDate")));
        xmlNodePtr au = child(it, NULL, "author");
        if (au)
            CHECK(strchr(text(au), '@') != NULL, "%s: author without email: %s", where, text(au));
        CHECK(count_children(it, NULL, "enclosure") <= 1, "%s: at most one enclosure", where);
        xmlNodePtr enc = child(it, NULL, "enclosure");
        if (enc) {
            CHECK(is_absolute_http(attr(enc, "url")), "%s: enclosure url", where);
            CHECK(attr(enc, "length") && atol(attr(enc, "length")) > 0, "%s: enclosure length", where);
            CHECK(attr(enc, "type") && strchr(attr(enc, "type"), '/'), "%s: enclosure type", where);
        }
        for (xmlNodePtr m = it->children; m; m = m->next)
            if (ns_is(m, NS_MEDIA))
                CHECK(is_absolute_http(attr(m, "url")), "%s: media url", where);
        check_no_relative(text(child(it, NS_CONTENT, "encoded")), where);
        check_no_relative(text(child(it, NULL, "description")), where);
        CHECK(count_children(it, NS_CONTENT, "encoded") == 1, "%s: content:encoded", where);
    }
}

static void check_atom_common(const parsed *p, const char *raw, size_t len, const char *where)
{
    check_xml_chars(raw, len, where);
    CHECK(p->root && is_el(p->root, NS_ATOM, "feed"), "%s: root is not atom:feed", where);
    if (!p->root)
        return;
    for (const char *const *k = (const char *const[]){"id", "title", "updated", NULL}; *k; k++)
        CHECK(count_children(p->root, NS_ATOM, *k) == 1, "%s: feed/%s", where, *k);
    CHECK(has_scheme(text(child(p->root, NS_ATOM, "id"))), "%s: feed id absolute", where);
    CHECK(is_rfc3339(text(child(p->root, NS_ATOM, "updated"))), "%s: feed updated", where);
    CHECK(count_children(p->root, NS_ATOM, "author") >= 1, "%s: feed author", where);
    bool self = false;
    for (xmlNodePtr l = p->root->children; l; l = l->next) {
        if (!is_el(l, NS_ATOM, "link"))
            continue;
        CHECK(is_absolute_http(attr(l, "href")), "%s: feed link %s", where, attr(l, "href"));
        self |= !strcmp(attr(l, "rel"), "self");
    }
    CHECK(self, "%s: link rel=self", where);
    for (xmlNodePtr e = p->root->children; e; e = e->next) {
        if (!is_el(e, NS_ATOM, "entry"))
            continue;
        for (const char *const *k = (const char *const[]){"id", "title", "updated", NULL}; *k; k++)
            CHECK(count_children(e, NS_ATOM, *k) == 1, "%s: entry/%s", where, *k);
        CHECK(has_scheme(text(child(e, NS_ATOM, "id"))), "%s: entry id %s", where,
              text(child(e, NS_ATOM, "id")));
        CHECK(*text(child(e, NS_ATOM, "title")), "%s: empty entry title", where);
        CHECK(is_rfc3339(text(child(e, NS_ATOM, "updated"))), "%s: updated", where);
        CHECK(is_rfc3339(text(child(e, NS_ATOM, "published"))), "%s: published", where);
        int alternates = 0;
        for (xmlNodePtr l = e->children; l; l = l->next) {
            if (!is_el(l, NS_ATOM, "link"))
                continue;
            CHECK(is_absolute_http(attr(l, "href")), "%s: entry link %s", where, attr(l, "href"));
            alternates += !strcmp(attr(l, "rel"), "alternate");
        }
        CHECK(alternates == 1, "%s: one alternate link", where);
        for (xmlNodePtr a = e->children; a; a = a->next)
            if (is_el(a, NS_ATOM, "author"))
                CHECK(child(a, NS_ATOM, "name") && *text(child(a, NS_ATOM, "name")),
                      "%s: author name", where);
        xmlNodePtr content = child(e, NS_ATOM, "content");
        CHECK(content && !strcmp(attr(content, "type"), "html"), "%s: content type=html", where);
        check_no_relative(text(content), where);
    }
}

/* ------------------------------------------------------------------- tests */

static void test_basic(const char *base_url)
{
    char where[128];
    snprintf(where, sizeof where, "basic(%s)", base_url ? base_url : "no base_url");
    quire_collection *c = fx_basic(base_url);
    quire_date upd;
    set_date(&upd, "2024-06-01T12:00:00Z");
    size_t rl, al;
    int rc;
    char *rss = write_feed(c, "rss", &upd, &rl, &rc);
    CHECK(rc == QUIRE_OK, "%s: rss writer failed: %s", where, quire_strerror(rc));
    char *atom = write_feed(c, "atom", &upd, &al, &rc);
    CHECK(rc == QUIRE_OK, "%s: atom writer failed: %s", where, quire_strerror(rc));
    if (!rss || !atom)
        goto out;
    parsed r = parse(rss, rl, "rss.xml"), a = parse(atom, al, "atom.xml");
    check_rss_common(&r, rss, rl, where);
    check_atom_common(&a, atom, al, where);
    const char *host = base_url ? "https://blog.example.com:8443/sub/" : "https://example.org/";
    const char *tag = base_url ? "tag:blog.example.com,2000:" : "tag:example.org,2000:";
    char expect[512];

    /* channel */
    xmlNodePtr ch = child(r.root, NULL, "channel");
    CHECK(!strcmp(text(child(ch, NULL, "title")), "Quire \"Test\" & Site"), "%s: channel title", where);
    CHECK(!strcmp(text(child(ch, NULL, "link")), host), "%s: channel link %s", where,
          text(child(ch, NULL, "link")));
    CHECK(!strcmp(text(child(ch, NULL, "language")), "en-GB"), "%s: language", where);
    CHECK(!strcmp(text(child(ch, NULL, "lastBuildDate")), "Sat, 01 Jun 2024 12:00:00 +0000"),
          "%s: lastBuildDate from the given date, not the clock", where);
    snprintf(expect, sizeof expect, "%srss.xml", host);
    CHECK(!strcmp(attr(child(ch, NS_ATOM, "link"), "href"), expect), "%s: self %s", where,
          attr(child(ch, NS_ATOM, "link"), "href"));
    snprintf(expect, sizeof expect, "%sfavicon.png", host);
    CHECK(!strcmp(text(child(child(ch, NULL, "image"), NULL, "url")), expect), "%s: icon", where);
    CHECK(!strcmp(text(child(ch, NULL, "generator")), "quire " QUIRE_VERSION_STRING), "%s: generator", where);

    xmlNodePtr items[5] = {0};
    int n = 0;
    for (xmlNodePtr it = ch->children; it; it = it->next)
        if (is_el(it, NULL, "item") && n < 5)
            items[n++] = it;
    CHECK(n == 5, "%s: five items, got %d", where, n);
    if (n != 5)
        goto done;

    /* item 1: derived tag: id, two authors, one with email */
    xmlNodePtr g = child(items[0], NULL, "guid");
    snprintf(expect, sizeof expect, "%sposts/hello", tag);
    CHECK(!strcmp(text(g), expect), "%s: guid %s", where, text(g));
    CHECK(attr(g, "isPermaLink") && !strcmp(attr(g, "isPermaLink"), "false"), "%s: isPermaLink", where);
    snprintf(expect, sizeof expect, "%sposts/hello/", host);
    CHECK(!strcmp(text(child(items[0], NULL, "link")), expect), "%s: link %s", where,
          text(child(items[0], NULL, "link")));
    CHECK(!strcmp(text(child(items[0], NULL, "pubDate")), "Wed, 01 May 2024 10:00:00 +0200"),
          "%s: pubDate keeps the zone: %s", where, text(child(items[0], NULL, "pubDate")));
    CHECK(count_children(items[0], NS_DC, "creator") == 2, "%s: two dc:creator", where);
    CHECK(!strcmp(text(child(items[0], NULL, "author")), "ada@example.com (Ada Lovelace)"),
          "%s: author %s", where, text(child(items[0], NULL, "author")));
    CHECK(count_children(items[0], NULL, "category") == 3, "%s: tags + categories, deduplicated", where);
    CHECK(!strcmp(text(child(items[0], NULL, "description")), "The first post. Two lines."),
          "%s: description %s", where, text(child(items[0], NULL, "description")));
    const char *content = text(child(items[0], NS_CONTENT, "encoded"));
    snprintf(expect, sizeof expect, "href=\"%sposts/other/?a=1&amp;b=2\"", host);
    CHECK(strstr(content, expect), "%s: relative link resolved against the item: %s", where, content);
    snprintf(expect, sizeof expect, "src=\"%sposts/hello/img/a.png\"", host);
    CHECK(strstr(content, expect), "%s: relative image resolved: %s", where, content);
    CHECK(strstr(content, "href=\"#note\""), "%s: fragment kept", where);
    CHECK(strstr(content, "https://cdn.example.net/l.png 2x"), "%s: srcset resolved", where);
    CHECK(strstr(content, "it&#39;s"), "%s: quote in attribute escaped", where);
    CHECK(strstr(content, "&lt;a href=&quot;page.html&quot;&gt;"), "%s: quotes in text escaped", where);

    /* item 2: absolute id == url: a permalink guid; email-only author */
    g = child(items[1], NULL, "guid");
    CHECK(!strcmp(text(g), "https://blog.example.com/b/"), "%s: absolute id kept", where);
    CHECK(!attr(g, "isPermaLink") || !strcmp(attr(g, "isPermaLink"), "true"), "%s: permalink guid", where);
    CHECK(!strcmp(text(child(items[1], NULL, "pubDate")), "Sun, 31 Dec 2023 00:00:00 +0000"),
          "%s: date-only pubDate %s", where, text(child(items[1], NULL, "pubDate")));
    CHECK(!strcmp(text(child(items[1], NULL, "author")), "only@example.com"), "%s: email author", where);
    xmlNodePtr mc = child(items[1], NS_MEDIA, "content");
    CHECK(mc && !strcmp(attr(mc, "url"), "https://cdn.example.net/x.jpg") &&
              !strcmp(attr(mc, "medium"), "image") && !strcmp(attr(mc, "width"), "640"),
          "%s: remote image as media:content", where);
    CHECK(child(items[1], NS_MEDIA, "thumbnail"), "%s: media:thumbnail", where);
    CHECK(!child(items[1], NULL, "enclosure"), "%s: no enclosure for a remote image", where);

    /* item 3: undated, untitled, local image */
    CHECK(!strcmp(text(child(items[2], NULL, "pubDate")), "Sat, 01 Jun 2024 12:00:00 +0000"),
          "%s: undated item gets the feed date: %s", where, text(child(items[2], NULL, "pubDate")));
    snprintf(expect, sizeof expect, "%s7938", tag);
    CHECK(!strcmp(text(child(items[2], NULL, "guid")), expect), "%s: numeric id", where);
    const char *t3 = text(child(items[2], NULL, "title"));
    CHECK(!strncmp(t3, "Lorem ipsum dolor", 17) && strlen(t3) <= 80 + 3, "%s: title from text: %s", where, t3);
    const char *d3 = text(child(items[2], NULL, "description"));
    CHECK(d3 && strlen(d3) <= 300 + 3 && strstr(d3, "\xE2\x80\xA6"), "%s: summary cut: %s", where, d3);
    xmlNodePtr enc = child(items[2], NULL, "enclosure");
    snprintf(expect, sizeof expect, "%sundated/cover%%20image.png", host);
    CHECK(enc && !strcmp(attr(enc, "url"), expect), "%s: enclosure url %s", where, enc ? attr(enc, "url") : "none");
    CHECK(enc && atol(attr(enc, "length")) == PNG_SIZE, "%s: enclosure length", where);
    CHECK(enc && !strcmp(attr(enc, "type"), "image/png"), "%s: enclosure type from magic", where);
    for (int i = 3; i < 5; i++) {
        enc = child(items[i], NULL, "enclosure");
        CHECK(enc && atol(attr(enc, "length")) == GIF_SIZE && !strcmp(attr(enc, "type"), "image/gif"),
              "%s: item %d: local GIF as enclosure", where, i);
    }

    /* Atom: same items, same order, same ids and titles */
    seen_item ri[8], ai[8];
    size_t nr = rss_items(&r, ri, 8), na = atom_entries(&a, ai, 8);
    CHECK(nr == na, "%s: %zu rss items, %zu atom entries", where, nr, na);
    for (size_t i = 0; i < nr && i < na; i++) {
        CHECK(!strcmp(ri[i].id, ai[i].id), "%s: id %zu: %s vs %s", where, i, ri[i].id, ai[i].id);
        CHECK(!strcmp(ri[i].title, ai[i].title), "%s: title %zu", where, i);
        CHECK(!strcmp(ri[i].link, ai[i].link), "%s: link %zu", where, i);
    }
    snprintf(expect, sizeof expect, "%satom.xml", tag);
    CHECK(!strcmp(text(child(a.root, NS_ATOM, "id")), expect), "%s: feed id %s", where,
          text(child(a.root, NS_ATOM, "id")));
    CHECK(!strcmp(attr(a.root, "lang"), "en-GB"), "%s: xml:lang", where);
    CHECK(!strcmp(text(child(a.root, NS_ATOM, "updated")), "2024-06-01T12:00:00Z"), "%s: feed updated", where);
    xmlNodePtr e1 = child(a.root, NS_ATOM, "entry");
    CHECK(!strcmp(text(child(e1, NS_ATOM, "published")), "2024-05-01T10:00:00+02:00"), "%s: published", where);
    CHECK(!strcmp(text(child(e1, NS_ATOM, "updated")), "2024-05-03T08:30:00Z"), "%s: updated = modified", where);
    CHECK(count_children(e1, NS_ATOM, "category") == 3, "%s: atom categories", where);
    CHECK(count_children(e1, NS_ATOM, "author") == 2, "%s: atom authors", where);
    xmlNodePtr au1 = child(e1, NS_ATOM, "author");
    snprintf(expect, sizeof expect, "%sposts/hello/about/ada", host);
    CHECK(!strcmp(text(child(au1, NS_ATOM, "uri")), expect), "%s: author uri %s", where,
          text(child(au1, NS_ATOM, "uri")));
    CHECK(!strcmp(text(child(au1, NS_ATOM, "email")), "ada@example.com"), "%s: author email", where);
    xmlNodePtr e2 = e1->next;
    while (e2 && !is_el(e2, NS_ATOM, "entry"))
        e2 = e2->next;
    bool related = false;
    for (xmlNodePtr l = e2 ? e2->children : NULL; l; l = l->next)
        if (is_el(l, NS_ATOM, "link") && !strcmp(attr(l, "rel"), "related"))
            related = !strcmp(attr(l, "href"), "https://news.example.net/story?id=7&x=y");
    CHECK(related, "%s: external URL as link rel=related", where);
    CHECK(!strcmp(text(child(e2, NS_ATOM, "published")), "2023-12-31T00:00:00Z"), "%s: date-only", where);

done:
    parsed_free(&r);
    parsed_free(&a);
out:
    free(rss);
    free(atom);
    quire_collection_free(c);
}

/* The build runs embeds and absolute-urls on the feeds' copies before the
 * writers see them: the mapping must not change (same ids, links, dates),
 * and local images must still be found though their src is now absolute. */
static void test_after_filters(const char *base_url)
{
    char where[128];
    snprintf(where, sizeof where, "filtered(%s)", base_url ? base_url : "no base_url");
    quire_collection *plain = fx_basic(base_url), *filtered = fx_basic(base_url);
    quire_diag_list diags;
    quire_diag_list_init(&diags);
    quire_chain *chain = NULL;
    int rc = quire_chain_add_spec(&chain, "embeds;absolute-urls", &diags);
    if (rc == QUIRE_OK)
        rc = quire_chain_run(chain, filtered, &diags);
    quire_chain_free(chain);
    quire_diag_list_free(&diags);
    if (rc != QUIRE_OK) {
        printf("note: %s: filters not available (%s), skipped\n", where, quire_strerror(rc));
        quire_collection_free(plain);
        quire_collection_free(filtered);
        return;
    }
    CHECK(strncmp(filtered->docs[2]->image.src, "https://", 8) == 0,
          "%s: the filter made the image absolute: %s", where, filtered->docs[2]->image.src);
    quire_date upd;
    set_date(&upd, "2024-06-01T12:00:00Z");
    size_t l1, l2;
    char *x = write_feed(plain, "rss", &upd, &l1, NULL), *y = write_feed(filtered, "rss", &upd, &l2, NULL);
    if (x && y) {
        parsed p = parse(x, l1, "plain"), q = parse(y, l2, "filtered");
        check_rss_common(&q, y, l2, where);
        seen_item a[8], b[8];
        size_t na = rss_items(&p, a, 8), nb = rss_items(&q, b, 8);
        CHECK(na == nb, "%s: item count", where);
        for (size_t i = 0; i < na && i < nb; i++) {
            CHECK(!strcmp(a[i].id, b[i].id), "%s: id %zu: %s vs %s", where, i, a[i].id, b[i].id);
            CHECK(!strcmp(a[i].link, b[i].link), "%s: link %zu: %s vs %s", where, i, a[i].link, b[i].link);
        }
        int encs = 0;
        xmlNodePtr ch = child(q.root, NULL, "channel");
        for (xmlNodePtr it = ch ? ch->children : NULL; it; it = it->next)
            encs += is_el(it, NULL, "item") && child(it, NULL, "enclosure");
        CHECK(encs == 3, "%s: local images still found after absolute-urls: %d of 3", where, encs);
        parsed_free(&p);
        parsed_free(&q);
    }
    CHECK(x && y, "%s: written", where);
    free(x);
    free(y);
    quire_collection_free(plain);
    quire_collection_free(filtered);
}

static void test_hostile(void)
{
    quire_collection *c = fx_hostile();
    size_t rl, al;
    int rc;
    char *rss = write_feed(c, "rss", NULL, &rl, &rc);
    CHECK(rc == QUIRE_OK, "hostile: rss writer failed");
    char *atom = write_feed(c, "atom", NULL, &al, &rc);
    CHECK(rc == QUIRE_OK, "hostile: atom writer failed");
    if (!rss || !atom) {
        free(rss);
        free(atom);
        quire_collection_free(c);
        return;
    }
    parsed r = parse(rss, rl, "hostile rss.xml"), a = parse(atom, al, "hostile atom.xml");
    check_rss_common(&r, rss, rl, "hostile rss");
    check_atom_common(&a, atom, al, "hostile atom");
    xmlNodePtr ch = child(r.root, NULL, "channel");
    CHECK(!child(ch, NULL, "language"), "hostile: a bad language tag is left out");
    CHECK(!child(ch, NULL, "image"), "hostile: a javascript: icon is left out");
    CHECK(!attr(a.root, "lang"), "hostile: no xml:lang for a bad tag");
    xmlNodePtr it = child(ch, NULL, "item");
    const char *title = text(child(it, NULL, "title"));
    CHECK(strstr(title, "]]> <script>") && !strchr(title, '\x01'), "hostile: title kept as text: %s", title);
    CHECK(strstr(title, "\xEF\xBF\xBD"), "hostile: invalid UTF-8 became U+FFFD");
    const char *content = text(child(it, NS_CONTENT, "encoded"));
    CHECK(strstr(content, "]]&gt;") || strstr(content, "]]>"), "hostile: ]]> survives as text");
    CHECK(!strstr(content, "<![CDATA["), "hostile: no CDATA section opened by content");
    CHECK(!strstr(rss, "<![CDATA["), "hostile: the writer uses escaping, not CDATA");
    CHECK(!strcmp(text(child(it, NULL, "link")), "https://evil.example/hostile/"),
          "hostile: javascript: url replaced by the slug URL: %s", text(child(it, NULL, "link")));
    const char *guid = text(child(it, NULL, "guid"));
    const char *want = "tag:evil.example,2000:id%20with%20spaces%20&%20%3Cstuff%3E%20%C3%A9t%C3%A9";
    CHECK(!strcmp(guid, want),
          "hostile: id percent-encoded in a tag: URI: %s", guid);
    CHECK(!child(it, NULL, "author"), "hostile: no author element without an email");
    CHECK(count_children(it, NS_DC, "creator") == 1, "hostile: an author with nothing usable is dropped");
    CHECK(!child(it, NULL, "enclosure") && !child(it, NS_MEDIA, "content"), "hostile: data: image dropped");
    CHECK(count_children(it, NULL, "category") == 2, "hostile: empty tag dropped");
    /* The second (empty) document still gives a valid item. */
    xmlNodePtr it2 = it->next;
    while (it2 && !is_el(it2, NULL, "item"))
        it2 = it2->next;
    CHECK(it2 && !strcmp(text(child(it2, NULL, "title")), "Untitled"), "hostile: empty doc titled");
    seen_item seen[8];
    CHECK(rss_items(&r, seen, 8) == 2, "hostile: the document with a repeated id is left out of RSS");
    CHECK(atom_entries(&a, seen, 8) == 2, "hostile: the document with a repeated id is left out of Atom");
    xmlNodePtr e = child(a.root, NS_ATOM, "entry");
    CHECK(!attr(e, "lang"), "hostile: bad entry language dropped");
    bool related = false;
    for (xmlNodePtr l = e->children; l; l = l->next)
        related |= is_el(l, NS_ATOM, "link") && !strcmp(attr(l, "rel"), "related");
    CHECK(!related, "hostile: javascript: external URL dropped");
    CHECK(!strcmp(text(child(e, NS_ATOM, "published")), "2024-02-29T23:59:59-05:30"),
          "hostile: leap second clamped: %s", text(child(e, NS_ATOM, "published")));
    parsed_free(&r);
    parsed_free(&a);
    free(rss);
    free(atom);
    quire_collection_free(c);
}

static void test_deterministic(void)
{
    /* Same input, same bytes; no clock involved (SOURCE_DATE_EPOCH decides
     * the undated item's date when no date is given). */
    setenv("SOURCE_DATE_EPOCH", "1700000000", 1);
    quire_collection *c = fx_basic(NULL);
    const char *const writers[] = {"rss", "atom"};
    for (int w = 0; w < 2; w++) {
        size_t l1, l2;
        char *x = write_feed(c, writers[w], NULL, &l1, NULL);
        char *y = write_feed(c, writers[w], NULL, &l2, NULL);
        CHECK(x && y && l1 == l2 && !memcmp(x, y, l1), "%s: output differs between runs", writers[w]);
        CHECK(x && strstr(x, w ? "2023-11-14T22:13:20Z" : "Tue, 14 Nov 2023 22:13:20 +0000"),
              "%s: SOURCE_DATE_EPOCH is the feed date", writers[w]);
        free(x);
        free(y);
    }
    quire_collection_free(c);
}

static void test_empty_and_many(void)
{
    /* No documents at all: still valid feeds. */
    quire_collection *c = quire_collection_new();
    const char *const writers[] = {"rss", "atom"};
    for (int w = 0; w < 2; w++) {
        size_t l;
        char *x = write_feed(c, writers[w], NULL, &l, NULL);
        CHECK(x != NULL, "%s: empty collection", writers[w]);
        if (x) {
            parsed p = parse(x, l, writers[w]);
            if (w)
                check_atom_common(&p, x, l, "empty atom");
            else
                check_rss_common(&p, x, l, "empty rss");
            parsed_free(&p);
        }
        free(x);
    }
    /* Many documents: every item written, ids unique, output well-formed. */
    for (int i = 0; i < 2000; i++) {
        char id[32], title[32];
        snprintf(id, sizeof id, "doc-%d", i);
        snprintf(title, sizeof title, "Title %d ]]>", i);
        quire_document *d = new_doc(id, id, title);
        add_para(d, "Body <with> & \"quotes\"");
        quire_collection_add(c, d);
    }
    for (int w = 0; w < 2; w++) {
        size_t l;
        char *x = write_feed(c, writers[w], NULL, &l, NULL);
        CHECK(x != NULL, "%s: many documents", writers[w]);
        if (!x)
            continue;
        parsed p = parse(x, l, writers[w]);
        seen_item *items = calloc(2001, sizeof *items);
        size_t n = w ? atom_entries(&p, items, 2001) : rss_items(&p, items, 2001);
        CHECK(n == 2000, "%s: %zu items of 2000", writers[w], n);
        CHECK(n == 2000 && !strcmp(items[1999].id, "tag:example.org,2000:doc-1999"),
              "%s: last id", writers[w]);
        free(items);
        parsed_free(&p);
        free(x);
    }
    quire_collection_free(c);
}

/* A body that renders to no HTML at all (an empty root) gives the same
 * feed as no body: no content, and no stray bytes from a buffer that was
 * made room in but never written (run under MALLOC_PERTURB_ and ASan,
 * which fill new memory). */
static void test_empty_body(void)
{
    const char *const writers[] = {"jsonfeed", "rss", "atom"};
    for (int round = 0; round < 2; round++) {
        quire_collection *with = quire_collection_new(), *without = quire_collection_new();
        for (int i = 0; i < 6; i++) {
            char id[16];
            snprintf(id, sizeof id, "e%d", i);
            quire_document *a = new_doc(id, id, "Empty"), *b = new_doc(id, id, "Empty");
            b->body = NULL;
            if (i % 3 == 1) {
                add_para(a, "Some text");
                b->body = quire_node_new(b->arena, QUIRE_NODE_ROOT, 1, 1);
                add_para(b, "Some text");
            }
            quire_collection_add(with, a);
            quire_collection_add(without, b);
        }
        for (int w = 0; w < 3; w++) {
            size_t la = 0, lb = 0;
            char *xa = write_feed(with, writers[w], NULL, &la, NULL);
            char *xb = write_feed(without, writers[w], NULL, &lb, NULL);
            CHECK(xa && xb && la == lb && memcmp(xa, xb, la) == 0,
                  "%s: an empty body writes as no body", writers[w]);
            free(xa);
            free(xb);
        }
        quire_collection_free(with);
        quire_collection_free(without);
    }
}

/* ----------------------------------------------------------------- fixtures */

static void make_tmpdir(void)
{
    snprintf(tmpdir, sizeof tmpdir, "/tmp/quire-feeds-XXXXXX");
    if (!mkdtemp(tmpdir)) {
        perror("mkdtemp");
        exit(99);
    }
    char path[256];
    snprintf(path, sizeof path, "%s/content", tmpdir);
    mkdir(path, 0700);
    snprintf(path, sizeof path, "%s/content/cover image.png", tmpdir);
    FILE *f = fopen(path, "wb");
    if (!f)
        exit(99);
    unsigned char png[PNG_SIZE] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    fwrite(png, 1, sizeof png, f);
    fclose(f);
    snprintf(path, sizeof path, "%s/site-images", tmpdir);
    mkdir(path, 0700);
    snprintf(path, sizeof path, "%s/site-images/logo.gif", tmpdir);
    if (!(f = fopen(path, "wb")))
        exit(99);
    unsigned char gif[GIF_SIZE] = {'G', 'I', 'F', '8', '9', 'a'};
    fwrite(gif, 1, sizeof gif, f);
    fclose(f);
}

static void remove_tmpdir(void)
{
    char path[256];
    snprintf(path, sizeof path, "%s/content/cover image.png", tmpdir);
    unlink(path);
    snprintf(path, sizeof path, "%s/content", tmpdir);
    rmdir(path);
    snprintf(path, sizeof path, "%s/site-images/logo.gif", tmpdir);
    unlink(path);
    snprintf(path, sizeof path, "%s/site-images", tmpdir);
    rmdir(path);
    rmdir(tmpdir);
}

static int dump_one(const char *dir, const char *name, quire_collection *c)
{
    static const struct { const char *writer, *file; } outs[] = {
        {"rss", "rss.xml"}, {"atom", "atom.xml"}, {"jsonfeed", "feed.json"}};
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    if (mkdir(path, 0755) != 0 && errno != EEXIST)
        return 1;
    int bad = 0;
    for (size_t i = 0; i < sizeof outs / sizeof outs[0]; i++) {
        size_t len;
        int rc;
        char *data = write_feed(c, outs[i].writer, NULL, &len, &rc);
        if (!data) {
            /* another engineer's writer may not exist yet: say so, go on */
            fprintf(stderr, "dump: %s/%s not written: %s\n", name, outs[i].file, quire_strerror(rc));
            bad += strcmp(outs[i].writer, "jsonfeed") != 0;
            continue;
        }
        snprintf(path, sizeof path, "%s/%s/%s", dir, name, outs[i].file);
        FILE *f = fopen(path, "wb");
        if (!f || fwrite(data, 1, len, f) != len)
            bad++;
        if (f)
            fclose(f);
        free(data);
    }
    quire_collection_free(c);
    return bad;
}


/* Internal (src/writers/feed_common.c, declared in internal.h): the
 * per-document memo the build turns on around each document, under which a
 * document's content is escaped once for every feed set and format. */

/* The content of the one item of each format, unescaped by the formats'
 * own parsers (libxml2, cJSON), must be the same string, and hold every
 * character the escapers treat specially.  Run with and without the memo:
 * the writers then take the escaped content from it. */
static void test_content_escaping(bool memo)
{
    quire_collection *c = quire_collection_new();
    quire_site_set_base_url(&c->site, "https://esc.example/");
    quire_document *d = new_doc("esc", "esc", "Escapes");
    set_date(&d->published, "2024-01-02T03:04:05Z");
    add_para(d, "q\" a' b\\s t\tx lt< gt> amp& cr\r lf\n ff\f bs\b c1\x01 c1f\x1f del\x7f "
                "\xc3\xa9t\xc3\xa9 \xe6\xbc\xa2 ]]> end");
    quire_node *cb = add_node(d, d->body, QUIRE_NODE_CODE_BLOCK);
    cb->literal = "line1\r\nline2\t\"quoted\" \\ <x>&amp;\n";
    quire_collection_add(c, d);
    if (memo)
        quire__feed_memo_begin();
    size_t rl = 0, al = 0, jl = 0;
    int rc1, rc2, rc3;
    char *rss = write_feed(c, "rss", NULL, &rl, &rc1);
    char *atom = write_feed(c, "atom", NULL, &al, &rc2);
    char *json = write_feed(c, "jsonfeed", NULL, &jl, &rc3);
    if (memo)
        quire__feed_memo_end();
    CHECK(rc1 == QUIRE_OK && rc2 == QUIRE_OK && rc3 == QUIRE_OK, "escaping: writers failed");
    if (!rss || !atom || !json) {
        free(rss);
        free(atom);
        free(json);
        quire_collection_free(c);
        return;
    }
    parsed r = parse(rss, rl, "escaping rss.xml"), a = parse(atom, al, "escaping atom.xml");
    const char *rc = r.root ? text(child(child(child(r.root, NULL, "channel"), NULL, "item"),
                                         NS_CONTENT, "encoded"))
                            : NULL;
    const char *ac = a.root ? text(child(child(a.root, NS_ATOM, "entry"), NS_ATOM, "content"))
                            : NULL;
    cJSON *j = cJSON_ParseWithLength(json, jl);
    const cJSON *items = cJSON_GetObjectItemCaseSensitive(j, "items");
    const char *jc = cJSON_GetStringValue(
        cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(items, 0), "content_html"));
    CHECK(rc && ac && jc, "escaping: content in every format (rss %p atom %p json %p)",
          (const void *)rc, (const void *)ac, (const void *)jc);
    if (rc && ac && jc) {
        CHECK(!strcmp(rc, ac), "escaping: rss and atom content differ:\n%s\n%s", rc, ac);
        CHECK(!strcmp(rc, jc), "escaping: rss and json content differ:\n%s\n%s", rc, jc);
        const char *want[] = {"q&quot; a&#39; b\\s t\tx lt&lt; gt&gt; amp&amp; cr", "\\ &lt;x&gt;&amp;amp;",
                              "\xc3\xa9t\xc3\xa9 \xe6\xbc\xa2 ]]&gt; end", "ff\f"};
        for (size_t i = 0; i < 3; i++)
            CHECK(strstr(jc, want[i]), "escaping: content holds '%s': %s", want[i], jc);
        CHECK(!strchr(jc, '\x01') && !strchr(jc, '\x1f') && !strchr(jc, '\f') && !strchr(jc, '\b'),
              "escaping: no control character XML forbids: %s", jc);
        CHECK(strstr(jc, "line1\r\nline2") || strstr(jc, "line1\nline2"),
              "escaping: CR LF kept in code: %s", jc);
    }
    CHECK(strstr(json, "\"content_html\":\t\"") && !strstr(json, "\\u0001"),
          "escaping: content_html spliced where cJSON prints it");
    cJSON_Delete(j);
    parsed_free(&r);
    parsed_free(&a);
    free(rss);
    free(atom);
    free(json);
    quire_collection_free(c);
}

/* ------------------------------------------------- byte-exactness checks
 *
 * The XML feeds were written by libxml2's xmlTextWriter; feed_common.c now
 * writes them itself and must give the same bytes, and the JSON Feed must
 * stay what cJSON_Print gives.  These drive the internals directly. */

typedef struct rng {
    uint64_t s;
} rng;

static uint32_t rnd(rng *r)
{
    r->s ^= r->s << 13;
    r->s ^= r->s >> 7;
    r->s ^= r->s << 17;
    return (uint32_t)(r->s >> 11);
}

/* Pieces of the strings below: plain text, everything an escaper treats
 * specially, the controls XML allows, UTF-8 of every length. */
static const char *const clean_pieces[] = {
    "a", "Zed", "0", " ", "  ", "<", ">", "&", "\"", "'", "\t", "\n", "\r", "\r\n", "]]>",
    "&amp;", "&#10;", "=", "/", "\\", "\x7f", "\xc2\x85", "\xc3\xa9", "\xe6\x8a\x80",
    "\xef\xbf\xbd", "\xf0\x9f\x98\x80", "plain words here ", "0123456789abcdef"};
/* ... and what cleaning removes or replaces. */
static const char *const dirty_pieces[] = {
    "\x01", "\x08", "\x0b", "\x0c", "\x1f", "\x80", "\xbf", "\xc3", "\xc0\xaf", "\xe6\x8a",
    "\xed\xa0\x80", "\xef\xbf\xbe", "\xef\xbf\xbf", "\xf4\x90\x80\x80", "\xf8\x88\x80\x80\x80",
    "\xfe", "\xff"};

static void rand_string(rng *r, quire_buf *b, size_t pieces, bool dirty)
{
    quire__buf_reset(b);
    for (size_t i = 0; i < pieces; i++) {
        const char *p;
        if (dirty && rnd(r) % 5 == 0)
            p = dirty_pieces[rnd(r) % (sizeof dirty_pieces / sizeof *dirty_pieces)];
        else
            p = clean_pieces[rnd(r) % (sizeof clean_pieces / sizeof *clean_pieces)];
        quire__buf_puts(b, p);
    }
    quire__buf_cstr(b);
}

static int xw_write(void *ctx, const char *buf, int len)
{
    quire__buf_put(ctx, buf, (size_t)len);
    return len;
}

static int xw_close(void *ctx)
{
    (void)ctx;
    return 0;
}

/* The same random calls to libxml2's xmlTextWriter (set up as the feeds
 * used it) and to quire__fx_*: the same bytes. */
static void test_xml_writer_exact(void)
{
    static const char *const names[] = {"a", "item", "atom:link", "media:content", "x-y"};
    const size_t n_names = sizeof names / sizeof *names;
    rng r = {0x9E3779B97F4A7C15ULL};
    quire_buf want, s1, s2;
    quire__buf_init(&want);
    quire__buf_init(&s1);
    quire__buf_init(&s2);
    int bad = 0;
    for (int trial = 0; trial < 3000 && bad < 5; trial++) {
        quire__buf_reset(&want);
        xmlOutputBufferPtr ob = xmlOutputBufferCreateIO(xw_write, xw_close, &want, NULL);
        xmlTextWriterPtr w = ob ? xmlNewTextWriter(ob) : NULL;
        if (!w || xmlTextWriterSetIndent(w, 1) < 0 ||
            xmlTextWriterSetIndentString(w, BAD_CAST "  ") < 0 ||
            xmlTextWriterStartDocument(w, "1.0", "UTF-8", NULL) < 0) {
            CHECK(0, "xml writer: libxml2 setup");
            return;
        }
        quire_sink *sink = NULL;
        if (quire_sink_open_memory(&sink) != QUIRE_OK)
            exit(99);
        quire_feed_xml x = {0};
        CHECK(quire__fx_open(&x, sink) == QUIRE_OK, "xml writer: open");
        quire__buf_reset(&s1);
        int depth = 0, ops = 0;
        bool can_attr = false;
        const char *name = names[rnd(&r) % n_names];
        xmlTextWriterStartElement(w, BAD_CAST name);
        quire__fx_start(&x, name);
        depth = 1;
        can_attr = true;
        char trace[4096];
        size_t tl = (size_t)snprintf(trace, sizeof trace, "start %s", name);
        while (depth > 0 && ops++ < 60) {
            unsigned op = rnd(&r) % 12;
            bool dirty = false;
            rand_string(&r, &s2, rnd(&r) % 4 == 0 ? 0 : rnd(&r) % 8, dirty);
            const char *v = quire__buf_cstr(&s2);
            name = names[rnd(&r) % n_names];
            const char *what;
            if (op < 3 && depth < 8) {
                xmlTextWriterStartElement(w, BAD_CAST name);
                quire__fx_start(&x, name);
                depth++;
                can_attr = true;
                what = "start";
            } else if (op < 5 && can_attr) {
                xmlTextWriterWriteAttribute(w, BAD_CAST name, BAD_CAST v);
                quire__fx_attr(&x, name, v);
                what = "attr";
            } else if (op < 7) {
                xmlTextWriterWriteElement(w, BAD_CAST name, BAD_CAST v);
                quire__fx_el(&x, name, v);
                can_attr = false;
                what = "el";
            } else if (op < 8) {
                xmlTextWriterWriteString(w, BAD_CAST v);
                quire__fx_text(&x, v);
                can_attr = false;
                what = "text";
            } else if (op < 9) {
                xmlTextWriterWriteRawLen(w, BAD_CAST v, (int)strlen(v));
                quire__fx_raw(&x, v, strlen(v));
                can_attr = false;
                what = "raw";
            } else {
                xmlTextWriterEndElement(w);
                quire__fx_end(&x);
                depth--;
                can_attr = false;
                what = "end";
            }
            if (tl < sizeof trace)
                tl += (size_t)snprintf(trace + tl, sizeof trace - tl, ", %s", what);
        }
        while (xmlTextWriterEndElement(w) >= 0)
            ;
        xmlTextWriterEndDocument(w);
        xmlTextWriterFlush(w);
        xmlFreeTextWriter(w);
        int rc = quire__fx_finish(&x);
        quire__fx_free(&x);
        char *got = NULL;
        size_t got_len = 0;
        quire_sink_commit_memory(sink, &got, &got_len);
        bool same = rc == QUIRE_OK && got && got_len == want.len &&
                    !memcmp(got, quire__buf_cstr(&want), want.len);
        CHECK(same, "xml writer: trial %d (%s) differs from libxml2:\n--- libxml2\n%s\n--- quire\n%s",
              trial, trace, quire__buf_cstr(&want), got ? got : "(null)");
        bad += !same;
        free(got);
    }
    quire__buf_free(&want);
    quire__buf_free(&s1);
    quire__buf_free(&s2);
}

/* quire__feed_clean_escape against what it replaces: quire__xml_clean,
 * then xmlEncodeSpecialChars (XML) or cJSON's string printer (JSON), on
 * strings with broken UTF-8 and forbidden characters too, short and long
 * (across its 16 KiB blocks). */
static void test_clean_escape_exact(void)
{
    rng r = {0xD1B54A32D192ED03ULL};
    quire_buf s;
    quire__buf_init(&s);
    int bad = 0;
    for (int trial = 0; trial < 4000 && bad < 5; trial++) {
        size_t pieces = trial % 100 == 99 ? 9000 + rnd(&r) % 3000 : rnd(&r) % 40;
        rand_string(&r, &s, pieces, trial % 2 == 1);
        const char *in = quire__buf_cstr(&s);
        quire_arena *a = quire_arena_new();
        const char *clean = quire__xml_clean(a, in);
        for (int esc = 0; esc < 2; esc++) {
            char *want = NULL;
            if (!*clean) {
                want = strdup("");
            } else if (esc == QUIRE_FEED_ESC_XML) {
                xmlChar *e = xmlEncodeSpecialChars(NULL, BAD_CAST clean);
                want = strdup((const char *)e);
                xmlFree(e);
            } else {
                cJSON *js = cJSON_CreateString(clean);
                want = cJSON_PrintUnformatted(js);
                cJSON_Delete(js);
            }
            size_t len = 0;
            char *got = quire__feed_clean_escape(in, (quire_feed_esc)esc, &len);
            bool same = want && got && len == strlen(want) && !strcmp(got, want);
            CHECK(same, "clean+escape %s, trial %d, %zu bytes in: got %zu bytes, want %zu",
                  esc ? "json" : "xml", trial, strlen(in), len, want ? strlen(want) : 0);
            bad += !same;
            if (esc == QUIRE_FEED_ESC_XML) {
                free(want);
            } else {
                cJSON_free(want);
            }
            free(got);
        }
        quire_arena_free(a);
    }
    quire__buf_free(&s);
}

/* The reference for one string: quire__xml_clean, then xmlEncodeSpecialChars
 * (XML) or cJSON's printer (JSON); malloc'd. */
static char *clean_escape_want(const char *in, int esc)
{
    quire_arena *a = quire_arena_new();
    const char *clean = quire__xml_clean(a, in);
    char *want;
    if (!*clean) {
        want = strdup("");
    } else if (esc == QUIRE_FEED_ESC_XML) {
        xmlChar *e = xmlEncodeSpecialChars(NULL, BAD_CAST clean);
        want = strdup((const char *)e);
        xmlFree(e);
    } else {
        cJSON *js = cJSON_CreateString(clean);
        char *j = cJSON_PrintUnformatted(js);
        want = strdup(j);
        cJSON_free(j);
        cJSON_Delete(js);
    }
    quire_arena_free(a);
    return want;
}

/* quire__feed_clean_escape's sixteen-byte fast path: one byte it must not
 * just copy (each escaped byte, a control, every length of UTF-8, broken
 * sequences) at every offset of strings of every length up to 72, each in
 * a block of exactly its size (ASan sees any read past the end). */
static void test_clean_escape_offsets(void)
{
    static const char *const odd[] = {"<", ">", "&", "\"", "\\", "'", "\t", "\n", "\r",
                                      "\x01", "\x7f", "\xc3\xa9", "\xe6\x8a\x80",
                                      "\xf0\x9f\x98\x80", "\xef\xbf\xbe", "\xed\xa0\x80",
                                      "\xc3", "\xe6\x8a", "\xff",
                                      /* one bit away from < > " & \ (the fast path ORs
                                       * a bit in to compare two at once) */
                                      "$", "=", "?", "#", "%", ".", "6", "^", "]", "|"};
    int bad = 0;
    for (size_t n = 0; n <= 72 && bad < 5; n++) {
        for (size_t o = 0; o <= n && bad < 5; o++) {
            for (size_t k = 0; k < sizeof odd / sizeof *odd && bad < 5; k++) {
                size_t ol = strlen(odd[k]);
                if (o + ol > n)
                    continue;
                char *in = malloc(n + 1);
                for (size_t i = 0; i < n; i++)
                    in[i] = (char)('a' + (i * 7 + k) % 26);
                memcpy(in + o, odd[k], ol);
                in[n] = '\0';
                for (int esc = 0; esc < 2; esc++) {
                    char *want = clean_escape_want(in, esc);
                    size_t len = 0;
                    char *got = quire__feed_clean_escape(in, (quire_feed_esc)esc, &len);
                    bool same = want && got && len == strlen(want) && !strcmp(got, want);
                    CHECK(same, "clean+escape %s: %zu bytes, piece %zu at %zu: got '%s', want '%s'",
                          esc ? "json" : "xml", n, k, o, got ? got : "(null)",
                          want ? want : "(null)");
                    bad += !same;
                    free(want);
                    free(got);
                }
                /* the item fields' JSON strings (no cleaning): cJSON's bytes */
                cJSON *js = cJSON_CreateString(in);
                char *jw = cJSON_PrintUnformatted(js);
                quire_buf jb;
                quire__buf_init(&jb);
                quire__feed_json_string(&jb, in, n);
                bool jsame = jw && jb.len == strlen(jw) && !memcmp(jb.data, jw, jb.len);
                CHECK(jsame, "json string: %zu bytes, piece %zu at %zu: got '%.*s', want '%s'", n, k,
                      o, (int)jb.len, jb.data ? jb.data : "", jw ? jw : "(null)");
                bad += !jsame;
                quire__buf_free(&jb);
                cJSON_free(jw);
                cJSON_Delete(js);
                free(in);
            }
        }
    }
    /* Many of them in one sixteen-byte chunk, mixed with plain bytes, the
     * string cut at every length. */
    rng r = {0x9E3779B97F4A7C15ULL};
    for (int trial = 0; trial < 400 && bad < 5; trial++) {
        char full[160];
        size_t f = 0;
        while (f < 100) {
            const char *piece = rnd(&r) % 3 ? odd[rnd(&r) % (sizeof odd / sizeof *odd)] : "xyz";
            size_t pl = strlen(piece);
            memcpy(full + f, piece, pl);
            f += pl;
        }
        for (size_t n = 0; n <= f && bad < 5; n += 1 + (size_t)(trial % 3)) {
            char *in = malloc(n + 1);
            memcpy(in, full, n);
            in[n] = '\0';
            for (int esc = 0; esc < 2; esc++) {
                char *want = clean_escape_want(in, esc);
                size_t len = 0;
                char *got = quire__feed_clean_escape(in, (quire_feed_esc)esc, &len);
                bool same = want && got && len == strlen(want) && !strcmp(got, want);
                CHECK(same, "clean+escape %s: trial %d, %zu bytes: got '%s', want '%s'",
                      esc ? "json" : "xml", trial, n, got ? got : "(null)", want ? want : "(null)");
                bad += !same;
                free(want);
                free(got);
            }
            free(in);
        }
    }
}

/* A feed.json is exactly cJSON_Print of itself (plus the final newline). */
static void check_json_is_cjson(const char *json, size_t len, const char *where)
{
    cJSON *j = cJSON_ParseWithLength(json, len);
    CHECK(j != NULL, "%s: feed.json parses", where);
    if (!j)
        return;
    char *again = cJSON_Print(j);
    bool same = again && strlen(again) + 1 == len && !memcmp(again, json, len - 1) &&
                json[len - 1] == '\n';
    CHECK(same, "%s: feed.json is not what cJSON_Print gives:\n--- written\n%s\n--- cJSON\n%s",
          where, json, again ? again : "(null)");
    cJSON_free(again);
    cJSON_Delete(j);
}

/* Every writer, the memo on and off: the same bytes; a document written
 * again under the memo (another feed set) too; an undated document under
 * the memo takes each feed's date. */
static void test_memo_same_bytes(void)
{
    static const char *const writers[] = {"rss", "atom", "jsonfeed"};
    quire_collection *fixtures[] = {fx_basic(NULL), fx_basic("https://blog.example.com:8443/sub/"),
                                    fx_hostile()};
    quire_date d1, d2;
    set_date(&d1, "2020-01-02T03:04:05Z");
    set_date(&d2, "2021-06-07T08:09:10+02:00");
    for (size_t f = 0; f < sizeof fixtures / sizeof *fixtures; f++) {
        quire_collection *c = fixtures[f];
        for (int w = 0; w < 3; w++) {
            size_t l1 = 0, l2 = 0;
            char *plain = write_feed(c, writers[w], &d1, &l1, NULL);
            quire__feed_memo_begin();
            char *memo = write_feed(c, writers[w], &d1, &l2, NULL);
            quire__feed_memo_end();
            CHECK(plain && memo && l1 == l2 && !memcmp(plain, memo, l1),
                  "memo: fixture %zu, %s: bytes differ with the memo", f, writers[w]);
            if (w == 2 && plain)
                check_json_is_cjson(plain, l1, f == 2 ? "hostile" : "basic");
            free(plain);
            free(memo);
        }
        /* One document at a time, as the build writes them: each into two
         * feeds (dates d1, d2) in every format under one memo, against the
         * same written without it. */
        for (size_t i = 0; i < c->count; i++) {
            quire_collection *one = quire_collection_new();
            quire_arena *own = one->site.arena;
            one->site = c->site;
            one->site.arena = own;
            quire_collection_add(one, c->docs[i]);
            char *want[2][3] = {{0}}, *got[2][3] = {{0}};
            size_t wl[2][3], gl[2][3];
            for (int k = 0; k < 2; k++)
                for (int w = 0; w < 3; w++)
                    want[k][w] = write_feed(one, writers[w], k ? &d2 : &d1, &wl[k][w], NULL);
            quire__feed_memo_begin();
            for (int k = 0; k < 2; k++)
                for (int w = 0; w < 3; w++)
                    got[k][w] = write_feed(one, writers[w], k ? &d2 : &d1, &gl[k][w], NULL);
            quire__feed_memo_end();
            for (int k = 0; k < 2; k++)
                for (int w = 0; w < 3; w++) {
                    CHECK(want[k][w] && got[k][w] && wl[k][w] == gl[k][w] &&
                              !memcmp(want[k][w], got[k][w], wl[k][w]),
                          "memo: fixture %zu, document %zu, feed %d, %s: bytes differ:\n%s\n---\n%s",
                          f, i, k, writers[w], want[k][w] ? want[k][w] : "(null)",
                          got[k][w] ? got[k][w] : "(null)");
                    free(want[k][w]);
                    free(got[k][w]);
                }
            one->docs[0] = NULL;
            one->count = 0;
            quire_collection_free(one);
        }
        quire_collection_free(c);
    }
}

/* URLs: every printable ASCII byte (and space) inside an absolute URL is
 * kept, or percent-encoded exactly when it is one RFC 3987 never allows raw
 * (the writer asks a switch; the rule is written here as the list). */
static void test_url_bytes(void)
{
    quire_arena *a = quire_arena_new();
    for (int c = 0x20; c <= 0x7F; c++) {
        char in[64], want[64];
        snprintf(in, sizeof in, "https://h.example/a%cb", c);
        bool bad = c == 0x20 || c == 0x7F || strchr("\"<>\\^`{|}", c);
        if (bad)
            snprintf(want, sizeof want, "https://h.example/a%%%02Xb", c);
        else
            snprintf(want, sizeof want, "https://h.example/a%cb", c);
        const char *got = quire__feed_abs_url(a, NULL, in);
        CHECK(got && strcmp(got, want) == 0, "byte 0x%02X: %s", c, got ? got : "(null)");
    }
    quire_arena_free(a);
}

int main(int argc, char **argv)
{
    xmlInitParser();
    make_tmpdir();
    if (argc == 3 && !strcmp(argv[1], "--dump")) {
        int bad = dump_one(argv[2], "basic", fx_basic("https://blog.example.com:8443/sub/"));
        bad += dump_one(argv[2], "no-base-url", fx_basic(NULL));
        bad += dump_one(argv[2], "hostile", fx_hostile());
        remove_tmpdir();
        return bad ? 1 : 0;
    }
    test_basic(NULL);
    test_basic("https://blog.example.com:8443/sub/");
    test_after_filters(NULL);
    test_after_filters("https://blog.example.com:8443/sub/");
    test_hostile();
    test_content_escaping(false);
    test_content_escaping(true);
    test_deterministic();
    test_empty_and_many();
    test_empty_body();
    test_xml_writer_exact();
    test_clean_escape_exact();
    test_clean_escape_offsets();
    test_memo_same_bytes();
    test_url_bytes();
    remove_tmpdir();
    xmlCleanupParser();
    printf("%d checks, %d failed\n", checks, failures);
    return failures ? 1 : 0;
}
