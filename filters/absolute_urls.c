/*
 * absolute_urls.c — filter "absolute-urls": no relative URL survives.
 *
 * Feeds are read far from the site, and readers (and RSS-to-email services)
 * ignore xml:base, so every URL must be absolute in the content itself.
 *
 * 1. The permalink, which becomes doc->url:
 *      - doc->url when it is absolute ("//host/x" gets "https:");
 *      - else base + doc->url, with doc->url taken relative to the site root
 *        ("/posts/a/" under base "https://x.org/blog/" is
 *        "https://x.org/blog/posts/a/"): a site may live below a path;
 *      - else base + slug + "/" (slug from the title or the id when the
 *        reader set none), else the base itself.
 *    base is the option base=, else the site's base_url, else
 *    https://example.org/ — a documented placeholder, so that the output is
 *    never relative even without configuration.
 * 2. Every other URL is resolved against the permalink as a browser would
 *    resolve it on that page (RFC 3986): LINK, IMAGE and EMBED urls; the
 *    href, src, poster, cite and srcset attributes of any node; the
 *    document's image, external_url, and its authors' url and avatar.
 *    Unchanged: URLs with a scheme (https:, mailto:, tel:, data:...),
 *    fragment-only ones ("#note-1") and empty ones.  Protocol-relative URLs
 *    ("//cdn.example/x") get "https:", not the base's scheme: https is what
 *    every feed reader can fetch.
 *
 * Options: base=URL (absolute) overrides the site's base_url.
 */
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define AU_NAME "absolute-urls"
#define AU_FALLBACK_BASE "https://example.org/"

typedef struct au_priv {
    char *base; /* malloc'd, ends in '/', or NULL: the site's */
} au_priv;

/* Leading and trailing C0 controls and spaces are not part of a URL (the
 * URL standard strips them, and HTML attributes often carry them). */
static bool au_blank(char c)
{
    return (unsigned char)c <= 0x20;
}

/* A protocol-relative or scheme-less absolute form, made absolute; or NULL
 * when s is relative.  Result in the arena. */
static const char *au_absolute(quire_arena *a, const char *s)
{
    if (s[0] == '/' && s[1] == '/')
        return quire_arena_printf(a, "https:%s", s);
    if (quire__url_has_scheme(s))
        return s;
    return NULL;
}

/* Characters a URL may not hold (RFC 3986) that authors still write, like
 * "my photo.png": percent-encoded in the URLs this filter makes, so that the
 * feeds' validators accept them.  Non-ASCII stays: IRIs are fine in feeds. */
static const char *au_escape(quire_arena *a, const char *s)
{
    static const char bad[] = " \"<>\\^`{|}";
    size_t extra = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        extra += (*p < 0x20 || *p == 0x7F || strchr(bad, *p)) ? 2 : 0;
    if (!extra)
        return s;
    char *r = quire_arena_alloc(a, strlen(s) + extra + 1), *w = r;
    if (!r)
        return NULL;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p < 0x20 || *p == 0x7F || strchr(bad, *p)) {
            *w++ = '%';
            *w++ = "0123456789ABCDEF"[*p >> 4];
            *w++ = "0123456789ABCDEF"[*p & 15];
        } else {
            *w++ = (char)*p;
        }
    }
    *w = '\0';
    return r;
}

/* ref resolved against the absolute page URL; ref itself when it stays as
 * it is.  NULL only for NULL ref or out of memory. */
static const char *au_resolve(quire_arena *a, const char *page, const char *ref)
{
    if (!ref)
        return NULL;
    const char *s = ref;
    while (*s && au_blank(*s))
        s++;
    size_t n = strlen(s);
    while (n && au_blank(s[n - 1]))
        n--;
    if (n == 0 || s[0] == '#')
        return ref;
    if (s != ref || s[n] != '\0')
        s = quire_arena_strndup(a, s, n);
    if (!s)
        return NULL;
    const char *abs = au_absolute(a, s);
    if (abs)
        return abs == s ? ref : au_escape(a, abs);
    const char *r = quire__url_resolve(a, page, s);
    return r ? au_escape(a, r) : NULL;
}

static int au_field(quire_arena *a, const char *page, const char **field)
{
    if (!*field)
        return QUIRE_OK;
    const char *r = au_resolve(a, page, *field);
    if (!r)
        return QUIRE_ERR_NOMEM;
    *field = r;
    return QUIRE_OK;
}

/* srcset: "a.png 1x, b.png 2x" — each candidate's URL resolved, descriptors
 * kept (quire__srcset_next parses it as the HTML standard does). */
static const char *au_srcset(quire_arena *a, const char *page, const char *v)
{
    quire_buf out;
    quire__buf_init(&out);
    quire_srcset_item c;
    for (const char *p = v; quire__srcset_next(&p, &c);) {
        char *url = quire_arena_strndup(a, c.url, c.url_len);
        const char *r = url ? au_resolve(a, page, url) : NULL;
        if (!r) {
            quire__buf_free(&out);
            return NULL;
        }
        quire__srcset_put(&out, r, strlen(r), c.desc, c.desc_len);
    }
    const char *r = out.oom ? NULL : quire_arena_strndup(a, quire__buf_cstr(&out), out.len);
    quire__buf_free(&out);
    return r;
}

