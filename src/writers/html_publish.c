/*
 * html_publish.c — what a site needs beyond its pages: the local images
 * the pages show, and links between documents that point at pages.
 *
 * Images.  A page lives at OUTDIR/<slug>/index.html, not beside its source
 * file, so "images/x.png" would be broken there.  Every local image a page
 * uses (IMAGE nodes, src and srcset of img and source elements, the
 * featured image) is found the way the EPUB writer finds it (media.c:
 * beside the document, then under the site folder, never outside either),
 * sniffed from its bytes (PNG, JPEG, GIF, WebP; SVG only when it provably
 * holds no script), written once per content as OUTDIR/media/<hash>.<ext>
 * and the src rewritten relative to the page.  Remote images stay remote.
 *
 * Links.  A link to another document's source file ("other.md",
 * "../posts/other.md#x") or to its permalink becomes a link to its page
 * ("../<slug>/#x").  Documents stream and may be freed after their page is
 * written, so a link to a document not seen yet is written as a
 * placeholder (xref.h), the page kept in a spool file, and resolved in
 * finish() — the scheme of the EPUB writer, with the same keys.  Without a
 * base_url, permalinks are placed on a stand-in origin (quire.invalid,
 * reserved by RFC 2606) so that "/posts/x/" and "../x/" still compare.
 *
 * Two phases.  A page is rendered off the main thread (the writer's
 * prepare(), several at once, in any order), where nothing shared may
 * change: images are read, checked and hashed there and recorded in the
 * page's html_pub_page with the name they will get ("media/<h1>.<ext>"),
 * and every link that may point at a document becomes a page-local
 * placeholder.  Then, in collection order on the main thread, commit
 * writes the images not seen before (the first use of a content wins) and
 * resolve_links turns each local placeholder into the page's link, or into
 * a site-wide placeholder when the target has not been seen yet.  So the
 * output does not depend on how many pages were prepared at once.
 */
#include "html_internal.h"
#include "media.h"
#include "xref.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#define PUB_STANDIN_BASE "https://quire.invalid/"

typedef struct pub_media {
    uint64_t h1, h2;
    size_t len;
    char *name;          /* "media/<h1>.<ext>", malloc'd */
} pub_media;

/* A link written as a placeholder. */
typedef struct pub_xref {
    uint64_t key_path, key_url;  /* 0 when none */
    char *fragment;              /* after '#', as written, or NULL */
    char *original;              /* the href as it was */
} pub_xref;

typedef struct pub_page {
    char *rel;
    uint64_t off;
    size_t len;
} pub_page;

/* An image a page uses, read while the page was prepared. */
typedef struct pub_media_rec {
    uint64_t h1, h2;
    size_t len;
    quire_media_kind kind;
    char *data;            /* the bytes, malloc'd, until commit */
    const char *name;      /* the name the page was rendered with (pg->arena) */
    const char *published; /* after commit: the name it got (owned by the
                              html_pub), or NULL (why says why) */
    const char *why;
} pub_media_rec;

/* A link that may point at a document, written as a local placeholder. */
typedef struct pub_link_rec {
    uint64_t key_path, key_url;
    const char *fragment;  /* pg->arena */
    const char *original;
} pub_link_rec;

struct html_pub_page {
    quire_arena *arena;
    pub_media_rec *media;
    size_t n_media, cap_media;
    pub_link_rec *links;
    size_t n_links, cap_links;
    const html_pub_page *names; /* a committed earlier try: images get the
                                   names commit gave them there */
    quire_diag_list diags;      /* warnings, replayed in order by the writer */
};

struct html_pub {
    quire_writer_ctx *ctx;
    const char *site_base;       /* base_url or the stand-in, in arena */
    const char *site_origin;
    quire_arena *arena;
    pub_media *media;
    size_t n_media, cap_media;
    quire_hmap media_by_hash;    /* h1 -> index in media */
    char **slugs;                /* target index -> slug */
    size_t n_slugs, cap_slugs;
    quire_hmap targets;          /* key ^ 1 (source) or ^ 2 (URL) -> target index */
    pub_xref *xrefs;
    size_t n_xrefs, cap_xrefs;
    FILE *spool;
    uint64_t spool_len;
    pub_page *pages;
    size_t n_pages, cap_pages;
};

