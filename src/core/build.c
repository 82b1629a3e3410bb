/*
 * build.c — `quire build`: read the sources, run the chain, write every
 * output into one folder, in two passes so that memory does not grow with
 * the size of the collection:
 *
 *   pass 1  every file is read for its metadata only (QUIRE_READ_HEADER_ONLY),
 *           in parallel; the chain runs (fix-encoding; select; sort; the
 *           user's filters), slugs are made unique, and the feed sets (main
 *           feed, one per tag/category) are planned: each knows its
 *           documents and the index of its last one.
 *   pass 2  documents are read again for their bodies, in collection order,
 *           on worker threads a few documents ahead; a worker runs the
 *           document filters and makes one filtered copy per flavor; the
 *           main thread hands each copy to the open writer sessions of its
 *           flavor and frees the document.  A feed set's writers open at
 *           its first document and are committed at its last.
 *
 * Flavors: outputs that need the same default filters (the three feeds
 * share one; EPUB, HTML and the model each have their own) get the same
 * copy, so one output's needs (absolute URLs for feeds) never leak into
 * another's (local image paths for EPUB), and a body is filtered once per
 * flavor.  The output is byte-identical whatever the number of threads.
 */
#include "internal.h"

#include <stdio.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#define DEFAULT_FEED_LIMIT 20
#define BASE_CHAIN "fix-encoding;select;sort"
#define MAX_FLAVORS 8
#define N_FEED_FORMATS 3
/* Documents in flight per thread in pass 2.  Each holds a document and its
 * prepared outputs (about 100 KB), so 8 per thread is 1.6 MB on 2 cores.
 * 16 halved the sleeps (~1,600 -> ~620 at 10k documents) but measured no
 * faster (less system time, as much more user time) for 4 MB more. */
#define PASS2_WINDOW_PER_JOB 8

static const char *const feed_writer_names[N_FEED_FORMATS] = {"jsonfeed", "rss", "atom"};
static const unsigned feed_bits[N_FEED_FORMATS] = {QUIRE_FEED_JSON, QUIRE_FEED_RSS,
                                                   QUIRE_FEED_ATOM};

/* One group of outputs sharing default filters. */
typedef struct flavor {
    const char *filters;      /* the writers' default_filters */
    quire_chain *chain;       /* those filters, minus the ones the user's chain ran */
    bool copy;                /* false: writers see the document itself (and
                                 they do when the chain would not change it) */
} flavor;

/* A feed set: the main feeds or one tag's, planned in pass 1. */
typedef struct feed_set {
    char *dir;                /* "" or "tags/<slug>/" (owned) */
    char *suffix;             /* title suffix (owned) or NULL */
    char *key;                /* taxonomy + slug, for lookups (owned) */
    size_t count, written;    /* documents in the set; handed over so far */
    size_t last;              /* collection index of its last document */
    quire_sink *sink[N_FEED_FORMATS];
    quire_write_session *sess[N_FEED_FORMATS];
} feed_set;

/* A writer that sees every document (epub, html, model). */
typedef struct full_output {
    const quire_writer *writer;
    int flavor;
    quire_sink *sink;
    quire_write_session *sess;
} full_output;

typedef struct build_state {
    const quire_build_opts *opts;
    quire_diag_list *diags;
    quire_collection *c;
    quire_chain *chain;       /* base + config + command line */
    quire_outdir *outdir;
    quire_date updated;
    const quire_value *field_map;
    quire_limits limits;      /* command line, then quire.yaml's limits: */
    int jobs;
    int write_errors;

    flavor flavors[MAX_FLAVORS];
    int n_flavors;
    int feed_flavor;          /* -1 when no feed is wanted */
    const quire_writer *feed_writers[N_FEED_FORMATS]; /* NULL when not wanted */
    unsigned feeds_on;        /* QUIRE_FEED_* bits of the wanted feeds */
    unsigned tag_feeds_on;
    size_t feed_limit;
    bool summary_only;
    bool need_extra;          /* a writer reads doc->extra (the model) */
    bool no_prepare;          /* QUIRE_PREPARE=0: writers do all their work in
                                 write_document, as under quire_write(); a test
                                 seam (tests/cli) that checks both paths agree */

    feed_set *sets;
    size_t n_sets, cap_sets;
    size_t *member_start;     /* CSR: sets of document i are */
    size_t *members;          /* members[member_start[i] .. member_start[i+1]) */

    full_output outs[MAX_FLAVORS];
    int n_outs;
} build_state;

