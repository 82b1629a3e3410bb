/*
 * feed_common.c — the document-to-feed-item mapping shared by the jsonfeed,
 * rss and atom writers, the per-document memo that lets the build write a
 * document into many feed sets for little more than the cost of one, and
 * the XML writer of the two XML feeds (libxml2's xmlTextWriter's bytes,
 * without its per-call cost).
 *
 * Why one mapping: a reader that follows a site through both its RSS and its
 * JSON Feed (or switches from one to the other) must see the same items with
 * the same ids, or it shows everything again as new.  Every rule that picks
 * a value (id, link, date, title, summary) therefore lives here, once.
 *
 * Why derived tag: ids: Atom requires an absolute IRI that never changes.
 * A document id such as "7938" or "posts/hello" is stable but not an IRI;
 * "tag:example.com,2000:7938" (RFC 4151) is, and depends only on the site's
 * host and the document's own id — not on dates that may be corrected, nor
 * on the permalink layout.  The date part is fixed for that reason.
 */
#include "feed_common.h"

#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

/* ------------------------------------------------------------ text helpers */

static bool feed_is_space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

/* Clean for XML, then collapse every run of white space into one space and
 * trim: titles and summaries are one line in every reader. */
static const char *feed_one_line(quire_arena *a, const char *s)
{
    s = quire__xml_clean(a, s);
    if (!s)
        return NULL;
    size_t n = strlen(s);
    char *out = quire_arena_alloc(a, n + 1);
    if (!out)
        return NULL;
    size_t k = 0;
    bool space = false;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (feed_is_space(*p)) {
            space = k > 0;
            continue;
        }
        if (space)
            out[k++] = ' ';
        space = false;
        out[k++] = (char)*p;
    }
    out[k] = '\0';
    return out;
}

/* s cut at a word boundary to at most max bytes plus "…"; s itself when it
 * is short enough.  Never cuts inside a UTF-8 sequence. */
static const char *feed_truncate(quire_arena *a, const char *s, size_t max)
{
    size_t n = strlen(s);
    if (n <= max)
        return s;
    size_t cut = max;
    while (cut > 0 && ((unsigned char)s[cut] & 0xC0) == 0x80)
        cut--;
    size_t space = cut;
    while (space > max / 2 && s[space] != ' ')
        space--;
    if (s[space] == ' ')
        cut = space;
    while (cut > 0 && s[cut - 1] == ' ')
        cut--;
    return quire_arena_printf(a, "%.*s\xE2\x80\xA6", (int)cut, s);
}

static bool feed_has_text(const char *s)
{
    return s && *s;
}

/* ------------------------------------------------------------------- URLs */

/* Bytes a URL or IRI cannot hold raw (RFC 3987): controls, space and the
 * delimiters that are never allowed.  Non-ASCII stays (it is an IRI).
 * Asked of every byte of every URL: a switch, not a strchr call a byte. */
static bool feed_url_byte_bad(unsigned char c)
{
    switch (c) {
    case '"': case '<': case '>': case '\\': case '^': case '`': case '{': case '|': case '}':
    case 0x7F:
        return true;
    default:
        return c <= 0x20;
    }
}

static const char *feed_url_escape(quire_arena *a, const char *s)
{
    size_t extra = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (feed_url_byte_bad(*p))
            extra += 2;
    if (!extra)
        return s;
    char *out = quire_arena_alloc(a, strlen(s) + extra + 1);
    if (!out)
        return NULL;
    char *o = out;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (feed_url_byte_bad(*p))
            o += sprintf(o, "%%%02X", *p);
        else
            *o++ = (char)*p;
    }
    *o = '\0';
    return out;
}

/* "http://host..." or "https://host..." with a non-empty host. */
static bool feed_is_http(const char *u)
{
    size_t k;
    if (strncasecmp(u, "http://", 7) == 0)
        k = 7;
    else if (strncasecmp(u, "https://", 8) == 0)
        k = 8;
    else
        return false;
    return u[k] && u[k] != '/' && u[k] != '?' && u[k] != '#';
}

const char *quire__feed_abs_url(quire_arena *a, const char *base, const char *ref)
{
    ref = quire__xml_clean(a, ref);
    if (!ref)
        return NULL;
    while (feed_is_space((unsigned char)*ref))
        ref++;
    size_t n = strlen(ref);
    while (n && feed_is_space((unsigned char)ref[n - 1]))
        n--;
    if (!n)
        return NULL;
    char *r = quire_arena_strndup(a, ref, n);
    if (!r)
        return NULL;
    const char *u = quire__url_has_scheme(r) || !base ? r : quire__url_resolve(a, base, r);
    if (!u || !feed_is_http(u))
        return NULL;
    return feed_url_escape(a, u);
}

const char *quire__feed_site_link(quire_arena *a, const quire_site *site)
{
    const char *u = site && site->base_url ? quire__feed_abs_url(a, NULL, site->base_url) : NULL;
    return u ? u : QUIRE_FEED_FALLBACK_BASE;
}

const char *quire__feed_host(quire_arena *a, const quire_site *site)
{
    const char *link = quire__feed_site_link(a, site);
    const char *h = strstr(link, "://");
    if (!h)
        return QUIRE_FEED_FALLBACK_HOST;
    h += 3;
    size_t end = strcspn(h, "/?#");
    const char *at = memchr(h, '@', end); /* userinfo is never part of the host */
    if (at) {
        end -= (size_t)(at + 1 - h);
        h = at + 1;
    }
    size_t len = strcspn(h, ":/?#");
    if (len > end)
        len = end;
    char *host = quire_arena_strndup(a, h, len);
    if (!host || !len)
        return QUIRE_FEED_FALLBACK_HOST;
    /* A tag: authority is a DNS name: anything else (IP literals, IDN in
     * raw UTF-8) falls back rather than producing an invalid IRI. */
    for (char *p = host; *p; p++) {
        if (*p >= 'A' && *p <= 'Z')
            *p = (char)(*p - 'A' + 'a');
        if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-' || *p == '.'))
            return QUIRE_FEED_FALLBACK_HOST;
    }
    return host;
}

const char *quire__feed_self_url(quire_arena *a, const quire_writer_ctx *ctx)
{
    const char *u = ctx->self_url ? quire__feed_abs_url(a, NULL, ctx->self_url) : NULL;
    if (u)
        return u;
    const char *path = ctx->self_path ? ctx->self_path
                       : ctx->writer && ctx->writer->extension ? ctx->writer->extension
                                                               : "";
    u = quire__feed_abs_url(a, quire__feed_site_link(a, ctx->site), path);
    return u ? u : quire__feed_site_link(a, ctx->site);
}

/* The specific part of a tag: URI (RFC 4151): pchar, "/" and "?" stay,
 * everything else (including non-ASCII, for a plain-ASCII id) is
 * percent-encoded. */
static const char *feed_tag_specific(quire_arena *a, const char *s)
{
    quire_buf b;
    quire__buf_init(&b);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        unsigned char c = *p;
        bool keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    (c && strchr("-._~!$&'()*+,;=:@/?", c));
        if (keep)
            quire__buf_putc(&b, (char)c);
        else
            quire__buf_printf(&b, "%%%02X", c);
    }
    const char *r = quire_arena_strdup(a, quire__buf_cstr(&b));
    quire__buf_free(&b);
    return r;
}

static const char *feed_tag_uri(quire_arena *a, const quire_site *site, const char *specific)
{
    return quire_arena_printf(a, "tag:%s,%s:%s", quire__feed_host(a, site), QUIRE_FEED_TAG_DATE,
                              feed_tag_specific(a, specific));
}

const char *quire__feed_title(quire_arena *a, const quire_writer_ctx *ctx)
{
    const char *t = ctx->site && ctx->site->title ? ctx->site->title : "";
    if (ctx->title_suffix)
        t = quire_arena_printf(a, "%s%s", t, ctx->title_suffix);
    t = feed_one_line(a, t);
    return feed_has_text(t) ? t : "Untitled";
}

const char *quire__feed_id(quire_arena *a, const quire_writer_ctx *ctx)
{
    const char *path = ctx->self_path ? ctx->self_path : "feed";
    return feed_tag_uri(a, ctx->site, quire__xml_clean(a, path));
}

