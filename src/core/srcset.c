/*
 * srcset.c — the candidates of a srcset attribute ("a.png 1x, b.png 2x"),
 * parsed as the HTML standard does: a URL runs to the next blank, commas at
 * its end separate candidates, a descriptor runs to the next comma outside
 * parentheses.  One parser for every component that reads srcset
 * (absolute-urls resolves each URL, sanitize checks each one, the html
 * writer publishes each local image).
 */
#include "internal.h"

static bool srcset_blank(char c)
{
    return (unsigned char)c <= 0x20;
}

bool quire__srcset_next(const char **cursor, quire_srcset_item *out)
{
    const char *p = *cursor;
    while (*p && (srcset_blank(*p) || *p == ','))
        p++;
    if (!*p) {
        *cursor = p;
        return false;
    }
    const char *u = p;
    while (*p && !srcset_blank(*p))
        p++;
    const char *ue = p;
    bool ended = false;
    while (ue > u && ue[-1] == ',') {
        ue--;
        ended = true;
    }
    const char *d = p, *de = p;
    if (!ended) {
        while (*d && srcset_blank(*d))
            d++;
        de = d;
        int paren = 0; /* descriptors may hold commas inside (...) */
        while (*de && (paren || *de != ',')) {
            paren += *de == '(' ? 1 : *de == ')' && paren ? -1 : 0;
            de++;
        }
        p = de;
        while (de > d && srcset_blank(de[-1]))
            de--;
    }
    out->url = u;
    out->url_len = (size_t)(ue - u);
    out->desc = d;
    out->desc_len = (size_t)(de - d);
    *cursor = p;
    return true;
}

void quire__srcset_put(quire_buf *b, const char *url, size_t url_len, const char *desc,
                       size_t desc_len)
{
    if (b->len)
        quire__buf_puts(b, ", ");
    quire__buf_put(b, url, url_len);
    if (desc_len) {
        quire__buf_putc(b, ' ');
        quire__buf_put(b, desc, desc_len);
    }
}
