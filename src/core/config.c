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
#include <yaml.h>

/* Minimal YAML → quire_value for the config file (iterative with an explicit
 * stack of open collections).  TODO(merge): share the front-matter parser. */
static int cfg_parse_yaml(quire_arena *a, const char *data, size_t len, const char *path,
                          quire_diag_list *diags, quire_value **out)
{
    yaml_parser_t p;
    yaml_event_t ev;
    quire_value *stack[64];
    int depth = 0, rc = QUIRE_OK;
    quire_value *root = NULL;
    char *key = NULL;
    *out = NULL;
    if (!yaml_parser_initialize(&p))
        return QUIRE_ERR_NOMEM;
    yaml_parser_set_input_string(&p, (const unsigned char *)data, len);
    for (;;) {
        if (!yaml_parser_parse(&p, &ev)) {
            quire_diag_add(diags, QUIRE_SEV_ERROR, "config", path,
                           (uint32_t)p.problem_mark.line + 1, (uint32_t)p.problem_mark.column + 1,
                           "%s", p.problem ? p.problem : "invalid YAML");
            rc = QUIRE_ERR_PARSE;
            break;
        }
        yaml_event_type_t t = ev.type;
        quire_value *v = NULL;
        uint32_t line = (uint32_t)ev.start_mark.line + 1, col = (uint32_t)ev.start_mark.column + 1;
        if (t == YAML_STREAM_END_EVENT) {
            yaml_event_delete(&ev);
            break;
        }
        if (t == YAML_ALIAS_EVENT) {
            quire_diag_add(diags, QUIRE_SEV_ERROR, "config", path, line, col,
                           "aliases are not supported in quire.yaml");
            yaml_event_delete(&ev);
            rc = QUIRE_ERR_PARSE;
            break;
        }
        if (t == YAML_SCALAR_EVENT) {
            const char *s = (const char *)ev.data.scalar.value;
            size_t n = ev.data.scalar.length;
            quire_value *parent = depth ? stack[depth - 1] : NULL;
            if (parent && parent->type == QUIRE_VALUE_MAPPING && !key) {
                key = quire_arena_strndup(a, s, n);
                yaml_event_delete(&ev);
                continue;
            }
            bool plain = ev.data.scalar.plain_implicit && ev.data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
            if (plain && (n == 0 || !strcmp(s, "~") || !strcmp(s, "null")))
                v = quire_value_new(a, QUIRE_VALUE_NULL);
            else if (plain && (!strcmp(s, "true") || !strcmp(s, "false")))
                v = quire_value_new_scalar(a, QUIRE_VALUE_BOOL, s, n);
            else
                v = quire_value_new_scalar(a, QUIRE_VALUE_STRING, s, n);
        } else if (t == YAML_SEQUENCE_START_EVENT || t == YAML_MAPPING_START_EVENT) {
            v = quire_value_new(a, t == YAML_SEQUENCE_START_EVENT ? QUIRE_VALUE_SEQUENCE
                                                                   : QUIRE_VALUE_MAPPING);
        } else if (t == YAML_SEQUENCE_END_EVENT || t == YAML_MAPPING_END_EVENT) {
            depth--;
            key = NULL; /* the next scalar of the parent mapping is a key */
            yaml_event_delete(&ev);
            continue;
        } else {
            yaml_event_delete(&ev);
            continue;
        }
        yaml_event_delete(&ev);
        if (!v) {
            rc = QUIRE_ERR_NOMEM;
            break;
        }
        v->line = line;
        v->column = col;
        if (depth)
            quire_value_append(a, stack[depth - 1], key, v);
        else if (!root)
            root = v;
        key = NULL;
        if (v->type == QUIRE_VALUE_SEQUENCE || v->type == QUIRE_VALUE_MAPPING) {
            if (depth == 64) {
                quire_diag_add(diags, QUIRE_SEV_ERROR, "config", path, line, col, "nested too deeply");
                rc = QUIRE_ERR_LIMIT;
                break;
            }
            stack[depth++] = v;
        }
    }
    yaml_parser_delete(&p);
    if (rc == QUIRE_OK)
        *out = root;
    return rc;
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
