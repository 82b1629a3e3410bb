/*
 * collect.c — turning files and folders into documents: walk folders in a
 * defined order (byte order of path names, never the file system's), choose
 * a reader by content and extension, report and skip what fails.
 */
#include "internal.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define DEFAULT_MAX_FILE_SIZE (16u << 20)
#define DEFAULT_MAX_DEPTH 200u
#define DEFAULT_MAX_ALIASES 1000u
#define DEFAULT_MAX_DOCUMENTS 1000000u

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
    quire_read_ctx ctx = {
        .path = path,
        .id_path = id_path,
        .diags = diags,
        .field_map = quire_value_get(c->site.config, "fields"),
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
            struct stat st;
            /* stat, not lstat: a symlinked file is read like any other,
             * but symlinked folders are not followed (no cycles). */
            struct stat lst;
            if (lstat(p, &lst) != 0 || stat(p, &st) != 0) {
                free(p);
                continue;
            }
            if (S_ISDIR(st.st_mode) && !S_ISLNK(lst.st_mode))
                rc = path_list_add(&stack, p);
            else if (S_ISREG(st.st_mode))
                rc = path_list_add(files, p);
            else
                free(p);
        }
        closedir(d);
        free(dir);
    }
    for (size_t i = 0; i < stack.count; i++)
        free(stack.items[i]);
    free(stack.items);
    return rc;
}

int quire_collection_read_paths(quire_collection *c, const char *const *paths, size_t n,
                                const quire_reader *force, const quire_limits *limits_in,
                                quire_diag_list *diags)
{
    quire_limits limits = limits_or_defaults(limits_in);
    int failed = 0;
    for (size_t i = 0; i < n; i++) {
        struct stat st;
        const char *path = paths[i];
        bool is_stdin = strcmp(path, "-") == 0;
        if (!is_stdin && stat(path, &st) != 0) {
            quire_diag_add(diags, QUIRE_SEV_ERROR, "quire", path, 0, 0, "%s", strerror(errno));
            failed++;
            continue;
        }
        path_list files = {0};
        bool explicit_file = is_stdin || !S_ISDIR(st.st_mode);
        int rc = explicit_file ? path_list_add(&files, strdup(path))
                               : walk_folder(path, &files, diags);
        if (rc != QUIRE_OK)
            return rc;
        qsort(files.items, files.count, sizeof *files.items, cmp_paths);
        for (size_t f = 0; f < files.count; f++) {
            char *data = NULL;
            size_t len = 0;
            rc = quire_read_file(files.items[f], limits.max_file_size, &data, &len);
            if (rc != QUIRE_OK) {
                /* Over the size limit, the file is refused from its first
                 * byte: say so at 1:1, like every other document error. */
                bool lim = rc == QUIRE_ERR_LIMIT;
                quire_diag_add(diags, QUIRE_SEV_ERROR, "quire", files.items[f], lim, lim,
                               "%s%s", lim ? "file larger than limits.max_file_size" : quire_strerror(rc),
                               lim ? " (--max-file-size): not read" : "");
                failed++;
                continue;
            }
            const quire_reader *r = force;
            if (!r) {
                int score = 0;
                r = quire_reader_probe(files.items[f], data, len < 4096 ? len : 4096, &score);
                /* In a folder, files no reader wants (images, CSS) are
                 * resources, not errors. */
                if (!r && !explicit_file) {
                    free(data);
                    continue;
                }
            }
            /* Fallback ids hash the path below the folder given (or the
             * file's own name), not the path as typed. */
            const char *id_path = files.items[f];
            if (!explicit_file) {
                size_t root_len = strlen(path);
                id_path += root_len;
                while (*id_path == '/')
                    id_path++;
            } else if (strrchr(id_path, '/')) {
                id_path = strrchr(id_path, '/') + 1;
            }
            rc = quire__read_buffer_ex(c, r, files.items[f], id_path, data, len, &limits, diags);
            if (rc != QUIRE_OK)
                failed++;
            free(data);
        }
        for (size_t f = 0; f < files.count; f++)
            free(files.items[f]);
        free(files.items);
    }
    return failed;
}