/* What a pass-2 worker hands to the main thread for one document. */
typedef struct prepared {
    quire_document *doc;      /* the document, body merged in */
    quire_document *aux;      /* the body's own document (owns its arena) */
    quire_document *copy[MAX_FLAVORS];
    void *prep[MAX_FLAVORS];  /* outs[o]'s writer's prepare() result, or NULL */
    quire_diag_list diags;
    bool failed;
} prepared;

static const quire_value *cfg(const build_state *st, const char *path)
{
    return quire_value_path(st->c->site.config, path);
}

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

static int feed_index(const quire_writer *w)
{
    for (int i = 0; i < N_FEED_FORMATS; i++)
        if (strcmp(w->name, feed_writer_names[i]) == 0)
            return i;
    return -1;
}

/* ------------------------------------------------------------ flavors */

static int flavor_for(build_state *st, const char *filters)
{
    const char *f = filters ? filters : "";
    for (int i = 0; i < st->n_flavors; i++)
        if (strcmp(st->flavors[i].filters, f) == 0)
            return i;
    if (st->n_flavors == MAX_FLAVORS)
        return -1;
    flavor *fl = &st->flavors[st->n_flavors];
    fl->filters = f;
    int rc = QUIRE_OK;
    /* One default at a time: those the user's chain already named ran there,
     * with the user's options (sanitize:raw=true must hold), and are not run
     * again. */
    char *spec = strdup(f);
    for (char *p = spec, *save = NULL, *name; spec && rc == QUIRE_OK &&
                                               (name = strtok_r(p, ",", &save));
         p = NULL)
        if (!quire_chain_contains(st->chain, name))
            rc = quire_chain_add_spec(&fl->chain, name, st->diags);
    free(spec);
    if (rc == QUIRE_OK)
        rc = quire__chain_prepare(fl->chain, &st->c->site, st->diags);
    if (rc != QUIRE_OK)
        return -1;
    fl->copy = quire_chain_length(fl->chain) > 0;
    return st->n_flavors++;
}

static int plan_outputs(build_state *st)
{
    void *it = NULL;
    const quire_writer *w;
    st->feed_flavor = -1;
    while ((w = quire_writer_next(&it))) {
        if (!format_wanted(st->opts->formats, w->name))
            continue;
        if (!w->begin || !w->write_document || !w->end)
            continue; /* not built in this configuration */
        int fi = feed_index(w);
        if (fi >= 0) {
            /* The three feeds share one flavor: the first one's filters. */
            if (st->feed_flavor < 0)
                st->feed_flavor = flavor_for(st, w->default_filters);
            if (st->feed_flavor < 0)
                return QUIRE_ERR_USAGE;
            st->feed_writers[fi] = w;
            st->feeds_on |= feed_bits[fi];
            continue;
        }
        if (strcmp(w->name, "model") == 0)
            st->need_extra = true;
        int fl = flavor_for(st, w->default_filters);
        if (fl < 0 || st->n_outs == MAX_FLAVORS)
            return QUIRE_ERR_USAGE;
        st->outs[st->n_outs++] = (full_output){.writer = w, .flavor = fl};
    }
    return QUIRE_OK;
}

/* ------------------------------------------------------------ feed sets */

static size_t feed_limit(const build_state *st)
{
    const char *v = quire_value_str(cfg(st, "feeds.limit"));
    if (!v)
        return DEFAULT_FEED_LIMIT;
    long n = strtol(v, NULL, 10);
    return n <= 0 ? (size_t)-1 : (size_t)n; /* 0 or negative: no limit */
}

/* Open addressing over set keys; sets only grow. */
typedef struct set_index {
    size_t *slots; /* set number + 1, 0 = empty */
    size_t cap;
} set_index;

static size_t *set_index_find(set_index *ix, const feed_set *sets, const char *key)
{
    size_t h = (size_t)quire__fnv1a64(key, strlen(key), 0);
    for (size_t i = h & (ix->cap - 1);; i = (i + 1) & (ix->cap - 1))
        if (!ix->slots[i] || strcmp(sets[ix->slots[i] - 1].key, key) == 0)
            return &ix->slots[i];
}

