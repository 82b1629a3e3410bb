/*
 * sort.c — filter "sort" (not implemented yet).
 */
#include "internal.h"

const quire_filter quire_filter_sort = {
    .version = QUIRE_COMPONENT_VERSION,
    .name = "sort",
    .description = "order documents by date, title or path (not implemented yet)",
    .scope = QUIRE_FILTER_COLLECTION,
};
