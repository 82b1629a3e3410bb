/*
 * test_fix_encoding.c — the "fix-encoding" filter: mojibake repair (the
 * patterns of seed 004 and double encoding), text that must not be touched,
 * invalid UTF-8, characters illegal in XML, and every place a string lives.
 */
#include "ftest.h"

#include <stdlib.h>
#include <string.h>

#define FFFD "\xef\xbf\xbd"

/* Run the filter on a document whose title is s; return the new title. */
static const char *fix(quire_document *d, const char *s, const char *opts)
{
    d->title = s;
    int rc = ft_run_doc("fix-encoding", opts, NULL, d, NULL);
    CHECK_INT(rc, QUIRE_OK);
    return d->title;
}

static void test_seed_004(quire_document *d)
{
    /* The exact lines of seed 004. */
    CHECK_STR(fix(d, "[Medtronic and NVIDIA Collaborate](https://x) â€” Integrating NVIDIA "
                     "Technology Into Medtronicâ€™s Real-Time AI Endoscopy Device", NULL),
              "[Medtronic and NVIDIA Collaborate](https://x) — Integrating NVIDIA "
              "Technology Into Medtronic’s Real-Time AI Endoscopy Device");
    CHECK_STR(fix(d, "Introducing G2 VMs with NVIDIA L4 GPUs â€” a cloud-industry first", NULL),
              "Introducing G2 VMs with NVIDIA L4 GPUs — a cloud-industry first");
    CHECK_STR(fix(d, "coming soon if I have time. ðŸ˜‚_", NULL),
              "coming soon if I have time. \xf0\x9f\x98\x82_");
    CHECK_STR(fix(d, "â€”", NULL), "—");
    CHECK_STR(fix(d, "â€™", NULL), "’");
    CHECK_STR(fix(d, "ðŸ˜‚", NULL), "😂");
}

static void test_mojibake_more(quire_document *d)
{
    CHECK_STR(fix(d, "Ã©", NULL), "é");
    CHECK_STR(fix(d, "cafÃ©", NULL), "café");
    CHECK_STR(fix(d, "ZÃ¼rich", NULL), "Zürich");
    CHECK_STR(fix(d, "â€œquotedâ€\xc2\x9d", NULL), "“quoted”"); /* 0x9D undefined in cp1252 */
    CHECK_STR(fix(d, "â€¦ and Â©", NULL), "… and ©");
    CHECK_STR(fix(d, "â‚¬5", NULL), "€5");
    /* Latin-1 view: the C1 controls U+0080 and U+0094 instead of € and ”. */
    CHECK_STR(fix(d, "a â\xc2\x80\xc2\x94 b", NULL), "a — b");
    /* cp1252's undefined 0x81, 0x8D, 0x8F, 0x90 as U+0081.. ("Á" is C3 81). */
    CHECK_STR(fix(d, "Ã\xc2\x81", NULL), "Á");
    CHECK_STR(fix(d, "Ã\xc2\x8d", NULL), "Í");
    CHECK_STR(fix(d, "Ã\xc2\x8f", NULL), "Ï");
    CHECK_STR(fix(d, "Ã\xc2\x90", NULL), "Ð");
    /* Mixed: mojibake next to correct text of the same letters. */
    CHECK_STR(fix(d, "Ã© é Ã©", NULL), "é é é");
    /* CJK through three bytes: 東 is E6 9D B1 -> "æ" U+009D "±". */
    CHECK_STR(fix(d, "æ\xc2\x9d±京", NULL), "東京");
    /* Other scripts: runs that alone would be ambiguous ("Å‚" is ł, but
     * looks like a letter and a low quote) are repaired next to evidence. */
    CHECK_STR(fix(d, "Å‚Ã³dÅº", NULL), "łódź");
    CHECK_STR(fix(d, "Ð¿Ñ€Ð¸Ð²ÐµÑ‚", NULL), "привет");
    CHECK_STR(fix(d, "Î±Î²Î³", NULL), "αβγ");
    CHECK_STR(fix(d, "Ã©tÃ© Â»", NULL), "été »");
}

