#!/usr/bin/env python3
"""Writes the fuzzers' seed corpora into fuzz/corpus/<target>/ (python3 stdlib only; run once,
the output is committed, < 2 MB in all).

  python3 fuzz/make_seeds.py [FIXTURES] [TARGET...]   (default ../shared/fixtures, all targets)

safetensors: small valid images for the 8-token tokenizer of fuzz_targets.h (every table
dtype, mapping, weights, metadata) and the headers of the fixture models' files.
tokenizer:   each fixture tokenizer.json with its vocabulary cut to a few hundred tokens
(merges kept only where all three tokens survive), plus hand-written ones using every
normalizer, pre-tokenizer and post-processor type.
encode:      texts from corpus/edge_dev.json and dev_texts.json, prefixed with the 3 option bytes
(model, options, text count) that m2v_fuzz_encode reads.
config, params, model_create, classifier (need no fixtures): the option bytes m2v_fuzz_config /
m2v_fuzz_params / m2v_fuzz_model_create read (see fuzz_targets.h) followed by configs and model
card metadata, params overlays (zero = the defaults) with valid strings, and small tokenizers.
"""
import json
import os
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
TARGETS = ["safetensors", "tokenizer", "encode", "config", "params", "model_create", "classifier"]
ARGS = [a for a in sys.argv[1:] if a not in TARGETS]
ONLY = [a for a in sys.argv[1:] if a in TARGETS] or TARGETS
FIX = ARGS[0] if ARGS else os.path.join(HERE, "..", "..", "shared", "fixtures")
OUT = os.path.join(HERE, "corpus")


def put(kind, name, data):
    d = os.path.join(OUT, kind)
    os.makedirs(d, exist_ok=True)
    if isinstance(data, str):
        data = data.encode("utf-8")
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def st_image(tensors, metadata=None):
    """tensors: list of (name, dtype, shape, bytes)."""
    header, data, off = {}, b"", 0
    if metadata is not None:
        header["__metadata__"] = metadata
    for name, dtype, shape, raw in tensors:
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [off, off + len(raw)]}
        data += raw
        off += len(raw)
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    return struct.pack("<Q", len(h)) + h + data


def floats(fmt, values):
    return b"".join(struct.pack("<" + fmt, v) for v in values)


def safetensors_seeds():
    vals = [((i * 37) % 17 - 8) / 4.0 for i in range(32)]
    put("safetensors", "f32", st_image([("embeddings", "F32", [8, 4], floats("f", vals))], {"format": "pt"}))
    put("safetensors", "f16", st_image([("embeddings", "F16", [8, 4], floats("e", vals))]))
    bf16 = b"".join(struct.pack("<f", v)[2:] for v in vals)
    put("safetensors", "bf16", st_image([("embeddings", "BF16", [8, 4], bf16)]))
    put("safetensors", "f64-weights", st_image([("embeddings", "F64", [8, 4], floats("d", vals)),
                                                ("weights", "F32", [8], floats("f", [0.5] * 8))]))
    put("safetensors", "i8-mapping", st_image([("weights", "F64", [8], floats("d", [1.0] * 8)),
                                               ("mapping", "I32", [8], floats("i", [0, 1, 2, 3, 0, 1, 2, 3])),
                                               ("embeddings", "I8", [4, 4], bytes(range(16)))]))
    put("safetensors", "u8-mapping-i64", st_image([("mapping", "I64", [8], floats("q", [1, 1, 0, 0, 1, 1, 0, 0])),
                                                   ("embeddings", "U8", [2, 4], bytes(range(8)))]))
    put("safetensors", "st-layout", st_image([("embedding.weight", "F32", [8, 4], floats("f", vals))]))
    models = os.path.join(FIX, "models")
    for m in sorted(os.listdir(models)):
        p = os.path.join(models, m, "model.safetensors")
        if not os.path.isfile(p):
            continue
        with open(p, "rb") as f:
            n = struct.unpack("<Q", f.read(8))[0]
            put("safetensors", "header-" + m, struct.pack("<Q", n) + f.read(n))


