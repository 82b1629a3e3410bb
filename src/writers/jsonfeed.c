/*
 * jsonfeed.c — writer "jsonfeed" (not implemented yet).
 */
#include "internal.h"

static int jsonfeed_begin(quire_writer_ctx *ctx)
{
    (void)ctx;
    return QUIRE_ERR_UNSUPPORTED;
}

const quire_writer quire_writer_jsonfeed = {
    .version = QUIRE_COMPONENT_VERSION,
    .name = "jsonfeed",
    .long_name = "JSON Feed 1.1",
    .extension = "feed.json",
    .mime_type = "application/feed+json",
    .flags = 0,
    .begin = jsonfeed_begin,
};