/* An id usable as is: an absolute URI (a scheme) with nothing a URI or IRI
 * cannot hold raw. */
static bool feed_is_abs_uri(const char *s)
{
    if (!quire__url_has_scheme(s))
        return false;
    const char *colon = strchr(s, ':');
    if (!colon[1])
        return false;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (feed_url_byte_bad(*p))
            return false;
    return true;
}

const char *quire__feed_item_url(quire_arena *a, const quire_document *doc,
                                 const quire_site *site)
{
    const char *link = quire__feed_site_link(a, site);
    const char *u = quire__feed_abs_url(a, link, doc->url);
    if (!u && feed_has_text(doc->slug))
        u = quire__feed_abs_url(a, link, quire_arena_printf(a, "%s/", doc->slug));
    return u ? u : link;
}

const char *quire__feed_item_id(quire_arena *a, const quire_document *doc,
                                const quire_site *site)
{
    const char *id = quire__xml_clean(a, doc->id);
    if (!feed_has_text(id))
        return quire__feed_item_url(a, doc, site);
    if (feed_is_abs_uri(id))
        return id;
    return feed_tag_uri(a, site, id);
}

const char *quire__feed_language(quire_arena *a, const char *s)
{
    /* RFC 4287: [A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})* */
    if (!s || !*s)
        return NULL;
    size_t run = 0;
    bool first = true;
    for (const char *p = s;; p++) {
        char c = *p;
        if (c == '-' || c == '\0') {
            if (run < 1 || run > 8)
                return NULL;
            if (!c)
                break;
            first = false;
            run = 0;
            continue;
        }
        bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
        if (!alpha && (first || !(c >= '0' && c <= '9')))
            return NULL;
        run++;
    }
    return quire_arena_strdup(a, s);
}

static const char *feed_email(quire_arena *a, const char *s)
{
    s = quire__xml_clean(a, s);
    if (!s)
        return NULL;
    const char *at = strchr(s, '@');
    if (!at || at == s || !at[1])
        return NULL;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p <= 0x20 || strchr("<>\"()", *p))
            return NULL;
    return s;
}

quire_author *quire__feed_authors(quire_arena *a, const quire_author *in, size_t n,
                                  const char *base, size_t *n_out)
{
    *n_out = 0;
    if (!n)
        return NULL;
    quire_author *out = quire_arena_alloc(a, n * sizeof *out);
    if (!out)
        return NULL;
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        quire_author au = {
            .name = feed_one_line(a, in[i].name),
            .email = feed_email(a, in[i].email),
            .url = quire__feed_abs_url(a, base, in[i].url),
            .avatar = quire__feed_abs_url(a, base, in[i].avatar),
        };
        if (!feed_has_text(au.name))
            au.name = au.email ? au.email : au.url;
        if (!au.name)
            continue;
        out[k++] = au;
    }
    *n_out = k;
    return out;
}

/* --------------------------------------------------------------- the image */

/* MIME type from the first bytes of a file: only the image formats feed
 * readers display.  NULL when it is none of them. */
static const char *feed_image_magic(const unsigned char *b, size_t n)
{
    if (n >= 8 && memcmp(b, "\x89PNG\r\n\x1a\n", 8) == 0)
        return "image/png";
    if (n >= 3 && memcmp(b, "\xFF\xD8\xFF", 3) == 0)
        return "image/jpeg";
    if (n >= 6 && (memcmp(b, "GIF87a", 6) == 0 || memcmp(b, "GIF89a", 6) == 0))
        return "image/gif";
    if (n >= 12 && memcmp(b, "RIFF", 4) == 0 && memcmp(b + 8, "WEBP", 4) == 0)
        return "image/webp";
    /* SVG is text: an <svg element near the start, after an optional BOM,
     * XML declaration, comments or doctype. */
    size_t i = (n >= 3 && memcmp(b, "\xEF\xBB\xBF", 3) == 0) ? 3 : 0;
    while (i < n && feed_is_space(b[i]))
        i++;
    if (i < n && b[i] == '<') {
        for (size_t j = i; j + 4 <= n; j++)
            if (memcmp(b + j, "<svg", 4) == 0)
                return "image/svg+xml";
    }
    return NULL;
}

static int feed_hex(char c)
{
    return c >= '0' && c <= '9' ? c - '0'
           : c >= 'a' && c <= 'f' ? c - 'a' + 10
           : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                  : -1;
}

/* dir + "/" + the percent-decoded path of a relative reference (query and
 * fragment dropped): the file that reference names.  NULL when dir or the
 * reference is missing. */
static char *feed_local_path(quire_arena *a, const char *dir, const char *ref)
{
    if (!dir || !ref)
        return NULL;
    size_t n = strcspn(ref, "?#");
    char *dec = quire_arena_alloc(a, n + 1);
    if (!dec)
        return NULL;
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        int hi = i + 2 < n ? feed_hex(ref[i + 1]) : -1, lo = hi >= 0 ? feed_hex(ref[i + 2]) : -1;
        if (ref[i] == '%' && lo >= 0) {
            dec[k++] = (char)(hi * 16 + lo);
            i += 2;
        } else {
            dec[k++] = ref[i];
        }
    }
    dec[k] = '\0';
    if (!k || memchr(dec, '\0', k) != NULL) /* "%00" */
        return NULL;
    return quire_arena_printf(a, "%s/%s", dir, dec);
}

/* The folder of the document's source file, or NULL for stdin. */
static const char *feed_source_dir(quire_arena *a, const char *source_path)
{
    if (!source_path || !*source_path || !strcmp(source_path, "-"))
        return NULL;
    const char *slash = strrchr(source_path, '/');
    if (!slash)
        return ".";
    return slash == source_path ? "/" : quire_arena_strndup(a, source_path, (size_t)(slash - source_path));
}

/* url relative to the folder of page when both share one origin: the
 * inverse of resolving.  The absolute-urls filter has usually resolved the
 * document's image against its permalink before a writer sees it
 * ("../images/x.png" on "https://h/posts/a/" became
 * "https://h/posts/images/x.png"); this gives the relative form back, so
 * the local file can still be found.  NULL across origins. */
static const char *feed_unresolve(quire_arena *a, const char *page, const char *url)
{
    const char *ps = strstr(page, "://"), *us = strstr(url, "://");
    if (!ps || !us)
        return NULL;
    const char *pp = strchr(ps + 3, '/'), *up = strchr(us + 3, '/');
    if (!pp || !up || pp - page != up - url || strncasecmp(page, url, (size_t)(pp - page)) != 0)
        return NULL;
    size_t plen = strcspn(pp, "?#"), ulen = strcspn(up, "?#");
    size_t dir_len = 0; /* the page's folder, through its last '/' */
    for (size_t i = 0; i < plen; i++)
        if (pp[i] == '/')
            dir_len = i + 1;
    size_t common = 0;
    for (size_t i = 0; i < dir_len && i < ulen && pp[i] == up[i]; i++)
        if (pp[i] == '/')
            common = i + 1;
    quire_buf b;
    quire__buf_init(&b);
    for (size_t i = common; i < dir_len; i++)
        if (pp[i] == '/')
            quire__buf_puts(&b, "../");
    quire__buf_put(&b, up + common, ulen - common);
    const char *r = b.len ? quire_arena_strdup(a, quire__buf_cstr(&b)) : NULL;
    quire__buf_free(&b);
    return r;
}

/* Answers of feed_probe_file, kept for the process: with per-tag feeds a
 * document's image is probed once per feed it is in and per format (a stat,
 * an open and a read each time, ten per document).  Bounded; beyond that a
 * path is probed every time.  Never freed: they live as long as the process. */
#define FEED_PROBE_SLOTS 4096 /* power of two; at most half used */

static struct {
    pthread_mutex_t mu;
    struct feed_probed {
        char *path;
        bool ok;
        const char *mime_type; /* static */
        int64_t length;
    } slot[FEED_PROBE_SLOTS];
    size_t used;
} feed_probes = {.mu = PTHREAD_MUTEX_INITIALIZER};

static bool feed_probe_file(const char *path, quire_feed_image *img);

