/*
 * io.c — atomic output files, the output folder (and its manifest of what
 * quire wrote there), reading input files.
 *
 * A file sink writes "DIR/.NAME.XXXXXX" (same folder, so rename() is atomic)
 * and renames it over NAME on commit.  A build killed at any moment leaves
 * either the old file or the new one, never a mix.
 *
 * No fsync per file: a killed process cannot lose what is already in the page
 * cache, and rename() gives the atomicity the build promises.  Durability
 * against power loss would cost one disk flush per output file (thousands
 * for a site: measured 5x the whole build's CPU time), so it is left to the
 * deployment (`sync` after the build).
 */
#define _POSIX_C_SOURCE 200809L
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <pthread.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

typedef enum { SINK_FILE, SINK_STDOUT, SINK_MEMORY } sink_kind;

struct quire_sink {
    sink_kind kind;
    FILE *fp;
    char *path, *tmp_path;
    quire_buf mem;
    size_t size;
    bool failed;
};

static char *path_join(const char *a, const char *b)
{
    size_t na = strlen(a), nb = strlen(b);
    char *p = malloc(na + nb + 2);
    if (!p)
        return NULL;
    memcpy(p, a, na);
    size_t k = na;
    if (na && a[na - 1] != '/')
        p[k++] = '/';
    memcpy(p + k, b, nb + 1);
    return p;
}

int quire_sink_open_file(quire_sink **out, const char *path)
{
    *out = NULL;
    quire_sink *s = calloc(1, sizeof *s);
    if (!s)
        return QUIRE_ERR_NOMEM;
    s->kind = SINK_FILE;
    s->path = strdup(path);
    const char *slash = strrchr(path, '/');
    size_t dir_len = slash ? (size_t)(slash - path + 1) : 0;
    const char *base = slash ? slash + 1 : path;
    size_t tlen = dir_len + strlen(base) + 16;
    s->tmp_path = malloc(tlen);
    if (!s->path || !s->tmp_path) {
        quire_sink_abort(s);
        return QUIRE_ERR_NOMEM;
    }
    snprintf(s->tmp_path, tlen, "%.*s.%s.XXXXXX", (int)dir_len, path, base);
    int fd = mkstemp(s->tmp_path);
    if (fd < 0) {
        free(s->tmp_path);
        s->tmp_path = NULL;
        quire_sink_abort(s);
        return QUIRE_ERR_IO;
    }
    /* mkstemp makes 0600; published files are meant to be readable. */
    mode_t um = umask(0);
    umask(um);
    fchmod(fd, 0666 & ~um);
    s->fp = fdopen(fd, "wb");
    if (!s->fp) {
        close(fd);
        quire_sink_abort(s);
        return QUIRE_ERR_IO;
    }
    *out = s;
    return QUIRE_OK;
}

int quire_sink_open_stdout(quire_sink **out)
{
    quire_sink *s = calloc(1, sizeof *s);
    if (!s)
        return QUIRE_ERR_NOMEM;
    s->kind = SINK_STDOUT;
    s->fp = stdout;
    *out = s;
    return QUIRE_OK;
}

int quire_sink_open_memory(quire_sink **out)
{
    quire_sink *s = calloc(1, sizeof *s);
    if (!s)
        return QUIRE_ERR_NOMEM;
    s->kind = SINK_MEMORY;
    *out = s;
    return QUIRE_OK;
}

int quire_sink_write(quire_sink *s, const void *data, size_t len)
{
    if (s->failed)
        return QUIRE_ERR_IO;
    if (!len)
        return QUIRE_OK;
    if (s->kind == SINK_MEMORY) {
        quire__buf_put(&s->mem, data, len);
        if (s->mem.oom) {
            s->failed = true;
            return QUIRE_ERR_NOMEM;
        }
    } else if (fwrite(data, 1, len, s->fp) != len) {
        s->failed = true;
        return QUIRE_ERR_IO;
    }
    s->size += len;
    return QUIRE_OK;
}

int quire_sink_puts(quire_sink *s, const char *str)
{
    return quire_sink_write(s, str, strlen(str));
}

