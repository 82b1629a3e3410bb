#!/usr/bin/env python3
"""Which feed set a tag or category name lands in.

The build looks each name up once and reuses the answer for every later
document that carries it, so this pins down what must not change with that:
names of one slug ("C++" and "c++", "Café" and "cafe") share one folder,
titled after the first of them in document order; a document with two
names of one slug is in that set once; a name used as a tag and as a
category makes two sets; a name of no ASCII letters gets a hashed folder,
the same one on every document; the sets list their documents in document
order (newest first).
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

QUIRE = os.environ["QUIRE"]

# name -> (date, tags, categories); document order is newest first
DOCS = {
    "d1": ("2022-01-09", ["C++", "Café"], ["news"]),
    "d2": ("2022-01-08", ["c++", "C++"], []),
    "d3": ("2022-01-07", ["cafe"], ["News"]),
    "d4": ("2022-01-06", ["news", "東京"], []),
    "d5": ("2022-01-05", ["東京", "C++"], ["news"]),
    "d6": ("2022-01-04", [], []),
}

# folder -> (title suffix, members in document order)
WANT = {
    "tags/c": ("C++", ["d1", "d2", "d5"]),
    "tags/cafe": ("Café", ["d1", "d3"]),
    "tags/news": ("news", ["d4"]),
    "categories/news": ("news", ["d1", "d3", "d5"]),
}


def main():
    os.environ.setdefault("SOURCE_DATE_EPOCH", "1700000000")
    tmp = tempfile.mkdtemp()
    checks = failures = 0

    def check(ok, what):
        nonlocal checks, failures
        checks += 1
        if not ok:
            failures += 1
            print("FAIL: " + what)

    try:
        src, out = os.path.join(tmp, "src"), os.path.join(tmp, "out")
        os.mkdir(src)
        for name, (date, tags, cats) in DOCS.items():
            with open(os.path.join(src, name + ".md"), "w", encoding="utf-8") as f:
                f.write("---\ntitle: %s\nslug: %s\ndate: %s\ntags: %s\ncategories: %s\n---\n\n"
                        "Body of %s.\n" % (name, name, date, json.dumps(tags, ensure_ascii=False),
                                           json.dumps(cats, ensure_ascii=False), name))
        with open(os.path.join(tmp, "q.yaml"), "w") as f:
            f.write("title: Names\nbase_url: https://names.example.org/\n"
                    "feeds:\n  by: [tags, categories]\n  limit: 0\n")
        r = subprocess.run([QUIRE, "build", src, "-c", os.path.join(tmp, "q.yaml"), "-o", out,
                            "-q", "--formats", "jsonfeed"], capture_output=True, text=True)
        check(r.returncode == 0, "build failed: " + r.stderr)

        sets = {}
        for kind in ("tags", "categories"):
            for d in sorted(os.listdir(os.path.join(out, kind))):
                with open(os.path.join(out, kind, d, "feed.json"), encoding="utf-8") as f:
                    sets["%s/%s" % (kind, d)] = json.load(f)
        hashed = [k for k in sets if k.startswith("tags/tag-")]
        check(len(hashed) == 1, "one hashed folder for 東京, got %s" % sorted(sets))
        want = dict(WANT)
        if hashed:
            want[hashed[0]] = ("東京", ["d4", "d5"])
        check(sorted(sets) == sorted(want), "sets %s, expected %s" % (sorted(sets), sorted(want)))
        for key, (suffix, members) in want.items():
            feed = sets.get(key)
            if not feed:
                continue
            got = [i["url"].rstrip("/").rsplit("/", 1)[-1] for i in feed["items"]]
            check(got == members, "%s lists %s, expected %s" % (key, got, members))
            check(feed["title"].endswith(" \u2014 " + suffix),
                  "%s is titled %r, expected the suffix %r" % (key, feed["title"], suffix))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print("%d checks, %d failed" % (checks, failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