/* Grow a vector of elements of size `size` to hold one more. */
static bool pub_grow(void **items, size_t *cap, size_t count, size_t size)
{
    if (count < *cap)
        return true;
    size_t n = *cap ? *cap * 2 : 32;
    void *p = realloc(*items, n * size);
    if (!p)
        return false;
    *items = p;
    *cap = n;
    return true;
}

html_pub *quire__html_pub_new(quire_writer_ctx *ctx)
{
    html_pub *pub = calloc(1, sizeof *pub);
    if (!pub || !(pub->arena = quire_arena_new())) {
        free(pub);
        return NULL;
    }
    pub->ctx = ctx;
    const char *base = ctx->site->base_url;
    pub->site_base = base && quire__url_origin(pub->arena, base) ? base : PUB_STANDIN_BASE;
    pub->site_origin = quire__url_origin(pub->arena, pub->site_base);
    return pub;
}

void quire__html_pub_free(html_pub *pub)
{
    if (!pub)
        return;
    for (size_t i = 0; i < pub->n_media; i++)
        free(pub->media[i].name);
    free(pub->media);
    quire__hmap_free(&pub->media_by_hash);
    for (size_t i = 0; i < pub->n_slugs; i++)
        free(pub->slugs[i]);
    free(pub->slugs);
    quire__hmap_free(&pub->targets);
    for (size_t i = 0; i < pub->n_xrefs; i++) {
        free(pub->xrefs[i].fragment);
        free(pub->xrefs[i].original);
    }
    free(pub->xrefs);
    for (size_t i = 0; i < pub->n_pages; i++)
        free(pub->pages[i].rel);
    free(pub->pages);
    if (pub->spool)
        fclose(pub->spool);
    quire_arena_free(pub->arena);
    free(pub);
}

html_pub_page *quire__html_pub_page_new(const html_pub_page *names)
{
    html_pub_page *pg = malloc(sizeof *pg); /* not calloc: see quire_arena_new */
    if (pg)
        *pg = (html_pub_page){0};
    if (!pg || !(pg->arena = quire_arena_new())) {
        free(pg);
        return NULL;
    }
    pg->names = names;
    quire_diag_list_init(&pg->diags);
    return pg;
}

void quire__html_pub_page_free(html_pub_page *pg)
{
    if (!pg)
        return;
    for (size_t i = 0; i < pg->n_media; i++)
        free(pg->media[i].data);
    free(pg->media);
    free(pg->links);
    quire_diag_list_free(&pg->diags);
    quire_arena_free(pg->arena);
    free(pg);
}

quire_diag_list *quire__html_pub_page_diags(html_pub_page *pg)
{
    return &pg->diags;
}

/* ------------------------------------------------------------------ documents */

/* The folder of the document's source file ("" for the current folder). */
static const char *pub_src_dir(quire_arena *a, const quire_document *doc)
{
    const char *sp = doc->source_path && strcmp(doc->source_path, "-") != 0 ? doc->source_path : "";
    const char *slash = strrchr(sp, '/');
    if (!slash)
        return "";
    return slash == sp ? "/" : quire_arena_strndup(a, sp, (size_t)(slash - sp));
}

/* Where the document was published before (its permalink), on the site's
 * origin unless it names another: the rule of the absolute-urls filter. */
static const char *pub_permalink(const html_pub *pub, quire_arena *a, const quire_document *doc,
                                 const char *slug)
{
    const char *u = quire__url_trim(a, doc->url);
    if (u && *u) {
        if (u[0] == '/' && u[1] == '/')
            return quire__html_cat(a, "https:", u, NULL);
        if (quire__url_has_scheme(u))
            return u;
        while (*u == '/')
            u++;
        return quire__url_resolve(a, pub->site_base, u);
    }
    return quire__html_cat(a, pub->site_base, slug, "/");
}

