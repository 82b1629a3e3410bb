#!/usr/bin/env bash
# The Nu HTML checker over every page quire builds from samples/, from
# tests/html/nesting (content that breaks HTML nesting rules, images), from
# ../shared/seeds and from QUIRE_NU_CORPUS (default 1000, 0: none) generated documents
# of ../shared/bench/gen-corpus).  Exit 77 (skip) without the jar, java or
# ../shared.
set -uo pipefail
root=${QUIRE_SOURCE_ROOT:?}
quire=${QUIRE:?}
tools=${QUIRE_TOOLS:-$root/.cache/tools}
jar="$tools/node_modules/vnu-jar/build/dist/vnu.jar"
shared="$root/../shared"
[ -f "$jar" ] || { echo "nu-html: no vnu.jar in $tools (scripts/install-deps)"; exit 77; }
command -v java >/dev/null || { echo "nu-html: no java"; exit 77; }
[ -d "$shared/seeds" ] || { echo "nu-html: no $shared/seeds"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
status=0
"$quire" build "$root/samples" -o "$tmp/samples" --formats html -q || status=1
"$quire" build "$shared/seeds" -o "$tmp/seeds" --formats html -q || status=1
# markup that breaks nesting rules, images present, missing and refused
"$quire" build "$root/tests/html/nesting" -o "$tmp/nesting" --formats html -q || status=1
"$quire" convert "$shared/seeds/004_6c736e0fe32897a1.txt" -t html -o "$tmp/standalone.html" -q || status=1
corpus=${QUIRE_NU_CORPUS:-1000}
if [ "$corpus" != 0 ] && [ -f "$shared/bench/gen-corpus" ]; then
  /usr/bin/python3 "$shared/bench/gen-corpus" --count "$corpus" --seed 1 "$tmp/corpus-src" >/dev/null 2>&1 &&
    "$quire" build "$tmp/corpus-src" -o "$tmp/corpus" --formats html -q || status=1
fi
mapfile -t files < <(find "$tmp" -name '*.html' | sort)
echo "nu-html: checking ${#files[@]} pages"
[ ${#files[@]} -gt 3 ] || { echo "nu-html: too few pages built"; exit 1; }
out=$(java -jar "$jar" --errors-only --format gnu "${files[@]}" 2>&1)
if [ -n "$out" ]; then
  printf '%s\n' "$out" | head -50
  echo "nu-html: $(printf '%s\n' "$out" | grep -c ': error') errors"
  status=1
fi
exit $status
