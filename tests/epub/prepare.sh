#!/bin/sh
# prepare.sh — the writer's prepare() path (quire build) against its inline
# path: chapters converted on worker threads in any order must give the same
# book for every --jobs; ids get their chapter's c<N>- prefix (no mark left);
# links between chapters, #fragments and an image shared by two chapters
# survive; chapters without ids or links come out compressed by prepare()
# and unzip to what they should.
set -u
: "${QUIRE:?}" "${QUIRE_SOURCE_ROOT:?}"
command -v unzip >/dev/null 2>&1 || { echo "SKIP: unzip missing"; exit 77; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/quire-prep-XXXXXX")
trap 'rm -rf "$tmp"' EXIT
src="$tmp/src"
mkdir -p "$src"
cp "$QUIRE_SOURCE_ROOT/samples/images/icon.png" "$src/icon.png"
for i in 1 2 3 4 5 6 7 8 9 10 11 12; do
    n=$(printf '%02d' "$i")
    {
        printf -- '---\ntitle: "Doc %s"\ndate: 2024-01-%s\n---\n\n' "$n" "$n"
        case $i in
        1) printf 'See [doc 3](doc03.md#part) and [two](doc02.md).\n\n![icon](icon.png)\n' ;;
        2) printf '<h1 id="intro">Intro</h1>\n\nText[^1] and [back](#intro).\n\n[^1]: A note.\n' ;;
        3) printf '<h2 id="part">Part</h2>\n\n<p id="part">again</p>\n\n[to one](doc01.md)\n' ;;
        4) printf '![same icon](icon.png)\n\nPlain words only.\n' ;;
        *) printf 'Plain paragraph %s with *emphasis* & <b>bold</b>.\n' "$i" ;;
        esac
    } >"$src/doc$n.md"
done
fail=0
for j in 1 2 4 8; do
    "$QUIRE" build "$src" -o "$tmp/o$j" --formats epub --jobs "$j" -q >"$tmp/log$j" 2>&1 ||
        { echo "build --jobs $j failed"; cat "$tmp/log$j"; fail=1; }
done
for j in 2 4 8; do
    cmp -s "$tmp/o1/book.epub" "$tmp/o$j/book.epub" ||
        { echo "book differs between --jobs 1 and --jobs $j"; fail=1; }
done
mkdir -p "$tmp/x"
(cd "$tmp/x" && unzip -q "$tmp/o1/book.epub") || { echo "unzip failed"; exit 1; }
x="$tmp/x/OEBPS"
# chapter file and number of the document titled $1 (order is the build's)
chf() { grep -l "<title>$1</title>" "$x"/ch*.xhtml | head -1; }
chn() { basename "$1" .xhtml | sed 's/^ch0*//'; }
c1=$(chf 'Doc 01'); c2=$(chf 'Doc 02'); c3=$(chf 'Doc 03'); c7=$(chf 'Doc 07')
n2=$(chn "$c2"); n3=$(chn "$c3")
if LC_ALL=C grep -l "$(printf '\001')" "$x"/*.xhtml >/dev/null 2>&1; then
    echo "an id mark was left in a chapter"; fail=1
fi
grep -q "id=\"c$n2-intro\"" "$c2" || { echo "chapter $n2 ids lack c$n2-"; fail=1; }
grep -q "href=\"#c$n2-intro\"" "$c2" || { echo "#fragment link in chapter $n2 lost"; fail=1; }
grep -q "id=\"c$n3-part\"" "$c3" && grep -q "id=\"c$n3-part-2\"" "$c3" ||
    { echo "chapter $n3 ids not prefixed/deduplicated"; fail=1; }
grep -q "href=\"$(basename "$c3")#c$n3-part\"" "$c1" ||
    { echo "cross-chapter link with fragment not resolved"; fail=1; }
grep -q "href=\"$(basename "$c2")\"" "$c1" || { echo "cross-chapter link lost"; fail=1; }
grep -q "href=\"$(basename "$c1")\"" "$c3" || { echo "backward link lost"; fail=1; }
n=$(ls "$x/images" | wc -l)
[ "$n" -eq 1 ] || { echo "expected one shared image, got $n"; fail=1; }
grep -q '<p>Plain paragraph 7 with <em>emphasis</em> &amp; <strong>bold</strong>.</p>' "$c7" ||
    { echo "plain chapter content wrong"; fail=1; }
# the inline path (quire convert) writes the same chapter
"$QUIRE" convert "$src/doc07.md" -t epub -o "$tmp/one.epub" >/dev/null 2>&1 ||
    { echo "convert failed"; fail=1; }
[ $fail -eq 0 ] && echo ok
exit $fail
