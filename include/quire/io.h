/*
 * quire/io.h — where output goes.
 *
 * A quire_sink is a byte stream that is either committed whole or discarded:
 * file sinks write to a temporary file in the destination's own folder and
 * rename it into place on quire_sink_commit(), so a reader of the output
 * never sees a half-written file.  A quire_outdir hands out file sinks for
 * paths relative to one output folder and refuses any path that would leave
 * it ("..", absolute paths, backslashes, NUL, symlinks pointing out).
 *
 * The output folder keeps a manifest, OUTDIR/.quire-manifest, of every file
 * quire wrote there.  quire replaces only files listed in it: any other file
 * in the way is left alone and the sink fails with QUIRE_ERR_EXISTS.  quire
 * never deletes a file, except its own stale temporaries (".NAME.XXXXXX" of
 * a listed NAME, left by a killed build), which quire_outdir_open removes.
 *
 * Ownership: a sink from quire_sink_* is the caller's; quire_sink_commit()
 * and quire_sink_abort() both free it.  quire_outdir_free() frees the outdir
 * (sinks it handed out stay the caller's).
 */
#ifndef QUIRE_IO_H
#define QUIRE_IO_H

#include "common.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct quire_sink quire_sink;

/** A sink that writes path atomically (temp file + rename on commit). */
QUIRE_API int quire_sink_open_file(quire_sink **out, const char *path);
/** A sink on standard output (commit flushes; abort cannot take bytes back). */
QUIRE_API int quire_sink_open_stdout(quire_sink **out);
/** A sink that collects bytes in memory (see quire_sink_data). */
QUIRE_API int quire_sink_open_memory(quire_sink **out);

QUIRE_API int quire_sink_write(quire_sink *s, const void *data, size_t len);
QUIRE_API int quire_sink_puts(quire_sink *s, const char *str);
QUIRE_API int quire_sink_printf(quire_sink *s, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
/** Bytes written so far. */
QUIRE_API size_t quire_sink_size(const quire_sink *s);
/** Memory sinks only: the bytes so far (borrowed, valid until commit/abort). */
QUIRE_API const char *quire_sink_data(const quire_sink *s, size_t *len);
/** Final path of a file sink, NULL for stdout/memory (borrowed). */
QUIRE_API const char *quire_sink_path(const quire_sink *s);
/** Finish: flush, rename into place (no fsync: see io.c).  Frees the sink.  A memory sink's
 *  bytes are handed to *data_out (malloc'd, caller frees) when not NULL. */
QUIRE_API int quire_sink_commit(quire_sink *s);
QUIRE_API int quire_sink_commit_memory(quire_sink *s, char **data_out, size_t *len_out);
/** Discard: remove the temporary file.  Frees the sink.  NULL is a no-op. */
QUIRE_API void quire_sink_abort(quire_sink *s);

typedef struct quire_outdir quire_outdir;

/** Open (create, with parents) an output folder: read and compact its
 *  manifest, remove stale temporaries, and lock it (QUIRE_ERR_BUSY when
 *  another build holds it; QUIRE_ERR_UNSAFE when the manifest is a symlink). */
QUIRE_API int quire_outdir_open(quire_outdir **out, const char *path);
/** Flush everything written so far to disk (one syncfs on Linux), for
 *  durability against a power cut; rename() already makes each file appear
 *  whole or not at all.  QUIRE_ERR_IO when the flush fails. */
QUIRE_API int quire_outdir_sync(quire_outdir *d);
/** Frees d, after its thread (quire_outdir_background) has written what it
 *  was given; failures not flushed by then are not reported. */
QUIRE_API void quire_outdir_free(quire_outdir *d);
/** From now on, d's sinks do their file system work (make the temporary,
 *  write, close, rename) on a thread of d's own, in order, while the
 *  caller goes on: a sink's writes copy the bytes, and its commit returns
 *  QUIRE_OK once they are taken.  What fails there is reported by
 *  quire_outdir_flush.  Call before d hands out any sink. */
QUIRE_API int quire_outdir_background(quire_outdir *d);
/** Called for each file the folder's thread could not write (relpath NULL:
 *  a failure that could not be recorded, for lack of memory). */
typedef void (*quire_outdir_report_fn)(void *arg, const char *relpath, int rc);
/** Waits until d's thread has written every committed sink, then reports
 *  each failure since the last flush through report (may be NULL), sorted
 *  by path.  Returns the number of failures.  Without a thread: 0. */
QUIRE_API size_t quire_outdir_flush(quire_outdir *d, quire_outdir_report_fn report, void *arg);
QUIRE_API const char *quire_outdir_path(const quire_outdir *d);
/** True when relpath is listed in the folder's manifest (quire wrote it, or
 *  this build has claimed it). */
QUIRE_API bool quire_outdir_owns(const quire_outdir *d, const char *relpath);
/** True when relpath is a safe relative path: no empty, "." or ".."
 *  segment, not absolute, no backslash or control character. */
QUIRE_API bool quire_path_is_safe(const char *relpath);
/** A file sink for d/relpath, creating folders as needed.  Fails with
 *  QUIRE_ERR_UNSAFE when relpath is not safe, names a hidden file, or
 *  something on the way (or the file itself) is a symlink; with
 *  QUIRE_ERR_EXISTS when a file quire did not write is at relpath.  relpath
 *  is added to the manifest before the temporary file is created. */
QUIRE_API int quire_outdir_sink(quire_outdir *d, const char *relpath, quire_sink **out);

/** Read a whole file (or "-" for stdin) into a malloc'd, NUL-terminated
 *  buffer.  max_size 0 means no limit; over it: QUIRE_ERR_LIMIT. */
QUIRE_API int quire_read_file(const char *path, size_t max_size, char **data_out, size_t *len_out);

#ifdef __cplusplus
}
#endif
#endif /* QUIRE_IO_H */
