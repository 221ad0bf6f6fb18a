#!/usr/bin/env python3
"""Generates Sources/UnicodeNormalization/Generated/UnicodeTables.generated.swift from Python's unicodedata,
and the reference vectors in Tests/UnicodeNormalizationTests/Data/.

Run from the repository root with the project's Python (3.11, Unicode 14.0.0):
    .venv/bin/python scripts/gen_unicode_tables.py

Sources: normalization, categories and combining classes from unicodedata (Unicode 14.0.0). The
lowercase mapping, Rust's char::is_numeric and BERT punctuation are probed from the installed HF
`tokenizers` package (its Rust std is Unicode 17), as is the set of code points whose
normalization the tokenizers crate does not know (its unicode-normalization crate predates
Unicode 13): `tokenizers` must be importable.

Table layout (all little-endian, base64 in Swift string literals, decoded once at first use):
  records  4 x UInt32 per distinct per-code-point record:
           r0 info:  bits 0-4 general category (GeneralCategory raw value), 5-12 canonical combining
                     class, 13-14 NFC_QC (0 yes, 1 no, 2 maybe), 15-16 NFKC_QC, 17 has canonical
                     decomposition, 18 has compatibility decomposition, 19 Hangul syllable,
                     20 lowercase is a multi-scalar pool entry, 21 second of a primary composite,
                     22 unknown to HF tokenizers' normalization crate (see hf_probes),
                     23 numeric as Rust's char::is_numeric (Unicode 17 in the tokenizers build),
                     24 punctuation as tokenizers' BertPreTokenizer splits on it
           r1 canonical full decomposition (NFD of the code point): pool offset | length << 24
           r2 compatibility full decomposition (NFKD of the code point): same encoding
           r3 lowercase: Int32 delta, or (bit 20 of r0) pool offset | length << 24
  stage1   UInt16 per block of 2^SHIFT code points (0..0x10FFFF): index of a stage2 block
  stage2   UInt16 per code point within deduplicated blocks: record index
  pool     UInt32 code points (decompositions, multi-scalar lowercase mappings)
  pairs    3 x UInt32 per primary composite: first, second, composite (Hangul is algorithmic)
"""
import base64
import hashlib
import os
import random
import struct
import sys
import unicodedata as ud

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT_SWIFT = os.path.join(ROOT, "Sources/UnicodeNormalization/Generated/UnicodeTables.generated.swift")
OUT_DATA = os.path.join(ROOT, "Tests/UnicodeNormalizationTests/Data")

CATS = ["Lu", "Ll", "Lt", "Lm", "Lo", "Mn", "Mc", "Me", "Nd", "Nl", "No", "Pc", "Pd", "Ps", "Pe",
        "Pi", "Pf", "Po", "Sm", "Sc", "Sk", "So", "Zs", "Zl", "Zp", "Cc", "Cf", "Cs", "Co", "Cn"]
CAT_INDEX = {c: i for i, c in enumerate(CATS)}
MAXCP = 0x110000
SBASE, SCOUNT = 0xAC00, 11172
LBASE, VBASE, TBASE = 0x1100, 0x1161, 0x11A7
LCOUNT, VCOUNT, TCOUNT = 19, 21, 28


def is_hangul_syllable(cp):
    return SBASE <= cp < SBASE + SCOUNT


def cps(s):
    return [ord(ch) for ch in s]


