/*
 * model.c — reader "model" (not implemented yet).
 */
#include "internal.h"

static int model_read(const quire_read_ctx *ctx, const char *data, size_t len,
                     quire_collection *into)
{
    (void)data; (void)len; (void)into;
    quire_diag_add(ctx->diags, QUIRE_SEV_ERROR, "model", ctx->path, 0, 0,
                   "the model reader is not implemented yet");
    return QUIRE_ERR_UNSUPPORTED;
}

const quire_reader quire_reader_model = {
    .version = QUIRE_COMPONENT_VERSION,
    .name = "model",
    .long_name = "quire model JSON",
    .extensions = "json",
    .read = model_read,
};
