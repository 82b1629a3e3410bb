#!/usr/bin/env python3
"""The html writer through the command line: the site's files and relative
links, canonical URLs only with a base_url, a folder mixing .md, .html and
.txt as one collection, templates replaced from templates/ (and a clear
file:line:column error for a malformed one), one standalone page from
`convert -t html`, and raw passthrough only when sanitize is named."""
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


def main():
    tmp = tempfile.mkdtemp(prefix="quire-site-")
    try:
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
