#!/bin/sh
# `make lighthouse`: Lighthouse 12 (npm, via npx on Node 20) with Debian chromium, mobile
# form factor and throttling (Lighthouse's default preset), on the public village page, the
# log-in page and the check-in result page of a locally started server (the Procfile's gunicorn
# command) with demo data. Prints the scores; target >= 95 for performance, accessibility
# and best practices on every page. Exit status 1 when a page misses the target.
set -eu
cd "$(dirname "$0")/.."
BIN=.venv/bin
export CHROME_PATH="${CHROME_PATH:-/usr/bin/chromium}"
WORK="$(mktemp -d /tmp/lighthouse-XXXXXX)"
PORT="${LIGHTHOUSE_PORT:-8765}"
export DATABASE_URL="sqlite:///$WORK/lighthouse.db" UPLOAD_FOLDER="$WORK/uploads"
export SECRET_KEY="lighthouse-$(date +%s)"

$BIN/flask --app app db upgrade >/dev/null 2>&1
$BIN/flask --app app seed-demo >/dev/null
# A meeting of 东湖村 open for check-in now, and a logged-in member's session cookie.
$BIN/python scripts/lighthouse_prepare.py "$WORK"

$BIN/gunicorn --workers 2 --bind "127.0.0.1:$PORT" app:app >"$WORK/server.log" 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true' EXIT INT TERM
for _ in $(seq 1 50); do
  curl -fs "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 && break
  sleep 0.2
done

BASE="http://127.0.0.1:$PORT"
COOKIE="$(cat "$WORK/cookie")"
run() {  # name url [cookie]
  headers='{}'
  [ -n "${3:-}" ] && headers="{\"Cookie\": \"$3\"}"
  npx --yes lighthouse@12 "$2" --quiet --output=json --output-path="$WORK/$1.json" \
    --only-categories=performance,accessibility,best-practices \
    --chrome-flags="--headless=new --no-sandbox --disable-gpu" \
    --extra-headers="$headers" >/dev/null 2>"$WORK/$1.err" || { cat "$WORK/$1.err"; exit 2; }
}
run village "$BASE/v/donghu/commitments"
run login "$BASE/auth/login"
# The scan page checks in once; later loads (Lighthouse loads it more than once) show 已签到.
# The QR token lives 15–30 s: made just before Lighthouse opens the page.
run checkin "$BASE$($BIN/python scripts/lighthouse_prepare.py --scan "$WORK")" "$COOKIE"
$BIN/python scripts/lighthouse_prepare.py --report "$WORK" village login checkin
echo "(reports: $WORK/*.json)"
