/*
 * embeds.c — filter "embeds": iframes, videos, audio and objects become a
 * safe figure that every reader can show:
 *
 *   FIGURE
 *     PARAGRAPH > LINK(url = watch page) > TEXT(title or "<Provider> video")
 *     CAPTION > TEXT(provider)
 *
 * YouTube embed URLs (youtube.com/embed/ID, youtube-nocookie.com, youtu.be,
 * /shorts/, /v/) link to https://www.youtube.com/watch?v=ID, Vimeo player
 * URLs to https://vimeo.com/ID; other providers keep their URL and are named
 * after a small table or their host.  Generic titles such as "YouTube video
 * player" are not titles.  A remote frame never survives: EPUB forbids remote
 * iframes and feed readers strip them.
 *
 * Both EMBED nodes and generic HTML elements named iframe/video/audio/embed/
 * object (when a reader kept them as such) are handled.  An embed that is
 * alone in its paragraph replaces the paragraph, so no block ends up inside
 * a <p>.  Nodes are collected first and replaced after the walk (the iterator
 * forbids unlinking the current node).
 */
#include "internal.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef struct emb_target {
    const char *provider;  /* display name, or NULL */
    const char *url;       /* where the link goes, or NULL (no usable URL) */
} emb_target;

static const struct {
    const char *host, *name;
} emb_providers[] = {
    {"dailymotion.com", "Dailymotion"}, {"dai.ly", "Dailymotion"},
    {"spotify.com", "Spotify"},         {"soundcloud.com", "SoundCloud"},
    {"twitter.com", "Twitter"},         {"x.com", "X"},
    {"codepen.io", "CodePen"},          {"ted.com", "TED"},
    {"twitch.tv", "Twitch"},            {"facebook.com", "Facebook"},
    {"instagram.com", "Instagram"},     {"loom.com", "Loom"},
    {"wistia.com", "Wistia"},           {"wistia.net", "Wistia"},
    {"bilibili.com", "Bilibili"},       {"tiktok.com", "TikTok"},
    {"google.com", "Google"},           {"slideshare.net", "SlideShare"},
    {"archive.org", "Internet Archive"}, {"podcasts.apple.com", "Apple Podcasts"},
};

/* True when host is d or a subdomain of d. */
static bool emb_host_is(const char *host, const char *d)
{
    size_t h = strlen(host), n = strlen(d);
    return h == n ? strcmp(host, d) == 0 : (h > n && host[h - n - 1] == '.' && strcmp(host + h - n, d) == 0);
}

static bool emb_id_ok(const char *s, size_t n, bool digits_only)
{
    if (n < 1 || n > 32)
        return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (digits_only ? !isdigit(c) : !(isalnum(c) || c == '-' || c == '_'))
            return false;
    }
    return true;
}

/* Value of a query parameter (not decoded), or NULL. */
static const char *emb_query(const char *query, const char *key, size_t *len)
{
    size_t k = strlen(key);
    for (const char *p = query; p && *p;) {
        size_t n = strcspn(p, "&#");
        if (n > k && strncmp(p, key, k) == 0 && p[k] == '=') {
            *len = n - k - 1;
            return p + k + 1;
        }
        p += n;
        if (*p != '&')
            break;
        p++;
    }
    return NULL;
}

