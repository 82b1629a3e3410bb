/*
 * html_internal.h — helpers shared by the html writer's files.  Not
 * installed.
 */
#ifndef QUIRE_WRITERS_HTML_INTERNAL_H
#define QUIRE_WRITERS_HTML_INTERNAL_H

#include "internal.h"

/** The privacy-friendly player URL of a video from a known provider
 *  (YouTube -> youtube-nocookie.com/embed/ID, Vimeo ->
 *  player.vimeo.com/video/ID?dnt=1), allocated in a; NULL for any other
 *  URL.  *provider (optional) gets "YouTube" or "Vimeo". */
const char *quire__html_video_url(quire_arena *a, const char *url, const char **provider);

/** The default sandbox of video frames (option `html: embed_sandbox:`). */
#define QUIRE__HTML_SANDBOX "allow-scripts allow-presentation allow-popups"

/** The body as the html writer renders it: a copy in scratch (for the
 *  later passes to change too) where known video providers become
 *  sandboxed (`sandbox`, NULL for the default), lazy iframes on their
 *  privacy-friendly host, every other embedded frame becomes a link, and
 *  headings are renumbered to start at h2 without skipping levels.  NULL
 *  for no body or out of memory. */
quire_node *quire__html_prepare_body(quire_arena *scratch, const quire_node *body,
                                    const char *sandbox);

/** Make the body (a copy, nodes in a) valid HTML5 where the allowlisted
 *  markup breaks nesting rules (html_nest.c). */
int quire__html_fix_nesting(quire_arena *a, quire_node *body);

/** Write one file of the site through quire_outdir_sink() (atomic, refuses
 *  unsafe paths); an error is reported on rel. */
int quire__html_write_file(quire_writer_ctx *ctx, const char *rel, const void *data, size_t len);

/* ---- publishing a site (html_publish.c): local images copied into
 * OUTDIR/media/ once per content, links between documents resolved ---- */
typedef struct html_pub html_pub;

html_pub *quire__html_pub_new(quire_writer_ctx *ctx);
void quire__html_pub_free(html_pub *pub);
/** Make doc, published as OUTDIR/<slug>/, a target of links.  Call before
 *  its body is rewritten, so that links to itself resolve. */
int quire__html_pub_register(html_pub *pub, const quire_document *doc, const char *slug);
/** Rewrite a copy of doc's body (nodes in a) for the page at root ("../"):
 *  local images published and their src and srcset pointed at the copies
 *  (a missing one becomes its alt text, with a warning); links to other
 *  documents pointed at their pages, or written as placeholders when the
 *  target may come later (*deferred is set: the page must go through
 *  quire__html_pub_defer). */
int quire__html_pub_body(html_pub *pub, quire_arena *a, const quire_document *doc,
                         quire_node *body, const char *root, bool *deferred);
/** The featured image doc->image.src: for a local file, its published path
 *  relative to the site root ("media/<hash>.png") with *local set; a URL
 *  as it is; NULL when it is missing (with a warning) or empty. */
const char *quire__html_pub_image(html_pub *pub, quire_arena *a, const quire_document *doc,
                                  bool *local);
/** Keep a page with placeholders until every document was seen. */
int quire__html_pub_defer(html_pub *pub, const char *rel, const char *data, size_t len);
/** Write the kept pages with their placeholders resolved. */
int quire__html_pub_finish(html_pub *pub);

#endif
