#!/bin/sh
# Every public header must compile alone (and twice: include guards), C11 -pedantic -Werror.
set -e
root="$QUIRE_SOURCE_ROOT"
cc="${CC:-cc}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
n=0
for h in $(cd "$root/include" && find quire -name '*.h' | sort); do
  printf '#include <%s>\n#include <%s>\nint main(void){return 0;}\n' "$h" "$h" > "$tmp/t.c"
  $cc -std=c11 -pedantic -Wall -Wextra -Werror -I"$root/include" -c "$tmp/t.c" -o "$tmp/t.o" || { echo "FAIL: $h"; exit 1; }
  n=$((n + 1))
done
[ "$n" -ge 8 ] || { echo "only $n headers found"; exit 1; }
echo "$n headers compile alone"
