#!/usr/bin/env python3
"""Hostile input: one case per run (`test_hostile.py CASE [--sanitized]`).

Each case writes its hostile document(s) next to two good ones (generated at
test time: nothing large lives in the repository), runs `quire build` and
asserts, for every case:

  * no crash and no sanitizer report (exit status is the expected 0 or 1);
  * the expected diagnostics, each as `file:line:column: severity: message`;
  * valid outputs with the good documents in them: feed.json and model.json
    parse as JSON, rss.xml / atom.xml and every XHTML file of book.epub parse
    as XML, every HTML page parses, the EPUB is a whole zip;
  * no script in feeds, EPUB or HTML: no <script> element (JSON-LD data
    blocks aside), no on*= handler, no javascript:/vbscript: URL;
  * nothing written outside the output folder, no symlink in it;
  * a time bound, stated per case (seconds on an unsanitized build; x6
    under ASan+UBSan); cases whose size is a parameter also check that the
    time is linear: a 4x larger input may take at most 8x as long + 2 s.
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
import zipfile
from html.parser import HTMLParser

QUIRE = os.environ.get("QUIRE", "quire")
GOOD = {
    "good-one.md": "---\ntitle: Good One\ndate: 2024-03-01\ntags: [news]\n---\nThe first *good* post.\n",
    "good-two.html": "<!DOCTYPE html><html><head><title>Good Two</title>"
                     "<meta name=\"date\" content=\"2024-03-02\"></head>"
                     "<body><article><p>The second good post.</p></article></body></html>",
}
GOOD_TITLES = ["Good One", "Good Two"]
SANITIZER_MARKS = ("Sanitizer", "runtime error:", "LeakSanitizer", "AddressSanitizer")


class Fail(Exception):
    pass


def check(cond, msg):
    if not cond:
        raise Fail(msg)


def write(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data.encode("utf-8") if isinstance(data, str) else data)


# ---------------------------------------------------------------- the cases
# Each: make(src, n) writes the hostile files for size parameter n; exit:
# the expected status; diags: regexes that must each match a stderr line;
# bound: seconds; scale: (small n, large n) for the linearity check, or None.
CASES = {}


def case(name, exit, diags, bound=20, scale=None, args=(), extra=None, outside=None,
         validate=True, foreign=()):
    def deco(make):
        CASES[name] = dict(make=make, exit=exit, diags=diags, bound=bound, scale=scale,
                           args=list(args), extra=extra, outside=outside, validate=validate,
                           foreign=set(foreign))
        return make
    return deco


def billion_laughs(levels=9, width=9):
    lines = ["a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    for i in range(1, levels):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * width) + "]")
    return "\n".join(lines)


@case("yaml-alias-bomb", exit=1,
      diags=[r"^src/bomb\.md:7:10: error: too many YAML alias expansions"], bound=10)
def _(src, n):
    write(f"{src}/bomb.md", "---\n" + billion_laughs() + "\ntitle: bomb\n---\nbody\n")


@case("yaml-alias-bomb-config", exit=1, validate=False,
      diags=[r"^src/quire\.yaml:6:10: error: too many YAML alias expansions"], bound=10)
def _(src, n):
    # The site configuration goes through the same YAML parser and limits.
    write(f"{src}/quire.yaml", billion_laughs() + "\ntitle: Site\n")


@case("deep-blockquote", exit=0, scale=(25000, 100000), bound=30,
      diags=[r"^src/deep-quote\.md:1:\d+: warning: elements nested deeper than 200 levels"])
def _(src, n):
    write(f"{src}/deep-quote.md", "> " * n + "deep\n")


@case("deep-list", exit=0, scale=(25000, 100000), bound=30,
      diags=[r"^src/deep-list\.md:1:\d+: warning: elements nested deeper than 200 levels"])
def _(src, n):
    # "- - - x" nests one list per "- ": 100,000 levels in 200 kB.
    write(f"{src}/deep-list.md", "- " * n + "deep\n")


@case("deep-html", exit=0, scale=(25000, 100000), bound=30,
      diags=[r"^src/deep\.html:1:\d+: warning: elements nested deeper than 200 levels",
             r"^src/deep-inline\.md:1:\d+: warning: elements nested deeper than 200 levels"])
def _(src, n):
    write(f"{src}/deep.html", "<html><head><title>Deep</title></head><body>" + "<div>" * n
          + "x" + "</div>" * n + "</body></html>")
    write(f"{src}/deep-inline.md", "<span><em>" * (n // 2) + "x\n")


@case("big-document", exit=1, bound=20,
      diags=[r"^src/big\.md:1:1: error: file larger than limits\.max_file_size"])
def _(src, n):
    # 50 MB: over the 16 MiB default, refused before it is parsed.
    para = ("harbor tide ferry storm light keeper north wind " * 8 + "\n\n").encode()
    with open(f"{src}/big.md", "wb") as f:
        f.write(b"---\ntitle: Big\n---\n")
        for _ in range(50_000_000 // len(para) + 1):
            f.write(para)


@case("long-line", exit=0, scale=(1_250_000, 5_000_000), bound=60, diags=[])
def _(src, n):
    # One 5 MB line, inline markup all along it: read, not refused.
    unit = "word *em* "
    write(f"{src}/long-line.md", "---\ntitle: Long Line\n---\n" + unit * (n // len(unit)) + "\n")


def _expect_title(title):
    def extra(out, stderr):
        feed = json.load(open(f"{out}/feed.json", encoding="utf-8"))
        titles = [i.get("title") for i in feed["items"]]
        check(title in titles, f"feed.json has an item titled {title!r} (got {titles})")
    return extra


@case("invalid-utf8", exit=0, diags=[
    r"^src/bad-utf8\.md:5:7: warning: invalid UTF-8 .*replaced with U\+FFFD \(8 in this file"],
    extra=_expect_title("Broken Bytes"))
def _(src, n):
    write(f"{src}/bad-utf8.md", b"---\ntitle: Broken Bytes\n---\nvalid \xc3\xa9\n"
          b"stray \xff, overlong \xc0\xaf, surrogate \xed\xa0\x80, cut \xe2\x82\n")


@case("nul-and-controls", exit=0, diags=[
    r"^src/nul\.md:4:5: warning: NUL byte replaced with U\+FFFD \(2 in this file",
    r"^src/nul\.md:5:6: warning: control character that XML forbids replaced with U\+FFFD \(3 in"],
    extra=_expect_title("Nul Title"))
def _(src, n):
    write(f"{src}/nul.md", b"---\ntitle: Nul Title\n---\nnul \x00 and \x00\nbell \x07 esc \x1b[31m vt \x0b\n")


@case("bom-crlf", exit=0, diags=[], extra=_expect_title("BOM and CRLF"))
def _(src, n):
    write(f"{src}/bom.md", b"\xef\xbb\xbf---\r\ntitle: BOM and CRLF\r\ndate: 2024-01-05\r\n---\r\n"
          b"Hello\r\nworld\r\n")


def _latin1_extra(out, stderr):
    _expect_title("Caf\u00e9 na\u00efve")(out, stderr)
    _expect_title("Cr\u00e8me br\u00fbl\u00e9e")(out, stderr)


@case("latin1", exit=0, diags=[
    r"^src/latin1\.md:2:11: warning: the file is not UTF-8: it is read as Windows-1252",
    r"^src/latin1\.html:1:22: warning: the file is not UTF-8: it is read as Windows-1252"],
    extra=_latin1_extra)
def _(src, n):
    write(f"{src}/latin1.md", "---\ntitle: Caf\u00e9 na\u00efve\n---\nGar\u00e7on \u00bb\n".encode("latin-1"))
    write(f"{src}/latin1.html", "<html><head><title>Cr\u00e8me br\u00fbl\u00e9e</title></head>"
          "<body><p>\u00e0 la carte</p></body></html>".encode("latin-1"))


@case("front-matter-broken", exit=1, diags=[
    r"^src/unterminated\.md:1:1: error: front matter opened with '---' on line 1 is never closed",
    r"^src/not-mapping\.md:2:1: error: front matter must be a mapping of keys, not a list",
    r"^src/scalar\.md:2:1: error: front matter must be a mapping of keys",
    r"^src/tabs\.md:3:1: error: invalid YAML front matter: found a tab character"])
def _(src, n):
    write(f"{src}/unterminated.md", "---\ntitle: never closed\nbody text\n")
    write(f"{src}/not-mapping.md", "---\n- a\n- b\n---\nbody\n")
    write(f"{src}/scalar.md", "---\njust a string\n---\nbody\n")
    write(f"{src}/tabs.md", "---\ntitle: tabs\n\tauthor: x\n---\nbody\n")


@case("wrong-types", exit=0, diags=[
    r"^src/wrong\.md:2:8: warning: front matter 'title': expected text",
    r"^src/wrong\.md:3:7: warning: front matter 'date': expected a date",
    r"^src/wrong\.md:4:10: warning: front matter 'author': expected",
    r"^src/wrong\.md:9:7: warning: front matter 'tags': expected",
    r"^src/wrong\.md:5:8: warning: front matter 'draft': expected true or false",
    r"^src/wrong\.md:6:7: warning: front matter 'slug': expected text",
    r"^src/wrong\.md:7:8: warning: front matter 'image': expected a URL",
    r"^src/wrong\.md:8:10: warning: front matter 'summary': expected text"])
def _(src, n):
    write(f"{src}/wrong.md", "---\ntitle: [1, 2]\ndate: {a: 1}\nauthor: [[1]]\ndraft: maybe\n"
          "slug: [x]\nimage: 7\nsummary: {x: y}\ntags: {a: b}\n---\nbody\n")


@case("impossible-dates", exit=0, diags=[
    rf"^src/date-{i}\.md:3:7: warning: front matter 'date': '.*' is not a valid date"
    for i in range(6)])
def _(src, n):
    for i, d in enumerate(["2024-02-30", "2023-02-29", "2024-13-01", "2024-01-01T25:61:00Z",
                           "0000-00-00", "2024-01-01T00:00:00+99:00"]):
        write(f"{src}/date-{i}.md", f"---\ntitle: Date {i}\ndate: {d}\n---\nbody\n")


def _slugs_extra(out, stderr):
    for d in ["etc-passwd", "escape", "a-b", "same", "same-2"]:
        check(os.path.isfile(f"{out}/{d}/index.html"), f"page {d}/index.html written in OUTDIR")


@case("slugs", exit=0, diags=[
    r"^src/abs\.md:3:7: warning: slug '/etc/passwd' is not a safe path segment",
    r"^src/dots\.md:3:7: warning: slug '\.\./\.\./escape' is not a safe path segment",
    r"^src/backslash\.md:3:7: warning: slug 'a\\\.\.\\b' is not a safe path segment",
    r"^src/nul\.md:3:7: warning: front matter 'slug': the text contains a NUL character",
    r"^src/same-2\.md:3:7: warning: slug 'same' is already taken: this document is written as 'same-2'"],
    extra=_slugs_extra)
def _(src, n):
    write(f"{src}/abs.md", "---\ntitle: Abs\nslug: /etc/passwd\n---\nx\n")
    write(f"{src}/dots.md", "---\ntitle: Dots\nslug: ../../escape\n---\nx\n")
    write(f"{src}/backslash.md", "---\ntitle: Back\nslug: 'a\\..\\b'\n---\nx\n")
    write(f"{src}/nul.md", "---\ntitle: Nul\nslug: \"zz\\0/../../x\"\n---\nx\n")
    write(f"{src}/same-1.md", "---\ntitle: S1\nslug: same\n---\nx\n")
    write(f"{src}/same-2.md", "---\ntitle: S2\nslug: same\n---\nx\n")


XSS = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    "<img src=x onerror=alert(1)>",
    "<svg onload=alert(1)><script>alert(2)</script></svg>",
    "<a href=\"JaVaScRiPt:alert(1)\">x</a>",
    "<a href=\"&#106;avascript:alert(1)\">entity</a>",
    "<a href=\" javascript:alert(1)\">space</a>",
    "<a href=\"java\tscript:alert(1)\">tab</a>",
    "<a href=\"vbscript:msgbox(1)\">vb</a>",
    "<iframe src=\"javascript:alert(1)\"></iframe>",
    "<iframe srcdoc=\"<script>alert(1)</script>\"></iframe>",
    "<object data=\"javascript:alert(1)\"></object><embed src=\"javascript:alert(1)\">",
    "<form action=\"javascript:alert(1)\"><button formaction=\"javascript:alert(1)\">b</button></form>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "<style>@import 'javascript:alert(1)';</style>",
    "<div style=\"background:url(javascript:alert(1))\">css</div>",
    "<a href=\"data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==\">data</a>",
    "<img src=\"data:image/svg+xml,<svg onload=alert(1)>\">",
    "<body onload=alert(1)>",
    "<meta http-equiv=\"refresh\" content=\"0;url=javascript:alert(1)\">",
    "<base href=\"javascript:alert(1)//\">",
    "<details open ontoggle=alert(1)>",
    "<video><source onerror=alert(1)></video>",
    "<!--<script>alert(1)</script>-->",
    "<noscript><p title=\"</noscript><img src=x onerror=alert(1)>\"></noscript>",
]


@case("xss", exit=0, diags=[])
def _(src, n):
    md_links = ("[a](javascript:alert(1)) [b](JAVASCRIPT:alert(1)) "
                "![c](javascript:alert(1)) [d]( javascript:alert(1) )\n\n[e]: javascript:alert(1)\n")
    write(f"{src}/xss.md", "---\ntitle: \"<script>alert('t')</script>\"\n"
          "summary: \"<img src=x onerror=alert(1)>\"\n"
          "image: \"javascript:alert(1)\"\nurl: \"javascript:alert(1)\"\n---\n"
          + "\n\n".join(XSS) + "\n\n" + md_links)
    write(f"{src}/xss.html", "<html><head><title>X<script>alert(1)</script></title>"
          "<meta property=\"og:image\" content=\"javascript:alert(1)\"></head><body><article>"
          + "".join(XSS) + "</article></body></html>")


def _cdata_extra(out, stderr):
    _expect_title("a ]]> b")(out, stderr)
    rss = ET.parse(f"{out}/rss.xml").getroot()
    titles = [t.text for t in rss.iter("title")]
    check("a ]]> b" in titles, f"rss.xml keeps ']]>' in a title (got {titles})")
    text = "".join(ET.parse(f"{out}/rss.xml").getroot().itertext())
    check("x]]&gt;y" in text or "x]]>y" in text, "rss.xml keeps ']]>' in the content")
    check("]]&gt;]]&gt;" in text or "]]>]]>" in text, "rss.xml keeps ']]>' in code")


@case("cdata-end", exit=0, diags=[], extra=_cdata_extra)
def _(src, n):
    write(f"{src}/cdata.md", "---\ntitle: \"a ]]> b\"\nsummary: \"s ]]> s\"\n---\n"
          "text x]]>y and `code ]]>` and <![CDATA[ inner ]]> done\n\n"
          "```\n]]>]]>\n```\n\n[link ]]>](https://example.org/?q=]]>)\n")


def _entities_extra(out, stderr):
    for root, _, files in os.walk(out):
        for f in files:
            data = open(os.path.join(root, f), "rb").read()
            check(b"root:x:0:0" not in data, f"{f}: no /etc/passwd in the output")
            check(b"lol" * 100 not in data, f"{f}: no expanded entity bomb")


@case("html-doctype-entities", exit=0, bound=10, extra=_entities_extra, diags=[
    r"^src/laughs\.html:1:16: warning: DOCTYPE internal subset ignored",
    r"^src/system\.html:2:2: warning: DOCTYPE internal subset ignored",
    r"^src/unclosed\.html:1:16: warning: DOCTYPE internal subset ignored"])
def _(src, n):
    ents = "".join(f"<!ENTITY l{i} \"" + f"&l{i - 1};" * 10 + "\">" for i in range(1, 10))
    write(f"{src}/laughs.html", "<!DOCTYPE html [<!ENTITY l0 \"lol\">" + ents
          + "]><html><head><title>Laughs</title></head><body><p>&l9;</p></body></html>")
    write(f"{src}/system.html", "<!DOCTYPE html\n [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">\n"
          "<!ENTITY % pe SYSTEM \"http://evil.example/x.dtd\"> %pe;]>\n"
          "<html><head><title>System</title></head><body><p>&xxe;</p></body></html>")
    write(f"{src}/unclosed.html", "<!DOCTYPE html [<!ENTITY a \"x\"><html><head><title>U</title>")
    write(f"{src}/external.html", "<!DOCTYPE html SYSTEM \"file:///etc/passwd\">"
          "<html><head><title>External</title></head><body><p>x</p></body></html>")


@case("max-documents", exit=1, args=["--max-documents", "2"], diags=[
    r"^src/z1\.md:1:1: error: more than 2 documents \(limits\.max_documents\)",
    r"^src/z2\.md:1:1: error: more than 2 documents"])
def _(src, n):
    write(f"{src}/z1.md", "# one more\n")
    write(f"{src}/z2.md", "# and another\n")


@case("limits-config", exit=1, diags=[
    r"^src/quire\.yaml:4:10: error: limits\.bogus: unknown limit",
    r"^src/quire\.yaml:5:18: error: limits\.max_documents: expected a positive whole number",
    r"^src/huge\.md:1:1: error: file larger than limits\.max_file_size",
    r"^src/nest\.md:1:21: warning: elements nested deeper than 10 levels",
    r"^src/aliases\.md:4:5: error: too many YAML alias expansions \(limit 3"])
def _(src, n):
    write(f"{src}/quire.yaml", "title: Limits\nlimits:\n  max_file_size: 1K\n  bogus: 1\n"
          "  max_documents: -5\n  max_depth: 10\n  max_yaml_aliases: 3\n")
    write(f"{src}/huge.md", "# huge\n\n" + "word " * 400 + "\n")
    write(f"{src}/nest.md", "> " * 30 + "x\n")
    write(f"{src}/aliases.md", "---\na: &a x\nb: [*a, *a, *a]\nc: [*a]\n---\nbody\n")


def _foreign_setup(tmp, out):
    os.makedirs(out)
    write(f"{out}/index.html", "<p>the user's own page</p>")
    write(f"{out}/notes.txt", "keep me")


def _foreign_extra(out, stderr):
    check(open(f"{out}/index.html").read() == "<p>the user's own page</p>", "foreign index.html untouched")
    check(open(f"{out}/notes.txt").read() == "keep me", "foreign notes.txt untouched")
    check(os.path.isfile(f"{out}/good-one/index.html"), "other pages still written")


@case("outdir-foreign-files", exit=1, extra=_foreign_extra, outside=_foreign_setup,
      foreign=["index.html"], diags=[
    r"index\.html: error: .*quire did not write"])
def _(src, n):
    pass


def _symlink_setup(tmp, out):
    os.makedirs(out)
    os.makedirs(f"{tmp}/elsewhere")
    write(f"{tmp}/elsewhere/victim.json", "precious")
    os.symlink(f"{tmp}/elsewhere/victim.json", f"{out}/feed.json")
    os.symlink(f"{tmp}/elsewhere", f"{out}/tags")
    os.symlink(f"{tmp}/elsewhere", f"{out}/good-one")


def _symlink_extra(out, stderr):
    check(os.path.islink(f"{out}/feed.json") and os.path.islink(f"{out}/tags"),
          "the planted symlinks are left alone (never followed, never deleted)")
    ET.parse(f"{out}/rss.xml")
    ET.parse(f"{out}/atom.xml")
    check(os.path.isfile(f"{out}/good-two/index.html"), "the other pages are written")


@case("outdir-symlinks", exit=1, outside=_symlink_setup, extra=_symlink_extra, validate=False,
      diags=[
    r"^feed\.json: error: .*unsafe path",
    r"good-one/index\.html: error: .*unsafe path"])
def _(src, n):
    write(f"{src}/quire.yaml", "title: Sym\nfeeds:\n  by: [tags]\n")


# ---------------------------------------------------------------- checking
class PageParser(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags = 0

    def handle_starttag(self, tag, attrs):
        self.tags += 1


URL_ATTRS = {"href", "src", "action", "formaction", "xlink:href", "data", "poster", "background",
             "cite", "srcset", "content", "style"}
BAD_URL = re.compile(r"(javascript|vbscript|livescript|data:text/html|data:image/svg)", re.I)


class ScriptFinder(HTMLParser):
    """What a browser would run: <script> (JSON-LD data blocks aside), on*
    handlers, srcdoc, script URLs in URL-bearing attributes (after removing
    the whitespace and controls browsers ignore in a scheme)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found = []

    def handle_starttag(self, tag, attrs):
        a = {k.lower(): (v or "") for k, v in attrs}
        if tag == "script" and a.get("type", "").lower() != "application/ld+json":
            self.found.append(f"<script {a}>")
        for k, v in a.items():
            if k.startswith("on") or k == "srcdoc":
                self.found.append(f"<{tag} {k}={v!r}>")
            elif k in URL_ATTRS and BAD_URL.search(re.sub(r"[\s\x00-\x1f]", "", v)):
                self.found.append(f"<{tag} {k}={v!r}>")

    handle_startendtag = handle_starttag


