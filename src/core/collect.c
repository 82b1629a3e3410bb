/*
 * collect.c — turning files and folders into documents: walk folders in a
 * defined order (byte order of path names, never the file system's), choose
 * a reader by content and extension, report and skip what fails.
 */
#include "internal.h"

#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define DEFAULT_MAX_FILE_SIZE (16u << 20)
#define DEFAULT_MAX_DEPTH 200u
#define DEFAULT_MAX_ALIASES 1000u
#define DEFAULT_MAX_DOCUMENTS 1000000u
#define READ_WINDOW_PER_JOB 64

static quire_limits limits_or_defaults(const quire_limits *in)
{
    quire_limits l = in ? *in : (quire_limits){0};
    if (!l.max_file_size) l.max_file_size = DEFAULT_MAX_FILE_SIZE;
    if (!l.max_depth) l.max_depth = DEFAULT_MAX_DEPTH;
    if (!l.max_yaml_aliases) l.max_yaml_aliases = DEFAULT_MAX_ALIASES;
    if (!l.max_documents) l.max_documents = DEFAULT_MAX_DOCUMENTS;
    return l;
}

int quire_read_buffer(quire_collection *c, const quire_reader *reader, const char *path,
                      const char *data, size_t len, const quire_limits *limits,
                      quire_diag_list *diags)
{
    return quire__read_buffer_ex(c, reader, path, NULL, data, len, limits, diags);
}

int quire__read_buffer_ex(quire_collection *c, const quire_reader *reader, const char *path,
                          const char *id_path, const char *data, size_t len,
                          const quire_limits *limits, quire_diag_list *diags)
{
    return quire__read_into(c, reader, path, id_path, data, len, limits, 0,
                            quire_value_get(c->site.config, "fields"), diags);
}

int quire__read_into(quire_collection *c, const quire_reader *reader, const char *path,
                     const char *id_path, const char *data, size_t len,
                     const quire_limits *limits, unsigned flags, const quire_value *field_map,
                     quire_diag_list *diags)
{
    if (!reader) {
        reader = quire_reader_probe(path, data, len < 4096 ? len : 4096, NULL);
        if (!reader) {
            quire_diag_add(diags, QUIRE_SEV_ERROR, "quire", path, 0, 0,
                           "cannot tell the format of this file (use -f)");
            return QUIRE_ERR_UNSUPPORTED;
        }
    }
    if (!reader->read) {
        quire_diag_add(diags, QUIRE_SEV_ERROR, reader->name, path, 0, 0,
                       "the %s reader is not available in this build", reader->name);
        return QUIRE_ERR_UNSUPPORTED;
    }
    /* Standard input cannot be read a second time: read it whole. */
    if (strcmp(path, "-") == 0)
        flags &= ~(unsigned)QUIRE_READ_HEADER_ONLY;
    quire_read_ctx ctx = {
        .flags = flags,
        .path = path,
        .id_path = id_path,
        .diags = diags,
        .field_map = field_map,
        .limits = limits_or_defaults(limits),
    };
    size_t before = c->count;
    if (c->count >= ctx.limits.max_documents) {
        quire_diag_add(diags, QUIRE_SEV_ERROR, "quire", path, 1, 1,
                       "more than %zu documents (limits.max_documents): not read",
                       ctx.limits.max_documents);
        return QUIRE_ERR_LIMIT;
    }
    int rc = reader->read(&ctx, data, len, c);
    if (rc != QUIRE_OK) {
        /* A failed read must not leave half a document behind. */
        while (c->count > before)
            quire_document_free(quire_collection_take(c, c->count - 1));
    }
    for (size_t i = before; i < c->count; i++)
        c->docs[i]->source_index = i - before;
    return rc;
}

/* ---- folder walk ---- */

typedef struct path_list {
    char **items;
    size_t count, cap;
} path_list;

static int path_list_add(path_list *l, char *p)
{
    if (l->count == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 256;
        char **n = realloc(l->items, cap * sizeof *n);
        if (!n)
            return QUIRE_ERR_NOMEM;
        l->items = n;
        l->cap = cap;
    }
    l->items[l->count++] = p;
    return QUIRE_OK;
}

