/*
 * atom.c — writer "atom" (not implemented yet).
 */
#include "internal.h"

static int atom_begin(quire_writer_ctx *ctx)
{
    (void)ctx;
    return QUIRE_ERR_UNSUPPORTED;
}

const quire_writer quire_writer_atom = {
    .version = QUIRE_COMPONENT_VERSION,
    .name = "atom",
    .long_name = "Atom 1.0 (RFC 4287)",
    .extension = "atom.xml",
    .mime_type = "application/atom+xml",
    .flags = 0,
    .begin = atom_begin,
};
