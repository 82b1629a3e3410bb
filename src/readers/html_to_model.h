/*
 * src/readers/html_to_model.h — the one HTML-to-model converter, shared by
 * the markdown reader (which feeds it cmark-gfm's HTML rendering) and the
 * html reader (which feeds it pages as found).  Internal, not installed.
 *
 * Ownership: every node and string the converter makes lives in
 * doc->arena; `html` is only read during the call and stays the caller's.
 * Nothing is returned that the caller must free.
 *
 * Thread safety: libxml2 is initialised once (pthread_once); after that any
 * number of threads may convert different documents at the same time.
 */
#ifndef QUIRE_HTML_TO_MODEL_H
#define QUIRE_HTML_TO_MODEL_H

#include "internal.h"

/*
 * The input is cmark-gfm's own rendering (CMARK_OPT_SOURCEPOS): positions
 * come from `data-sourcepos` attributes (which are then dropped) and from
 * `<!--quire-sourcepos:L:C-->` comments the markdown reader puts before each
 * raw HTML block.  Without this flag the input is HTML as written: every
 * element's position is its own place in `html`, and data-sourcepos is an
 * ordinary attribute.
 */
#define QUIRE__H2M_CMARK (1u << 0)

/* The comment prefix the markdown reader uses to mark raw HTML blocks. */
#define QUIRE__H2M_POS_MARK "quire-sourcepos:"

/*
 * Parse html[0..len) with libxml2's HTML parser (no network, no external
 * entities, errors silenced) and append the model nodes to `parent` (usually
 * doc->body).  Lines are 1-based in the source file: `line_offset` lines
 * come before html's first line.  Elements of <head> are skipped, the
 * implied <html>/<body> never appear, nesting deeper than
 * ctx->limits.max_depth (0: 200) is flattened with one warning.
 *
 * `component` names the reader in diagnostics ("markdown", "html").
 * Returns QUIRE_OK, QUIRE_ERR_NOMEM, or QUIRE_ERR_LIMIT when html is larger
 * than libxml2 can take (INT_MAX bytes).
 */
int quire__html_to_model(quire_document *doc, quire_node *parent, const char *html,
                         size_t len, uint32_t line_offset, unsigned flags,
                         const quire_read_ctx *ctx, const char *component);

/* "YouTube", "Vimeo", or the lower-case host of an embed URL (in arena);
 * NULL when url has no host. */
const char *quire__embed_provider(quire_arena *arena, const char *url);

#endif /* QUIRE_HTML_TO_MODEL_H */
