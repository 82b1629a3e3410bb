/*
 * html.c — reader "html": a saved web page becomes a document.
 *
 * Parsing: libxml2's HTML parser without network access (HTML_PARSE_NONET);
 * the HTML parser loads no external entities or DTDs.  The charset comes
 * from a byte-order mark or a <meta charset> / http-equiv in the first 4 KiB,
 * else UTF-8 (never libxml2's Latin-1 default).
 *
 * An optional YAML front-matter block (--- ... ---) comes first: its fields
 * win over anything the page says (the shared mapping in frontmatter.c).
 *
 * Metadata, when several sources give a field, in this order of trust (the
 * first that is present and usable wins; docs/readers.md says the same):
 *   title      JSON-LD headline, og:title, twitter:title, <title>, first heading
 *   summary    JSON-LD description, og:description, twitter:description,
 *              <meta name=description>
 *   published  JSON-LD datePublished, article:published_time,
 *              <meta name=date|dc.date|pubdate>, itemprop=datePublished,
 *              the first <time datetime> of the main content
 *   modified   JSON-LD dateModified, article:modified_time, og:updated_time
 *   authors    JSON-LD author, article:author (names; URLs are skipped),
 *              <meta name=author>, twitter:creator
 *   tags       JSON-LD keywords, article:tag, <meta name=keywords> (commas)
 *   image      JSON-LD image, og:image (+ og:image:alt/width/height), twitter:image
 *   url        <link rel=canonical>, og:url, JSON-LD url
 *   language   <html lang>, JSON-LD inLanguage, og:locale
 * JSON-LD is read from the first Article, BlogPosting or NewsArticle object
 * (top level, in a list, or in @graph).
 *
 * Main content: the first <article>; else <main> or [role=main]; else
 * <body>.  Inside it, nav, header, footer, aside, forms, scripts, styles,
 * noscript and template are left out.  The rest goes through the shared
 * HTML-to-model converter (html_to_model.c), like raw HTML in Markdown.
 */
#include "html_to_model.h"
#include "frontmatter.h"

#include <cjson/cJSON.h>
#include <libxml/HTMLparser.h>
#include <libxml/HTMLtree.h>
#include <libxml/tree.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define HTML_COMPONENT "html"
#define HTML_MAX_LIST 64

typedef struct html_list {
    const char *items[HTML_MAX_LIST];
    size_t count;
} html_list;

/* What the page says about itself; strings in the document's arena. */
typedef struct html_meta {
    const char *lang, *title, *canonical;
    const char *description, *og_title, *og_description, *og_image, *og_image_alt, *og_url,
        *og_locale, *og_updated;
    const char *og_image_width, *og_image_height;
    const char *tw_title, *tw_description, *tw_image, *tw_creator;
    const char *published, *modified, *meta_date, *itemprop_date, *time_datetime;
    const char *author, *keywords;
    html_list article_authors, article_tags;
    cJSON *jsonld;          /* the article object (inside jsonld_root) */
    cJSON *jsonld_root;     /* owned: cJSON_Delete */
    xmlNode *article, *main, *body;
    quire_value *extra;     /* meta name/property -> content, in page order */
} html_meta;

/* ------------------------------------------------------------ helpers */

static const char *html_attr(quire_arena *a, xmlNode *n, const char *name)
{
    xmlChar *v = xmlGetProp(n, (const xmlChar *)name);
    if (!v)
        return NULL;
    char *s = quire_arena_strdup(a, (const char *)v);
    xmlFree(v);
    return s;
}

static bool html_is(xmlNode *n, const char *name)
{
    return n->type == XML_ELEMENT_NODE && n->name && strcasecmp((const char *)n->name, name) == 0;
}

/* Trimmed text with whitespace runs collapsed, or NULL when empty. */
static const char *html_clean_text(quire_arena *a, const char *s)
{
    if (!s)
        return NULL;
    quire_buf b;
    quire__buf_init(&b);
    bool space = false;
    for (const char *p = s; *p; p++) {
        if (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r' || *p == '\f') {
            space = b.len > 0;
            continue;
        }
        if (space)
            quire__buf_putc(&b, ' ');
        space = false;
        quire__buf_putc(&b, *p);
    }
    const char *r = b.len ? quire_arena_strdup(a, quire__buf_cstr(&b)) : NULL;
    quire__buf_free(&b);
    return r;
}

