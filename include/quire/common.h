/*
 * quire/common.h — status codes, export macro and diagnostics shared by the
 * whole public API.
 *
 * Ownership: nothing in this header allocates, except quire_diag_list, whose
 * entries are owned by the list and released by quire_diag_list_free().
 */
#ifndef QUIRE_COMMON_H
#define QUIRE_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(QUIRE_BUILDING_LIBRARY) && defined(__GNUC__)
#define QUIRE_API __attribute__((visibility("default")))
#else
#define QUIRE_API
#endif

#define QUIRE_VERSION_STRING "0.1.0"

/** One status enum for the whole library (SQLite/curl style). */
typedef enum quire_status {
    QUIRE_OK = 0,
    QUIRE_ERR_NOMEM = -1,       /* out of memory */
    QUIRE_ERR_IO = -2,          /* a read or write failed; errno tells more */
    QUIRE_ERR_PARSE = -3,       /* input is not what its format requires */
    QUIRE_ERR_NOTFOUND = -4,    /* no such component, file or key */
    QUIRE_ERR_UNSUPPORTED = -5, /* the component cannot do this */
    QUIRE_ERR_USAGE = -6,       /* bad option or argument */
    QUIRE_ERR_LIMIT = -7,       /* a configured size/depth/count limit was hit */
    QUIRE_ERR_UNSAFE = -8,      /* a path would leave the output directory */
    QUIRE_ERR_EXISTS = -9,      /* a file is in the way that quire did not write */
    QUIRE_ERR_BUSY = -10        /* another build holds the output folder */
} quire_status;

/** A static English string for a status. Never NULL. */
QUIRE_API const char *quire_strerror(int status);

typedef enum quire_severity {
    QUIRE_SEV_NOTE = 0,
    QUIRE_SEV_WARNING = 1,
    QUIRE_SEV_ERROR = 2
} quire_severity;

/**
 * A diagnostic: where (file, 1-based line and column; 0 when unknown), who
 * (component name, static string) and what.  Printed by the CLI as
 * `file:line:col: error: message`.
 */
typedef struct quire_diag {
    quire_severity severity;
    const char *component; /* static, e.g. "markdown" */
    char *file;            /* owned by the diag list */
    uint32_t line, column;
    char *message;         /* owned by the diag list */
} quire_diag;

/**
 * A growable list of diagnostics.  Thread-safe appends are NOT provided: give
 * each worker its own list and merge with quire_diag_list_move().
 */
typedef struct quire_diag_list {
    quire_diag *items;
    size_t count, cap;
    size_t errors, warnings;
} quire_diag_list;

QUIRE_API void quire_diag_list_init(quire_diag_list *list);
QUIRE_API void quire_diag_list_free(quire_diag_list *list);
/** Append a formatted diagnostic; copies file and message. */
QUIRE_API void quire_diag_add(quire_diag_list *list, quire_severity sev,
                              const char *component, const char *file,
                              uint32_t line, uint32_t column,
                              const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 7, 8)))
#endif
    ;
/** Move every entry of src to the end of dst; src is left empty. */
QUIRE_API void quire_diag_list_move(quire_diag_list *dst, quire_diag_list *src);
/** Format one diagnostic as `file:line:col: severity: [component] message`. */
QUIRE_API const char *quire_severity_name(quire_severity sev);

#ifdef __cplusplus
}
#endif
#endif /* QUIRE_COMMON_H */
