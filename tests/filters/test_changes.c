/*
 * test_changes.c — a filter's `changes` predicate against the filter
 * itself.  Whenever a predicate (or a chain of filters, through
 * quire__chain_changes) says "no change", running the filter on a copy must
 * leave the copy identical to the document, field for field and node for
 * node, and report nothing: the build then hands writers the document
 * itself instead of that copy.  The documents: the bench corpus when it is
 * there (QUIRE_CHANGES_CORPUS, default /work/main/.cache/bench/corpus-1000),
 * the samples, and hostile cases written below.  Also counts how often the
 * predicate says "change" where nothing changed (allowed, but it should be
 * rare: it costs a copy).
 */
#include "internal.h"
#include "../node_dump.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static int failures, checks, skipped_runs, wasted;
static int skipped_by_chain[16];

static void dump_s(quire_buf *b, const char *what, const char *s)
{
    quire__buf_printf(b, "%s[%s]\n", what, s ? s : "-");
}

/* What a writer can read of a document. */
static void dump_doc(quire_buf *b, const quire_document *d)
{
    const char *const strs[] = {d->id, d->slug, d->source_path, d->format, d->title, d->subtitle,
                                d->summary, d->language, d->url, d->external_url, d->image.src,
                                d->image.alt};
    for (size_t i = 0; i < sizeof strs / sizeof *strs; i++)
        dump_s(b, "s", strs[i]);
    quire__buf_printf(b, "image %d %d draft %d line %u\n", d->image.width, d->image.height,
                      (int)d->draft, d->body_line);
    for (size_t i = 0; i < d->n_authors; i++) {
        dump_s(b, "author", d->authors[i].name);
        dump_s(b, " url", d->authors[i].url);
        dump_s(b, " email", d->authors[i].email);
        dump_s(b, " avatar", d->authors[i].avatar);
    }
    for (size_t i = 0; i < d->tags.count; i++)
        dump_s(b, "tag", d->tags.items[i]);
    for (size_t i = 0; i < d->categories.count; i++)
        dump_s(b, "category", d->categories.items[i]);
    quire__buf_printf(b, "extra %p\n", (const void *)d->extra);
    if (d->body)
        test_node_dump(b, d->body, 0);
}

/* One chain (one filter, or several) on one document. */
static bool check_chain(const char *spec, const quire_chain *ch, const quire_site *site,
                        const quire_document *doc)
{
    bool pred = quire__chain_changes(ch, site, doc);
    quire_document *copy = quire__document_clone_shared(doc);
    quire_diag_list diags;
    quire_diag_list_init(&diags);
    int rc = copy ? quire_chain_run_document(ch, site, copy, &diags) : QUIRE_ERR_NOMEM;
    quire_buf a, b;
    quire__buf_init(&a);
    quire__buf_init(&b);
    dump_doc(&a, doc);
    if (copy)
        dump_doc(&b, copy);
    bool same = rc == QUIRE_OK && diags.count == 0 && a.len == b.len && !a.oom && !b.oom &&
                memcmp(a.data, b.data, a.len) == 0;
    checks++;
    if (!pred && !same) {
        failures++;
        if (failures <= 5)
            fprintf(stderr,
                    "FAIL %s on %s: predicate says no change, but the run %s\n--- document\n%s"
                    "--- after the run\n%s",
                    spec, doc->source_path ? doc->source_path : "?",
                    rc != QUIRE_OK ? "failed" : diags.count ? "reported" : "changed it",
                    quire__buf_cstr(&a), quire__buf_cstr(&b));
    }
    skipped_runs += !pred;
    wasted += pred && same;
    quire__buf_free(&a);
    quire__buf_free(&b);
    quire_diag_list_free(&diags);
    quire_document_free(copy);
    return !pred;
}

static const char *const chains[] = {
    "sanitize", "embeds", "sanitize:raw=true", "sanitize;embeds", "embeds;sanitize",
    /* absolute-urls has no predicate: the chain always says "change" */
    "sanitize;embeds;absolute-urls",
};
#define N_CHAINS (sizeof chains / sizeof *chains)

static void check_collection(const quire_collection *c, quire_chain *const *ch)
{
    for (size_t d = 0; d < c->count; d++)
        for (size_t i = 0; i < N_CHAINS; i++)
            skipped_by_chain[i] += check_chain(chains[i], ch[i], &c->site, c->docs[d]);
}

/* Hostile documents: each one something for sanitize or embeds to do, or
 * almost (what they must leave alone). */
