/*
 * diag.c — status strings and the diagnostic list.
 */
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *quire_strerror(int status)
{
    switch (status) {
    case QUIRE_OK: return "success";
    case QUIRE_ERR_NOMEM: return "out of memory";
    case QUIRE_ERR_IO: return "input/output error";
    case QUIRE_ERR_PARSE: return "parse error";
    case QUIRE_ERR_NOTFOUND: return "not found";
    case QUIRE_ERR_UNSUPPORTED: return "not supported";
    case QUIRE_ERR_USAGE: return "invalid usage";
    case QUIRE_ERR_LIMIT: return "limit exceeded";
    case QUIRE_ERR_UNSAFE: return "unsafe path";
    case QUIRE_ERR_EXISTS: return "a file quire did not write is in the way (not in .quire-manifest); "
                                  "quire never overwrites it";
    case QUIRE_ERR_BUSY: return "another quire build is writing to this output folder";
    default: return status > 0 ? "some documents had errors" : "unknown error";
    }
}

const char *quire_severity_name(quire_severity sev)
{
    switch (sev) {
    case QUIRE_SEV_ERROR: return "error";
    case QUIRE_SEV_WARNING: return "warning";
    default: return "note";
    }
}

void quire_diag_list_init(quire_diag_list *l)
{
    memset(l, 0, sizeof *l);
}

void quire_diag_list_free(quire_diag_list *l)
{
    if (!l)
        return;
    for (size_t i = 0; i < l->count; i++) {
        free(l->items[i].file);
        free(l->items[i].message);
    }
    free(l->items);
    memset(l, 0, sizeof *l);
}

static bool diag_reserve(quire_diag_list *l, size_t extra)
{
    if (l->count + extra <= l->cap)
        return true;
    size_t cap = l->cap ? l->cap * 2 : 16;
    while (cap < l->count + extra)
        cap *= 2;
    quire_diag *p = realloc(l->items, cap * sizeof *p);
    if (!p)
        return false;
    l->items = p;
    l->cap = cap;
    return true;
}

void quire_diag_add(quire_diag_list *l, quire_severity sev, const char *component,
                    const char *file, uint32_t line, uint32_t column, const char *fmt, ...)
{
    if (!l || !diag_reserve(l, 1))
        return;
    va_list ap;
    va_start(ap, fmt);
    quire_buf b;
    quire__buf_init(&b);
    quire__buf_vprintf(&b, fmt, ap);
    va_end(ap);
    quire_diag *d = &l->items[l->count++];
    d->severity = sev;
    d->component = component ? component : "quire";
    d->file = file ? strdup(file) : NULL;
    d->line = line;
    d->column = column;
    d->message = quire__buf_detach(&b, NULL);
    if (sev == QUIRE_SEV_ERROR)
        l->errors++;
    else if (sev == QUIRE_SEV_WARNING)
        l->warnings++;
}

void quire_diag_list_move(quire_diag_list *dst, quire_diag_list *src)
{
    if (!src->count || !diag_reserve(dst, src->count))
        return;
    memcpy(dst->items + dst->count, src->items, src->count * sizeof *src->items);
    dst->count += src->count;
    dst->errors += src->errors;
    dst->warnings += src->warnings;
    free(src->items);
    memset(src, 0, sizeof *src);
}