static const char *html_first(const char *const *list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (list[i] && *list[i])
            return list[i];
    return NULL;
}

static void html_list_add(html_list *l, const char *s)
{
    if (s && *s && l->count < HTML_MAX_LIST)
        l->items[l->count++] = s;
}

/* ------------------------------------------------------------ charset */

/* The charset a <meta> in the first 4 KiB names, copied into out
 * ([A-Za-z0-9_.:-] only), or false. */
static bool html_sniff_charset(const char *data, size_t len, char out[41])
{
    size_t n = len < 4096 ? len : 4096;
    for (size_t i = 0; i + 8 < n; i++) {
        if (strncasecmp(data + i, "charset", 7) != 0)
            continue;
        size_t j = i + 7;
        while (j < n && (data[j] == ' ' || data[j] == '\t'))
            j++;
        if (j >= n || data[j] != '=')
            continue;
        j++;
        while (j < n && (data[j] == ' ' || data[j] == '"' || data[j] == '\''))
            j++;
        size_t k = 0;
        while (j < n && k < 40 &&
               ((data[j] >= 'a' && data[j] <= 'z') || (data[j] >= 'A' && data[j] <= 'Z') ||
                (data[j] >= '0' && data[j] <= '9') || data[j] == '-' || data[j] == '_' ||
                data[j] == '.' || data[j] == ':'))
            out[k++] = data[j++];
        out[k] = '\0';
        if (k)
            return true;
    }
    return false;
}

/* ------------------------------------------------------------ JSON-LD */

static bool html_jsonld_is_article(const cJSON *o)
{
    static const char *const types[] = {"Article", "BlogPosting", "NewsArticle", "TechArticle",
                                        "ScholarlyArticle", "Report", NULL};
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(o, "@type");
    for (size_t i = 0; types[i]; i++) {
        if (cJSON_IsString(t) && strcmp(t->valuestring, types[i]) == 0)
            return true;
        if (cJSON_IsArray(t)) {
            const cJSON *e;
            cJSON_ArrayForEach(e, t)
                if (cJSON_IsString(e) && strcmp(e->valuestring, types[i]) == 0)
                    return true;
        }
    }
    return false;
}

static cJSON *html_jsonld_find(cJSON *v, int depth)
{
    if (!v || depth > 4)
        return NULL;
    if (cJSON_IsArray(v)) {
        cJSON *e;
        cJSON_ArrayForEach(e, v) {
            cJSON *f = html_jsonld_find(e, depth + 1);
            if (f)
                return f;
        }
        return NULL;
    }
    if (!cJSON_IsObject(v))
        return NULL;
    if (html_jsonld_is_article(v))
        return v;
    return html_jsonld_find(cJSON_GetObjectItemCaseSensitive(v, "@graph"), depth + 1);
}

static const char *html_js_str(quire_arena *a, const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsString(v) ? html_clean_text(a, v->valuestring) : NULL;
}

/* "x", {"url": "x"} / {"name": "x"}, or the first of a list of those. */
static const char *html_js_first(quire_arena *a, const cJSON *v, const char *field)
{
    if (cJSON_IsArray(v))
        v = cJSON_GetArrayItem(v, 0);
    if (cJSON_IsString(v))
        return html_clean_text(a, v->valuestring);
    if (cJSON_IsObject(v))
        return html_js_str(a, v, field);
    return NULL;
}

static void html_js_authors(quire_document *doc, const cJSON *v)
{
    const cJSON *e;
    if (!v)
        return;
    if (!cJSON_IsArray(v)) {
        if (cJSON_IsString(v))
            quire_document_add_author(doc, html_clean_text(doc->arena, v->valuestring), NULL, NULL);
        else if (cJSON_IsObject(v) && html_js_str(doc->arena, v, "name"))
            quire_document_add_author(doc, html_js_str(doc->arena, v, "name"),
                                      html_js_str(doc->arena, v, "url"), NULL);
        return;
    }
    cJSON_ArrayForEach(e, v) {
        if (cJSON_IsString(e))
            quire_document_add_author(doc, html_clean_text(doc->arena, e->valuestring), NULL, NULL);
        else if (cJSON_IsObject(e) && html_js_str(doc->arena, e, "name"))
            quire_document_add_author(doc, html_js_str(doc->arena, e, "name"),
                                      html_js_str(doc->arena, e, "url"), NULL);
    }
}

