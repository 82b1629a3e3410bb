/*
 * html.c — writer "html": a static site.
 *
 *   quire build:   OUTDIR/index.html         every document: title, date, summary, tags
 *                  OUTDIR/<slug>/index.html  one page per document
 *                  OUTDIR/tags/<tag>/index.html  one index per tag (the folder the
 *                                            per-tag feeds use too)
 *                  OUTDIR/style.css          the stylesheet
 *                  OUTDIR/media/<hash>.<ext> every local image the pages use
 *   quire convert -t html: one standalone page (stylesheet inlined) on ctx->out.
 *
 * Each body is copied, its embeds and headings fixed (html_embed.c), its
 * images published and links between documents resolved (html_publish.c),
 * its nesting made valid HTML5 (html_nest.c), then rendered.
 * Pages come from templates (built in, or replaced from a `templates/`
 * folder: see docs/templates.md), parsed once in begin().  Links inside the
 * site are relative, so it works from any folder; canonical and OpenGraph
 * URLs are absolute and only written when the site has a base_url.
 *
 * Parallel: in a build, prepare() renders a page on a worker thread
 * (reading only what begin() set up); write_document() then publishes it
 * in collection order: images, links, the file (html_publish.c).  Without
 * prepare (quire_write) write_document renders the page itself.
 *
 * Streaming: documents may be freed once write_document() returns, so each
 * page is written at once (or, when it links to documents still to come,
 * spooled with placeholders and written in end()) and what the index and
 * tag pages need later is copied into the writer's own arena.  Tag pages come from one sorted list
 * of (tag, document) pairs: no quadratic work for 10,000 documents.
 *
 * Ownership: everything in html_priv is freed in html_close().
 */
#include "html_internal.h"
#include "template.h"
#include "html_assets.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

typedef struct html_entry {
    const char *title, *slug, *summary, *author_names;
    const char *href;             /* "<slug>/", relative to the root */
    const char *published_dt, *published_text; /* made once: an entry shows
                                                  on the index and its tags */
    const char *image, *image_alt; /* featured image: relative to the root
                                      (local copy) or absolute, or NULL */
    bool image_local;
    quire_date published;
    size_t first_tag, n_tags;   /* slice of html_priv.tags */
} html_entry;

typedef struct html_tagref {
    const char *name, *slug;
    const char *href;             /* "tags/<slug>/", relative to the root */
    size_t entry;
} html_tagref;

typedef struct html_feed {
    const char *file, *type, *label;
} html_feed;

static const html_feed html_feeds[] = {
    {"feed.json", "application/feed+json", "JSON Feed"},
    {"rss.xml", "application/rss+xml", "RSS"},
    {"atom.xml", "application/atom+xml", "Atom"},
};

typedef struct html_priv {
    quire_arena *arena;          /* copies for the index and tag pages */
    quire_tpl *page, *index, *tag;
    char *css_owned;             /* a user's style.css, malloc'd */
    const char *css;
    bool standalone;             /* no outdir: one page on ctx->out */
    html_entry *entries;
    size_t n_entries, cap_entries;
    html_tagref *tags;
    size_t n_tags, cap_tags;
    quire_slugset *slugs;        /* slugs given out (build mode) */
    quire_value *articles;       /* standalone: every document, in arena */
    quire_value *first_doc;      /* standalone: the first document's fields */
    quire_value *doc_common;     /* build mode: what every document page shares
                                    (site, stylesheet, feeds), read-only after
                                    begin() */
    quire_tpl_outer *page_outer; /* build mode: the page template's texts made
                                    from doc_common once (read-only too) */
    const char *sandbox;         /* option embed_sandbox, or NULL */
    html_pub *pub;               /* build mode: images and links (html_publish.c) */
    quire_buf buf;
} html_priv;

/* ------------------------------------------------------------ small helpers */

static const char *html_or(const char *a, const char *b)
{
    return a && *a ? a : b;
}

/* A BCP 47-looking tag, or NULL: the page's lang attribute must be valid. */
static const char *html_lang(const char *lang)
{
    if (!lang || !*lang || strlen(lang) > 35)
        return NULL;
    for (const char *p = lang; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              *p == '-'))
            return NULL;
    return lang[0] == '-' ? NULL : lang;
}

/* v (0 <= v < 10^width) in exactly width digits at p; returns the end. */
static char *html_digits(char *p, int v, int width)
{
    for (int i = width - 1; i >= 0; i--, v /= 10)
        p[i] = (char)('0' + v % 10);
    return p + width;
}

/* html_datetime for fields out of their ranges, as printf writes them. */
static const char *html_datetime_printf(quire_arena *a, const quire_date *d)
{
    char zone[16] = "";
    if (d->has_zone) {
        if (d->offset_min == 0)
            snprintf(zone, sizeof zone, "Z");
        else
            snprintf(zone, sizeof zone, "%c%02d:%02d", d->offset_min < 0 ? '-' : '+',
                     abs(d->offset_min) / 60, abs(d->offset_min) % 60);
    }
    char frac[8] = "";
    if (d->nanos)
        snprintf(frac, sizeof frac, ".%03u", (unsigned)(d->nanos / 1000000u));
    return quire_arena_printf(a, "%04d-%02d-%02dT%02d:%02d:%02d%s%s", d->year, d->month, d->day,
                              d->hour, d->minute, d->second, frac, zone);
}

/* A valid HTML datetime: a date, or a date and time with an optional zone
 * and at most millisecond precision.  NULL when unset or out of range. */
static const char *html_datetime(quire_arena *a, const quire_date *d)
{
    if (!d->set || d->year < 1 || d->year > 9999 || d->month < 1 || d->month > 12 || d->day < 1 ||
        d->day > 31)
        return NULL;
    int off = d->offset_min < 0 ? -d->offset_min : d->offset_min;
    bool plain = d->hour < 100 && d->minute < 100 && d->second < 100 && off / 60 < 100 &&
                 d->nanos < 1000000000u;
    if (d->has_time && !plain) /* what no parser makes: printf's widths */
        return html_datetime_printf(a, d);
    char s[40], *p = s;
    p = html_digits(p, d->year, 4);
    *p++ = '-';
    p = html_digits(p, d->month, 2);
    *p++ = '-';
    p = html_digits(p, d->day, 2);
    if (d->has_time) {
        *p++ = 'T';
        p = html_digits(p, d->hour, 2);
        *p++ = ':';
        p = html_digits(p, d->minute, 2);
        *p++ = ':';
        p = html_digits(p, d->second, 2);
        if (d->nanos) {
            *p++ = '.';
            p = html_digits(p, (int)(d->nanos / 1000000u), 3);
        }
        if (d->has_zone && d->offset_min == 0) {
            *p++ = 'Z';
        } else if (d->has_zone) {
            *p++ = d->offset_min < 0 ? '-' : '+';
            p = html_digits(p, off / 60, 2);
            *p++ = ':';
            p = html_digits(p, off % 60, 2);
        }
    }
    return quire_arena_strndup(a, s, (size_t)(p - s));
}

static const char *html_date_text(quire_arena *a, const quire_date *d)
{
    static const char *const months[] = {"January", "February", "March", "April", "May", "June",
                                         "July", "August", "September", "October", "November",
                                         "December"};
    if (!d->set || d->month < 1 || d->month > 12)
        return NULL;
    if (d->day < 1 || d->day > 31 || d->year < 0 || d->year > 9999)
        return quire_arena_printf(a, "%d %s %04d", d->day, months[d->month - 1], d->year);
    char s[32], *p = s;
    p = html_digits(p, d->day, d->day < 10 ? 1 : 2);
    *p++ = ' ';
    size_t n = strlen(months[d->month - 1]);
    memcpy(p, months[d->month - 1], n);
    p += n;
    *p++ = ' ';
    p = html_digits(p, d->year, 4);
    return quire_arena_strndup(a, s, (size_t)(p - s));
}

