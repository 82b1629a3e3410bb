#!/bin/sh
# conformance.sh CASE — EPUB conformance tests (meson suite 'conformance').
#
#   epubcheck-hostile  the hostile collection (epub-mkepub) passes EPUBCheck silently
#   epubcheck-cases    one document, no documents, a 1,000-document generated corpus
#   epubcheck-corpus   gen-corpus --count 1000 --seed 1 --images through `quire build`
#   epubcheck-cli      samples/ (also with a Zip64 end), each seed alone, both seeds
#                      together, through the CLI
#   pandoc-readback    pandoc reads each book back: every title and a sentence are there
#   reproducible       two builds, TZ=UTC and TZ=Asia/Kolkata, give the same bytes
#
# Any EPUBCheck message (fatal, error, warning, info, usage) fails the test.
# Exit 77 (skipped) when java/EPUBCheck or pandoc is missing, when the CLI
# cannot read Markdown yet (reader not in this tree), or when
# $QUIRE_SOURCE_ROOT/../shared is needed and absent.
set -u
case_name=$1
: "${QUIRE:?}" "${QUIRE_SOURCE_ROOT:?}" "${EPUB_MK:?}"
JAR=/usr/share/java/epubcheck.jar
SHARED="$QUIRE_SOURCE_ROOT/../shared"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/quire-epub-XXXXXX")
trap 'rm -rf "$tmp"' EXIT
export SOURCE_DATE_EPOCH="${SOURCE_DATE_EPOCH:-1700000000}"
fail=0

need_epubcheck() {
    command -v java >/dev/null 2>&1 && [ -f "$JAR" ] || { echo "SKIP: EPUBCheck not installed"; exit 77; }
}

# epubcheck FILE: silent pass or failure with the messages
epubcheck() {
    out=$(java -jar "$JAR" -q "$1" 2>&1)
    if [ -n "$out" ]; then
        echo "FAIL epubcheck $1"; echo "$out" | head -50 | sed 's/^/  /'; fail=1
    else
        echo "ok   epubcheck $1"
    fi
}

# cli_epub OUT.epub ARGS...: `quire build ARGS -o DIR --formats epub`, copy book.epub
cli_build() {
    out=$1; shift
    rm -rf "$tmp/cli"
    "$QUIRE" build "$@" -o "$tmp/cli" --formats epub >"$tmp/cli.log" 2>&1
    if [ ! -f "$tmp/cli/book.epub" ]; then
        echo "cannot build with the CLI:"; sed 's/^/  /' "$tmp/cli.log" | head -20
        return 1
    fi
    cp "$tmp/cli/book.epub" "$out"
}

# Does this tree's CLI read Markdown yet?
cli_reads_markdown() {
    mkdir -p "$tmp/probe"
    printf -- '---\ntitle: Probe\n---\n\nProbe sentence.\n' >"$tmp/probe/p.md"
    cli_build "$tmp/probe.epub" "$tmp/probe" >/dev/null 2>&1 && \
        unzip -p "$tmp/probe.epub" 'OEBPS/ch*.xhtml' 2>/dev/null | grep -q "Probe sentence"
}

case "$case_name" in
epubcheck-hostile)
    need_epubcheck
    "$EPUB_MK" hostile "$tmp/hostile.epub" "$tmp/w" || exit 1
    epubcheck "$tmp/hostile.epub"
    ;;
epubcheck-cases)
    need_epubcheck
    "$EPUB_MK" single "$tmp/single.epub" "$tmp/w" || exit 1
    "$EPUB_MK" empty "$tmp/empty.epub" || exit 1
    "$EPUB_MK" corpus 1000 "$tmp/corpus.epub" "$tmp/c" || exit 1
    for f in single empty corpus; do epubcheck "$tmp/$f.epub"; done
    ;;
epubcheck-corpus)
    need_epubcheck
    [ -x "$SHARED/bench/gen-corpus" ] || { echo "SKIP: $SHARED/bench/gen-corpus absent"; exit 77; }
    cli_reads_markdown || { echo "SKIP: the CLI does not read Markdown in this tree"; exit 77; }
    python3 "$SHARED/bench/gen-corpus" --count 1000 --seed 1 --images "$tmp/corpus" 2>/dev/null || exit 1
    cli_build "$tmp/corpus.epub" "$tmp/corpus" || exit 1
    epubcheck "$tmp/corpus.epub"
    ;;