static void html_add_split(quire_document *doc, const char *s)
{
    while (s && *s) {
        size_t n = strcspn(s, ",");
        const char *t = html_clean_text(doc->arena, quire_arena_strndup(doc->arena, s, n));
        if (t)
            quire_strlist_add(doc->arena, &doc->tags, t);
        s += n + (s[n] ? 1 : 0);
    }
}

/* ------------------------------------------------------------ the page */

static void html_meta_tag(quire_arena *a, html_meta *m, xmlNode *n)
{
    const char *key = html_attr(a, n, "property");
    if (!key)
        key = html_attr(a, n, "name");
    const char *itemprop = html_attr(a, n, "itemprop");
    const char *content = html_clean_text(a, html_attr(a, n, "content"));
    if (itemprop && !strcasecmp(itemprop, "datePublished") && !m->itemprop_date)
        m->itemprop_date = content;
    if (!key || !content)
        return;
    for (char *p = (char *)key; *p; p++)
        if (*p >= 'A' && *p <= 'Z')
            *p = (char)(*p + 32);
    quire_value_append(a, m->extra, key,
                       quire_value_new_scalar(a, QUIRE_VALUE_STRING, content, strlen(content)));
#define FIRST(field) do { if (!m->field) m->field = content; } while (0)
    if (!strcmp(key, "description")) FIRST(description);
    else if (!strcmp(key, "author")) FIRST(author);
    else if (!strcmp(key, "keywords")) FIRST(keywords);
    else if (!strcmp(key, "og:title")) FIRST(og_title);
    else if (!strcmp(key, "og:description")) FIRST(og_description);
    else if (!strcmp(key, "og:image") || !strcmp(key, "og:image:url") ||
             !strcmp(key, "og:image:secure_url")) FIRST(og_image);
    else if (!strcmp(key, "og:image:alt")) FIRST(og_image_alt);
    else if (!strcmp(key, "og:image:width")) FIRST(og_image_width);
    else if (!strcmp(key, "og:image:height")) FIRST(og_image_height);
    else if (!strcmp(key, "og:url")) FIRST(og_url);
    else if (!strcmp(key, "og:locale")) FIRST(og_locale);
    else if (!strcmp(key, "og:updated_time")) FIRST(og_updated);
    else if (!strcmp(key, "article:published_time")) FIRST(published);
    else if (!strcmp(key, "article:modified_time")) FIRST(modified);
    else if (!strcmp(key, "article:author")) html_list_add(&m->article_authors, content);
    else if (!strcmp(key, "article:tag")) html_list_add(&m->article_tags, content);
    else if (!strcmp(key, "twitter:title")) FIRST(tw_title);
    else if (!strcmp(key, "twitter:description")) FIRST(tw_description);
    else if (!strcmp(key, "twitter:image") || !strcmp(key, "twitter:image:src")) FIRST(tw_image);
    else if (!strcmp(key, "twitter:creator")) FIRST(tw_creator);
    else if (!strcmp(key, "date") || !strcmp(key, "dc.date") || !strcmp(key, "pubdate") ||
             !strcmp(key, "dcterms.created")) FIRST(meta_date);
#undef FIRST
}

static bool html_has_token(const char *list, const char *token)
{
    size_t n = strlen(token);
    for (const char *p = list; p && *p;) {
        while (*p == ' ' || *p == '\t' || *p == '\n')
            p++;
        size_t k = strcspn(p, " \t\n");
        if (k == n && strncasecmp(p, token, n) == 0)
            return true;
        p += k;
    }
    return false;
}

