#!/usr/bin/env python3
"""End-to-end tests of the quire command: exit statuses, diagnostics with
file:line:column, a bad document skipped while the rest builds, --strict,
determinism, the model round trip, and nothing written outside OUTDIR."""
import filecmp
import json
import os
import re
import resource
import signal
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


def run(*args, stdin=None, env=None, cwd=None):
    e = dict(os.environ)
    e.update(env or {})
    return subprocess.run([QUIRE, *args], input=stdin, capture_output=True, env=e, cwd=cwd)


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


def test_usage():
    check(run("--version").returncode == 0, "--version exits 0")
    check(b"quire" in run("--version").stdout, "--version prints the name")
    check(run("--help").returncode == 0, "--help exits 0")
    check(run().returncode == 2, "no command exits 2")
    check(run("frobnicate").returncode == 2, "unknown command exits 2")
    check(run("convert", "x.md").returncode == 2, "convert without -t exits 2")
    check(run("convert", "-", "-t", "nope").returncode == 2, "unknown format exits 2")
    check(run("build", "--no-such-option").returncode == 2, "unknown option exits 2")
    r = run("formats")
    check(r.returncode == 0 and b"jsonfeed" in r.stdout and b"markdown" in r.stdout, "formats lists components")
    r = run("filters")
    check(r.returncode == 0 and b"fix-encoding" in r.stdout, "filters lists filters")
    r = run("build", "x", "--filter", "no-such-filter", "-o", "/tmp/never")
    check(r.returncode == 2 or r.returncode == 1, "unknown filter fails")


def test_bad_document_skipped(tmp):
    src = os.path.join(tmp, "src")
    write(os.path.join(src, "good.md"), "---\ntitle: Good One\ndate: 2024-01-02\n---\n\nFine text.\n")
    # line 3, column 7: a flow sequence never closed
    write(os.path.join(src, "bad.md"), "---\ntitle: Bad\ntags: [a, b\nslug: bad\n---\n\nBody.\n")
    out = os.path.join(tmp, "out")
    r = run("build", src, "-o", out)
    err = r.stderr.decode()
    check(r.returncode == 1, f"a bad document gives exit 1 (got {r.returncode}: {err})")
    bad = os.path.join(src, "bad.md")
    check(any(line.startswith(bad + ":") and ": error: " in line and line.split(":")[1].isdigit()
              and line.split(":")[2].isdigit() for line in err.splitlines()),
          f"diagnostic reads file:line:column: error: ({err!r})")
    feed_path = os.path.join(out, "feed.json")
    check(os.path.exists(feed_path), "feed.json still written")
    if os.path.exists(feed_path):
        feed = json.load(open(feed_path, encoding="utf-8"))
        titles = [i.get("title") for i in feed.get("items", [])]
        check(titles == ["Good One"], f"only the good document is in the feed: {titles}")
    check(os.path.exists(os.path.join(out, "model.json")), "model.json written")
    # --strict: the error fails the build and nothing new is written
    out2 = os.path.join(tmp, "out-strict")
    r = run("build", src, "-o", out2, "--strict")
    check(r.returncode == 1, "--strict exits 1")
    check(not os.path.exists(os.path.join(out2, "feed.json")), "--strict writes nothing")


def tree_files(d):
    res = []
    for base, _dirs, files in os.walk(d):
        for f in files:
            res.append(os.path.relpath(os.path.join(base, f), d))
    return sorted(res)


def test_deterministic(tmp):
    outs = []
    for i, tz in enumerate(("UTC", "Asia/Kolkata")):
        out = os.path.join(tmp, f"det{i}")
        r = run("build", os.path.join(ROOT, "samples"), "-o", out, env={"TZ": tz})
        check(r.returncode == 0, f"samples build cleanly (exit {r.returncode}): {r.stderr.decode()[:2000]}")
        outs.append(out)
    a, b = (tree_files(o) for o in outs)
    check(a == b and len(a) >= 3, f"same files in both builds ({len(a)} files)")
    for f in a:
        if f in b:
            check(filecmp.cmp(os.path.join(outs[0], f), os.path.join(outs[1], f), shallow=False),
                  f"{f} is byte-identical across builds")
    for f in a:
        # .quire-manifest is the list of files quire wrote (src/core/io.c).
        check(f == ".quire-manifest" or not os.path.basename(f).startswith("."),
              f"no temporary file left behind: {f}")


