/*
 * sanitize.c — filter "sanitize": what survives of a document's HTML is an
 * allowlist, so nothing executable reaches a page or a feed.
 *
 *   - Elements: generic elements (HTML_BLOCK/HTML_INLINE) are kept only
 *     when allowlisted (san_elements).  Elements that carry code or a
 *     document of their own (script, style, iframe, object, svg, math,
 *     template, form controls, meta, link...) are removed with everything
 *     inside; any other unknown element is unwrapped (its text stays).
 *   - Attributes: on every node, only the global ones (id, class, title,
 *     lang, dir) and those allowlisted for the element; so no on* handler,
 *     no style, no srcdoc, no formaction ever survives.  Invalid or
 *     repeated ids are dropped (they would make the page invalid).
 *   - URLs (href, src, cite, poster, and each candidate of a srcset, of
 *     which only the bad ones are dropped; links, images, embeds; the document's
 *     url, external_url, image and author links): decoded of HTML entities
 *     repeatedly, stripped of whitespace and control characters and
 *     lower-cased before the scheme is read.  Allowed: relative URLs,
 *     http, https, mailto, tel, ftp, and for images data:image/ in PNG,
 *     GIF, JPEG, WebP or AVIF.  Anything else (javascript:, vbscript:,
 *     data:text/html, data:image/svg+xml, unknown schemes) removes the
 *     attribute; a link with a bad URL is unwrapped to its text, an image
 *     or embed with one is removed.
 *   - Embeds keep only their URL and title: their attributes go.
 *
 * Raw passthrough only when asked for by name: `--filter sanitize:raw=true`
 * (or `{name: sanitize, raw: true}` in quire.yaml's filters) leaves the
 * documents as they are.  Naming sanitize in the user's chain also keeps
 * the writers from running their default sanitize again (see
 * quire_chain_contains), so the user's choice holds.
 *
 * Options:
 *   raw=true    pass everything through unchanged (a note says so)
 */
#include "internal.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef struct san_priv {
    bool raw;
    /* The note is given once per chain, and a chain's document filters may
     * run on several threads at once (quire_chain_run_document): whoever
     * sets this first gives it.  Zeroed memory (calloc) is false. */
    atomic_bool noted;
} san_priv;

typedef enum san_url_kind { SAN_URL_LINK, SAN_URL_IMAGE, SAN_URL_MEDIA } san_url_kind;

/* ------------------------------------------------------------ allowlists */

/* Removed with their whole subtree. */
static const char *const san_drop_elements[] = {
    "applet", "base", "basefont", "button", "canvas", "datalist", "dialog", "embed", "frame",
    "frameset", "head", "iframe", "input", "keygen", "link", "math", "meta", "noembed",
    "noframes", "noscript", "object", "option", "optgroup", "param", "plaintext", "portal",
    "script", "select", "slot", "style", "svg", "template", "textarea", "title", "xmp", NULL};

/* Kept (with their allowed attributes). */
static const char *const san_elements[] = {
    "a", "abbr", "address", "article", "aside", "b", "bdi", "bdo", "blockquote", "br",
    "caption", "cite", "code", "col", "colgroup", "data", "dd", "del", "dfn", "div",
    "dl", "dt", "em", "figcaption", "figure", "footer", "h1", "h2", "h3", "h4", "h5", "h6",
    "header", "hgroup", "hr", "i", "img", "ins", "kbd", "li", "mark", "nav", "ol", "p", "pre",
    "picture", "q", "rp", "rt", "ruby", "s", "samp", "section", "small", "source", "span", "strong", "sub",
    "sup", "table", "tbody", "td", "tfoot", "th", "thead", "time", "tr", "track",
    "u", "ul", "var", "wbr", NULL};

typedef struct san_attr_rule {
    const char *element;   /* NULL: every element */
    const char *attr;
    bool url;              /* value is a URL: checked */
} san_attr_rule;

