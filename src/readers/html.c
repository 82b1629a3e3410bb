/*
 * html.c — reader "html" (not implemented yet).
 */
#include "internal.h"

static int html_read(const quire_read_ctx *ctx, const char *data, size_t len,
                     quire_collection *into)
{
    (void)data; (void)len; (void)into;
    quire_diag_add(ctx->diags, QUIRE_SEV_ERROR, "html", ctx->path, 0, 0,
                   "the html reader is not implemented yet");
    return QUIRE_ERR_UNSUPPORTED;
}

const quire_reader quire_reader_html = {
    .version = QUIRE_COMPONENT_VERSION,
    .name = "html",
    .long_name = "HTML page",
    .extensions = "html,htm,xhtml",
    .read = html_read,
};