/* One iterative walk over the whole tree (no recursion: any depth). */
static void html_scan(quire_arena *a, html_meta *m, xmlNode *root)
{
    xmlNode *n = root;
    while (n) {
        bool descend = true;
        if (n->type == XML_ELEMENT_NODE) {
            if (html_is(n, "html") && !m->lang) {
                m->lang = html_attr(a, n, "lang");
                if (!m->lang)
                    m->lang = html_attr(a, n, "xml:lang");
            } else if (html_is(n, "title") && !m->title) {
                xmlChar *t = xmlNodeGetContent(n);
                m->title = html_clean_text(a, (const char *)t);
                xmlFree(t);
                descend = false;
            } else if (html_is(n, "meta")) {
                html_meta_tag(a, m, n);
            } else if (html_is(n, "link") && !m->canonical) {
                const char *rel = html_attr(a, n, "rel");
                if (rel && html_has_token(rel, "canonical"))
                    m->canonical = html_attr(a, n, "href");
            } else if (html_is(n, "script")) {
                const char *type = html_attr(a, n, "type");
                if (type && !strcasecmp(type, "application/ld+json") && !m->jsonld) {
                    xmlChar *t = xmlNodeGetContent(n);
                    cJSON *j = t ? cJSON_Parse((const char *)t) : NULL;
                    xmlFree(t);
                    cJSON *art = html_jsonld_find(j, 0);
                    if (art) {
                        m->jsonld_root = j;
                        m->jsonld = art;
                    } else {
                        cJSON_Delete(j);
                    }
                }
                descend = false;
            } else if (html_is(n, "article") && !m->article) {
                m->article = n;
            } else if (html_is(n, "main") && !m->main) {
                m->main = n;
            } else if (html_is(n, "body") && !m->body) {
                m->body = n;
            } else if (html_is(n, "time") && !m->time_datetime) {
                m->time_datetime = html_attr(a, n, "datetime");
            }
            if (!m->main && n->type == XML_ELEMENT_NODE) {
                const char *role = html_attr(a, n, "role");
                if (role && !strcasecmp(role, "main"))
                    m->main = n;
            }
        }
        if (descend && n->children) {
            n = n->children;
            continue;
        }
        while (n && n != root && !n->next)
            n = n->parent;
        if (!n || n == root)
            break;
        n = n->next;
    }
}

/* Elements never part of the main content. */
static bool html_is_chrome(xmlNode *n)
{
    static const char *const names[] = {"nav", "header", "footer", "aside", "form", "script",
                                        "style", "noscript", "template", "button", "input",
                                        "select", "textarea", "dialog", NULL};
    if (n->type != XML_ELEMENT_NODE)
        return false;
    for (size_t i = 0; names[i]; i++)
        if (html_is(n, names[i]))
            return true;
    return false;
}

/* The main content as HTML text (malloc'd), chrome left out. */
static char *html_content_html(xmlDoc *xdoc, xmlNode *content, size_t *len)
{
    /* Unlink chrome first (collect, then free: no change during the walk). */
    xmlNode *n = content->children;
    xmlNode **drop = NULL;
    size_t count = 0, cap = 0;
    while (n) {
        bool descend = true;
        if (html_is_chrome(n)) {
            if (count == cap) {
                size_t ncap = cap ? cap * 2 : 16;
                xmlNode **d = realloc(drop, ncap * sizeof *d);
                if (!d)
                    break;
                drop = d;
                cap = ncap;
            }
            drop[count++] = n;
            descend = false;
        }
        if (descend && n->children) {
            n = n->children;
            continue;
        }
        while (n && n != content && !n->next)
            n = n->parent;
        if (!n || n == content)
            break;
        n = n->next;
    }
    for (size_t i = 0; i < count; i++) {
        xmlUnlinkNode(drop[i]);
        xmlFreeNode(drop[i]);
    }
    free(drop);
    xmlBuffer *buf = xmlBufferCreate();
    if (!buf)
        return NULL;
    for (xmlNode *c = content->children; c; c = c->next)
        htmlNodeDump(buf, xdoc, c);
    size_t n_bytes = (size_t)xmlBufferLength(buf);
    char *out = malloc(n_bytes + 1);
    if (out) {
        memcpy(out, xmlBufferContent(buf), n_bytes);
        out[n_bytes] = '\0';
        *len = n_bytes;
    }
    xmlBufferFree(buf);
    return out;
}

/* ------------------------------------------------------------ typed fields */

static void html_set_date(quire_date *d, const char *const *cands, size_t n)
{
    for (size_t i = 0; i < n && !d->set; i++)
        if (cands[i])
            quire_date_parse(d, cands[i]);
}

static int html_atoi(const char *s)
{
    if (!s)
        return 0;
    long v = strtol(s, NULL, 10);
    return v > 0 && v < 100000 ? (int)v : 0;
}

