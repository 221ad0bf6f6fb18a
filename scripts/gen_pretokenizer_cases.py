#!/usr/bin/env python3
"""Generates the reference data of the TokenizerPreTokenizers module (run once, commit the output).

  .venv/bin/python scripts/gen_pretokenizer_cases.py cases
      -> Tests/TokenizerPreTokenizersTests/Generated/PreTokenizerCases.generated.swift
         (pre-tokenizer config, input, expected pieces from the real `tokenizers` package)
  .venv/bin/python scripts/gen_pretokenizer_cases.py classes
      -> Sources/TokenizerPreTokenizers/Generated/CharClassTable.generated.swift
         (the character classes of every code point as the reference sees them: probed
          through the pre-tokenizers themselves, so the Unicode versions of Rust's
          unicode_categories, regex and Oniguruma are matched exactly)
  .venv/bin/python scripts/gen_pretokenizer_cases.py scripts [PATH/TO/scripts.rs]
      -> Sources/TokenizerPreTokenizers/Generated/UnicodeScriptsTable.generated.swift
         (the script ranges of huggingface/tokenizers
          tokenizers/src/pre_tokenizers/unicode_scripts/scripts.rs, so that UnicodeScripts
          classifies exactly as the Rust crate does, not as a newer Unicode would; without a
          path, from the installed version's sdist on PyPI, cached in build/tokenizers-src)
"""
import json
import os
import random
import re
import sys
import unicodedata

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIXTURES = os.environ.get("M2V_FIXTURES", os.path.join(ROOT, "..", "shared", "fixtures"))

GPT2 = r"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"
LLAMA3 = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}|"
          r" ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+")
BEHAVIORS = ["Removed", "Isolated", "MergedWithPrevious", "MergedWithNext", "Contiguous"]

CUSTOM = [
    "Hello, world! How's it going?",
    "the-final--countdown",
    "--a-b--",
    "I've 'em, they'll, we'd, she's, I'm, it't 're 'S 'VE",
    "''s ''t 'x", "don't   stop\t\tme now ", "a  b   c    d",
    "12345 1,234.56 x1y22z333 ٣٤٥ ½ ² Ⅻ",
    "...!!!???,,,;;;", "(a)[b]{c}<d> $5 ^_^ ~`|+=",
    "emoji 🍕🍕 👍🏽 and 🏳️‍🌈!!",
    "nbsp\u00a0here\u00a0\u00a0twice", "line\u2028sep\u2029para", "crlf\r\nnext\rline\nend",
    "tab\tvtab\x0bff\x0cnel\x85end", "ideo\u3000space", "\u2003em\u2002en\u2009thin\u200bzw",
    "▁already▁has▁meta ▁ x", "  leading and trailing  ", " ", "  ", "\n", "x",
    "ab  \n  cd", "a \n b", "end with space ", "end with nl\n", "  \tz",
    "Ω≈ç√∫ µ≤≥÷ åß∂ƒ©˙∆˚¬", "ｆｕｌｌ ｗｉｄｔｈ！", "日本語のテキストとカタカナー、漢字。",
    "한국어와 English 混合 text", "mixed123abc456", "a_b_c __init__", "e\u0301 n\u0303 combining",
    "x\u200dy\u200cz", "\ufeffbom", "tab\tend", "aaa\u00ad", "@user #tag http://x.y/z?q=1&r=2",
]

REGEX_SPLITS = [
    (r"\s+", "Removed", False), (r"\s+", "Isolated", False), (r"\p{P}+", "MergedWithPrevious", False),
    (r"[0-9]", "Contiguous", False), (r"\w+", "Removed", True), (r"\d+", "MergedWithNext", False),
    (GPT2, "Isolated", False), (LLAMA3, "Isolated", False), (GPT2, "Removed", True),
    (r"a*", "Isolated", False), (r"(?i)the", "Isolated", False),
]