def test_jobs_invariant(tmp):
    """The output is the same whatever the number of threads (a shared table
    inside cmark-gfm once made parallel reads drop strikethrough and links
    now and then: several runs, several thread counts)."""
    ref = None
    for i, jobs in enumerate(("1", "2", "4", "2", "8")):
        out = os.path.join(tmp, f"jobs{i}")
        # One run also flushes to disk (--sync): same bytes, exit 0.
        extra = ["--sync"] if i == 3 else []
        r = run("build", os.path.join(ROOT, "samples"), "-o", out, "--jobs", jobs, *extra)
        check(r.returncode == 0, f"--jobs {jobs} {' '.join(extra)} builds (exit {r.returncode})")
        files = tree_files(out)
        if ref is None:
            ref = (out, files)
            continue
        check(files == ref[1], f"--jobs {jobs} writes the same files")
        for f in files:
            if f in ref[1] and not f.endswith(".quire-manifest"):
                check(filecmp.cmp(os.path.join(ref[0], f), os.path.join(out, f), shallow=False),
                      f"--jobs {jobs}: {f} is byte-identical to --jobs 1")


def test_write_failures_reported(tmp):
    """Files are written on the output folder's own thread: what fails
    there (here every file over 8 KiB, by RLIMIT_FSIZE with SIGXFSZ
    ignored) is reported, one error per file naming it, sorted, exit 1;
    every other file is written whole, and no temporary is left."""
    ref = os.path.join(tmp, "fsize-ref")
    check(run("build", os.path.join(ROOT, "samples"), "-o", ref).returncode == 0, "reference build")
    limit = 8192

    def small_files_only():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    for jobs in ("1", "3"):
        out = os.path.join(tmp, f"fsize-{jobs}")
        r = subprocess.run([QUIRE, "build", os.path.join(ROOT, "samples"), "-o", out, "--jobs", jobs],
                           capture_output=True, preexec_fn=small_files_only)
        err = r.stderr.decode()
        check(r.returncode == 1, f"--jobs {jobs}: unwritable files give exit 1 (got {r.returncode})")
        big = sorted(f for f in tree_files(ref)
                     if os.path.getsize(os.path.join(ref, f)) > limit and not f.endswith(".quire-manifest"))
        named = re.findall(r"^(\S+): error: output not written", err, re.M)
        check(len(big) >= 3 and named == big,
              f"--jobs {jobs}: one error per file over the limit, sorted: {named} vs {big}")
        for f in tree_files(ref):
            got = os.path.join(out, f)
            if f in big:
                check(not os.path.exists(got), f"--jobs {jobs}: {f} is not there in part")
            elif not f.endswith(".quire-manifest"):
                check(os.path.exists(got) and filecmp.cmp(os.path.join(ref, f), got, shallow=False),
                      f"--jobs {jobs}: {f} is written whole")
        temps = [f for f in tree_files(out) if re.search(r"/?\.[^/]+\.[A-Za-z0-9]{6}$", f)]
        check(not temps, f"--jobs {jobs}: no temporaries left: {temps}")


def test_prepare_equivalent(tmp):
    """Writers split their per-document work into prepare() (run on worker
    threads) and write_document(); QUIRE_PREPARE=0 makes write_document do
    it all, as quire_write() does.  Both paths must give the same bytes."""
    sources = [os.path.join(ROOT, "samples")]
    seeds = os.path.join(ROOT, "..", "shared", "seeds")
    if os.path.isdir(seeds):
        sources.append(seeds)
    for k, src in enumerate(sources):
        outs = []
        for mode in ("1", "0"):
            out = os.path.join(tmp, f"prep{k}-{mode}")
            r = run("build", src, "-o", out, "--jobs", "2", env={"QUIRE_PREPARE": mode})
            check(r.returncode in (0, 1), f"{src} builds with QUIRE_PREPARE={mode} (exit {r.returncode})")
            outs.append(out)
        a, b = (tree_files(o) for o in outs)
        check(a == b and len(a) >= 6, f"{src}: the same files with and without prepare ({len(a)})")
        for f in a:
            if f in b and not f.endswith(".quire-manifest"):
                check(filecmp.cmp(os.path.join(outs[0], f), os.path.join(outs[1], f), shallow=False),
                      f"{src}: {f} is byte-identical with and without prepare")