static const struct {
    const char *reader, *text;
} hostile[] = {
    {"markdown", "---\ntitle: plain\n---\nJust *text* and a [link](https://example.org/).\n"},
    {"markdown", "<script>alert(1)</script>\n\nHello\n"},
    {"markdown", "Hi <b onclick=\"x()\">bold</b> there\n"},
    {"markdown", "[bad](javascript:alert(1)) and [ok](/a/b)\n"},
    {"markdown", "[enc](jav&#x09;ascript:alert(1))\n"},
    {"markdown", "<a href=\"&#106;avascript:x\">e</a>\n"},
    {"markdown", "<iframe src=\"https://www.youtube.com/embed/abc_DEF-12\" title=\"YouTube video player\"></iframe>\n"},
    {"markdown", "Text <iframe src=\"https://player.vimeo.com/video/123\"></iframe> inline\n"},
    {"markdown", "<video src=\"movie.mp4\" controls></video>\n"},
    {"markdown", "<video><source src=\"a.webm\"><iframe src=\"https://x.example/\"></iframe></video>\n"},
    {"markdown", "<object data=\"https://example.org/flash.swf\"></object>\n"},
    {"markdown", "<audio src=\"https://example.org/a.mp3\"></audio>\n"},
    {"markdown", "![pic](pics/a.png) and ![bad](javascript:x) and ![svg](data:image/svg+xml;base64,AA)\n"},
    {"markdown", "![ok](data:image/png;base64,iVBO) <img src=\"x.png\">\n"},
    {"markdown", "<img src=\"x.png\" alt=\"x\" srcset=\"a.png 1x, b.png 2x\">\n"},
    {"markdown", "<img src=\"x.png\" alt=\"x\" srcset=\"a.png 480w, b.png 2x\" sizes=\"50vw\">\n"},
    {"markdown", "<img src=\"x.png\" alt=\"x\" srcset=\"a.png 480w\">\n"},
    {"markdown", "<img src=\"x.png\" alt=\"x\" sizes=\"50vw\">\n"},
    {"markdown", "<img src=\"x.png\" alt=\"x\" srcset=\"a.png 480w, b.png 800w\" sizes=\"50vw\">\n"},
    {"markdown", "<div id=\"a\">one</div>\n\n<div id=\"a\">two</div>\n"},
    {"markdown", "<div id=\"a b\" dir=\"sideways\">x</div>\n"},
    {"markdown", "<div dir=\"rtl\" lang=\"ar\" class=\"c\" title=\"t\">x</div>\n"},
    {"markdown", "<p style=\"color:red\">styled</p>\n"},
    {"markdown", "<custom-el>kept text</custom-el>\n"},
    {"markdown", "<svg><script>x</script></svg>\n\n<math>y</math>\n"},
    {"markdown", "<form><input type=\"text\"><button formaction=\"javascript:x\">b</button></form>\n"},
    {"markdown", "<table><tr><td colspan=\"2\" onmouseover=\"x\">c</td></tr></table>\n"},
    {"markdown", "<blockquote cite=\"javascript:x\">q</blockquote>\n"},
    {"markdown", "<a href=\"https://example.org/\" rel=\"nofollow\" target=\"_blank\">t</a>\n"},
    {"markdown", "---\ntitle: meta\nurl: javascript:alert(1)\n---\nbody\n"},
    {"markdown", "---\ntitle: meta\nexternal_url: \"vbscript:x\"\n---\nbody\n"},
    {"markdown", "---\ntitle: meta\nimage: \"javascript:x\"\n---\nbody\n"},
    {"markdown", "---\ntitle: meta\nauthor:\n  name: A\n  url: \"javascript:x\"\n---\nbody\n"},
    {"markdown", "---\ntitle: meta\nauthor:\n  name: A\n  email: a@example.org\n---\nbody\n"},
    {"markdown", "---\ntitle: meta\nauthors:\n  - name: A\n    avatar: \"data:text/html,x\"\n---\nbody\n"},
    {"markdown", "```html\n<script>code is fine</script>\n```\n\n`<iframe>` too\n"},
    {"markdown", "# h1\n\n###### h6\n\n> quote <span>inline</span>\n\n- [ ] task\n"},
    {"html", "<html><head><title>t</title></head><body><p>plain</p></body></html>"},
    {"html", "<html><body><p onclick=\"x\">p</p><script>y</script></body></html>"},
    {"html", "<html><body><iframe src=\"https://youtu.be/abc\"></iframe></body></html>"},
    {"html", "<html><body><figure><video src=\"v.mp4\"></video><figcaption>c</figcaption></figure></body></html>"},
    {"html", "<html><body><p><a href=\"//example.org/x\">scheme-relative</a></p></body></html>"},
    {"html", "<html><body><p><a href=\"java\nscript:x\">split</a></p></body></html>"},
};

