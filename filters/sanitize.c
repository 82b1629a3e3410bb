/*
 * sanitize.c — filter "sanitize" (not implemented yet).
 */
#include "internal.h"

const quire_filter quire_filter_sanitize = {
    .version = QUIRE_COMPONENT_VERSION,
    .name = "sanitize",
    .description = "allowlist of elements and attributes; no script, handlers or javascript: URLs (not implemented yet)",
    .scope = QUIRE_FILTER_DOCUMENT,
};