def test_model_round_trip(tmp):
    for name in sorted(os.listdir(os.path.join(ROOT, "samples", "posts"))):
        path = os.path.join(ROOT, "samples", "posts", name)
        first = run("convert", path, "-t", "model")
        check(first.returncode == 0, f"convert {name} -t model: {first.stderr.decode()[:500]}")
        second = run("convert", "-", "-f", "model", "-t", "model", stdin=first.stdout)
        check(second.returncode == 0, f"read back {name}: {second.stderr.decode()[:500]}")
        check(first.stdout == second.stdout and len(first.stdout) > 100,
              f"model round trip of {name} is byte-identical")


def test_nothing_outside(tmp):
    src = os.path.join(tmp, "hostile")
    for i, slug in enumerate(["../../../escaped", "/etc/passwd-x", "..\\\\win", "a/../../b", "..", "same", "same"]):
        write(os.path.join(src, f"d{i}.md"), f"---\ntitle: Doc {i}\nslug: \"{slug}\"\ndate: 2024-01-0{i + 1}\n---\n\nText {i}.\n")
    out = os.path.join(tmp, "sandbox", "out")
    os.makedirs(out)
    before = set(tree_files(tmp))
    r = run("build", src, "-o", out)
    after = set(tree_files(tmp))
    new = sorted(f for f in after - before)
    outside = [f for f in new if not f.startswith(os.path.join("sandbox", "out") + os.sep)]
    check(not outside, f"nothing written outside OUTDIR: {outside}")
    check(r.returncode in (0, 1), f"hostile slugs do not crash (exit {r.returncode})")
    feed = os.path.join(out, "feed.json")
    if os.path.exists(feed):
        items = json.load(open(feed, encoding="utf-8"))["items"]
        check(len(items) == 7, f"every hostile-slug document is in the feed ({len(items)})")


def test_verbose_timings(tmp):
    """--verbose ends with one line saying how many documents were built and
    where the time went; the phases add up to no more than the whole, and
    the count is the samples' own.  Without --verbose (and with
    --errors=json) the line is not there: outputs' logs stay comparable."""
    out = os.path.join(tmp, "verbose")
    r = run("build", os.path.join(ROOT, "samples"), "-o", out, "--verbose", "--jobs", "2")
    with open(os.path.join(out, "model.json"), encoding="utf-8") as f:
        docs = len(json.load(f)["documents"])
    line = r.stderr.decode().strip().splitlines()[-1] if r.stderr.strip() else ""
    m = re.fullmatch(r"quire: (\d+) documents into (.+) in ([\d.]+) s on (\d+) threads "
                     r"\(metadata ([\d.]+) s, plan ([\d.]+) s, bodies and outputs ([\d.]+) s\)", line)
    check(r.returncode == 0 and m is not None, f"--verbose ends with the timing line (got {line!r})")
    if m:
        n, where, total, threads = int(m[1]), m[2], float(m[3]), int(m[4])
        phases = float(m[5]) + float(m[6]) + float(m[7])
        check(n == docs, f"--verbose counts {n} documents, model.json has {docs}")
        check(where == out and threads == 2, "--verbose names the folder and the threads")
        check(0 < phases <= total + 0.0015, f"phases {phases} s add up to at most the total {total} s")
    for extra in ([], ["--verbose", "--errors=json"]):
        r = run("build", os.path.join(ROOT, "samples"), "-o", out, *extra)
        check(b" documents into " not in r.stderr, f"no timing line with {extra or 'no option'}")


def main():
    test_usage()
    with tempfile.TemporaryDirectory() as tmp:
        test_bad_document_skipped(tmp)
        test_deterministic(tmp)
        test_jobs_invariant(tmp)
        test_write_failures_reported(tmp)
        test_prepare_equivalent(tmp)
        test_model_round_trip(tmp)
        test_nothing_outside(tmp)
        test_verbose_timings(tmp)
    if failures:
        print(f"{len(failures)} failure(s)", file=sys.stderr)
        return 1
    print("all CLI checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