/* Fill the fields the front matter left empty, in the order of trust. */
static void html_apply(quire_document *doc, html_meta *m)
{
    quire_arena *a = doc->arena;
    const cJSON *j = m->jsonld;
    if (!doc->title) {
        const char *c[] = {html_js_str(a, j, "headline"), m->og_title, m->tw_title, m->title};
        doc->title = html_first(c, 4);
    }
    if (!doc->summary) {
        const char *c[] = {html_js_str(a, j, "description"), m->og_description,
                           m->tw_description, m->description};
        doc->summary = html_first(c, 4);
    }
    {
        const char *c[] = {html_js_str(a, j, "datePublished"), m->published, m->meta_date,
                           m->itemprop_date, m->time_datetime};
        html_set_date(&doc->published, c, 5);
    }
    {
        const char *c[] = {html_js_str(a, j, "dateModified"), m->modified, m->og_updated};
        html_set_date(&doc->modified, c, 3);
    }
    if (!doc->n_authors && j)
        html_js_authors(doc, cJSON_GetObjectItemCaseSensitive(j, "author"));
    /* article:author is often a profile URL: only names are authors */
    bool had_authors = doc->n_authors > 0;
    for (size_t k = 0; !had_authors && k < m->article_authors.count; k++)
        if (!quire__url_has_scheme(m->article_authors.items[k]))
            quire_document_add_author(doc, m->article_authors.items[k], NULL, NULL);
    if (!doc->n_authors && (m->author || m->tw_creator))
        quire_document_add_author(doc, m->author ? m->author : m->tw_creator, NULL, NULL);
    if (!doc->tags.count && j) {
        const cJSON *kw = cJSON_GetObjectItemCaseSensitive(j, "keywords");
        const cJSON *e;
        if (cJSON_IsString(kw))
            html_add_split(doc, kw->valuestring);
        else if (cJSON_IsArray(kw))
            cJSON_ArrayForEach(e, kw)
                if (cJSON_IsString(e) && html_clean_text(a, e->valuestring))
                    quire_strlist_add(a, &doc->tags, html_clean_text(a, e->valuestring));
    }
    if (!doc->tags.count)
        for (size_t k = 0; k < m->article_tags.count; k++)
            quire_strlist_add(a, &doc->tags, m->article_tags.items[k]);
    if (!doc->tags.count && m->keywords)
        html_add_split(doc, m->keywords);
    if (!doc->image.src) {
        const char *js = j ? html_js_first(a, cJSON_GetObjectItemCaseSensitive(j, "image"), "url")
                           : NULL;
        const char *c[] = {js, m->og_image, m->tw_image};
        doc->image.src = html_first(c, 3);
        if (doc->image.src && doc->image.src == m->og_image) {
            doc->image.alt = m->og_image_alt;
            doc->image.width = html_atoi(m->og_image_width);
            doc->image.height = html_atoi(m->og_image_height);
        }
    }
    if (!doc->url) {
        const char *c[] = {m->canonical, m->og_url, html_js_str(a, j, "url")};
        doc->url = html_first(c, 3);
    }
    if (!doc->language) {
        const char *locale = m->og_locale;
        char *loc = locale ? quire_arena_strdup(a, locale) : NULL;
        for (char *p = loc; p && *p; p++)
            if (*p == '_')
                *p = '-';
        const char *c[] = {m->lang, html_js_str(a, j, "inLanguage"), loc};
        doc->language = html_first(c, 3);
    }
}

/* ------------------------------------------------------------ front matter */

/* "---" line at p: its length with the newline, or 0. */
static size_t html_delim(const char *p, const char *end)
{
    if (end - p < 3 || memcmp(p, "---", 3) != 0)
        return 0;
    const char *q = p + 3;
    while (q < end && (*q == ' ' || *q == '\t' || *q == '\r'))
        q++;
    if (q < end && *q != '\n')
        return 0;
    return (size_t)(q - p) + (q < end);
}

/* ------------------------------------------------------------ reader */

