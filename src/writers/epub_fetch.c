/*
 * epub_fetch.c — `--fetch-remote`: download remote images into a cache so
 * that they can go into the book (libcurl; compiled only with -Dfetch).
 *
 * Safety: http and https only (redirects too, at most 5), connect timeout
 * 10 s, whole transfer 30 s, stall detection, a 16 MiB size limit enforced
 * while receiving (not only from Content-Length), and the type read from the
 * bytes: a server's Content-Type is not trusted.  Cached files are named by a
 * hash of the URL and written whole (temp file + rename), so a second build
 * reads the same bytes and gives the same book without the network.
 *
 * libcurl is opened with dlopen() on the first download, not linked: it
 * pulls in some thirty libraries (TLS, Kerberos, LDAP, ...) whose loading
 * cost every run about 4 ms of start-up, a tenth of a 100-document build,
 * for a feature most builds never use.  The headers still come from libcurl
 * at build time, so the option constants are checked by the compiler.
 */
#include "epub_internal.h"

#ifdef QUIRE_HAVE_CURL

#include <curl/curl.h>
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct epub_fetch_buf {
    unsigned char *data;
    size_t len, cap;
    bool too_big;
} epub_fetch_buf;

static size_t epub_fetch_write(char *ptr, size_t size, size_t nmemb, void *ud)
{
    epub_fetch_buf *b = ud;
    size_t n = size * nmemb;
    if (b->len + n > EPUB_MAX_IMAGE) {
        b->too_big = true;
        return 0; /* aborts the transfer */
    }
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap : 65536;
        while (cap < b->len + n)
            cap *= 2;
        unsigned char *d = realloc(b->data, cap);
        if (!d)
            return 0;
        b->data = d;
        b->cap = cap;
    }
    memcpy(b->data + b->len, ptr, n);
    b->len += n;
    return n;
}

/* The four libcurl calls we make, found at run time. */
typedef struct curl_api {
    CURL *(*easy_init)(void);
    CURLcode (*easy_setopt)(CURL *, CURLoption, ...);
    CURLcode (*easy_perform)(CURL *);
    void (*easy_cleanup)(CURL *);
    bool ok;
} curl_api;

static curl_api curlapi;
static pthread_once_t curl_once = PTHREAD_ONCE_INIT;

static void curl_api_load(void)
{
    void *h = dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL);
    if (!h)
        h = dlopen("libcurl.so", RTLD_NOW | RTLD_LOCAL);
    if (!h)
        return;
    /* POSIX's way to turn dlsym's void * into a function pointer. */
    *(void **)&curlapi.easy_init = dlsym(h, "curl_easy_init");
    *(void **)&curlapi.easy_setopt = dlsym(h, "curl_easy_setopt");
    *(void **)&curlapi.easy_perform = dlsym(h, "curl_easy_perform");
    *(void **)&curlapi.easy_cleanup = dlsym(h, "curl_easy_cleanup");
    curlapi.ok = curlapi.easy_init && curlapi.easy_setopt && curlapi.easy_perform && curlapi.easy_cleanup;
    /* h stays open: the functions are used until the process ends. */
}

/* mkdir -p */
static int epub_mkdirs(const char *path)
{
    char *p = strdup(path);
    if (!p)
        return -1;
    for (char *s = p + 1; *s; s++) {
        if (*s != '/')
            continue;
        *s = '\0';
        if (mkdir(p, 0755) != 0 && errno != EEXIST) {
            free(p);
            return -1;
        }
        *s = '/';
    }
    int rc = (mkdir(p, 0755) == 0 || errno == EEXIST) ? 0 : -1;
    free(p);
    return rc;
}

static void epub_cache_store(const char *dir, const char *file, const unsigned char *data,
                             size_t len)
{
    if (epub_mkdirs(dir) != 0)
        return;
    size_t n = strlen(file) + 16;
    char *tmp = malloc(n);
    if (!tmp)
        return;
    snprintf(tmp, n, "%s.%ld.tmp", file, (long)getpid());
    FILE *f = fopen(tmp, "wb");
    bool ok = f && fwrite(data, 1, len, f) == len;
    if (f && fclose(f) != 0)
        ok = false;
    if (!ok || rename(tmp, file) != 0)
        remove(tmp);
    free(tmp);
}

