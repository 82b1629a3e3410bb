#!/usr/bin/env python3
"""The XSS corpus (tests/html/xss): build every case with quire and assert
that nothing executable survives in the HTML pages (default chain) nor in
feed content after sanitize:
  - no <script> except one JSON-LD block per page whose text is valid JSON;
  - no on* attribute, no srcdoc, no <style>/style with url( or expression(
    (the built-in stylesheet has no url() at all);
  - no javascript:, vbscript: or data: (other than data:image/ rasters) in
    any URL attribute after entity, whitespace and case normalization;
  - no svg, math, object, embed, base, frame, meta refresh or form controls
    from the content."""
import html
import html.parser
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

QUIRE = os.environ["QUIRE"]
HERE = os.path.dirname(os.path.abspath(__file__))
CASES = os.path.join(HERE, "xss")
failures = []

URL_ATTRS = {"href", "src", "action", "formaction", "poster", "cite", "data", "background",
             "xlink:href", "srcset", "longdesc", "usemap", "manifest", "codebase", "dynsrc",
             "lowsrc", "ping", "content"}
BAD_TAGS = {"svg", "math", "object", "embed", "base", "frame", "frameset", "applet", "form",
            "input", "button", "textarea", "select", "template", "noscript", "xmp"}


def norm_url(v):
    prev = None
    while prev != v:
        prev, v = v, html.unescape(v)
    v = re.sub(r"[\x00-\x20\x7f]+", "", v)
    return v.lower()


def url_bad(v):
    n = norm_url(v)
    if n.startswith("javascript:") or n.startswith("vbscript:") or n.startswith("livescript:"):
        return True
    if n.startswith("data:"):
        return not re.match(r"data:image/(png|gif|jpe?g|webp|avif)[;,]", n)
    return False


def srcset_urls(v):
    """Candidate URLs of a srcset, split the way browsers split them."""
    urls = []
    for m in re.finditer(r"[\s,]*([^\s]+)([^,]*)", v):
        u = m.group(1).rstrip(",")
        if u:
            urls.append(u)
    return urls


class Checker(html.parser.HTMLParser):
    def __init__(self, where):
        super().__init__(convert_charrefs=True)
        self.where = where
        self.in_script = None
        self.in_style = False
        self.script_text = []
        self.jsonld = 0

    def fail(self, msg):
        failures.append(f"{self.where}: {msg}")

    def handle_starttag(self, tag, attrs):
        self.check_tag(tag, attrs)

    def handle_startendtag(self, tag, attrs):
        self.check_tag(tag, attrs)

    def check_tag(self, tag, attrs):
        a = dict(attrs)
        for name, value in attrs:
            value = value or ""
            if name.startswith("on"):
                self.fail(f"<{tag} {name}=...> handler survived")
            if name == "srcdoc":
                self.fail(f"<{tag} srcdoc> survived")
            if name == "style" and re.search(r"url\s*\(|expression\s*\(|behavior", norm_url(value)):
                self.fail(f"<{tag} style={value!r}> survived")
            if name in URL_ATTRS and name != "content" and url_bad(value):
                self.fail(f"<{tag} {name}={value!r}> unsafe URL survived")
            if name == "srcset":
                # every candidate's URL, not just the first (the URL runs to a blank)
                for cand in srcset_urls(value):
                    if url_bad(cand):
                        self.fail(f"<{tag} srcset> candidate {cand!r} survived")
        if tag == "meta" and (a.get("http-equiv") or "").lower() == "refresh":
            self.fail("meta refresh survived")
        if tag == "meta" and a.get("property", "").startswith(("og:image", "og:url")) and url_bad(a.get("content") or ""):
            self.fail(f"unsafe {a.get('property')} survived")
        if tag == "link" and url_bad(a.get("href") or ""):
            self.fail("unsafe <link href> survived")
        if tag in BAD_TAGS:
            self.fail(f"<{tag}> survived")
        if tag == "iframe":
            src = a.get("src") or ""
            if not re.match(r"https://(www\.youtube-nocookie\.com/embed/|player\.vimeo\.com/video/)", src):
                self.fail(f"iframe to {src!r} survived")
            if "sandbox" not in a:
                self.fail("iframe without sandbox")
        if tag == "script":
            if (a.get("type") or "") != "application/ld+json":
                self.fail(f"<script {attrs}> survived")
            self.in_script = tag
            self.script_text = []
            self.jsonld += 1
        if tag == "style":
            self.in_style = True

    def handle_endtag(self, tag):
        if tag == "script" and self.in_script:
            text = "".join(self.script_text)
            try:
                json.loads(text)
            except ValueError:
                self.fail(f"JSON-LD is not JSON: {text[:80]!r}")
            if "<" in text:
                self.fail("JSON-LD holds a raw '<'")
            self.in_script = None
        if tag == "style":
            self.in_style = False

    def handle_data(self, data):
        if self.in_script:
            self.script_text.append(data)
        if self.in_style and re.search(r"url\s*\(|expression\s*\(", data.lower()):
            self.fail("<style> with url( or expression( survived")