static int set_index_grow(set_index *ix, const feed_set *sets, size_t n_sets)
{
    if (n_sets * 2 < ix->cap)
        return QUIRE_OK;
    set_index bigger = {calloc(ix->cap ? ix->cap * 2 : 64, sizeof *bigger.slots),
                        ix->cap ? ix->cap * 2 : 64};
    if (!bigger.slots)
        return QUIRE_ERR_NOMEM;
    for (size_t i = 0; i < ix->cap; i++)
        if (ix->slots[i])
            *set_index_find(&bigger, sets, sets[ix->slots[i] - 1].key) = ix->slots[i];
    free(ix->slots);
    *ix = bigger;
    return QUIRE_OK;
}

static feed_set *set_add(build_state *st, const char *key, const char *dir, const char *suffix)
{
    if (st->n_sets == st->cap_sets) {
        size_t cap = st->cap_sets ? st->cap_sets * 2 : 16;
        feed_set *p = realloc(st->sets, cap * sizeof *p);
        if (!p)
            return NULL;
        st->sets = p;
        st->cap_sets = cap;
    }
    feed_set *s = &st->sets[st->n_sets];
    memset(s, 0, sizeof *s);
    s->key = strdup(key);
    s->dir = strdup(dir);
    s->suffix = suffix ? strdup(suffix) : NULL;
    if (!s->key || !s->dir || (suffix && !s->suffix)) {
        free(s->key);
        free(s->dir);
        free(s->suffix);
        return NULL;
    }
    st->n_sets++;
    return s;
}

/* A document joins a set while the set has room (feeds show the newest N). */
static int set_join(build_state *st, size_t set, size_t doc, size_t *n_members, size_t *cap)
{
    feed_set *s = &st->sets[set];
    if (s->count >= st->feed_limit)
        return QUIRE_OK;
    if (*n_members == *cap) {
        size_t nc = *cap ? *cap * 2 : 256;
        size_t *p = realloc(st->members, nc * sizeof *p);
        if (!p)
            return QUIRE_ERR_NOMEM;
        st->members = p;
        *cap = nc;
    }
    st->members[(*n_members)++] = set;
    s->count++;
    s->last = doc;
    return QUIRE_OK;
}

static bool taxonomy_wanted(const build_state *st, const char *taxonomy)
{
    const quire_value *by = cfg(st, "feeds.by");
    if (by && by->type == QUIRE_VALUE_STRING)
        return strcmp(by->str, taxonomy) == 0;
    for (const quire_value *b = by && by->type == QUIRE_VALUE_SEQUENCE ? by->first : NULL; b;
         b = b->next)
        if (quire_value_str(b) && strcmp(quire_value_str(b), taxonomy) == 0)
            return true;
    return false;
}

static void warn_unknown_taxonomies(build_state *st)
{
    const quire_value *by = cfg(st, "feeds.by");
    for (const quire_value *b = by && by->type == QUIRE_VALUE_SEQUENCE ? by->first : NULL; b;
         b = b->next) {
        const char *s = quire_value_str(b);
        if (!s || (strcmp(s, "tags") != 0 && strcmp(s, "categories") != 0))
            quire_diag_add(st->diags, QUIRE_SEV_WARNING, "config", NULL, b->line, b->column,
                           "feeds.by: only `tags` and `categories` are known");
    }
}

/* The set a tag or category name (as written) belongs to.  Names repeat
 * across the collection (a few dozen tags on thousands of documents), and
 * slugifying one costs ~700 instructions, so each distinct name is
 * slugified once.  Open addressing; the names are copies. */
typedef struct name_index {
    struct name_slot {
        char *name;  /* NULL: empty */
        int taxonomy;
        size_t set;
    } *slots;
    size_t cap, count;
} name_index;

static struct name_slot *name_index_find(name_index *ix, int taxonomy, const char *name)
{
    size_t h = (size_t)quire__fnv1a64(name, strlen(name), (uint64_t)taxonomy);
    for (size_t i = h & (ix->cap - 1);; i = (i + 1) & (ix->cap - 1)) {
        struct name_slot *e = &ix->slots[i];
        if (!e->name || (e->taxonomy == taxonomy && strcmp(e->name, name) == 0))
            return e;
    }
}

static int name_index_add(name_index *ix, int taxonomy, const char *name, size_t set)
{
    if ((ix->count + 1) * 2 > ix->cap) {
        name_index bigger = {calloc(ix->cap ? ix->cap * 2 : 64, sizeof *bigger.slots),
                             ix->cap ? ix->cap * 2 : 64, ix->count};
        if (!bigger.slots)
            return QUIRE_ERR_NOMEM;
        for (size_t i = 0; i < ix->cap; i++)
            if (ix->slots[i].name)
                *name_index_find(&bigger, ix->slots[i].taxonomy, ix->slots[i].name) = ix->slots[i];
        free(ix->slots);
        *ix = bigger;
    }
    struct name_slot *e = name_index_find(ix, taxonomy, name);
    if (!(e->name = strdup(name)))
        return QUIRE_ERR_NOMEM;
    e->taxonomy = taxonomy;
    e->set = set;
    ix->count++;
    return QUIRE_OK;
}