def make_configs():
    cfgs = []  # (name, config, full)  full: run on all inputs
    seen = set()

    def add(name, cfg, full=False):
        key = json.dumps(cfg, sort_keys=True)
        if key in seen:
            return
        seen.add(key)
        cfgs.append((name, cfg, full))

    models = os.path.join(FIXTURES, "models")
    for m in sorted(os.listdir(models)):
        p = os.path.join(models, m, "tokenizer.json")
        if os.path.exists(p):
            pt = json.load(open(p, encoding="utf-8")).get("pre_tokenizer")
            if pt is not None:
                add("fixture " + m, pt, True)
    tl = os.path.join(ROOT, ".venv/lib/python3.11/site-packages/static_model/model/tokenizer.json")
    add("tokenlearn static_model", json.load(open(tl, encoding="utf-8"))["pre_tokenizer"], True)

    add("bert", {"type": "BertPreTokenizer"}, True)
    add("whitespace", {"type": "Whitespace"}, True)
    add("whitespacesplit", {"type": "WhitespaceSplit"})
    for apf in (True, False):
        for rx in (True, False):
            add(f"bytelevel apf={apf} regex={rx}",
                {"type": "ByteLevel", "add_prefix_space": apf, "trim_offsets": True, "use_regex": rx},
                apf is False and rx is True)
    for scheme in ("always", "first", "never"):
        for split in (True, False):
            add(f"metaspace {scheme} split={split}",
                {"type": "Metaspace", "replacement": "\u2581", "prepend_scheme": scheme, "split": split})
    add("metaspace legacy apf=true", {"type": "Metaspace", "replacement": "\u2581", "add_prefix_space": True})
    add("metaspace legacy apf=false",
        {"type": "Metaspace", "replacement": "\u2581", "add_prefix_space": False, "prepend_scheme": "never"})
    add("metaspace underscore", {"type": "Metaspace", "replacement": "_", "prepend_scheme": "always",
                                 "split": True})
    for b in BEHAVIORS:
        add("punctuation " + b, {"type": "Punctuation", "behavior": b})
        add("split string - " + b, {"type": "Split", "pattern": {"String": "-"}, "behavior": b,
                                   "invert": False})
    add("split string 'the ' inverted", {"type": "Split", "pattern": {"String": "the "},
                                         "behavior": "Isolated", "invert": True})
    add("split string '.' removed", {"type": "Split", "pattern": {"String": "."},
                                     "behavior": "Removed", "invert": False})
    for r, b, inv in REGEX_SPLITS:
        add(f"split regex {r} {b} invert={inv}",
            {"type": "Split", "pattern": {"Regex": r}, "behavior": b, "invert": inv},
            r == LLAMA3)
    add("digits individual", {"type": "Digits", "individual_digits": True})
    add("digits grouped", {"type": "Digits", "individual_digits": False})
    add("unicodescripts", {"type": "UnicodeScripts"}, True)
    add("chardelimiter -", {"type": "CharDelimiterSplit", "delimiter": "-"})
    add("chardelimiter space", {"type": "CharDelimiterSplit", "delimiter": " "})
    add("fixedlength 3", {"type": "FixedLength", "length": 3})
    add("sequence punctuation+digits", {"type": "Sequence", "pretokenizers": [
        {"type": "Punctuation", "behavior": "Isolated"}, {"type": "Digits", "individual_digits": True}]})
    add("sequence whitespacesplit+metaspace first", {"type": "Sequence", "pretokenizers": [
        {"type": "WhitespaceSplit"},
        {"type": "Metaspace", "replacement": "\u2581", "prepend_scheme": "first", "split": True}]})
    add("sequence split+bytelevel(llama3 style)", {"type": "Sequence", "pretokenizers": [
        {"type": "Split", "pattern": {"Regex": LLAMA3}, "behavior": "Isolated", "invert": False},
        {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": False}]})
    add("sequence whitespacesplit+bytelevel apf", {"type": "Sequence", "pretokenizers": [
        {"type": "WhitespaceSplit"},
        {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": True, "use_regex": True}]})
    return cfgs


def pretokenizer(cfg):
    from tokenizers import Tokenizer
    doc = {"version": "1.0", "truncation": None, "padding": None, "added_tokens": [],
           "normalizer": None, "pre_tokenizer": cfg, "post_processor": None, "decoder": None,
           "model": {"type": "WordLevel", "vocab": {"a": 0}, "unk_token": "a"}}
    return Tokenizer.from_str(json.dumps(doc)).pre_tokenizer


def swift_safe_json(obj):
    """JSON text that is safe inside a Swift raw string literal: printable, no combining marks
    next to quotes, no separators or format characters (those are \\u-escaped)."""
    out = []
    for ch in json.dumps(obj, ensure_ascii=False):
        cat = unicodedata.category(ch)
        if ord(ch) < 0x20 or ch == "\x7f" or cat[0] in "CM" or cat in ("Zl", "Zp") or \
                (cat == "Zs" and ch != " "):
            for u in ch.encode("utf-16-be").hex().upper(), :
                for i in range(0, len(u), 4):
                    out.append("\\u" + u[i:i + 4])
        else:
            out.append(ch)
    s = "".join(out)
    assert '\\##' not in s and '"""##' not in s
    return s


def gen_cases():
    edge = [e["text"] for e in json.load(open(os.path.join(FIXTURES, "corpus/edge_dev.json"),
                                              encoding="utf-8"))]
    dev = json.load(open(os.path.join(FIXTURES, "corpus/dev_texts.json"), encoding="utf-8"))
    rnd = random.Random(7)
    sample = [t[:100] for t in rnd.sample(dev, 14)]
    edge = [t[:200] for t in edge]
    full_inputs = edge + CUSTOM + sample
    small_inputs = [t for t in edge if len(t) < 36] + CUSTOM
    inputs = list(dict.fromkeys(full_inputs + small_inputs))
    index = {t: i for i, t in enumerate(inputs)}
    lines = ['{"inputs": ' + swift_safe_json(inputs) + ', "configs": [']
    for name, cfg, full in make_configs():
        pt = pretokenizer(cfg)
        cases = [[index[s], [p for p, _ in pt.pre_tokenize_str(s)]]
                 for s in (full_inputs if full else small_inputs)]
        lines.append(swift_safe_json({"name": name, "config": cfg, "cases": cases}) + ",")
    lines[-1] = lines[-1].rstrip(",")
    path = os.path.join(ROOT, "Tests/TokenizerPreTokenizersTests/Generated/PreTokenizerCases.generated.swift")
    with open(path, "w", encoding="utf-8") as f:
        f.write("// Generated by scripts/gen_pretokenizer_cases.py from the Python `tokenizers` package\n")
        f.write("// (pre_tokenize_str). Do not edit. {inputs: [text], configs: [{name, config,\n")
        f.write("// cases: [[input index, [expected pieces]]]}]}.\n\n")
        f.write("let preTokenizerCasesJSON = ##\"\"\"\n")
        f.write("\n".join(lines))
        f.write("\n]}\n\"\"\"##\n")
    print(path, os.path.getsize(path), "bytes")


SCRIPT_ARM = re.compile(r"^\s*(0x[0-9A-Fa-f]+)(?:\.\.=(0x[0-9A-Fa-f]+))?\s*=>\s*Script::(\w+),")


SCRIPTS_RS = "tokenizers/src/pre_tokenizers/unicode_scripts/scripts.rs"


def scripts_rs_from_sdist():
    """scripts.rs of the installed `tokenizers` version, from its sdist on PyPI (downloaded once
    into build/tokenizers-src/; pip cannot download it: it would build the Rust crate)."""
    import tarfile
    import urllib.parse
    import urllib.request
    import tokenizers
    version = tokenizers.__version__
    cache = os.path.join(ROOT, "build", "tokenizers-src", f"scripts-{version}.rs")
    if not os.path.exists(cache):
        # The simple index (PEP 503) lists every file; the sdist is tokenizers-<version>.tar.gz.
        index = urllib.request.urlopen("https://pypi.org/simple/tokenizers/", timeout=60).read().decode()
        name = f"tokenizers-{version}.tar.gz"
        url = next(h for h in re.findall(r'href="([^"]+)"', index) if h.split("#")[0].endswith("/" + name))
        url = urllib.parse.urljoin("https://pypi.org/simple/tokenizers/", url.split("#")[0])
        os.makedirs(os.path.dirname(cache), exist_ok=True)
        tgz = cache + ".tar.gz"
        urllib.request.urlretrieve(url, tgz)
        with tarfile.open(tgz) as tf:
            member = next(m for m in tf.getmembers() if m.name.endswith(SCRIPTS_RS))
            data = tf.extractfile(member).read()
        with open(cache, "wb") as f:
            f.write(data)
        os.remove(tgz)
    return cache


def gen_scripts(rs_path):
    src = open(rs_path, encoding="utf-8").read()
    names = re.search(r"pub enum Script \{(.*?)\}", src, re.S).group(1)
    names = [n.strip().rstrip(",") for n in names.split("\n") if n.strip()]
    assert names[0] == "Any"
    ranges = []
    body = src[src.index("pub fn get_script"):]
    for line in body.split("\n"):
        m = SCRIPT_ARM.match(line)
        if m:
            lo = int(m.group(1), 16)
            hi = int(m.group(2), 16) if m.group(2) else lo
            ranges.append((lo, hi, names.index(m.group(3))))
    ranges.sort()
    merged = []
    for lo, hi, s in ranges:
        if merged and merged[-1][2] == s and merged[-1][1] + 1 == lo:
            merged[-1][1] = hi
        else:
            assert not merged or merged[-1][1] < lo, "overlapping ranges"
            merged.append([lo, hi, s])
    path = os.path.join(ROOT, "Sources/TokenizerPreTokenizers/Generated/UnicodeScriptsTable.generated.swift")
    with open(path, "w", encoding="utf-8") as f:
        f.write("// Generated by scripts/gen_pretokenizer_cases.py from huggingface/tokenizers\n")
        f.write("// tokenizers/src/pre_tokenizers/unicode_scripts/scripts.rs. Do not edit.\n")
        f.write("// Sorted, disjoint ranges \"lo hi script\" (hex); unlisted code points are script 0\n")
        f.write("// (`Any`). Script numbers are the positions in the Rust `Script` enum:\n")
        f.write("// " + " ".join(f"{i}={n}" for i, n in enumerate(names)) + "\n\n")
        for n in ("Han", "Hiragana", "Katakana"):
            f.write(f"let script{n}: UInt8 = {names.index(n)}\n")
        f.write("let unicodeScriptRangesText: StaticString = \"\"\"\n")
        for lo, hi, s in merged:
            f.write(f"{lo:X} {hi:X} {s:X}\n")
        f.write("\"\"\"\n")
    print(path, len(merged), "ranges")


def gen_classes():
    from tokenizers import pre_tokenizers as p, Regex
    ws, pu, w = p.WhitespaceSplit(), p.Punctuation(), p.Whitespace()
    dg = p.Digits(individual_digits=True)
    L = p.Split(Regex(r"\p{L}"), "removed")
    N = p.Split(Regex(r"\p{N}"), "removed")
    S = p.Split(Regex(r"\s"), "removed")
    M = p.Split(Regex(r"\p{M}"), "removed")

    def flags(c):
        s = "a" + c + "a"
        f = 0
        if len(ws.pre_tokenize_str(s)) == 2: f |= 1     # Rust char::is_whitespace
        if len(pu.pre_tokenize_str(s)) == 3: f |= 2     # BERT punctuation
        if len(w.pre_tokenize_str(s)) == 1: f |= 4      # Rust regex \w
        if not L.pre_tokenize_str(c): f |= 8            # Oniguruma \p{L}
        if not N.pre_tokenize_str(c): f |= 16           # Oniguruma \p{N}
        if len(dg.pre_tokenize_str(s)) == 3: f |= 32    # Rust char::is_numeric
        if not S.pre_tokenize_str(c): f |= 64           # Oniguruma \s
        if not M.pre_tokenize_str(c): f |= 128          # Oniguruma \p{M}
        return f

    runs = []
    last = -1
    for c in range(0x110000):
        f = 0 if 0xD800 <= c < 0xE000 else flags(chr(c))
        if f != last:
            runs.append((c, f))
            last = f
    path = os.path.join(ROOT, "Sources/TokenizerPreTokenizers/Generated/CharClassTable.generated.swift")
    with open(path, "w", encoding="utf-8") as f:
        f.write("// Generated by scripts/gen_pretokenizer_cases.py (classes) by probing the Python\n")
        f.write("// `tokenizers` pre-tokenizers code point by code point. Do not edit.\n")
        f.write("// Runs \"first flags\" (hex): the flags hold from `first` to the next run. Bits:\n")
        f.write("// 1 White_Space (Rust), 2 BERT punctuation, 4 regex \\w, 8 Oniguruma \\p{L},\n")
        f.write("// 16 Oniguruma \\p{N}, 32 Rust is_numeric, 64 Oniguruma \\s, 128 Oniguruma \\p{M}.\n\n")
        f.write("let charClassRunsText: StaticString = \"\"\"\n")
        for c, fl in runs:
            f.write(f"{c:X} {fl:X}\n")
        f.write("\"\"\"\n")
    print(path, len(runs), "runs")


if __name__ == "__main__":
    if len(sys.argv) >= 2 and sys.argv[1] == "cases":
        gen_cases()
    elif len(sys.argv) >= 2 and sys.argv[1] == "classes":
        gen_classes()
    elif len(sys.argv) >= 2 and sys.argv[1] == "scripts":
        gen_scripts(sys.argv[2] if len(sys.argv) >= 3 else scripts_rs_from_sdist())
    else:
        print(__doc__)
        sys.exit(2)
