/*
 * src/readers/html_to_model.h — the one HTML-to-model converter, shared by
 * the markdown reader (which hands it cmark-gfm's tree as the elements the
 * HTML renderer would write, plus raw HTML fragments: quire__h2m_*) and the
 * html reader (which feeds it pages as found: quire__html_to_model).
 * Internal, not installed.
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
 * (No longer used by the markdown reader; kept for whole renderings.)
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

/*
 * Incremental use, for the markdown reader's walk over cmark-gfm's tree:
 * Markdown elements arrive as the tag, attributes and position cmark-gfm's
 * HTML renderer would have written, raw HTML as fragments; see the comment
 * above quire__h2m_new in html_to_model.c.  Positions are absolute source
 * lines and byte columns; line 0 means "the parent's".
 *
 * Ownership: quire__h2m_new makes the state (the caller frees it with
 * quire__h2m_free, after quire__h2m_finish or instead of it); nodes go to
 * doc->arena under `parent`.  `atts` of quire__h2m_md_start (NULL or a
 * NULL-terminated name/value array) need only stay valid during the call:
 * what is kept is copied.
 *
 * Thread safety: one state per document and thread; libxml2 and cmark-gfm
 * are initialised once (pthread_once).
 */
typedef struct quire__h2m quire__h2m;

/* The elements a Markdown walk opens: the tags cmark-gfm's HTML renderer
 * writes.  The converter knows each one's name and kind by this number,
 * so nothing is looked up by name. */
typedef enum quire__h2m_tag {
    QUIRE__H2M_P,
    QUIRE__H2M_H1, /* H1 + level - 1 for the others */
    QUIRE__H2M_H2,
    QUIRE__H2M_H3,
    QUIRE__H2M_H4,
    QUIRE__H2M_H5,
    QUIRE__H2M_H6,
    QUIRE__H2M_BLOCKQUOTE,
    QUIRE__H2M_UL,
    QUIRE__H2M_OL,
    QUIRE__H2M_LI,
    QUIRE__H2M_PRE,
    QUIRE__H2M_CODE,
    QUIRE__H2M_HR,
    QUIRE__H2M_BR,
    QUIRE__H2M_TABLE,
    QUIRE__H2M_THEAD,
    QUIRE__H2M_TBODY,
    QUIRE__H2M_TR,
    QUIRE__H2M_TH,
    QUIRE__H2M_TD,
    QUIRE__H2M_EM,
    QUIRE__H2M_STRONG,
    QUIRE__H2M_DEL,
    QUIRE__H2M_A,
    QUIRE__H2M_IMG,
    QUIRE__H2M_INPUT,
    QUIRE__H2M_SECTION,
    QUIRE__H2M_SUP,
    QUIRE__H2M_TAG_COUNT
} quire__h2m_tag;

/* The tag's name ("p", "h1"...); NULL for a number out of range. */
const char *quire__h2m_tag_name(quire__h2m_tag tag);

int quire__h2m_new(quire__h2m **out, quire_document *doc, quire_node *parent,
                   const quire_read_ctx *ctx, const char *component);
/* Open a Markdown element; returns a token for quire__h2m_md_end (0: the
 * element was not opened, e.g. swallowed by an open <script>). */
uint32_t quire__h2m_md_start(quire__h2m *h, quire__h2m_tag tag, const char **atts,
                             uint32_t line, uint32_t col);
void quire__h2m_md_end(quire__h2m *h, uint32_t token);
/* Text as it is (not HTML-escaped); "\n" is a soft break where cmark
 * renders one.  s must stay valid until quire__h2m_finish (cmark's
 * literals and string literals do): a run of one piece is made into a
 * node straight from it, when the run ends. */
void quire__h2m_md_text(quire__h2m *h, const char *s, size_t n);
/* A newline cmark-gfm's renderer writes between block tags: it matters
 * only where raw HTML left an inline element open. */
void quire__h2m_md_newline(quire__h2m *h);
/* A raw HTML fragment (HTML_BLOCK when block, else HTML_INLINE) starting at
 * line:col of the source. */
void quire__h2m_raw(quire__h2m *h, const char *html, size_t len, uint32_t line, uint32_t col,
                    bool block);
/* Close what is open, finalize the tree; QUIRE_OK or QUIRE_ERR_NOMEM. */
int quire__h2m_finish(quire__h2m *h);
void quire__h2m_free(quire__h2m *h);

/* Tests only: the converter's own fast paths that are off (raw fragments
 * they would take go through libxml2), so that a test can compare both.
 * Set it before any document is read; 0 in the program. */
#define QUIRE__H2M_NO_FAST_INLINE (1u << 0)
#define QUIRE__H2M_NO_FAST_BLOCK (1u << 1)
/* Markdown elements looked up in the tag table by name, as raw HTML's
 * are, instead of known by their quire__h2m_tag. */
#define QUIRE__H2M_NO_FAST_MD (1u << 2)
extern unsigned quire__h2m_no_fast;

/* "YouTube", "Vimeo", or the lower-case host of an embed URL (in arena);
 * NULL when url has no host. */
const char *quire__embed_provider(quire_arena *arena, const char *url);

#endif /* QUIRE_HTML_TO_MODEL_H */
