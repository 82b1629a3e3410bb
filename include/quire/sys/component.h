/*
 * quire/sys/component.h — for authors of readers, writers and filters.
 *
 * Each component is one `const` struct with designated initializers at the
 * end of its own file (FFmpeg's demuxer shape); all built-in components sit
 * in static NULL-terminated tables in src/core/registry.c.  Nothing here is
 * mutable, so lookups are thread-safe.
 *
 * Ownership: a component's private state (priv, priv_size bytes) is
 * allocated zeroed by the caller before init/begin and freed after
 * uninit/close; the component frees only what it allocated itself.
 */
#ifndef QUIRE_SYS_COMPONENT_H
#define QUIRE_SYS_COMPONENT_H

#include "../document.h"
#include "../io.h"

#ifdef __cplusplus
extern "C" {
#endif

#define QUIRE_COMPONENT_VERSION 1

/* ------------------------------------------------------------------ readers */

/** Limits against hostile input; 0 means the built-in default. */
typedef struct quire_limits {
    size_t max_file_size;     /* bytes (default 16 MiB) */
    size_t max_depth;         /* nesting depth of body and metadata (default 200:
                                 deeper would make XHTML that libxml2 refuses
                                 (256 levels) and model JSON that Python's json
                                 cannot read (recursion limit 1000)) */
    size_t max_yaml_aliases;  /* alias expansions per document (default 1000) */
    size_t max_documents;     /* per collection (default 1000000) */
} quire_limits;

/* quire_read_ctx.flags */
/** The build's first pass: metadata is what matters.  A reader may leave the
 *  body empty and set doc->body_deferred; it is read again with BODY_ONLY.
 *  doc->extra then holds the typed fields' sources and the top-level
 *  scalars; nested mappings and lists under keys no field reads (built-in
 *  fields, quire.yaml's `fields:`) may be left out: the second pass reads
 *  the whole front matter again (QUIRE_READ_EXTRA) where it is needed. */
#define QUIRE_READ_HEADER_ONLY (1u << 0)
/** The second pass: only the body is needed (metadata comes from the first
 *  pass); readers skip parsing metadata and report no metadata problems. */
#define QUIRE_READ_BODY_ONLY (1u << 1)
/** With BODY_ONLY: also give the whole front matter (doc->extra), without
 *  mapping it onto typed fields. */
#define QUIRE_READ_EXTRA (1u << 2)

typedef struct quire_read_ctx {
    unsigned flags;                /* QUIRE_READ_* */
    const char *path;              /* for diagnostics and relative resources; "-" = stdin */
    const char *id_path;           /* the path relative to the source folder, the basis
                                      of fallback ids so that they do not change with
                                      how the folder was named (NULL: use path) */
    quire_diag_list *diags;        /* where problems go; never NULL */
    const quire_value *field_map;  /* `fields:` of quire.yaml (alias -> field), or NULL */
    quire_limits limits;
} quire_read_ctx;

typedef struct quire_reader {
    int version;               /* QUIRE_COMPONENT_VERSION */
    const char *name;          /* "markdown" */
    const char *long_name;
    const char *extensions;    /* comma-separated, no dots: "md,markdown" */
    const char *mime_type;
    /** 0..100: how sure this reader is that it can read the bytes (the first
     *  up to 4 KiB are given).  An extension match alone scores 50. */
    int (*probe)(const char *path, const char *data, size_t len);
    /** Parse data (NUL-terminated at data[len]) and append one or more
     *  documents to `into` (which takes ownership).  Problems go to
     *  ctx->diags with line and column.  Returns QUIRE_OK, or an error for a
     *  document that could not be read at all (nothing appended). */
    int (*read)(const quire_read_ctx *ctx, const char *data, size_t len,
                quire_collection *into);
} quire_reader;

/* ------------------------------------------------------------------ filters */

typedef enum quire_filter_scope {
    QUIRE_FILTER_DOCUMENT = 1,  /* runs on each document alone (parallel-safe) */
    QUIRE_FILTER_COLLECTION = 2 /* runs on the whole ordered collection */
} quire_filter_scope;

typedef struct quire_filter quire_filter;

typedef struct quire_filter_ctx {
    const quire_filter *filter;
    void *priv;                 /* priv_size bytes, zeroed */
    const quire_site *site;
    const quire_value *options; /* a MAPPING of option -> scalar, or NULL */
    quire_diag_list *diags;
} quire_filter_ctx;

struct quire_filter {
    int version;
    const char *name;           /* "fix-encoding" */
    const char *description;    /* one line for `quire filters` */
    quire_filter_scope scope;
    size_t priv_size;
    /** Read options (QUIRE_ERR_USAGE for unknown or bad ones).  Optional. */
    int (*init)(quire_filter_ctx *ctx);
    /** DOCUMENT scope. */
    int (*run_document)(quire_filter_ctx *ctx, quire_document *doc);
    /** DOCUMENT scope, optional, for speed: whether run_document could
     *  change doc or report anything about it.  Conservative: false only
     *  when certain that running it would do neither.  The build calls it
     *  (through quire__chain_changes) before copying a document for an
     *  output flavor (build.c), and when no filter of the flavor's chain
     *  would change the document, its writers get the document itself and
     *  no copy is made.  Read-only like prepare: it runs on worker threads
     *  on documents that other threads may read, so it changes neither
     *  doc nor ctx->priv, and ctx->diags is NULL.  Without it the filter
     *  always runs (on a copy). */
    bool (*changes)(const quire_filter_ctx *ctx, const quire_document *doc);
    /** COLLECTION scope: may reorder, remove (quire_collection_take + free)
     *  or change documents. */
    int (*run_collection)(quire_filter_ctx *ctx, quire_collection *c);
    void (*uninit)(quire_filter_ctx *ctx); /* optional */
};

/** Option helpers for filters: value of key in ctx->options, or def. */
QUIRE_API const char *quire_filter_opt(const quire_filter_ctx *ctx, const char *key, const char *def);
QUIRE_API long quire_filter_opt_long(const quire_filter_ctx *ctx, const char *key, long def);

/* ------------------------------------------------------------------ writers */

#define QUIRE_WRITER_BINARY   (1u << 0) /* output is not text (epub) */
#define QUIRE_WRITER_MULTI    (1u << 1) /* writes many files into ctx->outdir (html) */

typedef struct quire_writer quire_writer;

typedef struct quire_writer_ctx {
    const quire_writer *writer;
    void *priv;                 /* priv_size bytes, zeroed */
    const quire_site *site;
    const quire_value *options; /* writer options (MAPPING) or NULL */
    quire_diag_list *diags;
    quire_sink *out;            /* single-file writers: where the bytes go */
    quire_outdir *outdir;       /* MULTI writers (and helpers such as epub
                                   cover lookup): the output folder, or NULL */
    const char *self_url;       /* absolute URL of this output, or NULL */
    const char *self_path;      /* its path relative to the output folder */
    const char *title_suffix;   /* for per-tag feeds: " — tag: x", or NULL */
    quire_date updated;         /* newest document, or SOURCE_DATE_EPOCH */
    size_t count;               /* number of documents that will follow */
    bool fetch_remote;          /* the user allowed downloading remote media */
    unsigned feeds;             /* QUIRE_FEED_* bits: the main feeds this build writes */
    unsigned tag_feeds;         /* QUIRE_FEED_* bits written under tags/<slug>/ */
    void *prepared;             /* during write_document: what prepare() made
                                   for this document, or NULL when prepare was
                                   not run (quire_write(), feed sets, or it
                                   failed): then write_document does it all */
} quire_writer_ctx;

/* quire_writer_ctx.feeds / tag_feeds: which feeds exist, so that pages can
 * link to them (<link rel="alternate">) before they are finished. */
#define QUIRE_FEED_JSON (1u << 0) /* feed.json */
#define QUIRE_FEED_RSS  (1u << 1) /* rss.xml */
#define QUIRE_FEED_ATOM (1u << 2) /* atom.xml */

struct quire_writer {
    int version;
    const char *name;           /* "jsonfeed" */
    const char *long_name;
    const char *extension;      /* default file name in OUTDIR: "feed.json" */
    const char *mime_type;
    unsigned flags;
    /** Filters run (after the user's chain) on documents this writer sees,
     *  comma-separated: "absolute-urls". */
    const char *default_filters;
    size_t priv_size;
    int (*begin)(quire_writer_ctx *ctx);
    /** Documents arrive in collection order, each once. */
    int (*write_document)(quire_writer_ctx *ctx, const quire_document *doc);
    /** Optional, for speed: the part of writing a document that depends only
     *  on the document and on what begin() set up (rendering, compressing).
     *  The build runs it on worker threads, for several documents at once
     *  and in any order, then hands the result to write_document (in order,
     *  on one thread) as ctx->prepared.  So prepare must treat ctx and
     *  ctx->priv as read-only, and write_document must not change the part
     *  of priv that prepare reads.  Problems go to diags (not ctx->diags).
     *  On QUIRE_OK *out is the writer's (freed by release, after
     *  write_document or when the build gives up); on an error *out is
     *  ignored and write_document gets NULL.  release runs on the thread
     *  that prepared, while write_document goes on with later documents:
     *  it must touch nothing but the prepared result, and write_document
     *  must keep no pointer into it. */
    int (*prepare)(const quire_writer_ctx *ctx, const quire_document *doc,
                   quire_diag_list *diags, void **out);
    void (*release)(void *prepared);
    /** Finish the output (the caller commits ctx->out afterwards). */
    int (*end)(quire_writer_ctx *ctx);
    /** Always called, even after an error: free priv's contents. */
    void (*close)(quire_writer_ctx *ctx);
};

#ifdef __cplusplus
}
#endif
#endif /* QUIRE_SYS_COMPONENT_H */
