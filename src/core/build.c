/*
 * build.c — `quire build`: read the sources, run the chain, write every
 * output into one folder.
 *
 * Outputs that need the same default filters form a "flavor" (the three
 * feeds share one; EPUB, HTML and the model each have their own).  Each
 * flavor works on copies of the documents with its filters applied, so one
 * output's needs (absolute URLs for feeds) never leak into another's (local
 * image paths for EPUB), and each body is rendered once per flavor.
 */
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define DEFAULT_FEED_LIMIT 20
#define BASE_CHAIN "fix-encoding;select;sort"

typedef struct build_state {
    const quire_build_opts *opts;
    quire_diag_list *diags;
    quire_collection *c;
    quire_outdir *outdir;
    const quire_chain *user_chain; /* the user's filters (already run) */
    quire_date updated;
    int write_errors;
} build_state;

static bool format_wanted(const char *formats, const char *name)
{
    if (!formats || !*formats || strcmp(formats, "all") == 0)
        return true;
    size_t n = strlen(name);
    for (const char *p = formats; *p;) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        if (len == n && strncmp(p, name, n) == 0)
            return true;
        p += len + (comma ? 1 : 0);
    }
    return false;
}

static bool is_feed_writer(const quire_writer *w)
{
    return !strcmp(w->name, "jsonfeed") || !strcmp(w->name, "rss") || !strcmp(w->name, "atom");
}

/* A view: a collection whose documents are filtered copies of some of the
 * source documents; the site is borrowed from the source collection. */
typedef struct view {
    quire_collection coll;
} view;

static void view_free(view *v)
{
    for (size_t i = 0; i < v->coll.count; i++)
        quire_document_free(v->coll.docs[i]);
    free(v->coll.docs);
    memset(v, 0, sizeof *v);
}

static const quire_value *cfg(const build_state *st, const char *path)
{
    return quire_value_path(st->c->site.config, path);
}

/* In summary-only feeds the body is the summary, as one paragraph. */
static void body_to_summary(quire_document *d)
{
    quire_node *root = quire_node_new(d->arena, QUIRE_NODE_ROOT, d->body_line, 1);
    if (!root)
        return;
    if (d->summary && *d->summary) {
        quire_node *p = quire_node_new(d->arena, QUIRE_NODE_PARAGRAPH, d->body_line, 1);
        quire_node_append(p, quire_node_new_text(d->arena, d->summary, strlen(d->summary),
                                                 d->body_line, 1));
        quire_node_append(root, p);
    }
    d->body = root;
}

/* Copy docs (indices into st->c, or all when idx is NULL) and run the
 * writer's default filters on the copies. */
static int view_make(build_state *st, view *v, const size_t *idx, size_t n,
                     const char *default_filters, bool summary_only)
{
    memset(v, 0, sizeof *v);
    v->coll.site = st->c->site;
    quire_chain *chain = NULL;
    int rc = QUIRE_OK;
    if (default_filters && *default_filters) {
        /* One default at a time: those the user's chain already named ran
         * there, with the user's options, and are not run again. */
        char *spec = strdup(default_filters);
        for (char *p = spec, *save = NULL, *name; rc == QUIRE_OK && (name = strtok_r(p, ",", &save));
             p = NULL) {
            char *colon = strchr(name, ':');
            char saved = colon ? *colon : 0;
            if (colon)
                *colon = '\0';
            bool skip = quire_chain_contains(st->user_chain, name);
            if (colon)
                *colon = saved;
            if (!skip)
                rc = quire_chain_add_spec(&chain, name, st->diags);
        }
        free(spec);
    }
    v->coll.docs = calloc(n ? n : 1, sizeof *v->coll.docs);
    v->coll.cap = n ? n : 1;
    if (!v->coll.docs)
        rc = QUIRE_ERR_NOMEM;
    for (size_t i = 0; rc == QUIRE_OK && i < n; i++) {
        quire_document *d = quire_document_clone(st->c->docs[idx ? idx[i] : i]);
        if (!d) {
            rc = QUIRE_ERR_NOMEM;
            break;
        }
        v->coll.docs[v->coll.count++] = d;
        rc = quire_chain_run_document(chain, &v->coll.site, d, st->diags);
        if (summary_only)
            body_to_summary(d);
    }
    quire_chain_free(chain);
    if (rc != QUIRE_OK)
        view_free(v);
    return rc;
}