/* The folder of a tag: the same name the build gives the tag's feeds. */
static const char *html_tag_slug(quire_arena *a, const char *name)
{
    return quire__taxonomy_slug(a, name);
}

static bool html_is_http(const char *u)
{
    return u && (!strncmp(u, "https://", 8) || !strncmp(u, "http://", 7));
}

static const char *html_host(quire_arena *a, const char *url)
{
    const char *p = strstr(url, "://");
    if (!p)
        return url;
    p += 3;
    return quire_arena_strndup(a, p, strcspn(p, "/?#"));
}

/* The authors' names joined with ", " in a, or NULL when none has one:
 * measured first, then copied into one block (a page and an index entry
 * each make this). */
static const char *html_author_names(quire_arena *a, const quire_document *doc)
{
    size_t len = 0;
    for (size_t i = 0; i < doc->n_authors; i++)
        if (doc->authors[i].name && *doc->authors[i].name)
            len += (len ? 2 : 0) + strlen(doc->authors[i].name);
    if (!len)
        return NULL;
    char *s = quire__arena_alloc_raw(a, len + 1), *p = s;
    if (!s)
        return NULL;
    for (size_t i = 0; i < doc->n_authors; i++) {
        const char *name = doc->authors[i].name;
        if (!name || !*name)
            continue;
        if (p != s) {
            memcpy(p, ", ", 2);
            p += 2;
        }
        size_t n = strlen(name);
        memcpy(p, name, n);
        p += n;
    }
    *p = '\0';
    return s;
}

/* JSON-LD, written straight into a buffer, in the bytes cJSON's unformatted
 * printer gave before (keys in order, no spaces, control characters as
 * \b \f \n \r \t or \u00xx).  For a <script type="application/ld+json">,
 * '<', '>' and '&' are also written as \u escapes: they only occur inside
 * JSON strings, where the escapes mean the same, so nothing in the data can
 * end the script element or open a comment. */
/* 1 for the bytes quire__html_json_quoted escapes (controls, " \\ < > &)
 * and the terminating NUL: past the 16-byte blocks, a run of the others
 * is one table load a byte. */
static const unsigned char html_json_special[256] = {
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    ['"'] = 1, ['\\'] = 1, ['<'] = 1, ['>'] = 1, ['&'] = 1,
};

#if defined(__SSE2__)
/* Bit k set: byte k of the 16 at p is one html_json_special marks (a
 * control: at most 0x1F unsigned, so UTF-8 bytes pass). */
static inline unsigned html_json_bits(__m128i v)
{
    const __m128i ctl = _mm_set1_epi8(0x1f);
    __m128i m = _mm_or_si128(_mm_cmpeq_epi8(_mm_max_epu8(v, ctl), ctl),
                             _mm_cmpeq_epi8(v, _mm_set1_epi8('"')));
    m = _mm_or_si128(m, _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('\\')),
                                     _mm_cmpeq_epi8(v, _mm_set1_epi8('<'))));
    m = _mm_or_si128(m, _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('>')),
                                     _mm_cmpeq_epi8(v, _mm_set1_epi8('&'))));
    return (unsigned)_mm_movemask_epi8(m);
}

static inline unsigned html_json_mask(const unsigned char *p)
{
    return html_json_bits(_mm_loadu_si128((const __m128i *)(const void *)p));
}
#endif

/* Index of the first byte of p[i..n) to escape, or n.  The JSON-LD of a
 * page quotes its title and description, a few hundred bytes: 16 at a
 * time, the last 1-15 in one load of the final 16 (which overlaps bytes
 * checked already). */
static inline size_t html_json_plain_run(const unsigned char *p, size_t i, size_t n)
{
#if defined(__SSE2__)
    for (; n - i >= 16; i += 16) {
        unsigned mask = html_json_mask(p + i);
        if (mask)
            return i + (size_t)__builtin_ctz(mask);
    }
    if (i < n && n >= 16) {
        unsigned mask = html_json_mask(p + n - 16) >> (16 - (n - i));
        return mask ? i + (size_t)__builtin_ctz(mask) : n;
    }
    if (n - i >= 4) { /* 4-15 bytes in all (names, dates, tags): two loads */
        unsigned w;
        unsigned mask = html_json_bits(quire__sse_load_short(p, i, n, &w));
        return quire__sse_short_first(mask, i, n, w);
    }
#endif
    while (i < n && !html_json_special[p[i]])
        i++;
    return i;
}

void quire__html_json_quoted(quire_buf *b, const char *s)
{
    static const char hex[] = "0123456789abcdef";
    quire__buf_putc(b, '"');
    const unsigned char *p = (const unsigned char *)s;
    size_t n = strlen(s), run = 0, i = 0;
    while ((i = html_json_plain_run(p, i, n)) < n) {
        unsigned char c = p[i];
        quire__buf_put(b, s + run, i - run);
        run = ++i;
        char e[7] = {'\\', 0};
        size_t k = 2;
        switch (c) {
        case '"': e[1] = '"'; break;
        case '\\': e[1] = '\\'; break;
        case '\b': e[1] = 'b'; break;
        case '\f': e[1] = 'f'; break;
        case '\n': e[1] = 'n'; break;
        case '\r': e[1] = 'r'; break;
        case '\t': e[1] = 't'; break;
        default:
            e[1] = 'u';
            e[2] = '0';
            e[3] = '0';
            e[4] = hex[c >> 4];
            e[5] = hex[c & 15];
            k = 6;
        }
        quire__buf_put(b, e, k);
    }
    quire__buf_put(b, s + run, n - run);
    quire__buf_putc(b, '"');
}

/* Every object starts with members written as one literal ({"@type":...),
 * and the keys are literals with nothing to escape: each member's key is
 * written with its comma, quotes and colon in one copy, ,"key": . */
#define JSON_KEY(b, key) quire__buf_put((b), ",\"" key "\":", sizeof ",\"" key "\":" - 1)
#define JSON_STR(b, key, s) html_json_str((b), ",\"" key "\":", sizeof ",\"" key "\":" - 1, (s))

/* A string member (lit: its ,"key": ), left out when s is NULL or empty. */
static void html_json_str(quire_buf *b, const char *lit, size_t len, const char *s)
{
    if (!s || !*s)
        return;
    quire__buf_put(b, lit, len);
    quire__html_json_quoted(b, s);
}

/* The JSON-LD of a page: a few hundred bytes, written in one go into a
 * buffer that has room for most. */
#define HTML_JSONLD_CAP 2048u

static const char *html_json_done(quire_arena *a, quire_buf *b)
{
    const char *s = b->oom ? NULL : quire_arena_strndup(a, b->data, b->len);
    quire__buf_free(b);
    return s;
}

/* A document's JSON-LD, written into b (reset first): b's text, or NULL
 * when out of memory. */
