/*
 * chain.c — the filter chain: instances of filter types with their options,
 * run in the order given (curl's client-writer shape: a const type, and an
 * instance holding its options and private state).
 */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

typedef struct chain_item {
    quire_filter_ctx ctx;
    quire_value *options;
    bool inited;
} chain_item;

struct quire_chain {
    chain_item *items;
    size_t count, cap;
    quire_arena *arena; /* option values */
};

static quire_chain *chain_new(void)
{
    quire_chain *ch = calloc(1, sizeof *ch);
    if (ch && !(ch->arena = quire_arena_new())) {
        free(ch);
        return NULL;
    }
    return ch;
}

static int chain_push(quire_chain *ch, const quire_filter *f, quire_value *options)
{
    if (ch->count == ch->cap) {
        size_t cap = ch->cap ? ch->cap * 2 : 8;
        chain_item *p = realloc(ch->items, cap * sizeof *p);
        if (!p)
            return QUIRE_ERR_NOMEM;
        ch->items = p;
        ch->cap = cap;
    }
    chain_item *it = &ch->items[ch->count++];
    memset(it, 0, sizeof *it);
    it->ctx.filter = f;
    it->options = options;
    it->ctx.options = options;
    return QUIRE_OK;
}

static const quire_filter *chain_lookup(const char *name, quire_diag_list *diags)
{
    const quire_filter *f = quire_filter_find(name);
    if (!f)
        quire_diag_add(diags, QUIRE_SEV_ERROR, "chain", NULL, 0, 0,
                       "unknown filter '%s' (see `quire filters`)", name);
    return f;
}

/* "name:k=v,k2=v2" — a bare "k" means k=true. */
static int chain_add_one(quire_chain *ch, const char *spec, size_t len, quire_diag_list *diags)
{
    while (len && (*spec == ' '))
        spec++, len--;
    while (len && spec[len - 1] == ' ')
        len--;
    if (!len)
        return QUIRE_OK;
    const char *colon = memchr(spec, ':', len);
    size_t name_len = colon ? (size_t)(colon - spec) : len;
    char *name = quire_arena_strndup(ch->arena, spec, name_len);
    const quire_filter *f = chain_lookup(name, diags);
    if (!f)
        return QUIRE_ERR_USAGE;
    quire_value *opts = quire_value_new(ch->arena, QUIRE_VALUE_MAPPING);
    if (!opts)
        return QUIRE_ERR_NOMEM;
    if (colon) {
        const char *p = colon + 1, *end = spec + len;
        while (p < end) {
            const char *comma = memchr(p, ',', (size_t)(end - p));
            const char *stop = comma ? comma : end;
            const char *eq = memchr(p, '=', (size_t)(stop - p));
            const char *kend = eq ? eq : stop;
            if (kend > p) {
                char *key = quire_arena_strndup(ch->arena, p, (size_t)(kend - p));
                const char *val = eq ? eq + 1 : "true";
                size_t vlen = eq ? (size_t)(stop - eq - 1) : 4;
                quire_value_append(ch->arena, opts, key,
                                   quire_value_new_scalar(ch->arena, QUIRE_VALUE_STRING, val, vlen));
            }
            p = stop + (comma ? 1 : 0);
        }
    }
    return chain_push(ch, f, opts);
}

int quire_chain_add_spec(quire_chain **chain, const char *spec, quire_diag_list *diags)
{
    if (!*chain && !(*chain = chain_new()))
        return QUIRE_ERR_NOMEM;
    int rc = QUIRE_OK;
    while (spec && *spec && rc == QUIRE_OK) {
        const char *semi = strchr(spec, ';');
        size_t n = semi ? (size_t)(semi - spec) : strlen(spec);
        rc = chain_add_one(*chain, spec, n, diags);
        spec = semi ? semi + 1 : NULL;
    }
    return rc;
}

int quire_chain_add_value(quire_chain **chain, const quire_value *v, quire_diag_list *diags)
{
    if (!v)
        return QUIRE_OK;
    if (v->type == QUIRE_VALUE_STRING)
        return quire_chain_add_spec(chain, v->str, diags);
    if (!*chain && !(*chain = chain_new()))
        return QUIRE_ERR_NOMEM;
    if (v->type != QUIRE_VALUE_MAPPING) {
        quire_diag_add(diags, QUIRE_SEV_ERROR, "chain", NULL, v->line, v->column,
                       "a filter is a name or a mapping with `name:`");
        return QUIRE_ERR_USAGE;
    }
    const char *name = quire_value_str(quire_value_get(v, "name"));
    const quire_filter *f = name ? chain_lookup(name, diags) : NULL;
    if (!f) {
        if (!name)
            quire_diag_add(diags, QUIRE_SEV_ERROR, "chain", NULL, v->line, v->column,
                           "filter mapping without `name:`");
        return QUIRE_ERR_USAGE;
    }
    quire_value *opts = quire_value_new((*chain)->arena, QUIRE_VALUE_MAPPING);
    for (const quire_value *k = v->first; k; k = k->next)
        if (strcmp(k->key, "name") != 0)
            quire_value_append((*chain)->arena, opts, k->key, quire_value_clone((*chain)->arena, k));
    return chain_push(*chain, f, opts);
}