static int write_one(build_state *st, const quire_collection *coll, const quire_writer *w,
                     const char *relpath, const char *title_suffix)
{
    quire_sink *sink = NULL;
    quire_write_opts wo = {
        .self_path = relpath,
        .outdir = st->outdir,
        .title_suffix = title_suffix,
        .options = cfg(st, w->name),
        .updated = st->updated,
        .fetch_remote = st->opts->fetch_remote,
    };
    int rc = QUIRE_OK;
    if (!(w->flags & QUIRE_WRITER_MULTI)) {
        rc = quire_outdir_sink(st->outdir, relpath, &sink);
        if (rc != QUIRE_OK) {
            quire_diag_add(st->diags, QUIRE_SEV_ERROR, w->name, relpath, 0, 0,
                           "cannot create output: %s", quire_strerror(rc));
            st->write_errors++;
            return rc;
        }
    }
    rc = quire_write(coll, w, sink, &wo, st->diags);
    if (rc == QUIRE_OK && sink)
        rc = quire_sink_commit(sink);
    else
        quire_sink_abort(sink);
    if (rc != QUIRE_OK) {
        quire_diag_add(st->diags, QUIRE_SEV_ERROR, w->name, relpath, 0, 0,
                       "output not written: %s", quire_strerror(rc));
        st->write_errors++;
    }
    return rc;
}

static size_t feed_limit(const build_state *st)
{
    const char *v = quire_value_str(cfg(st, "feeds.limit"));
    if (!v)
        return DEFAULT_FEED_LIMIT;
    long n = strtol(v, NULL, 10);
    return n <= 0 ? (size_t)-1 : (size_t)n; /* 0 or negative: no limit */
}

static bool feeds_summary_only(const build_state *st)
{
    const char *v = quire_value_str(cfg(st, "feeds.content"));
    return v && strcmp(v, "summary") == 0;
}