def hf_probes():
    """Probes the installed HF tokenizers (Rust) for what unicodedata cannot tell."""
    from tokenizers import normalizers as N, pre_tokenizers as P
    chars = [chr(c) for c in range(MAXCP) if not 0xD800 <= c <= 0xDFFF]
    lower = {}
    low = N.Lowercase()
    for c in chars:
        r = low.normalize_str(c)
        if r != c:
            lower[ord(c)] = r
            # Where Unicode 14 has a mapping, Rust's must be the same (new ones only add).
            assert c.lower() == c or c.lower() == r, hex(ord(c))
        else:
            assert c.lower() == c, hex(ord(c))
    digits = P.Digits(individual_digits=True)
    numeric = {ord(c) for c in chars if ord(c) >= 0x80 and len(digits.pre_tokenize_str("a" + c + "a")) == 3}
    numeric |= set(range(0x30, 0x3A))
    bert = P.BertPreTokenizer()
    punct = set()
    for c in chars:
        r = bert.pre_tokenize_str("a" + c + "a")
        if len(r) == 3:
            punct.add(ord(c))
    # Code points the tokenizers normalization crate treats as unassigned: it decomposes, orders
    # or composes them differently from unicodedata.
    forms = {f: getattr(N, f)() for f in ("NFD", "NFC", "NFKD", "NFKC")}
    legacy = set()
    for c in chars:
        cp = ord(c)
        if cp < 0xA0:
            continue
        if any(n.normalize_str(c) != ud.normalize(f, c) for f, n in forms.items()):
            legacy.add(cp)
        elif ud.combining(c):
            for probe in ("a" + c + "\u0334", "a\u0301" + c):
                if forms["NFD"].normalize_str(probe) != ud.normalize("NFD", probe):
                    legacy.add(cp)
    for cp in range(MAXCP):  # primary composites the crate does not compose
        if 0xD800 <= cp <= 0xDFFF:
            continue
        d = ud.decomposition(chr(cp))
        if d and not d.startswith("<") and len(d.split()) == 2 and ud.normalize("NFC", chr(cp)) == chr(cp):
            pair = "".join(chr(int(x, 16)) for x in d.split())
            if forms["NFC"].normalize_str(pair) != chr(cp):
                legacy.add(cp)
    return lower, numeric, punct, legacy


def build(probes):
    lower_map, numeric, punct, legacy = probes
    pool = []
    pool_index = {}

    def intern(seq):
        key = tuple(seq)
        if key not in pool_index:
            if len(seq) > 255:
                raise SystemExit("sequence too long")
            pool_index[key] = len(pool)
            pool.extend(seq)
        off = pool_index[key]
        assert off < (1 << 24)
        return off | (len(seq) << 24)

    # Primary composites: canonical decompositions of length 2 that NFC recomposes.
    pairs = []
    seconds = set(range(VBASE, VBASE + VCOUNT)) | set(range(TBASE + 1, TBASE + TCOUNT))
    for cp in range(MAXCP):
        if 0xD800 <= cp <= 0xDFFF:
            continue
        d = ud.decomposition(chr(cp))
        if not d or d.startswith("<"):
            continue
        parts = [int(x, 16) for x in d.split()]
        if len(parts) == 2 and ud.normalize("NFC", chr(cp)) == chr(cp):
            pairs.append((parts[0], parts[1], cp))
            seconds.add(parts[1])

    records = []
    record_index = {}
    per_cp = [0] * MAXCP
    for cp in range(MAXCP):
        c = chr(cp)
        cat = ud.category(c)
        ccc = ud.combining(c)
        surrogate = 0xD800 <= cp <= 0xDFFF
        info = CAT_INDEX[cat] | (ccc << 5)
        r1 = r2 = r3 = 0
        if not surrogate:
            nfc, nfkc = ud.normalize("NFC", c), ud.normalize("NFKC", c)
            nfd, nfkd = ud.normalize("NFD", c), ud.normalize("NFKD", c)
            second = cp in seconds
            nfcqc = 1 if nfc != c else (2 if second else 0)
            nfkcqc = 1 if nfkc != c else (2 if second else 0)
            info |= (nfcqc << 13) | (nfkcqc << 15)
            if second:
                info |= 1 << 21
            if is_hangul_syllable(cp):
                info |= 1 << 19
            else:
                if nfd != c:
                    info |= 1 << 17
                    r1 = intern(cps(nfd))
                if nfkd != c:
                    info |= 1 << 18
                    r2 = intern(cps(nfkd))
            # A stable NFC/NFKC starter must decompose to a starter that composes with nothing
            # before it (the boundary property the normalizer's fast path relies on).
            for qc, dec in ((nfcqc, nfd), (nfkcqc, nfkd)):
                if qc == 0 and ccc == 0:
                    f = ord(dec[0])
                    assert ud.combining(dec[0]) == 0 and f not in seconds, hex(cp)
            low = lower_map.get(cp, c)
            if cp in legacy:
                info |= 1 << 22
            if cp in numeric:
                info |= 1 << 23
            if cp in punct:
                info |= 1 << 24
            if len(low) == 1:
                r3 = (ord(low) - cp) & 0xFFFFFFFF
            else:
                info |= 1 << 20
                r3 = intern(cps(low))
        rec = (info, r1, r2, r3)
        if rec not in record_index:
            record_index[rec] = len(records)
            records.append(rec)
        per_cp[cp] = record_index[rec]
    assert len(records) < 65536

    best = None
    for shift in range(4, 10):
        size = 1 << shift
        blocks, bidx, stage1 = [], {}, []
        for start in range(0, MAXCP, size):
            blk = tuple(per_cp[start:start + size])
            if blk not in bidx:
                bidx[blk] = len(blocks)
                blocks.append(blk)
            stage1.append(bidx[blk])
        total = 2 * len(stage1) + 2 * size * len(blocks)
        if best is None or total < best[0]:
            best = (total, shift, stage1, [x for b in blocks for x in b])
    _, shift, stage1, stage2 = best
    assert max(stage1) < 65536
    return shift, stage1, stage2, records, pool, pairs


