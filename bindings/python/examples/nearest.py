"""Encode a few sentences with m2v_native and print each one's nearest neighbour.

    python examples/nearest.py path/to/model2vec/model
"""
from __future__ import annotations

import sys

import numpy as np

import m2v_native

SENTENCES = [
    "The cat sits on the mat.",
    "A kitten is resting on a rug.",
    "Stock markets fell sharply on Monday.",
    "Shares dropped at the start of the week.",
    "How do I bake sourdough bread?",
    "A recipe for a simple loaf of bread.",
]


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(f"usage: {argv[0]} MODEL_DIR", file=sys.stderr)
        return 2
    model = m2v_native.StaticModel.from_pretrained(argv[1])
    vectors = model.encode(SENTENCES, normalize=True)  # float32 (n, dim), unit length
    sims = vectors @ vectors.T
    np.fill_diagonal(sims, -np.inf)
    print(f"m2v_native {m2v_native.__version__}, model {argv[1]} (dim {model.dim})")
    for i, sentence in enumerate(SENTENCES):
        j = int(np.argmax(sims[i]))
        print(f"{sentence!r:45} -> {SENTENCES[j]!r} ({sims[i, j]:.3f})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
