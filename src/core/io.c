/*
 * io.c — atomic output files, the output folder, reading input files.
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

struct quire_outdir {
    char *path;
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
    if (!d || !(d->path = strdup(path))) {
        free(d);
        return QUIRE_ERR_NOMEM;
    }
    *out = d;
    return QUIRE_OK;
}

void quire_outdir_free(quire_outdir *d)
{
    if (d) {
        free(d->path);
        free(d);
    }
}

const char *quire_outdir_path(const quire_outdir *d)
{
    return d->path;
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

int quire_outdir_sink(quire_outdir *d, const char *rel, quire_sink **out)
{
    *out = NULL;
    if (!quire_path_is_safe(rel))
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
    struct stat st;
    if (rc == QUIRE_OK && lstat(full, &st) == 0 && S_ISLNK(st.st_mode))
        rc = QUIRE_ERR_UNSAFE;
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
