#!/usr/bin/env bash
# Builds the binary wheel dist/m2v_native-<version>-cp310-abi3-<manylinux tag>.whl, which needs
# no Swift toolchain and no installed libm2v: `pip install` it on any CPython >= 3.10 with
# glibc >= the tag's (2.35 for this build).
#
#   - the extension _core.abi3.so uses only the stable ABI (Py_LIMITED_API 3.10), so one wheel
#     serves every CPython from 3.10 on (tag cp310-abi3);
#   - libm2v is bundled next to it inside the package: libm2v.so.<version> and its soname
#     libm2v.so.0 (the name the extension's NEEDED entry asks for). A zip has no symlinks, so
#     both are regular files; the copies have their debug sections stripped;
#   - the extension's rpath is $ORIGIN (setup.py with M2V_BUNDLE=1), so the loader finds the
#     bundled library wherever pip puts the package;
#   - the platform tag is the one `auditwheel show` reports for the built wheel (auditwheel and
#     wheel are installed into the venv when missing); the wheel is retagged with `wheel tags`;
#   - `abi3audit --strict` checks that the extension imports nothing outside the 3.10 stable ABI
#     (skipped with a note when abi3audit cannot be installed).
#
# Input: the release library installed under PREFIX (`make install`), the venv's Python
# (setuptools builds the extension without network access). Usage: scripts/wheel.sh
#
# scripts/wheel.sh --sdist builds dist/m2v_native-<version>.tar.gz instead: the Python package
# plus libm2v-src/ (the git-tracked Package.swift, Sources/, Tests/ (SwiftPM wants every declared
# target's folder), include/, scripts/build.sh, scripts/m2v.map). `pip install` of it builds
# libm2v with the Swift toolchain (setup.py's third way) unless M2V_PREFIX / pkg-config names an
# installed libm2v, and bundles it like the wheel.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
PREFIX=${PREFIX:-$ROOT/build/prefix}
VENV=${VENV:-$ROOT/.venv}
PY=$VENV/bin/python
version=$(sed -n 's/^#define M2V_VERSION_STRING "\(.*\)"/\1/p' include/m2v.h)
lib=$PREFIX/lib/libm2v.so.$version
[ -f "$lib" ] || { echo "wheel.sh: $lib missing (run make install)" >&2; exit 1; }
[ -x "$PY" ] || { echo "wheel.sh: no venv at $VENV (run make venv)" >&2; exit 1; }
if ! "$PY" -c 'import auditwheel, wheel' 2>/dev/null; then
  "$VENV/bin/pip" install -q auditwheel wheel
fi
"$PY" -c 'import abi3audit' 2>/dev/null || "$VENV/bin/pip" install -q abi3audit 2>/dev/null || true

if [ "${1:-}" = --sdist ]; then
  stage=$ROOT/build/sdist
  rm -rf "$stage"
  mkdir -p "$stage/pkg/libm2v-src" "$stage/out"
  cp bindings/python/setup.py bindings/python/pyproject.toml bindings/python/README.md "$stage/pkg/"
  git ls-files -z bindings/python/src | xargs -0 cp --parents -t "$stage"
  mv "$stage/bindings/python/src" "$stage/pkg/src" && rm -rf "$stage/bindings"
  git ls-files -z Package.swift Sources Tests include scripts/build.sh scripts/m2v.map \
    | xargs -0 cp --parents -t "$stage/pkg/libm2v-src"
  printf '%s\n' 'graft libm2v-src' 'global-exclude *.so *.so.* *.o *.pyc' > "$stage/pkg/MANIFEST.in"
  # M2V_PREFIX only lets setup.py read the version: the sdist command compiles nothing.
  (cd "$stage/pkg" && M2V_PREFIX=$PREFIX "$PY" setup.py -q sdist -d "$stage/out" >/dev/null 2>&1) \
    || (cd "$stage/pkg" && M2V_PREFIX=$PREFIX "$PY" setup.py sdist -d "$stage/out")
  sd=$(ls "$stage"/out/m2v_native-"$version".tar.gz)
  listing=$(tar -tzf "$sd")
  grep -q "libm2v-src/Package.swift" <<<"$listing" || { echo "wheel.sh: $sd lacks libm2v-src" >&2; exit 1; }
  mkdir -p dist
  mv "$sd" dist/
  echo "wheel.sh: dist/$(basename "$sd") ($(du -h "dist/$(basename "$sd")" | cut -f1); builds libm2v with Swift on install)"
  exit 0
fi