def shrink(tok, keep):
    model = tok["model"]
    t = model["type"]
    if t in ("WordPiece", "WordLevel", "BPE"):
        vocab = {k: v for k, v in model["vocab"].items() if v < keep}
        for name in (model.get("unk_token"),):
            if name and name in model["vocab"]:
                vocab[name] = model["vocab"][name]
        # ids must stay dense
        order = sorted(vocab.items(), key=lambda kv: kv[1])
        vocab = {k: i for i, (k, _) in enumerate(order)}
        model["vocab"] = vocab
        if t == "BPE":
            merges = []
            for mg in model["merges"]:
                a, b = mg.split(" ", 1) if isinstance(mg, str) else mg
                if a in vocab and b in vocab and a + b in vocab:
                    merges.append(mg)
            model["merges"] = merges
    elif t == "Unigram":
        model["vocab"] = model["vocab"][:keep]
        if model.get("unk_id") is not None and model["unk_id"] >= keep:
            model["unk_id"] = 0
    tok["added_tokens"] = [a for a in tok.get("added_tokens") or [] if a["id"] < keep]
    tok.pop("truncation", None)
    tok.pop("padding", None)
    return tok


WL = '{"type":"WordLevel","vocab":{"[UNK]":0,"[CLS]":1,"[SEP]":2,"a":3,"b":4,"the":5,"##s":6},"unk_token":"[UNK]"}'


def hand_tokenizers():
    norms = [
        '{"type":"BertNormalizer","clean_text":true,"handle_chinese_chars":true,"strip_accents":null,"lowercase":true}',
        '{"type":"Sequence","normalizers":[{"type":"NFD"},{"type":"StripAccents"},{"type":"Lowercase"}]}',
        '{"type":"NFKD"}', '{"type":"NFC"}', '{"type":"Strip","strip_left":true,"strip_right":false}',
        '{"type":"Replace","pattern":{"Regex":"\\\\s+"},"content":" "}', '{"type":"Prepend","prepend":"_"}',
        '{"type":"Nmt"}', '{"type":"ByteLevel"}',
    ]
    pres = [
        '{"type":"BertPreTokenizer"}', '{"type":"WhitespaceSplit"}', '{"type":"Punctuation","behavior":"Isolated"}',
        '{"type":"Digits","individual_digits":true}',
        '{"type":"ByteLevel","add_prefix_space":true,"trim_offsets":true,"use_regex":true}',
        '{"type":"Metaspace","replacement":"_","prepend_scheme":"first","split":false}',
        '{"type":"Split","pattern":{"Regex":"[a-z]+"},"behavior":"MergedWithNext","invert":true}',
        '{"type":"UnicodeScripts"}', '{"type":"CharDelimiterSplit","delimiter":"x"}', '{"type":"FixedLength","length":3}',
        '{"type":"Sequence","pretokenizers":[{"type":"Whitespace"},{"type":"Digits","individual_digits":false}]}',
    ]
    posts = [
        '{"type":"BertProcessing","sep":["[SEP]",2],"cls":["[CLS]",1]}',
        '{"type":"RobertaProcessing","sep":["[SEP]",2],"cls":["[CLS]",1],"trim_offsets":true,"add_prefix_space":true}',
        '{"type":"TemplateProcessing","single":[{"SpecialToken":{"id":"[CLS]","type_id":0}},{"Sequence":{"id":"A","type_id":0}}],'
        '"pair":[],"special_tokens":{"[CLS]":{"id":"[CLS]","ids":[1],"tokens":["[CLS]"]}}}',
        '{"type":"Sequence","processors":[{"type":"ByteLevel","trim_offsets":true}]}',
    ]
    added = '[{"id":1,"content":"[CLS]","special":true,"normalized":false},{"id":7,"content":"hello world","special":false,"normalized":true,"single_word":true,"lstrip":true,"rstrip":true}]'
    i = 0
    for n in norms:
        put("tokenizer", "hand-norm-%d" % i, '{"normalizer":%s,"pre_tokenizer":{"type":"Whitespace"},"model":%s}' % (n, WL))
        i += 1
    for p in pres:
        put("tokenizer", "hand-pre-%d" % i, '{"normalizer":null,"pre_tokenizer":%s,"model":%s}' % (p, WL))
        i += 1
    for p in posts:
        put("tokenizer", "hand-post-%d" % i, '{"added_tokens":%s,"normalizer":null,"pre_tokenizer":null,"post_processor":%s,"model":%s}' % (added, p, WL))
        i += 1
    put("tokenizer", "hand-wordpiece", '{"model":{"type":"WordPiece","vocab":{"[UNK]":0,"un":1,"##aff":2,"##able":3,"a":4},"unk_token":"[UNK]","continuing_subword_prefix":"##","max_input_chars_per_word":5}}')
    put("tokenizer", "hand-bpe-fallback", '{"model":{"type":"BPE","vocab":{"<unk>":0,"<0x41>":1,"a":2,"b":3,"ab":4},"merges":[["a","b"]],"unk_token":"<unk>","fuse_unk":true,"byte_fallback":true,"dropout":null,"continuing_subword_prefix":null,"end_of_word_suffix":"</w>","ignore_merges":true}}')
    # Sparse ids (fine here: 4097 and 2^25 slots): the fuzzer's mutations of the numbers reach the
    # ids whose table would exceed -malloc_limit_mb (fuzz/findings-pending/tokenizer-oom-*).
    put("tokenizer", "hand-wordlevel-sparse", '{"model":{"type":"WordLevel","vocab":{"b":4096,"[UNK]":0,"a":1},"unk_token":"[UNK]"}}')
    put("tokenizer", "hand-wordlevel-sparse-2", '{"model":{"type":"WordPiece","vocab":{"##b":33554431,"[UNK]":0,"a":1},"unk_token":"[UNK]"}}')
    put("tokenizer", "hand-unigram", '{"model":{"type":"Unigram","vocab":[["<unk>",0.0],["a",-1.5],["b",-2.0],["ab",-1.0],["\\u2581",-3.0]],"unk_id":0,"byte_fallback":false}}')


