#!/usr/bin/env bash
# make test-dist: the binary packages work on a machine without the Swift toolchain.
#
# Runs two checks with the toolchain hidden: a private mount namespace (unshare -m) with an empty
# tmpfs mounted over the toolchain folder (the one holding `swift`, /opt/swift here), and every
# command under `env -i` with PATH=/usr/bin:/bin.
#   (a) wheel:   a fresh venv (the .venv's base interpreter), `pip install dist/m2v_native-*.whl`,
#                then Tests/dist/encode.py encodes with each test model and compares with the
#                vectors the .venv's source build gave (identical bits), and checks that
#                m2v_native and libm2v were loaded from the installed wheel. The same again for
#                every other CPython 3.10+ found beside it (pyenv's versions/, /usr/bin), since
#                the one abi3 binary claims to serve them all.
#                The wheel's `m2v` console script (the bundled command) encodes two texts to
#                the same bytes as m2v_native.
#   (b) tarball: untar dist/m2v-*.tar.gz into a temp dir, build bindings/c/example.c with
#                `cc ... $(pkg-config --cflags --libs m2v)` from there, run it under env -i;
#                its bin/m2v, its node/ package and its java/ binding give the wheel's bytes.
#
# Models: one that Tests/dist/make_model.py writes (always, so the test runs without ../shared),
# plus the fixture minilm-default when ../shared/fixtures (or $M2V_FIXTURES) has it. A missing
# fixture is a failure under CI=true, otherwise it is skipped with a note.
#
# numpy for the fresh venv: installed offline from build/wheelhouse (`pip install --no-index
# --find-links`), filled once by `pip download numpy==<the .venv's version>` (PyPI); when that
# download fails (offline) the wheel is installed with --no-deps and the venv sees the .venv's
# numpy through a .pth file. Either way the test itself needs no network. For the other
# CPythons the wheelhouse gets the newest numpy wheel for that version; one that cannot be had
# (offline) skips that interpreter with a note.
#
# Inputs: dist/ from `make wheel dist`, the .venv with m2v_native built from source (make python).
# Usage: Tests/dist/run.sh   (prints "test-dist: N passed, M failed")
set -uo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
VENV=${VENV:-$ROOT/.venv}
VPY=$VENV/bin/python
version=$(sed -n 's/^#define M2V_VERSION_STRING "\(.*\)"/\1/p' include/m2v.h)
arch=$(uname -m)
FIXTURES=${M2V_FIXTURES:-$ROOT/../shared/fixtures}
passed=0
failed=0
fail() { echo "test-dist: FAIL: $*" >&2; failed=$((failed + 1)); }

whl=$(ls dist/m2v_native-"$version"-cp310-abi3-*.whl 2>/dev/null | head -1)
tarball=dist/m2v-$version-linux-$arch.tar.gz
[ -n "$whl" ] || { echo "test-dist: no dist/m2v_native-$version-cp310-abi3-*.whl (make wheel)" >&2; exit 1; }
[ -f "$tarball" ] || { echo "test-dist: no $tarball (make dist)" >&2; exit 1; }
[ -x "$VPY" ] || { echo "test-dist: no $VPY (make venv python)" >&2; exit 1; }

