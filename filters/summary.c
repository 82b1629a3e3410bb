/*
 * summary.c — filter "summary" (not implemented yet).
 */
#include "internal.h"

const quire_filter quire_filter_summary = {
    .version = QUIRE_COMPONENT_VERSION,
    .name = "summary",
    .description = "fill a missing summary from <!--more--> or the first paragraph (not implemented yet)",
    .scope = QUIRE_FILTER_DOCUMENT,
};
