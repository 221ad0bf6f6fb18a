#!/usr/bin/env python3
"""Configuration-space differential fuzzing of m2v's tokenizer against HF `tokenizers`, for long
runs by hand (the same engine as bindings/python/tests/test_config_fuzz.py, which `make test`
runs for about a minute):

    .venv/bin/python scripts/config_fuzz.py --seconds 600 --seed 7

Every mismatch is shrunk and written as a JSON case (tokenizer doc + text + HF's ids) into
bindings/python/tests/data/config_fuzz_regressions/ (or --out), which the pytest replays.
Needs m2v_native and tokenizers installed in the running Python."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bindings" / "python" / "tests"))

import tokenizer_configs as tc  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seconds", type=float, default=600)
    ap.add_argument("--seed", default="1")
    ap.add_argument("--max-configs", type=int, default=None)
    ap.add_argument("--shrink-budget", type=float, default=20.0, help="seconds to minimize each mismatch")
    ap.add_argument("--out", type=Path, default=tc.REGRESSIONS, help="where the cases go")
    ap.add_argument("--dry-run", action="store_true", help="print mismatches, write nothing")
    args = ap.parse_args()

    print(f"seed {args.seed!r}, {args.seconds:g} s, regex engine {tc.regex_engine()}", flush=True)

    recorded = []

    def on_mismatch(m: tc.Mismatch) -> None:
        known = tc.known_hf_bug(m.doc, m.text)
        if known:
            print(f"\nknown HF bug, not recorded: {known}\n{m.reproducer()[:1000]}", flush=True)
            return
        recorded.append(m)
        where = "" if args.dry_run else f" -> {tc.write_case(m, args.out)}"
        print(f"\nMISMATCH{' (regex, non-Oniguruma engine)' if m.regex else ''}{where}\n{m.reproducer()[:4000]}",
              flush=True)

    stats = tc.fuzz(args.seconds, args.seed, on_mismatch=on_mismatch, max_configs=args.max_configs,
                    shrink_budget=args.shrink_budget, log=lambda s: print(s[:300], flush=True))
    print(stats.summary())
    for doc, msg in stats.malformed[:10]:
        print(f"  refused as malformed (HF loads it): {msg}")
    return 1 if recorded or stats.malformed else 0


if __name__ == "__main__":
    sys.exit(main())