def tokenizer_seeds():
    models = os.path.join(FIX, "models")
    seen = set()
    for m in sorted(os.listdir(models)):
        p = os.path.join(models, m, "tokenizer.json")
        if not os.path.isfile(p):
            continue
        with open(p, "rb") as f:
            raw = f.read()
        if raw in seen:
            continue
        seen.add(raw)
        tok = shrink(json.loads(raw), 400)
        put("tokenizer", "fixture-" + m, json.dumps(tok, ensure_ascii=False, separators=(",", ":")))
    hand_tokenizers()


def encode_seeds():
    with open(os.path.join(FIX, "corpus", "edge_dev.json"), encoding="utf-8") as f:
        edge = json.load(f)
    with open(os.path.join(FIX, "corpus", "dev_texts.json"), encoding="utf-8") as f:
        dev = json.load(f)
    k = 0
    for e in edge:
        t = e["text"].encode("utf-8", "surrogatepass")
        if len(t) > 4000:
            continue
        put("encode", "edge-%02d" % k, bytes([k % 8, (k * 29) % 256, 0]) + t)
        k += 1
    for i in range(0, len(dev), 97):
        t = dev[i].encode("utf-8")[:2000]
        put("encode", "dev-%04d" % i, bytes([i % 8, (i * 13) % 256, i % 4]) + t)


# ---- config: option byte, config.json, NUL, metadata JSON (create) / README.md (load) ----
CONFIGS = [
    '{"model_type":"model2vec","normalize":true,"max_length":512}',
    '{}',
    '{"normalize":null,"max_length":null}',
    '{"max_length":2147483648,"normalize":false}',
    '{"max_length":1,"max_length":2,"normalize":true,"normalize":false}',
    '{"model_type":"model2vec","architectures":["StaticModel"],"tokenizer_name":"sentence-transformers/all-MiniLM-L6-v2",'
    '"apply_pca":256,"apply_zipf":null,"sif_coefficient":0.0001,"hidden_dim":256,"seq_length":1000000,'
    '"normalize":true,"embedding_dtype":"float16","vocabulary_quantization":null}',
    '{"nested":{"max_length":3,"normalize":"x"},"list":[1,{"a":[]}],"max_length":7}',
    '{"max_length":1e3,"normalize":true,"\\u006dax_length":9}',
    '{"pooling":"mean","max_length":0}',
]
METAS = [
    '{"base_model":"org/name","language":["en","fr"]}',
    '{"base_model":null,"language":null}',
    '{"language":"en"}',
    '{"base_model":"it\'s: a \\"quote\\" # not a comment","language":["yes","1.5","-x","","null"]}',
    '{"base_model":"\\u00e9t\\u00e9","language":["\\u65e5\\u672c"]}',
]
READMES = [
    '---\nbase_model: org/x\nlanguage:\n- en\n- de\nlibrary_name: model2vec\n---\n# card\n',
    '---\nbase_model: \'it\'\'s\'\nlanguage: en\n---\n',
    '---\r\nlanguage:\r\n  - "fr"\r\n---\r\n',
    '# no front matter\n',
]


