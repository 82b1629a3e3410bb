#!/usr/bin/env python3
"""Conformance of quire's JSON outputs on real inputs.

    check_outputs.py schema      JSON Feed output valid against
                                 tests/schema/jsonfeed-1.1.schema.json
                                 (Debian's python3-jsonschema; skipped, exit
                                 77, when the module is missing)
    check_outputs.py feedcheck   JSON Feed output through the shared strict
                                 checker ../shared/validate/feed: zero errors
                                 and zero warnings (77 when it is absent)
    check_outputs.py roundtrip   quire convert X -t model | quire convert - -f
                                 model -t model gives the same bytes, and the
                                 feed made from the model equals the feed made
                                 from X

Inputs: every input file of the golden cases (tests/golden/cases), the two
seeds in $QUIRE_SOURCE_ROOT/../shared/seeds, and the samples/ folder built as
a collection.  Each feed is made twice, without base_url (the writer's
fallback must validate too) and with --base-url.  An input whose reader is not
in this build yet ("not implemented yet") is skipped; when nothing could be
checked the test is skipped (77).
"""
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.environ.get("QUIRE_SOURCE_ROOT", os.path.dirname(os.path.dirname(HERE)))
QUIRE = os.environ["QUIRE"]
SHARED = os.path.join(os.path.dirname(ROOT), "shared")
UNAVAILABLE = ("not implemented yet", "not available in this build")
BASE = "https://notes.example.org/blog/"

sys.path.insert(0, os.path.join(ROOT, "tests", "golden"))
import run as golden  # noqa: E402  (the golden runner's case parser)


class Skip(Exception):
    pass


def quire(args, cwd, stdin=None):
    env = dict(os.environ)
    env.setdefault("SOURCE_DATE_EPOCH", "1700000000")
    r = subprocess.run([QUIRE, *args], cwd=cwd, input=stdin, capture_output=True, env=env,
                       timeout=300)
    err = r.stderr.decode("utf-8", "replace")
    if r.returncode != 0 and any(u in err for u in UNAVAILABLE):
        raise Skip(err.strip().splitlines()[0])
    if r.returncode != 0:
        raise RuntimeError(f"quire {' '.join(args)} exited {r.returncode}: {err.strip()}")
    return r.stdout


def inputs(tmp):
    """(label, folder, file name) of every input, copied into tmp."""
    found = []
    seen = set()  # several cases share an input: check each text once
    cases = os.path.join(ROOT, "tests", "golden", "cases")
    for entry in sorted(os.listdir(cases)):
        case = golden.parse_case(os.path.join(cases, entry))
        status = case.get("status")
        if status and status[2].strip() != "0":
            continue  # cases about bad input
        for name, arg, text, _ in case.sections:
            if name != "file":
                continue
            data = text if isinstance(text, bytes) else text.encode("utf-8")
            if data in seen:
                continue
            seen.add(data)
            folder = os.path.join(tmp, "golden", case.name)
            os.makedirs(folder, exist_ok=True)
            with open(os.path.join(folder, arg), "wb") as f:
                f.write(data)
            found.append((f"golden/{case.name}/{arg}", folder, arg))
    seeds = os.path.join(SHARED, "seeds")
    if os.path.isdir(seeds):
        for entry in sorted(os.listdir(seeds)):
            if entry.endswith(".txt"):
                found.append((f"seeds/{entry}", seeds, entry))
    else:
        print(f"note: no seeds at {seeds}")
    return found


def feeds(tmp):
    """(label, bytes) of every JSON Feed to check."""
    out = []
    skipped = 0
    for label, folder, name in inputs(tmp):
        for extra in ([], ["--base-url", BASE]):
            try:
                out.append((f"{label}{' ' + extra[1] if extra else ''}",
                            quire(["convert", os.path.join(folder, name), "-t", "jsonfeed"],
                                  tmp)))
            except Skip as e:
                skipped += 1
                print(f"SKIP {label}: {e}")
                break
    samples = os.path.join(ROOT, "samples")
    if os.path.isdir(samples):
        outdir = os.path.join(tmp, "samples-out")
        try:
            quire(["build", samples, "-o", outdir, "--formats", "jsonfeed"], tmp)
            for dirpath, _, files in os.walk(outdir):
                for f in sorted(files):
                    if f.endswith(".json"):
                        p = os.path.join(dirpath, f)
                        with open(p, "rb") as fh:
                            out.append((os.path.relpath(p, tmp), fh.read()))
        except Skip as e:
            skipped += 1
            print(f"SKIP samples: {e}")
    return out, skipped


