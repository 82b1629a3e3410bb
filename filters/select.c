/*
 * select.c — filter "select" (not implemented yet).
 */
#include "internal.h"

const quire_filter quire_filter_select = {
    .version = QUIRE_COMPONENT_VERSION,
    .name = "select",
    .description = "keep documents by tag, category, date range; drafts out (not implemented yet)",
    .scope = QUIRE_FILTER_COLLECTION,
};