def config_seeds():
    k = 0
    for i, c in enumerate(CONFIGS):
        for opt in (0x00, 0x01, 0x03, 0x14, 0x26):
            tail = METAS[i % len(METAS)] if opt & 3 != 1 else READMES[i % len(READMES)]
            put("config", "c%02d" % k, bytes([opt]) + c.encode() + b"\0" + tail.encode())
            k += 1


# ---- params: which, struct_size mode and byte, sizeof(T) bytes XORed over the defaults, selectors ----
SIZES = {"load": 24, "encode": 56, "spec": 120, "quantize": 24, "save": 56, "distill": 112}


def cstr(s):
    b = s.encode() if isinstance(s, str) else s
    return bytes([len(b)]) + b


def params_seeds():
    for which, name in enumerate(["load", "encode", "spec", "quantize", "save", "distill"]):
        n = SIZES[name]
        for mode in (0, 3, 4, 5):
            put("params", "%s-m%d" % (name, mode), bytes([which, mode, 12]) + bytes(n) + bytes([0x0F, 3]))
    # encode with a progress callback that cancels on the first call
    put("params", "encode-progress", bytes([1, 0, 0]) + bytes(56) + bytes([0x0B, 3]))
    # quantize: int8, 2 dims, 3 clusters (XOR over -1 / 0 / 0)
    q = bytearray(24)
    q[8:12] = (3 ^ 0xFFFFFFFF).to_bytes(4, "little")
    q[12] = 2
    q[16] = 3
    put("params", "quantize-int8", bytes([3, 0, 0]) + bytes(q))
    # save with every field
    put("params", "save-all", bytes([4, 0, 0]) + bytes(56) + bytes([0x0F, 1, 1, 2]) + cstr("my-model"))
    # distill: pattern, words, base name, each teacher
    for t in range(4):
        d = bytearray(112)
        d[88] = 3  # n_vocabulary
        body = bytes([0x3F]) + cstr("org/teacher") + cstr(r"(?x) c a t | \[unused\d+\]") + bytes([3])
        body += cstr("hello") + cstr("new york") + cstr("dogs") + bytes([0, t])
        put("params", "distill-t%d" % t, bytes([5, 0, 0]) + bytes(d) + body)
    d = bytearray(112)
    d[8:12] = (256 ^ 4).to_bytes(4, "little")  # pca_dims 4
    d[32] = 3  # int8
    d[96] = 4  # vocabulary_quantization 4
    put("params", "distill-vq", bytes([5, 0, 0]) + bytes(d) + bytes([0x08]) + cstr("") + cstr(r"\[(?:unused|PAD)") + bytes([0, 0, 3]))


# ---- model_create: 17 option bytes, then a tokenizer.json ----
TINY_WL = ('{"model":{"type":"WordLevel","vocab":{"[UNK]":0,"[CLS]":1,"[SEP]":2,"a":3,"b":4,"the":5,"##s":6},'
           '"unk_token":"[UNK]"},"pre_tokenizer":{"type":"Whitespace"}}')
PAYLOADS = [
    (7, TINY_WL),
    (5, '{"model":{"type":"WordPiece","vocab":{"[UNK]":0,"un":1,"##aff":2,"##able":3,"a":4},"unk_token":"[UNK]",'
        '"continuing_subword_prefix":"##","max_input_chars_per_word":5}}'),
    (5, '{"model":{"type":"BPE","vocab":{"<unk>":0,"<0x41>":1,"a":2,"b":3,"ab":4},"merges":[["a","b"]],'
        '"unk_token":"<unk>","fuse_unk":true,"byte_fallback":true,"dropout":null}}'),
    (5, '{"model":{"type":"Unigram","vocab":[["<unk>",0.0],["a",-1.5],["b",-2.0],["ab",-1.0],["\\u2581",-3.0]],'
        '"unk_id":0,"byte_fallback":false},"pre_tokenizer":{"type":"Metaspace","replacement":"\\u2581",'
        '"prepend_scheme":"always","split":true}}'),
    (4, '{"added_tokens":[{"id":3,"content":"hello world","special":false,"normalized":true}],'
        '"model":{"type":"WordLevel","vocab":{"[UNK]":0,"a":1,"b":2},"unk_token":"[UNK]"}}'),
    (3, '{"model":{"type":"WordLevel","vocab":{"[UNK]":0,"a":1,"b":2},"unk_token":"[UNK]"}}'),
]