static void test_double(quire_document *d)
{
    /* "—" encoded twice: E2 80 94 -> "â€”" -> C3A2 E282AC E2809D -> "Ã¢â‚¬â€" U+009D */
    CHECK_STR(fix(d, "Ã¢â‚¬â€\xc2\x9d", NULL), "—");
    /* "é" twice: "Ã©" -> C3 83 C2 A9 -> "ÃƒÂ©" */
    CHECK_STR(fix(d, "cafÃƒÂ©", NULL), "café");
    CHECK_STR(fix(d, "Medtronicâ€™s / MedtronicÃ¢â‚¬â„¢s", NULL), "Medtronic’s / Medtronic’s");
    /* and three times */
    CHECK_STR(fix(d, "ÃƒÆ’Ã‚Â©", NULL), "é");
}

static void test_untouched(quire_document *d)
{
    static const char *const keep[] = {
        "café", "Zürich", "naïve", "Ångström", "São Paulo", "東京タワー", "한국어",
        "Ελληνικά", "Русский", "“smart” quotes — dashes… and ‘single’", "Straße",
        "ÀÉÎÕÜ àéîõü", "1½ cups", "©2024 Ltd.", "Æsir og Øl", "¿Qué? ¡Sí!", "emoji 😂🎉",
        "Ã", "tail Â", "ñandú", "Kraków Łódź", "€100", "x × y ÷ z", "İstanbul",
        /* an accented letter then closing punctuation: looks like mojibake */
        "„Straße“", "“CAFÉ”", "« café\u00a0»", "Gruß…", "2×½", "MÜ—", "déjà‐vu", "« à\u00a0»",
        "“Ñ”", "°C", "ÉTÉ’S", "olé’”", "Å‚",
    };
    for (size_t i = 0; i < sizeof keep / sizeof *keep; i++) {
        const char *r = fix(d, keep[i], NULL);
        CHECK_STR(r, keep[i]);
        CHECK(r == keep[i]); /* clean text is not even copied */
    }
    const char *ascii = "plain ASCII, tabs\tand\nnewlines\r\n";
    CHECK(fix(d, ascii, NULL) == ascii);
}

static void test_invalid_utf8(quire_document *d)
{
    CHECK_STR(fix(d, "a\xc0\xaf" "b", NULL), "a" FFFD FFFD "b");          /* overlong '/' */
    CHECK_STR(fix(d, "\xe0\x80\xaf", NULL), FFFD FFFD FFFD);             /* overlong, 3 bytes */
    CHECK_STR(fix(d, "\xf0\x80\x80\xaf", NULL), FFFD FFFD FFFD FFFD);     /* overlong, 4 bytes */
    CHECK_STR(fix(d, "x\xed\xa0\x80y", NULL), "x" FFFD FFFD FFFD "y");    /* surrogate D800 */
    CHECK_STR(fix(d, "\xed\xbf\xbf", NULL), FFFD FFFD FFFD);             /* surrogate DFFF */
    CHECK_STR(fix(d, "end\xe2\x82", NULL), "end" FFFD);                  /* truncated at end */
    CHECK_STR(fix(d, "\xe2\x82" "b", NULL), FFFD "b");                   /* truncated inside */
    CHECK_STR(fix(d, "\xf0\x9f\x98", NULL), FFFD);                       /* truncated 4-byte */
    CHECK_STR(fix(d, "\xf4\x90\x80\x80", NULL), FFFD FFFD FFFD FFFD);     /* > U+10FFFF */
    CHECK_STR(fix(d, "\x80\xbf", NULL), FFFD FFFD);                      /* lone continuations */
    CHECK_STR(fix(d, "caf\xe9!", NULL), "caf" FFFD "!");                 /* raw Latin-1 byte */
    CHECK_STR(fix(d, "\xff\xfe", NULL), FFFD FFFD);
    CHECK_STR(fix(d, "\xf0\x9f\x98" "x", NULL), FFFD "x");              /* 3 of 4 bytes */
    /* a real U+FFFD is text like any other: kept, and not copied */
    const char *real = "a" FFFD "b";
    CHECK(fix(d, real, NULL) == real);
    /* valid neighbours survive */
    CHECK_STR(fix(d, "é\xc3" "é", NULL), "é" FFFD "é");
}

static void test_xml_illegal(quire_document *d)
{
    CHECK_STR(fix(d, "a\x01" "b\x0b" "c\x0c" "d\x1f" "e", NULL), "abcde");
    CHECK_STR(fix(d, "keep\ttab\nlf\rcr", NULL), "keep\ttab\nlf\rcr");
    CHECK_STR(fix(d, "x\xef\xbf\xbey\xef\xbf\xbfz", NULL), "xyz");        /* U+FFFE, U+FFFF */
    CHECK_STR(fix(d, "é\x01Ã©\x08", NULL), "éé");
    CHECK_STR(fix(d, "\x01\x02\x03", NULL), "");
    CHECK_STR(fix(d, "del\x7f ok", NULL), "del\x7f ok");                  /* legal in XML 1.0 */
}