def check_html(text, where):
    c = Checker(where)
    c.feed(text)
    c.close()
    if c.jsonld > 1:
        c.fail(f"{c.jsonld} JSON-LD scripts")
    if len(re.findall(r"<script", text, re.I)) != c.jsonld:
        failures.append(f"{where}: a <script the parser did not see")


def run(*args):
    return subprocess.run([QUIRE, *args], capture_output=True, text=True)


def feed_writers():
    out = run("formats").stdout
    return [w for w in ("jsonfeed", "rss", "atom")
            if re.search(r"^\s+%s\s.*->" % w, out, re.M) and "[unavailable]" not in
            next(l for l in out.splitlines() if l.strip().startswith(w + " "))]


def main():
    tmp = tempfile.mkdtemp(prefix="quire-xss-")
    try:
        src = os.path.join(tmp, "src")
        shutil.copytree(CASES, src)
        out = os.path.join(tmp, "out")
        r = run("build", src, "-o", out, "--formats", "html", "--base-url", "https://x.example/")
        if r.returncode not in (0, 1):
            failures.append(f"build failed: {r.stderr}")
        pages = []
        for d, _, files in os.walk(out):
            pages += [os.path.join(d, f) for f in files if f.endswith(".html")]
        cases = [f for f in os.listdir(CASES) if not f.startswith(".")]
        if len(pages) < len(cases) + 1:
            failures.append(f"only {len(pages)} pages for {len(cases)} cases")
        for p in sorted(pages):
            check_html(open(p, encoding="utf-8").read(), os.path.relpath(p, out))
        # every case alone, as a standalone page
        for case in sorted(cases):
            r = run("convert", os.path.join(CASES, case), "-t", "html")
            if r.returncode not in (0, 1) or "<html" not in r.stdout:
                failures.append(f"convert {case}: exit {r.returncode} {r.stderr}")
            check_html(r.stdout, f"convert {case}")
            if "after" in open(os.path.join(CASES, case), encoding="utf-8").read() and "after" not in r.stdout:
                failures.append(f"convert {case}: harmless text was lost")
        # feeds: content after sanitize
        for w in feed_writers():
            for case in sorted(cases):
                r = run("convert", os.path.join(CASES, case), "-t", w, "--filter", "sanitize")
                if "not available in this build" in r.stderr:
                    break
                if r.returncode not in (0, 1) or not r.stdout.strip():
                    failures.append(f"{w} {case}: exit {r.returncode} {r.stderr[:200]}")
                    continue
                texts = []
                if w == "jsonfeed":
                    for item in json.loads(r.stdout).get("items", []):
                        texts.append(item.get("content_html") or "")
                else:
                    # HTML-bearing elements: RSS description and
                    # content:encoded; Atom content/summary of type html
                    # (type text is plain text, whatever it spells)
                    for el in ET.fromstring(r.stdout.encode()).iter():
                        name = el.tag.split("}")[-1]
                        html_el = (name in ("description", "encoded") if w == "rss" else
                                   name in ("content", "summary") and el.get("type") == "html")
                        if html_el and el.text:
                            texts.append(el.text)
                for t in texts:
                    check_html(t, f"{w} {case}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    for f in failures:
        print("FAIL:", f)
    print(f"xss: {len(failures)} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
