#!/usr/bin/env python3
"""kill -9 during a 10,000-document build leaves the previous outputs whole.

1. Generate a 10,000-document corpus (../shared/bench/gen-corpus --count
   10000 --seed 1; cached in the build folder; skip with 77 without it).
2. Build it once (v1) and list every output.
3. Start a second build that changes every output (another --base-url) and
   kill -9 it at random moments (spread over the v1 build's duration);
   after each kill every v1 output must still exist and be whole and valid
   (JSON parses, XML parses, the EPUB zip checks out, each HTML page ends in
   </html>), and no other output may appear.  Leftover temporaries
   (".NAME.XXXXXX") are allowed only until the next build.
4. A last build runs to the end: it sweeps every stale temporary of the
   killed builds, and its outputs are valid.
Bound: about 3 minutes on 2 cores (no fixed time assertion: this test is
about what is on disk, not speed).
"""
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
import zipfile

QUIRE = os.environ["QUIRE"]
SRC_ROOT = os.environ["QUIRE_SOURCE_ROOT"]
BUILD_ROOT = os.environ["QUIRE_BUILD_ROOT"]
GEN = os.path.join(SRC_ROOT, "..", "shared", "bench", "gen-corpus")
TEMP_RE = re.compile(r"^\..+\.[A-Za-z0-9]{6}$")
COUNT = int(sys.argv[1] if len(sys.argv) > 1 else os.environ.get("QUIRE_KILL_COUNT", "10000"))


def fail(msg):
    print(f"FAIL: {msg}")
    sys.exit(1)


def outputs(out):
    files, temps = [], []
    for root, dirs, names in os.walk(out):
        for n in names:
            rel = os.path.relpath(os.path.join(root, n), out)
            if TEMP_RE.match(n):
                temps.append(rel)
            elif n != ".quire-manifest":
                files.append(rel)
    return set(files), temps


def valid(out, rel):
    p = os.path.join(out, rel)
    try:
        if rel.endswith(".json"):
            json.load(open(p, encoding="utf-8"))
        elif rel.endswith(".xml"):
            ET.parse(p)
        elif rel.endswith(".epub"):
            with zipfile.ZipFile(p) as z:
                if z.testzip() is not None or z.namelist()[0] != "mimetype":
                    return "bad zip member"
        elif rel.endswith(".html"):
            with open(p, "rb") as f:
                f.seek(max(0, os.path.getsize(p) - 64))
                if not f.read().rstrip().endswith(b"</html>"):
                    return "cut short"
        elif os.path.getsize(p) == 0:
            return "empty"
    except Exception as e:  # noqa: BLE001 - any parse error is the finding
        return f"{type(e).__name__}: {e}"
    return None


def check_all(out, expected, when):
    files, temps = outputs(out)
    missing = expected - files
    if missing:
        fail(f"{when}: outputs of the previous build vanished: {sorted(missing)[:5]}")
    extra = files - expected
    if extra:
        fail(f"{when}: unexpected outputs: {sorted(extra)[:5]}")
    bad = [(r, why) for r in sorted(files) if (why := valid(out, r))]
    if bad:
        fail(f"{when}: outputs not whole or not valid: {bad[:5]}")
    return temps


def build(src, out, base):
    return subprocess.Popen([QUIRE, "build", src, "-o", out, "--base-url", base, "-q"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def main():
    if not os.path.exists(GEN):
        print(f"skip: {GEN} not found")
        return 77
    corpus = os.path.join(BUILD_ROOT, f"kill-corpus-{COUNT}")
    if not os.path.exists(os.path.join(corpus, ".done")):
        shutil.rmtree(corpus, ignore_errors=True)
        subprocess.run([sys.executable, GEN, "--count", str(COUNT), "--seed", "1", corpus],
                       check=True, stdout=subprocess.DEVNULL)
        open(os.path.join(corpus, ".done"), "w").close()
    tmp = tempfile.mkdtemp(prefix="quire-kill-")
    out = os.path.join(tmp, "out")
    try:
        t0 = time.monotonic()
        p = build(corpus, out, "https://v1.example.org/")
        _, err = p.communicate()
        t1 = time.monotonic() - t0
        if p.returncode != 0:
            fail(f"first build failed ({p.returncode}): {err.decode()[-2000:]}")
        expected, temps = outputs(out)
        print(f"v1: {len(expected)} outputs in {t1:.1f} s")
        if len(expected) < COUNT or temps:
            fail(f"v1 wrote {len(expected)} outputs and left temporaries {temps[:3]}")
        check_all(out, expected, "after v1")
        rng = random.Random(os.environ.get("QUIRE_KILL_SEED", str(time.time_ns())))
        moments = sorted(rng.uniform(0.05, 0.95) * t1 for _ in range(3))
        for k, at in enumerate(moments):
            # Builds vary in length (page cache, load): when one ends before
            # its kill, the moment was too late; retry earlier, a few times.
            for attempt in range(6):
                p = build(corpus, out, f"https://v2-{k}.example.org/")
                time.sleep(at)
                if p.poll() is None:
                    break
                at /= 2
            else:
                fail(f"kill {k}: every build ended before {at:.2f} s; nothing was tested")
            p.send_signal(signal.SIGKILL)
            p.wait()
            temps = check_all(out, expected, f"kill -9 at {at:.1f} s")
            print(f"kill -9 at {at:.1f} s: {len(expected)} outputs whole and valid, "
                  f"{len(temps)} temporaries left")
        p = build(corpus, out, "https://v3.example.org/")
        _, err = p.communicate()
        if p.returncode != 0:
            fail(f"last build failed ({p.returncode}): {err.decode()[-2000:]}")
        temps = check_all(out, expected, "after the last build")
        if temps:
            fail(f"stale temporaries not swept by the next build: {temps[:5]}")
        feed = json.load(open(os.path.join(out, "feed.json"), encoding="utf-8"))
        if not feed["home_page_url"].startswith("https://v3.example.org/"):
            fail("the last build's feed is not in place")
        listed = set(open(os.path.join(out, ".quire-manifest")).read().split("\n")[1:]) - {""}
        if listed != expected:
            fail(f"the manifest does not list exactly the outputs: {sorted(listed ^ expected)[:5]}")
        print("ok")
        return 0
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