/* The clean check reads eight bytes at a time: a problem at any offset of
 * a long string, before, across and after a word boundary, is still found;
 * clean long strings, with an accented letter anywhere, are not copied. */
static void test_long_strings(quire_document *d)
{
    static const struct { const char *ins, *want; } cases[] = {
        {"\x01", ""},                     /* control: dropped */
        {"\xc3\xa9", "\xc3\xa9"},         /* e-acute then ASCII: clean */
        {"\xc3\x83\xc2\xa9", "\xc3\xa9"}, /* mojibake of e-acute: repaired */
        {"\xe2\x80\x94", "\xe2\x80\x94"}, /* em dash: clean */
        {"\xc3\xa2\xe2\x82\xac\xe2\x80\x9d", "\xe2\x80\x94"}, /* mojibake of U+2014 */
        {"\xe9", FFFD},                   /* stray Latin-1 byte */
        {"\xef\xbf\xbe", ""},             /* U+FFFE: dropped */
    };
    char in[128], want[128];
    /* every offset, and every length after it: the problem in the last
     * partial word, in the overlapping final word, or in a full one */
    for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
        for (size_t at = 0; at <= 40; at++) {
            for (size_t after = 0; after <= 24; after++) {
                size_t il = strlen(cases[c].ins), wl = strlen(cases[c].want);
                memset(in, 'a', at);
                memcpy(in + at, cases[c].ins, il);
                memset(in + at + il, 'b', after);
                in[at + il + after] = '\0';
                memset(want, 'a', at);
                memcpy(want + at, cases[c].want, wl);
                memset(want + at + wl, 'b', after);
                want[at + wl + after] = '\0';
                const char *r = fix(d, in, NULL);
                CHECK_STR(r, want);
                CHECK((r == in) == (strcmp(in, want) == 0));
            }
        }
    }
    /* an accented letter before a character that maps to a continuation
     * byte is checked the slow way, and kept when it is only ambiguous */
    const char *amb = "Une longue phrase qui finit par « café\u00a0» et rien d'autre.";
    CHECK_STR(fix(d, amb, NULL), amb);
    const char *fixd = "Une longue phrase avec cafÃ© et « cafÃ©\u00a0» aussi, voilà.";
    CHECK_STR(fix(d, fixd, NULL), "Une longue phrase avec café et « café\u00a0» aussi, voilà.");
    const char *tail = "a string that ends on an accented letter: é";
    CHECK(fix(d, tail, NULL) == tail);
}

static void test_options(void)
{
    quire_document *d = ft_doc(NULL, "t.md", "t");
    /* mojibake=false: no repair, but still clean for XML */
    CHECK_STR(fix(d, "Ã©\x01\xff", "mojibake=false"), "Ã©" FFFD);
    quire_diag_list diags;
    quire_diag_list_init(&diags);
    CHECK_INT(ft_init("fix-encoding", "mojibak=false", &diags), QUIRE_ERR_USAGE);
    CHECK_INT(diags.errors, 1);
    CHECK_INT(ft_init("fix-encoding", "mojibake=maybe", &diags), QUIRE_ERR_USAGE);
    CHECK_INT(diags.errors, 2);
    quire_diag_list_free(&diags);
    quire_document_free(d);
}

