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

/** The body as the html writer renders it: when it holds embeds, a copy in
 *  scratch where known video providers become sandboxed, lazy iframes on
 *  their privacy-friendly host and every other embedded frame becomes a
 *  link; otherwise body itself (nothing copied). */
const quire_node *quire__html_prepare_body(quire_arena *scratch, const quire_node *body);

#endif
