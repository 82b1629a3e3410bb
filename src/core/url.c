/*
 * url.c — slugs and URL resolution.
 */
#include "internal.h"

#include <string.h>

/* ASCII for the Latin letters of U+00C0..U+017F, so that "Café" gives
 * "cafe" and "Łódź" gives "lodz" rather than losing the letters. */
static const char *slug_latin(uint32_t cp)
{
    /* Generated from Unicode's decompositions (NFKD, letters kept), plus
     * the letters that do not decompose (ß, æ, ø, ł, œ, þ...). */
    static const char *const table[0x180 - 0xC0] = {
        "a", "a", "a", "a", "a", "a", "ae", "c", "e", "e", "e", "e",
        "i", "i", "i", "i", "d", "n", "o", "o", "o", "o", "o", NULL,
        "o", "u", "u", "u", "u", "y", "th", "ss", "a", "a", "a", "a",
        "a", "a", "ae", "c", "e", "e", "e", "e", "i", "i", "i", "i",
        "d", "n", "o", "o", "o", "o", "o", NULL, "o", "u", "u", "u",
        "u", "y", "th", "y", "a", "a", "a", "a", "a", "a", "c", "c",
        "c", "c", "c", "c", "c", "c", "d", "d", "d", "d", "e", "e",
        "e", "e", "e", "e", "e", "e", "e", "e", "g", "g", "g", "g",
        "g", "g", "g", "g", "h", "h", "h", "h", "i", "i", "i", "i",
        "i", "i", "i", "i", "i", "i", "ij", "ij", "j", "j", "k", "k",
        "k", "l", "l", "l", "l", "l", "l", "l", "l", "l", "l", "n",
        "n", "n", "n", "n", "n", "n", "n", "n", "o", "o", "o", "o",
        "o", "o", "oe", "oe", "r", "r", "r", "r", "r", "r", "s", "s",
        "s", "s", "s", "s", "s", "s", "t", "t", "t", "t", "t", "t",
        "u", "u", "u", "u", "u", "u", "u", "u", "u", "u", "u", "u",
        "w", "w", "y", "y", "y", "z", "z", "z", "z", "z", "z", "s",
    };
    return cp >= 0xC0 && cp < 0x180 ? table[cp - 0xC0] : NULL;
}

/* An ASCII letter or digit as a slug writes it (lower case), else 0: what
 * isalnum and tolower say of ASCII in every locale, without two calls a
 * byte (every tag of every page and feed item is slugified). */
static const char slug_ascii[128] = {
    ['0'] = '0', ['1'] = '1', ['2'] = '2', ['3'] = '3', ['4'] = '4',
    ['5'] = '5', ['6'] = '6', ['7'] = '7', ['8'] = '8', ['9'] = '9',
    ['A'] = 'a', ['B'] = 'b', ['C'] = 'c', ['D'] = 'd', ['E'] = 'e', ['F'] = 'f', ['G'] = 'g',
    ['H'] = 'h', ['I'] = 'i', ['J'] = 'j', ['K'] = 'k', ['L'] = 'l', ['M'] = 'm', ['N'] = 'n',
    ['O'] = 'o', ['P'] = 'p', ['Q'] = 'q', ['R'] = 'r', ['S'] = 's', ['T'] = 't', ['U'] = 'u',
    ['V'] = 'v', ['W'] = 'w', ['X'] = 'x', ['Y'] = 'y', ['Z'] = 'z',
    ['a'] = 'a', ['b'] = 'b', ['c'] = 'c', ['d'] = 'd', ['e'] = 'e', ['f'] = 'f', ['g'] = 'g',
    ['h'] = 'h', ['i'] = 'i', ['j'] = 'j', ['k'] = 'k', ['l'] = 'l', ['m'] = 'm', ['n'] = 'n',
    ['o'] = 'o', ['p'] = 'p', ['q'] = 'q', ['r'] = 'r', ['s'] = 's', ['t'] = 't', ['u'] = 'u',
    ['v'] = 'v', ['w'] = 'w', ['x'] = 'x', ['y'] = 'y', ['z'] = 'z',
};

char *quire__slugify(quire_arena *arena, const char *s)
{
    char out[81];
    size_t n = 0;
    bool dash = false;
    const unsigned char *p = (const unsigned char *)(s ? s : "");
    size_t len = strlen((const char *)p);
    for (size_t i = 0; i < len && n < sizeof out - 1;) {
        unsigned char c = p[i];
        const char *ascii = NULL;
        char one[2] = {0, 0};
        if (c < 0x80) {
            i++;
            if (slug_ascii[c]) {
                one[0] = slug_ascii[c];
                ascii = one;
            } else if ((c == '.' || c == '_') && n && !dash) {
                /* keep dots and underscores inside a slug, never leading */
                out[n++] = (char)c;
                continue;
            }
        } else {
            uint32_t cp;
            size_t k = quire__utf8_decode(p + i, len - i, &cp);
            i += k ? k : 1;
            ascii = k ? slug_latin(cp) : NULL;
        }
        if (!ascii) {
            dash = true;
            continue;
        }
        if (dash && n)
            out[n++] = '-';
        for (const char *a = ascii; *a && n < sizeof out - 1; a++)
            out[n++] = *a;
        dash = false;
    }
    while (n && (out[n - 1] == '.' || out[n - 1] == '-' || out[n - 1] == '_'))
        n--;
    out[n] = '\0';
    return quire_arena_strndup(arena, out, n);
}