static bool feed_probe_image(const char *path, quire_feed_image *img)
{
    if (!path)
        return false;
    pthread_mutex_lock(&feed_probes.mu);
    size_t i = (size_t)quire__fnv1a64(path, strlen(path), 0) & (FEED_PROBE_SLOTS - 1);
    while (feed_probes.slot[i].path && strcmp(feed_probes.slot[i].path, path) != 0)
        i = (i + 1) & (FEED_PROBE_SLOTS - 1);
    struct feed_probed *e = &feed_probes.slot[i];
    bool ok;
    if (e->path) {
        ok = e->ok;
        if (ok) {
            img->mime_type = e->mime_type;
            img->length = e->length;
        }
    } else {
        ok = feed_probe_file(path, img);
        if (feed_probes.used < FEED_PROBE_SLOTS / 2 && (e->path = strdup(path))) {
            e->ok = ok;
            e->mime_type = ok ? img->mime_type : NULL;
            e->length = ok ? img->length : 0;
            feed_probes.used++;
        }
    }
    pthread_mutex_unlock(&feed_probes.mu);
    return ok;
}

/* Size and MIME type of a local image file; false when path is not a
 * regular file or not an image format feed readers show. */
static bool feed_probe_file(const char *path, quire_feed_image *img)
{
    struct stat st;
    if (!path || stat(path, &st) != 0 || !S_ISREG(st.st_mode))
        return false;
    FILE *f = fopen(path, "rb");
    if (!f)
        return false;
    unsigned char head[512];
    size_t got = fread(head, 1, sizeof head, f);
    fclose(f);
    const char *type = feed_image_magic(head, got);
    if (!type)
        return false;
    img->mime_type = type;
    img->length = (int64_t)st.st_size;
    return true;
}

/* The featured image: its absolute URL, and when it is a file of the
 * source tree, its real length and type (an RSS enclosure needs both).
 * The file is looked for beside the document first, then under the site's
 * folder (where quire.yaml is), the way the EPUB writer finds images. */
static void feed_image(quire_feed_image *img, quire_arena *a, const quire_document *doc,
                       const quire_site *site, const char *item_url)
{
    img->length = -1;
    const char *src = quire__xml_clean(a, doc->image.src);
    if (!feed_has_text(src))
        return;
    img->url = quire__feed_abs_url(a, item_url, src);
    if (!img->url)
        return;
    img->alt = feed_one_line(a, doc->image.alt);
    img->width = doc->image.width > 0 ? doc->image.width : 0;
    img->height = doc->image.height > 0 ? doc->image.height : 0;

    const char *rel = !quire__url_has_scheme(src) && src[0] != '/'
                          ? src
                          : feed_unresolve(a, item_url, img->url);
    const char *link = quire__feed_site_link(a, site);
    size_t ll = strlen(link);
    const char *site_rel = strncmp(img->url, link, ll) == 0 ? img->url + ll : NULL;
    const char *doc_dir = feed_source_dir(a, doc->source_path);
    const char *site_dir = site ? site->config_dir : NULL;
    const char *const tries[][2] = {{doc_dir, rel}, {site_dir, rel}, {site_dir, site_rel}};
    for (size_t i = 0; i < sizeof tries / sizeof tries[0]; i++)
        if (feed_probe_image(feed_local_path(a, tries[i][0], tries[i][1]), img))
            return;
}

/* --------------------------------------------------------------- the item */

static bool feed_date_ok(const quire_date *d)
{
    return d->set && d->month >= 1 && d->month <= 12 && d->day >= 1 && d->day <= 31 &&
           d->hour < 24 && d->minute < 60 && d->second < 61 && d->year >= 0;
}

static const char *const *feed_tags(quire_arena *a, const quire_document *doc, size_t *n_out)
{
    size_t cap = doc->tags.count + doc->categories.count, k = 0;
    *n_out = 0;
    if (!cap)
        return NULL;
    const char **out = quire_arena_alloc(a, cap * sizeof *out);
    if (!out)
        return NULL;
    const quire_strlist *lists[2] = {&doc->tags, &doc->categories};
    for (int l = 0; l < 2; l++) {
        for (size_t i = 0; i < lists[l]->count; i++) {
            const char *t = feed_one_line(a, lists[l]->items[i]);
            if (!feed_has_text(t))
                continue;
            bool dup = false;
            for (size_t j = 0; j < k && !dup; j++)
                dup = strcmp(out[j], t) == 0;
            if (!dup)
                out[k++] = t;
        }
    }
    *n_out = k;
    return out;
}

int quire__feed_item_init(quire_feed_item *item, quire_arena *a, const quire_document *doc,
                          const quire_writer_ctx *ctx)
{
    memset(item, 0, sizeof *item);
    const quire_site *site = ctx->site;
    item->url = quire__feed_item_url(a, doc, site);
    item->id = quire__feed_item_id(a, doc, site);
    if (!item->url || !item->id)
        return QUIRE_ERR_NOMEM;
    item->id_is_permalink = strcmp(item->id, item->url) == 0;
    item->external_url = quire__feed_abs_url(a, item->url, doc->external_url);
    item->language = quire__feed_language(a, doc->language);

    /* The summary: the document's own, else the start of its text. */
    const char *summary = feed_one_line(a, doc->summary);
    if (!feed_has_text(summary) && doc->body) {
        quire_buf text;
        quire__buf_init(&text);
        quire__render_text(&text, doc->body);
        /* Only the start is kept: collapse no more than can survive the cut
         * (on a UTF-8 boundary), not the whole text of a long document. */
        size_t keep = 4 * QUIRE_FEED_SUMMARY_MAX;
        if (text.len > keep) {
            while (keep > 0 && ((unsigned char)text.data[keep] & 0xC0) == 0x80)
                keep--;
            text.len = keep;
            text.data[keep] = '\0';
        }
        summary = feed_one_line(a, quire__buf_cstr(&text));
        quire__buf_free(&text);
        if (summary)
            summary = feed_truncate(a, summary, QUIRE_FEED_SUMMARY_MAX);
    }
    item->summary = feed_has_text(summary) ? summary : NULL;

    const char *title = feed_one_line(a, doc->title);
    if (!feed_has_text(title) && item->summary)
        title = feed_truncate(a, item->summary, QUIRE_FEED_TITLE_MAX);
    if (!feed_has_text(title))
        title = feed_one_line(a, doc->slug);
    item->title = feed_has_text(title) ? title : "Untitled";

    quire_date fallback = ctx->updated.set ? ctx->updated : quire_date_from_epoch(0);
    item->published = feed_date_ok(&doc->published)  ? doc->published
                      : feed_date_ok(&doc->modified) ? doc->modified
                                                     : fallback;
    item->updated = feed_date_ok(&doc->modified) &&
                            quire_date_compare(&doc->modified, &item->published) > 0
                        ? doc->modified
                        : item->published;

    item->authors = quire__feed_authors(a, doc->authors, doc->n_authors, item->url,
                                        &item->n_authors);
    item->tags = feed_tags(a, doc, &item->n_tags);
    feed_image(&item->image, a, doc, site, item->url);
    return QUIRE_OK;
}

/* ------------------------------------------------------------ the content */

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__ && \
    (defined(__GNUC__) || defined(__clang__))
#define FEED_SWAR 1
/* Scanning eight bytes at a time (loaded little-endian: the first byte is
 * the low byte).  feed_swar_zero flags (high bit) each zero byte of x; only
 * the lowest flagged byte is exact (the borrows run upwards), which is all
 * the callers use: where the first byte to look at is. */
#define FEED_ONES 0x0101010101010101ULL
#define FEED_HIGHS 0x8080808080808080ULL
static inline uint64_t feed_swar_zero(uint64_t x)
{
    return (x - FEED_ONES) & ~x & FEED_HIGHS;
}

/* The bytes quire__feed_clean_escape may not just copy: a control
 * character, a byte of a multibyte sequence, or one of the escaped bytes
 * (k1..k4: two pairs of them, see there). */
static inline uint64_t feed_swar_special(uint64_t v, uint64_t k1, uint64_t k2, uint64_t k3,
                                         uint64_t k4)
{
    uint64_t ctl = (v - FEED_ONES * 0x20) & ~v;
    return feed_swar_zero((v | k1) ^ k2) | feed_swar_zero((v | k3) ^ k4) | ((ctl | v) & FEED_HIGHS);
}
#else
#define FEED_SWAR 0
#endif