static const char *html_jsonld_article(quire_buf *b, const quire_site *site,
                                       const quire_document *doc, const char *canonical,
                                       const char *image_url, const char *image,
                                       const char *published, const char *modified)
{
    quire__buf_reset(b);
    quire__buf_reserve(b, HTML_JSONLD_CAP);
    quire__buf_puts(b, "{\"@context\":\"https://schema.org\",\"@type\":\"BlogPosting\"");
    JSON_STR(b, "headline", doc->title);
    JSON_STR(b, "description", doc->summary);
    JSON_STR(b, "datePublished", published);
    JSON_STR(b, "dateModified", modified);
    JSON_STR(b, "inLanguage", html_lang(doc->language));
    if (doc->n_authors) {
        JSON_KEY(b, "author");
        quire__buf_putc(b, '[');
        bool first = true;
        for (size_t i = 0; i < doc->n_authors; i++) {
            if (!doc->authors[i].name)
                continue;
            if (!first)
                quire__buf_putc(b, ',');
            first = false;
            quire__buf_puts(b, "{\"@type\":\"Person\"");
            JSON_STR(b, "name", doc->authors[i].name);
            JSON_STR(b, "url", doc->authors[i].url);
            quire__buf_putc(b, '}');
        }
        quire__buf_putc(b, ']');
    }
    if (image_url || image)
        JSON_STR(b, "image", image_url ? image_url : image);
    if (doc->tags.count) {
        JSON_KEY(b, "keywords");
        quire__buf_putc(b, '[');
        bool first = true;
        for (size_t i = 0; i < doc->tags.count; i++) {
            if (!doc->tags.items[i])
                continue;
            if (!first)
                quire__buf_putc(b, ',');
            first = false;
            quire__html_json_quoted(b, doc->tags.items[i]);
        }
        quire__buf_putc(b, ']');
    }
    JSON_STR(b, "url", canonical);
    if (canonical)
        JSON_STR(b, "mainEntityOfPage", canonical);
    if (html_is_http(doc->external_url))
        JSON_STR(b, "isBasedOn", doc->external_url);
    if (site->title) {
        /* cJSON wrote these even when empty */
        quire__buf_puts(b, ",\"publisher\":{\"@type\":\"Organization\",\"name\":");
        quire__html_json_quoted(b, html_or(site->publisher, site->title));
        quire__buf_putc(b, '}');
    }
    quire__buf_putc(b, '}');
    return b->oom ? NULL : b->data;
}

static const char *html_jsonld_site(quire_arena *a, const quire_site *site, const char *name,
                                    const char *canonical, bool home)
{
    quire_buf b;
    quire__buf_init(&b);
    quire__buf_puts(&b, home ? "{\"@context\":\"https://schema.org\",\"@type\":\"WebSite\""
                             : "{\"@context\":\"https://schema.org\",\"@type\":\"CollectionPage\"");
    JSON_STR(&b, "name", name);
    JSON_STR(&b, "description", site->description);
    JSON_STR(&b, "url", canonical);
    JSON_STR(&b, "inLanguage", html_lang(site->language));
    quire__buf_putc(&b, '}');
    return html_json_done(a, &b);
}

/* ------------------------------------------------------------ page data */

/* Site-wide fields every template sees: site.*, home, stylesheet or the
 * inlined CSS, links to the feeds that exist beside this page. */
static void html_common(const quire_writer_ctx *ctx, quire_arena *a, quire_value *m, const char *root,
                        const char *feed_dir)
{
    const html_priv *p = ctx->priv;
    const quire_site *site = ctx->site;
    quire_value *s = quire__tpl_map(a);
    quire__tpl_set(a, s, "title", html_or(site->title, "Untitled"));
    quire__tpl_set(a, s, "description", site->description);
    quire__tpl_set(a, s, "base_url", site->base_url);
    quire__tpl_set(a, s, "language", html_lang(site->language));
    quire__tpl_set(a, s, "rights", site->rights);
    quire__tpl_set(a, s, "publisher", site->publisher);
    quire__tpl_put(a, m, "site", s);
    quire__tpl_set(a, m, "root", root);
    quire__tpl_set(a, m, "home", *root ? root : "./");
    if (p->standalone) {
        quire__tpl_set(a, m, "inline_css", p->css);
        return;
    }
    quire__tpl_set(a, m, "stylesheet", quire_arena_printf(a, "%sstyle.css", root));
    /* The build says which feeds it writes (they may still be open while
     * this page is written). */
    quire_value *feeds = quire__tpl_list(a);
    unsigned on = feed_dir ? ctx->tag_feeds : ctx->feeds;
    static const unsigned bits[] = {QUIRE_FEED_JSON, QUIRE_FEED_RSS, QUIRE_FEED_ATOM};
    for (size_t i = 0; i < sizeof html_feeds / sizeof html_feeds[0]; i++) {
        if (!(on & bits[i]))
            continue;
        quire_value *f = quire__tpl_map(a);
        quire__tpl_set(a, f, "href", quire_arena_printf(a, "%s%s%s", root, feed_dir ? feed_dir : "",
                                                        html_feeds[i].file));
        quire__tpl_set(a, f, "type", html_feeds[i].type);
        quire__tpl_set(a, f, "label", html_feeds[i].label);
        quire__tpl_set(a, f, "title", quire_arena_printf(a, "%s (%s)", html_or(site->title, "Untitled"),
                                                         html_feeds[i].label));
        quire_value_append(a, feeds, NULL, f);
    }
    quire__tpl_put(a, m, "feeds", feeds);
}

/* Where template data goes: arena a, strings referenced when the data is
 * rendered while its sources live (a page in the making), copied when it
 * is kept after the document is gone (standalone: one page at the end). */
typedef struct html_tv {
    quire_arena *a;
    bool copy;
} html_tv;

static void html_set(const html_tv *t, quire_value *m, const char *key, const char *s)
{
    if (t->copy)
        quire__tpl_set(t->a, m, key, s);
    else
        quire__tpl_ref(t->a, m, key, s);
}

static const char *html_int(quire_arena *a, int v)
{
    char s[16];
    int n = snprintf(s, sizeof s, "%d", v);
    return quire_arena_strndup(a, s, n > 0 ? (size_t)n : 0);
}

/* The fields of one document, for the page head and for its <article>. */
/* image: the featured image as the page shows it (a published copy
 * relative to the site root when local is set, else a URL), or NULL.
 * content: the body's HTML, content_len its length (used when tv does not
 * copy); scratch: where the JSON-LD is written (referenced unless tv
 * copies). */
