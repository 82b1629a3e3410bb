/*
 * quire/quire.h — the public API of libquire: read a collection of documents,
 * run a filter chain over it, write it in other formats.
 *
 *   quire_collection *c = quire_collection_new();
 *   quire_config_load(c, "quire.yaml", &diags);
 *   quire_collection_read_paths(c, paths, n, NULL, &limits, &diags);
 *   quire_chain *chain; quire_chain_parse(&chain, "sort,limit:n=10", &diags);
 *   quire_chain_run(chain, c, &diags);
 *   quire_write(c, quire_writer_find("jsonfeed"), sink, NULL, &diags);
 *
 * Ownership: what a function gives through `**out` is the caller's, to free
 * with the matching _free function.  Component pointers (readers, writers,
 * filters) are static and never freed.
 */
#ifndef QUIRE_H
#define QUIRE_H

#include "common.h"
#include "arena.h"
#include "value.h"
#include "node.h"
#include "document.h"
#include "io.h"
#include "sys/component.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- registry: iterate with `void *it = NULL; while ((r = quire_reader_next(&it)))` */
QUIRE_API const quire_reader *quire_reader_next(void **it);
QUIRE_API const quire_writer *quire_writer_next(void **it);
QUIRE_API const quire_filter *quire_filter_next(void **it);
QUIRE_API const quire_reader *quire_reader_find(const char *name);
QUIRE_API const quire_writer *quire_writer_find(const char *name);
QUIRE_API const quire_filter *quire_filter_find(const char *name);
/** The best reader for a file by content and name; NULL when none scores
 *  above 0.  *score_out (optional) gets the winning score. */
QUIRE_API const quire_reader *quire_reader_probe(const char *path, const char *data,
                                                 size_t len, int *score_out);

/* ---- site configuration ---- */
/** Read quire.yaml into c->site (title, description, base_url, language,
 *  authors, icon, publisher, rights, cover, and the whole tree in
 *  site.config).  Missing file: QUIRE_ERR_NOTFOUND and nothing changes. */
QUIRE_API int quire_config_load(quire_collection *c, const char *path, quire_diag_list *diags);
/** Fill every field of *limits that is 0 (unset, e.g. by the command line)
 *  from `limits:` of the loaded configuration.  Bad entries were reported by
 *  quire_config_load and are skipped here.  Returns QUIRE_OK. */
QUIRE_API int quire_config_limits(const quire_collection *c, quire_limits *limits);
/** A limit as written in quire.yaml or on the command line: a positive
 *  whole number, optionally with a K, M or G (binary) suffix ("64M").
 *  QUIRE_OK, or QUIRE_ERR_USAGE (and *out untouched). */
QUIRE_API int quire_limit_parse(const char *s, size_t *out);
/** Apply SOURCE_DATE_EPOCH etc. is done by the build; this sets base_url
 *  (normalized to end in '/'). */
QUIRE_API void quire_site_set_base_url(quire_site *site, const char *url);

/* ---- reading ---- */
/** Read one buffer with the given reader (NULL: probe).  Documents are
 *  appended to c.  Returns QUIRE_OK or the reader's error. */
QUIRE_API int quire_read_buffer(quire_collection *c, const quire_reader *reader,
                                const char *path, const char *data, size_t len,
                                const quire_limits *limits, quire_diag_list *diags);
/** Read files and folders (recursively, in byte order of path names; hidden
 *  files and quire.yaml skipped; files chosen by content and extension).
 *  A document that fails is reported and skipped.  Returns the number of
 *  documents that failed (0 = all good), or a negative status. */
QUIRE_API int quire_collection_read_paths(quire_collection *c, const char *const *paths,
                                          size_t n, const quire_reader *force_reader,
                                          const quire_limits *limits, quire_diag_list *diags);

/* ---- filter chain ---- */
typedef struct quire_chain quire_chain;
/** Parse "name[:k=v,...]" specs (one spec per call, or several joined with
 *  ';').  Appends to *chain (created when NULL). */
QUIRE_API int quire_chain_add_spec(quire_chain **chain, const char *spec, quire_diag_list *diags);
/** Append a filter from a config value: a string spec or a mapping
 *  {name: ..., options...}. */
QUIRE_API int quire_chain_add_value(quire_chain **chain, const quire_value *v, quire_diag_list *diags);
/** Run every filter in order over the collection. */
QUIRE_API int quire_chain_run(const quire_chain *chain, quire_collection *c, quire_diag_list *diags);
/** Run only the DOCUMENT-scope filters on one document. */
QUIRE_API int quire_chain_run_document(const quire_chain *chain, const quire_site *site,
                                       quire_document *doc, quire_diag_list *diags);
QUIRE_API size_t quire_chain_length(const quire_chain *chain);
/** True when the chain holds a filter of that name.  A writer's default
 *  filter that the user's chain already names is not run again, so the
 *  user's options for it (e.g. sanitize:raw=true) are the ones that hold. */
QUIRE_API bool quire_chain_contains(const quire_chain *chain, const char *name);
QUIRE_API void quire_chain_free(quire_chain *chain);

/* ---- writing ---- */
typedef struct quire_write_opts {
    const char *self_path;      /* path of the output relative to the output folder */
    quire_outdir *outdir;       /* output folder (MULTI writers need it) */
    const char *title_suffix;
    const quire_value *options;
    quire_date updated;         /* unset: newest document or SOURCE_DATE_EPOCH */
    bool fetch_remote;          /* allow downloading remote media (epub) */
    unsigned feeds, tag_feeds;  /* QUIRE_FEED_* bits (see quire_writer_ctx) */
} quire_write_opts;
/** Run a writer over every document of c into out (not committed). */
QUIRE_API int quire_write(const quire_collection *c, const quire_writer *w, quire_sink *out,
                          const quire_write_opts *opts, quire_diag_list *diags);

/* ---- the whole job ---- */
/** What a build did and where its time went (quire_build_opts.stats). */
typedef struct quire_build_stats {
    size_t documents;      /* built: read, and kept by the filters */
    size_t jobs;           /* threads that read and rendered */
    double read_seconds;   /* listing and reading the metadata (first pass) */
    double plan_seconds;   /* the filter chain, slugs, the output plan */
    double write_seconds;  /* bodies and every output (second pass), to the last file */
    double total_seconds;  /* all of quire_build */
} quire_build_stats;
typedef struct quire_build_opts {
    const char *const *sources;  /* files or folders */
    size_t n_sources;
    const char *outdir;
    const char *config_path;     /* NULL: SOURCE/quire.yaml of the first folder */
    const char *formats;         /* comma list of outputs, NULL = all */
    const char *const *filters;  /* user filter specs, in order */
    size_t n_filters;
    const char *base_url;        /* overrides the config */
    bool strict;
    bool fetch_remote;           /* --fetch-remote */
    bool sync;                   /* --sync: flush the outputs to disk before returning */
    int jobs;                    /* 0 = number of cores */
    quire_limits limits;
    quire_build_stats *stats;    /* NULL, or filled in when quire_build returns */
} quire_build_opts;
/** Read, filter and write every output.  Returns QUIRE_OK, a positive count
 *  of documents that had errors, or a negative status. */
QUIRE_API int quire_build(const quire_build_opts *opts, quire_diag_list *diags);

#ifdef __cplusplus
}
#endif
#endif /* QUIRE_H */