static void name_index_free(name_index *ix)
{
    for (size_t i = 0; i < ix->cap; i++)
        free(ix->slots[i].name);
    free(ix->slots);
}

/* The set of the feed of name in taxonomy t (0 tags, 1 categories), made
 * on first sight.  Names become folder names through the slug, so any name
 * is safe on any file system; two names with one slug share a folder
 * (and the suffix of the first). */
static int set_for_name(build_state *st, set_index *six, name_index *nix, quire_arena *a,
                        int t, const char *name, size_t *set)
{
    if (nix->cap) {
        const struct name_slot *e = name_index_find(nix, t, name);
        if (e->name) {
            *set = e->set;
            return QUIRE_OK;
        }
    }
    const char *taxonomy = t == 0 ? "tags" : "categories";
    char *key = quire__arena_cat3(a, taxonomy, "/", quire__taxonomy_slug(a, name));
    int rc = key ? set_index_grow(six, st->sets, st->n_sets) : QUIRE_ERR_NOMEM;
    if (rc != QUIRE_OK)
        return rc;
    size_t *slot = set_index_find(six, st->sets, key);
    if (!*slot) {
        char *dir = quire__arena_cat3(a, key, "/", NULL);
        char *suffix = quire__arena_cat3(a, " \xE2\x80\x94 ", name, NULL);
        if (!dir || !suffix || !set_add(st, key, dir, suffix))
            return QUIRE_ERR_NOMEM;
        *slot = st->n_sets;
    }
    *set = *slot - 1;
    return name_index_add(nix, t, name, *set);
}

static int plan_feed_sets(build_state *st)
{
    if (st->feed_flavor < 0)
        return QUIRE_OK;
    const quire_collection *c = st->c;
    bool by_tags = taxonomy_wanted(st, "tags"), by_cats = taxonomy_wanted(st, "categories");
    warn_unknown_taxonomies(st);
    if (by_tags)
        st->tag_feeds_on = st->feeds_on;
    st->member_start = calloc(c->count + 1, sizeof *st->member_start);
    set_index six = {0};
    name_index nix = {0};
    /* what a new set's names are made in: memory grows with the sets */
    quire_arena *a = quire_arena_new();
    size_t n_members = 0, cap = 0;
    int rc = st->member_start && a ? QUIRE_OK : QUIRE_ERR_NOMEM;
    if (rc == QUIRE_OK && !set_add(st, "", "", NULL))
        rc = QUIRE_ERR_NOMEM;
    for (size_t i = 0; rc == QUIRE_OK && i < c->count; i++) {
        st->member_start[i] = n_members;
        rc = set_join(st, 0, i, &n_members, &cap);
        for (int t = 0; t < 2 && rc == QUIRE_OK; t++) {
            if (!(t == 0 ? by_tags : by_cats))
                continue;
            const quire_strlist *l = t == 0 ? &c->docs[i]->tags : &c->docs[i]->categories;
            for (size_t j = 0; j < l->count && rc == QUIRE_OK; j++) {
                size_t set;
                rc = set_for_name(st, &six, &nix, a, t, l->items[j], &set);
                if (rc != QUIRE_OK)
                    break;
                /* A document with two tags of one slug joins that set once. */
                bool already = false;
                for (size_t m = st->member_start[i]; m < n_members; m++)
                    already |= st->members[m] == set;
                if (!already)
                    rc = set_join(st, set, i, &n_members, &cap);
            }
        }
    }
    if (st->member_start)
        st->member_start[c->count] = n_members;
    free(six.slots);
    name_index_free(&nix);
    quire_arena_free(a);
    return rc;
}

/* ------------------------------------------------------------ sessions */

static void output_failed(build_state *st, const char *who, const char *path, int rc)
{
    quire_diag_add(st->diags, QUIRE_SEV_ERROR, who, path, 0, 0, "output not written: %s",
                   quire_strerror(rc));
    st->write_errors++;
}

/* A file the output folder's thread could not write (quire_outdir_flush). */
static void report_unwritten(void *arg, const char *rel, int rc)
{
    output_failed(arg, "quire", rel ? rel : ".", rc);
}

