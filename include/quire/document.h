/*
 * quire/document.h — the intermediate model: a collection of documents, each
 * with typed metadata, the whole front matter as a generic tree (`extra`) and
 * the body as a node tree.
 *
 * Ownership:
 *   - quire_document_new() gives a document that owns one arena; every string,
 *     array, value and node of the document lives in it.  Free the document
 *     with quire_document_free(), which frees the arena.  Never free a field.
 *   - A quire_collection owns its site metadata (own arena) and the documents
 *     added to it; quire_collection_free() frees them all.
 *   - Getters return borrowed pointers that live as long as their parent.
 */
#ifndef QUIRE_DOCUMENT_H
#define QUIRE_DOCUMENT_H

#include "node.h"
#include "value.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * A point in time as written in the source: a date alone, or a date-time
 * with or without a zone.  `set` is false for "no date".
 */
typedef struct quire_date {
    bool set;
    bool has_time;   /* false: date only (YYYY-MM-DD) */
    bool has_zone;   /* false: local time of unknown zone, treated as UTC */
    int16_t year;
    uint8_t month, day, hour, minute, second;
    uint32_t nanos;        /* fraction of second */
    int16_t offset_min;    /* zone offset east of UTC, in minutes */
} quire_date;

typedef struct quire_author {
    const char *name, *url, *email, *avatar; /* any may be NULL */
} quire_author;

typedef struct quire_image {
    const char *src;      /* NULL when no image; relative or absolute */
    const char *alt;
    int width, height;    /* 0 when unknown */
} quire_image;

typedef struct quire_strlist {
    const char **items;   /* in the document's arena */
    size_t count, cap;    /* grow only with quire_strlist_add() */
} quire_strlist;

typedef struct quire_document {
    quire_arena *arena;       /* owns everything below */

    /* identity */
    const char *id;           /* stable; never NULL after a reader ran */
    const char *slug;         /* safe path segment: [a-z0-9._-], never "." or ".." */
    const char *source_path;  /* the file as named on the command line, or "-" */
    const char *format;       /* name of the reader that made it */

    /* typed metadata (any may be NULL / empty) */
    const char *title;
    const char *subtitle;
    const char *summary;      /* plain text */
    const char *language;     /* BCP 47 */
    const char *url;          /* permalink (absolute once base_url is known) */
    const char *external_url; /* the page this item is about (curated content) */
    quire_author *authors;
    size_t n_authors;
    quire_date published, modified;
    quire_strlist tags, categories;
    quire_image image;
    bool draft;

    quire_value *extra;       /* the whole front matter / source metadata, or NULL */
    quire_node *body;         /* a ROOT node; never NULL after a reader ran */
    uint32_t body_line;       /* line of the source where the body starts */
    bool body_deferred;       /* header-only read: body is empty until read again */
    size_t source_index;      /* this document's index among those its file gave */
} quire_document;

/** A new empty document with its own arena; NULL when out of memory. */
QUIRE_API quire_document *quire_document_new(void);
/** Free the document and everything in its arena.  NULL is a no-op. */
QUIRE_API void quire_document_free(quire_document *doc);
/** A deep copy with its own arena (filters that differ per output run on
 *  copies).  NULL when out of memory.  Free with quire_document_free(). */
QUIRE_API quire_document *quire_document_clone(const quire_document *doc);
/** Deep copy of a subtree into arena (iterative: any depth). */
QUIRE_API quire_node *quire_node_clone(quire_arena *arena, const quire_node *root);
/** Append an author (strings copied into the document's arena). */
QUIRE_API void quire_document_add_author(quire_document *doc, const char *name,
                                         const char *url, const char *email);
/** Append to a string list (string copied).  Duplicates are skipped. */
QUIRE_API void quire_strlist_add(quire_arena *arena, quire_strlist *list, const char *s);

/* ---- dates ---- */
/** Parse ISO 8601 / RFC 3339: "2021-09-24", "2021-09-24T10:00:00",
 *  "...Z", "...+02:00", fractions, a space instead of T.  Returns true on
 *  success. */
QUIRE_API bool quire_date_parse(quire_date *out, const char *s);
/** Seconds since the epoch (UTC; a date alone is midnight UTC; no zone is UTC). */
QUIRE_API int64_t quire_date_epoch(const quire_date *d);
/** A quire_date for a Unix time, in UTC. */
QUIRE_API quire_date quire_date_from_epoch(int64_t t);
/** RFC 3339 ("2021-09-24T00:00:00Z" / "+02:00"), always with a time and a zone.
 *  buf must hold 40 bytes.  Returns buf. */
QUIRE_API char *quire_date_rfc3339(const quire_date *d, char buf[40]);
/** The date as it was written, losslessly: "2021-09-24" for a date alone,
 *  no zone when none was given, fractions kept.  For the model JSON. */
QUIRE_API char *quire_date_iso(const quire_date *d, char buf[48]);
/** RFC 822 with a four-digit year ("Fri, 24 Sep 2021 00:00:00 +0000"). */
QUIRE_API char *quire_date_rfc822(const quire_date *d, char buf[40]);
/** -1, 0, 1 by instant; unset dates sort before set ones. */
QUIRE_API int quire_date_compare(const quire_date *a, const quire_date *b);

/* ---- site and collection ---- */
typedef struct quire_site {
    quire_arena *arena;       /* owns everything below */
    const char *title;        /* never NULL (default "Untitled") */
    const char *description;
    const char *base_url;     /* absolute, ending in '/', or NULL */
    const char *language;     /* BCP 47, default "en" */
    const char *icon, *favicon;
    const char *publisher, *rights, *cover;
    quire_author *authors;
    size_t n_authors;
    quire_value *config;      /* the whole quire.yaml, or NULL */
    const char *config_dir;   /* folder relative paths in the config resolve against */
} quire_site;

typedef struct quire_collection {
    quire_site site;
    quire_document **docs;    /* owned */
    size_t count, cap;
} quire_collection;

/** A collection with default site metadata; NULL when out of memory. */
QUIRE_API quire_collection *quire_collection_new(void);
/** Frees the site, every document and the collection. */
QUIRE_API void quire_collection_free(quire_collection *c);
/** Takes ownership of doc. */
QUIRE_API int quire_collection_add(quire_collection *c, quire_document *doc);
/** Removes docs[i] from the collection (keeping order) and returns it: the
 *  caller now owns it. */
QUIRE_API quire_document *quire_collection_take(quire_collection *c, size_t i);
/** The newest of published/modified over all documents (unset if none). */
QUIRE_API quire_date quire_collection_newest(const quire_collection *c);

#ifdef __cplusplus
}
#endif
#endif /* QUIRE_DOCUMENT_H */