static void html_doc_fields(const quire_writer_ctx *ctx, const html_tv *tv, quire_value *m,
                            const quire_document *doc, const char *slug, const char *root,
                            const char *content, size_t content_len, const char *image,
                            bool local, quire_buf *scratch)
{
    const html_priv *p = ctx->priv;
    const quire_site *site = ctx->site;
    quire_arena *a = tv->a;
    const char *title = html_or(doc->title, html_or(slug, "Untitled"));
    const char *canonical = !p->standalone && site->base_url && slug
                                ? quire__html_cat(a, site->base_url, slug, "/")
                                : NULL;
    if (p->standalone && html_is_http(doc->url))
        canonical = doc->url;
    const char *image_url = NULL;
    if (image && *image) {
        if (html_is_http(image))
            image_url = image;
        else if (local && site->base_url)
            image_url = quire__html_cat(a, site->base_url, image, NULL);
        else if (!local && canonical && !quire__url_has_scheme(image))
            image_url = quire__url_resolve(a, canonical, image);
    }
    const char *published = html_datetime(a, &doc->published);
    const char *modified = html_datetime(a, &doc->modified);
    html_set(tv, m, "title", title);
    html_set(tv, m, "subtitle", doc->subtitle);
    html_set(tv, m, "summary", doc->summary);
    html_set(tv, m, "description", doc->summary);
    html_set(tv, m, "lang", html_or(html_lang(doc->language), html_or(html_lang(site->language), "en")));
    html_set(tv, m, "slug", slug);
    html_set(tv, m, "canonical", canonical);
    html_set(tv, m, "image_url", image_url);
    html_set(tv, m, "published", published);
    html_set(tv, m, "published_text", html_date_text(a, &doc->published));
    html_set(tv, m, "modified", modified);
    html_set(tv, m, "modified_text", html_date_text(a, &doc->modified));
    html_set(tv, m, "og_type", "article");
    html_set(tv, m, "twitter_card", image_url ? "summary_large_image" : "summary");
    html_set(tv, m, "author_names", html_author_names(a, doc));
    if (html_is_http(doc->external_url)) {
        html_set(tv, m, "external_url", doc->external_url);
        html_set(tv, m, "external_host", html_host(a, doc->external_url));
    }
    if (doc->title && *doc->title && site->title && strcmp(doc->title, site->title) != 0)
        quire__tpl_flag_ref(a, m, "title_suffix");
    quire_value *authors = quire__tpl_list(a);
    for (size_t i = 0; i < doc->n_authors; i++) {
        if (!doc->authors[i].name || !*doc->authors[i].name)
            continue;
        quire_value *au = quire__tpl_map(a);
        html_set(tv, au, "name", doc->authors[i].name);
        if (html_is_http(doc->authors[i].url))
            html_set(tv, au, "url", doc->authors[i].url);
        quire_value_append(a, authors, NULL, au);
    }
    if (authors->last)
        quire__tpl_flag_ref(a, authors->last, "last");
    quire__tpl_put_ref(m, "authors", authors);
    quire_value *tags = quire__tpl_list(a);
    quire_buf kw;
    quire__buf_init(&kw);
    for (size_t i = 0; i < doc->tags.count; i++) {
        quire_value *t = quire__tpl_map(a);
        html_set(tv, t, "name", doc->tags.items[i]);
        if (!p->standalone)
            quire__tpl_ref(a, t, "href", quire__html_cat(a, root, "tags/",
                                                  quire__html_cat(a, html_tag_slug(a, doc->tags.items[i]),
                                                           "/", NULL)));
        quire_value_append(a, tags, NULL, t);
        if (kw.len)
            quire__buf_puts(&kw, ", ");
        quire__buf_puts(&kw, doc->tags.items[i]);
    }
    quire__tpl_put_ref(m, "tags", tags);
    if (kw.len)
        quire__tpl_set(a, m, "keywords", quire__buf_cstr(&kw));
    quire__buf_free(&kw);
    if (image && *image) {
        quire_value *img = quire__tpl_map(a);
        html_set(tv, img, "src", local ? quire__html_cat(a, root, image, NULL) : image);
        html_set(tv, img, "alt", doc->image.alt ? doc->image.alt : "");
        if (doc->image.width > 0)
            quire__tpl_ref(a, img, "width", html_int(a, doc->image.width));
        if (doc->image.height > 0)
            quire__tpl_ref(a, img, "height", html_int(a, doc->image.height));
        quire__tpl_put_ref(m, "image", img);
    }
    if (html_is_http(doc->external_url) || doc->tags.count)
        quire__tpl_flag_ref(a, m, "footer");
    if (published || authors->count)
        quire__tpl_flag_ref(a, m, "has_meta");
    const char *jsonld = html_jsonld_article(scratch, site, doc, canonical, image_url, image,
                                             published, modified);
    if (tv->copy) {
        quire__tpl_set(a, m, "content", content);
        quire__tpl_set(a, m, "jsonld", jsonld);
    } else {
        /* the body and the JSON-LD, kilobytes: referenced with the lengths
         * their buffers know, not measured again */
        quire__tpl_ref_n(a, m, "content", content, content_len);
        if (jsonld)
            quire__tpl_ref_n(a, m, "jsonld", jsonld, scratch->len);
    }
}

/* The body as HTML, in buf (NUL-terminated; NULL when out of memory),
 * its copy of the nodes in arena a.  With pg (build mode), images are
 * read and links to documents written as placeholders, both recorded in
 * pg for the page at OUTDIR/<slug>/. */
static const char *html_body_buf(const html_priv *p, quire_arena *a, const quire_document *doc,
                                 const char *slug, html_pub_page *pg, quire_buf *buf)
{
    static const quire_render_opts opts = {.keep_embeds = true};
    quire_node *body = quire__html_prepare_body(a, doc->body, p->sandbox);
    if (body && pg && quire__html_pub_body(p->pub, pg, a, doc, slug, body, "../") != QUIRE_OK)
        return NULL;
    /* after publishing: a missing image is gone, and may leave a picture
     * without its img */
    if (body && quire__html_fix_nesting(a, body) != QUIRE_OK)
        return NULL;
    quire__buf_reset(buf);
    if (body)
        quire__render_html(buf, body, &opts);
    /* data is NUL-terminated only once something was written */
    return buf->oom ? NULL : buf->len ? buf->data : "";
}

/* The same, copied into arena a (buf is scratch). */
static const char *html_body(const html_priv *p, quire_arena *a, const quire_document *doc,
                             const char *slug, html_pub_page *pg, quire_buf *buf)
{
    const char *s = html_body_buf(p, a, doc, slug, pg, buf);
    return s ? quire_arena_strndup(a, s, buf->len) : NULL;
}

/* data[0..len) into sink (opened with rc), committed or aborted; a failure
 * is reported under rel. */
static int html_finish_file(quire_writer_ctx *ctx, const char *rel, quire_sink *sink, int rc,
                            const void *data, size_t len)
{
    if (rc == QUIRE_OK)
        rc = quire_sink_write(sink, data, len);
    if (rc == QUIRE_OK)
        rc = quire_sink_commit(sink);
    else
        quire_sink_abort(sink);
    if (rc != QUIRE_OK)
        quire_diag_add(ctx->diags, QUIRE_SEV_ERROR, "html", rel, 0, 0, "cannot write: %s",
                       quire_strerror(rc));
    return rc;
}

int quire__html_write_file(quire_writer_ctx *ctx, const char *rel, const void *data, size_t len)
{
    quire_sink *sink = NULL;
    int rc = quire_outdir_sink(ctx->outdir, rel, &sink);
    return html_finish_file(ctx, rel, sink, rc, data, len);
}

/* The same for bytes made on a worker: the folder's thread writes them
 * without a copy. */
static int html_write_file_bytes(quire_writer_ctx *ctx, const char *rel, quire__bytes *b)
{
    quire_sink *sink = NULL;
    int rc = quire_outdir_sink(ctx->outdir, rel, &sink);
    if (rc == QUIRE_OK)
        rc = quire__sink_write_bytes(sink, b);
    return html_finish_file(ctx, rel, sink, rc, NULL, 0); /* commits, or aborts and reports */
}

static int html_render_to_file(quire_writer_ctx *ctx, const quire_tpl *t, quire_tpl_memo *memo,
                               const quire_value *data, const char *rel)
{
    html_priv *p = ctx->priv;
    quire__buf_reset(&p->buf);
    quire__tpl_render_memo(t, NULL, data, memo, &p->buf);
    if (p->buf.oom)
        return QUIRE_ERR_NOMEM;
    return quire__html_write_file(ctx, rel, quire__buf_cstr(&p->buf), p->buf.len);
}

/* ------------------------------------------------------------ templates */