static quire_write_opts write_opts(const build_state *st, const quire_writer *w,
                                   const char *path, const char *suffix)
{
    return (quire_write_opts){
        .self_path = path,
        .outdir = st->outdir,
        .title_suffix = suffix,
        .options = cfg(st, w->name),
        .updated = st->updated,
        .fetch_remote = st->opts->fetch_remote,
        .feeds = st->feeds_on,
        .tag_feeds = st->tag_feeds_on,
    };
}

/* Open a session writing relpath (or the folder, for MULTI writers). */
static void session_open(build_state *st, const quire_writer *w, const char *relpath,
                         const char *suffix, size_t count, quire_sink **sink,
                         quire_write_session **sess)
{
    *sink = NULL;
    *sess = NULL;
    int rc = QUIRE_OK;
    if (!(w->flags & QUIRE_WRITER_MULTI) &&
        (rc = quire_outdir_sink(st->outdir, relpath, sink)) != QUIRE_OK) {
        quire_diag_add(st->diags, QUIRE_SEV_ERROR, w->name, relpath, 0, 0,
                       "cannot create output: %s", quire_strerror(rc));
        st->write_errors++;
        return;
    }
    quire_write_opts wo = write_opts(st, w, relpath, suffix);
    if (rc == QUIRE_OK)
        rc = quire__write_open(sess, &st->c->site, w, *sink, &wo, count, st->diags);
    if (rc != QUIRE_OK) {
        quire__write_close(*sess, false);
        quire_sink_abort(*sink);
        *sess = NULL;
        *sink = NULL;
        output_failed(st, w->name, relpath, rc);
    }
}

/* Finish a session: end, close, commit (or discard on any error). */
static void session_close(build_state *st, const quire_writer *w, const char *relpath,
                          quire_sink **sink, quire_write_session **sess)
{
    if (!*sess)
        return;
    int rc = quire__write_close(*sess, true);
    if (rc == QUIRE_OK && *sink)
        rc = quire_sink_commit(*sink);
    else
        quire_sink_abort(*sink);
    if (rc != QUIRE_OK)
        output_failed(st, w->name, relpath, rc);
    *sess = NULL;
    *sink = NULL;
}

static void set_path(const feed_set *s, const quire_writer *w, char *buf, size_t n)
{
    snprintf(buf, n, "%s%s", s->dir, w->extension);
}

static void set_open(build_state *st, feed_set *s)
{
    for (int f = 0; f < N_FEED_FORMATS; f++) {
        const quire_writer *w = st->feed_writers[f];
        if (!w)
            continue;
        char path[1024];
        set_path(s, w, path, sizeof path);
        session_open(st, w, path, s->suffix, s->count, &s->sink[f], &s->sess[f]);
    }
}

static void set_close(build_state *st, feed_set *s)
{
    for (int f = 0; f < N_FEED_FORMATS; f++) {
        const quire_writer *w = st->feed_writers[f];
        if (!w || !s->sess[f])
            continue;
        char path[1024];
        set_path(s, w, path, sizeof path);
        session_close(st, w, path, &s->sink[f], &s->sess[f]);
    }
}

/* ------------------------------------------------------------ pass 2 */

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

static bool in_any_set(const build_state *st, size_t i)
{
    return st->member_start && st->member_start[i + 1] > st->member_start[i];
}

static const quire_document *flavor_doc(const prepared *p, int f)
{
    return p->copy[f] ? p->copy[f] : p->doc;
}