def check_schema(tmp):
    try:
        import jsonschema
    except ImportError:
        raise Skip("python3-jsonschema is not installed (scripts/install-deps installs it)")
    with open(os.path.join(ROOT, "tests", "schema", "jsonfeed-1.1.schema.json")) as f:
        schema = json.load(f)
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    items, _ = feeds(tmp)
    failures = 0
    for label, data in items:
        errors = list(validator.iter_errors(json.loads(data)))
        for e in errors[:5]:
            path = "/".join(str(p) for p in e.absolute_path)
            print(f"FAIL {label}: /{path}: {e.message[:200]}")
        failures += bool(errors)
        if not errors:
            print(f"ok   {label}")
    return len(items), failures


def check_feedcheck(tmp):
    tool = os.path.join(SHARED, "validate", "feed")
    if not os.path.exists(tool):
        raise Skip(f"{tool} is absent")
    items, _ = feeds(tmp)
    failures = 0
    for i, (label, data) in enumerate(items):
        p = os.path.join(tmp, f"feed-{i}.json")
        with open(p, "wb") as f:
            f.write(data)
        r = subprocess.run([tool, p], capture_output=True, text=True)
        # zero errors AND zero warnings
        lines = [l for l in r.stdout.splitlines() if ": error:" in l or ": warning:" in l]
        if r.returncode == 2:
            raise Skip(f"{tool} could not set up its tools: {r.stderr.strip()[:200]}")
        if r.returncode != 0 or lines:
            failures += 1
            print(f"FAIL {label}")
            for l in (lines or r.stdout.splitlines())[:10]:
                print("    " + l.replace(p, "feed.json"))
        else:
            print(f"ok   {label}")
    return len(items), failures


def check_roundtrip(tmp):
    checked = failures = 0
    for label, folder, name in inputs(tmp):
        src = os.path.join(folder, name)
        try:
            first = quire(["convert", src, "-t", "model"], tmp)
        except Skip as e:
            print(f"SKIP {label}: {e}")
            continue
        checked += 1
        second = quire(["convert", "-", "-f", "model", "-t", "model"], tmp, stdin=first)
        problems = []
        if first != second:
            problems.append("model -> model is not byte-identical")
        model = os.path.join(tmp, "rt-model.json")
        with open(model, "wb") as f:
            f.write(first)
        for extra in ([], ["--base-url", BASE]):
            direct = quire(["convert", src, "-t", "jsonfeed", *extra], tmp)
            via = quire(["convert", model, "-f", "model", "-t", "jsonfeed", *extra], tmp)
            if direct != via:
                problems.append(f"the feed from the model differs from the feed from the "
                                f"source{' with ' + extra[1] if extra else ''}")
        if problems:
            failures += 1
            print(f"FAIL {label}: " + "; ".join(problems))
        else:
            print(f"ok   {label}")
    return checked, failures


def main(argv):
    modes = {"schema": check_schema, "feedcheck": check_feedcheck, "roundtrip": check_roundtrip}
    if len(argv) != 2 or argv[1] not in modes:
        print(__doc__)
        return 2
    with tempfile.TemporaryDirectory(prefix="quire-conf-") as tmp:
        try:
            checked, failures = modes[argv[1]](tmp)
        except Skip as e:
            print(f"SKIP: {e}")
            return 77
    print(f"{argv[1]}: {checked} checked, {failures} failed")
    if failures:
        return 1
    return 0 if checked else 77


if __name__ == "__main__":
    sys.exit(main(sys.argv))
