#!/usr/bin/env python3
"""The html writer through the command line: the site's files and relative
links, canonical URLs only with a base_url, a folder mixing .md, .html and
.txt as one collection, templates replaced from templates/ (and a clear
file:line:column error for a malformed one), one standalone page from
`convert -t html`, raw passthrough only when sanitize is named, and
documents with an empty body."""
import os
import shutil
import subprocess
import sys
import tempfile

QUIRE = os.environ["QUIRE"]
ROOT = os.environ["QUIRE_SOURCE_ROOT"]
failures = []


def check(cond, msg):
    if not cond:
        failures.append(msg)
        print("FAIL:", msg, file=sys.stderr)


def run(*args):
    return subprocess.run([QUIRE, *args], capture_output=True, text=True)


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


PNG_RED = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00"
           b"\x90wS\xde\x00\x00\x00\x0cIDATx\xdac\xf8\xcf\xc0\x00\x00\x03\x01\x01\x00\xf7\x03AC\x00\x00"
           b"\x00\x00IEND\xaeB`\x82")
PNG_BLUE = PNG_RED.replace(b"\xf8\xcf\xc0", b"\x60\x60\xf8")
SVG_SAFE = b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 2 2"><rect width="2" height="2" fill="url(#g)"/></svg>'
SVG_SCRIPT = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
SVG_HANDLER = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><rect width="2" height="2"/></svg>'
SVG_LINK = b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:x="http://www.w3.org/1999/xlink"><use x:href="https://evil.example/a.svg#x"/></svg>'


def write_bytes(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)


def media_files(out):
    d = os.path.join(out, "media")
    return sorted(os.listdir(d)) if os.path.isdir(d) else []


def images_and_links(tmp):
    """Local images published once by content into media/, srcs relative to
    each page; missing, refused and path-traversing images become alt text
    with a file:line:column warning; links between documents by source file,
    by permalink and with a fragment point at pages, unknown ones stay."""
    site = os.path.join(tmp, "site")
    write(os.path.join(site, "quire.yaml"), "title: Images\n")
    write_bytes(os.path.join(site, "images", "red.png"), PNG_RED)
    write_bytes(os.path.join(site, "images", "red-copy.png"), PNG_RED)  # same content
    write_bytes(os.path.join(site, "images", "blue.png"), PNG_BLUE)
    write_bytes(os.path.join(site, "posts", "pics", "local.png"), PNG_BLUE)
    write_bytes(os.path.join(site, "images", "fake.png"), b"GIF8 not an image")
    write_bytes(os.path.join(site, "images", "ok.svg"), SVG_SAFE)
    write_bytes(os.path.join(site, "images", "script.svg"), SVG_SCRIPT)
    write_bytes(os.path.join(site, "images", "handler.svg"), SVG_HANDLER)
    write_bytes(os.path.join(site, "images", "link.svg"), SVG_LINK)
    write_bytes(os.path.join(tmp, "secret.png"), PNG_RED)  # beside the site: never read
    os.symlink(os.path.join(tmp, "secret.png"), os.path.join(site, "images", "planted.png"))
    write(os.path.join(site, "posts", "one.md"),
          "---\ntitle: One\ntags: [Pics]\nimage: ../images/blue.png\n---\n\n"
          "![red](../images/red.png) ![copy](../images/red-copy.png)\n"
          "![site relative](images/red.png) ![beside](pics/local.png)\n\n"
          "![gone](../images/missing.png)\n\n"
          "![escape](../../secret.png) ![deep](../../../../../../etc/passwd)\n\n"
          "![planted](../images/planted.png) ![fake](../images/fake.png)\n\n"
          "![svg](../images/ok.svg) ![s1](../images/script.svg) ![s2](../images/handler.svg) ![s3](../images/link.svg)\n\n"
          "<img src=\"../images/red.png\" srcset=\"../images/blue.png 2x, ../images/nope.png 3x, https://cdn.example/x.png 4x\" alt=\"set\">\n\n"
          "![remote](https://cdn.example/r.png)\n\n"
          "Links: [two](two.md), [two frag](./two.md#part-2), [three](../three.md), "
          "[by permalink](/notes/three/#end), [absolute](https://x.invalid/), "
          "[unknown](nowhere.md#x), [self](one.md).\n")
    write(os.path.join(site, "posts", "two.md"),
          "---\ntitle: Two\ntags: [Pics]\nimage: images/red.png\n---\n\n"
          "![same file, other document](../images/red.png)\n\nBack to [one](one.md#top).\n")
    write(os.path.join(site, "three.md"),
          "---\ntitle: Three\nurl: /notes/three/\n---\n\n![featured missing elsewhere](images/blue.png)\n\n"
          "[one from the root](posts/one.md) and [two by its page](../two/).\n")
    out = os.path.join(tmp, "site-out")
    r = run("build", site, "-o", out, "--formats", "html")
    check(r.returncode == 0, f"image site builds: {r.stderr}")
    media = media_files(out)
    # red (and its copy), blue (also pics/local.png), ok.svg: three files
    check(len(media) == 3, f"one file per content: {media}")
    check(sum(m.endswith(".png") for m in media) == 2 and sum(m.endswith(".svg") for m in media) == 1,
          f"media kinds by magic bytes: {media}")
    for m in media:
        with open(os.path.join(out, "media", m), "rb") as f:
            data = f.read()
        check(data in (PNG_RED, PNG_BLUE, SVG_SAFE), f"{m} is a copy of a source image")
        check(data != SVG_SCRIPT and data != SVG_HANDLER and data != SVG_LINK, "unsafe SVG not copied")
    red = "media/" + next((m for m in media if open(os.path.join(out, "media", m), "rb").read() == PNG_RED), "?")
    blue = "media/" + next((m for m in media if open(os.path.join(out, "media", m), "rb").read() == PNG_BLUE), "?")
    one = read(os.path.join(out, "one", "index.html"))
    check(f'<img src="../{red}" alt="red">' in one and f'<img src="../{red}" alt="copy">' in one,
          "duplicate content: same copy")
    check(f'<img src="../{red}" alt="site relative">' in one, "site-relative image found under the site folder")
    check(f'<img src="../{blue}" alt="beside">' in one, "image beside the document")
    check(f'<figure class="cover"><img src="../{blue}"' in one, "featured image published")
    for alt in ("gone", "escape", "deep", "planted", "fake", "s1", "s2", "s3"):
        check(f'alt="{alt}"' not in one and alt in one, f"{alt}: alt text instead of an image")
    check("secret" not in " ".join(media) and "passwd" not in one, "nothing from outside the site")
    check(f'srcset="../{blue} 2x, https://cdn.example/x.png 4x"' in one, f"srcset: local published, missing dropped, remote kept")
    check('src="https://cdn.example/r.png"' in one, "remote images stay remote")
    check('<a href="../two/">two</a>' in one, "link by source file")
    check('<a href="../two/#part-2">two frag</a>' in one, "link with fragment")
    check('<a href="../three/">three</a>' in one, "link to a later document in another folder")
    check('<a href="../three/#end">by permalink</a>' in one, "link by permalink")
    check('<a href="nowhere.md#x">unknown</a>' in one, "unknown target stays")
    check('<a href="https://x.invalid/">absolute</a>' in one, "other sites stay")
    check('<a href="../one/">self</a>' in one, "link to itself")
    two = read(os.path.join(out, "two", "index.html"))
    check(f'<img src="../{red}" alt="same file, other document">' in two, "same file from two documents: one copy")
    check(f'<figure class="cover"><img src="../{red}"' in two, "featured image relative to the site folder")
    check('<a href="../one/#top">one</a>' in two, "link back to an earlier document")
    three = read(os.path.join(out, "three", "index.html"))
    check(f'<img src="../{blue}"' in three, "site-root document's image")
    check('<a href="../one/">one from the root</a>' in three and '<a href="../two/">two by its page</a>' in three,
          "links by path and by page")
    stderr = r.stderr
    post = os.path.join(site, "posts", "one.md")
    for what, line in (("missing.png", 10), ("secret.png", 12), ("passwd", 12), ("planted.png", 14),
                       ("fake.png", 14), ("script.svg", 16), ("handler.svg", 16), ("link.svg", 16),
                       ("nope.png", 18)):
        check(any(l.startswith(f"{post}:{line}:") and "warning" in l and what in l for l in stderr.splitlines()),
              f"warning with file:line:column for {what}: {stderr}")
    check("outside the document's folder and the site's folder" in stderr, "traversal named as such")
    check("two.md" not in stderr and "ok.svg" not in stderr, "no warning for what worked")
    # the tag page lists both documents; entries carry the featured image
    # relative to each listing page (checked through a custom template)
    write(os.path.join(site, "templates", "index.html"),
          "<ul>{{#entries}}<li><a href=\"{{href}}\">{{title}}</a>{{#image}}<img src=\"{{src}}\" alt=\"{{alt}}\">{{/image}}</li>{{/entries}}</ul>\n")
    out2 = os.path.join(tmp, "site-out2")
    r = run("build", site, "-o", out2, "--formats", "html", "-q")
    home = read(os.path.join(out2, "index.html"))
    tag = read(os.path.join(out2, "tags", "pics", "index.html"))
    check(f'<img src="{blue}"' in home and f'<img src="{red}"' in home, f"index: images relative to the root: {home}")
    check(f'<img src="../../{blue}"' in tag and f'<img src="../../{red}"' in tag, f"tag page: images two levels up: {tag}")
    check('href="../../one/"' in tag, "tag page links")
    # standalone: no folder to copy into, srcs stay as written
    r = run("convert", os.path.join(site, "posts", "two.md"), "-t", "html")
    check('src="../images/red.png"' in r.stdout and "media/" not in r.stdout, "convert keeps srcs")


def jsonld_escapes(tmp):
    """The JSON-LD of pages is written by hand (a table says which bytes to
    escape): compare it with Python's json.dumps, with < > & as \\u
    escapes, for titles and summaries holding every byte that matters."""
    import json
    import random
    src = os.path.join(tmp, "ld")
    rnd = random.Random(7)
    alphabet = ["a", " ", '"', "\\", "<", ">", "&", "/", "\x7f", "\u00e9", "\u2603", "\U0001F600",
                "'", "\t", "\n"] + [chr(c) for c in range(1, 32)]
    def yaml_str(v):
        return '"' + "".join(f"\\x{ord(c):02x}" if ord(c) < 32 or ord(c) == 127
                             else "\\" + c if c in '"\\' else c for c in v) + '"'

    for i in range(40):
        title = "".join(rnd.choice(alphabet) for _ in range(rnd.randint(1, 30)))
        summary = "".join(rnd.choice(alphabet) for _ in range(rnd.randint(1, 60)))
        write(os.path.join(src, f"d{i}.md"), "---\n" + "title: " + yaml_str(title) + "\n"
              + "summary: " + yaml_str(summary) + "\n---\n\nbody\n")
    out = os.path.join(tmp, "ld-out")
    r = run("build", src, "-o", out, "--formats", "html", "-q")
    check(r.returncode == 0, f"jsonld site builds: {r.stderr}")
    pages = sorted(os.path.join(out, d, "index.html") for d in os.listdir(out)
                   if d != "tags" and os.path.isfile(os.path.join(out, d, "index.html")))
    check(len(pages) == 40, f"40 pages: {len(pages)}")
    for i, path in enumerate(pages):
        page = read(path)
        start = page.find('<script type="application/ld+json">')
        end = page.find("</script>", start)
        check(start >= 0 and end > start, f"d{i}: page has JSON-LD")
        if start < 0 or end < 0:
            continue
        raw = page[start + len('<script type="application/ld+json">'):end]
        data = json.loads(raw)
        want = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
        want = want.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
        check(raw == want, f"d{i}: JSON-LD as json.dumps writes it:\n{raw!r}\n{want!r}")


def empty_bodies(tmp):
    """Documents with nothing after their front matter, among long ones
    (so their buffers come from memory that held text): the page's content
    is empty, whatever the buffer held before."""
    src = os.path.join(tmp, "empty")
    long_body = "Text <b>bold</b> and more text. " * 400
    for i in range(24):
        body = "" if i % 2 else long_body + "\n"
        write(os.path.join(src, f"e{i:02}.md"), f"---\ntitle: E{i}\nslug: e{i:02}\n---\n{body}")
    for jobs in ("1", "3"):
        out = os.path.join(tmp, "empty-out-" + jobs)
        r = run("build", src, "-o", out, "--formats", "html", "--jobs", jobs, "-q")
        check(r.returncode == 0, f"empty bodies build: {r.stderr}")
        for i in range(1, 24, 2):
            with open(os.path.join(out, f"e{i:02}", "index.html"), "rb") as f:
                page = f.read()
            check(b"</header>\n\n" in page, f"e{i} (jobs {jobs}): empty content: {page[-400:]!r}")


def main():
    tmp = tempfile.mkdtemp(prefix="quire-site-")
    try:
        empty_bodies(tmp)
        src = os.path.join(tmp, "src")
        write(os.path.join(src, "a.md"), "---\ntitle: Alpha\ndate: 2024-01-02\ntags: [One, Two]\n"
              "description: First.\n---\n\nAlpha <b>body</b>.\n")
        write(os.path.join(src, "b.html"), "<!DOCTYPE html><html lang=en><head><title>Beta page</title>"
              "<meta property='og:title' content='Beta'><meta name=description content='Second.'>"
              "<meta property='article:tag' content='One'></head><body><nav>menu</nav><main>"
              "<p>Beta body.</p><script>alert(1)</script></main></body></html>\n")
        write(os.path.join(src, "c.txt"), "---\ntitle: Gamma\nslug: alpha\n---\n\nGamma body.\n")
        out = os.path.join(tmp, "out")
        r = run("build", src, "-o", out, "--formats", "html")
        check(r.returncode == 0, f"build exits 0: {r.stderr}")
        check("alpha-2" in r.stderr and "warning" in r.stderr, f"duplicate slug warned: {r.stderr}")
        for rel in ("index.html", "style.css", "alpha/index.html", "alpha-2/index.html",
                    "beta/index.html", "tags/one/index.html", "tags/two/index.html"):
            check(os.path.exists(os.path.join(out, rel)), f"{rel} written")
        index = read(os.path.join(out, "index.html"))
        for href in ('href="alpha/"', 'href="beta/"', 'href="alpha-2/"', 'href="tags/one/"',
                     'href="style.css"'):
            check(href in index, f"index links {href}")
        check("canonical" not in index, "no canonical without base_url")
        beta = read(os.path.join(out, "beta/index.html"))
        check("Beta body." in beta and "menu" not in beta and "alert" not in beta,
              "html page read: main content, no nav, no script")
        one = read(os.path.join(out, "tags/one/index.html"))
        check('href="../../alpha/"' in one and 'href="../../beta/"' in one and "Gamma" not in one,
              "tag page lists its documents")
        out2 = os.path.join(tmp, "out2")
        r = run("build", src, "-o", out2, "--formats", "html", "--base-url", "https://ex.example/blog")
        alpha = read(os.path.join(out2, "alpha/index.html"))
        check('<link rel="canonical" href="https://ex.example/blog/alpha/">' in alpha, "canonical absolute")
        check('<meta property="og:url" content="https://ex.example/blog/alpha/">' in alpha, "og:url")

        # templates from templates/ beside quire.yaml
        write(os.path.join(src, "quire.yaml"), "title: Custom\n")
        write(os.path.join(src, "templates", "page.html"),
              "<!DOCTYPE html><html lang=\"{{lang}}\"><head><meta charset=\"utf-8\"><title>{{title}}</title>"
              "</head><body>{{#articles}}<h1 class=\"custom\">{{title}}</h1>{{{content}}}{{/articles}}"
              "<p>{{missing}}</p></body></html>\n")
        write(os.path.join(src, "templates", "style.css"), "body { color: teal; }\n")
        out3 = os.path.join(tmp, "out3")
        r = run("build", src, "-o", out3, "--formats", "html")
        check(r.returncode == 0, f"custom templates build: {r.stderr}")
        alpha = read(os.path.join(out3, "alpha/index.html"))
        check('<h1 class="custom">Alpha</h1>' in alpha and "Alpha <strong>body</strong>" in alpha,
              "custom page template used")
        check(read(os.path.join(out3, "style.css")) == "body { color: teal; }\n", "custom stylesheet")
        check(not os.path.exists(os.path.join(out3, "templates")), "templates/ is not content")
        write(os.path.join(src, "templates", "index.html"), "<p>\n  {{#entries}}{{title}}\n")
        r = run("build", src, "-o", os.path.join(tmp, "out4"), "--formats", "html")
        check(r.returncode != 0, "malformed template fails")
        check(os.path.join(src, "templates", "index.html") + ":2:3: error:" in r.stderr
              and "never closed" in r.stderr, f"template error has file:line:col: {r.stderr}")
        shutil.rmtree(os.path.join(src, "templates"))
        os.remove(os.path.join(src, "quire.yaml"))

        images_and_links(tmp)
        jsonld_escapes(tmp)

        # convert: one standalone page
        r = run("convert", os.path.join(src, "a.md"), "-t", "html")
        check(r.returncode == 0 and r.stdout.count("<html") == 1 and "<style>" in r.stdout
              and "style.css" not in r.stdout and "Alpha <strong>body</strong>" in r.stdout,
              "convert gives one standalone page")
        # raw passthrough only by name
        write(os.path.join(tmp, "raw.md"), "---\ntitle: Raw\n---\n\n<span onclick=\"x()\">r</span>\n")
        r = run("convert", os.path.join(tmp, "raw.md"), "-t", "html")
        check("onclick" not in r.stdout, "sanitized by default")
        r = run("convert", os.path.join(tmp, "raw.md"), "-t", "html", "--filter", "sanitize:raw=true")
        check("onclick" in r.stdout, "raw=true passes through")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"html-site: {len(failures)} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
