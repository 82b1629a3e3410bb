/*
 * md_bench.c — the markdown reader alone, on many files: a timer and a
 * dumper for differential checks.  Not a test; built beside them.
 *
 *   md-bench [--repeat N] [--threads T] PATH...      CPU and wall time of reading
 *   md-bench --dump OUT PATH...                      model JSON + diagnostics of
 *                                                    every file, for diffing two builds
 *   md-bench --yaml-diff PATH...                     front matter through the fast YAML
 *                                                    scanner and through libyaml: same
 *                                                    values, positions and status?
 *
 * A PATH is a file or a folder (its *.md and *.txt files, recursively, in
 * byte order of names).  Files are loaded before the clock starts; each
 * document is freed right after it is read, as a streaming build would.
 */
#include "internal.h"
#include "../../src/readers/frontmatter.h"

#include <dirent.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

typedef struct mb_file {
    char *path;
    char *data;
    size_t len;
} mb_file;

static mb_file *mb_files;
static size_t mb_count, mb_cap;

static int mb_name_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void mb_add_file(const char *path)
{
    if (mb_count == mb_cap) {
        mb_cap = mb_cap ? mb_cap * 2 : 1024;
        mb_files = realloc(mb_files, mb_cap * sizeof *mb_files);
        if (!mb_files)
            abort();
    }
    mb_file *f = &mb_files[mb_count];
    if (quire_read_file(path, 0, &f->data, &f->len) != QUIRE_OK) {
        fprintf(stderr, "md-bench: cannot read %s\n", path);
        return;
    }
    f->path = strdup(path);
    mb_count++;
}

static bool mb_wanted(const char *name)
{
    const char *dot = strrchr(name, '.');
    return dot && (strcmp(dot, ".md") == 0 || strcmp(dot, ".txt") == 0);
}

static void mb_add_path(const char *path)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        fprintf(stderr, "md-bench: no such path %s\n", path);
        return;
    }
    if (!S_ISDIR(st.st_mode)) {
        mb_add_file(path);
        return;
    }
    DIR *d = opendir(path);
    if (!d)
        return;
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 256;
            names = realloc(names, cap * sizeof *names);
        }
        names[n++] = strdup(e->d_name);
    }
    closedir(d);
    qsort(names, n, sizeof *names, mb_name_cmp);
    for (size_t i = 0; i < n; i++) {
        size_t len = strlen(path) + strlen(names[i]) + 2;
        char *full = malloc(len);
        snprintf(full, len, "%s/%s", path, names[i]);
        if (stat(full, &st) == 0 && S_ISDIR(st.st_mode))
            mb_add_path(full);
        else if (mb_wanted(names[i]))
            mb_add_file(full);
        free(full);
        free(names[i]);
    }
    free(names);
}

