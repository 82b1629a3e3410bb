/*
 * epub_media.c — images in the book: sniffed from their bytes (never from a
 * file name or a server's Content-Type; media.c, shared with the html
 * writer), stored once per content hash, written into the book when first
 * used (into the spool file until the end when there is no sink).
 *
 * Only EPUB core media types that every reader handles are accepted: PNG,
 * JPEG, GIF.  WebP is refused (EPUBCheck 4.2 and several readers reject it)
 * and so is SVG for now (it would need its own sanitizer: scripts, external
 * references, foreign objects); the caller turns a refused image into its alt
 * text with a warning.
 */
#include "epub_internal.h"

#include <stdlib.h>
#include <string.h>

const char *quire__epub_sniff(const unsigned char *d, size_t n)
{
    quire_media_kind k = quire__media_sniff(d, n);
    return k == QUIRE_MEDIA_PNG || k == QUIRE_MEDIA_JPEG || k == QUIRE_MEDIA_GIF
               ? quire__media_mime(k)
               : NULL;
}

static const char *epub_why_unsupported(const unsigned char *d, size_t n)
{
    switch (quire__media_sniff(d, n)) {
    case QUIRE_MEDIA_WEBP: return "WebP images are not allowed in EPUB";
    case QUIRE_MEDIA_SVG: return "SVG images are not supported yet";
    default: return n == 0 ? "the image file is empty" : "not a PNG, JPEG or GIF image";
    }
}

bool quire__epub_media_probe(const unsigned char *data, size_t len, epub_pending_media *m,
                             const char **why)
{
    memset(m, 0, sizeof *m);
    const char *type = quire__epub_sniff(data, len);
    if (!type) {
        *why = epub_why_unsupported(data, len);
        return false;
    }
    m->type = type;
    m->len = len;
    quire__media_hash(data, len, &m->h1, &m->h2);
    snprintf(m->href, sizeof m->href, "images/%016llx.%s", (unsigned long long)m->h1,
             quire__media_ext(quire__media_sniff(data, len)));
    return true;
}

/* The image's bytes into the book, stored (images are compressed already),
 * or into the spool without a sink (st->stream false). */
static int epub_media_put(epub_state *st, epub_media *m, const epub_pending_media *p)
{
    if (!st->stream)
        return quire__epub_spool(st, p->data, p->len, &m->spool_off);
    char name[64];
    snprintf(name, sizeof name, "OEBPS/%s", m->href);
    int rc = quire__epub_book_begin(st);
    if (!rc)
        rc = quire__epub_zip_add_packed(&st->zip, name, p->data, p->len, p->len, m->crc, 0);
    m->in_book = rc == QUIRE_OK;
    return rc;
}

long quire__epub_media_add_probed(epub_state *st, const epub_pending_media *p, const char **why)
{
    uint32_t idx;
    if (quire__hmap_get(&st->media_by_hash, p->h1, &idx) && st->media[idx].h2 == p->h2 &&
        st->media[idx].len == p->len)
        return (long)idx;
    if (st->n_media == st->cap_media) {
        size_t cap = st->cap_media ? st->cap_media * 2 : 16;
        epub_media *m = realloc(st->media, cap * sizeof *m);
        if (!m) {
            *why = "out of memory";
            return -1;
        }
        st->media = m;
        st->cap_media = cap;
    }
    epub_media *m = &st->media[st->n_media];
    memset(m, 0, sizeof *m);
    if (!(m->href = strdup(p->href))) {
        *why = "out of memory";
        return -1;
    }
    m->crc = quire__epub_crc32(p->data, p->len);
    if (epub_media_put(st, m, p) != QUIRE_OK) {
        free(m->href);
        *why = st->stream ? "cannot write the book" : "cannot write the temporary file";
        return -1;
    }
    m->type = p->type;
    m->h1 = p->h1;
    m->h2 = p->h2;
    m->len = p->len;
    quire__hmap_put(&st->media_by_hash, p->h1, (uint32_t)st->n_media, false);
    if (strcmp(p->type, "image/gif") == 0)
        st->n_gif++;
    return (long)st->n_media++;
}

long quire__epub_media_add(epub_state *st, const unsigned char *data, size_t len,
                           const char **why)
{
    epub_pending_media m;
    if (!quire__epub_media_probe(data, len, &m, why))
        return -1;
    m.data = (unsigned char *)(uintptr_t)data;
    return quire__epub_media_add_probed(st, &m, why);
}

long quire__epub_media_add_file(epub_state *st, const char *path, const char **why)
{
    char *data = NULL;
    size_t len = 0;
    if (quire__media_read_file(path, EPUB_MAX_IMAGE, &data, &len, why) != QUIRE_OK)
        return -1;
    long idx = quire__epub_media_add(st, (const unsigned char *)data, len, why);
    free(data);
    return idx;
}
