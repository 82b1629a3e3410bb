/*
 * limit.c — filter "limit" (not implemented yet).
 */
#include "internal.h"

const quire_filter quire_filter_limit = {
    .version = QUIRE_COMPONENT_VERSION,
    .name = "limit",
    .description = "keep the first N documents (not implemented yet)",
    .scope = QUIRE_FILTER_COLLECTION,
};