static int html_load_template(quire_writer_ctx *ctx, const char *dir, const char *file,
                              const char *builtin, quire_tpl **out)
{
    char *data = NULL;
    size_t len = 0;
    char path[4096];
    const char *src = builtin, *name = file;
    if (dir) {
        snprintf(path, sizeof path, "%s/%s", dir, file);
        if (quire_read_file(path, 4u << 20, &data, &len) == QUIRE_OK) {
            src = data;
            name = path;
        } else {
            len = 0;
        }
    }
    if (!src) { /* optional template, absent */
        *out = NULL;
        return QUIRE_OK;
    }
    char err[256];
    uint32_t line, col;
    int rc = quire__tpl_parse(out, src, data ? len : strlen(src), err, sizeof err, &line, &col);
    if (rc != QUIRE_OK)
        quire_diag_add(ctx->diags, QUIRE_SEV_ERROR, "html", name, line, col, "template: %s", err);
    free(data);
    return rc;
}

/* templates/ beside quire.yaml, or the folder named by the `html:
 * templates:` option (relative to quire.yaml). */
static const char *html_template_dir(quire_writer_ctx *ctx, quire_arena *a)
{
    const char *opt = quire_value_str(quire_value_get(ctx->options, "templates"));
    const char *base = ctx->site->config_dir;
    if (opt)
        return opt[0] == '/' || !base ? opt : quire_arena_printf(a, "%s/%s", base, opt);
    if (!base)
        return NULL;
    const char *dir = quire_arena_printf(a, "%s/templates", base);
    struct stat st;
    return stat(dir, &st) == 0 && S_ISDIR(st.st_mode) ? dir : NULL;
}

/* ------------------------------------------------------------ writer */

static int html_begin(quire_writer_ctx *ctx)
{
    html_priv *p = ctx->priv;
    quire__buf_init(&p->buf);
    if (!(p->arena = quire_arena_new()))
        return QUIRE_ERR_NOMEM;
    p->standalone = ctx->outdir == NULL || ctx->out != NULL;
    if (p->standalone && !ctx->out) {
        quire_diag_add(ctx->diags, QUIRE_SEV_ERROR, "html", NULL, 0, 0,
                       "the html writer needs an output folder or an output file");
        return QUIRE_ERR_USAGE;
    }
    p->sandbox = quire_value_str(quire_value_get(ctx->options, "embed_sandbox"));
    const char *dir = html_template_dir(ctx, p->arena);
    int rc = html_load_template(ctx, dir, "page.html", html_asset_page, &p->page);
    if (rc == QUIRE_OK)
        rc = html_load_template(ctx, dir, "index.html", html_asset_index, &p->index);
    if (rc == QUIRE_OK)
        rc = html_load_template(ctx, dir, "tag.html", NULL, &p->tag);
    if (rc != QUIRE_OK)
        return rc;
    p->css = html_asset_css;
    if (dir) {
        char path[4096];
        size_t len;
        snprintf(path, sizeof path, "%s/style.css", dir);
        if (quire_read_file(path, 4u << 20, &p->css_owned, &len) == QUIRE_OK)
            p->css = p->css_owned;
    }
    if (!(p->slugs = quire__slugset_new()))
        return QUIRE_ERR_NOMEM;
    /* Top-level names of the site itself are never a document's folder. */
    static const char *const reserved[] = {"index.html", "style.css", "tags", "feed.json",
                                           "rss.xml", "atom.xml", "book.epub", "model.json", NULL};
    for (size_t i = 0; reserved[i]; i++)
        if (quire__slugset_add(p->slugs, reserved[i]) != QUIRE_OK)
            return QUIRE_ERR_NOMEM;
    if (p->standalone && !(p->articles = quire__tpl_list(p->arena)))
        return QUIRE_ERR_NOMEM;
    if (!p->standalone && !(p->pub = quire__html_pub_new(ctx)))
        return QUIRE_ERR_NOMEM;
    if (!p->standalone) {
        if (!(p->doc_common = quire__tpl_map(p->arena)))
            return QUIRE_ERR_NOMEM;
        html_common(ctx, p->arena, p->doc_common, "../", NULL);
        if (!(p->page_outer = quire__tpl_outer_new(p->page, p->doc_common)))
            return QUIRE_ERR_NOMEM;
    }
    return QUIRE_OK;
}

static int html_push_entry(html_priv *p, const quire_document *doc, const char *slug,
                           const char *image, bool image_local)
{
    quire_arena *a = p->arena;
    if (p->n_entries == p->cap_entries) {
        size_t cap = p->cap_entries ? p->cap_entries * 2 : 64;
        html_entry *e = realloc(p->entries, cap * sizeof *e);
        if (!e)
            return QUIRE_ERR_NOMEM;
        p->entries = e;
        p->cap_entries = cap;
    }
    html_entry *e = &p->entries[p->n_entries];
    *e = (html_entry){
        .title = quire_arena_strdup(a, html_or(doc->title, slug)),
        .slug = slug,
        .summary = quire_arena_strdup(a, doc->summary),
        .author_names = html_author_names(a, doc),
        .published = doc->published,
        .first_tag = p->n_tags,
        .image = quire_arena_strdup(a, image),
        .image_alt = quire_arena_strdup(a, doc->image.alt ? doc->image.alt : ""),
        .image_local = image_local,
        .href = quire__html_cat(a, slug, "/", NULL),
        .published_dt = html_datetime(a, &doc->published),
        .published_text = html_date_text(a, &doc->published),
    };
    for (size_t i = 0; i < doc->tags.count; i++) {
        if (p->n_tags == p->cap_tags) {
            size_t cap = p->cap_tags ? p->cap_tags * 2 : 128;
            html_tagref *t = realloc(p->tags, cap * sizeof *t);
            if (!t)
                return QUIRE_ERR_NOMEM;
            p->tags = t;
            p->cap_tags = cap;
        }
        const char *name = quire_arena_strdup(a, doc->tags.items[i]);
        const char *slug_t = html_tag_slug(a, name);
        p->tags[p->n_tags++] = (html_tagref){name, slug_t, quire__html_cat(a, "tags/", slug_t, "/"),
                                             p->n_entries};
        e->n_tags++;
    }
    p->n_entries++;
    return QUIRE_OK;
}

/* A document's page (build mode) rendered for OUTDIR/<slug>/index.html,
 * before its images are published and its links resolved. */
typedef struct html_page {
    char *slug;               /* what it was rendered for, malloc'd */
    quire__bytes *bytes;      /* the page: shared with the folder's thread */
    const char *text;         /* bytes' data, or NULL (no page) */
    size_t len;
    html_pub_page *pg;        /* its images, links and warnings */
    const char *image;        /* the featured image as published (in pg), or NULL */
    bool image_local;
} html_page;

static void html_page_free(html_page *pg)
{
    if (!pg)
        return;
    free(pg->slug);
    quire__bytes_unref(pg->bytes);
    quire__html_pub_page_free(pg->pg);
    free(pg);
}

/* A page's scratch arena takes its copy of the body (~110 bytes a node)
 * and its template values: ~25 KB on the bench corpus, in one block rather
 * than 4 + 8 + 16 KB and what follows. */
#define HTML_PAGE_ARENA (32u * 1024u)

/* What a page holds besides its body, about: its head, header, JSON-LD
 * and footer (a few KB; more only costs a realloc). */
#define HTML_PAGE_EXTRA (8u * 1024u)

/* Render doc's page.  Reads only what begin() set up, so it runs on any
 * thread.  names: NULL, or an earlier try whose commit asked for a redo. */
