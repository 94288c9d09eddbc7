#!/bin/sh
# The browser tests drive Debian's chromium and need CJK fonts to render Chinese.
# Install them when missing and we are root; otherwise say exactly what to install.
missing=""
[ -x /usr/bin/chromium ] || missing="$missing chromium"
fc-list 2>/dev/null | grep -qi "Noto Sans CJK" || missing="$missing fonts-noto-cjk"
[ -z "$missing" ] && exit 0
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null; then
  echo "Installing browser test dependencies:$missing"
  apt-get install -y -q $missing >/dev/null 2>&1 || { apt-get update -q >/dev/null && apt-get install -y -q $missing >/dev/null; } || exit 1
  exit 0
fi
echo "The browser tests need Debian packages:$missing" >&2
echo "Install them with: sudo apt-get install -y$missing" >&2
exit 1
