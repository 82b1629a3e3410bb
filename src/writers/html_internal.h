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

/** The body as the html writer renders it: when it needs changes, a copy
 *  in scratch where known video providers become sandboxed (`sandbox`, NULL
 *  for the default), lazy iframes on their privacy-friendly host, every
 *  other embedded frame becomes a link, and headings are renumbered to
 *  start at h2 without skipping levels; otherwise body itself. */
const quire_node *quire__html_prepare_body(quire_arena *scratch, const quire_node *body,
                                          const char *sandbox);

#endif