/* The first byte of s[i..n) that may be one of c1..c5 (repeat one for
 * fewer) or, when ctl, a control character (below 0x20), else n: sixteen
 * bytes at a time where SSE2 is there.  Callers look at the byte found,
 * so a caller may pass a superset.  Inline: the constants fold. */
static inline size_t feed_find(const char *s, size_t i, size_t n, char c1, char c2, char c3,
                               char c4, char c5, bool ctl)
{
#if defined(__SSE2__)
    const __m128i v1 = _mm_set1_epi8(c1), v2 = _mm_set1_epi8(c2), v3 = _mm_set1_epi8(c3),
                  v4 = _mm_set1_epi8(c4), v5 = _mm_set1_epi8(c5), top = _mm_set1_epi8(0x1F);
    for (; n - i >= 16; i += 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(s + i));
        __m128i m = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, v1), _mm_cmpeq_epi8(v, v2)),
                                 _mm_or_si128(_mm_cmpeq_epi8(v, v3), _mm_cmpeq_epi8(v, v4)));
        m = _mm_or_si128(m, _mm_cmpeq_epi8(v, v5));
        if (ctl) /* v <= 0x1F, unsigned */
            m = _mm_or_si128(m, _mm_cmpeq_epi8(_mm_min_epu8(v, top), v));
        unsigned bits = (unsigned)_mm_movemask_epi8(m);
        if (bits)
            return i + (size_t)__builtin_ctz(bits);
    }
#endif
    for (; i < n; i++) {
        char c = s[i];
        if (c == c1 || c == c2 || c == c3 || c == c4 || c == c5 ||
            (ctl && (unsigned char)c < 0x20))
            return i;
    }
    return n;
}

/* The first '<', '"' or '\'' of h[i..n), or n. */
static size_t feed_scan_text(const char *h, size_t i, size_t n)
{
    return feed_find(h, i, n, '<', '"', '\'', '<', '<', false);
}

/* Attributes that hold one URL.  Anything ending in "src" or "href" is
 * included (data-src, lowsrc, xlink:href): feed checkers look for exactly
 * that pattern. */
static bool feed_is_url_attr(const char *name, size_t n)
{
    if ((n >= 3 && memcmp(name + n - 3, "src", 3) == 0) ||
        (n >= 4 && memcmp(name + n - 4, "href", 4) == 0))
        return true;
    /* the others, by length: asked of every attribute of every tag */
    switch (n) {
    case 4: return memcmp(name, "cite", 4) == 0 || memcmp(name, "data", 4) == 0 ||
                   memcmp(name, "icon", 4) == 0;
    case 6: return memcmp(name, "poster", 6) == 0 || memcmp(name, "action", 6) == 0;
    case 8: return memcmp(name, "longdesc", 8) == 0 || memcmp(name, "manifest", 8) == 0;
    case 10: return memcmp(name, "formaction", 10) == 0 || memcmp(name, "background", 10) == 0;
    default: return false;
    }
}

/* Escape for a double-quoted attribute, and ' too (see feed_content): the
 * runs between those five bytes go out whole. */
static void feed_put_attr_text(quire_buf *b, const char *s, size_t n)
{
    size_t run = 0;
    for (size_t i = 0; (i = feed_find(s, i, n, '&', '<', '>', '"', '\'', false)) < n; i++) {
        const char *ent;
        size_t el;
        switch (s[i]) {
        case '&': ent = "&amp;", el = 5; break;
        case '<': ent = "&lt;", el = 4; break;
        case '>': ent = "&gt;", el = 4; break;
        case '"': ent = "&quot;", el = 6; break;
        default: ent = "&#39;", el = 5; break;
        }
        quire__buf_put(b, s + run, i - run);
        quire__buf_put(b, ent, el);
        run = i + 1;
    }
    quire__buf_put(b, s + run, n - run);
}

void quire__feed_summary_html(quire_buf *out, const char *summary)
{
    if (summary)
        feed_put_attr_text(out, summary, strlen(summary));
}

/* The renderer escapes attribute values with these four entities only
 * (and &#39;).  Most values (URLs) have none: one memchr and a copy. */
static char *feed_unescape(quire_arena *a, const char *s, size_t n)
{
    const char *amp = memchr(s, '&', n);
    if (!amp)
        return quire_arena_strndup(a, s, n);
    char *out = quire_arena_alloc(a, n + 1);
    if (!out)
        return NULL;
    static const struct { const char *ent; size_t len; char c; } ents[] = {
        {"&amp;", 5, '&'}, {"&lt;", 4, '<'}, {"&gt;", 4, '>'}, {"&quot;", 6, '"'}, {"&#39;", 5, '\''}};
    size_t k = (size_t)(amp - s);
    memcpy(out, s, k);
    for (size_t i = k; i < n;) {
        bool hit = false;
        if (s[i] == '&') {
            for (size_t e = 0; e < sizeof ents / sizeof ents[0] && !hit; e++) {
                size_t l = ents[e].len;
                if (n - i >= l && memcmp(s + i, ents[e].ent, l) == 0) {
                    out[k++] = ents[e].c;
                    i += l;
                    hit = true;
                }
            }
        }
        if (!hit)
            out[k++] = s[i++];
    }
    out[k] = '\0';
    return out;
}

static const char *feed_resolve_one(quire_arena *a, const char *base, const char *v)
{
    while (feed_is_space((unsigned char)*v))
        v++;
    /* Fragments stay: they point inside the item itself.  Other schemes
     * (mailto:, data:) are absolute already and the sanitize filter's
     * business. */
    if (v[0] == '#' || quire__url_has_scheme(v))
        return v;
    const char *r = quire__url_resolve(a, base, v);
    return r ? r : v;
}

/* srcset: "url [descriptor], url [descriptor]..." */
static void feed_put_srcset(quire_buf *b, quire_arena *a, const char *base, const char *v)
{
    bool first = true;
    while (*v) {
        while (*v == ',' || feed_is_space((unsigned char)*v))
            v++;
        if (!*v)
            break;
        size_t ul = 0;
        while (v[ul] && !feed_is_space((unsigned char)v[ul]) && v[ul] != ',')
            ul++;
        char *url = quire_arena_strndup(a, v, ul);
        v += ul;
        size_t dl = strcspn(v, ",");
        if (!first)
            quire__buf_puts(b, ", ");
        first = false;
        const char *r = url ? feed_resolve_one(a, base, url) : "";
        feed_put_attr_text(b, r, strlen(r));
        size_t ds = 0;
        while (ds < dl && feed_is_space((unsigned char)v[ds]))
            ds++;
        if (ds < dl) {
            quire__buf_putc(b, ' ');
            feed_put_attr_text(b, v + ds, dl - ds);
        }
        v += dl;
    }
}

/* One start or end tag of the renderer's output, html[0] == '<' and
 * html[n-1] == '>'.  Its shape is known: `<name attr="value" flag>`, values
 * escaped, so a small scanner is exact here (it would not be on arbitrary
 * HTML). */
static void feed_put_tag(quire_buf *b, quire_arena *a, const char *base, const char *t, size_t n)
{
    size_t i = 0;
    while (i < n) {
        if (t[i] != ' ') {
            /* a name, or the end of the tag: a few bytes, looked at here
             * rather than by a memchr call each */
            size_t run = i + 1;
            while (run < n && t[run] != ' ')
                run++;
            quire__buf_put(b, t + i, run - i);
            i = run;
            continue;
        }
        quire__buf_putc(b, t[i++]);
        size_t ns = i;
        while (i < n && t[i] != '=' && t[i] != ' ' && t[i] != '>' && t[i] != '/')
            i++;
        size_t nl = i - ns;
        quire__buf_put(b, t + ns, nl);
        if (i + 1 >= n || t[i] != '=' || t[i + 1] != '"')
            continue;
        size_t vs = i + 2;
        const char *close = memchr(t + vs, '"', n - vs);
        size_t ve = close ? (size_t)(close - t) : n;
        quire__buf_puts(b, "=\"");
        if (nl >= 6 && memcmp(t + ns + nl - 6, "srcset", 6) == 0) {
            const char *v = feed_unescape(a, t + vs, ve - vs);
            if (v)
                feed_put_srcset(b, a, base, v);
        } else if (feed_is_url_attr(t + ns, nl)) {
            const char *v = feed_unescape(a, t + vs, ve - vs);
            const char *r = v ? feed_resolve_one(a, base, v) : "";
            feed_put_attr_text(b, r, strlen(r));
        } else {
            /* already escaped: only ' is left to do */
            for (size_t j = vs; j < ve;) {
                const char *q = memchr(t + j, '\'', ve - j);
                size_t run = q ? (size_t)(q - (t + j)) : ve - j;
                quire__buf_put(b, t + j, run);
                j += run;
                if (j < ve) {
                    quire__buf_put(b, "&#39;", 5);
                    j++;
                }
            }
        }
        quire__buf_putc(b, '"');
        i = ve < n ? ve + 1 : n;
    }
}