static quire_chain *make_chain(const char *spec)
{
    quire_chain *ch = NULL;
    quire_diag_list diags;
    quire_diag_list_init(&diags);
    if (quire_chain_add_spec(&ch, spec, &diags) != QUIRE_OK) {
        fprintf(stderr, "bad chain %s\n", spec);
        exit(2);
    }
    quire_diag_list_free(&diags);
    return ch;
}

static void read_folder(quire_chain *const *ch, const char *path)
{
    struct stat sb;
    if (stat(path, &sb) != 0) {
        printf("# %s: not there, skipped\n", path);
        return;
    }
    quire_collection *c = quire_collection_new();
    quire_diag_list diags;
    quire_diag_list_init(&diags);
    quire_collection_read_paths(c, &path, 1, NULL, NULL, &diags);
    quire_site_set_base_url(&c->site, "https://bench.example.org/");
    for (size_t i = 0; i < N_CHAINS; i++)
        quire__chain_prepare(ch[i], &c->site, &diags);
    printf("# %s: %zu documents\n", path, c->count);
    memset(skipped_by_chain, 0, sizeof skipped_by_chain);
    check_collection(c, ch);
    for (size_t i = 0; i < N_CHAINS; i++)
        printf("#   %-32s no change for %d\n", chains[i], skipped_by_chain[i]);
    quire_diag_list_free(&diags);
    quire_collection_free(c);
}

int main(void)
{
    quire_chain *ch[N_CHAINS];
    for (size_t i = 0; i < N_CHAINS; i++)
        ch[i] = make_chain(chains[i]);

    /* every built-in filter with a predicate is covered above */
    void *it = NULL;
    for (const quire_filter *f; (f = quire_filter_next(&it));) {
        bool listed = false;
        for (size_t i = 0; i < N_CHAINS && !listed; i++)
            listed = strncmp(chains[i], f->name, strlen(f->name)) == 0;
        if (f->changes && !listed) {
            fprintf(stderr, "FAIL filter %s has a predicate but no chain here\n", f->name);
            failures++;
        }
    }

    quire_collection *c = quire_collection_new();
    quire_diag_list diags;
    quire_diag_list_init(&diags);
    for (size_t i = 0; i < sizeof hostile / sizeof *hostile; i++) {
        char path[32];
        snprintf(path, sizeof path, "hostile-%zu.%s", i,
                 strcmp(hostile[i].reader, "html") ? "md" : "html");
        if (quire_read_buffer(c, quire_reader_find(hostile[i].reader), path, hostile[i].text,
                              strlen(hostile[i].text), NULL, &diags) != QUIRE_OK) {
            fprintf(stderr, "FAIL cannot read hostile case %zu\n", i);
            failures++;
        }
    }
    quire_site_set_base_url(&c->site, "https://example.org/");
    for (size_t i = 0; i < N_CHAINS; i++)
        quire__chain_prepare(ch[i], &c->site, &diags);
    int before = failures;
    int before_skips = skipped_runs;
    check_collection(c, ch);
    /* the hostile cases must not all be "no change": they exercise the runs */
    if (skipped_runs - before_skips == (int)(c->count * N_CHAINS)) {
        fprintf(stderr, "FAIL every hostile case skipped\n");
        failures++;
    }
    printf("# hostile: %zu documents, %d failures\n", c->count, failures - before);
    quire_diag_list_free(&diags);
    quire_collection_free(c);

    const char *root = getenv("QUIRE_SOURCE_ROOT");
    if (root) {
        char path[4096];
        snprintf(path, sizeof path, "%s/samples", root);
        read_folder(ch, path);
    }
    const char *corpus = getenv("QUIRE_CHANGES_CORPUS");
    read_folder(ch, corpus ? corpus : "/work/main/.cache/bench/corpus-1000");

    for (size_t i = 0; i < N_CHAINS; i++)
        quire_chain_free(ch[i]);
    printf("%d checks, %d runs the predicate skipped, %d runs it did not skip that changed "
           "nothing, %d failures\n",
           checks, skipped_runs, wasted, failures);
    return failures ? 1 : 0;
}
