#!/usr/bin/env python3
"""Golden tests: run quire on each case and compare its output with the
expected output stored in the case itself.

A case is one file, cases/NAME.test, in sections (cmark's spec.txt and
curl's tests/data in spirit: input, arguments and expected output together):

    # comment lines before the first section describe the case
    %% args
    convert post.md -t jsonfeed
    %% file post.md
    ---
    title: Hello
    ---
    Text.
    %% stdout
    { ...expected output... }
    %% stderr            (optional: diagnostics expected, compared too)
    %% status            (optional: expected exit status, default 0)
    1

A section's text is every line up to the next "%% " line, verbatim.
"%% stdout noeol" marks output that does not end with a newline.
"%% stdin" gives standard input.  A case can also be a folder, cases/NAME/,
holding the files, an `args` file, and `stdout` (optional `stderr`,
`status`): for binary inputs or many files.

quire runs in a fresh temporary folder holding the case's files, so paths
in the output are the relative names of the case (deterministic), with
SOURCE_DATE_EPOCH from the test environment.

    QUIRE_GOLDEN_UPDATE=1 meson test -C build --suite golden

rewrites every expected section from what quire prints now; review the
diff (git diff tests/golden) before committing.  QUIRE_GOLDEN_FILTER=text
runs only the cases whose name contains text.

A case whose input format has no reader in this build yet (quire says "not
implemented yet") is reported as skipped, not failed, so the cases can be
written before the component lands; once it lands they run.  Exit status:
0 all ran cases passed, 1 some failed, 77 nothing could run.
"""
import difflib
import os
import shlex
import shutil
import subprocess
import sys
import tempfile

QUIRE = os.environ.get("QUIRE_CONVERT") or os.environ.get("QUIRE")
UPDATE = os.environ.get("QUIRE_GOLDEN_UPDATE") == "1"
FILTER = os.environ.get("QUIRE_GOLDEN_FILTER", "")
UNAVAILABLE = ("not implemented yet", "not available in this build")
OUT_SECTIONS = ("stdout", "stderr", "status")


class Case:
    def __init__(self, path):
        self.path = path
        self.name = os.path.basename(path).removesuffix(".test")
        self.comment = []      # header lines, kept on update
        self.sections = []     # [name, arg, text, noeol] in file order

    def get(self, name):
        for s in self.sections:
            if s[0] == name:
                return s
        return None


def parse_case(path):
    case = Case(path)
    if os.path.isdir(path):
        for entry in sorted(os.listdir(path)):
            with open(os.path.join(path, entry), "rb") as f:
                data = f.read()
            if entry == "args":
                case.sections.append(["args", "", data.decode().strip(), False])
            elif entry in OUT_SECTIONS:
                case.sections.append([entry, "", data.decode("utf-8", "surrogateescape"), False])
            else:
                case.sections.append(["file", entry, data, False])
        return case
    cur = None
    with open(path, encoding="utf-8", newline="") as f:
        for line in f:
            if line.startswith("%% "):
                words = line[3:].split()
                name, rest = words[0], words[1:]
                noeol = "noeol" in rest
                arg = " ".join(w for w in rest if w != "noeol")
                cur = [name, arg, "", noeol]
                case.sections.append(cur)
            elif cur is None:
                case.comment.append(line)
            else:
                cur[2] += line
    for s in case.sections:
        if s[3] and s[2].endswith("\n"):
            s[2] = s[2][:-1]
    return case


def save_case(case, stdout, stderr, status):
    """Rewrites the expected sections of a case from the actual results."""
    if os.path.isdir(case.path):
        for name, value in (("stdout", stdout), ("stderr", stderr),
                            ("status", f"{status}\n" if status else "")):
            p = os.path.join(case.path, name)
            if value or name == "stdout":
                with open(p, "w", encoding="utf-8", errors="surrogateescape", newline="") as f:
                    f.write(value)
            elif os.path.exists(p):
                os.remove(p)
        return
    kept = [s for s in case.sections if s[0] not in OUT_SECTIONS]
    kept.append(["stdout", "", stdout, bool(stdout) and not stdout.endswith("\n")])
    if stderr:
        kept.append(["stderr", "", stderr, not stderr.endswith("\n")])
    if status:
        kept.append(["status", "", f"{status}\n", False])
    out = "".join(case.comment)
    for name, arg, text, noeol in kept:
        if isinstance(text, bytes):
            text = text.decode("utf-8")
        for line in text.splitlines():
            if line.startswith("%% "):
                raise SystemExit(f"{case.path}: output has a line starting with '%% ': "
                                 "cannot store it in a .test file; make it a folder case")
        head = " ".join(x for x in (name, arg, "noeol" if noeol else "") if x)
        out += f"%% {head}\n{text}"
        if text and not text.endswith("\n"):
            out += "\n"
    with open(case.path, "w", encoding="utf-8", newline="") as f:
        f.write(out)


