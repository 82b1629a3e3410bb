/* test_sanitize.c — the sanitize filter: allowlisted elements and
 * attributes survive, scripts, styles, handlers and unsafe URLs in any
 * spelling do not, metadata URLs are checked too, raw=true passes through,
 * and unknown options are refused. */
#include "check.h"
#include "internal.h"

#include <pthread.h>

/* Read markdown (raw HTML inside), run the chain, render the body. */
static char *san(const char *md, const char *spec, quire_document **doc_out)
{
    quire_collection *c = quire_collection_new();
    quire_diag_list diags;
    quire_diag_list_init(&diags);
    char *out = NULL;
    int rc = quire_read_buffer(c, quire_reader_find("markdown"), "t.md", md, strlen(md), NULL, &diags);
    quire_chain *chain = NULL;
    if (rc == QUIRE_OK)
        rc = quire_chain_add_spec(&chain, spec, &diags);
    if (rc == QUIRE_OK)
        rc = quire_chain_run(chain, c, &diags);
    if (rc == QUIRE_OK && c->count == 1) {
        quire_buf b;
        quire__buf_init(&b);
        quire__render_html(&b, c->docs[0]->body, NULL);
        out = strdup(quire__buf_cstr(&b));
        quire__buf_free(&b);
        if (doc_out)
            *doc_out = quire_document_clone(c->docs[0]);
    }
    quire_chain_free(chain);
    quire_collection_free(c);
    quire_diag_list_free(&diags);
    return out;
}

static void expect(const char *md, const char *must, const char *must_not)
{
    char *h = san(md, "sanitize", NULL);
    CHECK(h != NULL);
    if (!h)
        return;
    if ((must && !strstr(h, must)) || (must_not && strstr(h, must_not)))
        fprintf(stderr, "input: %s\noutput: %s\n", md, h);
    if (must)
        CHECK(strstr(h, must) != NULL);
    if (must_not)
        CHECK(strstr(h, must_not) == NULL);
    free(h);
}

/* Whether sanitize keeps url as a document's url (LINK) and image (IMAGE). */
static void san_keeps(quire_chain *chain, const char *url, bool *link, bool *image)
{
    quire_collection *c = quire_collection_new();
    quire_document *d = quire_document_new();
    quire_diag_list diags;
    quire_diag_list_init(&diags);
    d->url = url;
    d->image.src = url;
    quire_collection_add(c, d);
    CHECK(quire_chain_run(chain, c, &diags) == QUIRE_OK);
    *link = d->url != NULL;
    *image = d->image.src != NULL;
    quire_collection_free(c);
    quire_diag_list_free(&diags);
}

/* The URL check skips normalizing when the part of the URL that the scheme
 * test reads is plain.  Against the normalized way on random URLs of
 * schemes, entities, delimiters, blanks and case: a leading space sends a
 * URL that way (it is not plain) and means nothing (normalizing strips
 * it), so url and " " url must be judged alike. */
static void test_url_plain_random(void)
{
    static const char *const pieces[] = {
        "http:", "HTTPS:", "javascript:", "data:image/png", "DATA:IMAGE/JPEG", "data:image/webp",
        "data:text/html", "mailto:", "tel:", "ftp:", ";", ",", "/", "?", "#", "&", "&#58;",
        "&colon;", "&#x3A;", "&amp;", "&#47;", "&#59;", "&#106;", "a", "x", "ab", "j", ":", "\t",
        " ", "\xC2\xA0", "%3A", "1", "+", ".", "-", "\x01", "\xC3\xA9", "&NewLine;",
        "abcdefghijklmnop", "example.org", "www",
    };
    quire_chain *chain = NULL;
    quire_diag_list diags;
    quire_diag_list_init(&diags);
    CHECK(quire_chain_add_spec(&chain, "sanitize", &diags) == QUIRE_OK);
    unsigned seed = 99;
    char url[512], spaced[514];
    for (int iter = 0; iter < 30000; iter++) {
        size_t len = 0;
        seed = seed * 1103515245u + 12345u;
        int n = (int)((seed >> 16) % 14);
        for (int k = 0; k < n; k++) {
            seed = seed * 1103515245u + 12345u;
            const char *pc = pieces[(seed >> 16) % (sizeof pieces / sizeof *pieces)];
            size_t pl = strlen(pc);
            memcpy(url + len, pc, pl);
            len += pl;
        }
        url[len] = '\0';
        spaced[0] = ' ';
        memcpy(spaced + 1, url, len + 1);
        bool l1, i1, l2, i2;
        san_keeps(chain, url, &l1, &i1);
        san_keeps(chain, spaced, &l2, &i2);
        if (l1 != l2 || i1 != i2) {
            fprintf(stderr, "sanitize judges '%s' unlike its normalized form\n", url);
            CHECK(false);
        }
    }
    quire_chain_free(chain);
    quire_diag_list_free(&diags);
}