static int html_render_page(const quire_writer_ctx *ctx, const quire_document *doc,
                            const char *slug, const html_pub_page *names, html_page **out)
{
    const html_priv *p = ctx->priv;
    *out = NULL;
    /* malloc and a zeroed struct, not calloc: glibc's calloc skips the
     * thread cache and sorts freed chunks first (~700 instructions a
     * page against ~50) */
    html_page *pg = malloc(sizeof *pg);
    if (pg)
        *pg = (html_page){0};
    quire_arena *a = quire__arena_new_sized(HTML_PAGE_ARENA);
    if (!pg || !a || !(pg->slug = strdup(slug)) || !(pg->pg = quire__html_pub_page_new(names))) {
        quire_arena_free(a);
        html_page_free(pg);
        return QUIRE_ERR_NOMEM;
    }
    /* The body stays in its buffer while the page around it renders into
     * another, made the size of both at once: a copy of a body of some
     * KB into the arena took a fresh block, zeroed, per page. */
    quire_buf body_buf, buf, jsonld;
    quire__buf_init(&body_buf);
    quire__buf_init(&buf);
    quire__buf_init(&jsonld);
    pg->image = quire__html_pub_image(p->pub, pg->pg, a, doc, &pg->image_local);
    const char *content = html_body_buf(p, a, doc, slug, pg->pg, &body_buf);
    int rc = QUIRE_ERR_NOMEM;
    if (content && quire__buf_reserve(&buf, body_buf.len + HTML_PAGE_EXTRA)) {
        /* The page's fields serve as its one article too: inside
         * {{#articles}} a name resolves the same either way.  What every
         * document page shares (site, stylesheet, feeds) was made once, in
         * begin(). */
        const html_tv tv = {a, false};
        quire_value *m = quire__tpl_map(a);
        html_doc_fields(ctx, &tv, m, doc, slug, "../", content, body_buf.len, pg->image,
                        pg->image_local, &jsonld);
        quire_value *arts = quire__tpl_list(a);
        quire_value_append(a, arts, NULL, m);
        quire__tpl_put_ref(m, "articles", arts);
        quire__tpl_render_outer(p->page_outer, m, &buf);
        if (!buf.oom) {
            char *text = quire__buf_detach_fit(&buf, &pg->len);
            if (text && (pg->bytes = quire__bytes_adopt(text, pg->len)))
                pg->text = quire__bytes_data(pg->bytes, &pg->len);
            else
                free(text);
            rc = pg->bytes ? QUIRE_OK : QUIRE_ERR_NOMEM;
        }
    }
    quire__buf_free(&buf);
    quire__buf_free(&body_buf);
    quire__buf_free(&jsonld);
    quire_arena_free(a);
    if (rc != QUIRE_OK) {
        html_page_free(pg);
        return rc;
    }
    *out = pg;
    return QUIRE_OK;
}

/* The part of writing a page that needs no shared state, on the build's
 * worker threads.  The slug is the document's own: the build made it
 * unique, and write_document renders again in the rare case it is not. */
static int html_prepare(const quire_writer_ctx *ctx, const quire_document *doc,
                        quire_diag_list *diags, void **out)
{
    const html_priv *p = ctx->priv;
    (void)diags; /* warnings travel with the page, to keep their order */
    *out = NULL;
    if (p->standalone || !doc->slug)
        return QUIRE_OK;
    html_page *pg = NULL;
    int rc = html_render_page(ctx, doc, doc->slug, NULL, &pg);
    *out = pg;
    return rc;
}

static void html_release(void *prepared)
{
    html_page_free(prepared);
}

static int html_write_standalone(quire_writer_ctx *ctx, const quire_document *doc)
{
    html_priv *p = ctx->priv;
    /* Kept in the writer's arena: the document may be freed after this. */
    /* No output folder to copy images into: srcs stay as written. */
    quire_value *art = quire__tpl_map(p->arena);
    const char *content = html_body(p, p->arena, doc, doc->slug, NULL, &p->buf);
    if (!content)
        return QUIRE_ERR_NOMEM;
    const html_tv tv = {p->arena, true};
    quire_buf jsonld;
    quire__buf_init(&jsonld);
    html_doc_fields(ctx, &tv, art, doc, doc->slug, "", content, 0, doc->image.src, false,
                    &jsonld);
    quire_value_append(p->arena, p->articles, NULL, art);
    if (!p->first_doc) {
        p->first_doc = quire__tpl_map(p->arena);
        html_doc_fields(ctx, &tv, p->first_doc, doc, doc->slug, "", NULL, 0, doc->image.src,
                        false, &jsonld);
    }
    quire__buf_free(&jsonld);
    return QUIRE_OK;
}

/* Publish a rendered page: its images (rendering it again when one got
 * another name), its warnings, its links; then the file itself, or the
 * spool when it links to documents still to come; then its entry for the
 * index and tag pages.  page stays the caller's; slug (its own, in the
 * writer's arena) is kept for those pages. */
static int html_publish_page(quire_writer_ctx *ctx, const quire_document *doc, const char *slug,
                             html_page *page)
{
    html_priv *p = ctx->priv;
    html_page *owned = NULL; /* a page rendered again here */
    bool redo = false;
    int rc = quire__html_pub_commit(p->pub, page->pg, &redo);
    /* Each try publishes what it can, so the names settle: the second
     * one normally holds; more only if a file changed meanwhile. */
    for (int tries = 0; rc == QUIRE_OK && redo; tries++) {
        html_page *again = NULL;
        rc = tries < 3 ? html_render_page(ctx, doc, page->slug, page->pg, &again) : QUIRE_ERR_IO;
        if (rc == QUIRE_OK)
            rc = quire__html_pub_commit(p->pub, again->pg, &redo);
        html_page_free(owned);
        if (again)
            page = owned = again;
    }
    char *rel = NULL;
    if (rc == QUIRE_OK) {
        quire_diag_list_move(ctx->diags, quire__html_pub_page_diags(page->pg));
        size_t n = strlen(page->slug);
        if ((rel = malloc(n + sizeof "/index.html"))) {
            memcpy(rel, page->slug, n);
            memcpy(rel + n, "/index.html", sizeof "/index.html");
        } else {
            rc = QUIRE_ERR_NOMEM;
        }
    }
    const char *text = page->text ? page->text : "";
    if (rc != QUIRE_OK) {
        /* nothing more */
    } else if (!quire__html_pub_has_links(page->pg)) {
        rc = page->bytes ? html_write_file_bytes(ctx, rel, page->bytes)
                         : quire__html_write_file(ctx, rel, text, page->len);
    } else {
        bool deferred = false;
        quire__buf_reset(&p->buf);
        rc = quire__html_pub_resolve_links(p->pub, page->pg, text, page->len, &p->buf, &deferred);
        if (rc == QUIRE_OK && deferred) /* links to documents still to come: written in end() */
            rc = quire__html_pub_defer(p->pub, rel, quire__buf_cstr(&p->buf), p->buf.len);
        else if (rc == QUIRE_OK)
            rc = quire__html_write_file(ctx, rel, quire__buf_cstr(&p->buf), p->buf.len);
    }
    if (rc == QUIRE_OK)
        rc = html_push_entry(p, doc, slug, page->image, page->image_local);
    free(rel);
    html_page_free(owned);
    return rc;
}