static emb_target emb_classify(quire_arena *a, const char *src)
{
    emb_target t = {NULL, NULL};
    if (!src)
        return t;
    while (*src == ' ' || *src == '\t' || *src == '\n' || *src == '\r')
        src++;
    if (!*src)
        return t;
    const char *url = src;
    if (src[0] == '/' && src[1] == '/')
        url = quire_arena_printf(a, "https:%s", src);
    if (strncasecmp(url, "http://", 7) != 0 && strncasecmp(url, "https://", 8) != 0) {
        /* a local file or an unsafe scheme: only a relative reference is kept */
        if (!quire__url_has_scheme(url))
            t.url = url;
        return t;
    }
    const char *h = strstr(url, "://") + 3;
    size_t hl = strcspn(h, "/?#");
    char *host = quire_arena_strndup(a, h, hl);
    char *colon = strchr(host, ':');
    if (colon)
        *colon = '\0';
    for (char *p = host; *p; p++)
        *p = (char)tolower((unsigned char)*p);
    if (strchr(host, '@') || !*host)
        return t; /* user info in an embed URL: refuse rather than guess */
    const char *path = h + hl;
    const char *q = strchr(path, '?');
    size_t pl = strcspn(path, "?#");

    if (emb_host_is(host, "youtube.com") || emb_host_is(host, "youtube-nocookie.com") ||
        emb_host_is(host, "youtu.be")) {
        t.provider = "YouTube";
        const char *id = NULL;
        size_t n = 0;
        static const char *const pre[] = {"/embed/", "/v/", "/shorts/", "/live/", NULL};
        if (emb_host_is(host, "youtu.be") && pl > 1) {
            id = path + 1;
            n = strcspn(id, "/?#");
        }
        for (size_t i = 0; !id && pre[i]; i++) {
            size_t k = strlen(pre[i]);
            if (pl > k && strncmp(path, pre[i], k) == 0) {
                id = path + k;
                n = strcspn(id, "/?#");
            }
        }
        if (!id && q)
            id = emb_query(q + 1, "v", &n);
        if (id && emb_id_ok(id, n, false))
            t.url = quire_arena_printf(a, "https://www.youtube.com/watch?v=%.*s", (int)n, id);
        else
            t.url = url;
        return t;
    }
    if (emb_host_is(host, "vimeo.com")) {
        t.provider = "Vimeo";
        const char *id = NULL;
        size_t n = 0;
        if (strncmp(path, "/video/", 7) == 0)
            id = path + 7;
        else if (pl > 1)
            id = path + 1;
        if (id)
            n = strcspn(id, "/?#");
        t.url = id && emb_id_ok(id, n, true)
                    ? quire_arena_printf(a, "https://vimeo.com/%.*s", (int)n, id)
                    : url;
        return t;
    }
    for (size_t i = 0; i < sizeof emb_providers / sizeof emb_providers[0]; i++)
        if (emb_host_is(host, emb_providers[i].host)) {
            t.provider = emb_providers[i].name;
            break;
        }
    if (!t.provider)
        t.provider = strncmp(host, "www.", 4) == 0 ? host + 4 : host;
    t.url = url;
    return t;
}

/* "YouTube video player", "Vimeo video player", "video player": not titles. */
static bool emb_generic_title(const char *title, const char *provider)
{
    if (!title)
        return true;
    while (*title == ' ')
        title++;
    if (!*title)
        return true;
    static const char *const generic[] = {"video player", "youtube video player",
                                          "vimeo video player", "embedded content",
                                          "embedded video", "iframe", "video", "player", NULL};
    for (size_t i = 0; generic[i]; i++)
        if (strcasecmp(title, generic[i]) == 0)
            return true;
    return provider && strcasecmp(title, provider) == 0;
}

static bool emb_is_element(const quire_node *n)
{
    if ((n->type != QUIRE_NODE_HTML_BLOCK && n->type != QUIRE_NODE_HTML_INLINE) || !n->name)
        return false;
    static const char *const names[] = {"iframe", "video", "audio", "embed", "object", NULL};
    for (size_t i = 0; names[i]; i++)
        if (strcasecmp(n->name, names[i]) == 0)
            return true;
    return false;
}

/* src of a generic element: src, data (object), or the first <source src>. */
static const char *emb_element_src(const quire_node *n)
{
    const char *s = quire_node_attr(n, "src");
    if (!s || !*s)
        s = quire_node_attr(n, "data");
    for (const quire_node *c = n->first_child; (!s || !*s) && c; c = c->next)
        if ((c->type == QUIRE_NODE_HTML_BLOCK || c->type == QUIRE_NODE_HTML_INLINE) && c->name &&
            strcasecmp(c->name, "source") == 0)
            s = quire_node_attr(c, "src");
    return s;
}

/* True when every child of p other than `except` is white space. */
static bool emb_alone_in(const quire_node *p, const quire_node *except)
{
    for (const quire_node *c = p->first_child; c; c = c->next) {
        if (c == except || c->type == QUIRE_NODE_SOFTBREAK || c->type == QUIRE_NODE_LINEBREAK)
            continue;
        if (c->type != QUIRE_NODE_TEXT)
            return false;
        for (const char *s = c->literal; s && *s; s++)
            if (*s != ' ' && *s != '\t' && *s != '\n' && *s != '\r')
                return false;
    }
    return true;
}

