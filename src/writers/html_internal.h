/*
 * html_internal.h — helpers shared by the html writer's files.  Not
 * installed.
 */
#ifndef QUIRE_WRITERS_HTML_INTERNAL_H
#define QUIRE_WRITERS_HTML_INTERNAL_H

#include "internal.h"

#include <string.h>

/** quire__node_next for the page passes, which walk every node several
 *  times and change nodes in place (rename them) on the way. */
static inline quire_node *quire__html_next(const quire_node *root, quire_node *n)
{
    return (quire_node *)quire__node_next(root, n);
}

/** s1 s2 s3 (each may be NULL: nothing) joined in a; NULL when out of
 *  memory.  The pages build a few of these per document, link and entry,
 *  where printf's parsing would be most of the cost. */
static inline char *quire__html_cat(quire_arena *a, const char *s1, const char *s2, const char *s3)
{
    size_t n1 = s1 ? strlen(s1) : 0, n2 = s2 ? strlen(s2) : 0, n3 = s3 ? strlen(s3) : 0;
    char *r = quire_arena_alloc(a, n1 + n2 + n3 + 1);
    if (!r)
        return NULL;
    if (n1)
        memcpy(r, s1, n1);
    if (n2)
        memcpy(r + n1, s2, n2);
    if (n3)
        memcpy(r + n1 + n2, s3, n3);
    r[n1 + n2 + n3] = '\0';
    return r;
}

/** The privacy-friendly player URL of a video from a known provider
 *  (YouTube -> youtube-nocookie.com/embed/ID, Vimeo ->
 *  player.vimeo.com/video/ID?dnt=1), allocated in a; NULL for any other
 *  URL.  *provider (optional) gets "YouTube" or "Vimeo". */
const char *quire__html_video_url(quire_arena *a, const char *url, const char **provider);

/** The default sandbox of video frames (option `html: embed_sandbox:`). */
#define QUIRE__HTML_SANDBOX "allow-scripts allow-presentation allow-popups"

/** The body as the html writer renders it: a copy in scratch (for the
 *  later passes to change too; it points at body's strings, so it is used
 *  only while body lives, and nothing may write into them) where known video providers become
 *  sandboxed (`sandbox`, NULL for the default), lazy iframes on their
 *  privacy-friendly host, every other embedded frame becomes a link, and
 *  headings are renumbered to start at h2 without skipping levels.  NULL
 *  for no body or out of memory. */
quire_node *quire__html_prepare_body(quire_arena *scratch, const quire_node *body,
                                    const char *sandbox);

/** Make the body (a copy, nodes in a) valid HTML5 where the allowlisted
 *  markup breaks nesting rules (html_nest.c). */
int quire__html_fix_nesting(quire_arena *a, quire_node *body);
/** Whether quire__html_fix_nesting would leave body as it is (it asks
 *  first, and skips its passes then), and the passes themselves, run
 *  whatever the answer: for the tests, which check the one against the
 *  other. */
bool quire__html_nest_clean(const quire_node *body);
int quire__html_nest_passes(quire_arena *a, quire_node *body);

/** Write one file of the site through quire_outdir_sink() (atomic, refuses
 *  unsafe paths); an error is reported on rel. */
int quire__html_write_file(quire_writer_ctx *ctx, const char *rel, const void *data, size_t len);

/* ---- publishing a site (html_publish.c): local images copied into
 * OUTDIR/media/ once per content, links between documents resolved ----
 *
 * A page is made in two steps.  Rendering (quire__html_pub_image and
 * quire__html_pub_body, on any thread: they only read the html_pub) reads
 * its images and writes links as page-local placeholders, both recorded in
 * an html_pub_page.  Then, in collection order on the main thread,
 * quire__html_pub_commit publishes the images and
 * quire__html_pub_resolve_links fills in the links. */
typedef struct html_pub html_pub;
typedef struct html_pub_page html_pub_page;

html_pub *quire__html_pub_new(quire_writer_ctx *ctx);
void quire__html_pub_free(html_pub *pub);
/** Make doc, published as OUTDIR/<slug>/, a target of links.  Call before
 *  its page is committed, so that links to itself resolve. */
int quire__html_pub_register(html_pub *pub, const quire_document *doc, const char *slug);

/** What rendering one page took from the site.  names: NULL, or an earlier
 *  try at the same page that commit asked to redo (its images then get the
 *  names that commit gave them).  NULL when out of memory. */
html_pub_page *quire__html_pub_page_new(const html_pub_page *names);
void quire__html_pub_page_free(html_pub_page *pg);
/** The page's warnings (missing images), for the writer to pass on when
 *  the page is committed: so they come out in collection order. */
quire_diag_list *quire__html_pub_page_diags(html_pub_page *pg);

/** Rewrite a copy of doc's body (nodes in a) for its page at root ("../"),
 *  published as OUTDIR/<slug>/: local images read and their src and srcset
 *  pointed at the copies-to-be (a missing one becomes its alt text, with a
 *  warning in pg); links that may point at documents written as
 *  placeholders of pg. */
int quire__html_pub_body(const html_pub *pub, html_pub_page *pg, quire_arena *a,
                         const quire_document *doc, const char *slug, quire_node *body,
                         const char *root);
/** The featured image doc->image.src: for a local file, its published path
 *  relative to the site root ("media/<hash>.png") with *local set; a URL
 *  as it is; NULL when it is missing (with a warning in pg) or empty. */
const char *quire__html_pub_image(const html_pub *pub, html_pub_page *pg, quire_arena *a,
                                  const quire_document *doc, bool *local);
/** Publish the page's images (main thread, in order; each content is
 *  written once).  *redo: an image did not get the name the page was
 *  rendered with (another image's bytes hold it, or it could not be
 *  written): render the page again with quire__html_pub_page_new(pg). */
int quire__html_pub_commit(html_pub *pub, html_pub_page *pg, bool *redo);
/** Whether the rendered page holds placeholders of pg. */
bool quire__html_pub_has_links(const html_pub_page *pg);
/** Copy the rendered page to out with pg's placeholders resolved: links to
 *  documents seen by now point at their pages; the others become
 *  site-wide placeholders and set *deferred (the page must then go through
 *  quire__html_pub_defer). */
int quire__html_pub_resolve_links(html_pub *pub, const html_pub_page *pg, const char *page,
                                  size_t len, quire_buf *out, bool *deferred);
/** Keep a page with placeholders until every document was seen. */
int quire__html_pub_defer(html_pub *pub, const char *rel, const char *data, size_t len);
/** Write the kept pages with their placeholders resolved. */
int quire__html_pub_finish(html_pub *pub);

/** s as a JSON string, quotes included, for the JSON-LD inside a page's
 *  <script>: " \ and controls escaped, and < > & as \u00XX so nothing
 *  in it can end the script. */
void quire__html_json_quoted(quire_buf *b, const char *s);

/** Whether u's origin is origin (quire__url_origin's "scheme://host/",
 *  lower-cased), compared in place: the same as
 *  strcmp(quire__url_origin(a, u), origin) == 0 without making the origin,
 *  which every absolute link of every page asked for.  u starts with
 *  origin's scheme://host in any case, and its host ends there. */
bool quire__html_is_origin(const char *origin, const char *u);

#endif