def mc(edt, flags, rows, dim, wdt=0, wn=0, mdt=0, mn=0, mmode=0, vmode=0, seed=1, tok=0, lie=0, lp=0):
    return bytes([edt + 1, flags, rows, dim, lie, lp, wdt + 1, wn, mdt + 1, mn, mmode, vmode]) + \
        seed.to_bytes(4, "little") + bytes([tok])


def model_create_seeds():
    k = 0
    for edt in (0, 1, 2, 3, 4, 5):  # F32 F16 F64 I8 BF16 U8
        put("model_create", "tiny-dt%d" % edt, mc(edt, 0x0C, 8, 4, tok=1, seed=edt))
        put("model_create", "teacher-dt%d" % edt, mc(edt, 0x15, 16, 8, wdt=0, wn=16, tok=2, seed=edt + 7))
    put("model_create", "tiny-map", mc(0, 0x06, 3, 4, mdt=7, mn=8, mmode=3, tok=1))
    put("model_create", "tiny-map-i64-w64", mc(3, 0x27, 2, 4, wdt=2, wn=8, mdt=8, mn=8, tok=1))
    put("model_create", "tiny-nan", mc(0, 0x01, 8, 4, wdt=1, wn=8, vmode=7, tok=1))
    put("model_create", "tiny-wide-f16", mc(1, 0x80, 8, 16, vmode=6, tok=1))
    for lie in (4, 5, 6, 7):
        put("model_create", "tiny-lie%d" % lie, mc(0, 0, 8, 4, tok=1, lie=lie, lp=1))
    for n, tok in PAYLOADS:
        put("model_create", "payload-%d" % k, mc(0, 0x0C, n, 4, seed=k) + tok.encode())
        put("model_create", "payload-map-%d" % k, mc(1, 0x02, 2, 3, mdt=5, mn=n, seed=k) + tok.encode())
        k += 1


def classifier_seeds():
    """Option byte, head_config JSON, NUL, head.safetensors for the 8-token model (dim 4)."""
    def layer_tensors(i, out, inp, fmt="f", dtype="F32"):
        w = [((j * 7) % 11 - 5) / 4.0 for j in range(out * inp)]
        b = [(j % 3 - 1) / 2.0 for j in range(out)]
        return [(f"head.{i}.weight", dtype, [out, inp], floats(fmt, w)), (f"head.{i}.bias", dtype, [out], floats(fmt, b))]

    def seed(name, opt, cfg, tensors):
        put("classifier", name, bytes([opt]) + json.dumps(cfg).encode() + b"\0" + st_image(tensors))

    seed("softmax-1", 8, {"n_layers": 1, "activation": "softmax", "classes": ["a", "b", "c"]}, layer_tensors(0, 3, 4))
    seed("softmax-int", 0, {"n_layers": 2, "activation": "softmax", "classes": [3, -1, 7, 0]},
         layer_tensors(0, 5, 4) + layer_tensors(1, 4, 5))
    seed("sigmoid-2", 9, {"n_layers": 2, "activation": "sigmoid", "classes": ["x", "y"]},
         layer_tensors(0, 6, 4, "e", "F16") + layer_tensors(1, 2, 6, "e", "F16"))
    seed("identity-0", 4, {"n_layers": 0, "activation": "identity", "classes": None}, [])
    seed("identity-f64", 10, {"n_layers": 1, "activation": "identity", "classes": None}, layer_tensors(0, 2, 4, "d", "F64"))
    seed("softmax-nolayers", 1, {"n_layers": 0, "activation": "softmax", "classes": ["p", "q", "r", "s"]}, [])


if __name__ == "__main__":
    for t in ONLY:
        {"safetensors": safetensors_seeds, "tokenizer": tokenizer_seeds, "encode": encode_seeds,
         "config": config_seeds, "params": params_seeds, "model_create": model_create_seeds,
         "classifier": classifier_seeds}[t]()
    total = 0
    for root, _, files in os.walk(OUT):
        total += sum(os.path.getsize(os.path.join(root, f)) for f in files)
    print("seeds: %d bytes under %s" % (total, OUT))
