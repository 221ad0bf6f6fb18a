#!/usr/bin/env bash
# bench/run_classifier.sh [--model DIR]... — the classifier bench (bench/classifier_bench.py):
# m2v's training and prediction vs model2vec.train's, side by side, one command.
#
# 1. make install (the release libm2v.so into build/prefix) when Sources/ changed;
# 2. bench/.venv-distill (the distill rows' venv: model2vec + CPU torch, see bench/run.sh) gets
#    model2vec[train] (datasets) and m2v_native from bindings/python;
# 3. builds bench/build/classify_c and fetches potion-base-8M (scripts/fetch_potion.sh);
# 4. runs classifier_bench.py, which prints the table and writes bench/results/DATE-classifier.md.
set -euo pipefail
BENCH=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$BENCH")
cd "$ROOT"
PREFIX=${M2V_PREFIX:-$ROOT/build/prefix}
make --no-print-directory install PREFIX="$PREFIX" > "$BENCH/.build.log" 2>&1 || { tail -20 "$BENCH/.build.log"; exit 1; }
DVENV="$BENCH/.venv-distill"
if [ ! -x "$DVENV/bin/python" ]; then
  python3 -m venv "$DVENV"
  "$DVENV/bin/pip" install -q "model2vec[distill,quantization]==0.10.*" "torch==${BENCH_TORCH_VERSION:-2.13.0+cpu}"
fi
"$DVENV/bin/python" -c 'import datasets' 2>/dev/null || "$DVENV/bin/pip" install -q "model2vec[train]==0.10.*"
M2V_PREFIX="$PREFIX" "$DVENV/bin/pip" install -q --no-build-isolation --force-reinstall --no-deps "$ROOT/bindings/python" \
  > "$BENCH/.native.log" 2>&1 || { tail -20 "$BENCH/.native.log"; exit 1; }
mkdir -p "$BENCH/build"
cc -std=c11 -O2 "$BENCH/classify_c.c" $(PKG_CONFIG_PATH="$PREFIX/lib/pkgconfig" pkg-config --cflags --libs m2v) \
  -o "$BENCH/build/classify_c"
args=("$@")
if [ ${#args[@]} -eq 0 ]; then
  scripts/fetch_potion.sh > /dev/null
  args=(--model "$ROOT/build/models/potion-base-8M")
fi
exec "$DVENV/bin/python" "$BENCH/classifier_bench.py" --classify-c "$BENCH/build/classify_c" "${args[@]}"