/* sanitize:raw=true notes once per chain, however many threads run the
 * chain's document filters at once (each with its own diagnostics, as
 * pass 2 of a build does): 8 threads x 50 documents, one note in all. */
#define RAW_THREADS 8
#define RAW_DOCS 50

typedef struct raw_job {
    const quire_chain *chain;
    quire_diag_list diags;
    pthread_barrier_t *start;
} raw_job;

static void *raw_worker(void *arg)
{
    raw_job *j = arg;
    pthread_barrier_wait(j->start);
    for (int i = 0; i < RAW_DOCS; i++) {
        quire_document *d = quire_document_new();
        if (!d)
            continue;
        d->body = quire_node_new(d->arena, QUIRE_NODE_ROOT, 1, 1);
        CHECK(quire_chain_run_document(j->chain, NULL, d, &j->diags) == QUIRE_OK);
        quire_document_free(d);
    }
    return NULL;
}

static void test_raw_note_once(void)
{
    quire_diag_list diags;
    quire_diag_list_init(&diags);
    quire_chain *chain = NULL;
    CHECK(quire_chain_add_spec(&chain, "sanitize:raw=true", &diags) == QUIRE_OK);
    CHECK(quire__chain_prepare(chain, NULL, &diags) == QUIRE_OK);
    pthread_barrier_t start;
    pthread_barrier_init(&start, NULL, RAW_THREADS);
    raw_job jobs[RAW_THREADS];
    pthread_t t[RAW_THREADS];
    for (int i = 0; i < RAW_THREADS; i++) {
        jobs[i] = (raw_job){.chain = chain, .start = &start};
        quire_diag_list_init(&jobs[i].diags);
        CHECK(pthread_create(&t[i], NULL, raw_worker, &jobs[i]) == 0);
    }
    size_t notes = 0;
    for (int i = 0; i < RAW_THREADS; i++) {
        pthread_join(t[i], NULL);
        for (size_t k = 0; k < jobs[i].diags.count; k++)
            notes += strstr(jobs[i].diags.items[k].message, "raw=true") != NULL;
        quire_diag_list_free(&jobs[i].diags);
    }
    CHECK(notes == 1);
    pthread_barrier_destroy(&start);
    quire_chain_free(chain);
    quire_diag_list_free(&diags);
}

