/* buf_match.h — for the escaper tests that compare quire's output with a
 * reference implementation's: one comparison that prints both sides on a
 * mismatch and frees both buffers. */
#ifndef QUIRE_TEST_BUF_MATCH_H
#define QUIRE_TEST_BUF_MATCH_H
#include "internal.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

/* got equals want; what names the escaper in the message.  Frees both. */
static inline bool bufs_match(quire_buf *got, quire_buf *want, const char *what)
{
    bool ok = strcmp(quire__buf_cstr(got), quire__buf_cstr(want)) == 0;
    if (!ok)
        fprintf(stderr, "%s mismatch:\n got %s\nwant %s\n", what, quire__buf_cstr(got),
                quire__buf_cstr(want));
    quire__buf_free(got);
    quire__buf_free(want);
    return ok;
}

#endif
