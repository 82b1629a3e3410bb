/*
 * model.c — writer "model" (not implemented yet).
 */
#include "internal.h"

static int model_begin(quire_writer_ctx *ctx)
{
    (void)ctx;
    return QUIRE_ERR_UNSUPPORTED;
}

const quire_writer quire_writer_model = {
    .version = QUIRE_COMPONENT_VERSION,
    .name = "model",
    .long_name = "quire model JSON (lossless)",
    .extension = "model.json",
    .mime_type = "application/json",
    .flags = 0,
    .begin = model_begin,
};
