#!/usr/bin/env python3
"""The html writer's listing pages, which end on two threads (the home page
on one, the tag pages on the writer's): every entry on the home page once,
every tag page with exactly its documents, and the whole output folder (the
manifest's order of files too) the same bytes from run to run and for any
--jobs.  A race between the two threads (a stand-in shared by both lists,
the manifest written in finishing order) shows as a difference here."""
import filecmp
import os
import re
import subprocess
import sys
import tempfile

QUIRE = os.environ["QUIRE"]
failures = []
N = 150
TAGS = ["red", "green", "blue", "cyan", "plum", "teal", "gold"]


def check(cond, msg):
    if not cond:
        failures.append(msg)
        print("FAIL:", msg, file=sys.stderr)


def doc_tags(i):
    return sorted({TAGS[i % 7], TAGS[(i * 3 + 1) % 7]})


def same_tree(a, b):
    cmp = filecmp.dircmp(a, b, ignore=[])  # the default ignores "tags"
    stack = [cmp]
    while stack:
        c = stack.pop()
        if c.left_only or c.right_only or c.funny_files:
            return False
        _, mismatch, errors = filecmp.cmpfiles(c.left, c.right, c.common_files, shallow=False)
        if mismatch or errors:
            print("differs:", c.left, mismatch, errors, file=sys.stderr)
            return False
        stack.extend(c.subdirs.values())
    return True


def main():
    with tempfile.TemporaryDirectory() as tmp:
        src = os.path.join(tmp, "src")
        os.makedirs(src)
        for i in range(N):
            with open(os.path.join(src, "d%03d.md" % i), "w", encoding="utf-8") as f:
                f.write("---\ntitle: Document %03d & co\ndate: 2022-%02d-%02d\ntags: [%s]\n"
                        "summary: Summary %d\n---\nBody of %d.\n"
                        % (i, 1 + i % 12, 1 + i % 28, ", ".join(doc_tags(i)), i, i))
        outs = []
        for k, jobs in enumerate(["1", "3", "3", "2"]):
            out = os.path.join(tmp, "out%d" % k)
            r = subprocess.run([QUIRE, "build", src, "-o", out, "-q", "--jobs", jobs],
                               capture_output=True, text=True)
            check(r.returncode == 0, "build --jobs %s: %s" % (jobs, r.stderr))
            outs.append(out)
        for out in outs[1:]:
            check(same_tree(outs[0], out), "%s differs from %s" % (out, outs[0]))
        home = open(os.path.join(outs[0], "index.html"), encoding="utf-8").read()
        for i in range(N):
            n = len(re.findall(r'href="document-%03d-co/"' % i, home))
            check(n == 1, "d%03d on the home page %d times" % (i, n))
        for t in TAGS:
            page = open(os.path.join(outs[0], "tags", t, "index.html"), encoding="utf-8").read()
            want = {"%03d" % i for i in range(N) if t in doc_tags(i)}
            got = re.findall(r'<h2><a href="\.\./\.\./document-(\d{3})-co/"', page)
            check(sorted(got) == sorted(want) and len(got) == len(set(got)),
                  "tag %s: %d entries, %d expected" % (t, len(got), len(want)))
    if failures:
        print("%d failure(s)" % len(failures), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