int quire_sink_printf(quire_sink *s, const char *fmt, ...)
{
    quire_buf b;
    quire__buf_init(&b);
    va_list ap;
    va_start(ap, fmt);
    quire__buf_vprintf(&b, fmt, ap);
    va_end(ap);
    int rc = b.oom ? QUIRE_ERR_NOMEM : quire_sink_write(s, b.data, b.len);
    quire__buf_free(&b);
    return rc;
}

size_t quire_sink_size(const quire_sink *s)
{
    return s->size;
}

const char *quire_sink_data(const quire_sink *s, size_t *len)
{
    if (len)
        *len = s->kind == SINK_MEMORY ? s->mem.len : 0;
    return s->kind == SINK_MEMORY ? (s->mem.data ? s->mem.data : "") : NULL;
}

const char *quire_sink_path(const quire_sink *s)
{
    return s->kind == SINK_FILE ? s->path : NULL;
}

static void sink_free(quire_sink *s)
{
    quire__buf_free(&s->mem);
    free(s->path);
    free(s->tmp_path);
    free(s);
}

int quire_sink_commit(quire_sink *s)
{
    return quire_sink_commit_memory(s, NULL, NULL);
}

int quire_sink_commit_memory(quire_sink *s, char **data_out, size_t *len_out)
{
    int rc = QUIRE_OK;
    if (!s)
        return QUIRE_ERR_USAGE;
    switch (s->kind) {
    case SINK_MEMORY:
        if (data_out)
            *data_out = quire__buf_detach(&s->mem, len_out);
        rc = s->failed ? QUIRE_ERR_NOMEM : QUIRE_OK;
        break;
    case SINK_STDOUT:
        if (fflush(stdout) != 0 || s->failed)
            rc = QUIRE_ERR_IO;
        break;
    case SINK_FILE:
        if (s->failed || fflush(s->fp) != 0)
            rc = QUIRE_ERR_IO;
        if (fclose(s->fp) != 0)
            rc = QUIRE_ERR_IO;
        s->fp = NULL;
        if (rc == QUIRE_OK && rename(s->tmp_path, s->path) != 0)
            rc = QUIRE_ERR_IO;
        if (rc != QUIRE_OK)
            unlink(s->tmp_path);
        break;
    }
    sink_free(s);
    return rc;
}

void quire_sink_abort(quire_sink *s)
{
    if (!s)
        return;
    if (s->kind == SINK_FILE) {
        if (s->fp)
            fclose(s->fp);
        if (s->tmp_path)
            unlink(s->tmp_path);
    }
    sink_free(s);
}

/* ------------------------------------------------------------------ outdir */

/*
 * The manifest, OUTDIR/.quire-manifest, lists every path (relative to
 * OUTDIR, one per line) that quire has written there.  It is what lets a
 * build replace its own previous outputs and refuse to touch anything else:
 * an existing file that is not listed is someone else's, and quire_outdir_sink
 * fails with QUIRE_ERR_EXISTS instead of overwriting it.  Nothing is ever
 * deleted except quire's own temporary files.
 *
 * A path is appended (one write(2) on an O_APPEND descriptor) *before* its
 * temporary file is created, so a build killed at any moment never leaves an
 * output of its own that the manifest does not claim; the next build's
 * quire_outdir_open rewrites the manifest compacted (sorted, unique) and
 * removes stale temporaries ".NAME.XXXXXX" of listed names left by a killed
 * build.  Only lines ending in '\n' count: a line cut by a kill is ignored.
 * An flock on the manifest keeps two builds out of one folder at once.
 */
#define MANIFEST_NAME ".quire-manifest"
#define MANIFEST_HEADER "# quire manifest: files quire wrote here (one per line); do not edit\n"

struct quire_outdir {
    char *path;
    int manifest_fd;          /* O_APPEND, flock'ed; -1 when closed */
    quire_slugset *owned;     /* paths in the manifest */
    char **list;              /* the same paths, for compaction and the sweep */
    size_t count, cap;
    pthread_mutex_t lock;     /* sinks may be opened from several threads */
};

static int mkdir_p(const char *path)
{
    char *p = strdup(path);
    if (!p)
        return QUIRE_ERR_NOMEM;
    for (char *q = p + 1; *q; q++) {
        if (*q != '/')
            continue;
        *q = '\0';
        if (mkdir(p, 0777) != 0 && errno != EEXIST) {
            free(p);
            return QUIRE_ERR_IO;
        }
        *q = '/';
    }
    int rc = (mkdir(p, 0777) != 0 && errno != EEXIST) ? QUIRE_ERR_IO : QUIRE_OK;
    free(p);
    return rc;
}

