"""Feed conformance (suite "conformance").

Usage: conformance.py FEEDS_TEST   (env: QUIRE, QUIRE_SOURCE_ROOT)

1. Writes the unit tests' fixtures (ordinary, without base_url, hostile) with
   `FEEDS_TEST --dump DIR`, and runs `$QUIRE build` on samples/ and on
   ../shared/seeds/ when the command line can build (it lists rss in
   `quire formats`).
2. Runs ../shared/validate/feed on every feed.json, rss.xml and atom.xml found
   (tags/*/ included): zero errors and zero warnings.
3. Validates every atom.xml against RFC 4287's RELAX NG schema with jing.
4. Reads each folder's three feeds back (feedparser for RSS and Atom, json for
   JSON Feed) and compares the items: same order, ids, titles, links, dates,
   authors, tags, summaries and content.

Exit 0 when all pass, 1 on a failure, 77 (skip) when feedparser or ../shared
is missing, or when jing is missing and everything else passed.
"""
import calendar
import html
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from datetime import datetime


def import_feedparser():
    try:
        import feedparser  # noqa: F401
        return feedparser
    except ImportError:
        pass
    # A python3 from pyenv or a venv may not see Debian's python3-feedparser:
    # run again with the system interpreter once.
    system = "/usr/bin/python3"
    if (os.path.exists(system) and not os.environ.get("QUIRE_CONFORMANCE_REEXEC")
            and os.path.realpath(sys.executable) != os.path.realpath(system)):
        os.environ["QUIRE_CONFORMANCE_REEXEC"] = "1"
        os.execv(system, [system] + sys.argv)
    print("SKIP: the python module feedparser cannot be imported")
    sys.exit(77)


feedparser = import_feedparser()

ATOM = "{http://www.w3.org/2005/Atom}"
CONTENT = "{http://purl.org/rss/1.0/modules/content/}"
failures = []


def fail(msg):
    failures.append(msg)
    print("FAIL:", msg)


# ------------------------------------------------------------ normalization
def norm_text(value, kind):
    """Plain text of a feedparser value: HTML is stripped of tags then
    unescaped; plain text is kept as is.  White space collapsed."""
    value = value or ""
    if "html" in (kind or ""):
        value = html.unescape(re.sub(r"<[^>]*>", "", value))
    return " ".join(value.split())


def epoch(struct):
    return calendar.timegm(struct) if struct else None


def rfc3339_epoch(s):
    if not s:
        return None
    return int(datetime.fromisoformat(s.replace("Z", "+00:00")).timestamp())


def names(authors):
    """Author names in order, once each.  feedparser reads an RSS `author`
    and the `dc:creator` of the same person as two authors, and an
    email-only author as an email without a name."""
    out = []
    for a in authors or []:
        n = a.get("name") or a.get("email")
        if n and n not in out:
            out.append(n)
    return out


# --------------------------------------------------------------- read back
def fp_items(path):
    d = feedparser.parse(path)
    items = []
    for e in d.entries:
        items.append({
            "id": e.get("id"),
            "title": norm_text(e.get("title"), e.get("title_detail", {}).get("type")),
            "link": e.get("link"),
            "published": epoch(e.get("published_parsed")),
            "authors": names(e.get("authors")),
            "tags": [t.term for t in e.get("tags", [])],
            "summary": norm_text(e.get("summary"), e.get("summary_detail", {}).get("type"))
            if "summary_detail" in e else "",
            "content_fp": (e.get("content") or [{}])[0].get("value", ""),
        })
    return items


def raw_xml_content(path):
    """The exact HTML each item carries, read without feedparser's sanitizer."""
    root = ET.parse(path).getroot()
    if root.tag == "rss":
        return [(it.findtext(CONTENT + "encoded") or "") for it in root.iter("item")]
    return [(e.findtext(ATOM + "content") or "") for e in root.iter(ATOM + "entry")]


def json_items(path):
    with open(path, encoding="utf-8") as f:
        feed = json.load(f)
    items = []
    for it in feed.get("items", []):
        items.append({
            "id": it.get("id"),
            "title": " ".join((it.get("title") or "").split()),
            "link": it.get("url"),
            "published": rfc3339_epoch(it.get("date_published")),
            "authors": names(it.get("authors")),
            "tags": it.get("tags", []),
            "summary": " ".join((it.get("summary") or "").split()),
            "content": it.get("content_html", ""),
        })
    return items


