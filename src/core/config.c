/*
 * config.c — quire.yaml: site metadata and the whole tree for components.
 *
 *   title, description, base_url, language, icon, favicon, publisher,
 *   rights, cover, author(s), filters: [...], feeds: {...}, epub: {...},
 *   fields: {typed_field: source.key.path},
 *   limits: {max_file_size, max_depth, max_yaml_aliases, max_documents}
 */
#include "internal.h"

#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "../readers/frontmatter.h"

/* The same YAML parser as front matter: one implementation of aliases,
 * limits and positions for every YAML quire reads. */
static int cfg_parse_yaml(quire_arena *a, const char *data, size_t len, const char *path,
                          quire_diag_list *diags, quire_value **out)
{
    quire_read_ctx ctx = {.path = path, .diags = diags};
    return quire__yaml_parse(out, a, data, len, 0, &ctx, "config");
}

static const char *cfg_str(const quire_value *root, const char *key)
{
    const char *s = quire_value_str(quire_value_get(root, key));
    return s && *s ? s : NULL;
}

static void cfg_authors(quire_site *s, const quire_value *v)
{
    if (!v)
        return;
    const quire_value *one = v;
    size_t n = v->type == QUIRE_VALUE_SEQUENCE ? v->count : 1;
    quire_author *list = quire_arena_alloc(s->arena, n * sizeof *list);
    if (!list)
        return;
    size_t k = 0;
    for (const quire_value *it = v->type == QUIRE_VALUE_SEQUENCE ? v->first : one; it;
         it = v->type == QUIRE_VALUE_SEQUENCE ? it->next : NULL) {
        quire_author *a = &list[k];
        if (it->type == QUIRE_VALUE_MAPPING) {
            a->name = cfg_str(it, "name");
            a->url = cfg_str(it, "url");
            a->email = cfg_str(it, "email");
            a->avatar = cfg_str(it, "avatar");
        } else {
            a->name = quire_value_str(it);
        }
        if (a->name || a->url || a->email)
            k++;
    }
    s->authors = list;
    s->n_authors = k;
}

/* ---- limits: {max_file_size, max_depth, max_yaml_aliases, max_documents} ---- */

static const char *const limit_keys[] = {"max_file_size", "max_depth", "max_yaml_aliases",
                                         "max_documents", NULL};

static size_t *limit_field(quire_limits *l, const char *key)
{
    if (!strcmp(key, "max_file_size")) return &l->max_file_size;
    if (!strcmp(key, "max_depth")) return &l->max_depth;
    if (!strcmp(key, "max_yaml_aliases")) return &l->max_yaml_aliases;
    if (!strcmp(key, "max_documents")) return &l->max_documents;
    return NULL;
}

int quire_limit_parse(const char *s, size_t *out)
{
    /* A positive decimal integer, optionally with a binary suffix K, M or G
     * (KiB, MiB, GiB) so that sizes read naturally: 64M. */
    if (!s || *s < '0' || *s > '9')
        return QUIRE_ERR_USAGE;
    unsigned long long v = 0;
    for (; *s >= '0' && *s <= '9'; s++) {
        if (v > (ULLONG_MAX - 9) / 10)
            return QUIRE_ERR_USAGE;
        v = v * 10 + (unsigned)(*s - '0');
    }
    unsigned shift = 0;
    switch (*s) {
    case 'k': case 'K': shift = 10; s++; break;
    case 'm': case 'M': shift = 20; s++; break;
    case 'g': case 'G': shift = 30; s++; break;
    default: break;
    }
    if (shift && (*s == 'i' || *s == 'I') && (s[1] == 'B' || s[1] == 'b'))
        s += 2;
    else if (shift && (*s == 'B' || *s == 'b'))
        s++;
    if (*s || v == 0 || v > (SIZE_MAX >> shift))
        return QUIRE_ERR_USAGE;
    *out = (size_t)v << shift;
    return QUIRE_OK;
}