def no_script(html, where):
    f = ScriptFinder()
    f.feed(html)
    f.close()
    check(not f.found, f"{where}: script in the output: {f.found[:3]}")


def validate_outputs(out, titles, foreign=()):
    feed = json.load(open(f"{out}/feed.json", encoding="utf-8"))
    check(feed.get("version", "").startswith("https://jsonfeed.org/version/1"), "feed.json version")
    got = [i.get("title") for i in feed["items"]]
    for t in titles:
        check(t in got, f"feed.json has {t!r}")
    for item in feed["items"]:
        no_script(item.get("content_html", ""), f"feed.json item {item.get('id')}")
        for k in ("url", "external_url", "image"):
            check(not re.match(r"\s*(javascript|vbscript|data:text/html)", item.get(k, ""), re.I),
                  f"feed.json {k} is not a script URL")
    json.load(open(f"{out}/model.json", encoding="utf-8"))
    for name in ("rss.xml", "atom.xml"):
        root = ET.parse(f"{out}/{name}").getroot()
        text_titles = [e.text for e in root.iter() if e.tag.endswith("title")]
        for t in titles:
            check(t in text_titles, f"{name} has {t!r}")
        for e in root.iter():
            # HTML-bearing elements are checked decoded; plain-text ones
            # (titles) must simply be escaped, which parsing already proved.
            tag = e.tag.rsplit("}", 1)[-1]
            if e.text and (tag in ("encoded", "description") or
                           (tag in ("content", "summary") and e.get("type") == "html")):
                no_script(e.text, f"{name} <{tag}>")
            for k, v in e.attrib.items():
                check(not re.match(r"\s*(javascript|vbscript)", v, re.I), f"{name}: {k}={v!r}")
    with zipfile.ZipFile(f"{out}/book.epub") as z:
        check(z.testzip() is None, "book.epub: every member's CRC is right")
        check(z.namelist()[0] == "mimetype", "book.epub starts with mimetype")
        nav = ""
        for n in z.namelist():
            if n.endswith((".xhtml", ".opf", ".ncx", ".xml")):
                data = z.read(n)
                ET.fromstring(data)
                if n.endswith(".xhtml"):
                    no_script(data.decode("utf-8"), f"book.epub/{n}")
                if n.endswith("nav.xhtml"):
                    nav = data.decode("utf-8")
        for t in titles:
            check(t.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;") in nav,
                  f"book.epub nav lists {t!r}")
    pages = 0
    for root, dirs, files in os.walk(out):
        for f in files:
            if f.endswith(".html") and os.path.relpath(os.path.join(root, f), out) not in foreign:
                p = os.path.join(root, f)
                html = open(p, encoding="utf-8").read()
                pp = PageParser()
                pp.feed(html)
                pp.close()
                check(pp.tags > 0 and html.lstrip().lower().startswith("<!doctype html"),
                      f"{p} is an HTML page")
                no_script(html, p)
                pages += 1
    check(pages >= len(titles), f"HTML pages written ({pages})")


