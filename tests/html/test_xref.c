/* test_xref.c — the html and EPUB writers' link helpers (xref.c):
 * quire__url_origin, copied by hand since it is asked for every absolute
 * link of every page, must give what the printf it replaced gave, on many
 * random URLs (schemes in any case, hosts with ports and userinfo, paths,
 * queries and fragments right after the host, invalid UTF-8). */
#include "check.h"
#include "xref.h"

#include <ctype.h>
#include <strings.h>

/* The reference: quire__url_origin as it was written with printf. */
static char *origin_reference(quire_arena *a, const char *u)
{
    if (!u || !quire__url_has_scheme(u))
        return NULL;
    size_t sn = strcspn(u, ":");
    if (!(sn == 4 && strncasecmp(u, "http", 4) == 0) && !(sn == 5 && strncasecmp(u, "https", 5) == 0))
        return NULL;
    const char *p = u + sn + 1;
    if (p[0] != '/' || p[1] != '/')
        return NULL;
    p += 2;
    size_t h = strcspn(p, "/?#");
    if (h == 0)
        return NULL;
    char *o = quire_arena_printf(a, "%.*s/", (int)(p - u + h), u);
    for (char *q = o; q && *q; q++)
        *q = (char)tolower((unsigned char)*q);
    return o;
}

static bool origin_matches(quire_arena *a, const char *u)
{
    const char *want = origin_reference(a, u), *got = quire__url_origin(a, u);
    if (!want != !got || (want && strcmp(want, got) != 0)) {
        fprintf(stderr, "origin of '%s': want %s, got %s\n", u, want ? want : "NULL",
                got ? got : "NULL");
        return false;
    }
    return true;
}

int main(void)
{
    static const char *const pieces[] = {
        "http", "HTTPS", "Http", "ftp", "://", ":", "//", "/", "?", "#", "Ex.COM", "a", "Z",
        "@", ":8080", "%41", "\xc3\x89", "\xff", " ", "[::1]", ".", "-", "hTTp://", "https://"};
    const size_t np = sizeof pieces / sizeof pieces[0];
    static const char *const fixed[] = {"http://Example.ORG", "https://a/", "HTTP://A?b",
                                        "http:///x", "http:/a", "https://#f", "mailto:a@b",
                                        "http://a:80/x#y", "", "//a/b", "HTTPS://\xc3\x89x/"};
    quire_arena *a = quire_arena_new();
    CHECK(quire__url_origin(a, NULL) == NULL);
    for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++)
        CHECK(origin_matches(a, fixed[i]));
    uint32_t x = 2463534242u;
    char buf[512];
    size_t some = 0;
    for (int round = 0; round < 20000; round++) {
        /* half of them start as a web URL, so most reach the host */
        static const char *const starts[] = {"", "http://", "HTTPS://", "https:/"};
        const char *start = starts[round % 4];
        size_t n = strlen(start);
        memcpy(buf, start, n);
        check_random_text(buf + n, sizeof buf - n, &x, pieces, np);
        CHECK(origin_matches(a, buf));
        some += quire__url_origin(a, buf) != NULL;
    }
    CHECK(some > 5000); /* the comparison reached the copy often */
    quire_arena_free(a);
    return CHECK_DONE();
}