def run_case(case, tmp):
    """Returns (stdout, stderr, status) of quire for this case."""
    work = os.path.join(tmp, case.name)
    os.makedirs(work)
    stdin = None
    for name, arg, text, _ in case.sections:
        if name == "file":
            p = os.path.join(work, arg)
            os.makedirs(os.path.dirname(p), exist_ok=True)
            with open(p, "wb") as f:
                f.write(text if isinstance(text, bytes) else text.encode("utf-8"))
        elif name == "stdin":
            stdin = text.encode("utf-8")
    args = case.get("args")
    if not args:
        raise SystemExit(f"{case.path}: no %% args section")
    env = dict(os.environ)
    env.setdefault("SOURCE_DATE_EPOCH", "1700000000")
    r = subprocess.run([QUIRE, *shlex.split(args[2])], cwd=work, input=stdin,
                       capture_output=True, env=env, timeout=120)
    return (r.stdout.decode("utf-8", "surrogateescape"),
            r.stderr.decode("utf-8", "surrogateescape"), r.returncode)


def show_diff(label, expected, actual):
    diff = difflib.unified_diff(expected.splitlines(True), actual.splitlines(True),
                                f"expected {label}", f"actual {label}", n=2)
    text = "".join(diff)
    lines = text.splitlines(True)
    if len(lines) > 60:
        text = "".join(lines[:60]) + f"... ({len(lines) - 60} more diff lines)\n"
    sys.stdout.write(text)


def main(argv):
    if not QUIRE:
        print("golden: set QUIRE to the quire binary")
        return 2
    root = argv[1] if len(argv) > 1 else os.path.join(os.path.dirname(__file__), "cases")
    paths = sorted(os.path.join(root, e) for e in os.listdir(root)
                   if e.endswith(".test") or os.path.isdir(os.path.join(root, e)))
    passed = failed = skipped = updated = 0
    with tempfile.TemporaryDirectory(prefix="quire-golden-") as tmp:
        for path in paths:
            case = parse_case(path)
            if FILTER and FILTER not in case.name:
                continue
            out, err, status = run_case(case, tmp)
            if status != 0 and any(u in err for u in UNAVAILABLE):
                skipped += 1
                reason = next(l for l in err.splitlines() if any(u in l for u in UNAVAILABLE))
                print(f"SKIP {case.name}: {reason.strip()}")
                continue
            exp_out = case.get("stdout")
            exp_err = case.get("stderr")
            exp_status = case.get("status")
            want_status = int(exp_status[2].strip()) if exp_status else 0
            same = (exp_out is not None and exp_out[2] == out
                    and (exp_err[2] if exp_err else "") == err and want_status == status)
            if same:
                passed += 1
                print(f"ok   {case.name}")
                continue
            if UPDATE:
                save_case(case, out, err, status)
                updated += 1
                print(f"UPDATED {case.name}")
                continue
            failed += 1
            print(f"FAIL {case.name} ({path})")
            if exp_out is None:
                print("  no expected output yet: run with QUIRE_GOLDEN_UPDATE=1 and review")
            else:
                show_diff("stdout", exp_out[2], out)
            show_diff("stderr", exp_err[2] if exp_err else "", err)
            if want_status != status:
                print(f"  exit status {status}, expected {want_status}")
    print(f"golden: {passed} passed, {failed} failed, {skipped} skipped"
          + (f", {updated} updated" if UPDATE else ""))
    if failed:
        return 1
    return 0 if passed or updated else 77


if __name__ == "__main__":
    sys.exit(main(sys.argv))
