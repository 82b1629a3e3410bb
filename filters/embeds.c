/*
 * embeds.c — filter "embeds" (not implemented yet).
 */
#include "internal.h"

const quire_filter quire_filter_embeds = {
    .version = QUIRE_COMPONENT_VERSION,
    .name = "embeds",
    .description = "iframes and videos become a safe figure with a link (not implemented yet)",
    .scope = QUIRE_FILTER_DOCUMENT,
};
