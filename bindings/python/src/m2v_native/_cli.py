"""The `m2v` console script: runs the m2v command (encode, tokenize, distill, info, similar).

The wheel bundles the command as m2v_native/bin/m2v, linked against the bundled libm2v. A build
against an installed libm2v (M2V_PREFIX, pkg-config) has no bundled copy; the command is then
the bin/m2v of that installation, found beside the lib/ folder the extension loaded libm2v from.
The process is replaced (exec), so exit codes, signals and Ctrl-C are the command's own.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path


def command_path() -> Path | None:
    """Where the m2v command is, or None."""
    bundled = Path(__file__).resolve().parent / "bin" / "m2v"
    if bundled.is_file():
        return bundled
    from . import _core  # noqa: F401  (maps libm2v into this process)

    try:
        with open("/proc/self/maps", encoding="utf-8", errors="replace") as maps:
            for line in maps:
                path = line.rstrip("\n").split(maxsplit=5)[-1]
                if "/libm2v.so" in path:
                    candidate = Path(path).parent.parent / "bin" / "m2v"
                    return candidate if candidate.is_file() else None
    except OSError:
        return None
    return None


def main() -> None:
    path = command_path()
    if path is None:
        sys.stderr.write("m2v: the m2v command is not installed with this m2v_native "
                         "(the wheel bundles it; a source build finds it as bin/m2v of the libm2v prefix)\n")
        sys.exit(2)
    os.execv(str(path), ["m2v", *sys.argv[1:]])


if __name__ == "__main__":
    main()