static double mb_now(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static const quire_reader *mb_reader;

typedef struct mb_job {
    size_t first, step, repeat;
    size_t errors;
} mb_job;

static void *mb_run(void *arg)
{
    mb_job *j = arg;
    for (size_t r = 0; r < j->repeat; r++) {
        for (size_t i = j->first; i < mb_count; i += j->step) {
            quire_diag_list diags;
            quire_diag_list_init(&diags);
            quire_read_ctx ctx;
            memset(&ctx, 0, sizeof ctx);
            ctx.path = mb_files[i].path;
            ctx.diags = &diags;
            quire_collection *c = quire_collection_new();
            if (mb_reader->read(&ctx, mb_files[i].data, mb_files[i].len, c) != QUIRE_OK)
                j->errors++;
            quire_collection_free(c);
            quire_diag_list_free(&diags);
        }
    }
    return NULL;
}

static int mb_dump(const char *out_path)
{
    FILE *out = fopen(out_path, "wb");
    if (!out)
        return 1;
    const quire_writer *w = quire_writer_find("model");
    for (size_t i = 0; i < mb_count; i++) {
        quire_diag_list diags;
        quire_diag_list_init(&diags);
        quire_read_ctx ctx;
        memset(&ctx, 0, sizeof ctx);
        ctx.path = mb_files[i].path;
        ctx.diags = &diags;
        quire_collection *c = quire_collection_new();
        int rc = mb_reader->read(&ctx, mb_files[i].data, mb_files[i].len, c);
        fprintf(out, "=== %s rc=%d\n", mb_files[i].path, rc);
        for (size_t k = 0; k < diags.count; k++) {
            const quire_diag *d = &diags.items[k];
            fprintf(out, "diag: %u:%u: %s: %s\n", d->line, d->column,
                    quire_severity_name(d->severity), d->message);
        }
        if (c->count) {
            quire_sink *sink;
            quire_write_opts wo;
            memset(&wo, 0, sizeof wo);
            quire_diag_list wd;
            quire_diag_list_init(&wd);
            if (quire_sink_open_memory(&sink) == QUIRE_OK) {
                quire_write(c, w, sink, &wo, &wd);
                char *data;
                size_t len;
                if (quire_sink_commit_memory(sink, &data, &len) == QUIRE_OK) {
                    fwrite(data, 1, len, out);
                    free(data);
                }
            }
            quire_diag_list_free(&wd);
        }
        quire_collection_free(c);
        quire_diag_list_free(&diags);
    }
    fclose(out);
    return 0;
}

/* Same tree: types, keys, text, positions, order (iterative). */
static bool mb_same_value(const quire_value *a, const quire_value *b)
{
    const quire_value *sa[600], *sb[600];
    size_t n = 0;
    sa[n] = a, sb[n] = b, n++;
    while (n) {
        n--;
        a = sa[n], b = sb[n];
        if (!a || !b) {
            if (a != b)
                return false;
            continue;
        }
        if (a->type != b->type || a->len != b->len || a->line != b->line ||
            a->column != b->column || a->count != b->count || (!a->str != !b->str) ||
            (a->str && memcmp(a->str, b->str, a->len) != 0) || (!a->key != !b->key) ||
            (a->key && strcmp(a->key, b->key) != 0))
            return false;
        const quire_value *ca = a->first, *cb = b->first;
        for (; ca && cb && n < 598; ca = ca->next, cb = cb->next)
            sa[n] = ca, sb[n] = cb, n++;
        if (ca || cb)
            return n >= 598 ? true : false;
    }
    return true;
}

static int mb_yaml_diff(void)
{
    size_t fast = 0, with_fm = 0, bad = 0;
    for (size_t i = 0; i < mb_count; i++) {
        const char *d = mb_files[i].data, *e = d + mb_files[i].len;
        if (e - d >= 3 && memcmp(d, "\xEF\xBB\xBF", 3) == 0)
            d += 3;
        if (e - d < 4 || memcmp(d, "---\n", 4) != 0)
            continue;
        const char *y = d + 4, *close = NULL;
        for (const char *l = y; l < e;) {
            if ((e - l >= 4 && (memcmp(l, "---\n", 4) == 0 || memcmp(l, "...\n", 4) == 0)) ||
                (e - l == 3 && (memcmp(l, "---", 3) == 0 || memcmp(l, "...", 3) == 0))) {
                close = l;
                break;
            }
            const char *nl = memchr(l, '\n', (size_t)(e - l));
            l = nl ? nl + 1 : e;
        }
        if (!close)
            continue;
        with_fm++;
        quire_arena *arena = quire_arena_new();
        quire_diag_list d1, d2, d3;
        quire_diag_list_init(&d1);
        quire_diag_list_init(&d2);
        quire_diag_list_init(&d3);
        quire_read_ctx c1, c2, c3;
        memset(&c1, 0, sizeof c1);
        c1.path = mb_files[i].path;
        c2 = c3 = c1;
        c1.diags = &d1, c2.diags = &d2, c3.diags = &d3;
        quire_value *v1 = NULL, *v2 = NULL, *v3 = NULL;
        size_t n = (size_t)(close - y);
        int r1 = quire__yaml_parse_mode(&v1, arena, y, n, 1, &c1, "markdown", QUIRE__YAML_LIBYAML);
        int r2 = quire__yaml_parse_mode(&v2, arena, y, n, 1, &c2, "markdown", 0);
        int r3 = quire__yaml_parse_mode(&v3, arena, y, n, 1, &c3, "markdown", QUIRE__YAML_FAST);
        if (r3 == QUIRE_OK)
            fast++;
        bool same = r1 == r2 && d1.count == d2.count && mb_same_value(v1, v2);
        for (size_t k = 0; same && k < d1.count; k++)
            same = d1.items[k].line == d2.items[k].line &&
                   d1.items[k].column == d2.items[k].column &&
                   strcmp(d1.items[k].message, d2.items[k].message) == 0;
        if (r3 == QUIRE_OK && (r1 != QUIRE_OK || !mb_same_value(v1, v3)))
            same = false;
        if (!same) {
            bad++;
            printf("DIFFERS: %s (libyaml %d, auto %d, fast %d)\n", mb_files[i].path, r1, r2, r3);
        }
        quire_diag_list_free(&d1);
        quire_diag_list_free(&d2);
        quire_diag_list_free(&d3);
        quire_arena_free(arena);
    }
    printf("%zu files with front matter, %zu read by the fast scanner, %zu differ\n", with_fm,
           fast, bad);
    return bad ? 1 : 0;
}

int main(int argc, char **argv)
{
    size_t repeat = 1, threads = 1;
    const char *dump = NULL;
    bool yaml_diff = false;
    int i = 1;
    for (; i < argc && argv[i][0] == '-'; i++) {
        if (strcmp(argv[i], "--repeat") == 0 && i + 1 < argc)
            repeat = strtoul(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--threads") == 0 && i + 1 < argc)
            threads = strtoul(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--dump") == 0 && i + 1 < argc)
            dump = argv[++i];
        else if (strcmp(argv[i], "--yaml-diff") == 0)
            yaml_diff = true;
        else {
            fprintf(stderr, "usage: md-bench [--repeat N] [--threads T] [--dump OUT] PATH...\n");
            return 2;
        }
    }
    mb_reader = quire_reader_find("markdown");
    for (; i < argc; i++)
        mb_add_path(argv[i]);
    size_t bytes = 0;
    for (size_t k = 0; k < mb_count; k++)
        bytes += mb_files[k].len;
    if (dump)
        return mb_dump(dump);
    if (yaml_diff)
        return mb_yaml_diff();

    if (threads < 1)
        threads = 1;
    mb_job *jobs = calloc(threads, sizeof *jobs);
    pthread_t *tids = calloc(threads, sizeof *tids);
    double c0 = mb_now(CLOCK_PROCESS_CPUTIME_ID), w0 = mb_now(CLOCK_MONOTONIC);
    for (size_t t = 0; t < threads; t++) {
        jobs[t] = (mb_job){t, threads, repeat, 0};
        if (threads == 1)
            mb_run(&jobs[t]);
        else
            pthread_create(&tids[t], NULL, mb_run, &jobs[t]);
    }
    size_t errors = 0;
    for (size_t t = 0; t < threads; t++) {
        if (threads > 1)
            pthread_join(tids[t], NULL);
        errors += jobs[t].errors;
    }
    double c1 = mb_now(CLOCK_PROCESS_CPUTIME_ID), w1 = mb_now(CLOCK_MONOTONIC);
    printf("%zu files, %.1f MB, %zu x, %zu thread(s): cpu %.3f s, wall %.3f s "
           "(cpu per pass %.3f s), %zu errors\n",
           mb_count, (double)bytes / 1e6, repeat, threads, c1 - c0, w1 - w0,
           (c1 - c0) / (double)repeat, errors);
    for (size_t k = 0; k < mb_count; k++) {
        free(mb_files[k].path);
        free(mb_files[k].data);
    }
    free(mb_files);
    free(jobs);
    free(tids);
    return 0;
}
