/*
 * epub_zip.c — a small zip writer for the EPUB container, on zlib.
 *
 * Why not libzip: libzip keeps every source until zip_close() and writes to
 * files or its own sources, so a 10,000-chapter book would either sit in
 * memory whole or need a second temporary file and a copy.  Writing the zip
 * here streams each entry once, in a fixed order, straight into the
 * quire_sink, and makes every byte of the header ours: no extra fields (PKG-005
 * on mimetype), no data descriptors, DOS date/time computed from a UTC
 * quire_date so TZ cannot change the bytes, deflate at a fixed level.
 * Each entry is compressed in memory first (sizes must precede the data when
 * data descriptors are off), so peak memory is one chapter, compressed and not.
 * Chapters are mostly compressed earlier, on the build's worker threads
 * (quire__epub_deflate from epub_xhtml.c), spooled, and only copied here.
 *
 * With libdeflate (optional) compression is whole-buffer, which is what we
 * have anyway, and about twice as fast as zlib's at the same level; the bytes
 * differ from zlib's, so a given build is deterministic, not every build
 * identical to every other.
 *
 * Tests read the result with libzip, an independent implementation.
 */
#include "epub_internal.h"

#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#ifdef QUIRE_HAVE_LIBDEFLATE
#include <libdeflate.h>
#include <pthread.h>
#endif

/* Level 1: about 3x faster than zlib's default 6 on HTML (0.45 s against
 * 1.5 s for 40 MB), for books 3.6% larger (measured on a 1,000-document
 * corpus).  Fixed, so that builds stay byte-identical. */
#define EPUB_DEFLATE_LEVEL 1

uint32_t quire__epub_crc32(const void *data, size_t len)
{
#ifdef QUIRE_HAVE_LIBDEFLATE
    return libdeflate_crc32(0, data, len);
#else
    uLong crc = crc32(0L, Z_NULL, 0);
    const Bytef *p = data;
    while (len) {
        uInt chunk = len > (1u << 30) ? (1u << 30) : (uInt)len;
        crc = crc32(crc, p, chunk);
        p += chunk;
        len -= chunk;
    }
    return (uint32_t)crc;
#endif
}

#ifdef QUIRE_HAVE_LIBDEFLATE
/* One compressor per thread, kept: making one costs about a sixth of
 * compressing a chapter.  Freed when its thread ends. */
static pthread_key_t epub_deflate_key;
static pthread_once_t epub_deflate_once = PTHREAD_ONCE_INIT;
static bool epub_deflate_key_ok;

static void epub_deflate_free(void *c)
{
    libdeflate_free_compressor(c);
}

static void epub_deflate_init(void)
{
    epub_deflate_key_ok = pthread_key_create(&epub_deflate_key, epub_deflate_free) == 0;
}

/* The thread's compressor, or a new one the caller frees (*owned) when it
 * cannot be kept. */
static struct libdeflate_compressor *epub_compressor(bool *owned)
{
    pthread_once(&epub_deflate_once, epub_deflate_init);
    *owned = false;
    struct libdeflate_compressor *c =
        epub_deflate_key_ok ? pthread_getspecific(epub_deflate_key) : NULL;
    if (c)
        return c;
    if (!(c = libdeflate_alloc_compressor(EPUB_DEFLATE_LEVEL)))
        return NULL;
    *owned = !epub_deflate_key_ok || pthread_setspecific(epub_deflate_key, c) != 0;
    return c;
}