static void *pass2_produce(void *ctx, size_t i)
{
    build_state *st = ctx;
    prepared *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    quire_diag_list_init(&p->diags);
    quire_document *doc = st->c->docs[i];
    p->doc = doc;
    bool fresh_extra = false;
    if (doc->body_deferred) {
        unsigned flags = st->need_extra ? QUIRE_READ_EXTRA : 0;
        if (quire__read_body(doc, &st->limits, st->field_map, flags, &p->diags, &p->aux) !=
            QUIRE_OK) {
            p->failed = true;
            return p;
        }
        /* Body and front matter live in aux's arena; aux is freed with
         * this document. */
        doc->body = p->aux->body;
        doc->body_line = p->aux->body_line;
        doc->body_deferred = false;
        if (st->need_extra && p->aux->extra) {
            doc->extra = p->aux->extra;
            fresh_extra = true;
        }
    }
    /* A front matter tree kept from pass 1 went through these filters
     * there; hidden while they run, so it is not done twice.  One read
     * again (fresh_extra) needs them. */
    quire_value *extra = doc->extra;
    if (!fresh_extra)
        doc->extra = NULL;
    int rc = quire_chain_run_document(st->chain, &st->c->site, doc, &p->diags);
    doc->extra = extra;
    if (rc != QUIRE_OK) {
        p->failed = true;
        return p;
    }
    for (int f = 0; f < st->n_flavors; f++) {
        const flavor *fl = &st->flavors[f];
        bool used = f == st->feed_flavor ? in_any_set(st, i) : false;
        for (int o = 0; o < st->n_outs && !used; o++)
            used = st->outs[o].flavor == f;
        if (!used)
            continue;
        bool summary = f == st->feed_flavor && st->summary_only;
        if (!fl->copy && !summary)
            continue; /* writers see the document itself */
        /* Nor is a copy needed when no filter of the flavor would change
         * this document (most have no embed, nothing to sanitize). */
        if (!summary && quire__document_clone_is_faithful(doc) &&
            !quire__chain_changes(fl->chain, &st->c->site, doc))
            continue;
        /* freed in pass2_consume before doc and aux, so it may share
         * their strings */
        quire_document *copy = quire__document_clone_shared(doc);
        if (!copy || quire_chain_run_document(fl->chain, &st->c->site, copy, &p->diags) != QUIRE_OK) {
            quire_document_free(copy);
            p->failed = true;
            return p;
        }
        if (summary)
            body_to_summary(copy);
        p->copy[f] = copy;
    }
    /* The writers' own per-document work (rendering, compressing) runs
     * here too, so the main thread is left with ordering and I/O. */
    for (int o = 0; o < st->n_outs && !st->no_prepare; o++)
        if (st->outs[o].sess)
            quire__write_prepare(st->outs[o].sess, flavor_doc(p, st->outs[o].flavor), &p->diags,
                                 &p->prep[o]);
    return p;
}

static int pass2_consume(void *ctx, size_t i, void *item)
{
    build_state *st = ctx;
    prepared *p = item;
    if (!p)
        return QUIRE_ERR_NOMEM;
    quire_diag_list_move(st->diags, &p->diags);
    if (p->failed) {
        st->write_errors++;
        /* Sets still close at their last document, with what they have. */
    }
    quire__feed_memo_begin();
    for (size_t m = st->member_start ? st->member_start[i] : 0;
         st->member_start && m < st->member_start[i + 1]; m++) {
        feed_set *s = &st->sets[st->members[m]];
        if (!s->written)
            set_open(st, s);
        s->written++;
        for (int f = 0; !p->failed && f < N_FEED_FORMATS; f++)
            if (s->sess[f] && quire__write_doc(s->sess[f], flavor_doc(p, st->feed_flavor)) != QUIRE_OK)
                set_close(st, s); /* the error is reported at close */
        if (s->last == i)
            set_close(st, s);
    }
    quire__feed_memo_end();
    for (int o = 0; o < st->n_outs; o++)
        if (st->outs[o].sess && !p->failed)
            quire__write_doc_prepared(st->outs[o].sess, flavor_doc(p, st->outs[o].flavor),
                                      p->prep[o]);
    /* The document is done: pass2_release frees it, so memory stays flat. */
    st->c->docs[i] = NULL;
    return QUIRE_OK;
}

/* Frees a written document and what was prepared for it, on the worker
 * that made them (see quire__run_ordered). */
static void pass2_release(void *ctx, void *item)
{
    build_state *st = ctx;
    prepared *p = item;
    if (!p)
        return;
    for (int o = 0; o < st->n_outs; o++)
        if (st->outs[o].sess)
            quire__write_release(st->outs[o].sess, p->prep[o]);
    for (int f = 0; f < MAX_FLAVORS; f++)
        quire_document_free(p->copy[f]);
    quire_document_free(p->doc);
    quire_document_free(p->aux);
    free(p);
}

/* One full output ending: its writer's end (the EPUB's package documents
 * and zip directory, the HTML index and tag pages...), then the commit. */
typedef struct out_close {
    quire_write_session *sess;
    quire_sink *sink;
    quire_diag_list diags; /* what the writer reports meanwhile */
    int rc;
    pthread_t thread;
    bool on_thread;
} out_close;

static void out_close_run(out_close *c)
{
    c->rc = quire__write_close(c->sess, true);
    if (c->rc == QUIRE_OK && c->sink)
        c->rc = quire_sink_commit(c->sink);
    else
        quire_sink_abort(c->sink);
}