int quire__html_pub_register(html_pub *pub, const quire_document *doc, const char *slug)
{
    if (!pub_grow((void **)&pub->slugs, &pub->cap_slugs, pub->n_slugs, sizeof *pub->slugs))
        return QUIRE_ERR_NOMEM;
    uint32_t idx = (uint32_t)pub->n_slugs;
    if (!(pub->slugs[idx] = strdup(slug)))
        return QUIRE_ERR_NOMEM;
    pub->n_slugs++;
    quire_arena *a = quire_arena_new();
    if (!a)
        return QUIRE_ERR_NOMEM;
    /* The first document to claim a key keeps it, as in the EPUB writer. */
    uint64_t keys[4] = {
        quire__xref_source_hash(doc->source_path) ^ 0x1,
        quire__xref_key_hash(pub_permalink(pub, a, doc, slug)) ^ 0x2,
        quire__xref_key_hash(quire__html_cat(a, pub->site_base, slug, "/")) ^ 0x2,
        0,
    };
    /* "/posts/x/" written in front matter, under a base_url with a path:
     * links may name it from the host's root too */
    const char *u = quire__url_trim(a, doc->url);
    if (u && u[0] == '/' && u[1] != '/')
        keys[3] = quire__xref_key_hash(quire_arena_printf(a, "%s%s", pub->site_origin, u + 1)) ^ 0x2;
    bool ok = true;
    for (size_t i = 0; i < 4; i++)
        if (keys[i] > 0x2)
            ok = ok && quire__hmap_put(&pub->targets, keys[i], idx, false);
    quire_arena_free(a);
    return ok ? QUIRE_OK : QUIRE_ERR_NOMEM;
}

/* ------------------------------------------------------------------ images */

typedef enum pub_img { PUB_KEEP, PUB_LOCAL, PUB_MISSING } pub_img;

/* "media/<h in 16 hex digits>.<ext>" into name (room for 64), as
 * snprintf("media/%016llx.%s") wrote it at a twentieth of the cost: the
 * name a page is rendered with (on a worker) and the one the file gets
 * (at commit), which must agree or the page is rendered again. */
static void pub_media_file(char *name, uint64_t h, const char *ext)
{
    static const char hex[] = "0123456789abcdef";
    memcpy(name, "media/", 6);
    for (int i = 15; i >= 0; i--, h >>= 4)
        name[6 + i] = hex[h & 15];
    name[22] = '.';
    if (!ext)
        ext = "";
    size_t n = strlen(ext);
    if (n > 40)
        n = 40;
    memcpy(name + 23, ext, n);
    name[23 + n] = '\0';
}

/* The published copy of image bytes already checked and hashed: its name
 * in pub->media, written now if no image with the same content was. */
static const char *pub_media_put(html_pub *pub, const pub_media_rec *r, const char **why)
{
    uint32_t idx;
    if (quire__hmap_get(&pub->media_by_hash, r->h1, &idx) && pub->media[idx].h2 == r->h2 &&
        pub->media[idx].len == r->len)
        return pub->media[idx].name;
    if (!pub_grow((void **)&pub->media, &pub->cap_media, pub->n_media, sizeof *pub->media)) {
        *why = "out of memory";
        return NULL;
    }
    char name[64];
    /* 64 bits of name; a different image with the same first hash (never
     * seen in practice) gets the second one mixed in rather than overwrite */
    uint64_t h = quire__hmap_get(&pub->media_by_hash, r->h1, NULL) ? r->h1 ^ r->h2 : r->h1;
    pub_media_file(name, h, quire__media_ext(r->kind));
    if (quire__html_write_file(pub->ctx, name, r->data, r->len) != QUIRE_OK) {
        *why = "it cannot be written to the output folder";
        return NULL;
    }
    pub_media *m = &pub->media[pub->n_media];
    *m = (pub_media){r->h1, r->h2, r->len, strdup(name)};
    if (!m->name || !quire__hmap_put(&pub->media_by_hash, r->h1, (uint32_t)pub->n_media, false)) {
        free(m->name);
        *why = "out of memory";
        return NULL;
    }
    pub->n_media++;
    return m->name;
}

