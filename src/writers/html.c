/*
 * html.c — writer "html" (not implemented yet).
 */
#include "internal.h"

static int html_begin(quire_writer_ctx *ctx)
{
    (void)ctx;
    return QUIRE_ERR_UNSUPPORTED;
}

const quire_writer quire_writer_html = {
    .version = QUIRE_COMPONENT_VERSION,
    .name = "html",
    .long_name = "HTML5 site: index and one page per document",
    .extension = "index.html",
    .mime_type = "text/html",
    .flags = QUIRE_WRITER_MULTI,
    .begin = html_begin,
};