int quire__epub_fetch(const char *cache_dir, const char *url, unsigned char **data_out,
                      size_t *len_out, const char **why)
{
    *data_out = NULL;
    *len_out = 0;
    if (strncasecmp(url, "http://", 7) != 0 && strncasecmp(url, "https://", 8) != 0) {
        *why = "only http and https can be fetched";
        return QUIRE_ERR_UNSUPPORTED;
    }
    quire_buf path;
    quire__buf_init(&path);
    quire__buf_printf(&path, "%s/%016llx%016llx", cache_dir ? cache_dir : ".",
                      (unsigned long long)quire__hash_str(url, 21),
                      (unsigned long long)quire__hash_str(url, 22));
    const char *file = quire__buf_cstr(&path);

    char *cached = NULL;
    size_t clen = 0;
    if (quire_read_file(file, EPUB_MAX_IMAGE, &cached, &clen) == QUIRE_OK &&
        quire__epub_sniff((unsigned char *)cached, clen)) {
        *data_out = (unsigned char *)cached;
        *len_out = clen;
        quire__buf_free(&path);
        return QUIRE_OK;
    }
    free(cached);

    pthread_once(&curl_once, curl_api_load);
    CURL *c = curlapi.ok ? curlapi.easy_init() : NULL;
    if (!c) {
        quire__buf_free(&path);
        *why = curlapi.ok ? "libcurl could not start" : "libcurl (libcurl4) is not installed";
        return curlapi.ok ? QUIRE_ERR_NOMEM : QUIRE_ERR_UNSUPPORTED;
    }
    epub_fetch_buf b = {0};
    char err[CURL_ERROR_SIZE] = "";
    curlapi.easy_setopt(c, CURLOPT_URL, url);
#if LIBCURL_VERSION_NUM >= 0x075500
    curlapi.easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curlapi.easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
#else
    curlapi.easy_setopt(c, CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
    curlapi.easy_setopt(c, CURLOPT_REDIR_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
    curlapi.easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
    curlapi.easy_setopt(c, CURLOPT_MAXREDIRS, 5L);
    curlapi.easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 10L);
    curlapi.easy_setopt(c, CURLOPT_TIMEOUT, 30L);
    curlapi.easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 512L);
    curlapi.easy_setopt(c, CURLOPT_LOW_SPEED_TIME, 10L);
    curlapi.easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)EPUB_MAX_IMAGE);
    curlapi.easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curlapi.easy_setopt(c, CURLOPT_FAILONERROR, 1L);
    curlapi.easy_setopt(c, CURLOPT_USERAGENT, "quire/" QUIRE_VERSION_STRING);
    curlapi.easy_setopt(c, CURLOPT_ERRORBUFFER, err);
    curlapi.easy_setopt(c, CURLOPT_WRITEFUNCTION, epub_fetch_write);
    curlapi.easy_setopt(c, CURLOPT_WRITEDATA, &b);
    CURLcode cr = curlapi.easy_perform(c);
    curlapi.easy_cleanup(c);

    int rc = QUIRE_OK;
    if (b.too_big || cr == CURLE_FILESIZE_EXCEEDED) {
        *why = "the download is larger than 16 MiB";
        rc = QUIRE_ERR_LIMIT;
    } else if (cr == CURLE_OPERATION_TIMEDOUT) {
        *why = "the download timed out";
        rc = QUIRE_ERR_IO;
    } else if (cr != CURLE_OK) {
        *why = cr == CURLE_HTTP_RETURNED_ERROR ? "the server answered with an error"
                                               : "the download failed";
        rc = QUIRE_ERR_IO;
    } else if (!quire__epub_sniff(b.data, b.len)) {
        *why = "the download is not a PNG, JPEG or GIF image";
        rc = QUIRE_ERR_PARSE;
    }
    if (rc == QUIRE_OK) {
        epub_cache_store(cache_dir, file, b.data, b.len);
        *data_out = b.data;
        *len_out = b.len;
    } else {
        free(b.data);
    }
    quire__buf_free(&path);
    return rc;
}

#else
/* Built without libcurl: --fetch-remote reports that it is unavailable (epub.c). */
typedef int epub_fetch_unavailable;
#endif