/* The name image bytes (data, malloc'd: taken) will be published under,
 * recorded in pg for commit.  NULL with *why when they are no image we
 * publish. */
static const char *pub_media_name(html_pub_page *pg, char *data, size_t len, const char **why)
{
    quire_media_kind kind = quire__media_sniff((const unsigned char *)data, len);
    if (kind == QUIRE_MEDIA_UNKNOWN) {
        *why = len ? "not a PNG, JPEG, GIF, WebP or SVG image" : "the image file is empty";
        free(data);
        return NULL;
    }
    if (kind == QUIRE_MEDIA_SVG && !quire__media_svg_is_safe((const unsigned char *)data, len)) {
        *why = "an SVG image that may hold script or load other files";
        free(data);
        return NULL;
    }
    pub_media_rec r = {.len = len, .kind = kind, .data = data};
    quire__media_hash(data, len, &r.h1, &r.h2);
    /* the same content twice on a page: one record */
    for (size_t i = 0; i < pg->n_media; i++)
        if (pg->media[i].h1 == r.h1 && pg->media[i].h2 == r.h2 && pg->media[i].len == len) {
            free(data);
            return pg->media[i].name;
        }
    /* "media/<h1>.<ext>" unless commit finds that name taken by other
     * bytes; then a second try gets the names commit gave */
    char name[64];
    pub_media_file(name, r.h1, quire__media_ext(kind));
    for (size_t i = 0; pg->names && i < pg->names->n_media; i++) {
        const pub_media_rec *e = &pg->names->media[i];
        if (e->h1 != r.h1 || e->h2 != r.h2 || e->len != len)
            continue;
        if (!e->published) {
            *why = e->why;
            free(data);
            return NULL;
        }
        snprintf(name, sizeof name, "%s", e->published);
        break;
    }
    r.name = quire_arena_strdup(pg->arena, name);
    if (!r.name || !pub_grow((void **)&pg->media, &pg->cap_media, pg->n_media, sizeof *pg->media)) {
        *why = "out of memory";
        free(data);
        return NULL;
    }
    pg->media[pg->n_media++] = r;
    return r.name;
}

/* One image src of doc: *out gets the published name (relative to the
 * site root) for a local file.  A URL with a scheme (http, https, data)
 * is kept as it is: remote images stay remote. */
static pub_img pub_image(const html_pub *pub, html_pub_page *pg, quire_arena *a,
                         const quire_document *doc, const char *src, uint32_t line, uint32_t col,
                         const char **out)
{
    char *u = quire__url_trim(a, src);
    if (!u || !*u || (u[0] == '/' && u[1] == '/') || quire__url_has_scheme(u) || u[0] == '#')
        return PUB_KEEP;
    const char *full = u, *why = NULL;
    char *data = NULL;
    size_t len = 0;
    const char *name = NULL;
    if (quire__media_read_local(a, u, pub_src_dir(a, doc), pub->ctx->site->config_dir,
                                QUIRE_MEDIA_MAX, &data, &len, &full, &why) == QUIRE_OK)
        name = pub_media_name(pg, data, len, &why);
    else
        free(data);
    if (!name) {
        quire_diag_add(&pg->diags, QUIRE_SEV_WARNING, "html", doc->source_path, line, col,
                       "image %s: %s; using its alt text", full, why ? why : "?");
        return PUB_MISSING;
    }
    *out = name;
    return PUB_LOCAL;
}

int quire__html_pub_commit(html_pub *pub, html_pub_page *pg, bool *redo)
{
    *redo = false;
    for (size_t i = 0; i < pg->n_media; i++) {
        pub_media_rec *r = &pg->media[i];
        r->why = NULL;
        r->published = pub_media_put(pub, r, &r->why);
        /* r->data stays: the page's release frees it, on the worker that
         * read it (a free on this thread would take that worker's heap
         * lock; see quire__run_ordered). */
        if (!r->published || strcmp(r->published, r->name) != 0)
            *redo = true;
    }
    return QUIRE_OK;
}