int main(void)
{
    test_url_plain_random();
    test_raw_note_once();
    /* allowlisted markup stays */
    expect("<p class=\"x\" id=\"a\">Hi <abbr title=\"t\">T</abbr> <kbd>K</kbd></p>\n",
           "<p class=\"x\" id=\"a\">Hi <abbr title=\"t\">T</abbr> <kbd>K</kbd></p>", NULL);
    expect("[ok](https://example.org/a?b=c#d)\n", "href=\"https://example.org/a?b=c#d\"", NULL);
    expect("[rel](../x/y.html)\n", "href=\"../x/y.html\"", NULL);
    expect("[mail](mailto:a@example.org)\n", "href=\"mailto:a@example.org\"", NULL);
    expect("<img src=\"data:image/png;base64,iVBORw0KGgo=\" alt=\"dot\">\n", "data:image/png", NULL);
    /* scripts, styles and their content */
    expect("<script>alert(1)</script>\n\nafter\n", "after", "alert");
    expect("<style>p{color:red}</style>\n\nafter\n", "after", "color");
    expect("<svg onload=\"alert(1)\"><script>alert(2)</script></svg>\n", NULL, "alert");
    expect("<math><mi>x</mi><script>alert(1)</script></math>\n", NULL, "alert");
    expect("<template><script>alert(1)</script></template>\n", NULL, "alert");
    expect("<noscript><img src=x onerror=alert(1)></noscript>\n", NULL, "alert");
    /* handlers and style attributes */
    expect("<p onclick=\"alert(1)\" style=\"background:url(javascript:alert(1))\">t</p>\n", "<p>t</p>", "alert");
    expect("<img src=\"a.png\" onerror=\"alert(1)\" alt=\"a\">\n", "src=\"a.png\"", "onerror");
    expect("<div ONMOUSEOVER=\"alert(1)\">d</div>\n", "<div>d</div>", "alert");
    expect("<iframe srcdoc=\"&lt;script&gt;alert(1)&lt;/script&gt;\"></iframe>\n", NULL, "srcdoc");
    expect("<a href=\"#\" formaction=\"javascript:alert(1)\">f</a>\n", NULL, "formaction");
    /* javascript: in every spelling */
    const char *bad[] = {
        "javascript:alert(1)", "JaVaScRiPt:alert(1)", " javascript:alert(1)",
        "&#106;avascript:alert(1)", "&#x6A;avascript:alert(1)", "&#0000106avascript:alert(1)",
        "jav&#x09;ascript:alert(1)", "jav&#9;ascript:alert(1)", "jav&Tab;ascript:alert(1)",
        "java&#x0A;script:alert(1)", "javascript&colon;alert(1)", "&amp;#106;avascript:alert(1)",
        "&#x26;#x6A;avascript:alert(1)", "vbscript:msgbox(1)", "VBScript:msgbox(1)",
        "data:text/html,&lt;script&gt;alert(1)&lt;/script&gt;",
        "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==", "livescript:alert(1)",
        "\x01javascript:alert(1)", "java\nscript:alert(1)", NULL};
    for (size_t i = 0; bad[i]; i++) {
        char md[512];
        snprintf(md, sizeof md, "<a href=\"%s\">x</a> <img src=\"%s\" alt=\"i\">\n", bad[i], bad[i]);
        char *h = san(md, "sanitize", NULL);
        CHECK(h && !strstr(h, "href") && !strstr(h, "src=") && !strstr(h, "alert") &&
              !strstr(h, "msgbox"));
        if (h && (strstr(h, "href") || strstr(h, "src=")))
            fprintf(stderr, "survived: %s -> %s\n", bad[i], h);
        free(h);
    }
    expect("<img src=\"data:image/svg+xml;base64,PHN2Zz4=\" alt=\"s\">\n", NULL, "svg+xml");
    expect("[md](javascript:alert(1))\n", "md", "javascript");
    expect("![md img](javascript:alert(1))\n", "md img", "javascript");
    /* frames: srcdoc and javascript: frames never survive; others are embeds */
    expect("<iframe src=\"javascript:alert(1)\"></iframe>\n", NULL, "javascript");
    expect("<object data=\"javascript:alert(1)\"></object>\n", NULL, "javascript");
    /* unknown elements are unwrapped, obsolete ones too; forms go */
    expect("<p><font color=red>kept text</font> <center>c</center></p>\n", "kept text", "font");
    expect("<form action=\"/x\"><input name=q><button>Go</button></form>\n", NULL, "input");
    /* invalid and repeated ids go */
    expect("<p id=\"a\">1</p>\n<p id=\"a\">2</p>\n<p id=\"b c\">3</p>\n", "<p id=\"a\">1</p>\n<p>2</p>\n<p>3</p>", NULL);

    /* metadata URLs */
    quire_document *d = NULL;
    char *h = san("---\ntitle: t\nurl: \"javascript:alert(1)\"\nexternal_url: \"https://ok.example/\"\n"
                  "image: \"jav&#x61;script:alert(1)\"\nauthor:\n  name: A\n  url: \"vbscript:x\"\n---\n\nx\n",
                  "sanitize", &d);
    CHECK(h && d);
    if (d) {
        CHECK(d->url == NULL);
        CHECK_STR(d->external_url, "https://ok.example/");
        CHECK(d->image.src == NULL);
        CHECK(d->n_authors == 1 && d->authors[0].url == NULL);
        quire_document_free(d);
    }
    free(h);

    /* raw passthrough only by name */
    h = san("<script>alert(1)</script>\n", "sanitize:raw=true", NULL);
    CHECK(h && strstr(h, "<script>"));
    free(h);
    /* unknown options are an error */
    quire_diag_list diags;
    quire_diag_list_init(&diags);
    quire_chain *chain = NULL;
    quire_collection *c = quire_collection_new();
    int rc = quire_chain_add_spec(&chain, "sanitize:bogus=1", &diags);
    if (rc == QUIRE_OK)
        rc = quire_chain_run(chain, c, &diags);
    CHECK(rc == QUIRE_ERR_USAGE);
    CHECK(quire_chain_contains(chain, "sanitize"));
    CHECK(!quire_chain_contains(chain, "summary"));
    quire_chain_free(chain);
    quire_collection_free(c);
    quire_diag_list_free(&diags);
    /* srcset and sizes stay on img and source; only bad candidates go */
    expect("<img src=\"a.png\" srcset=\"a.png 480w, b.png 960w\" sizes=\"50vw\" alt=\"\">\n",
           "srcset=\"a.png 480w, b.png 960w\" sizes=\"50vw\"", NULL);
    expect("<img src=\"a.png\" srcset=\"javascript:alert(1) 1x, b.png 2x\" alt=\"\">\n",
           "srcset=\"b.png 2x\"", "javascript");
    expect("<img src=\"a.png\" srcset=\"b.png 2x,&#106;avascript:x 3x, c.png 3x\" alt=\"\">\n",
           "srcset=\"b.png 2x, c.png 3x\"", "avascript");
    expect("<img src=\"a.png\" srcset=\"data:text/html,x 1x\" alt=\"\">\n", "<img src=\"a.png\"",
           "srcset");
    expect("<img src=\"a.png\" srcset=\"data:image/png;base64,iVBO 1x, data:image/svg+xml,x 2x\" alt=\"\">\n",
           "srcset=\"data:image/png;base64,iVBO 1x\"", "svg");
    expect("<picture><source srcset=\"w.webp 1x, vbscript:x 2x\" type=\"image/webp\" media=\"(min-width: 9em)\">"
           "<img src=\"a.png\" alt=\"\"></picture>\n",
           "<picture><source srcset=\"w.webp 1x\" type=\"image/webp\" media=\"(min-width: 9em)\">", "vbscript");
    expect("<img src=\"a.png\" srcset=\"java&#x09;script:alert(1) 1x, b.png 1.5x, c.png x, d.png 2y\" alt=\"\">\n",
           "srcset=\"b.png 1.5x\"", "script");
    /* sizes only with width descriptors, which need it; no mixing */
    expect("<img src=\"a.png\" srcset=\"b.png 2x\" sizes=\"50vw\" alt=\"\">\n", "srcset=\"b.png 2x\"", "sizes");
    expect("<img src=\"a.png\" srcset=\"b.png 480w, c.png 2x\" alt=\"\">\n",
           "srcset=\"b.png 480w\" sizes=\"100vw\"", "c.png");
    expect("<a href=\"x\" srcset=\"y.png 1x\">l</a>\n", "<a href=\"x\">", "srcset");
    return CHECK_DONE();
}