/* ------------------------------------------------------------ the memo */

/* The build writes one document into every feed set it belongs to (the
 * main feeds, each of its tags and categories) and each of the three
 * formats, one after the other.  Most of that work does not depend on the
 * feed set: the item (it depends on the document and the site, and on the
 * feed's date only for an undated document), its content (the body and the
 * item's URL) and so the serialized item of each format.  The memo keeps
 * them for one document.  It lives between quire__feed_memo_begin and _end,
 * which the build calls around one document, so a later document can never
 * be mistaken for it; a call for another document starts it afresh. */
typedef struct feed_memo_bytes {
    quire__bytes *bytes; /* NULL: none */
    int level;           /* the writer's context they were made for (an XML depth) */
} feed_memo_bytes;

static _Thread_local struct {
    bool on;
    const quire_document *doc; /* what everything below belongs to */
    /* the content, for the item URL `url` */
    char *url;
    char *html;
    size_t len;
    char *esc[2];       /* by quire_feed_esc, made on first use */
    size_t esc_len[2];
    /* the item, made for `site` and (undated documents) `updated` */
    quire_arena *arena; /* the item's strings */
    bool has_item;
    const quire_site *site;
    quire_date updated;
    quire_feed_item item;
    feed_memo_bytes bytes[QUIRE_FEED_FMT_COUNT];
} feed_memo;

void quire__feed_memo_begin(void)
{
    feed_memo.on = true;
}

static void feed_memo_clear_content(void)
{
    free(feed_memo.url);
    free(feed_memo.html);
    free(feed_memo.esc[0]);
    free(feed_memo.esc[1]);
    feed_memo.url = feed_memo.html = feed_memo.esc[0] = feed_memo.esc[1] = NULL;
    feed_memo.len = feed_memo.esc_len[0] = feed_memo.esc_len[1] = 0;
}

static void feed_memo_clear_item(void)
{
    for (int f = 0; f < QUIRE_FEED_FMT_COUNT; f++) {
        quire__bytes_unref(feed_memo.bytes[f].bytes);
        feed_memo.bytes[f] = (feed_memo_bytes){0};
    }
    quire_arena_free(feed_memo.arena);
    feed_memo.arena = NULL;
    feed_memo.has_item = false;
    feed_memo.site = NULL;
    memset(&feed_memo.item, 0, sizeof feed_memo.item);
}

static void feed_memo_clear(void)
{
    feed_memo_clear_content();
    feed_memo_clear_item();
    feed_memo.doc = NULL;
}

void quire__feed_memo_end(void)
{
    feed_memo_clear();
    feed_memo.on = false;
}

/* Make the memo doc's (empty when it was another document's). */
static void feed_memo_adopt(const quire_document *doc)
{
    if (feed_memo.doc != doc) {
        feed_memo_clear();
        feed_memo.doc = doc;
    }
}

static bool feed_memo_holds(const quire_document *doc, const char *url)
{
    return feed_memo.on && feed_memo.doc == doc && feed_memo.url &&
           strcmp(feed_memo.url, url) == 0;
}

static bool feed_date_same(const quire_date *a, const quire_date *b)
{
    return a->set == b->set && a->has_time == b->has_time && a->has_zone == b->has_zone &&
           a->year == b->year && a->month == b->month && a->day == b->day &&
           a->hour == b->hour && a->minute == b->minute && a->second == b->second &&
           a->nanos == b->nanos && a->offset_min == b->offset_min;
}

int quire__feed_item_get(const quire_feed_item **out, quire_arena **scratch,
                         const quire_document *doc, const quire_writer_ctx *ctx)
{
    *out = NULL;
    if (!feed_memo.on) {
        if (!*scratch && !(*scratch = quire_arena_new()))
            return QUIRE_ERR_NOMEM;
        quire_feed_item *it = quire_arena_alloc(*scratch, sizeof *it);
        if (!it)
            return QUIRE_ERR_NOMEM;
        int rc = quire__feed_item_init(it, *scratch, doc, ctx);
        *out = rc == QUIRE_OK ? it : NULL;
        return rc;
    }
    feed_memo_adopt(doc);
    /* quire__feed_item_init reads ctx->updated only for a document with
     * neither date. */
    bool dated = feed_date_ok(&doc->published) || feed_date_ok(&doc->modified);
    if (feed_memo.has_item && feed_memo.site == ctx->site &&
        (dated || feed_date_same(&feed_memo.updated, &ctx->updated))) {
        *out = &feed_memo.item;
        return QUIRE_OK;
    }
    feed_memo_clear_item();
    if (!(feed_memo.arena = quire_arena_new()))
        return QUIRE_ERR_NOMEM;
    int rc = quire__feed_item_init(&feed_memo.item, feed_memo.arena, doc, ctx);
    if (rc != QUIRE_OK) {
        feed_memo_clear_item();
        return rc;
    }
    feed_memo.has_item = true;
    feed_memo.site = ctx->site;
    feed_memo.updated = ctx->updated;
    *out = &feed_memo.item;
    return QUIRE_OK;
}

static feed_memo_bytes *feed_memo_bytes_for(const quire_feed_item *item, quire_feed_format f)
{
    if (!feed_memo.on || !feed_memo.has_item || item != &feed_memo.item ||
        (unsigned)f >= QUIRE_FEED_FMT_COUNT)
        return NULL;
    return &feed_memo.bytes[f];
}

quire__bytes *quire__feed_item_bytes(const quire_feed_item *item, quire_feed_format f, int level)
{
    const feed_memo_bytes *b = feed_memo_bytes_for(item, f);
    return b && b->bytes && b->level == level ? b->bytes : NULL;
}

quire__bytes *quire__feed_item_bytes_keep(const quire_feed_item *item, quire_feed_format f,
                                          int level, const char *data, size_t len)
{
    feed_memo_bytes *b = feed_memo_bytes_for(item, f);
    if (!b)
        return NULL;
    quire__bytes_unref(b->bytes);
    b->bytes = quire__bytes_copy(data, len);
    b->level = level;
    return b->bytes;
}

static void feed_content_html_render(quire_buf *out, quire_arena *a,
                                     const quire_document *doc, const quire_feed_item *item);

void quire__feed_content_html(quire_buf *out, quire_arena *a, const quire_document *doc,
                              const quire_feed_item *item)
{
    if (!doc->body)
        return;
    const char *url = item->url ? item->url : "";
    if (feed_memo_holds(doc, url)) {
        quire__buf_put(out, feed_memo.html, feed_memo.len);
        return;
    }
    size_t start = out->len;
    feed_content_html_render(out, a, doc, item);
    if (!feed_memo.on || out->oom)
        return;
    feed_memo_adopt(doc);
    feed_memo_clear_content();
    feed_memo.len = out->len - start;
    feed_memo.url = strdup(url);
    feed_memo.html = malloc(feed_memo.len + 1);
    if (!feed_memo.url || !feed_memo.html) {
        feed_memo_clear_content();
        return;
    }
    if (feed_memo.len) /* an empty render may leave out->data NULL */
        memcpy(feed_memo.html, out->data + start, feed_memo.len);
}

/* Text content the way libxml2's xmlTextWriterWriteString escapes it
 * (xmlEncodeSpecialChars: < > & " and CR), so that writing it raw gives
 * the same bytes. */