/* Where the featured image was written in the front matter, for messages. */
static void pub_value_pos(const quire_value *v, const char *s, uint32_t *line, uint32_t *col)
{
    for (const quire_value *c = v && v->type == QUIRE_VALUE_MAPPING ? v->first : NULL; c; c = c->next) {
        const quire_value *hit = NULL;
        if (c->type == QUIRE_VALUE_STRING && c->str && strcmp(c->str, s) == 0)
            hit = c;
        for (const quire_value *g = c->type == QUIRE_VALUE_MAPPING ? c->first : NULL; g && !hit; g = g->next)
            if (g->type == QUIRE_VALUE_STRING && g->str && strcmp(g->str, s) == 0)
                hit = g;
        if (hit) {
            *line = hit->line;
            *col = hit->column;
            return;
        }
    }
}

const char *quire__html_pub_image(const html_pub *pub, html_pub_page *pg, quire_arena *a,
                                  const quire_document *doc, bool *local)
{
    *local = false;
    const char *src = doc->image.src;
    if (!src || !*src)
        return NULL;
    uint32_t line = 0, col = 0;
    pub_value_pos(doc->extra, src, &line, &col);
    const char *name = NULL;
    switch (pub_image(pub, pg, a, doc, src, line, col, &name)) {
    case PUB_LOCAL:
        *local = true;
        return name;
    case PUB_MISSING:
        return NULL;
    default: {
        const char *u = quire__url_trim(a, src);
        return u && *u && u[0] != '#' ? src : NULL;
    }
    }
}

/* srcset with every local candidate published; missing ones dropped.
 * NULL when nothing is left. */
static const char *pub_srcset(const html_pub *pub, html_pub_page *pg, quire_arena *a,
                              const quire_document *doc,
                              const quire_node *n, const char *v, const char *root)
{
    quire_buf b;
    quire__buf_init(&b);
    quire_srcset_item c;
    for (const char *p = v; quire__srcset_next(&p, &c);) {
        char *url = quire_arena_strndup(a, c.url, c.url_len);
        const char *name = NULL;
        switch (pub_image(pub, pg, a, doc, url, n->line, n->column, &name)) {
        case PUB_LOCAL:
            name = quire__html_cat(a, root, name, NULL);
            quire__srcset_put(&b, name, strlen(name), c.desc, c.desc_len);
            break;
        case PUB_KEEP:
            quire__srcset_put(&b, c.url, c.url_len, c.desc, c.desc_len);
            break;
        default:
            break;
        }
    }
    const char *r = b.len && !b.oom ? quire_arena_strndup(a, b.data, b.len) : NULL;
    quire__buf_free(&b);
    return r;
}

/* The URL of the first candidate of a srcset, in a. */
static const char *pub_srcset_first(quire_arena *a, const char *v)
{
    quire_srcset_item c;
    const char *p = v;
    return quire__srcset_next(&p, &c) ? quire_arena_strndup(a, c.url, c.url_len) : NULL;
}

/* ------------------------------------------------------------------ links */

bool quire__html_is_origin(const char *origin, const char *u)
{
    if (!origin || !*origin || !u)
        return false;
    size_t i = 0;
    /* all but the final '/', the URL's letters lowered as ASCII (every link
     * of every page is asked: no call per byte) */
    for (; origin[i + 1]; i++) {
        unsigned char c = (unsigned char)u[i];
        if (!c || (c >= 'A' && c <= 'Z' ? c + 32 : c) != (unsigned char)origin[i])
            return false;
    }
    return u[i] == '\0' || u[i] == '/' || u[i] == '?' || u[i] == '#';
}

/* A link that may point at a document becomes a local placeholder,
 * recorded in pg (resolved in order by quire__html_pub_resolve_links);
 * anything else is left alone. */
