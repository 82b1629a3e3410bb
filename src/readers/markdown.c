/*
 * markdown.c — reader "markdown" (not implemented yet).
 */
#include "internal.h"

static int markdown_read(const quire_read_ctx *ctx, const char *data, size_t len,
                     quire_collection *into)
{
    (void)data; (void)len; (void)into;
    quire_diag_add(ctx->diags, QUIRE_SEV_ERROR, "markdown", ctx->path, 0, 0,
                   "the markdown reader is not implemented yet");
    return QUIRE_ERR_UNSUPPORTED;
}

const quire_reader quire_reader_markdown = {
    .version = QUIRE_COMPONENT_VERSION,
    .name = "markdown",
    .long_name = "Markdown with YAML front matter (GFM)",
    .extensions = "md,markdown,txt",
    .read = markdown_read,
};