static int html_write_document(quire_writer_ctx *ctx, const quire_document *doc)
{
    html_priv *p = ctx->priv;
    if (p->standalone)
        return html_write_standalone(ctx, doc);
    /* The build made slugs unique already; this covers direct library use
     * (quire_write) and keeps pages from overwriting each other. */
    const char *slug = quire__slug_claim(p->slugs, p->arena, doc->slug, html_or(doc->id, doc->source_path));
    if (!slug)
        return QUIRE_ERR_NOMEM;
    if (doc->slug && strcmp(slug, doc->slug) != 0)
        quire_diag_add(ctx->diags, QUIRE_SEV_WARNING, "html", doc->source_path, 0, 0,
                       "slug '%s' is taken or unsafe: page written as '%s/index.html'", doc->slug, slug);
    int rc = quire__html_pub_register(p->pub, doc, slug);
    if (rc != QUIRE_OK)
        return rc;
    /* What prepare() rendered (the build releases it), unless it was not
     * run or rendered for another slug. */
    html_page *page = ctx->prepared, *own = NULL;
    if (!page || strcmp(page->slug, slug) != 0) {
        if ((rc = html_render_page(ctx, doc, slug, NULL, &own)) != QUIRE_OK)
            return rc;
        page = own;
    }
    rc = html_publish_page(ctx, doc, slug, page);
    html_page_free(own);
    return rc;
}

/* An entry of the index or a tag page, for a page at root ("" or
 * "../../").  Strings are the writer's own (p->arena): referenced. */
static quire_value *html_entry_value(quire_arena *a, const html_priv *p, const html_entry *e,
                                     const char *root)
{
    quire_value *m = quire__tpl_map(a);
    quire__tpl_ref(a, m, "title", e->title);
    quire__tpl_ref(a, m, "href", *root ? quire__html_cat(a, root, e->href, NULL) : e->href);
    quire__tpl_ref(a, m, "slug", e->slug);
    quire__tpl_ref(a, m, "summary", e->summary);
    quire__tpl_ref(a, m, "author_names", e->author_names);
    quire__tpl_ref(a, m, "published", e->published_dt);
    quire__tpl_ref(a, m, "published_text", e->published_text);
    quire_value *tags = quire__tpl_list(a);
    for (size_t i = 0; i < e->n_tags; i++) {
        const html_tagref *t = &p->tags[e->first_tag + i];
        quire_value *tv = quire__tpl_map(a);
        quire__tpl_ref(a, tv, "name", t->name);
        quire__tpl_ref(a, tv, "href", *root ? quire__html_cat(a, root, t->href, NULL) : t->href);
        quire_value_append(a, tags, NULL, tv);
    }
    quire__tpl_put_ref(m, "tags", tags);
    if (e->image) {
        quire_value *img = quire__tpl_map(a);
        quire__tpl_ref(a, img, "src", e->image_local ? quire__html_cat(a, root, e->image, NULL) : e->image);
        quire__tpl_ref(a, img, "alt", e->image_alt);
        quire__tpl_put_ref(m, "image", img);
    }
    return m;
}

/* The entries of the index and tag pages: one stand-in per entry
 * (template.h), whose value for a page at root is made only when a page
 * renders it (for a tag page: when the memo has no text for it), and
 * dropped after.  So the values of a whole listing never exist at once. */
typedef struct html_stand_ins {
    const html_priv *p;
    quire_value *v;   /* v[i]: entry i */
    const char *root; /* of the pages rendered */
} html_stand_ins;

static const quire_value *html_stand_in_value(void *user, quire_arena *a, const quire_value *item)
{
    const html_stand_ins *s = user;
    uintptr_t at = (uintptr_t)item, lo = (uintptr_t)s->v;
    if (at < lo || at >= lo + s->p->n_entries * sizeof *s->v)
        return item;
    return html_entry_value(a, s->p, &s->p->entries[(at - lo) / sizeof *s->v], s->root);
}

static int html_cmp_tagref(const void *x, const void *y)
{
    const html_tagref *a = *(html_tagref *const *)x, *b = *(html_tagref *const *)y;
    int c = strcmp(a->slug, b->slug);
    if (c)
        return c;
    return a->entry < b->entry ? -1 : a->entry > b->entry;
}

static int html_end_standalone(quire_writer_ctx *ctx)
{
    html_priv *p = ctx->priv;
    quire_arena *a = p->arena;
    quire_value *m = p->first_doc && p->articles->count == 1 ? p->first_doc : quire__tpl_map(a);
    if (m != p->first_doc) {
        /* several documents on one page: the head describes the site */
        quire__tpl_set(a, m, "title", html_or(ctx->site->title, "Untitled"));
        quire__tpl_set(a, m, "description", ctx->site->description);
        quire__tpl_set(a, m, "lang", html_or(html_lang(ctx->site->language), "en"));
        quire__tpl_set(a, m, "og_type", "website");
        quire__tpl_set(a, m, "twitter_card", "summary");
    }
    html_common(ctx, a, m, "", NULL);
    quire__tpl_put(a, m, "articles", p->articles);
    quire__buf_reset(&p->buf);
    quire__tpl_render(p->page, m, &p->buf);
    if (p->buf.oom)
        return QUIRE_ERR_NOMEM;
    return quire_sink_write(ctx->out, quire__buf_cstr(&p->buf), p->buf.len);
}

/* The home page, rendered on a thread of its own while the tag pages
 * render on the writer's: both only read the entries (html_priv is
 * read-only by now) and the folder takes sinks from several threads.  It
 * has stand-ins of its own (a stand-in is linked into one list at a time),
 * its own buffer, and a list of its own for diagnostics, merged first. */
typedef struct html_home {
    quire_writer_ctx ctx;     /* the writer's, but for diags */
    const quire_value *data;  /* the page's fields; entries are stand.v */
    quire_sink *sink;         /* index.html, opened before the tag pages' files
                                 so that the folder's manifest lists them in
                                 the same order every time */
    int open_rc;
    html_stand_ins stand;
    quire_buf buf;
    quire_diag_list diags;
    int rc;
} html_home;

static void *html_home_run(void *arg)
{
    html_home *h = arg;
    const html_priv *p = h->ctx.priv;
    /* the home page reads stand-ins through a memo that keeps nothing */
    quire_tpl_memo *memo = quire__tpl_memo_new(p->index, NULL);
    if (memo) {
        quire__tpl_memo_expand(memo, html_stand_in_value, &h->stand);
        quire__tpl_render_memo(p->index, NULL, h->data, memo, &h->buf);
        quire__tpl_memo_free(memo);
    }
    if (!memo || h->buf.oom) {
        quire_sink_abort(h->sink);
        h->rc = QUIRE_ERR_NOMEM;
        return NULL;
    }
    h->rc = html_finish_file(&h->ctx, "index.html", h->sink, h->open_rc,
                             quire__buf_cstr(&h->buf), h->buf.len);
    return NULL;
}