epubcheck-cli)
    need_epubcheck
    cli_reads_markdown || { echo "SKIP: the CLI does not read Markdown in this tree"; exit 77; }
    cli_build "$tmp/samples.epub" "$QUIRE_SOURCE_ROOT/samples" || fail=1
    [ -f "$tmp/samples.epub" ] && epubcheck "$tmp/samples.epub"
    # The Zip64 end a book of 65,535 entries or more gets, forced on a
    # small one (a 65,535-chapter book takes EPUBCheck an hour).
    QUIRE_EPUB_ZIP64=1 cli_build "$tmp/samples64.epub" "$QUIRE_SOURCE_ROOT/samples" || fail=1
    if [ -f "$tmp/samples64.epub" ]; then
        python3 -c 'import sys; d = open(sys.argv[1], "rb").read(); sys.exit(d[-22-20:-22][:4] != b"PK\x06\x07")' \
            "$tmp/samples64.epub" || { echo "FAIL: samples64.epub has no Zip64 end"; fail=1; }
        epubcheck "$tmp/samples64.epub"
    fi
    if [ -d "$SHARED/seeds" ]; then
        i=0
        for s in "$SHARED"/seeds/0*.txt; do
            i=$((i + 1))
            cp "$s" "$tmp/seed$i.md"
            "$QUIRE" convert "$s" -f markdown -t epub -o "$tmp/seed$i.epub" >"$tmp/conv.log" 2>&1 ||
                { echo "FAIL convert $s"; sed 's/^/  /' "$tmp/conv.log"; fail=1; }
            [ -f "$tmp/seed$i.epub" ] && epubcheck "$tmp/seed$i.epub"
        done
        mkdir -p "$tmp/seeds"
        cp "$tmp"/seed*.md "$tmp/seeds/"
        cli_build "$tmp/seeds.epub" "$tmp/seeds" || fail=1
        [ -f "$tmp/seeds.epub" ] && epubcheck "$tmp/seeds.epub"
    else
        echo "note: $SHARED/seeds absent, seeds not checked"
    fi
    ;;
pandoc-readback)
    command -v pandoc >/dev/null 2>&1 || { echo "SKIP: pandoc not installed"; exit 77; }
    "$EPUB_MK" hostile "$tmp/hostile.epub" "$tmp/w" || exit 1
    pandoc -f epub -t plain --wrap=none "$tmp/hostile.epub" -o "$tmp/hostile.txt" || exit 1
    for want in 'Hostile input: <script> & "quotes"' 'The other document' 'third' \
                'The hostile sentence about scripts survives as text.' \
                'The other sentence links back' 'The third sentence has no title.' \
                'deepest words' 'Form text stays.'; do
        grep -qF -- "$want" "$tmp/hostile.txt" || { echo "FAIL pandoc: missing \"$want\""; fail=1; }
    done
    "$EPUB_MK" corpus 50 "$tmp/corpus.epub" "$tmp/c" 2>/dev/null || exit 1
    pandoc -f epub -t plain --wrap=none "$tmp/corpus.epub" -o "$tmp/corpus.txt" || exit 1
    n=$(grep -c '^Document number [0-9]*: a & b$' "$tmp/corpus.txt")
    [ "$n" -ge 50 ] || { echo "FAIL pandoc: $n of 50 corpus titles"; fail=1; }
    if cli_reads_markdown; then
        cli_build "$tmp/samples.epub" "$QUIRE_SOURCE_ROOT/samples" || fail=1
        pandoc -f epub -t plain --wrap=none "$tmp/samples.epub" -o "$tmp/samples.txt" || fail=1
        for md in "$QUIRE_SOURCE_ROOT"/samples/*/*.md "$QUIRE_SOURCE_ROOT"/samples/*/*.txt; do
            [ -f "$md" ] || continue
            title=$(sed -n 's/^title: *//p' "$md" | head -1 | sed 's/^["'\'']//; s/["'\'']$//')
            [ -n "$title" ] || continue
            # fix-encoding repairs mojibake titles: look for the repaired form too
            fixed=$(python3 -c 'import sys
try: print(sys.argv[1].encode("cp1252").decode("utf-8"))
except Exception: print(sys.argv[1])' "$title" 2>/dev/null)
            grep -qF -- "$title" "$tmp/samples.txt" || grep -qF -- "${fixed:-$title}" "$tmp/samples.txt" ||
                { echo "FAIL pandoc: title \"$title\" ($md)"; fail=1; }
        done
    fi
    [ $fail = 0 ] && echo "ok   pandoc read-back"
    ;;
reproducible)
    TZ=UTC "$EPUB_MK" hostile "$tmp/a.epub" "$tmp/w" || exit 1
    TZ=Asia/Kolkata "$EPUB_MK" hostile "$tmp/b.epub" "$tmp/w" || exit 1
    cmp "$tmp/a.epub" "$tmp/b.epub" || { echo "FAIL: hostile books differ with TZ"; fail=1; }
    if cli_reads_markdown; then
        TZ=UTC cli_build "$tmp/s1.epub" "$QUIRE_SOURCE_ROOT/samples" || fail=1
        TZ=Asia/Kolkata cli_build "$tmp/s2.epub" "$QUIRE_SOURCE_ROOT/samples" || fail=1
        cmp "$tmp/s1.epub" "$tmp/s2.epub" || { echo "FAIL: samples books differ with TZ"; fail=1; }
    fi
    [ $fail = 0 ] && echo "ok   reproducible"
    ;;
*)
    echo "unknown case $case_name"; exit 2 ;;
esac
exit $fail