size_t quire_chain_length(const quire_chain *ch)
{
    return ch ? ch->count : 0;
}

bool quire_chain_contains(const quire_chain *ch, const char *name)
{
    for (size_t i = 0; ch && name && i < ch->count; i++)
        if (strcmp(ch->items[i].ctx.filter->name, name) == 0)
            return true;
    return false;
}

static int item_init(chain_item *it, const quire_site *site, quire_diag_list *diags)
{
    it->ctx.site = site;
    it->ctx.diags = diags;
    if (it->inited)
        return QUIRE_OK;
    const quire_filter *f = it->ctx.filter;
    if (f->priv_size && !it->ctx.priv && !(it->ctx.priv = calloc(1, f->priv_size)))
        return QUIRE_ERR_NOMEM;
    it->inited = true;
    return f->init ? f->init(&it->ctx) : QUIRE_OK;
}

int quire__chain_prepare(const quire_chain *ch, const quire_site *site, quire_diag_list *diags)
{
    for (size_t i = 0; ch && i < ch->count; i++) {
        int rc = item_init(&ch->items[i], site, diags);
        if (rc != QUIRE_OK)
            return rc;
    }
    return QUIRE_OK;
}

int quire_chain_run_document(const quire_chain *ch, const quire_site *site, quire_document *doc,
                             quire_diag_list *diags)
{
    for (size_t i = 0; ch && i < ch->count; i++) {
        chain_item *it = &ch->items[i];
        if (it->ctx.filter->scope != QUIRE_FILTER_DOCUMENT || !it->ctx.filter->run_document)
            continue;
        int rc = QUIRE_OK;
        if (!it->inited)
            rc = item_init(it, site, diags);
        if (rc != QUIRE_OK)
            return rc;
        /* A private copy of the context: several threads may run the same
         * prepared chain, each with its own diagnostics.  Document filters
         * only read their private state once initialized. */
        quire_filter_ctx local = it->ctx;
        local.site = site;
        local.diags = diags;
        rc = it->ctx.filter->run_document(&local, doc);
        if (rc != QUIRE_OK)
            return rc;
    }
    return QUIRE_OK;
}

bool quire__chain_changes(const quire_chain *ch, const quire_site *site, const quire_document *doc)
{
    /* First what needs no walk: a filter that would be initialized by
     * running it, or that cannot tell (absolute-urls in the feeds' chain). */
    for (size_t i = 0; ch && i < ch->count; i++) {
        const chain_item *it = &ch->items[i];
        const quire_filter *f = it->ctx.filter;
        if (f->scope == QUIRE_FILTER_DOCUMENT && f->run_document && (!it->inited || !f->changes))
            return true;
    }
    /* In chain order, up to the first filter that might act: those before
     * it leave doc as it is, so each one is asked about doc itself. */
    for (size_t i = 0; ch && i < ch->count; i++) {
        const chain_item *it = &ch->items[i];
        const quire_filter *f = it->ctx.filter;
        if (f->scope != QUIRE_FILTER_DOCUMENT || !f->run_document)
            continue; /* quire_chain_run_document skips it too */
        quire_filter_ctx local = it->ctx;
        local.site = site;
        local.diags = NULL;
        if (f->changes(&local, doc))
            return true;
    }
    return false;
}

int quire_chain_run(const quire_chain *ch, quire_collection *c, quire_diag_list *diags)
{
    for (size_t i = 0; ch && i < ch->count; i++) {
        chain_item *it = &ch->items[i];
        const quire_filter *f = it->ctx.filter;
        int rc = item_init(it, &c->site, diags);
        if (rc != QUIRE_OK)
            return rc;
        if (f->scope == QUIRE_FILTER_COLLECTION && f->run_collection) {
            rc = f->run_collection(&it->ctx, c);
        } else if (f->scope == QUIRE_FILTER_DOCUMENT && f->run_document) {
            for (size_t d = 0; d < c->count && rc == QUIRE_OK; d++)
                rc = f->run_document(&it->ctx, c->docs[d]);
        }
        if (rc != QUIRE_OK)
            return rc;
    }
    return QUIRE_OK;
}

void quire_chain_free(quire_chain *ch)
{
    if (!ch)
        return;
    for (size_t i = 0; i < ch->count; i++) {
        chain_item *it = &ch->items[i];
        if (it->inited && it->ctx.filter->uninit)
            it->ctx.filter->uninit(&it->ctx);
        free(it->ctx.priv);
    }
    free(ch->items);
    quire_arena_free(ch->arena);
    free(ch);
}
