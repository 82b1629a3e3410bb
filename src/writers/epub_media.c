/*
 * epub_media.c — images in the book: sniffed from their bytes (never from a
 * file name or a server's Content-Type), stored once per content hash, kept in
 * the spool file until the zip is written.
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
    if (n >= 8 && memcmp(d, "\x89PNG\r\n\x1a\n", 8) == 0)
        return "image/png";
    if (n >= 3 && d[0] == 0xFF && d[1] == 0xD8 && d[2] == 0xFF)
        return "image/jpeg";
    if (n >= 6 && (memcmp(d, "GIF87a", 6) == 0 || memcmp(d, "GIF89a", 6) == 0))
        return "image/gif";
    return NULL;
}

static const char *epub_why_unsupported(const unsigned char *d, size_t n)
{
    if (n >= 12 && memcmp(d, "RIFF", 4) == 0 && memcmp(d + 8, "WEBP", 4) == 0)
        return "WebP images are not allowed in EPUB";
    /* skip leading white space and a BOM to spot SVG */
    size_t i = 0;
    if (n >= 3 && memcmp(d, "\xEF\xBB\xBF", 3) == 0)
        i = 3;
    while (i < n && (d[i] == ' ' || d[i] == '\n' || d[i] == '\r' || d[i] == '\t'))
        i++;
    if (i < n && d[i] == '<')
        return "SVG images are not supported yet";
    if (n == 0)
        return "the image file is empty";
    return "not a PNG, JPEG or GIF image";
}

static const char *epub_ext(const char *type)
{
    if (strcmp(type, "image/png") == 0)
        return "png";
    if (strcmp(type, "image/jpeg") == 0)
        return "jpg";
    return "gif";
}

long quire__epub_media_add(epub_state *st, const unsigned char *data, size_t len,
                           const char **why)
{
    const char *type = quire__epub_sniff(data, len);
    if (!type) {
        *why = epub_why_unsupported(data, len);
        return -1;
    }
    /* Two FNV-1a passes with different seeds: 128 bits of content identity. */
    uint64_t h1 = quire__fnv1a64(data, len, 0xcbf29ce484222325ull);
    uint64_t h2 = quire__fnv1a64(data, len, 0x84222325cbf29ce4ull);
    uint32_t idx;
    if (quire__epub_map_get(&st->media_by_hash, h1, &idx) && st->media[idx].h2 == h2 &&
        st->media[idx].len == len)
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
    char name[64];
    snprintf(name, sizeof name, "images/%016llx.%s", (unsigned long long)h1, epub_ext(type));
    if (!(m->href = strdup(name)) || quire__epub_spool(st, data, len, &m->spool_off)) {
        free(m->href);
        *why = "cannot write the temporary file";
        return -1;
    }
    m->type = type;
    m->h1 = h1;
    m->h2 = h2;
    m->len = len;
    m->crc = quire__epub_crc32(data, len);
    quire__epub_map_put(&st->media_by_hash, h1, (uint32_t)st->n_media, false);
    if (strcmp(type, "image/gif") == 0)
        st->n_gif++;
    return (long)st->n_media++;
}

long quire__epub_media_add_file(epub_state *st, const char *path, const char **why)
{
    char *data = NULL;
    size_t len = 0;
    int rc = quire_read_file(path, EPUB_MAX_IMAGE, &data, &len);
    if (rc == QUIRE_ERR_LIMIT) {
        *why = "the image is larger than 16 MiB";
        return -1;
    }
    if (rc != QUIRE_OK) {
        *why = "the image file cannot be read";
        return -1;
    }
    long idx = quire__epub_media_add(st, (const unsigned char *)data, len, why);
    free(data);
    return idx;
}