static int owned_add(quire_outdir *d, const char *rel)
{
    if (quire__slugset_has(d->owned, rel))
        return QUIRE_OK;
    if (d->count == d->cap) {
        size_t cap = d->cap ? d->cap * 2 : 64;
        char **n = realloc(d->list, cap * sizeof *n);
        if (!n)
            return QUIRE_ERR_NOMEM;
        d->list = n;
        d->cap = cap;
    }
    char *copy = strdup(rel);
    if (!copy || quire__slugset_add(d->owned, rel) != QUIRE_OK) {
        free(copy);
        return QUIRE_ERR_NOMEM;
    }
    d->list[d->count++] = copy;
    return QUIRE_OK;
}

static int manifest_load(quire_outdir *d, const char *mpath)
{
    int fd = open(mpath, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return errno == ENOENT ? QUIRE_OK : errno == ELOOP ? QUIRE_ERR_UNSAFE : QUIRE_ERR_IO;
    FILE *fp = fdopen(fd, "rb");
    if (!fp) {
        close(fd);
        return QUIRE_ERR_IO;
    }
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    int rc = QUIRE_OK;
    while (rc == QUIRE_OK && (n = getline(&line, &cap, fp)) > 0) {
        if (line[n - 1] != '\n')
            break; /* cut by a kill in the middle of an append */
        line[n - 1] = '\0';
        /* Unsafe lines (a hand-edited manifest) are dropped: the manifest
         * can never widen where quire writes, only what it replaces. */
        if (line[0] != '#' && (size_t)(n - 1) == strlen(line) && quire_path_is_safe(line))
            rc = owned_add(d, line);
    }
    free(line);
    fclose(fp);
    return rc;
}

/* True when no segment of the folder part of rel (under base) is a symlink
 * or a non-folder: the sweep must not wander out of the output folder. */
static bool dir_chain_is_plain(const char *base, const char *dir)
{
    char *full = path_join(base, dir);
    bool ok = full != NULL;
    for (char *q = full ? full + strlen(base) + 1 : NULL; ok; q++) {
        if (*q != '/' && *q != '\0')
            continue;
        char c = *q;
        *q = '\0';
        struct stat st;
        ok = lstat(full, &st) == 0 && S_ISDIR(st.st_mode);
        *q = c;
        if (!c)
            break;
    }
    free(full);
    return ok;
}

/* Remove ".NAME.XXXXXX" temporaries of listed names (a killed build's), in
 * every folder that holds a listed name, and the manifest's own. */
static void sweep_stale_temps(quire_outdir *d)
{
    quire_slugset *dirs = quire__slugset_new();
    if (!dirs)
        return;
    for (size_t i = 0; i <= d->count; i++) {
        char *dir;
        if (i == d->count) {
            dir = strdup("");
        } else {
            const char *slash = strrchr(d->list[i], '/');
            dir = strndup(d->list[i], slash ? (size_t)(slash - d->list[i]) : 0);
        }
        if (!dir)
            break;
        if (quire__slugset_has(dirs, dir) || quire__slugset_add(dirs, dir) != QUIRE_OK ||
            (*dir && !dir_chain_is_plain(d->path, dir))) {
            free(dir);
            continue;
        }
        char *full = *dir ? path_join(d->path, dir) : strdup(d->path);
        DIR *dh = full ? opendir(full) : NULL;
        struct dirent *e;
        while (dh && (e = readdir(dh))) {
            size_t n = strlen(e->d_name);
            if (e->d_name[0] != '.' || n < 9 || e->d_name[n - 7] != '.')
                continue;
            quire_buf cand;
            quire__buf_init(&cand);
            if (*dir)
                quire__buf_printf(&cand, "%s/", dir);
            quire__buf_put(&cand, e->d_name + 1, n - 8);
            const char *c = quire__buf_cstr(&cand);
            if (quire__slugset_has(d->owned, c) || (!*dir && strcmp(c, MANIFEST_NAME) == 0))
                unlinkat(dirfd(dh), e->d_name, 0);
            quire__buf_free(&cand);
        }
        if (dh)
            closedir(dh);
        free(full);
        free(dir);
    }
    quire__slugset_free(dirs);
}

static int cmp_cstr(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Rewrite the manifest sorted and unique (atomically), then keep it open
 * for appends, locked. */
static int manifest_rewrite(quire_outdir *d, const char *mpath)
{
    if (d->count) /* a new folder: no list yet, and qsort(NULL, 0) is UB */
        qsort(d->list, d->count, sizeof *d->list, cmp_cstr);
    quire_sink *s;
    int rc = quire_sink_open_file(&s, mpath);
    if (rc != QUIRE_OK)
        return rc;
    quire_sink_puts(s, MANIFEST_HEADER);
    for (size_t i = 0; i < d->count; i++) {
        quire_sink_puts(s, d->list[i]);
        quire_sink_puts(s, "\n");
    }
    rc = quire_sink_commit(s);
    if (rc != QUIRE_OK)
        return rc;
    d->manifest_fd = open(mpath, O_WRONLY | O_APPEND | O_NOFOLLOW | O_CLOEXEC);
    return d->manifest_fd < 0 ? QUIRE_ERR_IO : QUIRE_OK;
}

int quire_outdir_open(quire_outdir **out, const char *path)
{
    *out = NULL;
    int rc = mkdir_p(path);
    if (rc)
        return rc;
    struct stat st;
    if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode))
        return QUIRE_ERR_IO;
    quire_outdir *d = calloc(1, sizeof *d);
    if (!d)
        return QUIRE_ERR_NOMEM;
    d->manifest_fd = -1;
    pthread_mutex_init(&d->lock, NULL);
    char *mpath = NULL;
    if (!(d->path = strdup(path)) || !(d->owned = quire__slugset_new()) ||
        !(mpath = path_join(path, MANIFEST_NAME))) {
        rc = QUIRE_ERR_NOMEM;
        goto fail;
    }
    /* "out/" and "out" are one folder: path arithmetic below assumes no
     * trailing slash. */
    for (size_t n = strlen(d->path); n > 1 && d->path[n - 1] == '/'; n--)
        d->path[n - 1] = '\0';
    /* Lock first (on the old manifest when there is one), so that a second
     * build cannot sweep the temporaries of one still running. */
    int lock_fd = open(mpath, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (lock_fd < 0 && errno == ELOOP) {
        rc = QUIRE_ERR_UNSAFE;
        goto fail;
    }
    if (lock_fd >= 0 && flock(lock_fd, LOCK_EX | LOCK_NB) != 0) {
        close(lock_fd);
        rc = QUIRE_ERR_BUSY;
        goto fail;
    }
    rc = manifest_load(d, mpath);
    if (rc == QUIRE_OK) {
        sweep_stale_temps(d);
        rc = manifest_rewrite(d, mpath);
    }
    if (rc == QUIRE_OK && flock(d->manifest_fd, LOCK_EX | LOCK_NB) != 0)
        rc = QUIRE_ERR_BUSY;
    if (lock_fd >= 0)
        close(lock_fd);
    if (rc != QUIRE_OK)
        goto fail;
    free(mpath);
    *out = d;
    return QUIRE_OK;
fail:
    free(mpath);
    quire_outdir_free(d);
    return rc;
}

void quire_outdir_free(quire_outdir *d)
{
    if (!d)
        return;
    if (d->manifest_fd >= 0) {
        /* No fsync, like the outputs (see the top of this file). */
        close(d->manifest_fd);
    }
    for (size_t i = 0; i < d->count; i++)
        free(d->list[i]);
    free(d->list);
    quire__slugset_free(d->owned);
    pthread_mutex_destroy(&d->lock);
    free(d->path);
    free(d);
}

const char *quire_outdir_path(const quire_outdir *d)
{
    return d->path;
}

bool quire_outdir_owns(const quire_outdir *d, const char *rel)
{
    return quire__slugset_has(d->owned, rel);
}

bool quire_path_is_safe(const char *rel)
{
    if (!rel || !*rel || rel[0] == '/')
        return false;
    const char *seg = rel;
    for (const char *p = rel;; p++) {
        unsigned char c = (unsigned char)*p;
        if (c == '/' || c == '\0') {
            size_t n = (size_t)(p - seg);
            if (n == 0 || (n == 1 && seg[0] == '.') || (n == 2 && seg[0] == '.' && seg[1] == '.'))
                return false;
            if (c == '\0')
                return true;
            seg = p + 1;
        } else if (c < 0x20 || c == 0x7f || c == '\\' || c == ':') {
            return false;
        }
    }
}

/* Claim rel for this build: an existing file must be one quire wrote (in
 * the manifest), and the claim is on disk before any byte of it is. */
static int outdir_claim(quire_outdir *d, const char *rel, const char *full)
{
    struct stat st;
    int rc = QUIRE_OK;
    pthread_mutex_lock(&d->lock);
    bool owned = quire__slugset_has(d->owned, rel);
    if (lstat(full, &st) == 0) {
        if (S_ISLNK(st.st_mode) || !S_ISREG(st.st_mode))
            rc = QUIRE_ERR_UNSAFE;
        else if (!owned)
            rc = QUIRE_ERR_EXISTS;
    } else if (errno != ENOENT) {
        rc = QUIRE_ERR_IO;
    }
    if (rc == QUIRE_OK && !owned) {
        quire_buf line;
        quire__buf_init(&line);
        quire__buf_printf(&line, "%s\n", rel);
        if (line.oom || owned_add(d, rel) != QUIRE_OK)
            rc = QUIRE_ERR_NOMEM;
        else if (write(d->manifest_fd, line.data, line.len) != (ssize_t)line.len)
            rc = QUIRE_ERR_IO;
        quire__buf_free(&line);
    }
    pthread_mutex_unlock(&d->lock);
    return rc;
}

int quire_outdir_sink(quire_outdir *d, const char *rel, quire_sink **out)
{
    *out = NULL;
    if (!quire_path_is_safe(rel))
        return QUIRE_ERR_UNSAFE;
    /* Hidden names are quire's own (the manifest, temporaries ".NAME.XXXXXX"):
     * no output may take one. */
    const char *base = strrchr(rel, '/');
    if ((base ? base[1] : rel[0]) == '.')
        return QUIRE_ERR_UNSAFE;
    char *full = path_join(d->path, rel);
    if (!full)
        return QUIRE_ERR_NOMEM;
    /* Create each folder on the way, refusing symlinks: a symlink planted
     * in the output folder must not redirect a write outside of it. */
    size_t base_len = strlen(d->path);
    int rc = QUIRE_OK;
    for (char *q = full + base_len + 1; *q && rc == QUIRE_OK; q++) {
        if (*q != '/')
            continue;
        *q = '\0';
        struct stat st;
        if (lstat(full, &st) == 0) {
            if (!S_ISDIR(st.st_mode))
                rc = QUIRE_ERR_UNSAFE;
        } else if (mkdir(full, 0777) != 0 && errno != EEXIST) {
            rc = QUIRE_ERR_IO;
        }
        *q = '/';
    }
    if (rc == QUIRE_OK)
        rc = outdir_claim(d, rel, full);
    if (rc == QUIRE_OK)
        rc = quire_sink_open_file(out, full);
    free(full);
    return rc;
}

int quire_read_file(const char *path, size_t max_size, char **data_out, size_t *len_out)
{
    *data_out = NULL;
    *len_out = 0;
    bool is_stdin = strcmp(path, "-") == 0;
    FILE *fp = is_stdin ? stdin : fopen(path, "rb");
    if (!fp)
        return errno == ENOENT ? QUIRE_ERR_NOTFOUND : QUIRE_ERR_IO;
    quire_buf b;
    quire__buf_init(&b);
    char chunk[65536];
    size_t n;
    int rc = QUIRE_OK;
    while ((n = fread(chunk, 1, sizeof chunk, fp)) > 0) {
        if (max_size && b.len + n > max_size) {
            rc = QUIRE_ERR_LIMIT;
            break;
        }
        quire__buf_put(&b, chunk, n);
        if (b.oom) {
            rc = QUIRE_ERR_NOMEM;
            break;
        }
    }
    if (rc == QUIRE_OK && ferror(fp))
        rc = QUIRE_ERR_IO;
    if (!is_stdin)
        fclose(fp);
    if (rc != QUIRE_OK) {
        quire__buf_free(&b);
        return rc;
    }
    *data_out = quire__buf_detach(&b, len_out);
    return QUIRE_OK;
}
