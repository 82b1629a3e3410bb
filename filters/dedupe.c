/*
 * dedupe.c — filter "dedupe" (not implemented yet).
 */
#include "internal.h"

const quire_filter quire_filter_dedupe = {
    .version = QUIRE_COMPONENT_VERSION,
    .name = "dedupe",
    .description = "keep one document per id or URL (not implemented yet)",
    .scope = QUIRE_FILTER_COLLECTION,
};