/* The feeds for one list of documents (main feeds or one tag's). */
static void write_feed_set(build_state *st, const size_t *idx, size_t n, const char *dir,
                           const char *title_suffix)
{
    size_t lim = feed_limit(st);
    if (n > lim)
        n = lim;
    void *it = NULL;
    const quire_writer *w;
    view v;
    bool made = false;
    while ((w = quire_writer_next(&it))) {
        if (!is_feed_writer(w) || !format_wanted(st->opts->formats, w->name))
            continue;
        if (!made) {
            if (view_make(st, &v, idx, n, w->default_filters, feeds_summary_only(st)) != QUIRE_OK) {
                st->write_errors++;
                return;
            }
            made = true;
        }
        char path[1024];
        snprintf(path, sizeof path, "%s%s", dir ? dir : "", w->extension);
        write_one(st, &v.coll, w, path, title_suffix);
    }
    if (made)
        view_free(&v);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* feeds.by: [tags, categories] — one feed set per tag, in tag order. */
static void write_taxonomy_feeds(build_state *st, const char *taxonomy)
{
    quire_collection *c = st->c;
    bool tags = strcmp(taxonomy, "tags") == 0;
    size_t total = 0;
    for (size_t i = 0; i < c->count; i++)
        total += tags ? c->docs[i]->tags.count : c->docs[i]->categories.count;
    if (!total)
        return;
    const char **names = malloc(total * sizeof *names);
    size_t *idx = malloc(c->count * sizeof *idx);
    quire_arena *a = quire_arena_new();
    if (!names || !idx || !a)
        goto out;
    size_t k = 0;
    for (size_t i = 0; i < c->count; i++) {
        const quire_strlist *l = tags ? &c->docs[i]->tags : &c->docs[i]->categories;
        for (size_t j = 0; j < l->count; j++)
            names[k++] = l->items[j];
    }
    qsort(names, k, sizeof *names, cmp_str);
    const char *prev_slug = NULL;
    for (size_t t = 0; t < k; t++) {
        if (t && strcmp(names[t], names[t - 1]) == 0)
            continue;
        /* Names become folder names: slugify, so any name is safe on any
         * file system; two names with one slug share a folder once. */
        char *slug = quire__slugify(a, names[t]);
        if (!slug || !*slug)
            slug = quire_arena_printf(a, "tag-%016llx",
                                      (unsigned long long)quire__fnv1a64(names[t], strlen(names[t]), 0));
        if (prev_slug && strcmp(prev_slug, slug) == 0)
            continue;
        prev_slug = slug;
        size_t n = 0;
        for (size_t i = 0; i < c->count; i++) {
            const quire_strlist *l = tags ? &c->docs[i]->tags : &c->docs[i]->categories;
            for (size_t j = 0; j < l->count; j++) {
                char *s = quire__slugify(a, l->items[j]);
                if ((s && !strcmp(s, slug)) || !strcmp(l->items[j], names[t])) {
                    idx[n++] = i;
                    break;
                }
            }
        }
        char *dir = quire_arena_printf(a, "%s/%s/", taxonomy, slug);
        char *suffix = quire_arena_printf(a, " \xE2\x80\x94 %s", names[t]);
        write_feed_set(st, idx, n, dir, suffix);
    }
out:
    free(names);
    free(idx);
    quire_arena_free(a);
}

static void write_feeds(build_state *st)
{
    write_feed_set(st, NULL, st->c->count, NULL, NULL);
    const quire_value *by = cfg(st, "feeds.by");
    if (!by)
        return;
    if (by->type == QUIRE_VALUE_STRING)
        write_taxonomy_feeds(st, by->str);
    for (const quire_value *b = by->type == QUIRE_VALUE_SEQUENCE ? by->first : NULL; b; b = b->next) {
        const char *s = quire_value_str(b);
        if (s && (!strcmp(s, "tags") || !strcmp(s, "categories")))
            write_taxonomy_feeds(st, s);
        else
            quire_diag_add(st->diags, QUIRE_SEV_WARNING, "config", NULL, b->line, b->column,
                           "feeds.by: only `tags` and `categories` are known");
    }
}

static void write_others(build_state *st)
{
    void *it = NULL;
    const quire_writer *w;
    while ((w = quire_writer_next(&it))) {
        if (is_feed_writer(w) || !format_wanted(st->opts->formats, w->name))
            continue;
        if (!w->begin || !w->write_document || !w->end)
            continue; /* not built in this configuration */
        view v;
        if (view_make(st, &v, NULL, st->c->count, w->default_filters, false) != QUIRE_OK) {
            st->write_errors++;
            continue;
        }
        write_one(st, &v.coll, w, w->extension, NULL);
        view_free(&v);
    }
}

static int load_config(build_state *st)
{
    const quire_build_opts *o = st->opts;
    if (o->config_path) {
        int rc = quire_config_load(st->c, o->config_path, st->diags);
        if (rc == QUIRE_ERR_NOTFOUND)
            quire_diag_add(st->diags, QUIRE_SEV_ERROR, "config", o->config_path, 0, 0,
                           "no such file");
        return rc;
    }
    for (size_t i = 0; i < o->n_sources; i++) {
        struct stat sb;
        if (stat(o->sources[i], &sb) != 0 || !S_ISDIR(sb.st_mode))
            continue;
        char path[4096];
        snprintf(path, sizeof path, "%s/quire.yaml", o->sources[i]);
        int rc = quire_config_load(st->c, path, st->diags);
        return rc == QUIRE_ERR_NOTFOUND ? QUIRE_OK : rc;
    }
    return QUIRE_OK;
}

static int build_chain(build_state *st, quire_chain **chain)
{
    int rc = QUIRE_OK;
    const quire_value *defaults = cfg(st, "default_filters");
    if (!defaults || !(defaults->type == QUIRE_VALUE_BOOL && !strcmp(defaults->str, "false")))
        rc = quire_chain_add_spec(chain, BASE_CHAIN, st->diags);
    const quire_value *list = cfg(st, "filters");
    for (const quire_value *f = list && list->type == QUIRE_VALUE_SEQUENCE ? list->first : NULL;
         f && rc == QUIRE_OK; f = f->next)
        rc = quire_chain_add_value(chain, f, st->diags);
    for (size_t i = 0; i < st->opts->n_filters && rc == QUIRE_OK; i++)
        rc = quire_chain_add_spec(chain, st->opts->filters[i], st->diags);
    return rc;
}

int quire_build(const quire_build_opts *o, quire_diag_list *diags)
{
    build_state st = {.opts = o, .diags = diags};
    quire_chain *chain = NULL;
    int rc;
    if (!o->outdir || !o->n_sources)
        return QUIRE_ERR_USAGE;
    if (!(st.c = quire_collection_new()))
        return QUIRE_ERR_NOMEM;
    rc = load_config(&st);
    if (rc != QUIRE_OK)
        goto done;
    if (o->base_url)
        quire_site_set_base_url(&st.c->site, o->base_url);
    /* limits: of quire.yaml fill in what the command line left unset. */
    quire_limits limits = o->limits;
    quire_config_limits(st.c, &limits);
    int failed = quire_collection_read_paths(st.c, o->sources, o->n_sources, NULL, &limits, diags);
    if (failed < 0) {
        rc = failed;
        goto done;
    }
    rc = build_chain(&st, &chain);
    if (rc == QUIRE_OK)
        rc = quire_chain_run(chain, st.c, diags);
    /* After the chain (a filter may have changed slugs), before any output:
     * every output names files after slugs. */
    if (rc == QUIRE_OK)
        rc = quire__slugs_unique(st.c, diags);
    st.user_chain = chain;
    if (rc != QUIRE_OK)
        goto done;
    if (o->strict && diags->errors) {
        rc = failed ? failed : 1;
        goto done;
    }
    rc = quire_outdir_open(&st.outdir, o->outdir);
    if (rc != QUIRE_OK) {
        quire_diag_add(diags, QUIRE_SEV_ERROR, "quire", o->outdir, 0, 0,
                       "cannot create the output folder: %s", quire_strerror(rc));
        goto done;
    }
    st.updated = quire__build_date(st.c);
    write_feeds(&st);
    write_others(&st);
    rc = failed + st.write_errors;
done:
    quire_chain_free(chain);
    quire_outdir_free(st.outdir);
    quire_collection_free(st.c);
    return rc;
}