static int emb_replace(quire_document *doc, quire_node *n)
{
    quire_arena *a = doc->arena;
    bool element = emb_is_element(n);
    const char *src = element ? emb_element_src(n) : n->url;
    const char *title = element ? quire_node_attr(n, "title") : n->title;
    quire_embed_kind kind = n->embed_kind;
    if (element) {
        kind = strcasecmp(n->name, "video") == 0   ? QUIRE_EMBED_VIDEO
               : strcasecmp(n->name, "audio") == 0 ? QUIRE_EMBED_AUDIO
                                                   : QUIRE_EMBED_IFRAME;
    }
    emb_target t = emb_classify(a, src);
    if (!t.provider && !element && n->info && *n->info)
        t.provider = n->info;
    if (emb_generic_title(title, t.provider))
        title = NULL;

    const char *what = kind == QUIRE_EMBED_AUDIO ? "audio" : "video";
    const char *text = title ? title
                       : t.provider ? quire_arena_printf(a, "%s %s", t.provider, what)
                       : kind == QUIRE_EMBED_AUDIO ? "Audio"
                       : kind == QUIRE_EMBED_VIDEO ? "Video" : "Embedded content";

    quire_node *fig = quire_node_new(a, QUIRE_NODE_FIGURE, n->line, n->column);
    quire_node *p = quire_node_new(a, QUIRE_NODE_PARAGRAPH, n->line, n->column);
    quire_node *txt = quire_node_new_text(a, text, strlen(text), n->line, n->column);
    if (!fig || !p || !txt)
        return QUIRE_ERR_NOMEM;
    quire_node_set_attr(a, fig, "class", "embed");
    quire_node_append(fig, p);
    if (t.url) {
        quire_node *link = quire_node_new(a, QUIRE_NODE_LINK, n->line, n->column);
        if (!link)
            return QUIRE_ERR_NOMEM;
        link->url = quire_arena_strdup(a, t.url);
        quire_node_append(p, link);
        quire_node_append(link, txt);
    } else {
        quire_node_append(p, txt);
    }
    if (t.provider) {
        quire_node *cap = quire_node_new(a, QUIRE_NODE_CAPTION, n->line, n->column);
        quire_node *ct = quire_node_new_text(a, t.provider, strlen(t.provider), n->line, n->column);
        if (!cap || !ct)
            return QUIRE_ERR_NOMEM;
        quire_node_append(cap, ct);
        quire_node_append(fig, cap);
    }
    /* alone in a paragraph: the figure takes the paragraph's place */
    quire_node *where = n;
    if (n->parent && n->parent->type == QUIRE_NODE_PARAGRAPH && emb_alone_in(n->parent, n))
        where = n->parent;
    quire_node_insert_before(where, fig);
    quire_node_unlink(where);
    return QUIRE_OK;
}

/* What the filter replaces. */
static bool emb_wanted(const quire_node *n)
{
    return n->type == QUIRE_NODE_EMBED || emb_is_element(n);
}

/* Every node emb_run finds is replaced, and it reports nothing: so it
 * changes a document exactly when its walk would find one. */
static bool emb_changes(const quire_filter_ctx *ctx, const quire_document *doc)
{
    (void)ctx;
    for (const quire_node *n = doc->body; n; n = quire__node_next(doc->body, n))
        if (emb_wanted(n))
            return true;
    return false;
}

static int emb_run(quire_filter_ctx *ctx, quire_document *doc)
{
    (void)ctx;
    if (!doc->body)
        return QUIRE_OK;
    quire_node **found = NULL;
    size_t n = 0, cap = 0;
    quire_iter it;
    quire_node *node;
    quire_event ev;
    quire_iter_init(&it, doc->body);
    while ((ev = quire_iter_next(&it, &node)) != QUIRE_EVENT_DONE) {
        if (ev != QUIRE_EVENT_ENTER || !emb_wanted(node))
            continue;
        if (n == cap) {
            size_t nc = cap ? cap * 2 : 8;
            quire_node **f = realloc(found, nc * sizeof *f);
            if (!f) {
                free(found);
                return QUIRE_ERR_NOMEM;
            }
            found = f;
            cap = nc;
        }
        found[n++] = node;
        quire_iter_skip_children(&it); /* nested embeds go with their parent */
    }
    int rc = QUIRE_OK;
    for (size_t i = 0; i < n && rc == QUIRE_OK; i++)
        rc = emb_replace(doc, found[i]);
    free(found);
    return rc;
}

const quire_filter quire_filter_embeds = {
    .version = QUIRE_COMPONENT_VERSION,
    .name = "embeds",
    .description = "iframes, videos and audio become a figure with a link to the provider's page",
    .scope = QUIRE_FILTER_DOCUMENT,
    .run_document = emb_run,
    .changes = emb_changes,
};
