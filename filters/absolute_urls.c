/*
 * absolute_urls.c — filter "absolute-urls" (not implemented yet).
 */
#include "internal.h"

const quire_filter quire_filter_absolute_urls = {
    .version = QUIRE_COMPONENT_VERSION,
    .name = "absolute-urls",
    .description = "resolve relative links and images against the permalink and base_url (not implemented yet)",
    .scope = QUIRE_FILTER_DOCUMENT,
};