static int pub_link(const html_pub *pub, html_pub_page *pg, quire_arena *a, quire_node *n,
                    const char *src_dir, const char *permalink)
{
    char *u = quire__url_trim(a, n->url);
    if (!u || !*u || u[0] == '#' || u[0] == '?')
        return QUIRE_OK; /* this page itself, with its query: not a document link */
    if (u[0] == '/' && u[1] == '/')
        u = quire__html_cat(a, "https:", u, NULL);
    uint64_t kp = 0, ku = 0;
    if (quire__url_has_scheme(u)) {
        if (!quire__html_is_origin(pub->site_origin, u))
            return QUIRE_OK;
        ku = quire__xref_key_hash(u);
    } else {
        kp = quire__xref_path_hash(src_dir, u);
        const char *abs = quire__url_resolve(a, permalink, u);
        if (quire__html_is_origin(pub->site_origin, abs))
            ku = quire__xref_key_hash(abs);
    }
    if (!kp && !ku)
        return QUIRE_OK;
    const char *hash = strchr(u, '#');
    if (!pub_grow((void **)&pg->links, &pg->cap_links, pg->n_links, sizeof *pg->links))
        return QUIRE_ERR_NOMEM;
    pub_link_rec *x = &pg->links[pg->n_links];
    *x = (pub_link_rec){kp, ku, hash && hash[1] ? quire_arena_strdup(pg->arena, hash + 1) : NULL,
                        quire_arena_strdup(pg->arena, n->url)};
    if (!x->original || (hash && hash[1] && !x->fragment))
        return QUIRE_ERR_NOMEM;
    /* QUIRE_XREF_PREFIX and the link's number, without printf: a page
     * has a few of these */
    char ph[48] = QUIRE_XREF_PREFIX;
    size_t at = sizeof QUIRE_XREF_PREFIX - 1;
    at += quire__fmt_uint(ph + at, pg->n_links, 0);
    n->url = quire_arena_strndup(a, ph, at);
    pg->n_links++;
    return QUIRE_OK;
}

/* ------------------------------------------------------------------ bodies */

static bool pub_is(const quire_node *n, const char *name)
{
    return (n->type == QUIRE_NODE_HTML_BLOCK || n->type == QUIRE_NODE_HTML_INLINE) && n->name &&
           strcmp(n->name, name) == 0;
}

/* An image that could not be published: its alt text takes its place. */
static void pub_to_alt(quire_arena *a, quire_node *n, const char *alt)
{
    if (alt && *alt)
        quire_node_insert_before(n, quire_node_new_text(a, alt, strlen(alt), n->line, n->column));
    quire_node_unlink(n);
}

int quire__html_pub_body(const html_pub *pub, html_pub_page *pg, quire_arena *a,
                         const quire_document *doc, const char *slug, quire_node *body,
                         const char *root)
{
    const char *src_dir = pub_src_dir(a, doc);
    const char *permalink = pub_permalink(pub, a, doc, slug);
    /* Nodes are replaced after the walk: the iterator must not see a node
     * move under it. */
    quire_node **gone = NULL;
    size_t n_gone = 0, cap_gone = 0;
    int rc = QUIRE_OK;
    for (quire_node *n = body; rc == QUIRE_OK && n; n = quire__html_next(body, n)) {
        bool drop = false;
        if (n->type == QUIRE_NODE_LINK) {
            rc = pub_link(pub, pg, a, n, src_dir, permalink);
        } else if (n->type == QUIRE_NODE_IMAGE) {
            const char *name = NULL;
            pub_img r = pub_image(pub, pg, a, doc, n->url, n->line, n->column, &name);
            if (r == PUB_LOCAL)
                n->url = quire__html_cat(a, root, name, NULL);
            const char *set = quire_node_attr(n, "srcset");
            const char *v = set ? pub_srcset(pub, pg, a, doc, n, set, root) : NULL;
            if (v)
                quire_node_set_attr(a, n, "srcset", v);
            else if (set)
                quire_node_remove_attr(n, "srcset");
            if (r == PUB_MISSING && v)
                n->url = pub_srcset_first(a, v); /* an img needs a src */
            drop = r == PUB_MISSING && !v;
        } else if (pub_is(n, "img") || pub_is(n, "source")) {
            const char *src = quire_node_attr(n, "src"), *name = NULL;
            if (src) {
                pub_img r = pub_image(pub, pg, a, doc, src, n->line, n->column, &name);
                if (r == PUB_LOCAL)
                    quire_node_set_attr(a, n, "src", quire__html_cat(a, root, name, NULL));
                else if (r == PUB_MISSING)
                    quire_node_remove_attr(n, "src");
            }
            const char *set = quire_node_attr(n, "srcset");
            if (set) {
                const char *v = pub_srcset(pub, pg, a, doc, n, set, root);
                if (v)
                    quire_node_set_attr(a, n, "srcset", v);
                else
                    quire_node_remove_attr(n, "srcset");
            }
            set = quire_node_attr(n, "srcset");
            /* an img must have a src: the first candidate left will do */
            if (pub_is(n, "img") && !quire_node_attr(n, "src") && set)
                quire_node_set_attr(a, n, "src", pub_srcset_first(a, set));
            drop = pub_is(n, "img") ? !quire_node_attr(n, "src") : !quire_node_attr(n, "src") && !set;
        }
        if (drop) {
            if (!pub_grow((void **)&gone, &cap_gone, n_gone, sizeof *gone))
                rc = QUIRE_ERR_NOMEM;
            else
                gone[n_gone++] = n;
        }
    }
    for (size_t i = 0; i < n_gone; i++) {
        quire_node *g = gone[i];
        pub_to_alt(a, g, g->type == QUIRE_NODE_IMAGE ? g->literal
                         : pub_is(g, "img")           ? quire_node_attr(g, "alt")
                                                      : NULL);
    }
    free(gone);
    return rc;
}

