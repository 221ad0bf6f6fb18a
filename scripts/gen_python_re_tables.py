#!/usr/bin/env python3
"""Generates Sources/Distill/Generated/PythonReTables.generated.swift: the code point sets of Python's `re`
classes \\d, \\w and \\s for str patterns (Unicode mode, the default), probed from `re` itself, so
m2v's token_remove_pattern matches exactly what model2vec's re.compile(...).match(token) does.

Run from the repository root with the project's Python (3.11, Unicode 14.0.0):
    .venv/bin/python scripts/gen_python_re_tables.py
"""
from __future__ import annotations

import re
import sys
import unicodedata
from pathlib import Path

OUT = Path("Sources/Distill/Generated/PythonReTables.generated.swift")


def runs(regex: re.Pattern[str]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    start = None
    for c in range(0x110000):
        ok = regex.fullmatch(chr(c)) is not None
        if ok and start is None:
            start = c
        elif not ok and start is not None:
            out.append((start, c - 1))
            start = None
    if start is not None:
        out.append((start, 0x10FFFF))
    return out


def nfc_changing() -> list[tuple[int, int]]:
    cps = [c for c in range(0x110000)
           if not 0xD800 <= c <= 0xDFFF and unicodedata.normalize("NFC", chr(c)) != chr(c)]
    out: list[tuple[int, int]] = []
    for c in cps:
        if out and out[-1][1] == c - 1:
            out[-1] = (out[-1][0], c)
        else:
            out.append((c, c))
    return out


def swift_array(name: str, rs: list[tuple[int, int]]) -> str:
    flat = [f"0x{v:X}" for r in rs for v in r]
    lines = []
    for i in range(0, len(flat), 12):
        lines.append("        " + ", ".join(flat[i:i + 12]) + ",")
    return f"    /// {len(rs)} runs (first, last), sorted.\n    static let {name}: [UInt32] = [\n" + "\n".join(lines) + "\n    ]\n"


def main() -> None:
    v = sys.version.split()[0]
    body = [
        "// GENERATED FILE — do not edit. Python " + v + "'s `re` classes (Unicode " + unicodedata.unidata_version + "),",
        "// probed code point by code point with re.fullmatch on str patterns (Unicode mode).",
        "// Regenerate from the repository root: .venv/bin/python scripts/gen_python_re_tables.py",
        "",
        "enum PythonReTables {",
        f'    static let pythonVersion = "{v}"',
        f'    static let unicodeVersion = "{unicodedata.unidata_version}"',
        "    /// `\\d`: Unicode decimal digits (category Nd).",
        swift_array("digit", runs(re.compile(r"\d"))),
        "    /// `\\w`: str.isalnum() or \"_\".",
        swift_array("word", runs(re.compile(r"\w"))),
        "    /// `\\s`: str.isspace() (bidirectional WS, B, S or category Zs).",
        swift_array("space", runs(re.compile(r"\s"))),
        "    /// Code points whose NFC is not themselves. Swift `Regex` refuses them as the bound of a",
        "    /// range (\"invalid bound for character class range\"), even under Unicode-scalar semantics;",
        "    /// as single members of a class they match as themselves.",
        swift_array("nfcChanging", nfc_changing()),
        "}",
        "",
    ]
    OUT.write_text("\n".join(body))
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