static void *out_close_thread(void *arg)
{
    out_close_run(arg);
    return NULL;
}

/* The full outputs end at the same time, each on a thread of its own:
 * each end is a serial tail that grows with the collection (at 10,000
 * documents the EPUB's and the HTML's took about 0.2 s each, one after the
 * other, with the workers idle).  The sessions share nothing but the
 * output folder, which locks its claims.  What each reports goes into a
 * list of its own, merged in output order after, so the diagnostics come
 * out in the same order whatever finishes first. */
static void close_outputs(build_state *st)
{
    out_close jobs[MAX_FLAVORS];
    int n = 0;
    for (int o = 0; o < st->n_outs; o++) {
        out_close *j = &jobs[o];
        *j = (out_close){.sess = st->outs[o].sess, .sink = st->outs[o].sink};
        quire_diag_list_init(&j->diags);
        quire__write_set_diags(j->sess, &j->diags);
        n += j->sess != NULL;
    }
    for (int o = 0; o < st->n_outs && st->jobs > 1 && n > 1; o++)
        if (jobs[o].sess)
            jobs[o].on_thread = pthread_create(&jobs[o].thread, NULL, out_close_thread, &jobs[o]) == 0;
    for (int o = 0; o < st->n_outs; o++) {
        out_close *j = &jobs[o];
        if (j->on_thread)
            pthread_join(j->thread, NULL);
        else if (j->sess)
            out_close_run(j);
        quire_diag_list_move(st->diags, &j->diags);
        quire_diag_list_free(&j->diags);
        if (j->sess && j->rc != QUIRE_OK)
            output_failed(st, st->outs[o].writer->name, st->outs[o].writer->extension, j->rc);
        st->outs[o].sess = NULL;
        st->outs[o].sink = NULL;
    }
}

static void write_all(build_state *st)
{
    quire_collection *c = st->c;
    for (int o = 0; o < st->n_outs; o++) {
        full_output *out = &st->outs[o];
        session_open(st, out->writer, out->writer->extension, NULL, c->count, &out->sink,
                     &out->sess);
    }
    /* Sets without documents (an empty collection) are still written. */
    for (size_t s = 0; s < st->n_sets; s++)
        if (st->sets[s].count == 0) {
            set_open(st, &st->sets[s]);
            set_close(st, &st->sets[s]);
        }
    int rc = quire__run_ordered(c->count, st->jobs, PASS2_WINDOW_PER_JOB, pass2_produce,
                                pass2_consume, pass2_release, st);
    if (rc != QUIRE_OK)
        st->write_errors++;
    close_outputs(st);
    for (size_t s = 0; s < st->n_sets; s++)
        set_close(st, &st->sets[s]); /* only if an error left one open */
    quire_outdir_flush(st->outdir, report_unwritten, st);
}

/* ------------------------------------------------------------ setup */

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
        /* Without a quire.yaml the first folder is still the site's root:
         * images and links relative to it (../images/x.png from posts/)
         * resolve there, and nothing outside it is read. */
        if (rc == QUIRE_ERR_NOTFOUND && !st->c->site.config_dir)
            st->c->site.config_dir = quire_arena_strdup(st->c->site.arena, o->sources[i]);
        return rc == QUIRE_ERR_NOTFOUND ? QUIRE_OK : rc;
    }
    return QUIRE_OK;
}

static int build_chain(build_state *st)
{
    int rc = QUIRE_OK;
    const quire_value *defaults = cfg(st, "default_filters");
    if (!defaults || !(defaults->type == QUIRE_VALUE_BOOL && !strcmp(defaults->str, "false")))
        rc = quire_chain_add_spec(&st->chain, BASE_CHAIN, st->diags);
    const quire_value *list = cfg(st, "filters");
    for (const quire_value *f = list && list->type == QUIRE_VALUE_SEQUENCE ? list->first : NULL;
         f && rc == QUIRE_OK; f = f->next)
        rc = quire_chain_add_value(&st->chain, f, st->diags);
    for (size_t i = 0; i < st->opts->n_filters && rc == QUIRE_OK; i++)
        rc = quire_chain_add_spec(&st->chain, st->opts->filters[i], st->diags);
    return rc;
}