static int au_body(quire_arena *a, const char *page, quire_node *root)
{
    static const char *const url_attrs[] = {"href", "src", "poster", "cite", NULL};
    quire_iter it;
    quire_node *n;
    quire_event ev;
    quire_iter_init(&it, root);
    while ((ev = quire_iter_next(&it, &n)) != QUIRE_EVENT_DONE) {
        if (ev != QUIRE_EVENT_ENTER)
            continue;
        int rc = QUIRE_OK;
        if (n->type == QUIRE_NODE_LINK || n->type == QUIRE_NODE_IMAGE ||
            n->type == QUIRE_NODE_EMBED)
            rc = au_field(a, page, &n->url);
        for (quire_attr *at = n->attrs; at && !rc; at = at->next) {
            if (strcmp(at->name, "srcset") == 0) {
                const char *r = au_srcset(a, page, at->value);
                if (r)
                    at->value = r;
                else
                    rc = QUIRE_ERR_NOMEM;
                continue;
            }
            for (size_t i = 0; url_attrs[i]; i++)
                if (strcmp(at->name, url_attrs[i]) == 0)
                    rc = au_field(a, page, &at->value);
        }
        if (rc)
            return rc;
    }
    return QUIRE_OK;
}

/* The permalink (see the top of the file); NULL when out of memory. */
static const char *au_permalink(quire_arena *a, const char *base, const quire_document *d)
{
    const char *u = d->url;
    while (u && *u && au_blank(*u))
        u++;
    if (u && *u) {
        const char *abs = au_absolute(a, u);
        if (abs)
            return abs;
        /* Relative to the site root, which is the base, not the host. */
        while (*u == '/')
            u++;
        return quire__url_resolve(a, base, u);
    }
    const char *slug = d->slug && *d->slug ? d->slug : NULL;
    if (!slug && d->title)
        slug = quire__slugify(a, d->title);
    if ((!slug || !*slug) && d->id)
        slug = quire__slugify(a, d->id);
    if (!slug || !*slug)
        return base;
    return quire_arena_printf(a, "%s%s/", base, slug);
}

/* base made absolute and ending in '/'; malloc'd; NULL when not absolute. */
static char *au_normalize_base(const char *s)
{
    while (*s && au_blank(*s))
        s++;
    size_t n = strlen(s);
    while (n && au_blank(s[n - 1]))
        n--;
    bool proto = n >= 2 && s[0] == '/' && s[1] == '/';
    /* "https:" and the like alone, or "example.org", are not a base. */
    const char *colon = memchr(s, ':', n);
    if (!proto && (!quire__url_has_scheme(s) || !colon || colon + 3 > s + n ||
                   colon[1] != '/' || colon[2] != '/'))
        return NULL;
    bool slash = n && s[n - 1] == '/';
    char *r = malloc(n + 8);
    if (!r)
        return NULL;
    snprintf(r, n + 8, "%s%.*s%s", proto ? "https:" : "", (int)n, s, slash ? "" : "/");
    return r;
}

static void au_uninit(quire_filter_ctx *ctx)
{
    au_priv *p = ctx->priv;
    if (p) {
        free(p->base);
        p->base = NULL;
    }
}

static int au_init(quire_filter_ctx *ctx)
{
    static const char *const known[] = {"base", NULL};
    au_priv *p = ctx->priv;
    int rc = quire__filter_check_options(ctx, known);
    if (rc)
        return rc;
    const char *base = quire_filter_opt(ctx, "base", NULL);
    if (base) {
        p->base = au_normalize_base(base);
        if (!p->base) {
            quire_diag_add(ctx->diags, QUIRE_SEV_ERROR, AU_NAME, NULL, 0, 0,
                           "base=%s: not an absolute URL (like https://example.org/)", base);
            return QUIRE_ERR_USAGE;
        }
    }
    return QUIRE_OK;
}

static int au_run(quire_filter_ctx *ctx, quire_document *doc)
{
    const au_priv *p = ctx->priv;
    quire_arena *a = doc->arena;
    const char *base = p->base;
    if (!base && ctx->site && ctx->site->base_url && *ctx->site->base_url) {
        base = ctx->site->base_url;
        size_t n = strlen(base);
        /* quire_site_set_base_url() adds the '/', but a site may be built by
         * hand; without it the last path segment would be replaced. */
        if (base[n - 1] != '/')
            base = quire_arena_printf(a, "%s/", base);
    }
    if (!base)
        base = AU_FALLBACK_BASE;
    int rc = QUIRE_ERR_NOMEM;
    const char *page = au_permalink(a, base, doc);
    if (!page)
        goto out;
    doc->url = page;
    if (au_field(a, page, &doc->external_url) || au_field(a, page, &doc->image.src))
        goto out;
    for (size_t i = 0; i < doc->n_authors; i++)
        if (au_field(a, page, &doc->authors[i].url) ||
            au_field(a, page, &doc->authors[i].avatar))
            goto out;
    rc = doc->body ? au_body(a, page, doc->body) : QUIRE_OK;
out:
    if (rc)
        quire_diag_add(ctx->diags, QUIRE_SEV_ERROR, AU_NAME, doc->source_path, 0, 0, "%s",
                       quire_strerror(rc));
    return rc;
}

const quire_filter quire_filter_absolute_urls = {
    .version = QUIRE_COMPONENT_VERSION,
    .name = AU_NAME,
    .description = "resolve relative links and images against the permalink and base_url",
    .scope = QUIRE_FILTER_DOCUMENT,
    .priv_size = sizeof(au_priv),
    .init = au_init,
    .run_document = au_run,
    .uninit = au_uninit,
};