# A staged copy of the package, so that the source tree never holds the bundled library.
stage=$ROOT/build/wheel
rm -rf "$stage"
mkdir -p "$stage/pkg" "$stage/out"
cp bindings/python/setup.py bindings/python/pyproject.toml bindings/python/README.md "$stage/pkg/"
cp -r bindings/python/src "$stage/pkg/src"
find "$stage/pkg/src" \( -name __pycache__ -o -name '*.so' -o -name '*.so.*' \) -prune -exec rm -rf {} +
pkgdir=$stage/pkg/src/m2v_native
install -m 755 "$lib" "$pkgdir/libm2v.so.$version"
strip --strip-debug "$pkgdir/libm2v.so.$version"
cp "$pkgdir/libm2v.so.$version" "$pkgdir/libm2v.so.0"
# Oniguruma for tokenizer.json regexes (libm2v loads it from its own folder first).
scripts/libonig.sh "$pkgdir" >/dev/null
# The m2v command, run by the wheel's `m2v` console script (m2v_native/_cli.py); its rpath
# $ORIGIN/.. finds the bundled libm2v.so.0.
[ -x "$PREFIX/bin/m2v" ] || { echo "wheel.sh: $PREFIX/bin/m2v missing (run make install)" >&2; exit 1; }
mkdir -p "$pkgdir/bin"
install -m 755 "$PREFIX/bin/m2v" "$pkgdir/bin/m2v"
strip --strip-debug "$pkgdir/bin/m2v"

# Build (in the staged tree; no build isolation: the venv's setuptools, offline). LDSHARED and
# LDFLAGS replace the interpreter's own link flags, which may carry an rpath of its build
# machine (pyenv's -Wl,-rpath,<prefix>/lib): the only rpath must be $ORIGIN.
(cd "$stage/pkg" && M2V_BUNDLE=1 M2V_PREFIX=$PREFIX LDSHARED="${CC:-cc} -shared" LDFLAGS="" \
  "$PY" -m pip wheel -q --no-deps --no-build-isolation -w "$stage/out" .)
raw=$(ls "$stage"/out/m2v_native-"$version"-cp310-abi3-*.whl)

# Checks: the extension's rpath is $ORIGIN; the library files and the command are in the wheel.
"$PY" - "$raw" "$version" <<'EOF'
import sys, zipfile
whl, version = sys.argv[1], sys.argv[2]
names = set(zipfile.ZipFile(whl).namelist())
need = {"m2v_native/_core.abi3.so", "m2v_native/libm2v.so.0", f"m2v_native/libm2v.so.{version}",
        "m2v_native/libonig.so.5", "m2v_native/libonig.so.5.LICENSE", "m2v_native/bin/m2v"}
missing = need - names
if missing:
    sys.exit(f"wheel.sh: {whl} lacks {sorted(missing)}")
EOF
readelf -d "$stage"/pkg/build/lib*/m2v_native/_core.abi3.so | grep -E 'R(UN)?PATH.*\[\$ORIGIN\]' >/dev/null \
  || { echo "wheel.sh: the extension's rpath is not \$ORIGIN" >&2; exit 1; }

# Only the stable ABI of CPython 3.10 (every imported Py* symbol exists in 3.10's abi3).
if [ -x "$VENV/bin/abi3audit" ]; then
  "$VENV/bin/abi3audit" --strict --assume-minimum-abi3 3.10 "$raw" >/dev/null \
    || { "$VENV/bin/abi3audit" --strict --verbose "$raw" >&2; echo "wheel.sh: abi3audit failed" >&2; exit 1; }
  abi3="abi3audit: cp310-abi3 ok"
else
  abi3="abi3audit not installed: stable ABI not audited"
fi

# The platform tag auditwheel finds (e.g. manylinux_2_35_x86_64), then retag the wheel with it.
show=$("$PY" -m auditwheel show "$raw" 2>&1)
tag=$(printf '%s\n' "$show" | tr '\n' ' ' | sed -n 's/.*following platform tag: *"\([^"]*\)".*/\1/p')
case "$tag" in
  manylinux*|musllinux*) ;;
  *) printf '%s\n' "$show" >&2; echo "wheel.sh: auditwheel found no manylinux tag" >&2; exit 1 ;;
esac
"$PY" -m wheel tags --remove --platform-tag "$tag" "$raw" >/dev/null
whl=$(ls "$stage"/out/m2v_native-"$version"-cp310-abi3-"$tag".whl)
mkdir -p dist
rm -f dist/m2v_native-"$version"-*.whl
mv "$whl" dist/
echo "wheel.sh: dist/$(basename "$whl") ($(du -h "dist/$(basename "$whl")" | cut -f1); auditwheel: $tag; $abi3)"