static const san_attr_rule san_attrs[] = {
    {NULL, "id", false}, {NULL, "class", false}, {NULL, "title", false},
    {NULL, "lang", false}, {NULL, "dir", false},
    {"a", "href", true}, {"a", "rel", false}, {"a", "hreflang", false},
    {"img", "src", true}, {"img", "alt", false}, {"img", "width", false},
    {"img", "height", false}, {"img", "loading", false}, {"img", "decoding", false},
    {"td", "colspan", false}, {"td", "rowspan", false}, {"td", "headers", false},
    {"th", "colspan", false}, {"th", "rowspan", false}, {"th", "headers", false},
    {"th", "scope", false}, {"th", "abbr", false},
    {"ol", "start", false}, {"ol", "reversed", false}, {"ol", "type", false},
    {"li", "value", false},
    {"blockquote", "cite", true}, {"q", "cite", true},
    {"del", "cite", true}, {"del", "datetime", false},
    {"ins", "cite", true}, {"ins", "datetime", false},
    {"time", "datetime", false}, {"data", "value", false},
    {"col", "span", false}, {"colgroup", "span", false},
    {"source", "src", true}, {"source", "type", false},
    /* srcset: checked candidate by candidate in san_srcset() */
    {"img", "srcset", true}, {"img", "sizes", false},
    {"source", "srcset", true}, {"source", "sizes", false}, {"source", "media", false},
    {"source", "width", false}, {"source", "height", false},
    {"track", "src", true}, {"track", "kind", false}, {"track", "srclang", false},
    {"track", "label", false},
};

static bool san_in(const char *const *list, const char *name)
{
    for (size_t i = 0; list[i]; i++)
        if (strcmp(list[i], name) == 0)
            return true;
    return false;
}

/* The element name an attribute rule applies to, for typed nodes. */
static const char *san_node_element(const quire_node *n)
{
    switch (n->type) {
    case QUIRE_NODE_HTML_BLOCK:
    case QUIRE_NODE_HTML_INLINE: return n->name;
    case QUIRE_NODE_LINK: return "a";
    case QUIRE_NODE_IMAGE: return "img";
    case QUIRE_NODE_LIST: return (n->flags & QUIRE_NODE_FLAG_ORDERED) ? "ol" : "ul";
    case QUIRE_NODE_ITEM: return "li";
    case QUIRE_NODE_TABLE_CELL:
        return n->parent && (n->parent->flags & QUIRE_NODE_FLAG_HEADER) ? "th" : "td";
    case QUIRE_NODE_BLOCKQUOTE: return "blockquote";
    case QUIRE_NODE_STRIKETHROUGH: return "del";
    default: return "";
    }
}

/* ------------------------------------------------------------ URLs */

