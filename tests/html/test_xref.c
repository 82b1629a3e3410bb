/* test_xref.c — the html and EPUB writers' link helpers (xref.c):
 * quire__url_origin, copied by hand since it is asked for every absolute
 * link of every page, must give what the printf it replaced gave, on many
 * random URLs (schemes in any case, hosts with ports and userinfo, paths,
 * queries and fragments right after the host, invalid UTF-8).  And
 * quire__html_is_origin, which compares in place, must say what comparing
 * quire__url_origin's result said. */
#include "check.h"
#include "html_internal.h"
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

/* quire__html_is_origin against the origin made and compared. */
static bool is_origin_matches(quire_arena *a, const char *origin, const char *u)
{
    const char *o = quire__url_origin(a, u);
    bool want = o && strcmp(o, origin) == 0, got = quire__html_is_origin(origin, u);
    if (want != got)
        fprintf(stderr, "is '%s' of origin %s: want %d, got %d\n", u, origin, want, got);
    return want == got;
}

static void test_is_origin(quire_arena *a)
{
    static const char *const origins[] = {"https://bench.example.org/", "http://a/",
                                          "https://ex.com:8080/", "https://quire.invalid/",
                                          "https://u@h/", "https://zaz.example/"};
    static const char *const tails[] = {"", "/", "?", "#", "/x", ":", ":443", ".", "a", "@",
                                        "\xc3\x89", "\xff", "%41", "//", " "};
    CHECK(!quire__html_is_origin("https://a/", NULL));
    CHECK(!quire__html_is_origin(NULL, "https://a/"));
    uint32_t x = 88172645u;
    size_t yes = 0;
    char buf[512];
    for (size_t k = 0; k < sizeof origins / sizeof origins[0]; k++) {
        const char *o = origins[k];
        size_t on = strlen(o);
        for (int round = 0; round < 4000; round++) {
            /* the origin without its '/', cut short or in mixed case,
             * then something random: at the host's end or not */
            x ^= x << 13, x ^= x >> 17, x ^= x << 5;
            size_t keep = round % 3 ? on - 1 : x % on;
            for (size_t i = 0; i < keep; i++)
                buf[i] = (char)((x >> (i % 32)) & 1 ? toupper((unsigned char)o[i]) : o[i]);
            const char *t = tails[x % (sizeof tails / sizeof tails[0])];
            size_t tn = strlen(t);
            memcpy(buf + keep, t, tn);
            buf[keep + tn] = '\0';
            if (round % 5 == 0) { /* and a random rest */
                char rest[256];
                check_random_text(rest, sizeof rest, &x, tails, sizeof tails / sizeof tails[0]);
                strcat(buf, rest); /* keep + tn < 64: room */
            }
            CHECK(is_origin_matches(a, o, buf));
            yes += quire__html_is_origin(o, buf);
        }
    }
    CHECK(yes > 4000); /* the URLs of the site were many */
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
    test_is_origin(a);
    quire_arena_free(a);
    return CHECK_DONE();
}