static void feed_escape_xml(quire_buf *out, const char *s, size_t n)
{
    size_t run = 0;
    for (size_t i = 0; (i = feed_find(s, i, n, '<', '>', '&', '"', '\r', false)) < n; i++) {
        const char *ent;
        switch (s[i]) {
        case '<': ent = "&lt;"; break;
        case '>': ent = "&gt;"; break;
        case '&': ent = "&amp;"; break;
        case '"': ent = "&quot;"; break;
        default: ent = "&#13;"; break;
        }
        quire__buf_put(out, s + run, i - run);
        quire__buf_puts(out, ent);
        run = i + 1;
    }
    quire__buf_put(out, s + run, n - run);
}

/* A JSON string, quotes included, the way cJSON 1.7 prints it (short
 * escapes for " \\ \b \f \n \r \t, \u00xx for other controls, every
 * other byte as is), so that a feed item spliced with it is byte for byte
 * what cJSON_Print gives. */
static void feed_escape_json(quire_buf *out, const char *s, size_t n)
{
    quire__buf_putc(out, '"');
    size_t run = 0;
    for (size_t i = 0; (i = feed_find(s, i, n, '"', '\\', '"', '"', '"', true)) < n; i++) {
        unsigned char c = (unsigned char)s[i];
        quire__buf_put(out, s + run, i - run);
        run = i + 1;
        char e[8];
        switch (c) {
        case '"': quire__buf_puts(out, "\\\""); break;
        case '\\': quire__buf_puts(out, "\\\\"); break;
        case '\b': quire__buf_puts(out, "\\b"); break;
        case '\f': quire__buf_puts(out, "\\f"); break;
        case '\n': quire__buf_puts(out, "\\n"); break;
        case '\r': quire__buf_puts(out, "\\r"); break;
        case '\t': quire__buf_puts(out, "\\t"); break;
        default:
            snprintf(e, sizeof e, "\\u%04x", c);
            quire__buf_puts(out, e);
        }
    }
    quire__buf_put(out, s + run, n - run);
    quire__buf_putc(out, '"');
}

void quire__feed_json_string(quire_buf *out, const char *s, size_t n)
{
    feed_escape_json(out, s, n);
}

/* What one byte of the content becomes, per quire_feed_esc: n bytes of s
 * (the byte itself, or its escape), FEED_ESC_DROP for a control character
 * XML 1.0 forbids, FEED_ESC_UTF8 for the start of a multibyte sequence. */
typedef struct feed_esc_ent {
    char s[7];
    uint8_t n;
} feed_esc_ent;
#define FEED_ESC_DROP 0
#define FEED_ESC_UTF8 255

static feed_esc_ent feed_esc_table[2][256];
static pthread_once_t feed_esc_once = PTHREAD_ONCE_INIT;

static void feed_esc_set(feed_esc_ent *e, const char *s)
{
    e->n = (uint8_t)strlen(s);
    memcpy(e->s, s, e->n);
}

static void feed_esc_init(void)
{
    for (int t = 0; t < 2; t++) {
        feed_esc_ent *tab = feed_esc_table[t];
        for (int c = 0; c < 256; c++) {
            tab[c].s[0] = (char)c;
            tab[c].n = c >= 0x80 ? FEED_ESC_UTF8 : c < 0x20 ? FEED_ESC_DROP : 1;
        }
        tab['\t'].n = tab['\n'].n = tab['\r'].n = 1; /* the controls XML allows */
    }
    /* xmlEncodeSpecialChars */
    feed_esc_ent *x = feed_esc_table[QUIRE_FEED_ESC_XML];
    feed_esc_set(&x['<'], "&lt;");
    feed_esc_set(&x['>'], "&gt;");
    feed_esc_set(&x['&'], "&amp;");
    feed_esc_set(&x['"'], "&quot;");
    feed_esc_set(&x['\r'], "&#13;");
    /* cJSON (the other controls it escapes never get through the cleaning) */
    feed_esc_ent *j = feed_esc_table[QUIRE_FEED_ESC_JSON];
    feed_esc_set(&j['"'], "\\\"");
    feed_esc_set(&j['\\'], "\\\\");
    feed_esc_set(&j['\n'], "\\n");
    feed_esc_set(&j['\r'], "\\r");
    feed_esc_set(&j['\t'], "\\t");
}

/* quire__xml_clean and then feed_escape_xml or feed_escape_json, fused:
 * both work character by character (a valid sequence, or one invalid
 * byte), so doing them together gives the same bytes. */
#if defined(__SSE2__)
/* The bytes of v quire__feed_clean_escape may not just copy, one bit each:
 * the escaped ones (two pairs, k1..k4: see there), and every byte
 * below 0x20 or from 0x80 (signed, both are below 0x20): a control, or a
 * byte of a multibyte sequence.  Sixteen bytes for about ten instructions,
 * where the eight-byte SWAR took about twenty: the content is markup, with
 * a byte to escape every ten or so. */
static inline unsigned feed_esc_mask16(__m128i v, __m128i k1, __m128i k2, __m128i k3, __m128i k4)
{
    /* the escaped bytes by pairs, as the SWAR path: (v | k1) == k2 or
     * (v | k3) == k4 */
    __m128i m = _mm_or_si128(_mm_cmpeq_epi8(_mm_or_si128(v, k1), k2),
                             _mm_cmpeq_epi8(_mm_or_si128(v, k3), k4));
    m = _mm_or_si128(m, _mm_cmplt_epi8(v, _mm_set1_epi8(0x20)));
    return (unsigned)_mm_movemask_epi8(m);
}
#endif

/* quire__feed_clean_escape of s[0..n). */
static char *feed_clean_escape_n(const char *s, size_t n, quire_feed_esc esc, size_t *len_out)
{
    pthread_once(&feed_esc_once, feed_esc_init);
    const feed_esc_ent *tab = feed_esc_table[esc == QUIRE_FEED_ESC_JSON];
    const unsigned char *p = (const unsigned char *)s;
    size_t len = 0, cap = 0, i = 0;
    char *out = NULL;
    bool json = esc == QUIRE_FEED_ESC_JSON;
    if (json)
        len = 1; /* the opening quote */
#if defined(__SSE2__)
    /* the bytes escaped, by pairs: XML < > (0x3C 0x3E: equal once bit 1
     * is set) and " & (0x22 0x26: bit 2); JSON " and \ */
    const __m128i k1 = _mm_set1_epi8(json ? 0 : 0x02), k2 = _mm_set1_epi8(json ? '"' : 0x3E);
    const __m128i k3 = _mm_set1_epi8(json ? 0 : 0x04), k4 = _mm_set1_epi8(json ? '\\' : 0x26);
#elif FEED_SWAR
    /* the bytes escaped, by pairs: XML < > (0x3C 0x3E: equal once bit 1
     * is set) and " & (0x22 0x26: bit 2); JSON " and \ */
    const uint64_t k1 = json ? 0 : FEED_ONES * 0x02, k2 = FEED_ONES * (json ? '"' : 0x3E);
    const uint64_t k3 = json ? 0 : FEED_ONES * 0x04, k4 = FEED_ONES * (json ? '\\' : 0x26);
#endif
    /* A block of input at a time, with room for its worst case (six bytes
     * out for one in, and up to three bytes of a sequence running past the
     * block) plus the sixteen bytes the fast path and every entry store. */
    const size_t block = 16384;
    while (i < n) {
        size_t end = n - i > block ? i + block : n;
        size_t need = len + (end - i) * 6 + 24;
        if (need > cap) {
            size_t ncap = cap ? cap * 2 : 4096;
            while (ncap < need)
                ncap *= 2;
            char *grown = realloc(out, ncap);
            if (!grown) {
                free(out);
                return NULL;
            }
            out = grown;
            cap = ncap;
        }
        char *w = out + len;
        while (i < end) {
#if defined(__SSE2__)
            /* Sixteen bytes at a time up to the first that is not copied
             * as is (the entry's "n: 1, s: itself"): most of the text.
             * They are stored whole; w moves past the plain ones only. */
            if (end - i >= 16) {
                __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(p + i));
                unsigned m = feed_esc_mask16(v, k1, k2, k3, k4);
                _mm_storeu_si128((__m128i *)(void *)w, v);
                if (!m) {
                    w += 16;
                    i += 16;
                    continue;
                }
                size_t plain = (size_t)__builtin_ctz(m);
                w += plain;
                i += plain;
            }
#elif FEED_SWAR
            /* Eight bytes at a time, the same way. */
            if (end - i >= 8) {
                uint64_t v = quire__load64(p + i);
                uint64_t m = feed_swar_special(v, k1, k2, k3, k4);
                memcpy(w, p + i, 8);
                if (!m) {
                    w += 8;
                    i += 8;
                    continue;
                }
                size_t plain = (size_t)__builtin_ctzll(m) >> 3;
                w += plain;
                i += plain;
            }
#endif
            const feed_esc_ent *e = &tab[p[i]];
            if (e->n != FEED_ESC_UTF8) {
                memcpy(w, e, 8); /* s, and n: overwritten next */
                w += e->n;
                i++;
                continue;
            }
            /* Two- and three-byte sequences (nearly all non-ASCII text)
             * are checked inline. */
            uint32_t cp;
            size_t k = quire__utf8_decode_fast(p + i, n - i, &cp);
            if (!k) {
                memcpy(w, "\xEF\xBF\xBD", 3);
                w += 3;
                i++;
                continue;
            }
            if (quire__xml_char_ok(cp)) {
                for (size_t j = 0; j < k; j++)
                    w[j] = (char)p[i + j];
                w += k;
            }
            i += k;
        }
        len = (size_t)(w - out);
    }
    if (len <= (json ? 1u : 0u)) {
        free(out);
        out = malloc(1);
        if (out)
            out[0] = '\0';
        *len_out = 0;
        return out;
    }
    if (json) {
        out[0] = '"';
        out[len++] = '"';
    }
    out[len] = '\0';
    char *fit = realloc(out, len + 1);
    *len_out = len;
    return fit ? fit : out;
}

