/*
 * config.c — quire.yaml: site metadata and the whole tree for components.
 *
 *   title, description, base_url, language, icon, favicon, publisher,
 *   rights, cover, author(s), filters: [...], feeds: {...}, epub: {...},
 *   fields: {typed_field: source.key.path}
 */
#include "internal.h"

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