tmp=$(mktemp -d /tmp/m2v-test-dist.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/home"

# The folder to hide: the toolchain root holding `swift` (…/usr/bin/swift -> …).
swift_bin=$(command -v swift || true)
if [ -n "$swift_bin" ]; then
  SWIFT_DIR=$(dirname "$(dirname "$(dirname "$(realpath "$swift_bin")")")")
else
  SWIFT_DIR=""
fi
BASEPY=$("$VPY" -c 'import sys; print(sys._base_executable)')
case "$BASEPY" in "$SWIFT_DIR"/*) [ -n "$SWIFT_DIR" ] && { echo "test-dist: the venv's Python lives in the toolchain folder" >&2; exit 1; } ;; esac

# ---- Models and reference vectors (outside the hidden environment, with the .venv build) ----
models=("$tmp/tiny")
"$VPY" Tests/dist/make_model.py "$tmp/tiny" || { echo "test-dist: make_model.py failed" >&2; exit 1; }
if [ -d "$FIXTURES/models/minilm-default" ]; then
  models+=("$(realpath "$FIXTURES/models/minilm-default")")
elif [ "${CI:-}" = true ]; then
  fail "fixture $FIXTURES/models/minilm-default missing (CI=true)"
else
  echo "test-dist: note: fixture minilm-default missing, only the self-made model is used"
fi
for i in "${!models[@]}"; do
  (cd "$tmp" && PYTHONNOUSERSITE=1 "$VPY" "$ROOT/Tests/dist/encode.py" save "${models[$i]}" "$tmp/ref-$i.npy") \
    || { echo "test-dist: the .venv's m2v_native cannot encode ${models[$i]} (make python)" >&2; exit 1; }
done

# ---- numpy for the fresh venv ----
wheelhouse=$ROOT/build/wheelhouse
np_version=$("$VPY" -c 'import numpy; print(numpy.__version__)')
np_mode=wheelhouse
if ! ls "$wheelhouse"/numpy-"$np_version"-*.whl >/dev/null 2>&1; then
  "$VENV/bin/pip" download -q --only-binary=:all: --no-deps -d "$wheelhouse" "numpy==$np_version" >/dev/null 2>&1 || np_mode=pth
fi
if [ "$np_mode" = pth ]; then
  mkdir -p "$tmp/numpy-site"
  np_dir=$("$VPY" -c 'import numpy, os; print(os.path.dirname(numpy.__path__[0]))')
  for d in "$np_dir"/numpy "$np_dir"/numpy.libs "$np_dir"/numpy-*.dist-info; do [ -e "$d" ] && ln -s "$d" "$tmp/numpy-site/"; done
fi
# Other CPython versions (3.10+) beside the base interpreter, each with a numpy in the wheelhouse.
base_v=$("$BASEPY" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
versions_dir=$(dirname "$(dirname "$(dirname "$(realpath "$BASEPY")")")")
extra_pys=()
for v in 3.10 3.11 3.12 3.13 3.14; do
  [ "$v" = "$base_v" ] && continue
  py=$(ls "$versions_dir"/$v*/bin/python$v /usr/bin/python$v 2>/dev/null | head -1)
  [ -n "$py" ] && "$py" -c 'import venv, ensurepip' 2>/dev/null || continue
  tag=cp${v/./}
  if ! ls "$wheelhouse"/numpy-*-"$tag"-"$tag"-*.whl >/dev/null 2>&1 &&
     ! "$VENV/bin/pip" download -q --only-binary=:all: --no-deps --python-version "$v" -d "$wheelhouse" "numpy>=1.21" >/dev/null 2>&1; then
    echo "test-dist: note: no numpy wheel for Python $v (offline?): $py skipped"
    continue
  fi
  extra_pys+=("$py")
done
[ "$np_mode" = wheelhouse ] || extra_pys=()
echo "test-dist: numpy $np_version from $([ "$np_mode" = wheelhouse ] && echo "$wheelhouse (offline install)" || echo "the .venv through a .pth (no wheel could be downloaded)")"

# ---- The checks, run with the toolchain hidden ----
cat > "$tmp/hidden.sh" <<'EOF'
# Runs under env -i inside the private mount namespace. Arguments come as environment variables.
set -uo pipefail
results=$T/results
if [ -n "$SWIFT_DIR" ]; then
  if command -v swift >/dev/null || [ -n "$(ls -A "$SWIFT_DIR")" ]; then
    echo "hidden: the toolchain is still visible" >&2; echo "hide FAIL" >> "$results"; exit 0
  fi
  echo "  toolchain hidden: $SWIFT_DIR is an empty tmpfs, PATH=$PATH, $(env | wc -l) environment variables"
fi