static int san_hex(int c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* One pass of HTML character-reference decoding (numeric, and the named
 * ones that matter in a scheme).  Returns true when anything changed. */
static bool san_decode_entities(quire_buf *out, const char *s)
{
    static const struct { const char *name; uint32_t cp; } named[] = {
        {"colon", ':'}, {"tab", '\t'}, {"newline", '\n'}, {"nbsp", 0xA0}, {"amp", '&'},
        {"lt", '<'}, {"gt", '>'}, {"quot", '"'}, {"apos", '\''}, {"sol", '/'},
        {"lpar", '('}, {"rpar", ')'}, {"period", '.'}, {"comma", ','}, {"semi", ';'},
        {"num", '#'}, {"excl", '!'}, {"percnt", '%'}, {"plus", '+'}, {"equals", '='},
    };
    bool changed = false;
    quire__buf_reset(out);
    for (const char *p = s; *p;) {
        if (*p != '&') {
            quire__buf_putc(out, *p++);
            continue;
        }
        const char *q = p + 1;
        uint32_t cp = 0;
        bool ok = false;
        if (*q == '#') {
            q++;
            bool hex = (*q == 'x' || *q == 'X');
            if (hex)
                q++;
            const char *digits = q;
            while (hex ? san_hex(*q) >= 0 : (*q >= '0' && *q <= '9')) {
                if (cp < 0x110000)
                    cp = cp * (hex ? 16 : 10) + (uint32_t)(hex ? san_hex(*q) : *q - '0');
                q++;
            }
            ok = q > digits;
            if (cp == 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
                cp = 0xFFFD;
        } else {
            for (size_t i = 0; i < sizeof named / sizeof named[0]; i++) {
                size_t n = strlen(named[i].name);
                if (strncasecmp(q, named[i].name, n) == 0) {
                    cp = named[i].cp;
                    q += n;
                    ok = true;
                    break;
                }
            }
        }
        if (!ok) {
            quire__buf_putc(out, *p++);
            continue;
        }
        if (*q == ';')
            q++; /* browsers accept a missing semicolon too */
        quire__utf8_put(out, cp);
        changed = true;
        p = q;
    }
    return changed;
}

/* The URL as a browser reads its scheme: entities decoded (repeatedly, so
 * a double-encoded one is caught as well), ASCII whitespace and control
 * characters removed anywhere, lower-cased. */
static char *san_normalize_url(const char *url)
{
    quire_buf a, b;
    quire__buf_init(&a);
    quire__buf_init(&b);
    quire__buf_puts(&a, url);
    for (int i = 0; i < 4 && san_decode_entities(&b, quire__buf_cstr(&a)); i++) {
        quire_buf t = a;
        a = b;
        b = t;
    }
    quire__buf_reset(&b);
    for (const unsigned char *p = (const unsigned char *)quire__buf_cstr(&a); *p; p++) {
        if (*p <= 0x20 || *p == 0x7f)
            continue;
        /* U+00A0 (no-break space) is not stripped by browsers, but drop it
         * from the scheme test all the same */
        if (p[0] == 0xC2 && p[1] == 0xA0) {
            p++;
            continue;
        }
        quire__buf_putc(&b, (char)((*p >= 'A' && *p <= 'Z') ? *p + 32 : *p));
    }
    char *r = quire__buf_detach(&b, NULL);
    quire__buf_free(&a);
    quire__buf_free(&b);
    return r ? r : calloc(1, 1);
}

/* The scheme test on a URL as a browser reads it (san_normalize_url's
 * form, or a URL that form would only lower-case): compared without regard
 * to ASCII case, so both can be given. */
static bool san_scheme_ok(const char *n, san_url_kind kind)
{
    size_t s = 0; /* the scheme's characters: letters, digits, '+', '-', '.' */
    for (char c; (c = n[s]) && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                                (c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.');)
        s++;
    if (n[s] == ':' && s > 0) {
        static const struct { const char *p; size_t n; } schemes[] = {
            {"http:", 5}, {"https:", 6}, {"mailto:", 7}, {"tel:", 4}, {"ftp:", 4}};
        bool ok = false;
        for (size_t i = 0; i < sizeof schemes / sizeof *schemes && !ok; i++)
            ok = s + 1 == schemes[i].n && strncasecmp(n, schemes[i].p, schemes[i].n) == 0;
        if (!ok && kind == SAN_URL_IMAGE) {
            static const char *const images[] = {"data:image/png", "data:image/gif",
                                                 "data:image/jpeg", "data:image/jpg",
                                                 "data:image/webp", "data:image/avif", NULL};
            for (size_t i = 0; images[i] && !ok; i++) {
                size_t l = strlen(images[i]);
                ok = strncasecmp(n, images[i], l) == 0 && (n[l] == ';' || n[l] == ',');
            }
        }
        if (ok && kind != SAN_URL_LINK)
            ok = strncasecmp(n, "mailto:", 7) && strncasecmp(n, "tel:", 4);
        return ok;
    }
    /* No scheme the browser would see; a ':' before any '/', '?' or
     * '#' means something odd hides in front of it: refuse. */
    for (const char *c = n + s; *c && *c != '/' && *c != '?' && *c != '#'; c++)
        if (*c == ':')
            return false;
    return true;
}

/* True when san_scheme_ok decides on url as on san_normalize_url(url):
 * the part it reads is printable ASCII without '&' (no entity to decode,
 * no whitespace, control or NBSP to strip), so normalizing would at most
 * lower-case it (which the test ignores).  That part: up to the first '/',
 * '?' or '#' (the scheme, or the search for a ':' before them) and at
 * least 16 bytes ("data:image/jpeg" and the byte after).  What follows,
 * a query string with "&amp;" say, changes nothing before it.  Nearly every
 * URL of a document is like that. */
static bool san_url_plain(const char *url)
{
    bool delim = false;
    for (size_t i = 0; (i < 16 || !delim) && url[i]; i++) {
        unsigned char c = (unsigned char)url[i];
        if (c <= 0x20 || c >= 0x7f || c == '&')
            return false;
        delim = delim || c == '/' || c == '?' || c == '#';
    }
    return true;
}

static bool san_url_ok(const char *url, san_url_kind kind)
{
    if (!url)
        return true;
    if (san_url_plain(url))
        return san_scheme_ok(url, kind); /* no copy */
    char *n = san_normalize_url(url);
    if (!n)
        return false;
    bool ok = san_scheme_ok(n, kind);
    free(n);
    return ok;
}

/* A document-level URL (url, external_url, image, author links). */
static const char *san_meta_url(const char *u, san_url_kind kind)
{
    return u && san_url_ok(u, kind) ? u : NULL;
}

/* ------------------------------------------------------------ attributes */

static bool san_id_ok(const char *v)
{
    if (!v || !*v)
        return false;
    for (const char *p = v; *p; p++)
        if (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r' || *p == '\f')
            return false;
    return true;
}

typedef struct san_ids {
    quire_slugset *seen;
} san_ids;

static bool san_attr_allowed(const char *element, const quire_attr *a, san_ids *ids)
{
    const char *name = a->name;
    for (size_t i = 0; i < sizeof san_attrs / sizeof san_attrs[0]; i++) {
        const san_attr_rule *r = &san_attrs[i];
        if (strcmp(r->attr, name) != 0 || (r->element && strcmp(r->element, element) != 0))
            continue;
        if (r->url)
            return san_url_ok(a->value, strcmp(name, "src") == 0 && !strcmp(element, "img")
                                            ? SAN_URL_IMAGE
                                            : strcmp(name, "href") == 0 ? SAN_URL_LINK : SAN_URL_MEDIA);
        if (strcmp(name, "id") == 0) {
            if (!san_id_ok(a->value) || !ids->seen || quire__slugset_has(ids->seen, a->value))
                return false;
            quire__slugset_add(ids->seen, a->value);
        }
        if (strcmp(name, "dir") == 0)
            return !strcmp(a->value, "ltr") || !strcmp(a->value, "rtl") || !strcmp(a->value, "auto");
        return true;
    }
    return false;
}

/* A descriptor a browser accepts: none, a width ("480w") or a density
 * ("2x", "1.5x").  Anything else makes the browser drop the candidate, and
 * a bad one can hide the rest of a split URL ("java<TAB>script:..."). */
static bool san_srcset_desc_ok(const char *d, size_t n)
{
    if (n == 0)
        return true;
    if (n < 2 || (d[n - 1] != 'w' && d[n - 1] != 'x'))
        return false;
    size_t dots = 0, digits = 0;
    for (size_t i = 0; i + 1 < n; i++) {
        if (d[i] >= '0' && d[i] <= '9')
            digits++;
        else if (d[i] == '.' && d[n - 1] == 'x')
            dots++;
        else
            return false;
    }
    return digits > 0 && dots <= 1;
}

static bool san_is_width(const quire_srcset_item *c)
{
    return c->desc_len && c->desc[c->desc_len - 1] == 'w';
}

/* The safe candidates of srcset v, into out (reset first; empty when none
 * is left): san_srcset's value, for the check to compare without a copy. */
static void san_srcset_put(quire_buf *out, const char *v, bool *widths)
{
    quire_buf url;
    quire__buf_init(&url);
    quire__buf_reset(out);
    quire_srcset_item c;
    *widths = false;
    for (const char *p = v; quire__srcset_next(&p, &c);)
        if (san_is_width(&c) && san_srcset_desc_ok(c.desc, c.desc_len))
            *widths = true;
    for (const char *p = v; quire__srcset_next(&p, &c);) {
        quire__buf_reset(&url);
        quire__buf_put(&url, c.url, c.url_len);
        if (san_url_ok(quire__buf_cstr(&url), SAN_URL_IMAGE) &&
            san_srcset_desc_ok(c.desc, c.desc_len) && san_is_width(&c) == *widths)
            quire__srcset_put(out, c.url, c.url_len, c.desc, c.desc_len);
    }
    quire__buf_free(&url);
}

/* A srcset with only its safe candidates (each URL checked like an image
 * src, each descriptor valid), in a; NULL when none is left.  Widths and
 * densities cannot be mixed: with any width, only widths are kept
 * (*widths set), and the element then needs a sizes attribute. */
static const char *san_srcset(quire_arena *a, const char *v, bool *widths)
{
    quire_buf out;
    quire__buf_init(&out);
    san_srcset_put(&out, v, widths);
    const char *r = out.len && !out.oom ? quire_arena_strndup(a, out.data, out.len) : NULL;
    quire__buf_free(&out);
    return r;
}


static void san_filter_attrs(quire_arena *arena, quire_node *n, san_ids *ids)
{
    const char *element = san_node_element(n);
    if (n->type == QUIRE_NODE_EMBED) {
        n->attrs = NULL; /* an embed is its URL and title */
        return;
    }
    quire_attr **link = &n->attrs;
    bool widths = false, has_srcset = false;
    while (*link) {
        if (strcmp((*link)->name, "srcset") == 0 && (!strcmp(element, "img") || !strcmp(element, "source"))) {
            const char *v = san_srcset(arena, (*link)->value, &widths);
            has_srcset = v != NULL;
            if (v) {
                (*link)->value = v;
                link = &(*link)->next;
            } else {
                *link = (*link)->next;
            }
        } else if (san_attr_allowed(element ? element : "", *link, ids)) {
            link = &(*link)->next;
        } else {
            *link = (*link)->next;
        }
    }
    /* sizes goes with width descriptors, and they need it (the browser's
     * default, the viewport's width, when the author gave none) */
    if (!widths || !has_srcset)
        quire_node_remove_attr(n, "sizes");
    else if (!quire_node_attr(n, "sizes"))
        quire_node_set_attr(arena, n, "sizes", "100vw");
}

/* ------------------------------------------------------------ the walk */

typedef enum san_action { SAN_KEEP, SAN_DROP, SAN_UNWRAP, SAN_ALT } san_action;

static san_action san_judge(const quire_node *n)
{
    switch (n->type) {
    case QUIRE_NODE_HTML_BLOCK:
    case QUIRE_NODE_HTML_INLINE:
        if (!n->name || san_in(san_drop_elements, n->name))
            return SAN_DROP;
        if (strcmp(n->name, "img") == 0 && !san_url_ok(quire_node_attr(n, "src"), SAN_URL_IMAGE))
            return SAN_DROP;
        return san_in(san_elements, n->name) ? SAN_KEEP : SAN_UNWRAP;
    case QUIRE_NODE_LINK:
        return san_url_ok(n->url, SAN_URL_LINK) ? SAN_KEEP : SAN_UNWRAP;
    case QUIRE_NODE_IMAGE:
        return n->url && san_url_ok(n->url, SAN_URL_IMAGE) ? SAN_KEEP : SAN_ALT;
    case QUIRE_NODE_EMBED:
        return n->url && *n->url && san_url_ok(n->url, SAN_URL_MEDIA) ? SAN_KEEP : SAN_DROP;
    default:
        return SAN_KEEP;
    }
}

typedef struct san_todo {
    quire_node *node;
    san_action action;
} san_todo;

static int san_body(quire_document *doc)
{
    if (!doc->body)
        return QUIRE_OK;
    san_ids ids = {quire__slugset_new()};
    san_todo *todo = NULL;
    size_t count = 0, cap = 0;
    int rc = QUIRE_OK;
    quire_iter it;
    quire_node *n;
    quire_event ev;
    quire_iter_init(&it, doc->body);
    while ((ev = quire_iter_next(&it, &n)) != QUIRE_EVENT_DONE) {
        if (ev != QUIRE_EVENT_ENTER)
            continue;
        san_action act = san_judge(n);
        if (act == SAN_KEEP) {
            /* most nodes have no attributes: nothing to filter, nothing
             * to add but a generic <img>'s alt */
            if (n->attrs || n->type == QUIRE_NODE_EMBED)
                san_filter_attrs(doc->arena, n, &ids);
            if (n->type == QUIRE_NODE_HTML_BLOCK || n->type == QUIRE_NODE_HTML_INLINE) {
                /* a generic <img> needs alt to be valid HTML */
                if (!strcmp(n->name, "img") && !quire_node_attr(n, "alt"))
                    quire_node_set_attr(doc->arena, n, "alt", "");
            }
            continue;
        }
        if (act == SAN_DROP || act == SAN_ALT)
            quire_iter_skip_children(&it);
        else
            san_filter_attrs(doc->arena, n, &ids); /* children stay; the node goes */
        if (count == cap) {
            size_t ncap = cap ? cap * 2 : 16;
            san_todo *t = realloc(todo, ncap * sizeof *t);
            if (!t) {
                rc = QUIRE_ERR_NOMEM;
                break;
            }
            todo = t;
            cap = ncap;
        }
        todo[count++] = (san_todo){n, act};
    }
    /* Apply after the walk; in reverse document order, so an unwrapped
     * node's parent is still in place when its child is handled. */
    for (size_t i = count; rc == QUIRE_OK && i-- > 0;) {
        quire_node *t = todo[i].node;
        switch (todo[i].action) {
        case SAN_DROP:
            quire_node_unlink(t);
            break;
        case SAN_UNWRAP:
            quire_node_unwrap(t);
            break;
        case SAN_ALT:
            if (t->literal && *t->literal)
                quire_node_insert_before(t, quire_node_new_text(doc->arena, t->literal,
                                                                strlen(t->literal), t->line,
                                                                t->column));
            quire_node_unlink(t);
            break;
        default:
            break;
        }
    }
    free(todo);
    quire__slugset_free(ids.seen);
    return rc;
}

static void san_metadata(quire_document *doc)
{
    doc->url = san_meta_url(doc->url, SAN_URL_LINK);
    doc->external_url = san_meta_url(doc->external_url, SAN_URL_LINK);
    if (doc->image.src && !san_url_ok(doc->image.src, SAN_URL_IMAGE))
        doc->image = (quire_image){0};
    for (size_t i = 0; i < doc->n_authors; i++) {
        doc->authors[i].url = san_meta_url(doc->authors[i].url, SAN_URL_LINK);
        doc->authors[i].avatar = san_meta_url(doc->authors[i].avatar, SAN_URL_IMAGE);
        if (doc->authors[i].email && !san_url_ok(doc->authors[i].email, SAN_URL_LINK))
            doc->authors[i].email = NULL;
    }
}

/* ------------------------------------------------------------ the check */

/* The filter's `changes`: the walks above, reading only, each stopping at
 * the first thing they would change.  What they test must stay what
 * san_metadata, san_body and san_filter_attrs do (tests/filters/
 * test_changes.c runs both on many documents). */

static bool san_metadata_changes(const quire_document *doc)
{
    /* san_url_ok(NULL) holds: a missing URL stays missing */
    if (!san_url_ok(doc->url, SAN_URL_LINK) || !san_url_ok(doc->external_url, SAN_URL_LINK) ||
        !san_url_ok(doc->image.src, SAN_URL_IMAGE))
        return true;
    for (size_t i = 0; i < doc->n_authors; i++) {
        const quire_author *au = &doc->authors[i];
        if (!san_url_ok(au->url, SAN_URL_LINK) || !san_url_ok(au->avatar, SAN_URL_IMAGE) ||
            !san_url_ok(au->email, SAN_URL_LINK))
            return true;
    }
    return false;
}

/* Whether san_filter_attrs would change n; ids as the walk has them. */
static bool san_attrs_change(const quire_node *n, san_ids *ids)
{
    if (n->type == QUIRE_NODE_EMBED)
        return n->attrs != NULL;
    const char *element = san_node_element(n);
    bool widths = false, has_srcset = false, change = false;
    quire_buf v;
    quire__buf_init(&v);
    for (const quire_attr *a = n->attrs; a && !change; a = a->next) {
        if (strcmp(a->name, "srcset") == 0 && (!strcmp(element, "img") || !strcmp(element, "source"))) {
            /* kept only when its safe candidates are all of it */
            san_srcset_put(&v, a->value, &widths);
            has_srcset = v.len && !v.oom;
            change = !has_srcset || strcmp(quire__buf_cstr(&v), a->value) != 0;
        } else {
            change = !san_attr_allowed(element ? element : "", a, ids);
        }
    }
    quire__buf_free(&v);
    if (change)
        return true;
    bool sizes = quire_node_attr(n, "sizes") != NULL;
    return !widths || !has_srcset ? sizes : !sizes;
}

static bool san_body_changes(const quire_document *doc)
{
    if (!doc->body)
        return false;
    /* the id set only when an id may need it: most documents have none */
    san_ids ids = {NULL};
    bool change = false;
    for (const quire_node *n = doc->body; n && !change; n = quire__node_next(doc->body, n)) {
        if (san_judge(n) != SAN_KEEP)
            change = true;
        else if ((n->attrs || n->type == QUIRE_NODE_EMBED) &&
                 ((!ids.seen && n->attrs && !(ids.seen = quire__slugset_new())) ||
                  san_attrs_change(n, &ids)))
            change = true; /* (or out of memory: let the run decide) */
        else if ((n->type == QUIRE_NODE_HTML_BLOCK || n->type == QUIRE_NODE_HTML_INLINE) &&
                 !strcmp(n->name, "img") && !quire_node_attr(n, "alt"))
            change = true; /* san_body adds alt="" */
    }
    quire__slugset_free(ids.seen);
    return change;
}

/* ------------------------------------------------------------ filter */

static int san_init(quire_filter_ctx *ctx)
{
    static const char *const known[] = {"raw", NULL};
    san_priv *p = ctx->priv;
    int rc = quire__filter_check_options(ctx, known);
    if (rc == QUIRE_OK)
        rc = quire__filter_opt_bool(ctx, "raw", false, &p->raw);
    return rc;
}

static bool san_changes(const quire_filter_ctx *ctx, const quire_document *doc)
{
    const san_priv *p = ctx->priv;
    if (p->raw)
        return true; /* changes nothing, but notes so once: let it run */
    return san_metadata_changes(doc) || san_body_changes(doc);
}

static int san_run(quire_filter_ctx *ctx, quire_document *doc)
{
    san_priv *p = ctx->priv;
    if (p->raw) {
        if (!atomic_exchange_explicit(&p->noted, true, memory_order_relaxed))
            quire_diag_add(ctx->diags, QUIRE_SEV_NOTE, "sanitize", NULL, 0, 0,
                           "sanitize:raw=true: HTML passes through unchecked, as asked");
        return QUIRE_OK;
    }
    san_metadata(doc);
    return san_body(doc);
}

const quire_filter quire_filter_sanitize = {
    .version = QUIRE_COMPONENT_VERSION,
    .name = "sanitize",
    .description = "allowlist of elements and attributes; no script, style, handlers or "
                   "javascript:/vbscript:/data: URLs (raw=true: pass through)",
    .scope = QUIRE_FILTER_DOCUMENT,
    .priv_size = sizeof(san_priv),
    .init = san_init,
    .run_document = san_run,
    .changes = san_changes,
};