int quire__epub_deflate(const void *data, size_t len, unsigned char **out, size_t *out_len)
{
    bool owned;
    struct libdeflate_compressor *c = epub_compressor(&owned);
    size_t bound = c ? libdeflate_deflate_compress_bound(c, len) : 0;
    unsigned char *buf = c ? malloc(bound > len ? bound : len ? len : 1) : NULL;
    size_t clen = buf && len ? libdeflate_deflate_compress(c, data, len, buf, bound) : 0;
    if (c && owned)
        libdeflate_free_compressor(c);
    if (!buf)
        return -1;
    if (clen == 0 || clen >= len) { /* incompressible: stored is smaller and just as valid */
        memcpy(buf, data, len);
        *out = buf;
        *out_len = len;
        return 0;
    }
    *out = buf;
    *out_len = clen;
    return 8;
}
#else
int quire__epub_deflate(const void *data, size_t len, unsigned char **out, size_t *out_len)
{
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    /* raw deflate (negative window bits): zip stores no zlib header */
    if (deflateInit2(&zs, EPUB_DEFLATE_LEVEL, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        return -1;
    uLong bound = deflateBound(&zs, (uLong)len);
    unsigned char *buf = malloc(bound > len ? bound : len ? len : 1);
    if (!buf) {
        deflateEnd(&zs);
        return -1;
    }
    zs.next_in = (Bytef *)(uintptr_t)data;
    zs.avail_in = (uInt)len;
    zs.next_out = buf;
    zs.avail_out = (uInt)bound;
    int zr = len ? deflate(&zs, Z_FINISH) : Z_STREAM_END;
    size_t clen = zs.total_out;
    deflateEnd(&zs);
    if (zr != Z_STREAM_END) {
        free(buf);
        return -1;
    }
    if (len == 0 || clen >= len) { /* incompressible: stored is smaller and just as valid */
        memcpy(buf, data, len);
        *out = buf;
        *out_len = len;
        return 0;
    }
    *out = buf;
    *out_len = clen;
    return 8;
}
#endif

void quire__epub_zip_init(epub_zip *z, quire_sink *out, const quire_date *when)
{
    memset(z, 0, sizeof *z);
    z->out = out;
    quire_date d = quire_date_from_epoch(when && when->set ? quire_date_epoch(when) : 0);
    if (d.year < 1980) {
        d.year = 1980; d.month = 1; d.day = 1;
        d.hour = d.minute = d.second = 0;
    }
    if (d.year > 2107)
        d.year = 2107;
    z->dos_time = (uint16_t)((d.hour << 11) | (d.minute << 5) | (d.second / 2));
    z->dos_date = (uint16_t)(((d.year - 1980) << 9) | (d.month << 5) | d.day);
}

static void epub_put16(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)(v & 0xff);
    p[1] = (unsigned char)((v >> 8) & 0xff);
}

static void epub_put32(unsigned char *p, uint32_t v)
{
    epub_put16(p, v & 0xffff);
    epub_put16(p + 2, v >> 16);
}

static int epub_zip_write(epub_zip *z, const void *data, size_t len)
{
    if (z->err)
        return z->err;
    if (z->offset + len > 0xFFFFFFF0u)
        return z->err = QUIRE_ERR_LIMIT;
    int rc = quire_sink_write(z->out, data, len);
    if (rc != QUIRE_OK)
        return z->err = rc;
    z->offset += len;
    return QUIRE_OK;
}

/* Record the entry and write its local header. */
static int epub_zip_header(epub_zip *z, const char *name, uint16_t method, uint32_t crc,
                           size_t csize, size_t usize)
{
    if (z->err)
        return z->err;
    if (csize > 0xFFFFFFF0u || usize > 0xFFFFFFF0u || z->offset > 0xFFFFFFF0u)
        return z->err = QUIRE_ERR_LIMIT;
    if (z->count == z->cap) {
        size_t cap = z->cap ? z->cap * 2 : 64;
        epub_zip_entry *e = realloc(z->entries, cap * sizeof *e);
        if (!e)
            return z->err = QUIRE_ERR_NOMEM;
        z->entries = e;
        z->cap = cap;
    }
    size_t nlen = strlen(name);
    epub_zip_entry *e = &z->entries[z->count];
    if (!(e->name = strdup(name)))
        return z->err = QUIRE_ERR_NOMEM;
    z->count++;
    e->crc = crc;
    e->csize = (uint32_t)csize;
    e->usize = (uint32_t)usize;
    e->offset = (uint32_t)z->offset;
    e->method = method;

    unsigned char h[30];
    epub_put32(h, 0x04034b50);
    epub_put16(h + 4, method == 8 ? 20 : 10); /* version needed */
    epub_put16(h + 6, 0);                     /* flags: ASCII names, no descriptor */
    epub_put16(h + 8, method);
    epub_put16(h + 10, z->dos_time);
    epub_put16(h + 12, z->dos_date);
    epub_put32(h + 14, crc);
    epub_put32(h + 18, (uint32_t)csize);
    epub_put32(h + 22, (uint32_t)usize);
    epub_put16(h + 26, (uint32_t)nlen);
    epub_put16(h + 28, 0);                    /* no extra field */
    epub_zip_write(z, h, sizeof h);
    return epub_zip_write(z, name, nlen);
}

int quire__epub_zip_add(epub_zip *z, const char *name, const void *data, size_t len,
                        bool deflate_it)
{
    if (z->err)
        return z->err;
    uint32_t crc = quire__epub_crc32(data, len);
    if (!deflate_it || len == 0) {
        int rc = epub_zip_header(z, name, 0, crc, len, len);
        return rc ? rc : epub_zip_write(z, data, len);
    }
    unsigned char *out = NULL;
    size_t clen = 0;
    int method = quire__epub_deflate(data, len, &out, &clen);
    if (method < 0)
        return z->err = QUIRE_ERR_NOMEM;
    int rc = epub_zip_header(z, name, (uint16_t)method, crc, clen, len);
    if (!rc)
        rc = epub_zip_write(z, out, clen);
    free(out);
    return rc;
}

int quire__epub_zip_add_packed_file(epub_zip *z, const char *name, FILE *f, uint64_t off,
                                    size_t csize, size_t usize, uint32_t crc, uint16_t method)
{
    int rc = epub_zip_header(z, name, method, crc, csize, usize);
    if (rc)
        return rc;
    if (fseeko(f, (off_t)off, SEEK_SET) != 0)
        return z->err = QUIRE_ERR_IO;
    unsigned char buf[65536];
    size_t len = csize;
    while (len) {
        size_t n = len < sizeof buf ? len : sizeof buf;
        if (fread(buf, 1, n, f) != n)
            return z->err = QUIRE_ERR_IO;
        if ((rc = epub_zip_write(z, buf, n)))
            return rc;
        len -= n;
    }
    return QUIRE_OK;
}

int quire__epub_zip_add_stored_file(epub_zip *z, const char *name, FILE *f, uint64_t off,
                                    size_t len, uint32_t crc)
{
    return quire__epub_zip_add_packed_file(z, name, f, off, len, len, crc, 0);
}

int quire__epub_zip_finish(epub_zip *z)
{
    if (z->err)
        return z->err;
    uint64_t cd_start = z->offset;
    for (size_t i = 0; i < z->count; i++) {
        const epub_zip_entry *e = &z->entries[i];
        size_t nlen = strlen(e->name);
        unsigned char h[46];
        epub_put32(h, 0x02014b50);
        epub_put16(h + 4, e->method == 8 ? 20 : 10); /* made by: MS-DOS, 2.0 */
        epub_put16(h + 6, e->method == 8 ? 20 : 10);
        epub_put16(h + 8, 0);
        epub_put16(h + 10, e->method);
        epub_put16(h + 12, z->dos_time);
        epub_put16(h + 14, z->dos_date);
        epub_put32(h + 16, e->crc);
        epub_put32(h + 20, e->csize);
        epub_put32(h + 24, e->usize);
        epub_put16(h + 28, (uint32_t)nlen);
        epub_put16(h + 30, 0); /* extra */
        epub_put16(h + 32, 0); /* comment */
        epub_put16(h + 34, 0); /* disk */
        epub_put16(h + 36, 0); /* internal attributes */
        epub_put32(h + 38, 0); /* external attributes: nothing about the host leaks */
        epub_put32(h + 42, e->offset);
        epub_zip_write(z, h, sizeof h);
        epub_zip_write(z, e->name, nlen);
    }
    if (z->err)
        return z->err;
    if (z->count > 0xFFFF)
        return z->err = QUIRE_ERR_LIMIT;
    unsigned char eocd[22];
    epub_put32(eocd, 0x06054b50);
    epub_put16(eocd + 4, 0);
    epub_put16(eocd + 6, 0);
    epub_put16(eocd + 8, (uint32_t)z->count);
    epub_put16(eocd + 10, (uint32_t)z->count);
    epub_put32(eocd + 12, (uint32_t)(z->offset - cd_start));
    epub_put32(eocd + 16, (uint32_t)cd_start);
    epub_put16(eocd + 20, 0);
    return epub_zip_write(z, eocd, sizeof eocd);
}

void quire__epub_zip_free(epub_zip *z)
{
    for (size_t i = 0; i < z->count; i++)
        free(z->entries[i].name);
    free(z->entries);
    z->entries = NULL;
    z->count = z->cap = 0;
}