def b64_literal(name, data):
    text = base64.b64encode(data).decode("ascii")
    lines = [text[i:i + 120] for i in range(0, len(text), 120)]
    body = "\n".join("    " + ln for ln in lines)
    return f'    static let {name}: StaticString = """\n{body}\n    """\n'


def write_swift(shift, stage1, stage2, records, pool, pairs):
    rec_bytes = b"".join(struct.pack("<4I", *r) for r in records)
    out = []
    out.append("// GENERATED FILE — do not edit. Unicode %s data from Python %s's unicodedata.\n"
               % (ud.unidata_version, sys.version.split()[0]))
    out.append("// Regenerate from the repository root: .venv/bin/python scripts/gen_unicode_tables.py\n")
    out.append("// Layout: see the docstring of scripts/gen_unicode_tables.py.\n\n")
    out.append("enum UnicodeTableData {\n")
    out.append('    static let unicodeVersion = "%s"\n' % ud.unidata_version)
    out.append("    static let shift = %d\n" % shift)
    out.append("    static let stage1Count = %d\n" % len(stage1))
    out.append("    static let stage2Count = %d\n" % len(stage2))
    out.append("    static let recordCount = %d\n" % len(records))
    out.append("    static let poolCount = %d\n" % len(pool))
    out.append("    static let pairCount = %d\n" % len(pairs))
    out.append(b64_literal("stage1", struct.pack("<%dH" % len(stage1), *stage1)))
    out.append(b64_literal("stage2", struct.pack("<%dH" % len(stage2), *stage2)))
    out.append(b64_literal("records", rec_bytes))
    out.append(b64_literal("pool", struct.pack("<%dI" % len(pool), *pool)))
    out.append(b64_literal("pairs", b"".join(struct.pack("<3I", *p) for p in pairs)))
    out.append("}\n")
    with open(OUT_SWIFT, "w") as f:
        f.write("".join(out))
    print("wrote", OUT_SWIFT, os.path.getsize(OUT_SWIFT), "bytes; shift", shift,
          "records", len(records), "pool", len(pool), "pairs", len(pairs))


def hx(s):
    return " ".join("%X" % ord(ch) for ch in s)


