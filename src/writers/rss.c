/*
 * rss.c — writer "rss" (not implemented yet).
 */
#include "internal.h"

static int rss_begin(quire_writer_ctx *ctx)
{
    (void)ctx;
    return QUIRE_ERR_UNSUPPORTED;
}

const quire_writer quire_writer_rss = {
    .version = QUIRE_COMPONENT_VERSION,
    .name = "rss",
    .long_name = "RSS 2.0",
    .extension = "rss.xml",
    .mime_type = "application/rss+xml",
    .flags = 0,
    .begin = rss_begin,
};