/* ------------------------------------------------------------------ deferred pages */

int quire__html_pub_defer(html_pub *pub, const char *rel, const char *data, size_t len)
{
    if (!pub->spool && !(pub->spool = tmpfile()))
        return QUIRE_ERR_IO;
    if (!pub_grow((void **)&pub->pages, &pub->cap_pages, pub->n_pages, sizeof *pub->pages))
        return QUIRE_ERR_NOMEM;
    if (fseek(pub->spool, 0, SEEK_END) != 0 || (len && fwrite(data, 1, len, pub->spool) != len))
        return QUIRE_ERR_IO;
    pub_page *pg = &pub->pages[pub->n_pages];
    *pg = (pub_page){strdup(rel), pub->spool_len, len};
    if (!pg->rel)
        return QUIRE_ERR_NOMEM;
    pub->spool_len += len;
    pub->n_pages++;
    return QUIRE_OK;
}

/* An attribute value the way the renderer writes one: invalid UTF-8 and
 * characters illegal in XML repaired, line breaks as spaces, escaped. */
static void pub_put_attr(quire_buf *out, const char *v)
{
    size_t n = 0;
    while ((unsigned char)v[n] >= 0x20 && (unsigned char)v[n] < 0x7f && v[n] != '&' &&
           v[n] != '<' && v[n] != '>' && v[n] != '"')
        n++;
    if (!v[n]) { /* the common case: nothing to repair or escape */
        quire__buf_put(out, v, n);
        return;
    }
    quire_arena *a = quire_arena_new();
    const char *clean = a ? quire__xml_clean(a, v) : NULL;
    if (!clean) {
        out->oom = true;
        quire_arena_free(a);
        return;
    }
    for (const char *p = clean; *p; p++) {
        size_t run = strcspn(p, "\t\n\r");
        quire__buf_put_escaped(out, p, run, true);
        p += run;
        if (!*p)
            break;
        quire__buf_putc(out, ' ');
    }
    quire_arena_free(a);
}

/* The link to the page of target t, as the renderer writes an href of
 * "../<slug>/#fragment" (document pages are one level below the root). */
static void pub_put_href(const html_pub *pub, uint32_t t, const char *fragment, quire_buf *out)
{
    quire__buf_puts(out, " href=\"../");
    pub_put_attr(out, pub->slugs[t]);
    quire__buf_putc(out, '/');
    if (fragment) {
        quire__buf_putc(out, '#');
        pub_put_attr(out, fragment);
    }
    quire__buf_putc(out, '"');
}

