/*
 * test_summary.c — the "summary" filter: text before <!--more-->, else the
 * first paragraph with text; whitespace collapsed; cut at a word boundary,
 * UTF-8 safe; existing summaries kept unless force=true.
 */
#include "ftest.h"

#include <string.h>

static quire_node *node(quire_document *d, quire_node *parent, quire_node_type t)
{
    quire_node *n = quire_node_new(d->arena, t, 1, 1);
    quire_node_append(parent ? parent : d->body, n);
    return n;
}

static quire_node *text(quire_document *d, quire_node *parent, const char *s)
{
    quire_node *n = quire_node_new_text(d->arena, s, strlen(s), 1, 1);
    quire_node_append(parent, n);
    return n;
}

static const char *summarize(quire_document *d, const char *opts)
{
    CHECK_INT(ft_run_doc("summary", opts, NULL, d, NULL), QUIRE_OK);
    return d->summary;
}

/* A document of one paragraph, summarized with the given options. */
static void expect_para(const char *para, const char *opts, const char *want)
{
    quire_document *d = ft_doc(NULL, "p.md", "p");
    ft_para(d, NULL, para);
    CHECK_STR(summarize(d, opts), want);
    quire_document_free(d);
}

static void test_more(void)
{
    quire_document *d = ft_doc("T", "m.md", "m");
    node(d, NULL, QUIRE_NODE_HEADING)->level = 2;
    text(d, d->body->first_child, "Intro");
    ft_para(d, NULL, "First   part.");
    quire_node *p = node(d, NULL, QUIRE_NODE_PARAGRAPH);
    text(d, p, "Second ");
    text(d, node(d, p, QUIRE_NODE_EMPH), "emphasised");
    node(d, p, QUIRE_NODE_SOFTBREAK);
    quire_node *code = node(d, p, QUIRE_NODE_CODE);
    code->literal = "x<y";
    quire_node *ref = node(d, p, QUIRE_NODE_FOOTNOTE_REF);
    ref->info = "1";
    quire_node *def = node(d, NULL, QUIRE_NODE_FOOTNOTE_DEF);
    ft_para(d, def, "the note");
    quire_node *script = node(d, NULL, QUIRE_NODE_HTML_BLOCK);
    script->name = "script";
    text(d, script, "alert(1)");
    node(d, NULL, QUIRE_NODE_MORE);
    ft_para(d, NULL, "After the fold.");
    CHECK_STR(summarize(d, NULL), "Intro First part. Second emphasised x<y");
    quire_document_free(d);

    /* MORE nested in a block quote still stops the text */
    d = ft_doc("T", "m.md", "m");
    quire_node *bq = node(d, NULL, QUIRE_NODE_BLOCKQUOTE);
    ft_para(d, bq, "Quoted.");
    node(d, bq, QUIRE_NODE_MORE);
    ft_para(d, bq, "Not this.");
    CHECK_STR(summarize(d, NULL), "Quoted.");
    quire_document_free(d);

    /* MORE with nothing before it: the first paragraph instead */
    d = ft_doc("T", "m.md", "m");
    node(d, NULL, QUIRE_NODE_MORE);
    ft_para(d, NULL, "Only after.");
    ft_para(d, NULL, "Second.");
    CHECK_STR(summarize(d, NULL), "Only after.");
    quire_document_free(d);
}

static void test_first_paragraph(void)
{
    quire_document *d = ft_doc("T", "f.md", "f");
    node(d, NULL, QUIRE_NODE_HEADING);
    text(d, d->body->first_child, "Heading is not a paragraph");
    quire_node *cb = node(d, NULL, QUIRE_NODE_CODE_BLOCK);
    cb->literal = "code();\n";
    quire_node *p0 = node(d, NULL, QUIRE_NODE_PARAGRAPH);
    node(d, p0, QUIRE_NODE_IMAGE)->url = "a.png"; /* no alt: no text */
    ft_para(d, NULL, "  Hello\n\n  world\tagain  ");
    ft_para(d, NULL, "Not the second.");
    CHECK_STR(summarize(d, NULL), "Hello world again");
    quire_document_free(d);

    /* markup-looking text stays literal text: the summary is plain text */
    expect_para("a <b>bold</b> & c", NULL, "a <b>bold</b> & c");

    /* empty body: no summary */
    d = ft_doc("T", "e.md", "e");
    CHECK(summarize(d, NULL) == NULL);
    node(d, NULL, QUIRE_NODE_THEMATIC_BREAK);
    CHECK(summarize(d, NULL) == NULL);
    quire_document_free(d);
}

static void test_existing(void)
{
    quire_document *d = ft_doc("T", "x.md", "x");
    ft_para(d, NULL, "From the body.");
    d->summary = "Given.";
    CHECK_STR(summarize(d, NULL), "Given.");
    CHECK_STR(summarize(d, "force=true"), "From the body.");
    d->summary = "";
    CHECK_STR(summarize(d, NULL), "From the body."); /* empty counts as missing */
    quire_document_free(d);
}

static void test_cut(void)
{
    expect_para("The quick brown fox jumps over", "length=20", "The quick brown fox…");
    expect_para("The quick brown fox jumps over", "length=19", "The quick brown fox…");
    expect_para("The quick brown fox jumps over", "length=18", "The quick brown…");
    expect_para("The quick brown fox jumps over", "length=30", "The quick brown fox jumps over");
    expect_para("The quick brown fox jumps over", "length=29", "The quick brown fox jumps…");
    /* multi-byte text: é spans bytes 11-12, so 12 bytes end inside it */
    expect_para("Zürich café naïve Ångström", "length=12", "Zürich…");
    expect_para("Zürich café naïve Ångström", "length=13", "Zürich café…");
    expect_para("Zürich café naïve Ångström", "length=14", "Zürich café…");
    /* no space at all: cut at a character boundary, never inside one */
    expect_para("東京タワーは高い", "length=7", "東京…");
    expect_para("東京タワーは高い", "length=6", "東京…");
    expect_para("東京タワーは高い", "length=5", "東…");
    expect_para("東京タワーは高い", "length=2", "…");
    expect_para("Supercalifragilistic word", "length=5", "Super…");
    /* no comma before the ellipsis */
    expect_para("one, two, three", "length=9", "one, two…");
    expect_para("one - two", "length=6", "one…");
    /* the default is 300 bytes */
    char long_text[701];
    for (int i = 0; i < 700; i += 7)
        memcpy(long_text + i, "abcdef ", 7);
    long_text[700] = '\0';
    quire_document *d = ft_doc(NULL, "l.md", "l");
    ft_para(d, NULL, long_text);
    const char *s = summarize(d, NULL);
    CHECK_INT(strlen(s), 300 + 3); /* byte 300 is a space: 43 whole words fit */
    CHECK(strcmp(s + 300, "…") == 0);
    quire_document_free(d);
}

static void test_options(void)
{
    quire_diag_list diags;
    quire_diag_list_init(&diags);
    CHECK_INT(ft_init("summary", "length=0", &diags), QUIRE_ERR_USAGE);
    CHECK_INT(ft_init("summary", "length=short", &diags), QUIRE_ERR_USAGE);
    CHECK_INT(ft_init("summary", "force=maybe", &diags), QUIRE_ERR_USAGE);
    CHECK_INT(ft_init("summary", "len=3", &diags), QUIRE_ERR_USAGE);
    CHECK_INT(diags.errors, 4);
    quire_diag_list_free(&diags);
}

int main(void)
{
    test_more();
    test_first_paragraph();
    test_existing();
    test_cut();
    test_options();
    return ft_done("test_summary");
}