char *quire__feed_clean_escape(const char *s, quire_feed_esc esc, size_t *len_out)
{
    return feed_clean_escape_n(s, strlen(s), esc, len_out);
}

const char *quire__feed_content_escaped(quire_arena *a, const quire_document *doc,
                                        const quire_feed_item *item, quire_feed_esc esc,
                                        size_t *len_out)
{
    *len_out = 0;
    const char *url = item->url ? item->url : "";
    if (feed_memo_holds(doc, url) && feed_memo.esc[esc]) {
        *len_out = feed_memo.esc_len[esc];
        return feed_memo.esc[esc];
    }
    size_t len;
    char *text;
    if (feed_memo_holds(doc, url) && feed_memo.html) {
        /* The other flavor's escaping rendered it: escape the memo's copy
         * (up to a NUL, as the string it stands for). */
        const char *nul = memchr(feed_memo.html, '\0', feed_memo.len);
        size_t n = nul ? (size_t)(nul - feed_memo.html) : feed_memo.len;
        text = feed_clean_escape_n(feed_memo.html, n, esc, &len);
    } else {
        quire_buf html;
        quire__buf_init(&html);
        quire__feed_content_html(&html, a, doc, item);
        if (html.oom) {
            quire__buf_free(&html);
            return NULL;
        }
        text = feed_clean_escape_n(quire__buf_cstr(&html), strlen(quire__buf_cstr(&html)), esc,
                                   &len);
        quire__buf_free(&html);
    }
    if (!text)
        return NULL;
    /* quire__feed_content_html has just made the memo this document's. */
    if (feed_memo_holds(doc, url)) {
        free(feed_memo.esc[esc]);
        feed_memo.esc[esc] = text;
        feed_memo.esc_len[esc] = len;
    } else {
        char *copy = quire_arena_strndup(a, text, len);
        free(text);
        text = copy;
        if (!text)
            return NULL;
    }
    *len_out = len;
    return text;
}

static void feed_content_html_render(quire_buf *out, quire_arena *a,
                                     const quire_document *doc, const quire_feed_item *item)
{
    quire_buf html;
    quire__buf_init(&html);
    /* Embeds become links: most readers strip iframes, and the embeds
     * filter (a default of the feed writers) has usually done it already. */
    const quire_render_opts opts = {.xhtml = false, .id_prefix = NULL, .keep_embeds = false};
    quire__render_html(&html, doc->body, &opts);
    const char *h = quire__buf_cstr(&html);
    size_t n = html.len;
    /* The result is about the render's size (quotes in text and resolved
     * URLs add a little): room for it at once, rather than growing by
     * doubling through several reallocs and copies. */
    if (n && quire__buf_reserve(out, n + n / 8 + 256))
        out->data[out->len] = '\0'; /* reserving leaves a new buffer unterminated */
    /* The renderer escapes every '<' of text, so each '<' opens a tag that
     * ends at the next '>'.  Outside tags, quotes become entities; inside,
     * URL attributes are resolved against the item's URL. */
    for (size_t i = 0; i < n;) {
        if (h[i] == '<') {
            /* Most tags have no attribute (<p>, </em>): copied as they are. */
            size_t j = i + 1;
            while (j < n && h[j] != '>' && h[j] != ' ')
                j++;
            if (j < n && h[j] == '>') {
                quire__buf_put(out, h + i, j + 1 - i);
                i = j + 1;
                continue;
            }
            const char *gt = memchr(h + j, '>', n - j);
            if (gt) {
                size_t len = (size_t)(gt - (h + i)) + 1;
                feed_put_tag(out, a, item->url, h + i, len);
                i += len;
                continue;
            }
            quire__buf_puts(out, "&lt;");
            i++;
            continue;
        }
        size_t run = i;
        i = feed_scan_text(h, i, n);
        quire__buf_put(out, h + run, i - run);
        if (i < n && h[i] == '"') {
            quire__buf_puts(out, "&quot;");
            i++;
        } else if (i < n && h[i] == '\'') {
            quire__buf_puts(out, "&#39;");
            i++;
        }
    }
    quire__buf_free(&html);
}

/* ------------------------------------------------------------ unique ids */

int quire__feed_ids_add(quire_feed_ids *set, const char *id)
{
    uint64_t h = quire__fnv1a64(id, strlen(id), 0);
    if (!h)
        h = 1; /* 0 marks an empty slot */
    if ((set->count + 1) * 2 > set->cap) {
        size_t cap = set->cap ? set->cap * 2 : 64;
        uint64_t *t = calloc(cap, sizeof *t);
        if (!t)
            return QUIRE_ERR_NOMEM;
        for (size_t i = 0; i < set->cap; i++) {
            if (!set->slots[i])
                continue;
            size_t j = set->slots[i] & (cap - 1);
            while (t[j])
                j = (j + 1) & (cap - 1);
            t[j] = set->slots[i];
        }
        free(set->slots);
        set->slots = t;
        set->cap = cap;
    }
    size_t j = h & (set->cap - 1);
    while (set->slots[j]) {
        if (set->slots[j] == h)
            return 0;
        j = (j + 1) & (set->cap - 1);
    }
    set->slots[j] = h;
    set->count++;
    return 1;
}

void quire__feed_ids_free(quire_feed_ids *set)
{
    free(set->slots);
    memset(set, 0, sizeof *set);
}

/* -------------------------------------------------------------- XML output */

/* Output goes to the sink in chunks of about this size (the item being
 * kept for the memo stays whole in the buffer until it ends). */
#define FX_FLUSH (32u * 1024u)

static const char fx_decl[] = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
static const char fx_spaces[2 * QUIRE_FX_MAX_DEPTH + 1] = "                                ";

static void fx_flush(quire_feed_xml *x)
{
    if (x->out.oom)
        x->failed = true;
    else if (x->out.len && quire_sink_write(x->sink, x->out.data, x->out.len) != QUIRE_OK)
        x->failed = true;
    x->out.len = 0;
}

static void fx_maybe_flush(quire_feed_xml *x)
{
    if (x->out.len >= FX_FLUSH && !x->item)
        fx_flush(x);
}

/* xmlTextWriterWriteIndent: the indent string once per open ancestor. */
static void fx_indent(quire_feed_xml *x, int levels)
{
    quire__buf_put(&x->out, fx_spaces, 2 * (size_t)levels);
}

/* Text content the way xmlEncodeSpecialChars escapes it. */
static void fx_put_text(quire_buf *b, const char *s);
/* An attribute value the way xmlBufAttrSerializeTxtContent writes it for a
 * writer whose document has an encoding (xmlTextWriterStartDocument gives
 * it "UTF-8"): UTF-8 stays as is. */
