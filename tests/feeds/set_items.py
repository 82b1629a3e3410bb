#!/usr/bin/env python3
"""Per-tag and per-category feed sets against fresh, unshared builds.

The build writes a document into every feed set it belongs to (the main
feeds, each of its tags and categories) from one per-document memo: its
item, content and serialized items are made once and copied into every
set.  Here every set's items (feed.json, rss.xml, atom.xml) must equal, byte
for byte, the items of the main feeds of a build of only that set's
documents, where nothing is shared.  Documents in 0, 1 and many sets, an
undated one (dated by SOURCE_DATE_EPOCH), feeds.limit cutting some sets and
not others, full content and feeds.content: summary.
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

QUIRE = os.environ["QUIRE"]

# name -> (date or None, tags, categories)
DOCS = {
    "many": ("2021-03-10", ["alpha", "beta", "gamma", "delta", "eps"], ["news", "misc"]),
    "one-a": ("2021-03-09", ["alpha"], []),
    "one-b": ("2021-03-08", ["beta"], ["news"]),
    "two": ("2021-03-07", ["alpha", "gamma"], []),
    "none-1": ("2021-03-06", [], []),
    "none-2": ("2021-03-05", [], []),
    "undated": (None, ["alpha", "delta"], ["misc"]),
    "old-1": ("2020-01-01", ["alpha", "beta"], ["news"]),
    "old-2": ("2019-06-01", ["alpha"], ["news"]),
    "old-3": ("2018-06-01", ["alpha", "eps"], []),
}

BODY = """Intro with "quotes", 'apostrophes', & ampersands, <b>raw</b> and \u6f22\u5b57 caf\u00e9 \U0001F600.

A [relative link](../other/page/?a=1&b=2 "t") and an ![image](img/pic.png) and a [fragment](#x).

```c
if (a < b && c > d) { puts("]]>"); }
```

> quoted *emphasis* with\ttab and a long line %s %s %s
"""


def write_doc(folder, name):
    date, tags, cats = DOCS[name]
    fm = ["---", 'title: "Doc %s \\"q\\" \u00e9"' % name, "slug: %s" % name]
    if date:
        fm.append("date: %s" % date)
    fm.append("tags: [%s]" % ", ".join(tags))
    fm.append("categories: [%s]" % ", ".join(cats))
    fm.append("---")
    with open(os.path.join(folder, name + ".md"), "w", encoding="utf-8") as f:
        f.write("\n".join(fm) + "\n" + BODY % (name, name, name))


def config(path, limit, summary, by):
    lines = ["title: Sets", "base_url: https://sets.example.org/blog/", "feeds:"]
    if by:
        lines.append("  by: [tags, categories]")
    lines.append("  limit: %d" % limit)
    if summary:
        lines.append("  content: summary")
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")


def build(src, cfg, out):
    r = subprocess.run([QUIRE, "build", src, "-c", cfg, "-o", out, "-q",
                        "--formats", "jsonfeed,rss,atom"], capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit("quire build failed: %s" % r.stderr)


def items(folder):
    """Each feed of folder from its first item to its end, as written (the
    headers differ: title, links, ids), and its number of items."""
    out = []
    for name, start, pat in (("feed.json", '"items":', r'^\t\t\t"id":'),
                             ("rss.xml", "<item>", r"<item>"),
                             ("atom.xml", "<entry>", r"<entry>")):
        with open(os.path.join(folder, name), encoding="utf-8") as f:
            text = f.read()
        tail = text[text.index(start):]
        out.append((tail, len(re.findall(pat, tail, re.M))))
    return out


def main():
    os.environ.setdefault("SOURCE_DATE_EPOCH", "1700000000")
    tmp = tempfile.mkdtemp()
    failures = checks = 0
    try:
        src = os.path.join(tmp, "src")
        os.mkdir(src)
        for name in DOCS:
            write_doc(src, name)
        for limit in (3, 0):
            for summary in (False, True):
                tag = "limit %d%s" % (limit, ", summary" if summary else "")
                cfg = os.path.join(tmp, "full.yaml")
                config(cfg, limit, summary, True)
                out = os.path.join(tmp, "out-%d-%d" % (limit, summary))
                build(src, cfg, out)
                sets = [("", list(DOCS))]
                for kind, idx in (("tags", 1), ("categories", 2)):
                    names = sorted({t for d in DOCS.values() for t in d[idx]})
                    for t in names:
                        sets.append(("%s/%s/" % (kind, t), [n for n in DOCS if t in DOCS[n][idx]]))
                for rel, members in sets:
                    ref_src = os.path.join(tmp, "ref-src")
                    shutil.rmtree(ref_src, ignore_errors=True)
                    os.mkdir(ref_src)
                    for n in members:
                        write_doc(ref_src, n)
                    ref_cfg = os.path.join(tmp, "ref.yaml")
                    config(ref_cfg, limit, summary, False)
                    ref_out = os.path.join(tmp, "ref-out")
                    shutil.rmtree(ref_out, ignore_errors=True)
                    build(ref_src, ref_cfg, ref_out)
                    got = items(os.path.join(out, rel))
                    want = items(ref_out)
                    n_want = len(members) if limit == 0 else min(limit, len(members))
                    for fmt, (g, gn), (w, wn) in zip(("feed.json", "rss.xml", "atom.xml"),
                                                      got, want):
                        checks += 1
                        if g != w or gn != n_want:
                            failures += 1
                            at = next((i for i, (a, b) in enumerate(zip(g, w)) if a != b),
                                      min(len(g), len(w)))
                            print("FAIL %s: %s%s: %d items, %d expected; differs at %d:\n%s\n"
                                  "---\n%s" % (tag, rel or "(main) ", fmt, gn, n_want, at,
                                                g[at - 200:at + 200], w[at - 200:at + 200]))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print("%d checks, %d failed" % (checks, failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