/* Report every bad entry of `limits:` with its position; quire_config_limits
 * then reads only the good ones. */
static void cfg_check_limits(const quire_value *lim, const char *path, quire_diag_list *diags)
{
    if (!lim)
        return;
    if (lim->type != QUIRE_VALUE_MAPPING) {
        quire_diag_add(diags, QUIRE_SEV_ERROR, "config", path, lim->line, lim->column,
                       "limits: must be a mapping of %s, %s, %s, %s", limit_keys[0],
                       limit_keys[1], limit_keys[2], limit_keys[3]);
        return;
    }
    for (const quire_value *e = lim->first; e; e = e->next) {
        quire_limits scratch = {0};
        size_t *field = limit_field(&scratch, e->key ? e->key : "");
        size_t n;
        if (!field)
            quire_diag_add(diags, QUIRE_SEV_ERROR, "config", path, e->line, e->column,
                           "limits.%s: unknown limit (known: max_file_size, max_depth, "
                           "max_yaml_aliases, max_documents)", e->key ? e->key : "");
        else if (quire_limit_parse(quire_value_str(e), &n) != QUIRE_OK)
            quire_diag_add(diags, QUIRE_SEV_ERROR, "config", path, e->line, e->column,
                           "limits.%s: expected a positive whole number%s; the default holds",
                           e->key, !strcmp(e->key, "max_file_size") ? " of bytes (K, M, G suffixes)" : "");
    }
}

int quire_config_limits(const quire_collection *c, quire_limits *limits)
{
    const quire_value *lim = quire_value_get(c->site.config, "limits");
    if (!lim || lim->type != QUIRE_VALUE_MAPPING)
        return QUIRE_OK;
    for (const quire_value *e = lim->first; e; e = e->next) {
        size_t *field = limit_field(limits, e->key ? e->key : "");
        size_t n;
        if (field && !*field && quire_limit_parse(quire_value_str(e), &n) == QUIRE_OK)
            *field = n;
    }
    return QUIRE_OK;
}

int quire_config_load(quire_collection *c, const char *path, quire_diag_list *diags)
{
    char *data;
    size_t len;
    int rc = quire_read_file(path, 1u << 20, &data, &len);
    if (rc != QUIRE_OK)
        return rc;
    quire_site *s = &c->site;
    quire_value *root = NULL;
    rc = cfg_parse_yaml(s->arena, data, len, path, diags, &root);
    free(data);
    if (rc != QUIRE_OK)
        return rc;
    if (!root)
        return QUIRE_OK; /* an empty file is a valid, empty config */
    if (root->type != QUIRE_VALUE_MAPPING) {
        quire_diag_add(diags, QUIRE_SEV_ERROR, "config", path, root->line, root->column,
                       "quire.yaml must be a mapping of settings");
        return QUIRE_ERR_PARSE;
    }
    s->config = root;
    cfg_check_limits(quire_value_get(root, "limits"), path, diags);
    const char *slash = strrchr(path, '/');
    s->config_dir = slash ? quire_arena_strndup(s->arena, path, (size_t)(slash - path)) : ".";
    const char *v;
    if ((v = cfg_str(root, "title"))) s->title = v;
    if ((v = cfg_str(root, "description"))) s->description = v;
    if ((v = cfg_str(root, "language"))) s->language = v;
    if ((v = cfg_str(root, "icon"))) s->icon = v;
    if ((v = cfg_str(root, "favicon"))) s->favicon = v;
    if ((v = cfg_str(root, "publisher"))) s->publisher = v;
    if ((v = cfg_str(root, "rights"))) s->rights = v;
    if ((v = cfg_str(root, "cover"))) s->cover = v;
    if ((v = cfg_str(root, "base_url")) || (v = cfg_str(root, "baseURL")))
        quire_site_set_base_url(s, v);
    cfg_authors(s, quire_value_get(root, "authors"));
    if (!s->n_authors)
        cfg_authors(s, quire_value_get(root, "author"));
    return QUIRE_OK;
}