/* Every place a string lives in a document is cleaned. */
static void test_everywhere(void)
{
    quire_document *d = ft_doc("TitleÃ©", "p.md", "id\x01");
    quire_arena *a = d->arena;
    d->subtitle = "Subâ€”";
    d->summary = "Sumâ€¦\x02";
    d->image.alt = "altÃ©";
    d->image.src = "https://x/Ã©.png";
    quire_document_add_author(d, "JosÃ©", "https://jose.example/", NULL);
    quire_strlist_add(a, &d->tags, "cafÃ©");
    quire_strlist_add(a, &d->tags, "café");
    quire_strlist_add(a, &d->tags, "tea");
    quire_strlist_add(a, &d->categories, "NaÃ¯ve\x01");

    /* extra: {"kÃ©y": "vÃ©", list: ["a\0b", {n: "â€”"}]} */
    quire_value *extra = quire_value_new(a, QUIRE_VALUE_MAPPING);
    quire_value_append(a, extra, "kÃ©y", quire_value_new_scalar(a, QUIRE_VALUE_STRING, "vÃ©", strlen("vÃ©")));
    quire_value *seq = quire_value_new(a, QUIRE_VALUE_SEQUENCE);
    quire_value_append(a, seq, NULL, quire_value_new_scalar(a, QUIRE_VALUE_STRING, "a\0b", 3));
    quire_value *inner = quire_value_new(a, QUIRE_VALUE_MAPPING);
    quire_value_append(a, inner, "n", quire_value_new_scalar(a, QUIRE_VALUE_STRING, "â€”", strlen("â€”")));
    quire_value_append(a, seq, NULL, inner);
    quire_value_append(a, extra, "list", seq);
    d->extra = extra;

    quire_node *p = ft_para(d, NULL, "Medtronicâ€™s");
    quire_node *code = quire_node_new(a, QUIRE_NODE_CODE, 1, 1);
    code->literal = "x\x01y";
    quire_node_append(p, code);
    quire_node *link = quire_node_new(a, QUIRE_NODE_LINK, 1, 1);
    link->url = "https://x/";
    link->title = "tÃ®tle";
    quire_node_append(link, quire_node_new_text(a, "ðŸ˜‚", strlen("ðŸ˜‚"), 1, 1));
    quire_node_append(p, link);
    quire_node *img = quire_node_new(a, QUIRE_NODE_IMAGE, 1, 1);
    img->url = "a.png";
    img->literal = "Ã…ngstrÃ¶m";
    quire_node_append(p, img);
    quire_node *cb = quire_node_new(a, QUIRE_NODE_CODE_BLOCK, 1, 1);
    cb->literal = "int x; // â€”\x0b\n";
    cb->info = "c";
    quire_node_append(d->body, cb);
    quire_node *div = quire_node_new(a, QUIRE_NODE_HTML_BLOCK, 1, 1);
    div->name = "div";
    quire_node_set_attr(a, div, "title", "Ã©t\xc3Ã©");
    quire_node_append(d->body, div);

    CHECK_INT(ft_run_doc("fix-encoding", NULL, NULL, d, NULL), QUIRE_OK);
    CHECK_STR(d->title, "Titleé");
    CHECK_STR(d->id, "id");
    CHECK_STR(d->subtitle, "Sub—");
    CHECK_STR(d->summary, "Sum…");
    CHECK_STR(d->image.alt, "alté");
    CHECK_STR(d->image.src, "https://x/é.png");
    CHECK_STR(d->authors[0].name, "José");
    CHECK_INT(d->tags.count, 2);
    CHECK_STR(d->tags.items[0], "café");
    CHECK_STR(d->tags.items[1], "tea");
    CHECK_STR(d->categories.items[0], "Naïve");
    CHECK_STR(extra->first->key, "kéy");
    CHECK_STR(extra->first->str, "vé");
    CHECK_INT(extra->first->len, 3);
    CHECK_INT(seq->first->len, 2);
    CHECK(memcmp(seq->first->str, "ab", 3) == 0);
    CHECK_STR(inner->first->str, "—");
    CHECK_INT(inner->first->len, 3);
    CHECK_STR(p->first_child->literal, "Medtronic’s");
    CHECK_STR(code->literal, "xy");
    CHECK_STR(link->title, "tîtle");
    CHECK_STR(link->first_child->literal, "😂");
    CHECK_STR(img->literal, "Ångström");
    CHECK_STR(cb->literal, "int x; // —\n");
    CHECK_STR(quire_node_attr(div, "title"), "ét" FFFD "é");
    quire_document_free(d);
}

/* The quick checks (plain ASCII inline, then a word at a time with one- and
 * two- and three-byte characters judged in place) against the whole repair:
 * a leading U+0001 sends a string that way (it is not plain), and changes
 * nothing else (it is dropped, and no mojibake run can start or end with
 * it), so s and "\x01" s must come out the same, and s unchanged (no copy)
 * exactly when the whole repair leaves it as it is.  Random strings of
 * ASCII, accented letters, mojibake, symbols, CJK, controls, U+FFFD and
 * invalid bytes, of every length around the eight-byte words. */
static unsigned fe_rand(unsigned *seed)
{
    *seed = *seed * 1103515245u + 12345u;
    return *seed >> 16;
}