static int html_read_clean(const quire_read_ctx *ctx, const char *data, size_t len,
                           quire_collection *into)
{
    const char *p = data, *end = data + len;
    bool bom = len >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0;
    if (bom)
        p += 3;
    quire_document *doc = quire_document_new();
    if (!doc)
        return QUIRE_ERR_NOMEM;
    int rc = QUIRE_OK;
    uint32_t line_offset = 0;
    html_meta m = {0};
    xmlDoc *xdoc = NULL;
    char *content = NULL;

    size_t open = html_delim(p, end);
    if (open) {
        const char *yaml = p + open, *line = yaml;
        while (line < end && !html_delim(line, end)) {
            const char *nl = memchr(line, '\n', (size_t)(end - line));
            line = nl ? nl + 1 : end;
        }
        if (line >= end) {
            quire_diag_add(ctx->diags, QUIRE_SEV_ERROR, HTML_COMPONENT, ctx->path, 1, 1,
                           "front matter opened with '---' on line 1 is never closed");
            rc = QUIRE_ERR_PARSE;
            goto out;
        }
        quire_value *fm = NULL;
        rc = quire__yaml_parse(&fm, doc->arena, yaml, (size_t)(line - yaml), 1, ctx, HTML_COMPONENT);
        if (rc != QUIRE_OK)
            goto out;
        if (fm && fm->type != QUIRE_VALUE_MAPPING) {
            quire_diag_add(ctx->diags, QUIRE_SEV_ERROR, HTML_COMPONENT, ctx->path, fm->line,
                           fm->column, "front matter must be a mapping of keys");
            rc = QUIRE_ERR_PARSE;
            goto out;
        }
        doc->extra = fm ? fm : quire_value_new(doc->arena, QUIRE_VALUE_MAPPING);
        const char *body = line + html_delim(line, end);
        for (const char *q = data; q < body; q++)
            line_offset += *q == '\n';
        p = body;
    }
    if ((size_t)(end - p) > INT_MAX) {
        rc = QUIRE_ERR_LIMIT;
        goto out;
    }
    char charset[41];
    const char *enc = bom ? "UTF-8" : html_sniff_charset(p, (size_t)(end - p), charset) ? charset : "UTF-8";
    xdoc = htmlReadMemory(p, (int)(end - p), NULL, enc,
                          HTML_PARSE_NONET | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING |
                              HTML_PARSE_RECOVER);
    if (!xdoc && strcmp(enc, "UTF-8") != 0) /* an unknown charset name: fall back */
        xdoc = htmlReadMemory(p, (int)(end - p), NULL, "UTF-8",
                              HTML_PARSE_NONET | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING |
                                  HTML_PARSE_RECOVER);
    doc->format = HTML_COMPONENT;
    doc->source_path = quire_arena_strdup(doc->arena, ctx->path ? ctx->path : "-");
    doc->body_line = line_offset + 1;
    doc->body = quire_node_new(doc->arena, QUIRE_NODE_ROOT, doc->body_line, 1);
    m.extra = quire_value_new(doc->arena, QUIRE_VALUE_MAPPING);
    if (!doc->body || !m.extra || !doc->source_path) {
        rc = QUIRE_ERR_NOMEM;
        goto out;
    }
    xmlNode *root = xdoc ? xmlDocGetRootElement(xdoc) : NULL;
    if (root) {
        html_scan(doc->arena, &m, root);
        xmlNode *main_node = m.article ? m.article : m.main ? m.main : m.body ? m.body : root;
        size_t clen = 0;
        content = html_content_html(xdoc, main_node, &clen);
        if (!content) {
            rc = QUIRE_ERR_NOMEM;
            goto out;
        }
        long l = xmlGetLineNo(main_node);
        rc = quire__html_to_model(doc, doc->body, content, clen,
                                  line_offset + (l > 1 ? (uint32_t)l - 1 : 0), 0, ctx, HTML_COMPONENT);
        if (rc != QUIRE_OK)
            goto out;
    }
    if (doc->extra)
        quire__fm_apply(doc, doc->extra, ctx, HTML_COMPONENT);
    else
        doc->extra = m.extra;
    html_apply(doc, &m);
    quire__doc_identity(doc, ctx);
    rc = quire_collection_add(into, doc);
    if (rc == QUIRE_OK)
        doc = NULL;
out:
    free(content);
    cJSON_Delete(m.jsonld_root);
    if (xdoc)
        xmlFreeDoc(xdoc);
    quire_document_free(doc);
    return rc;
}

/* A DOCTYPE internal subset ("<!DOCTYPE html [ <!ENTITY ...> ]>") is XML,
 * not HTML: libxml2's HTML parser would show it as text "]>", and entity
 * declarations are the stuff of billion-laughs and SYSTEM-file attacks.  It
 * is blanked out (newlines kept, so positions hold) with a warning; no
 * entity of it is ever defined, let alone expanded or loaded. */
