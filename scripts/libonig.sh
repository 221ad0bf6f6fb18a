#!/usr/bin/env bash
# scripts/libonig.sh DEST_DIR — copies this machine's Oniguruma (libonig.so.5, Debian libonig5)
# and its license into DEST_DIR, for the packages that bundle it next to libm2v.so (the wheel,
# the C tarball): libm2v loads a libonig.so.5 from its own folder before the system's, so
# tokenizers whose Split/Replace regexes need Oniguruma work where libonig5 is not installed.
# The one place that knows where the library and its license come from.
set -euo pipefail
dest=${1:?usage: scripts/libonig.sh DEST_DIR}
# (awk reads all of ldconfig's output: an early exit would kill ldconfig with SIGPIPE, which
# pipefail turns into this script's failure)
src=$(ldconfig -p 2>/dev/null | awk '/libonig\.so\.5 / && !found {print $NF; found = 1}' || true)
[ -n "$src" ] || for d in /usr/lib/x86_64-linux-gnu /usr/lib/aarch64-linux-gnu /usr/lib64 /usr/lib; do
  [ -e "$d/libonig.so.5" ] && { src=$d/libonig.so.5; break; }
done
[ -n "$src" ] && [ -e "$src" ] || { echo "libonig.sh: libonig.so.5 not found (apt-get install libonig5)" >&2; exit 1; }
install -m 755 "$(readlink -f "$src")" "$dest/libonig.so.5"
strip --strip-debug "$dest/libonig.so.5" 2>/dev/null || true
lic=/usr/share/doc/libonig5/copyright
if [ -f "$lic" ]; then
  install -m 644 "$lic" "$dest/libonig.so.5.LICENSE"
else
  echo "Oniguruma (https://github.com/kkos/oniguruma), Copyright K.Kosako, BSD-2-Clause." > "$dest/libonig.so.5.LICENSE"
fi
echo "libonig.sh: bundled $(readlink -f "$src") into $dest"
