"""Encodes a fixed list of texts with m2v_native and saves or compares the vectors.

    python encode.py save  MODEL_DIR OUT.npy    # in .venv: the reference (source build)
    python encode.py check MODEL_DIR REF.npy    # in the fresh venv: the installed wheel

`check` also asserts that m2v_native and the libm2v it loaded come from the installed wheel (not
from the repository or build/prefix) and that the extension is the stable-ABI one.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

import m2v_native

TEXTS = [
    "The cat sits on the mat.",
    "A kitten is lying on a rug.",
    "The stock market fell sharply today.",
    "Investors worried as prices dropped.",
    "It's dangerous to go alone! Take this.",
    "Static embeddings from a Swift library, called from Python.",
    "",
    "naïve café 東京 🙂",
]


# Split on "b" only after "a" (Oniguruma lookbehind), then WordLevel.
LOOKBEHIND_TOKENIZER = json.dumps({
    "version": "1.0", "truncation": None, "padding": None, "added_tokens": [], "normalizer": None,
    "pre_tokenizer": {"type": "Split", "pattern": {"Regex": "(?<=a)b"}, "behavior": "Isolated", "invert": False},
    "post_processor": None, "decoder": None,
    "model": {"type": "WordLevel", "vocab": {"[UNK]": 0, "a": 1, "b": 2, " b c": 3}, "unk_token": "[UNK]"},
})


def main(mode: str, model_dir: str, ref: str) -> int:
    model = m2v_native.StaticModel.from_pretrained(model_dir)
    vecs = model.encode(TEXTS)
    seq = model.encode_as_sequence(TEXTS[:3])
    flat = np.concatenate([vecs.reshape(-1), *(s.reshape(-1) for s in seq)])
    if mode == "save":
        np.save(ref, flat)
        return 0
    pkg = Path(m2v_native.__file__).resolve().parent
    assert Path(m2v_native._core.__file__).name == "_core.abi3.so", m2v_native._core.__file__
    maps = Path("/proc/self/maps").read_text().splitlines()
    libs = {line.split()[-1] for line in maps if "libm2v.so" in line}
    assert libs and all(Path(p).resolve().parent == pkg for p in libs), (libs, pkg)
    # A tokenizer whose Split regex needs Oniguruma (a lookbehind): the wheel's bundled copy.
    tok = m2v_native.Tokenizer.from_str(LOOKBEHIND_TOKENIZER)
    assert tok.encode("ab b cab") == [1, 2, 0, 2], tok.encode("ab b cab")
    onig = {line.split()[-1] for line in Path("/proc/self/maps").read_text().splitlines() if "libonig" in line}
    assert onig and all(Path(p).resolve().parent == pkg for p in onig), (onig, pkg)
    want = np.load(ref)
    assert vecs.shape == (len(TEXTS), model.dim) and vecs.dtype == np.float32
    assert np.array_equal(flat, want), f"max abs diff {np.max(np.abs(flat - want))}"
    print(f"  Python {sys.version.split()[0]}: wheel m2v_native {m2v_native.__version__} from {pkg}: {model_dir} "
          f"dim {model.dim}, {len(TEXTS)} texts, identical to the .venv build")
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:4]))
