"""Writes a small model2vec folder that needs nothing from ../shared: a WordLevel tokenizer over a
fixed English word list, a seeded float32 embedding table (safetensors written by hand), and
config.json. Used by Tests/dist/run.sh so that test-dist also runs without the fixtures.

    python make_model.py OUT_DIR
"""
from __future__ import annotations

import json
import struct
import sys
from pathlib import Path

import numpy as np

WORDS = (
    "the a an of to in on at for with and or but is are was were be been it this that these "
    "cat cats dog dogs kitten puppy mat rug sofa sits sitting lies lying sleeps runs park garden "
    "rain weather sunny cloudy today tomorrow stock market prices fell rose investors bank money "
    "static embeddings model vector vectors sentence sentences fast library swift python c "
    "hello world secret dangerous alone everybody go take this its"
).split()


def main(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    specials = ["[PAD]", "[UNK]"]
    vocab = {tok: i for i, tok in enumerate(specials + sorted(set(WORDS)))}
    dim = 24
    table = np.random.default_rng(13).standard_normal((len(vocab), dim)).astype(np.float32)
    table[0] = 0.0
    header = json.dumps({"embeddings": {"dtype": "F32", "shape": [len(vocab), dim],
                                        "data_offsets": [0, table.nbytes]}}).encode()
    header += b" " * (-len(header) % 8)
    (out / "model.safetensors").write_bytes(struct.pack("<Q", len(header)) + header + table.tobytes())
    added = [{"id": i, "content": t, "single_word": False, "lstrip": False, "rstrip": False,
              "normalized": False, "special": True} for i, t in enumerate(specials)]
    tokenizer = {
        "version": "1.0", "truncation": None, "padding": None, "added_tokens": added,
        "normalizer": {"type": "Sequence", "normalizers": [{"type": "NFKC"}, {"type": "Lowercase"}]},
        "pre_tokenizer": {"type": "Whitespace"}, "post_processor": None, "decoder": None,
        "model": {"type": "WordLevel", "vocab": vocab, "unk_token": "[UNK]"},
    }
    (out / "tokenizer.json").write_text(json.dumps(tokenizer))
    config = {"model_type": "model2vec", "architectures": ["StaticModel"], "hidden_dim": dim,
              "max_length": 512, "normalize": True, "embedding_dtype": "float32"}
    (out / "config.json").write_text(json.dumps(config, indent=2))


if __name__ == "__main__":
    main(Path(sys.argv[1]))