static void html_drop_internal_subset(const quire_read_ctx *ctx, char *data, size_t len)
{
    char *end = data + len;
    for (char *p = data; p + 9 <= end; p++) {
        if (p[0] != '<' || p[1] != '!' || strncasecmp(p + 2, "doctype", 7) != 0)
            continue;
        char *q = p + 9;
        while (q < end && *q != '[' && *q != '>')
            q++;
        if (q >= end || *q != '[')
            return;
        char *close = NULL;
        for (char *r = q + 1; r < end && !close; r++) {
            if (*r != ']')
                continue;
            char *t = r + 1;
            while (t < end && (*t == ' ' || *t == '\t' || *t == '\r' || *t == '\n'))
                t++;
            if (t < end && *t == '>')
                close = r;
        }
        if (!close) /* never closed: the rest is the subset; keep a '>' */
            close = end - 1;
        uint32_t line = 1, col = 1;
        for (const char *c = data; c < q; c++) {
            col++;
            if (*c == '\n') {
                line++;
                col = 1;
            }
        }
        quire_diag_add(ctx->diags, QUIRE_SEV_WARNING, HTML_COMPONENT, ctx->path, line, col,
                       "DOCTYPE internal subset ignored: its entity declarations are never "
                       "defined, expanded or loaded");
        for (char *r = q; r <= close; r++)
            if (*r != '\n')
                *r = ' ';
        return;
    }
}

/* Bytes to clean UTF-8 first: without a BOM or a <meta charset>, a file
 * that is not UTF-8 is decoded as Windows-1252, as browsers do, with a
 * warning (src/core/encoding.c); then the DOCTYPE subset goes. */
static int html_read(const quire_read_ctx *ctx, const char *data, size_t len,
                     quire_collection *into)
{
    char *copy = NULL;
    size_t copy_len = 0;
    char charset[41];
    bool bom = len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0;
    int rc = QUIRE_OK;
    if (!bom && !html_sniff_charset(data, len < 4096 ? len : 4096, charset))
        rc = quire__text_to_utf8(ctx, HTML_COMPONENT, data, len, &copy, &copy_len);
    if (rc != QUIRE_OK)
        return rc;
    if (!copy) {
        if (!(copy = malloc(len + 1)))
            return QUIRE_ERR_NOMEM;
        memcpy(copy, data, len);
        copy[len] = '\0';
        copy_len = len;
    }
    html_drop_internal_subset(ctx, copy, copy_len);
    rc = html_read_clean(ctx, copy, copy_len, into);
    free(copy);
    return rc;
}

static bool html_ext_is(const char *path, const char *ext)
{
    const char *dot = path ? strrchr(path, '.') : NULL;
    return dot && !strchr(dot, '/') && strcasecmp(dot + 1, ext) == 0;
}

static int html_probe(const char *path, const char *data, size_t len)
{
    const char *p = data, *end = data + len;
    if (len >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0)
        p += 3;
    /* An .html file is ours, also with front matter (the markdown reader
     * bids 85 for any front matter) when markup follows it; front matter
     * over plain text is Markdown's even in a .html file. */
    if (html_ext_is(path, "html") || html_ext_is(path, "htm") || html_ext_is(path, "xhtml")) {
        size_t open = html_delim(p, end);
        if (!open)
            return 90;
        const char *line = p + open;
        while (line < end && !html_delim(line, end)) {
            const char *nl = memchr(line, '\n', (size_t)(end - line));
            line = nl ? nl + 1 : end;
        }
        if (line >= end)
            return 90; /* front matter longer than the probe window */
        line += html_delim(line, end);
        while (line < end && (*line == ' ' || *line == '\t' || *line == '\r' || *line == '\n'))
            line++;
        return line == end || *line == '<' ? 90 : 50;
    }
    while (p < end && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n'))
        p++;
    size_t n = (size_t)(end - p);
    if ((n >= 14 && strncasecmp(p, "<!doctype html", 14) == 0) ||
        (n >= 5 && strncasecmp(p, "<html", 5) == 0))
        return 95;
    return 0;
}

const quire_reader quire_reader_html = {
    .version = QUIRE_COMPONENT_VERSION,
    .name = "html",
    .long_name = "HTML page (with OpenGraph, Twitter and JSON-LD metadata)",
    .extensions = "html,htm,xhtml",
    .mime_type = "text/html",
    .probe = html_probe,
    .read = html_read,
};
