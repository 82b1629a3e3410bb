#!/bin/sh
# A 1,000-document corpus from ../shared/bench/gen-corpus, built with per-tag
# and per-category feeds: every feed.json, rss.xml and atom.xml (main and
# per taxonomy) must pass ../shared/validate/feed with zero errors and zero
# warnings (the checker also parses each with feedparser).
set -eu
shared="$QUIRE_SOURCE_ROOT/../shared"
[ -x "$shared/validate/feed" ] && [ -f "$shared/bench/gen-corpus" ] || { echo "no ../shared: skipped"; exit 77; }
/usr/bin/python3 -c 'import feedparser' 2>/dev/null || { echo "no feedparser: skipped"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
/usr/bin/python3 "$shared/bench/gen-corpus" --count 1000 --seed 1 "$tmp/corpus" 2>/dev/null
printf 'title: Corpus\nbase_url: https://corpus.example.org/\nfeeds:\n  by: [tags, categories]\n' > "$tmp/quire.yaml"
"$QUIRE" build "$tmp/corpus" -c "$tmp/quire.yaml" -o "$tmp/out" -q --formats jsonfeed,rss,atom
find "$tmp/out" \( -name feed.json -o -name rss.xml -o -name atom.xml \) | sort > "$tmp/list"
n=$(wc -l < "$tmp/list")
[ "$n" -ge 60 ] || { echo "expected the main feeds and per-tag/category feeds, found $n files"; exit 1; }
out=$(xargs "$shared/validate/feed" < "$tmp/list" 2>&1) || { echo "$out" | grep -v ' 0 errors, 0 warnings' | head -40; exit 1; }
bad=$(echo "$out" | grep -vc ' 0 errors, 0 warnings' || true)
[ "$bad" = 0 ] || { echo "$out" | grep -v ' 0 errors, 0 warnings' | head -40; exit 1; }
echo "$n feeds from a 1,000-document corpus: 0 errors, 0 warnings"