# (a) the wheel in a fresh venv, for the base interpreter and each other CPython found
a_ok=1
n=0
for py in $BASEPY $EXTRA_PYS; do
  venv=$T/venv-$n
  n=$((n + 1))
  ok=1
  "$py" -m venv "$venv" || ok=0
  if [ $ok = 1 ]; then
    if [ "$NP_MODE" = wheelhouse ]; then
      "$venv/bin/pip" install -q --disable-pip-version-check --no-index --find-links "$WHEELHOUSE" "$WHL" || ok=0
    else
      "$venv/bin/pip" install -q --disable-pip-version-check --no-index --no-deps "$WHL" || ok=0
      site=$("$venv/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
      echo "$T/numpy-site" > "$site/numpy-from-venv.pth"
    fi
  fi
  if [ $ok = 1 ]; then
    i=0
    for model in $MODELS; do
      (cd "$T" && "$venv/bin/python" -I "$ROOT/Tests/dist/encode.py" check "$model" "$T/ref-$i.npy") || ok=0
      # The wheel's `m2v` console script runs the bundled command: same bytes as m2v_native.
      printf 'hello world\nüber naïve café\n' | "$venv/bin/m2v" encode "$model" --format f32 > "$T/cli-$n-$i.f32" || ok=0
      "$venv/bin/python" -I -c 'import sys, m2v_native; sys.stdout.buffer.write(m2v_native.StaticModel.from_pretrained(sys.argv[1]).encode(["hello world", "über naïve café"]).tobytes())' "$model" > "$T/py-$n-$i.f32" || ok=0
      cmp -s "$T/cli-$n-$i.f32" "$T/py-$n-$i.f32" || { echo "hidden: the wheel's m2v encode differs from m2v_native on $model" >&2; ok=0; }
      i=$((i + 1))
    done
  fi
  [ $ok = 1 ] || { echo "hidden: the wheel failed under $py" >&2; a_ok=0; }
done
[ $a_ok = 1 ] && echo "wheel ok" >> "$results" || echo "wheel FAIL" >> "$results"

# (b) the C tarball, untarred into a temp dir, the example built through pkg-config
b_ok=1
mkdir -p "$T/c" && tar -C "$T/c" -xzf "$TARBALL" || b_ok=0
top=$(ls -d "$T"/c/m2v-*)
if [ $b_ok = 1 ]; then
  export PKG_CONFIG_PATH=$top/lib/pkgconfig
  flags=$(pkg-config --cflags --libs m2v) || b_ok=0
  echo "  pkg-config --cflags --libs m2v: $flags"
  cc -std=c99 -Wall -Wextra -O2 "$top/examples/example.c" $flags -lm -o "$T/c/example" || b_ok=0
  unset PKG_CONFIG_PATH
fi
if [ $b_ok = 1 ]; then
  lib=$(ldd "$T/c/example" | awk '/libm2v/ {print $3}')
  case "$lib" in "$top"/lib/*) ;; *) echo "hidden: example loads libm2v from '$lib', not the tarball" >&2; b_ok=0 ;; esac
  for model in $MODELS; do
    out=$(env -i "$T/c/example" "$model" 2>&1) || { echo "$out" >&2; b_ok=0; continue; }
    printf '%s\n' "$out" | grep -q "^libm2v $VERSION" || { echo "$out" >&2; b_ok=0; }
    echo "  C example from the tarball on $model: $(printf '%s\n' "$out" | wc -l) lines, $(printf '%s\n' "$out" | head -1)"
  done
  # The tarball's m2v command, with nothing but the untarred folder: the bytes of the wheel's.
  "$top/bin/m2v" --version | grep -q "^m2v $VERSION (libm2v $VERSION)" || { echo "hidden: $top/bin/m2v --version" >&2; b_ok=0; }
  i=0
  for model in $MODELS; do
    printf 'hello world\nüber naïve café\n' | env -i "$top/bin/m2v" encode "$model" --format f32 > "$T/c/cli-$i.f32" || b_ok=0
    cmp -s "$T/c/cli-$i.f32" "$T/py-1-$i.f32" || { echo "hidden: the tarball's m2v encode differs on $model" >&2; b_ok=0; }
    i=$((i + 1))
  done
  # The tarball's Node.js package: its addon loads the tarball's libm2v; the wheel's bytes.
  addon=$top/node/build/Release/m2v_node.node
  lib=$(readlink -f "$(ldd "$addon" | awk '/libm2v/ {print $3}')")
  case "$lib" in "$(readlink -f "$top")"/lib/*) ;; *) echo "hidden: the node addon loads libm2v from '$lib', not the tarball" >&2; b_ok=0 ;; esac
  if command -v node >/dev/null; then
    i=0
    for model in $MODELS; do
      env -i "$(command -v node)" -e 'const m = require(process.argv[1]).StaticModel.fromPretrained(process.argv[2]);
        const v = m.encode(["hello world", "über naïve café"]); process.stdout.write(Buffer.concat(v.map((r) => Buffer.from(r.buffer, r.byteOffset, r.byteLength))));' \
        "$top/node" "$model" > "$T/c/node-$i.f32" || b_ok=0
      cmp -s "$T/c/node-$i.f32" "$T/py-1-$i.f32" || { echo "hidden: the tarball's node package differs on $model" >&2; b_ok=0; }
      i=$((i + 1))
    done
    echo "  node package from the tarball: the wheel's bytes on $i models"
  else
    echo "hidden: no node on PATH=$PATH for the tarball's node package" >&2; b_ok=0
  fi
  # The tarball's Java binding: its JNI library loads the tarball's libm2v; the wheel's bytes
  # (a single-file source program, java's launcher compiles it in memory).
  jni=$top/java/libm2v_jni.so
  lib=$(readlink -f "$(ldd "$jni" | awk '/libm2v/ {print $3}')")
  case "$lib" in "$(readlink -f "$top")"/lib/*) ;; *) echo "hidden: libm2v_jni loads libm2v from '$lib', not the tarball" >&2; b_ok=0 ;; esac
  if command -v java >/dev/null; then
    cat > "$T/c/Encode.java" <<'JAVA'
import java.io.DataOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
public class Encode {
    public static void main(String[] a) throws Exception {
        try (io.m2v.StaticModel m = io.m2v.StaticModel.fromPretrained(a[0])) {
            // Escapes: under env -i the launcher reads this file as ASCII.
            float[] v = m.encodeFlat(List.of("hello world", "\u00fcber na\u00efve caf\u00e9"), null);
            ByteBuffer b = ByteBuffer.allocate(v.length * 4).order(ByteOrder.LITTLE_ENDIAN);
            for (float x : v) b.putFloat(x);
            System.out.write(b.array());
            System.out.flush();
        }
    }
}
JAVA
    i=0
    for model in $MODELS; do
      env -i "$(command -v java)" -Djava.library.path="$top/java" -cp "$top/java/m2v.jar" "$T/c/Encode.java" "$model" > "$T/c/java-$i.f32" || b_ok=0
      cmp -s "$T/c/java-$i.f32" "$T/py-1-$i.f32" || { echo "hidden: the tarball's Java binding differs on $model" >&2; b_ok=0; }
      i=$((i + 1))
    done
    echo "  java binding from the tarball: the wheel's bytes on $i models"
  else
    echo "hidden: no java on PATH=$PATH for the tarball's Java binding" >&2; b_ok=0
  fi
fi
[ $b_ok = 1 ] && echo "tarball ok" >> "$results" || echo "tarball FAIL" >> "$results"
EOF
: > "$tmp/results"
inner_env=(T="$tmp" ROOT="$ROOT" SWIFT_DIR="$SWIFT_DIR" BASEPY="$BASEPY" WHL="$ROOT/$whl"
           TARBALL="$ROOT/$tarball" WHEELHOUSE="$wheelhouse" NP_MODE="$np_mode" VERSION="$version"
           MODELS="${models[*]}" EXTRA_PYS="${extra_pys[*]}" HOME="$tmp/home" LANG=C.UTF-8 PATH=/usr/bin:/bin)
hide='if [ -n "$0" ]; then mount -t tmpfs -o size=1m,mode=755 m2v-no-swift "$0" || exit 97; fi; exec "$@"'
ns=(unshare -m)
[ "$(id -u)" = 0 ] || ns=(unshare -r -m)
"${ns[@]}" /bin/bash -c "$hide" "$SWIFT_DIR" env -i "${inner_env[@]}" /bin/bash "$tmp/hidden.sh"
rc=$?
[ $rc = 0 ] || fail "could not run with the toolchain hidden (unshare/mount exit $rc)"
for what in wheel tarball; do
  if grep -qx "$what ok" "$tmp/results"; then passed=$((passed + 1)); echo "test-dist: $what: ok"
  else fail "$what"; fi
done
grep -q "hide FAIL" "$tmp/results" && fail "the toolchain was not hidden"
echo "test-dist: $passed passed, $failed failed"
[ "$failed" = 0 ]