/* A scheme is ASCII (RFC 3986: ALPHA *( ALPHA / DIGIT / "+" / "-" / "." )):
 * compared as such, not through isalpha/isalnum calls, for every link and
 * image of every page. */
static bool url_alpha(unsigned char c)
{
    return (unsigned)((c | 0x20) - 'a') < 26;
}

bool quire__url_has_scheme(const char *s)
{
    if (!s || !url_alpha((unsigned char)*s))
        return false;
    for (const unsigned char *p = (const unsigned char *)s + 1; *p; p++) {
        if (*p == ':')
            return true;
        if (!url_alpha(*p) && !(*p >= '0' && *p <= '9') && *p != '+' && *p != '-' && *p != '.')
            return false;
    }
    return false;
}

/* Remove "." and ".." segments (RFC 3986 §5.2.4) from a path in place. */
static void remove_dot_segments(quire_buf *out, const char *path, size_t n)
{
    quire__buf_reset(out);
    size_t i = 0;
    while (i < n) {
        if (n - i >= 3 && memcmp(path + i, "../", 3) == 0) { i += 3; continue; }
        if (n - i >= 2 && memcmp(path + i, "./", 2) == 0) { i += 2; continue; }
        if (n - i >= 3 && memcmp(path + i, "/./", 3) == 0) { i += 2; continue; }
        if (n - i == 2 && memcmp(path + i, "/.", 2) == 0) { quire__buf_putc(out, '/'); break; }
        if ((n - i >= 4 && memcmp(path + i, "/../", 4) == 0) ||
            (n - i == 3 && memcmp(path + i, "/..", 3) == 0)) {
            while (out->len && out->data[out->len - 1] != '/')
                out->len--;
            if (out->len)
                out->len--;
            out->data[out->len] = '\0';
            if (n - i == 3) { quire__buf_putc(out, '/'); break; }
            i += 3;
            continue;
        }
        if (n - i == 1 && path[i] == '.') break;
        if (n - i == 2 && memcmp(path + i, "..", 2) == 0) break;
        size_t j = i + (path[i] == '/' ? 1 : 0);
        while (j < n && path[j] != '/')
            j++;
        quire__buf_put(out, path + i, j - i);
        i = j;
    }
}

char *quire__url_resolve(quire_arena *arena, const char *base, const char *ref)
{
    if (!ref)
        return NULL;
    if (!base || quire__url_has_scheme(ref))
        return quire_arena_strdup(arena, ref);
    const char *scheme_end = strchr(base, ':');
    if (!scheme_end)
        return quire_arena_strdup(arena, ref);
    size_t scheme_len = (size_t)(scheme_end - base);
    if (ref[0] == '/' && ref[1] == '/')
        return quire_arena_printf(arena, "%.*s:%s", (int)scheme_len, base, ref);
    /* authority */
    const char *auth = scheme_end + 1, *path_start = auth;
    if (auth[0] == '/' && auth[1] == '/') {
        path_start = auth + 2;
        while (*path_start && *path_start != '/' && *path_start != '?' && *path_start != '#')
            path_start++;
    }
    size_t prefix_len = (size_t)(path_start - base);
    const char *base_end = path_start + strcspn(path_start, "?#");
    quire_buf merged, clean;
    quire__buf_init(&merged);
    quire__buf_init(&clean);
    const char *suffix = "";
    if (ref[0] == '#' || ref[0] == '\0') {
        size_t q = strcspn(path_start, "#");
        char *r = quire_arena_printf(arena, "%.*s%s", (int)(path_start - base + q), base, ref);
        return r;
    }
    if (ref[0] == '?') {
        quire__buf_put(&merged, path_start, (size_t)(base_end - path_start));
        suffix = ref;
    } else if (ref[0] == '/') {
        size_t rn = strcspn(ref, "?#");
        quire__buf_put(&merged, ref, rn);
        suffix = ref + rn;
    } else {
        const char *slash = NULL;
        for (const char *p = path_start; p < base_end; p++)
            if (*p == '/')
                slash = p;
        if (slash)
            quire__buf_put(&merged, path_start, (size_t)(slash - path_start + 1));
        else
            quire__buf_putc(&merged, '/');
        size_t rn = strcspn(ref, "?#");
        quire__buf_put(&merged, ref, rn);
        suffix = ref + rn;
    }
    remove_dot_segments(&clean, quire__buf_cstr(&merged), merged.len);
    char *r = quire_arena_printf(arena, "%.*s%s%s", (int)prefix_len, base,
                                 clean.len ? quire__buf_cstr(&clean) : "/", suffix);
    quire__buf_free(&merged);
    quire__buf_free(&clean);
    return r;
}

const char *quire__taxonomy_slug(quire_arena *arena, const char *name)
{
    char *slug = quire__slugify(arena, name);
    if (!slug || !*slug) /* nothing ASCII left (東京): a stable hashed name */
        slug = quire_arena_printf(arena, "tag-%016llx",
                                  (unsigned long long)quire__fnv1a64(name, strlen(name), 0));
    return slug;
}
