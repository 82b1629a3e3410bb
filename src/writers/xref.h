/*
 * xref.h — links between documents, shared by the writers that publish a
 * collection as several linked files (epub, html).  Not installed.
 *
 * Documents stream through write_document() and may be freed right after,
 * so a link to a document not seen yet cannot be resolved while its page or
 * chapter is written.  Both writers do the same thing about it:
 *   - every document registers its targets: the hashed key of its source
 *     file (quire__xref_source_hash) and of its permalink URL
 *     (quire__xref_key_hash) in a quire_hmap, key -> document index;
 *   - a link that may point at a document is written as the placeholder
 *     attribute ` href="quire-xref:N"` and recorded;
 *   - at the end, when every target is known, the file is read back and
 *     quire__xref_rewrite() replaces each placeholder by what the writer's
 *     callback says.
 * Keys are 64-bit hashes, not strings: 12 bytes a slot for 10^5 documents.
 */
#ifndef QUIRE_WRITERS_XREF_H
#define QUIRE_WRITERS_XREF_H

#include "internal.h"

/* ------------------------------------------------------------------ hashing */

/** FNV-1a of a C string, one independent function per seed. */
uint64_t quire__hash_str(const char *s, uint64_t seed);

/* Open addressing, 64-bit hashed keys (0 is remapped), 32-bit values.
 * Zero-initialized is empty; quire__hmap_free() releases it. */
typedef struct quire_hmap {
    uint64_t *keys;
    uint32_t *vals;
    size_t cap, count;
} quire_hmap;

/** Insert key (or, with replace, overwrite its value).  false: out of memory. */
bool quire__hmap_put(quire_hmap *m, uint64_t key, uint32_t val, bool replace);
/** true when key is present; *val (optional) gets its value. */
bool quire__hmap_get(const quire_hmap *m, uint64_t key, uint32_t *val);
void quire__hmap_free(quire_hmap *m);

/* ------------------------------------------------------------------ paths */

/** s[0..n) with %XX escapes decoded; malloc'd, NULL when out of memory. */
char *quire__pct_decode(const char *s, size_t n);
/** path without "." and ".." segments and repeated '/'; a leading ".." that
 *  has nothing to remove is dropped.  malloc'd. */
char *quire__path_normalize(const char *path);

/* ------------------------------------------------------------------ keys */

/** "scheme://host/" (lower-cased) of an absolute http(s) URL with a host,
 *  in a; NULL for anything else. */
char *quire__url_origin(quire_arena *a, const char *u);

/** A normalized key for a source path or URL (drops fragment and query,
 *  trailing "/", "index.html", default extensions .md .html...; scheme and
 *  host lower-cased, http and https one site); malloc'd, or NULL. */
char *quire__xref_target_key(const char *s);
/** Hash of quire__xref_target_key(s), 0 when there is none. */
uint64_t quire__xref_key_hash(const char *s);
/** The key of a document's own source file (its path normalized). */
uint64_t quire__xref_source_hash(const char *source_path);
/** The key of the file a relative link names from a document in src_dir
 *  ("" for the current folder): the path part of u (before '?' or '#'),
 *  percent-decoded, joined and normalized.  0 for an empty path or one
 *  starting with '/'. */
uint64_t quire__xref_path_hash(const char *src_dir, const char *u);

/* ------------------------------------------------------------------ placeholders */

/** The attribute a placeholder is written as: ` href="quire-xref:N"`. */
#define QUIRE_XREF_PREFIX "quire-xref:"

/** Called for placeholder number index: append the replacement for the
 *  whole ` href="quire-xref:N"` (for example ` href="..."`, or nothing to
 *  unlink) to out. */
typedef void (*quire_xref_fn)(void *ud, size_t index, quire_buf *out);

/** Copy in[0..len) to out with every placeholder N < count replaced by fn.
 *  Placeholders count only inside tags: the writers escape '<' and '>' in
 *  text and attribute values, so those are always markup.  QUIRE_OK or
 *  QUIRE_ERR_NOMEM. */
int quire__xref_rewrite(const char *in, size_t len, size_t count, quire_xref_fn fn, void *ud,
                        quire_buf *out);

#endif
