/*
 * fix_encoding.c — filter "fix-encoding" (not implemented yet).
 */
#include "internal.h"

const quire_filter quire_filter_fix_encoding = {
    .version = QUIRE_COMPONENT_VERSION,
    .name = "fix-encoding",
    .description = "repair mojibake, replace invalid UTF-8, drop characters illegal in XML (not implemented yet)",
    .scope = QUIRE_FILTER_DOCUMENT,
};