/* The home page's fields, its entries h's stand-ins. */
static quire_value *html_home_data(quire_writer_ctx *ctx, quire_arena *a, html_home *h,
                                   html_tagref **sorted)
{
    const html_priv *p = ctx->priv;
    const quire_site *site = ctx->site;
    quire_value *m = quire__tpl_map(a);
    html_common(ctx, a, m, "", NULL);
    const char *title = html_or(site->title, "Untitled");
    quire__tpl_set(a, m, "title", title);
    quire__tpl_set(a, m, "heading", title);
    quire__tpl_set(a, m, "description", site->description);
    quire__tpl_set(a, m, "lang", html_or(html_lang(site->language), "en"));
    quire__tpl_set(a, m, "canonical", site->base_url);
    quire__tpl_set(a, m, "jsonld", html_jsonld_site(a, site, title, site->base_url, true));
    quire_value *entries = quire__tpl_list(a);
    for (size_t i = 0; i < p->n_entries; i++)
        quire_value_append(a, entries, NULL, &h->stand.v[i]);
    quire__tpl_put(a, m, "entries", entries);
    quire_value *tag_list = quire__tpl_list(a);
    for (size_t i = 0; i < p->n_tags;) {
        size_t j = i, n = 0;
        for (; j < p->n_tags && strcmp(sorted[j]->slug, sorted[i]->slug) == 0; j++)
            if (j == i || sorted[j]->entry != sorted[j - 1]->entry)
                n++;
        quire_value *t = quire__tpl_map(a);
        quire__tpl_set(a, t, "name", sorted[i]->name);
        quire__tpl_set(a, t, "href", quire_arena_printf(a, "tags/%s/", sorted[i]->slug));
        quire__tpl_set(a, t, "count", quire_arena_printf(a, "%zu", n));
        quire_value_append(a, tag_list, NULL, t);
        i = j;
    }
    quire__tpl_put(a, m, "tag_list", tag_list);
    return m;
}

/* One page per tag, each from its run of the sorted pairs.  An entry shows
 * on the page of each of its tags: its stand-in is linked into each page's
 * list, and the memo renders it once. */
static int html_tag_pages(quire_writer_ctx *ctx, html_tagref **sorted, html_stand_ins *stand)
{
    html_priv *p = ctx->priv;
    const quire_site *site = ctx->site;
    const char *title = html_or(site->title, "Untitled");
    const quire_tpl *tag_tpl = p->tag ? p->tag : p->index;
    quire_tpl_memo *memo = quire__tpl_memo_new(tag_tpl, "entries");
    if (!memo)
        return QUIRE_ERR_NOMEM;
    quire__tpl_memo_expand(memo, html_stand_in_value, stand);
    int rc = QUIRE_OK;
    for (size_t i = 0; rc == QUIRE_OK && i < p->n_tags;) {
        quire_arena *ta = quire_arena_new();
        if (!ta) {
            rc = QUIRE_ERR_NOMEM;
            break;
        }
        const html_tagref *t0 = sorted[i];
        const char *dir = quire_arena_printf(ta, "tags/%s/", t0->slug);
        quire_value *tm = quire__tpl_map(ta);
        html_common(ctx, ta, tm, "../../", dir);
        const char *ttitle = quire_arena_printf(ta, "%s \xE2\x80\x94 %s", t0->name, title);
        const char *canonical = site->base_url ? quire_arena_printf(ta, "%s%s", site->base_url, dir) : NULL;
        quire__tpl_set(ta, tm, "title", ttitle);
        quire__tpl_set(ta, tm, "heading", quire_arena_printf(ta, "Tag: %s", t0->name));
        quire__tpl_set(ta, tm, "tag", t0->name);
        quire__tpl_set(ta, tm, "lang", html_or(html_lang(site->language), "en"));
        quire__tpl_set(ta, tm, "canonical", canonical);
        quire__tpl_set(ta, tm, "jsonld", html_jsonld_site(ta, site, ttitle, canonical, false));
        quire_value *tentries = quire__tpl_list(ta);
        size_t j = i;
        for (; j < p->n_tags && strcmp(sorted[j]->slug, t0->slug) == 0; j++)
            if (j == i || sorted[j]->entry != sorted[j - 1]->entry)
                quire_value_append(ta, tentries, NULL, &stand->v[sorted[j]->entry]);
        quire__tpl_put(ta, tm, "entries", tentries);
        rc = html_render_to_file(ctx, tag_tpl, memo, tm, quire_arena_printf(ta, "%sindex.html", dir));
        quire_arena_free(ta);
        i = j;
    }
    quire__tpl_memo_free(memo);
    return rc;
}

static int html_end(quire_writer_ctx *ctx)
{
    html_priv *p = ctx->priv;
    if (p->standalone)
        return html_end_standalone(ctx);
    /* pages that waited for their link targets first */
    int prc = quire__html_pub_finish(p->pub);
    if (prc != QUIRE_OK)
        return prc;
    quire_arena *a = quire_arena_new();
    html_tagref **sorted = p->n_tags ? malloc(p->n_tags * sizeof *sorted) : NULL;
    size_t n = p->n_entries;
    html_home home = {.ctx = *ctx, .stand = {p, n ? calloc(n, sizeof(quire_value)) : NULL, ""}};
    html_stand_ins tags = {p, n ? calloc(n, sizeof(quire_value)) : NULL, "../../"};
    quire_writer_ctx tctx = *ctx; /* the tag pages' diagnostics wait for the home page's */
    quire_diag_list tag_diags;
    quire_diag_list_init(&home.diags);
    quire_diag_list_init(&tag_diags);
    home.ctx.diags = &home.diags;
    tctx.diags = &tag_diags;
    quire__buf_init(&home.buf);
    int rc = QUIRE_OK;
    if (!a || (p->n_tags && !sorted) || (n && (!home.stand.v || !tags.v))) {
        rc = QUIRE_ERR_NOMEM;
        goto out;
    }
    for (size_t i = 0; i < p->n_tags; i++)
        sorted[i] = &p->tags[i];
    if (p->n_tags) /* qsort(NULL, 0, ...) is undefined behaviour */
        qsort(sorted, p->n_tags, sizeof *sorted, html_cmp_tagref);

    /* The home page and the tag pages at once: the end of the build waits
     * for this writer alone at 10,000 documents, with a core to spare. */
    home.data = html_home_data(ctx, a, &home, sorted);
    home.open_rc = quire_outdir_sink(ctx->outdir, "index.html", &home.sink);
    pthread_t th;
    bool threaded = p->n_tags && pthread_create(&th, NULL, html_home_run, &home) == 0;
    if (!threaded)
        html_home_run(&home);
    int trc = html_tag_pages(&tctx, sorted, &tags);
    if (threaded)
        pthread_join(th, NULL);
    quire_diag_list_move(ctx->diags, &home.diags);
    quire_diag_list_move(ctx->diags, &tag_diags);
    rc = home.rc ? home.rc : trc;
    if (rc == QUIRE_OK)
        rc = quire__html_write_file(ctx, "style.css", p->css, strlen(p->css));
out:
    quire_diag_list_free(&home.diags);
    quire_diag_list_free(&tag_diags);
    quire__buf_free(&home.buf);
    free(home.stand.v);
    free(tags.v);
    free(sorted);
    quire_arena_free(a);
    return rc;
}

static void html_close(quire_writer_ctx *ctx)
{
    html_priv *p = ctx->priv;
    if (!p)
        return;
    quire__tpl_outer_free(p->page_outer);
    quire__tpl_free(p->page);
    quire__tpl_free(p->index);
    quire__tpl_free(p->tag);
    free(p->css_owned);
    free(p->entries);
    free(p->tags);
    quire__slugset_free(p->slugs);
    quire__html_pub_free(p->pub);
    quire__buf_free(&p->buf);
    quire_arena_free(p->arena);
}

const quire_writer quire_writer_html = {
    .version = QUIRE_COMPONENT_VERSION,
    .name = "html",
    .long_name = "HTML5 site: index, one page per document and per tag",
    .extension = "index.html",
    .mime_type = "text/html",
    .flags = QUIRE_WRITER_MULTI,
    .default_filters = "sanitize",
    .priv_size = sizeof(html_priv),
    .begin = html_begin,
    .write_document = html_write_document,
    .prepare = html_prepare,
    .release = html_release,
    .end = html_end,
    .close = html_close,
};
