/*
 * src/readers/frontmatter.h — document metadata shared by the readers:
 * YAML text to the generic value tree, the value tree to the typed fields of
 * quire_document, and the identity rules (id, slug, title fallbacks).
 * Internal, not installed.
 *
 * Ownership: everything made here lives in the arena passed in (the
 * document's); nothing is returned that the caller frees.  Problems are
 * reported to ctx->diags with the file's line and column.
 */
#ifndef QUIRE_FRONTMATTER_H
#define QUIRE_FRONTMATTER_H

#include "internal.h"

#define QUIRE__DEFAULT_MAX_DEPTH 200
#define QUIRE__DEFAULT_MAX_YAML_ALIASES 1000

/*
 * Parse one YAML document yaml[0..len) with libyaml's event API into a
 * quire_value tree (scalars resolved by the YAML 1.2 core schema: null,
 * bool, JSON-grammar numbers keeping their text, otherwise strings; quoted
 * scalars are always strings).  Every value records its line and column in
 * the file: `line_offset` lines come before yaml's first line.
 *
 * Aliases are expanded (copied); more than ctx->limits.max_yaml_aliases
 * (0: 1000) expansions, or more than 100 times that many values copied by
 * them, stops the parse: a "billion laughs" document fails fast.  Nesting
 * deeper than ctx->limits.max_depth (0: 200) is an error too.
 *
 * *out gets the root value, or NULL for an empty document.  Returns
 * QUIRE_OK, QUIRE_ERR_PARSE (syntax), QUIRE_ERR_LIMIT or QUIRE_ERR_NOMEM;
 * each error was reported once to ctx->diags under `component`.
 */
int quire__yaml_parse(quire_value **out, quire_arena *arena, const char *yaml, size_t len,
                      uint32_t line_offset, const quire_read_ctx *ctx, const char *component);

/* The same, choosing the parser: QUIRE__YAML_LIBYAML always libyaml;
 * QUIRE__YAML_FAST only the fast scanner (QUIRE_ERR_UNSUPPORTED, nothing
 * reported, when it gives up); 0 the fast scanner, then libyaml when it
 * gives up (what quire__yaml_parse does).  For tests. */
#define QUIRE__YAML_LIBYAML 1
#define QUIRE__YAML_FAST 2
int quire__yaml_parse_mode(quire_value **out, quire_arena *arena, const char *yaml, size_t len,
                           uint32_t line_offset, const quire_read_ctx *ctx, const char *component,
                           int mode);

/*
 * Fill the typed fields of doc from the metadata mapping `meta` (usually
 * doc->extra): title, subtitle, summary, published, modified, authors, tags,
 * categories, image, url, external_url, slug (as written; see
 * quire__doc_identity), id, language and draft, each from its common
 * spellings, with ctx->field_map (`typed_field: source.key.path` or a list
 * of paths) tried first.  A value of the wrong type is a warning at its
 * position and the field stays empty.  meta may be NULL.
 */
void quire__fm_apply(quire_document *doc, const quire_value *meta, const quire_read_ctx *ctx,
                     const char *component);

/*
 * Complete identity after the body is read: title (else the first
 * heading's text, else the file name), id (else the permalink, else
 * "urn:quire:<fnv1a64 of the path>") and slug (front-matter slug, title or
 * file name made safe; never empty, never with '/', '\\', "..", NUL).
 * Also sets doc->source_path from ctx->path when unset.
 */
void quire__doc_identity(quire_document *doc, const quire_read_ctx *ctx);

/* A slug safe as one path segment ([a-z0-9._-], no "..", not starting with
 * '.'), from any text; "" when nothing usable is left.  In arena. */
char *quire__safe_slug(quire_arena *arena, const char *s);

#endif /* QUIRE_FRONTMATTER_H */