static void test_random_vs_slow(quire_document *d)
{
    static const char *const pieces[] = {
        "a", "Zz", " ", "\n", "\t", "\r", "\x01", "\x7f", "\xc3\xa9", "\xc3\x83", "\xc2\xa9",
        "\xc3\xa2", "\xe2\x82\xac", "\xe2\x80\x94", "\xe2\x80\x9d", "\xe6\x9d\xb1", "\xc2\xbb",
        "\xc2\xa0", "\xef\xbf\xbd", "\xef\xbf\xbe", "\xef\xbf\xbf", "\xed\xa0\x80", "\xe0\x80\x80",
        "\xe0\xa4\x85", "\xed\x9f\xbf", "\xee\x80\x80", "\xf0\x9f\x98\x80", "\xc3", "\xe2\x82",
        "\x80", "\xff", "\xc1\xbf", "\xf4\x90\x80\x80", "\xc2\x80", "\xc2\x9f", "\xc3\x83\xc2\xa9",
    };
    unsigned seed = 4242;
    char s[256], with[258];
    for (int iter = 0; iter < 200000; iter++) {
        size_t len = 0;
        int n = (int)(fe_rand(&seed) % 24);
        bool ascii = fe_rand(&seed) % 4 == 0; /* many mostly plain strings */
        for (int k = 0; k < n; k++) {
            unsigned r = fe_rand(&seed) % (sizeof pieces / sizeof *pieces);
            const char *pc = ascii && fe_rand(&seed) % 8 ? pieces[r % 3] : pieces[r];
            size_t pl = strlen(pc);
            memcpy(s + len, pc, pl);
            len += pl;
        }
        s[len] = '\0';
        with[0] = '\x01';
        memcpy(with + 1, s, len + 1);
        char *want = strdup(fix(d, with, NULL));
        const char *got = fix(d, s, NULL);
        CHECK_STR(got, want);
        CHECK((got == s) == (strcmp(want, s) == 0));
        free(want);
    }
}

/* The sixteen-byte scan judges every marked character of a block in place
 * and goes on after it inside the same block: long strings where accented
 * letters, symbols and problems come in clusters, next to each other and
 * across block ends, against the whole repair (as test_random_vs_slow). */
static void test_random_clusters_vs_slow(quire_document *d)
{
    static const char *const pieces[] = {
        "abcdefghijklmno", "xyz", " ", "\n", "\xc3\xa9", "\xc5\x81", "\xc3\xb3", "\xc5\xba",
        "\xe2\x80\x94", "\xe6\x9d\xb1", "\xf0\x9f\x98\x80", "\xc3\x83\xc2\xa9", "\xc2\xbb",
        "\xc2\xa0", "\xe2\x80\x9d", "\xef\xbf\xbd", "\x01", "\t", "\r", "\x7f", "\xc3", "\xe2\x82",
        "\xff", "\xed\xa0\x80", "\xef\xbf\xbe", "\xc3\xa2\xe2\x82\xac\xe2\x80\x9d",
    };
    enum { NP = sizeof pieces / sizeof *pieces };
    unsigned seed = 777;
    char s[1024], with[1026];
    for (int iter = 0; iter < 100000; iter++) {
        size_t len = 0;
        int n = (int)(fe_rand(&seed) % 64);
        /* mostly clean clusters; now and then one problem among them */
        unsigned clean_only = fe_rand(&seed) % 3;
        for (int k = 0; k < n; k++) {
            unsigned r = fe_rand(&seed) % NP;
            if (clean_only && r >= 16 && fe_rand(&seed) % 16)
                r %= 16;
            size_t pl = strlen(pieces[r]);
            memcpy(s + len, pieces[r], pl);
            len += pl;
        }
        s[len] = '\0';
        with[0] = '\x01';
        memcpy(with + 1, s, len + 1);
        char *want = strdup(fix(d, with, NULL));
        const char *got = fix(d, s, NULL);
        CHECK_STR(got, want);
        CHECK((got == s) == (strcmp(want, s) == 0));
        free(want);
    }
}

int main(void)
{
    quire_document *d = ft_doc(NULL, "t.md", "t");
    test_random_vs_slow(d);
    test_random_clusters_vs_slow(d);
    test_seed_004(d);
    test_mojibake_more(d);
    test_double(d);
    test_untouched(d);
    test_invalid_utf8(d);
    test_xml_illegal(d);
    test_long_strings(d);
    quire_document_free(d);
    test_options();
    test_everywhere();
    return ft_done("test_fix_encoding");
}