def fnv_all(form):
    """FNV-1a-style 64-bit hash over every code point's normalization (surrogates skipped),
    one step per scalar (h = (h ^ scalar) * prime mod 2^64), each result followed by 0xFFFFFFFF."""
    h = 0xCBF29CE484222325
    for cp in range(MAXCP):
        if 0xD800 <= cp <= 0xDFFF:
            continue
        for o in cps(ud.normalize(form, chr(cp))) + [0xFFFFFFFF]:
            h = ((h ^ o) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return h


def write_tests(probes):
    lower_map, numeric, punct, legacy = probes
    os.makedirs(OUT_DATA, exist_ok=True)
    forms = ["NFD", "NFC", "NFKD", "NFKC"]
    # 1. Every non-Hangul-syllable code point whose normalization differs from itself.
    lines = ["# cp;NFD;NFC;NFKD;NFKC (hex scalars; '=' means unchanged). Unicode %s. "
             "Hangul syllables are checked by checksum. Generated by scripts/gen_unicode_tables.py"
             % ud.unidata_version]
    for cp in range(MAXCP):
        if 0xD800 <= cp <= 0xDFFF or is_hangul_syllable(cp):
            continue
        c = chr(cp)
        res = [ud.normalize(f, c) for f in forms]
        if any(r != c for r in res):
            lines.append("%X;" % cp + ";".join("=" if r == c else hx(r) for r in res))
    with open(os.path.join(OUT_DATA, "normalization_cps.txt"), "w") as f:
        f.write("\n".join(lines) + "\n")

    # 2. Checksums over all code points.
    with open(os.path.join(OUT_DATA, "checksums.txt"), "w") as f:
        f.write("# FNV-1a 64 over all code points' normalizations (see fnv_all in the generator)\n")
        for form in forms:
            f.write("%s %016X\n" % (form, fnv_all(form)))

    # 3. Sequences.
    rnd = random.Random(14)
    seqs = []
    fixed = [
        "e\u0301", "e\u0301\u0323", "e\u0323\u0301", "\u1E9B\u0323", "a\u0308\u0304\u0301",
        "A\u030A", "\u212B", "\u2126", "\u0344", "\u0F73", "\u0F75", "\u0F81", "\u0958",
        "\u2ADC", "\U0001D15E", "\U0001D160", "\uFB2C", "\u0374", "\u1100\u1161", "\u1100\u1161\u11A8",
        "\uAC00\u11A8", "\uAC01\u11A8", "\u1100\u11A8", "\u1161\u11A8", "\u110B\u1173\u11AF",
        "\u0B47\u0B3E", "\u0B47\u0301\u0B3E", "\u0DD9\u0DCF\u0DCA", "\u1025\u102E", "\uFDFA",
        "\u3300", "\uFB01", "\u00BD", "\u2460", "\u01C4\u0301", "\u0041\u030A\u0301", "\u0301a",
        "\u0301\u0301", "", "abc", "caf\u00E9", "cafe\u0301", "\u1E0B\u0323", "\u1E0D\u0307",
        "q\u0307\u0323", "\u00C5\u0301", "\u0300\u0315\u0300\u05AE", "a\u05AE\u0300\u0315b",
        "\u0627\u0653", "\u0627\u0654\u0655", "\u09C7\u09BE", "\u1B05\u1B35", "\U00011131\U00011127",
        "\U00011099\U000110BA", "\U000110A5\U000110BA", "\u3099\u304B", "\u304B\u3099",
        "\uFF76\uFF9E", "\u30AB\u3099", "\u0CC6\u0CC2\u0CD5", "\uFF21\u0301", "\u1F80\u0345",
        "\u03B1\u0345\u0313\u0300", "\U0001D15F\U0001D165", "\u0915\u093C", "\u05D9\u05B4",
    ]
    seqs.extend(fixed)
    marks = [0x0300, 0x0301, 0x0302, 0x0303, 0x0308, 0x030A, 0x0323, 0x0327, 0x0328, 0x031B,
             0x0345, 0x05B0, 0x05BC, 0x0651, 0x093C, 0x0F71, 0x0F72, 0x0F74, 0x0F80, 0x302A,
             0x3099, 0x309A, 0x1DCE, 0x0315, 0x0334, 0x0B3E, 0x0DCF, 0x0CD5, 0x0CC2, 0x20D2]
    bases = [0x41, 0x61, 0x45, 0x65, 0x4F, 0x6F, 0x55, 0x75, 0x49, 0x3B1, 0x3B7, 0x3C9, 0x391,
             0x5D0, 0x627, 0x915, 0x304B, 0x306F, 0x1E00, 0xC5, 0xE9, 0x1F00, 0x1FB6, 0x212B,
             0x0B47, 0x0DD9, 0x0CC6, 0x1100, 0x1161, 0x11A8, 0xAC00, 0xAC01, 0xD7A3, 0x20, 0x3300,
             0xFB2A, 0x1D15E, 0xFF76, 0x01C4, 0x017F, 0x1E9B, 0x2ADC]
    for _ in range(260):
        n = rnd.randint(1, 8)
        s = []
        for _ in range(n):
            r = rnd.random()
            if r < 0.45:
                s.append(rnd.choice(marks))
            elif r < 0.9:
                s.append(rnd.choice(bases))
            else:
                s.append(rnd.randint(0x80, 0x2FFFF))
        s = "".join(chr(x) for x in s if not 0xD800 <= x <= 0xDFFF)
        seqs.append(s)
    # Random strings over all code points that have a decomposition or are composition seconds.
    interesting = [cp for cp in range(MAXCP) if not 0xD800 <= cp <= 0xDFFF and
                   (ud.decomposition(chr(cp)) or ud.combining(chr(cp)))]
    for _ in range(300):
        n = rnd.randint(2, 10)
        s = "".join(chr(rnd.choice(interesting)) if rnd.random() < 0.7 else chr(rnd.choice(bases))
                    for _ in range(n))
        seqs.append(s)
    lines = ["# input;NFD;NFC;NFKD;NFKC (hex scalars; empty field = empty string)"]
    for s in seqs:
        lines.append(hx(s) + ";" + ";".join(hx(ud.normalize(f, s)) for f in forms))
    with open(os.path.join(OUT_DATA, "normalization_sequences.txt"), "w") as f:
        f.write("\n".join(lines) + "\n")

    # 4. Categories as ranges, lowercase mappings that differ.
    lines = ["# start;category — each range runs to the next start; Unicode %s" % ud.unidata_version]
    prev = None
    for cp in range(MAXCP):
        cat = ud.category(chr(cp))
        if cat != prev:
            lines.append("%X;%s" % (cp, cat))
            prev = cat
    with open(os.path.join(OUT_DATA, "categories.txt"), "w") as f:
        f.write("\n".join(lines) + "\n")
    lines = ["# cp;lowercase (hex scalars) for every code point whose lowercase (HF tokenizers' "
             "Lowercase = Rust char::to_lowercase) differs from itself"]
    for cp in sorted(lower_map):
        lines.append("%X;%s" % (cp, hx(lower_map[cp])))
    with open(os.path.join(OUT_DATA, "lowercase.txt"), "w") as f:
        f.write("\n".join(lines) + "\n")
    # 5. The HF tokenizers normalizers (for matchingHFTokenizers: true) on every code point where
    # they differ from unicodedata, and on the sequences.
    from tokenizers import normalizers as N
    hf = [getattr(N, f)() for f in forms]
    lines = ["# cp;NFD;NFC;NFKD;NFKC as HF tokenizers' normalizers give them, for code points where "
             "any differs from unicodedata; legacy code points: " + " ".join("%X" % x for x in sorted(legacy))]
    for cp in range(MAXCP):
        if 0xD800 <= cp <= 0xDFFF:
            continue
        c = chr(cp)
        res = [n.normalize_str(c) for n in hf]
        if any(r != ud.normalize(f, c) for r, f in zip(res, forms)):
            lines.append("%X;" % cp + ";".join("=" if r == c else hx(r) for r in res))
    hseqs = seqs + ["a" + chr(x) + "\u0334" for x in sorted(legacy)] + ["a\u0301" + chr(x) for x in sorted(legacy)]
    hseqs += [ud.normalize("NFD", chr(x)) for x in sorted(legacy)]
    lines.append("# sequences: input;NFD;NFC;NFKD;NFKC")
    for q in hseqs:
        lines.append("S;" + hx(q) + ";" + ";".join(hx(n.normalize_str(q)) for n in hf))
    with open(os.path.join(OUT_DATA, "normalization_hf.txt"), "w") as f:
        f.write("\n".join(lines) + "\n")
    # 6. Numeric and BERT punctuation sets as ranges.
    with open(os.path.join(OUT_DATA, "rust_sets.txt"), "w") as f:
        f.write("# name;first;last ranges: numeric (Rust char::is_numeric), bertpunct (BertPreTokenizer)\n")
        for name, st in (("numeric", numeric), ("bertpunct", punct)):
            xs = sorted(st)
            k = 0
            while k < len(xs):
                e = k
                while e + 1 < len(xs) and xs[e + 1] == xs[e] + 1:
                    e += 1
                f.write("%s;%X;%X\n" % (name, xs[k], xs[e]))
                k = e + 1
    for name in sorted(os.listdir(OUT_DATA)):
        print("wrote", name, os.path.getsize(os.path.join(OUT_DATA, name)), "bytes")


if __name__ == "__main__":
    if ud.unidata_version != "14.0.0":
        print("warning: unicodedata is", ud.unidata_version, "(tables were built from 14.0.0)")
    probes = hf_probes()
    write_swift(*build(probes))
    if "--no-tests" not in sys.argv:
        write_tests(probes)
