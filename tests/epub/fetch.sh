#!/bin/sh
# fetch.sh — run test-epub-fetch against python3's http.server on 127.0.0.1,
# then again with the server stopped (the cache must answer).
set -u
: "${QUIRE_BUILD_ROOT:?}"
T="$QUIRE_BUILD_ROOT/tests/epub/test-epub-fetch"
command -v python3 >/dev/null 2>&1 || { echo "SKIP: python3 missing"; exit 77; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/quire-fetch-XXXXXX")
pid=
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
mkdir -p "$tmp/www"
python3 - "$tmp/www" <<'PY'
import sys, zlib, struct, os
d = sys.argv[1]
def chunk(t, b): return struct.pack('>I', len(b)) + t + b + struct.pack('>I', zlib.crc32(t + b) & 0xffffffff)
raw = b'\x00\xff\x00\x00'
png = (b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', struct.pack('>IIBBBBB', 1, 1, 8, 2, 0, 0, 0)) +
       chunk(b'IDAT', zlib.compress(raw, 9)) + chunk(b'IEND', b''))
open(os.path.join(d, 'red.png'), 'wb').write(png)
open(os.path.join(d, 'note.txt'), 'w').write('not an image\n')
with open(os.path.join(d, 'big.png'), 'wb') as f:
    f.write(png[:16]); f.write(b'\0' * (17 * 1024 * 1024))
PY
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
python3 -m http.server "$port" --bind 127.0.0.1 --directory "$tmp/www" >"$tmp/server.log" 2>&1 &
pid=$!
i=0
until python3 -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$port/note.txt')" 2>/dev/null; do
    i=$((i + 1)); [ $i -gt 50 ] && { echo "server did not start"; exit 1; }; sleep 0.1
done
export FETCH_URL="http://127.0.0.1:$port" FETCH_CACHE="$tmp/cache"
"$T" || exit $?
kill "$pid"; wait "$pid" 2>/dev/null; pid=
FETCH_SECOND=1 "$T"