def snapshot(tmp, out):
    """Every path under tmp except the output folder, with size and mtime."""
    snap = {}
    for root, dirs, files in os.walk(tmp, followlinks=False):
        if os.path.abspath(root) == os.path.abspath(out):
            dirs[:] = []
            continue
        dirs[:] = [d for d in dirs if os.path.abspath(os.path.join(root, d)) != os.path.abspath(out)]
        for f in files + dirs:
            p = os.path.join(root, f)
            st = os.lstat(p)
            snap[p] = (st.st_mode, st.st_size, st.st_mtime_ns)
    return snap


def run_build(c, tmp, n, sanitized):
    src, out = f"{tmp}/src", f"{tmp}/out"
    for d in (src, out):
        shutil.rmtree(d, ignore_errors=True)
    for name, text in GOOD.items():
        write(f"{src}/{name}", text)
    c["make"](src, n)
    if c["outside"]:
        c["outside"](tmp, out)
    before = snapshot(tmp, out)
    t0 = time.monotonic()
    limit = c["bound"] * (6 if sanitized else 1)
    p = subprocess.run([QUIRE, "build", "src", "-o", "out"] + c["args"], cwd=tmp,
                       capture_output=True, timeout=limit * 3 + 30)
    elapsed = time.monotonic() - t0
    stderr = p.stderr.decode("utf-8", "replace")
    for mark in SANITIZER_MARKS:
        check(mark not in stderr, f"sanitizer report:\n{stderr[-4000:]}")
    check(p.returncode in (0, 1), f"quire crashed or failed: status {p.returncode}\n{stderr[-2000:]}")
    after = snapshot(tmp, out)
    check(before == after, "nothing written, changed or removed outside OUTDIR: "
          f"{sorted(set(before.items()) ^ set(after.items()))[:5]}")
    check(elapsed <= limit, f"took {elapsed:.1f} s, bound {limit} s")
    return p.returncode, stderr, elapsed