static void fx_put_attr(quire_buf *b, const char *s)
{
    size_t n = strlen(s), run = 0;
    for (size_t i = 0; (i = feed_find(s, i, n, '"', '<', '>', '&', '&', true)) < n; i++) {
        const char *ent;
        size_t el;
        switch (s[i]) {
        case '\n': ent = "&#10;", el = 5; break;
        case '\r': ent = "&#13;", el = 5; break;
        case '\t': ent = "&#9;", el = 4; break;
        case '"': ent = "&quot;", el = 6; break;
        case '<': ent = "&lt;", el = 4; break;
        case '>': ent = "&gt;", el = 4; break;
        case '&': ent = "&amp;", el = 5; break;
        default: continue; /* another control: as is */
        }
        quire__buf_put(b, s + run, i - run);
        quire__buf_put(b, ent, el);
        run = i + 1;
    }
    quire__buf_put(b, s + run, n - run);
}

static void fx_put_text(quire_buf *b, const char *s)
{
    feed_escape_xml(b, s, strlen(s));
}

int quire__fx_open(quire_feed_xml *x, quire_sink *out)
{
    if (!x->ready) {
        quire__buf_init(&x->out);
        quire__buf_init(&x->buf);
        x->ready = true;
    }
    x->sink = out;
    x->out.len = 0;
    x->depth = 0;
    x->doindent = true; /* xmlTextWriterSetIndent */
    x->failed = false;
    x->item = NULL;
    quire__buf_put(&x->out, fx_decl, sizeof fx_decl - 1);
    return x->out.oom ? QUIRE_ERR_NOMEM : QUIRE_OK;
}

/* The open element's start tag, when still open, ends: content follows
 * (xmlTextWriterHandleStateDependencies). */
static void fx_content(quire_feed_xml *x)
{
    if (x->depth && x->in_tag[x->depth - 1]) {
        quire__buf_putc(&x->out, '>');
        x->in_tag[x->depth - 1] = false;
    }
    x->doindent = false;
}

void quire__fx_start(quire_feed_xml *x, const char *name)
{
    if (x->depth && x->in_tag[x->depth - 1]) {
        quire__buf_put(&x->out, ">\n", 2);
        x->in_tag[x->depth - 1] = false;
    }
    if (x->depth == QUIRE_FX_MAX_DEPTH || !name || !*name) {
        x->failed = true;
        return;
    }
    x->names[x->depth] = name;
    x->in_tag[x->depth] = true;
    fx_indent(x, x->depth); /* a start tag is always indented */
    x->depth++;
    quire__buf_putc(&x->out, '<');
    quire__buf_puts(&x->out, name);
}

void quire__fx_attr(quire_feed_xml *x, const char *name, const char *value)
{
    if (!value)
        return;
    if (!x->depth || !x->in_tag[x->depth - 1] || !name || !*name) {
        x->failed = true; /* libxml2 refuses an attribute after content */
        return;
    }
    quire__buf_putc(&x->out, ' ');
    quire__buf_puts(&x->out, name);
    quire__buf_put(&x->out, "=\"", 2);
    fx_put_attr(&x->out, value);
    quire__buf_putc(&x->out, '"');
}

void quire__fx_text(quire_feed_xml *x, const char *text)
{
    if (!text)
        return;
    fx_content(x);
    if (x->depth)
        fx_put_text(&x->out, text);
    else
        quire__buf_puts(&x->out, text); /* libxml2 escapes only inside an element */
}

void quire__fx_raw(quire_feed_xml *x, const char *text, size_t len)
{
    if (!text) {
        x->failed = true; /* out of memory making it */
        return;
    }
    fx_content(x);
    quire__buf_put(&x->out, text, len);
}

void quire__fx_end(quire_feed_xml *x)
{
    if (!x->depth) {
        x->failed = true;
        return;
    }
    int d = --x->depth;
    if (x->in_tag[d]) {
        quire__buf_put(&x->out, "/>\n", 3);
    } else {
        if (x->doindent)
            fx_indent(x, d);
        quire__buf_put(&x->out, "</", 2);
        quire__buf_puts(&x->out, x->names[d]);
        quire__buf_put(&x->out, ">\n", 2);
    }
    x->doindent = true;
    fx_maybe_flush(x);
}

void quire__fx_el(quire_feed_xml *x, const char *name, const char *text)
{
    if (!text)
        return;
    quire__fx_start(x, name);
    quire__fx_text(x, text);
    quire__fx_end(x);
}

bool quire__fx_item_begin(quire_feed_xml *x, const quire_feed_item *item, quire_feed_format f)
{
    /* What the item's start tag would write first: the parent's pending
     * '>'.  After it, the item's bytes depend only on the depth (the end
     * tags' indentation is decided by what comes before them inside the
     * item), so the memo keys them on it. */
    if (x->depth && x->in_tag[x->depth - 1]) {
        quire__buf_put(&x->out, ">\n", 2);
        x->in_tag[x->depth - 1] = false;
    }
    quire__bytes *bytes = quire__feed_item_bytes(item, f, x->depth);
    if (bytes) {
        /* Into the sink after what is pending, shared with every other
         * feed set the document is in. */
        fx_flush(x);
        if (!x->failed && quire__sink_write_bytes(x->sink, bytes) != QUIRE_OK)
            x->failed = true;
        x->doindent = true; /* as the item's end tag leaves it */
        return true;
    }
    x->item = item;
    x->item_format = f;
    x->item_depth = x->depth;
    x->item_start = x->out.len;
    return false;
}

void quire__fx_item_end(quire_feed_xml *x)
{
    if (x->item && !x->failed && !x->out.oom && x->depth == x->item_depth) {
        quire__bytes *kept =
            quire__feed_item_bytes_keep(x->item, x->item_format, x->depth,
                                        x->out.data + x->item_start, x->out.len - x->item_start);
        if (kept) {
            /* This feed writes the kept copy too: what came before the
             * item goes out first, then the item without another copy. */
            x->out.len = x->item_start;
            x->item = NULL;
            fx_flush(x);
            if (!x->failed && quire__sink_write_bytes(x->sink, kept) != QUIRE_OK)
                x->failed = true;
            return;
        }
    }
    x->item = NULL;
    fx_maybe_flush(x);
}

int quire__fx_write_document(quire_writer_ctx *ctx, const quire_document *doc,
                             quire_feed_format f, const char *who, quire_fx_item_fn write_item)
{
    quire_feed_xml *x = ctx->priv;
    quire_arena *a = NULL; /* per item, made when needed: freed below */
    const quire_feed_item *it;
    int rc = quire__feed_item_get(&it, &a, doc, ctx);
    int fresh = rc == QUIRE_OK ? quire__feed_ids_add(&x->ids, it->id) : rc;
    if (fresh == 0)
        quire_diag_add(ctx->diags, QUIRE_SEV_WARNING, who, doc->source_path, 0, 0,
                       "duplicate id '%.80s': document left out of the feed", it->id);
    if (fresh <= 0) {
        quire_arena_free(a);
        return fresh < 0 ? fresh : QUIRE_OK;
    }
    /* The same document in another feed set: its item is written already. */
    if (!quire__fx_item_begin(x, it, f)) {
        rc = write_item(x, &a, doc, it);
        quire__fx_item_end(x);
    }
    quire_arena_free(a);
    if (rc != QUIRE_OK)
        return rc;
    return x->failed ? QUIRE_ERR_IO : QUIRE_OK;
}

int quire__fx_finish(quire_feed_xml *x)
{
    /* xmlTextWriterEndDocument closes what is open; indented, it adds no
     * newline of its own. */
    while (x->depth)
        quire__fx_end(x);
    x->item = NULL;
    fx_flush(x);
    return x->failed ? QUIRE_ERR_IO : QUIRE_OK;
}

void quire__fx_free(quire_feed_xml *x)
{
    if (!x)
        return;
    if (x->ready) {
        quire__buf_free(&x->out);
        quire__buf_free(&x->buf);
    }
    x->ready = false;
    quire__feed_ids_free(&x->ids);
}

int quire__fx_writer_end(quire_writer_ctx *ctx)
{
    return quire__fx_finish(ctx->priv);
}

void quire__fx_writer_close(quire_writer_ctx *ctx)
{
    quire__fx_free(ctx->priv);
}