static void state_free(build_state *st)
{
    quire_chain_free(st->chain);
    for (int f = 0; f < st->n_flavors; f++)
        quire_chain_free(st->flavors[f].chain);
    for (size_t s = 0; s < st->n_sets; s++) {
        free(st->sets[s].dir);
        free(st->sets[s].suffix);
        free(st->sets[s].key);
    }
    free(st->sets);
    free(st->member_start);
    free(st->members);
    quire_outdir_free(st->outdir);
    /* Documents already freed in pass 2 are NULL. */
    size_t kept = 0;
    for (size_t i = 0; i < st->c->count; i++)
        if (st->c->docs[i])
            st->c->docs[kept++] = st->c->docs[i];
    st->c->count = kept;
    quire_collection_free(st->c);
}

/* Seconds on a clock that only goes forward (for quire_build_stats). */
static double build_clock(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

int quire_build(const quire_build_opts *o, quire_diag_list *diags)
{
    build_state st = {.opts = o, .diags = diags, .feed_flavor = -1};
    quire__file_list files = {0};
    int rc, failed = 0;
    if (!o->outdir || !o->n_sources)
        return QUIRE_ERR_USAGE;
    double t_start = build_clock(), t_read = t_start, t_plan = t_start, t_write = t_start;
    quire_build_stats stats = {0};
    if (!(st.c = quire_collection_new()))
        return QUIRE_ERR_NOMEM;
    st.jobs = o->jobs > 0 ? o->jobs : quire__default_jobs();
    const char *prep = getenv("QUIRE_PREPARE");
    st.no_prepare = prep && strcmp(prep, "0") == 0;
    rc = load_config(&st);
    if (rc != QUIRE_OK)
        goto done;
    if (o->base_url)
        quire_site_set_base_url(&st.c->site, o->base_url);
    /* limits: of quire.yaml fill in what the command line left unset. */
    st.limits = o->limits;
    quire_config_limits(st.c, &st.limits);
    st.field_map = quire_value_get(st.c->site.config, "fields");
    st.feed_limit = feed_limit(&st);
    const char *content = quire_value_str(cfg(&st, "feeds.content"));
    st.summary_only = content && strcmp(content, "summary") == 0;

    /* pass 1: metadata */
    failed = quire__list_files(o->sources, o->n_sources, &files, diags);
    if (failed < 0) {
        rc = failed;
        goto done;
    }
    int read_failed = quire__read_files(st.c, &files, NULL, &st.limits, QUIRE_READ_HEADER_ONLY,
                                        st.jobs, diags);
    if (read_failed < 0) {
        rc = read_failed;
        goto done;
    }
    failed += read_failed;
    stats.jobs = (size_t)st.jobs;
    t_read = t_plan = t_write = build_clock();
    rc = build_chain(&st);
    if (rc == QUIRE_OK)
        rc = quire_chain_run(st.chain, st.c, diags);
    /* After the chain (a filter may have changed slugs), before any output:
     * every output names files after slugs. */
    if (rc == QUIRE_OK)
        rc = quire__slugs_unique(st.c, diags);
    if (rc != QUIRE_OK)
        goto done;
    stats.documents = st.c->count; /* what the filters kept: what is built */
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
    /* Files are made, written and renamed on the folder's own thread: on
     * the main thread, that was half of its time in pass 2, with the
     * workers waiting for it. */
    (void)quire_outdir_background(st.outdir); /* failing, the main thread writes them */
    st.updated = quire__build_date(st.c);
    rc = plan_outputs(&st);
    if (rc == QUIRE_OK)
        rc = plan_feed_sets(&st);
    if (rc == QUIRE_OK)
        rc = quire__chain_prepare(st.chain, &st.c->site, diags);
    if (rc != QUIRE_OK)
        goto done;

    /* pass 2: bodies, every output at once */
    t_plan = t_write = build_clock();
    write_all(&st);
    if (o->sync && quire_outdir_sync(st.outdir) != QUIRE_OK) {
        quire_diag_add(diags, QUIRE_SEV_ERROR, "quire", o->outdir, 0, 0,
                       "cannot flush the outputs to disk");
        st.write_errors++;
    }
    t_write = build_clock();
    rc = failed + st.write_errors;
done:
    quire__file_list_free(&files);
    state_free(&st);
    if (o->stats) {
        /* A phase the build did not reach takes no time. */
        stats.read_seconds = t_read - t_start;
        stats.plan_seconds = t_plan - t_read;
        stats.write_seconds = t_write - t_plan;
        stats.total_seconds = build_clock() - t_start;
        *o->stats = stats;
    }
    return rc;
}
