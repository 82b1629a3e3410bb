/*
 * media.h — local images for the writers that publish them (epub, html):
 * where an image's file is, whether it may be read, and what it is by its
 * bytes.  Not installed.  Each writer decides which kinds it accepts and
 * where the copy goes (the book's zip, OUTDIR/media/).
 */
#ifndef QUIRE_WRITERS_MEDIA_H
#define QUIRE_WRITERS_MEDIA_H

#include "internal.h"

/* Largest local (or fetched) image a writer copies. */
#define QUIRE_MEDIA_MAX (16u * 1024 * 1024)

typedef enum quire_media_kind {
    QUIRE_MEDIA_UNKNOWN = 0,
    QUIRE_MEDIA_PNG,
    QUIRE_MEDIA_JPEG,
    QUIRE_MEDIA_GIF,
    QUIRE_MEDIA_WEBP,
    QUIRE_MEDIA_SVG,   /* anything starting with '<' (after a BOM and blanks) */
} quire_media_kind;

/** What the bytes are, by their magic numbers; never by a name. */
quire_media_kind quire__media_sniff(const unsigned char *data, size_t len);
/** "image/png"...; NULL for QUIRE_MEDIA_UNKNOWN. */
const char *quire__media_mime(quire_media_kind kind);
/** "png", "jpg", "gif", "webp", "svg"; NULL for QUIRE_MEDIA_UNKNOWN. */
const char *quire__media_ext(quire_media_kind kind);
/** True only for an SVG that cannot run script or load anything: see the
 *  allowlist in media.c.  Anything unsure is false. */
bool quire__media_svg_is_safe(const unsigned char *data, size_t len);
/** Content identity: two FNV-1a passes with different seeds, 128 bits. */
void quire__media_hash(const void *data, size_t len, uint64_t *h1, uint64_t *h2);

/** u without leading and trailing blanks and without tabs and newlines
 *  (browsers drop them from URLs); in a.  NULL for NULL. */
char *quire__url_trim(quire_arena *a, const char *u);

/** Read a file of at most max bytes into *data (malloc'd).  On failure
 *  *why is a static message: "the image file cannot be read", "the image is
 *  larger than 16 MiB".  No containment check: for paths from quire.yaml. */
int quire__media_read_file(const char *path, size_t max, char **data, size_t *len,
                           const char **why);

/**
 * Read the local image a relative src names (scheme-less; the caller
 * handles URLs): the path part (before '?' or '#'), percent-decoded,
 * relative to doc_dir ("" for the current folder), then under site_dir
 * (NULL when the site has no folder); "/x" is relative to site_dir (else
 * doc_dir).  Only a regular file whose real path (symlinks resolved) lies
 * under doc_dir or site_dir is read: "../../etc/passwd" is refused with
 * QUIRE_ERR_UNSAFE.  *path_out (in a) is the path tried first, for
 * messages; on failure *why is a static message.
 */
int quire__media_read_local(quire_arena *a, const char *src, const char *doc_dir,
                            const char *site_dir, size_t max, char **data, size_t *len,
                            const char **path_out, const char **why);

#endif