def compare(folder):
    rss, atom, jf = (os.path.join(folder, n) for n in ("rss.xml", "atom.xml", "feed.json"))
    if not (os.path.exists(rss) and os.path.exists(atom)):
        return
    where = os.path.relpath(folder, WORK)
    formats = {"rss": fp_items(rss), "atom": fp_items(atom)}
    raw = {"rss": raw_xml_content(rss), "atom": raw_xml_content(atom)}
    if os.path.exists(jf):
        formats["jsonfeed"] = json_items(jf)
        raw["jsonfeed"] = [i["content"] for i in formats["jsonfeed"]]
    else:
        print(f"note: {where}: no feed.json, comparing RSS and Atom only")
    ref_name, ref = "atom", formats["atom"]
    before = len(failures)
    for name, items in formats.items():
        if name == ref_name:
            continue
        if len(items) != len(ref):
            fail(f"{where}: {name} has {len(items)} items, {ref_name} {len(ref)}")
            continue
        for i, (a, b) in enumerate(zip(items, ref)):
            for key in ("id", "title", "link", "published", "authors", "tags", "summary"):
                if a[key] != b[key]:
                    fail(f"{where}: item {i} {key}: {name} {a[key]!r} != {ref_name} {b[key]!r}")
            if raw[name][i] != raw[ref_name][i]:
                fail(f"{where}: item {i} content differs between {name} and {ref_name}")
    # Same sanitizer on both sides: feedparser's view of the content agrees too.
    for i, (a, b) in enumerate(zip(formats["rss"], formats["atom"])):
        if a["content_fp"] != b["content_fp"]:
            fail(f"{where}: item {i}: feedparser reads different content from RSS and Atom")
    if len(failures) == before:
        print(f"ok   {where}: {len(ref)} items agree across {', '.join(sorted(formats))}")


# ---------------------------------------------------------------- the run
def find_feeds(top):
    found = []
    for dirpath, _dirs, files in os.walk(top):
        for f in files:
            if f in ("feed.json", "rss.xml", "atom.xml"):
                found.append(os.path.join(dirpath, f))
    return sorted(found)


def any_items(out):
    rss = os.path.join(out, "rss.xml")
    try:
        return ET.parse(rss).getroot().find("channel/item") is not None
    except (OSError, ET.ParseError):
        return False


def cli_can_build(quire):
    try:
        out = subprocess.run([quire, "formats"], capture_output=True, text=True, timeout=60)
    except OSError:
        return False
    return out.returncode == 0 and re.search(r"\brss\b", out.stdout) is not None


def main():
    global WORK
    if len(sys.argv) != 2:
        print(__doc__)
        return 2
    feeds_test = sys.argv[1]
    src_root = os.environ.get("QUIRE_SOURCE_ROOT", os.path.join(os.path.dirname(__file__), "..", ".."))
    shared = os.path.normpath(os.path.join(src_root, "..", "shared"))
    if not os.path.isdir(shared):
        print(f"SKIP: {shared} is absent")
        return 77
    quire = os.environ.get("QUIRE")
    WORK = tempfile.mkdtemp(prefix="quire-conformance-")
    try:
        fixtures = os.path.join(WORK, "fixtures")
        os.makedirs(fixtures)
        r = subprocess.run([feeds_test, "--dump", fixtures], capture_output=True, text=True)
        if r.returncode != 0:
            fail(f"feeds_test --dump failed: {r.stderr.strip()}")

        if quire and cli_can_build(quire):
            for name, src in (("samples", os.path.join(src_root, "samples")),
                              ("seeds", os.path.join(shared, "seeds"))):
                if not os.path.isdir(src):
                    print(f"note: {src} is absent, not built")
                    continue
                out = os.path.join(WORK, "build-" + name)
                r = subprocess.run([quire, "build", src, "-o", out],
                                   capture_output=True, text=True, timeout=600)
                for kind in ("rss.xml", "atom.xml"):
                    if not os.path.exists(os.path.join(out, kind)):
                        fail(f"quire build {name} wrote no {kind}")
                if r.returncode != 0 and not any_items(out):
                    # Not one document read: a reader this branch lacks, not
                    # something the feeds can be judged on.
                    print(f"note: quire build {name} read no document (exit {r.returncode}):\n"
                          + r.stderr.strip()[:1000])
                elif r.returncode != 0:
                    fail(f"quire build {name} exited {r.returncode}: {r.stderr.strip()[:2000]}")
        else:
            print("note: `quire formats` does not list rss yet: builds not run")

        feeds = find_feeds(WORK)
        if not feeds:
            fail("no feeds to check")
        if feeds:
            r = subprocess.run([os.path.join(shared, "validate", "feed")] + feeds,
                               capture_output=True, text=True)
            for line in r.stdout.splitlines():
                line = line.replace(WORK + os.sep, "")
                if ": error: " in line or ": warning: " in line:
                    fail(line)
                else:
                    print(line)
            if r.returncode != 0 and not any(": error: " in f for f in failures):
                fail(f"validate/feed exited {r.returncode}: {r.stderr.strip()[:2000]}")

        jing = shutil.which("jing")
        schema = os.path.join(src_root, "tests", "schema", "atom.rnc")
        atoms = [f for f in feeds if f.endswith("atom.xml")]
        if jing and atoms:
            r = subprocess.run([jing, "-c", schema] + atoms, capture_output=True, text=True)
            if r.returncode != 0:
                fail("RELAX NG (RFC 4287) says:\n" + r.stdout.replace(WORK + os.sep, ""))
            else:
                print(f"ok   {len(atoms)} atom.xml valid against tests/schema/atom.rnc")

        for folder in sorted({os.path.dirname(f) for f in feeds}):
            compare(folder)
    finally:
        shutil.rmtree(WORK, ignore_errors=True)

    if failures:
        print(f"{len(failures)} failures")
        return 1
    if not shutil.which("jing"):
        print("SKIP: jing is missing, so Atom was not checked against RFC 4287's schema")
        return 77
    return 0


if __name__ == "__main__":
    sys.exit(main())