def run(name, sanitized):
    c = CASES[name]
    tmp = tempfile.mkdtemp(prefix=f"quire-hostile-{name}-")
    try:
        if c["scale"]:
            small, large = c["scale"]
            _, _, t_small = run_build(c, tmp, small, sanitized)
        code, stderr, elapsed = run_build(c, tmp, c["scale"][1] if c["scale"] else 0, sanitized)
        print(f"{name}: status {code} in {elapsed:.2f} s")
        if c["scale"]:
            print(f"  linear: n={small}: {t_small:.2f} s, n={large}: {elapsed:.2f} s")
            check(elapsed <= 8 * t_small + 2, f"time is not linear: {t_small:.2f} s -> {elapsed:.2f} s "
                  "for 4x the input")
        lines = stderr.splitlines()
        for rx in c["diags"]:
            check(any(re.search(rx, l) for l in lines), f"expected diagnostic {rx!r} in:\n{stderr}")
        for l in lines:
            if re.search(r": error: ", l):
                check(re.match(r"^[^:]+:\d+:\d+: error: ", l) or c["outside"],
                      f"every error names file:line:column: {l!r}")
        check(code == c["exit"], f"exit status {code}, expected {c['exit']}\n{stderr}")
        out = f"{tmp}/out"
        for root, dirs, files in os.walk(out):
            for f in dirs + files:
                p = os.path.join(root, f)
                if c["outside"] is None:
                    check(not os.path.islink(p), f"no symlink in OUTDIR: {p}")
                check(not re.match(r"^\..+\.[A-Za-z0-9]{6}$", f), f"no temporary file left: {p}")
        if c["validate"]:
            validate_outputs(out, GOOD_TITLES, c["foreign"])
        else:  # the build as a whole was refused, or its outputs are planted symlinks
            check(not os.path.isfile(f"{out}/feed.json") or os.path.islink(f"{out}/feed.json"),
                  "no feed written")
        if c["extra"]:
            c["extra"](out, stderr)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    sanitized = "--sanitized" in sys.argv
    if args == ["--list"] or not args:
        print("\n".join(CASES))
        return 0
    try:
        for name in args:
            run(name, sanitized)
    except Fail as e:
        print(f"FAIL: {e}")
        return 1
    print("ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