static bool pub_target(const html_pub *pub, uint64_t key_path, uint64_t key_url, uint32_t *t)
{
    return (key_path && quire__hmap_get(&pub->targets, key_path ^ 0x1, t)) ||
           (key_url && quire__hmap_get(&pub->targets, key_url ^ 0x2, t));
}

typedef struct pub_local {
    html_pub *pub;
    const html_pub_page *pg;
    bool deferred;
} pub_local;

/* A local placeholder: the link when its target is known by now, else a
 * site-wide placeholder for quire__html_pub_finish. */
static void pub_resolve_local(void *ud, size_t index, quire_buf *out)
{
    pub_local *l = ud;
    html_pub *pub = l->pub;
    const pub_link_rec *r = &l->pg->links[index];
    uint32_t t;
    if (pub_target(pub, r->key_path, r->key_url, &t)) {
        pub_put_href(pub, t, r->fragment, out);
        return;
    }
    if (!pub_grow((void **)&pub->xrefs, &pub->cap_xrefs, pub->n_xrefs, sizeof *pub->xrefs)) {
        out->oom = true;
        return;
    }
    pub_xref *x = &pub->xrefs[pub->n_xrefs];
    *x = (pub_xref){r->key_path, r->key_url, r->fragment ? strdup(r->fragment) : NULL,
                    strdup(r->original)};
    if (!x->original || (r->fragment && !x->fragment)) {
        free(x->fragment);
        free(x->original);
        out->oom = true;
        return;
    }
    quire__buf_printf(out, " href=\"" QUIRE_XREF_PREFIX "%zu\"", pub->n_xrefs);
    pub->n_xrefs++;
    l->deferred = true;
}

int quire__html_pub_resolve_links(html_pub *pub, const html_pub_page *pg, const char *page,
                                  size_t len, quire_buf *out, bool *deferred)
{
    pub_local l = {pub, pg, false};
    int rc = quire__xref_rewrite(page, len, pg->n_links, pub_resolve_local, &l, out);
    *deferred = l.deferred;
    return rc;
}

bool quire__html_pub_has_links(const html_pub_page *pg)
{
    return pg->n_links > 0;
}

static void pub_resolve(void *ud, size_t index, quire_buf *out)
{
    html_pub *pub = ud;
    const pub_xref *x = &pub->xrefs[index];
    uint32_t t;
    if (pub_target(pub, x->key_path, x->key_url, &t)) {
        pub_put_href(pub, t, x->fragment, out);
    } else {
        quire__buf_puts(out, " href=\"");
        pub_put_attr(out, x->original); /* unknown targets stay as they were */
        quire__buf_putc(out, '"');
    }
}

int quire__html_pub_finish(html_pub *pub)
{
    int rc = QUIRE_OK;
    quire_buf in, out;
    quire__buf_init(&in);
    quire__buf_init(&out);
    for (size_t i = 0; rc == QUIRE_OK && i < pub->n_pages; i++) {
        const pub_page *pg = &pub->pages[i];
        quire__buf_reset(&in);
        quire__buf_reset(&out);
        char block[65536];
        if (fseeko(pub->spool, (off_t)pg->off, SEEK_SET) != 0) {
            rc = QUIRE_ERR_IO;
            break;
        }
        for (size_t left = pg->len; left;) {
            size_t want = left < sizeof block ? left : sizeof block;
            size_t got = fread(block, 1, want, pub->spool);
            if (got != want) {
                rc = QUIRE_ERR_IO;
                break;
            }
            quire__buf_put(&in, block, got);
            left -= got;
        }
        if (rc == QUIRE_OK && in.oom)
            rc = QUIRE_ERR_NOMEM;
        if (rc == QUIRE_OK)
            rc = quire__xref_rewrite(in.data ? in.data : "", in.len, pub->n_xrefs, pub_resolve,
                                     pub, &out);
        if (rc == QUIRE_OK)
            rc = quire__html_write_file(pub->ctx, pg->rel, out.data ? out.data : "", out.len);
    }
    quire__buf_free(&in);
    quire__buf_free(&out);
    return rc;
}