static int cmp_paths(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool skip_entry(const char *name)
{
    /* Hidden files, the site config, folders of non-content by convention
     * (templates are the html writer's), and a repository's housekeeping
     * (README, LICENSE): in a folder walk these are not documents.  Named
     * explicitly on the command line, they are read like any file. */
    return name[0] == '.' || strcmp(name, "quire.yaml") == 0 || strcmp(name, "quire.yml") == 0 ||
           strcmp(name, "templates") == 0 || strcmp(name, "node_modules") == 0 ||
           strncmp(name, "README", 6) == 0 || strncmp(name, "LICENSE", 7) == 0 ||
           strncmp(name, "CHANGELOG", 9) == 0;
}

enum entry_kind { ENTRY_SKIP, ENTRY_FILE, ENTRY_FOLDER };

/* What a folder entry is to the walk.  A symlinked file is read like any
 * other (stat, not lstat), but symlinked folders are not followed (no
 * cycles).  The type readdir gives (d_type) answers without a system call
 * for plain files and folders, two of them per entry otherwise: 20,000
 * calls saved on a folder of 10,000 documents, in the build's serial
 * start.  Symlinks, and file systems that leave d_type unknown, are
 * looked at with lstat and stat as before. */
static enum entry_kind entry_kind(const char *path, unsigned char d_type)
{
#ifdef _DIRENT_HAVE_D_TYPE
    if (d_type == DT_REG)
        return ENTRY_FILE;
    if (d_type == DT_DIR)
        return ENTRY_FOLDER;
    if (d_type != DT_LNK && d_type != DT_UNKNOWN)
        return ENTRY_SKIP; /* fifos, sockets, devices: never documents */
#else
    (void)d_type;
#endif
    struct stat st, lst;
    if (lstat(path, &lst) != 0 || stat(path, &st) != 0)
        return ENTRY_SKIP;
    if (S_ISDIR(st.st_mode) && !S_ISLNK(lst.st_mode))
        return ENTRY_FOLDER;
    return S_ISREG(st.st_mode) ? ENTRY_FILE : ENTRY_SKIP;
}

/* Iterative walk with an explicit stack: deep folder trees cannot overflow. */
static int walk_folder(const char *root, path_list *files, quire_diag_list *diags)
{
    path_list stack = {0};
    int rc = path_list_add(&stack, strdup(root));
    while (rc == QUIRE_OK && stack.count) {
        char *dir = stack.items[--stack.count];
        DIR *d = opendir(dir);
        if (!d) {
            quire_diag_add(diags, QUIRE_SEV_ERROR, "quire", dir, 0, 0, "cannot open folder: %s",
                           strerror(errno));
            free(dir);
            continue;
        }
        struct dirent *e;
        while ((e = readdir(d)) && rc == QUIRE_OK) {
            if (skip_entry(e->d_name))
                continue;
            size_t n = strlen(dir) + strlen(e->d_name) + 2;
            char *p = malloc(n);
            if (!p) {
                rc = QUIRE_ERR_NOMEM;
                break;
            }
            snprintf(p, n, "%s%s%s", dir, dir[strlen(dir) - 1] == '/' ? "" : "/", e->d_name);
            switch (entry_kind(p, e->d_type)) {
            case ENTRY_FOLDER:
                rc = path_list_add(&stack, p);
                break;
            case ENTRY_FILE:
                rc = path_list_add(files, p);
                break;
            default:
                free(p);
            }
        }
        closedir(d);
        free(dir);
    }
    for (size_t i = 0; i < stack.count; i++)
        free(stack.items[i]);
    free(stack.items);
    return rc;
}

void quire__file_list_free(quire__file_list *l)
{
    for (size_t i = 0; i < l->count; i++)
        free(l->items[i].path);
    free(l->items);
    memset(l, 0, sizeof *l);
}

static int file_list_add(quire__file_list *l, char *path, size_t root_len, bool explicit_file)
{
    if (!path)
        return QUIRE_ERR_NOMEM;
    if (l->count == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 256;
        quire__source_file *n = realloc(l->items, cap * sizeof *n);
        if (!n) {
            free(path);
            return QUIRE_ERR_NOMEM;
        }
        l->items = n;
        l->cap = cap;
    }
    /* Fallback ids hash the path below the folder given (or the file's own
     * name), not the path as typed. */
    const char *id_path = path;
    if (!explicit_file) {
        id_path += root_len;
        while (*id_path == '/')
            id_path++;
    } else if (strrchr(path, '/')) {
        id_path = strrchr(path, '/') + 1;
    }
    l->items[l->count++] = (quire__source_file){path, id_path, explicit_file};
    return QUIRE_OK;
}

int quire__list_files(const char *const *paths, size_t n, quire__file_list *out,
                      quire_diag_list *diags)
{
    int failed = 0;
    memset(out, 0, sizeof *out);
    for (size_t i = 0; i < n; i++) {
        struct stat st;
        const char *path = paths[i];
        bool is_stdin = strcmp(path, "-") == 0;
        if (!is_stdin && stat(path, &st) != 0) {
            quire_diag_add(diags, QUIRE_SEV_ERROR, "quire", path, 0, 0, "%s", strerror(errno));
            failed++;
            continue;
        }
        if (is_stdin || !S_ISDIR(st.st_mode)) {
            if (file_list_add(out, strdup(path), 0, true) != QUIRE_OK)
                return QUIRE_ERR_NOMEM;
            continue;
        }
        path_list files = {0};
        int rc = walk_folder(path, &files, diags);
        if (rc == QUIRE_OK)
            qsort(files.items, files.count, sizeof *files.items, cmp_paths);
        for (size_t f = 0; f < files.count; f++) {
            if (rc == QUIRE_OK)
                rc = file_list_add(out, files.items[f], strlen(path), false);
            else
                free(files.items[f]);
        }
        free(files.items);
        if (rc != QUIRE_OK)
            return rc;
    }
    return failed;
}

/* ---- reading many files, in parallel, results in file order ---- */

typedef struct read_job {
    const quire__file_list *files;
    const quire_reader *force;
    quire_limits limits;
    unsigned flags;
    const quire_value *field_map;
    quire_collection *into;
    quire_diag_list *diags;
    int failed;
    pthread_mutex_t slab_mu;  /* the workers carve kept documents from slab */
    quire__slab *slab;
} read_job;

typedef struct read_result {
    quire_collection *docs;   /* temporary: documents of one file */
    quire_diag_list diags;    /* that file's diagnostics, merged in order */
    bool failed, skipped;
} read_result;

/* The build's first pass keeps, of each document, only what the second
 * cannot get again: the typed metadata and the top-level scalars of the
 * front matter (what filters such as `sort by=weight` read) — a few hundred
 * bytes, where the whole front matter tree and a body take tens of
 * kilobytes.  Body and front matter are read again from the file in the
 * second pass.  Documents that cannot be read again cheaply (standard input,
 * the many documents of one model file) are kept whole. */
static bool can_reread(const quire_document *d)
{
    return d->source_path && strcmp(d->source_path, "-") != 0 && d->format &&
           (strcmp(d->format, "markdown") == 0 || strcmp(d->format, "html") == 0);
}

/* What the first pass keeps of d, in arena a (NULL: a new default one),
 * which the copy owns; NULL when out of memory. */
static quire_document *compact_copy(const quire_document *d, quire_arena *a)
{
    quire_document bare = *d;
    bare.extra = NULL;
    bare.body = NULL;
    quire_document *m = a ? quire__document_clone_into(&bare, a) : quire_document_clone(&bare);
    if (!m)
        return NULL;
    const quire_value *extra = d->extra;
    if (extra && extra->type == QUIRE_VALUE_MAPPING) {
        m->extra = quire_value_new(m->arena, QUIRE_VALUE_MAPPING);
        for (const quire_value *v = extra->first; v && m->extra; v = v->next)
            if (v->type != QUIRE_VALUE_MAPPING && v->type != QUIRE_VALUE_SEQUENCE)
                quire_value_append(m->arena, m->extra, v->key, quire_value_clone(m->arena, v));
    }
    m->body = quire_node_new(m->arena, QUIRE_NODE_ROOT, d->body_line, 1);
    if (!m->body) {
        quire_document_free(m);
        return NULL;
    }
    m->body_deferred = true;
    return m;
}

/* Every document stays in memory from the first pass to the second, so what
 * it keeps is the build's memory: ~1.8 KB of metadata on average on the
 * bench corpus, which in an arena of its own sat in a 4 KiB block.  The copy
 * is made again into one block of the size it took, plus a little for what
 * the filters and the build add before the second pass (a URL, a repaired
 * string: 42 bytes on average on the bench corpus); the same allocations in
 * the same order fill that block.  The blocks are carved from slabs shared
 * by consecutive documents (quire__slab, and why: src/core/internal.h),
 * so they neither waste space nor fragment the heap: 4.6 -> 2.4 KB per
 * document on the bench corpus, 22 MB less at 10,000 documents and 190 MB at
 * 100,000, where the build also got a quarter faster (malloc's share of the
 * CPU had doubled from 10,000 documents to 100,000). */
#define COMPACT_SLACK 128u
#define COMPACT_SLAB (128u << 10)

/* A first block of first_block bytes from the job's slab, a new slab when
 * it is full; NULL when out of memory. */
static quire_arena *compact_arena(read_job *job, size_t first_block)
{
    pthread_mutex_lock(&job->slab_mu);
    void *mem = quire__slab_carve(job->slab, first_block);
    if (!mem) {
        size_t size = first_block + 64 > COMPACT_SLAB ? first_block + 64 : COMPACT_SLAB;
        quire__slab *fresh = quire__slab_new(size);
        if (fresh) {
            quire__slab_release(job->slab); /* its documents keep it */
            job->slab = fresh;
            mem = quire__slab_carve(job->slab, first_block);
        }
    }
    quire__slab *s = job->slab;
    pthread_mutex_unlock(&job->slab_mu);
    return mem ? quire__arena_new_on(s, mem, first_block) : NULL;
}

static quire_document *compact(read_job *job, quire_document *d)
{
    if (!can_reread(d))
        return d;
    quire_document *m = compact_copy(d, NULL);
    if (!m)
        return d; /* keep the whole document: correct, only bigger */
    quire_arena *a = compact_arena(job, quire_arena_used(m->arena) + COMPACT_SLACK);
    quire_document *fit = a ? compact_copy(d, a) : NULL;
    if (fit) {
        quire_document_free(m);
        m = fit;
    }
    quire_document_free(d);
    return m;
}

static void *read_produce(void *ctx, size_t i)
{
    read_job *job = ctx;
    const quire__source_file *f = &job->files->items[i];
    read_result *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    quire_diag_list_init(&r->diags);
    char *data = NULL;
    size_t len = 0;
    int rc = quire_read_file(f->path, job->limits.max_file_size, &data, &len);
    if (rc != QUIRE_OK) {
        /* Over the size limit, the file is refused from its first byte: say
         * so at 1:1, like every other document error. */
        bool lim = rc == QUIRE_ERR_LIMIT;
        quire_diag_add(&r->diags, QUIRE_SEV_ERROR, "quire", f->path, lim, lim, "%s%s",
                       lim ? "file larger than limits.max_file_size" : quire_strerror(rc),
                       lim ? " (--max-file-size): not read" : "");
        r->failed = true;
        return r;
    }
    const quire_reader *reader = job->force;
    if (!reader) {
        reader = quire_reader_probe(f->path, data, len < 4096 ? len : 4096, NULL);
        /* In a folder, files no reader wants (images, CSS) are resources,
         * not errors. */
        if (!reader && !f->explicit_file) {
            free(data);
            r->skipped = true;
            return r;
        }
    }
    r->docs = quire_collection_new();
    if (!r->docs) {
        free(data);
        r->failed = true;
        return r;
    }
    rc = quire__read_into(r->docs, reader, f->path, f->id_path, data, len, &job->limits,
                          job->flags, job->field_map, &r->diags);
    r->failed = rc != QUIRE_OK;
    if (job->flags & QUIRE_READ_HEADER_ONLY) /* on this worker, not the main thread */
        for (size_t k = 0; k < r->docs->count; k++)
            r->docs->docs[k] = compact(job, r->docs->docs[k]);
    free(data);
    return r;
}

static int read_consume(void *ctx, size_t i, void *item)
{
    (void)i;
    read_job *job = ctx;
    read_result *r = item;
    if (!r) {
        job->failed++;
        return QUIRE_ERR_NOMEM;
    }
    int rc = QUIRE_OK;
    quire_diag_list_move(job->diags, &r->diags);
    if (r->failed)
        job->failed++;
    while (r->docs && r->docs->count && rc == QUIRE_OK) {
        quire_document *d = quire_collection_take(r->docs, 0);
        if (job->into->count >= job->limits.max_documents) {
            quire_diag_add(job->diags, QUIRE_SEV_ERROR, "quire", d->source_path, 1, 1,
                           "more than %zu documents (limits.max_documents)",
                           job->limits.max_documents);
            quire_document_free(d);
            job->failed++;
            continue;
        }
        rc = quire_collection_add(job->into, d);
        if (rc != QUIRE_OK)
            quire_document_free(d);
    }
    return rc;
}

/* Frees a consumed read result on the worker that made it (see
 * quire__run_ordered); its documents were moved out. */
static void read_release(void *ctx, void *item)
{
    (void)ctx;
    read_result *r = item;
    if (!r)
        return;
    quire_collection_free(r->docs);
    quire_diag_list_free(&r->diags);
    free(r);
}

int quire__read_files(quire_collection *c, const quire__file_list *files,
                      const quire_reader *force, const quire_limits *limits, unsigned flags,
                      int jobs, quire_diag_list *diags)
{
    read_job job = {
        .files = files,
        .force = force,
        .limits = limits_or_defaults(limits),
        .flags = flags,
        .field_map = quire_value_get(c->site.config, "fields"),
        .into = c,
        .diags = diags,
        .slab_mu = PTHREAD_MUTEX_INITIALIZER,
    };
    /* A read file is small (pass 1 keeps a few hundred bytes of it), and
     * takes tens of microseconds: a big window, so that threads sleep and
     * wake once per 32 files each rather than once per 4. */
    int rc = quire__run_ordered(files->count, jobs, READ_WINDOW_PER_JOB, read_produce,
                                read_consume, read_release, &job);
    quire__slab_release(job.slab); /* the documents carved from it keep it */
    pthread_mutex_destroy(&job.slab_mu);
    return rc < 0 ? rc : job.failed;
}

int quire__read_body(const quire_document *meta, const quire_limits *limits,
                     const quire_value *field_map, unsigned flags, quire_diag_list *diags,
                     quire_document **out)
{
    *out = NULL;
    quire_limits l = limits_or_defaults(limits);
    char *data = NULL;
    size_t len = 0;
    int rc = quire_read_file(meta->source_path, l.max_file_size, &data, &len);
    if (rc != QUIRE_OK) {
        quire_diag_add(diags, QUIRE_SEV_ERROR, "quire", meta->source_path, 0, 0,
                       "cannot read again: %s", quire_strerror(rc));
        return rc;
    }
    quire_collection *tmp = quire_collection_new();
    if (!tmp) {
        free(data);
        return QUIRE_ERR_NOMEM;
    }
    rc = quire__read_into(tmp, quire_reader_find(meta->format), meta->source_path, NULL, data, len,
                          &l, QUIRE_READ_BODY_ONLY | flags, field_map, diags);
    free(data);
    if (rc == QUIRE_OK && meta->source_index < tmp->count)
        *out = quire_collection_take(tmp, meta->source_index);
    else if (rc == QUIRE_OK)
        rc = QUIRE_ERR_NOTFOUND; /* the file changed under us */
    quire_collection_free(tmp);
    return rc;
}

int quire_collection_read_paths(quire_collection *c, const char *const *paths, size_t n,
                                const quire_reader *force, const quire_limits *limits,
                                quire_diag_list *diags)
{
    quire__file_list files;
    int failed = quire__list_files(paths, n, &files, diags);
    if (failed < 0)
        return failed;
    int rc = quire__read_files(c, &files, force, limits, 0, 1, diags);
    quire__file_list_free(&files);
    return rc < 0 ? rc : failed + rc;
}
