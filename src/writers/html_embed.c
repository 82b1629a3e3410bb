/*
 * html_embed.c — embedded video in HTML pages.  A frame from a known
 * provider stays playable, but on the provider's privacy-friendly host,
 * loaded lazily, sandboxed, titled and without obsolete attributes; a frame
 * from anywhere else becomes a plain link, so no page of ours runs a third
 * party's document we know nothing about.
 */
#include "html_internal.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* After "scheme://", the host (lower-cased into host[]) and where the path
 * starts; false for anything but http, https or a scheme-relative URL. */
static bool html_split_url(const char *url, char host[256], const char **path)
{
    const char *p = url;
    if (!strncasecmp(p, "https://", 8))
        p += 8;
    else if (!strncasecmp(p, "http://", 7))
        p += 7;
    else if (!strncmp(p, "//", 2))
        p += 2;
    else
        return false;
    size_t n = strcspn(p, "/?#");
    if (n == 0 || n >= 256 || memchr(p, '@', n))
        return false; /* no credentials: "youtube.com@evil.example" */
    for (size_t i = 0; i < n; i++) {
        char c = p[i];
        host[i] = (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
    }
    host[n] = '\0';
    char *colon = strchr(host, ':');
    if (colon)
        *colon = '\0';
    *path = p + n;
    return true;
}

/* A video id: letters, digits, '-' and '_' (YouTube) up to a delimiter. */
static size_t html_id_len(const char *s, bool digits_only)
{
    size_t n = 0;
    while (s[n] && ((s[n] >= '0' && s[n] <= '9') ||
                    (!digits_only && ((s[n] >= 'a' && s[n] <= 'z') || (s[n] >= 'A' && s[n] <= 'Z') ||
                                      s[n] == '-' || s[n] == '_'))))
        n++;
    if (s[n] && !strchr("/?#&", s[n]))
        return 0; /* an id followed by something odd is no id */
    return n <= 64 ? n : 0;
}

static bool html_host_is(const char *host, const char *domain)
{
    size_t h = strlen(host), d = strlen(domain);
    return h == d ? strcmp(host, domain) == 0
                  : h > d && host[h - d - 1] == '.' && strcmp(host + h - d, domain) == 0;
}

const char *quire__html_video_url(quire_arena *a, const char *url, const char **provider)
{
    char host[256];
    const char *path;
    if (!url || !html_split_url(url, host, &path))
        return NULL;
    const char *id = NULL;
    size_t n = 0;
    if (html_host_is(host, "youtube.com") || html_host_is(host, "youtube-nocookie.com")) {
        static const char *const prefixes[] = {"/embed/", "/v/", "/shorts/", "/live/", NULL};
        for (size_t i = 0; prefixes[i] && !id; i++)
            if (!strncmp(path, prefixes[i], strlen(prefixes[i])))
                id = path + strlen(prefixes[i]);
        if (!id && !strncmp(path, "/watch?", 7)) {
            for (const char *q = path + 7; q && *q; q = strchr(q, '&')) {
                if (*q == '&')
                    q++;
                if (!strncmp(q, "v=", 2)) {
                    id = q + 2;
                    break;
                }
            }
        }
        if (id && (n = html_id_len(id, false))) {
            if (provider)
                *provider = "YouTube";
            return quire_arena_printf(a, "https://www.youtube-nocookie.com/embed/%.*s", (int)n, id);
        }
    } else if (strcmp(host, "youtu.be") == 0) {
        if (path[0] == '/' && (n = html_id_len(path + 1, false))) {
            if (provider)
                *provider = "YouTube";
            return quire_arena_printf(a, "https://www.youtube-nocookie.com/embed/%.*s", (int)n,
                                      path + 1);
        }
    } else if (strcmp(host, "player.vimeo.com") == 0) {
        if (!strncmp(path, "/video/", 7) && (n = html_id_len(path + 7, true))) {
            if (provider)
                *provider = "Vimeo";
            return quire_arena_printf(a, "https://player.vimeo.com/video/%.*s?dnt=1", (int)n, path + 7);
        }
    } else if (strcmp(host, "vimeo.com") == 0 || strcmp(host, "www.vimeo.com") == 0) {
        if (path[0] == '/' && (n = html_id_len(path + 1, true))) {
            if (provider)
                *provider = "Vimeo";
            return quire_arena_printf(a, "https://player.vimeo.com/video/%.*s?dnt=1", (int)n, path + 1);
        }
    }
    return NULL;
}

/* Headings as the page outline wants them: the page title is the h1, so
 * the body starts at h2 at most, and never skips a level going down (the
 * Nu checker reports a skip as an error).  Returns the level for a heading
 * of level `level` after one rendered at *prev. */
static int html_heading_level(int level, int *prev)
{
    int out = level < 2 ? 2 : level > 6 ? 6 : level;
    if (out > *prev + 1)
        out = *prev + 1;
    *prev = out;
    return out;
}

/* Where phrasing content is expected a link stays inline; elsewhere it gets
 * a paragraph of its own. */
static bool html_inline_context(const quire_node *parent)
{
    if (!parent)
        return false;
    switch (parent->type) {
    case QUIRE_NODE_PARAGRAPH:
    case QUIRE_NODE_HEADING:
    case QUIRE_NODE_CAPTION:
    case QUIRE_NODE_TABLE_CELL:
        return true;
    default:
        return !quire_node_is_block(parent);
    }
}

static void html_fix_embed(quire_arena *a, quire_node *n, const char *sandbox)
{
    const char *provider = NULL;
    const char *player = n->embed_kind == QUIRE_EMBED_IFRAME || n->embed_kind == QUIRE_EMBED_VIDEO
                             ? quire__html_video_url(a, n->url, &provider)
                             : NULL;
    if (player) {
        n->url = player;
        n->info = provider;
        n->embed_kind = QUIRE_EMBED_IFRAME;
        if (!n->title || !*n->title)
            n->title = quire_arena_printf(a, "%s video", provider);
        n->attrs = NULL; /* only what we set below: nothing obsolete */
        quire_node_set_attr(a, n, "loading", "lazy");
        /* Sandboxed without allow-same-origin: with both it and
         * allow-scripts a frame may lift its own sandbox, which the Nu
         * checker reports as an error.  The players run in an opaque
         * origin, which also keeps their cookies away. */
        quire_node_set_attr(a, n, "sandbox", sandbox);
        quire_node_set_attr(a, n, "allow", "fullscreen; picture-in-picture; encrypted-media");
        quire_node_set_attr(a, n, "allowfullscreen", "");
        quire_node_set_attr(a, n, "referrerpolicy", "strict-origin-when-cross-origin");
        return;
    }
    if ((n->embed_kind == QUIRE_EMBED_VIDEO || n->embed_kind == QUIRE_EMBED_AUDIO) && n->url &&
        *n->url) {
        /* A media file plays in the browser's own player, no third-party page. */
        n->attrs = NULL;
        quire_node_set_attr(a, n, "controls", "");
        quire_node_set_attr(a, n, "preload", "metadata");
        return;
    }
    if (!n->url || !*n->url) {
        quire_node_unlink(n);
        return;
    }
    quire_node *link = quire_node_new(a, QUIRE_NODE_LINK, n->line, n->column);
    const char *label = n->title && *n->title ? n->title : n->url;
    link->url = n->url;
    quire_node_append(link, quire_node_new_text(a, label, strlen(label), n->line, n->column));
    quire_node *repl = link;
    if (!html_inline_context(n->parent)) {
        repl = quire_node_new(a, QUIRE_NODE_PARAGRAPH, n->line, n->column);
        quire_node_set_attr(a, repl, "class", "embed");
        quire_node_append(repl, link);
    }
    quire_node_insert_before(n, repl);
    quire_node_unlink(n);
}

quire_node *quire__html_prepare_body(quire_arena *scratch, const quire_node *body,
                                    const char *sandbox)
{
    if (!body)
        return NULL;
    /* The copy points at the body's strings: the passes after this one
     * replace strings, never write into them, and the copy is rendered
     * while the document is alive (kept pages keep only their text). */
    quire_node *copy = quire__node_clone_shared(scratch, body);
    if (!copy)
        return NULL;
    /* One walk: headings renumbered (as they are when they need none),
     * embeds collected, as nodes must not be moved during the walk. */
    size_t count = 0, cap = 0;
    quire_node **list = NULL;
    int prev = 1;
    for (quire_node *n = copy; n; n = quire__html_next(copy, n)) {
        if (n->type == QUIRE_NODE_HEADING)
            n->level = html_heading_level(n->level, &prev);
        if (n->type != QUIRE_NODE_EMBED)
            continue;
        if (count == cap) {
            size_t c = cap ? 2 * cap : 16;
            quire_node **p = realloc(list, c * sizeof *p);
            if (!p)
                break;
            list = p;
            cap = c;
        }
        list[count++] = n;
    }
    for (size_t i = 0; i < count; i++)
        html_fix_embed(scratch, list[i], sandbox ? sandbox : QUIRE__HTML_SANDBOX);
    free(list);
    return copy;
}
