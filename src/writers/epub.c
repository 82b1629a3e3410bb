/*
 * epub.c — writer "epub" (not implemented yet).
 */
#include "internal.h"

static int epub_begin(quire_writer_ctx *ctx)
{
    (void)ctx;
    return QUIRE_ERR_UNSUPPORTED;
}

const quire_writer quire_writer_epub = {
    .version = QUIRE_COMPONENT_VERSION,
    .name = "epub",
    .long_name = "EPUB 3",
    .extension = "book.epub",
    .mime_type = "application/epub+zip",
    .flags = QUIRE_WRITER_BINARY,
    .begin = epub_begin,
};
