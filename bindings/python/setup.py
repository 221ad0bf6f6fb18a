"""Builds m2v_native._core, the C glue over libm2v (include/m2v.h).

Where libm2v is found, first match wins:
  1. M2V_PREFIX=/path/to/prefix   the `make install` prefix: $M2V_PREFIX/include/m2v.h and
                                  $M2V_PREFIX/lib/libm2v.so (e.g. <repo>/build/prefix)
  2. pkg-config --cflags --libs m2v   (set PKG_CONFIG_PATH=$PREFIX/lib/pkgconfig if needed)
  3. the sdist (`make sdist`) only: its libm2v-src/ folder (the Swift package) is built with its
     scripts/build.sh when the extension is built — this needs a Swift 6 toolchain on PATH — and
     the library is bundled next to the extension (rpath $ORIGIN), as in the wheel.

The library directory is written into the extension as an rpath, so importing m2v_native needs no
LD_LIBRARY_PATH. The package version is M2V_VERSION_STRING from the m2v.h that is compiled against.

The extension uses only CPython's stable ABI (Py_LIMITED_API 3.10): one _core.abi3.so serves
CPython 3.10 and later, and bdist_wheel tags the wheel cp310-abi3.

M2V_BUNDLE=1 (set by scripts/wheel.sh, which copies libm2v.so.<version> and libm2v.so.0 into the
staged package folder first): the package ships those files next to _core.abi3.so and the
extension's rpath is $ORIGIN, so the wheel needs neither a Swift toolchain nor an installed libm2v.
"""
from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
from pathlib import Path

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

HERE = Path(__file__).resolve().parent
BUNDLED_SRC = HERE / "libm2v-src"  # present in the sdist only


def _pkg_config() -> dict[str, list[str]] | None:
    try:
        out = subprocess.run(["pkg-config", "--cflags", "--libs", "m2v"], check=True,
                             capture_output=True, text=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return None
    cfg: dict[str, list[str]] = {"include_dirs": [], "library_dirs": [], "libraries": [],
                                 "runtime_library_dirs": [], "extra_link_args": []}
    for flag in shlex.split(out):
        if flag.startswith("-I"):
            cfg["include_dirs"].append(flag[2:])
        elif flag.startswith("-L"):
            cfg["library_dirs"].append(flag[2:])
        elif flag.startswith("-l"):
            cfg["libraries"].append(flag[2:])
        elif flag.startswith("-Wl,-rpath,"):
            cfg["runtime_library_dirs"].append(flag[len("-Wl,-rpath,"):])
        else:
            cfg["extra_link_args"].append(flag)
    # An rpath even when the .pc file does not carry one.
    for d in cfg["library_dirs"]:
        if d not in cfg["runtime_library_dirs"]:
            cfg["runtime_library_dirs"].append(d)
    return cfg


def _find_m2v() -> dict[str, list[str]] | None:
    """The build flags of an installed libm2v, or None for the sdist's bundled sources."""
    prefix = os.environ.get("M2V_PREFIX")
    if prefix:
        p = Path(prefix).resolve()
        if not (p / "include" / "m2v.h").is_file():
            raise SystemExit(f"M2V_PREFIX={prefix}: no include/m2v.h there (run `make install` first)")
        lib = str(p / "lib")
        return {"include_dirs": [str(p / "include")], "library_dirs": [lib], "libraries": ["m2v"],
                "runtime_library_dirs": [lib], "extra_link_args": []}
    cfg = _pkg_config()
    if cfg is None and (BUNDLED_SRC / "Package.swift").is_file():
        return None
    if cfg is None:
        raise SystemExit("m2v_native: libm2v not found. Set M2V_PREFIX to the `make install` prefix "
                         "(e.g. <repo>/build/prefix) or make `pkg-config m2v` work "
                         "(PKG_CONFIG_PATH=<prefix>/lib/pkgconfig).")
    return cfg


def _version(include_dirs: list[str]) -> str:
    for d in [*include_dirs, str(HERE.parent.parent / "include"), str(BUNDLED_SRC / "include")]:
        h = Path(d) / "m2v.h"
        if h.is_file():
            m = re.search(r'^#define M2V_VERSION_STRING "([^"]+)"', h.read_text(), re.M)
            if m:
                return m.group(1)
    raise SystemExit("m2v_native: cannot read M2V_VERSION_STRING from m2v.h")


class BuildBundledLibm2v(build_ext):
    """build_ext for the sdist: builds libm2v from libm2v-src/ first (only when the extension is
    really built, not for metadata), then bundles it next to the extension."""

    def run(self) -> None:
        if shutil.which("swift") is None:
            raise SystemExit("m2v_native: building from the sdist needs a Swift 6 toolchain on PATH "
                             "(or M2V_PREFIX / pkg-config for an installed libm2v, or the binary wheel)")
        subprocess.run(["bash", str(BUNDLED_SRC / "scripts" / "build.sh")], check=True)
        version = _version([str(BUNDLED_SRC / "include")])
        lib = BUNDLED_SRC / "build" / "lib"
        for ext in self.extensions:
            ext.include_dirs = [str(BUNDLED_SRC / "include")]
            ext.library_dirs = [str(lib)]
            ext.libraries = ["m2v"]
            ext.runtime_library_dirs = ["$ORIGIN"]
        super().run()
        dest = Path(self.get_ext_fullpath("m2v_native._core")).parent
        for name in (f"libm2v.so.{version}", "libm2v.so.0"):  # regular files: wheels have no links
            shutil.copyfile(lib / f"libm2v.so.{version}", dest / name)
            os.chmod(dest / name, 0o755)


LIMITED_API = "0x030A0000"  # CPython 3.10, as requires-python in pyproject.toml

found = _find_m2v()
cfg = found if found is not None else {"include_dirs": [str(BUNDLED_SRC / "include")]}
cmdclass = {} if found is not None else {"build_ext": BuildBundledLibm2v}
if found is not None and os.environ.get("M2V_BUNDLE") == "1":
    # The libm2v.so* files are package data (pyproject.toml), present only in the staged copy.
    cfg["runtime_library_dirs"] = ["$ORIGIN"]
setup(
    version=_version(cfg["include_dirs"]),
    cmdclass=cmdclass,
    ext_modules=[
        Extension(
            "m2v_native._core",
            sources=["src/m2v_native/_core.c"],
            # Rebuild when the header changes (a new field or version), not only the .c file.
            depends=[str(Path(d) / "m2v.h") for d in cfg["include_dirs"]],
            define_macros=[("Py_LIMITED_API", LIMITED_API)],
            py_limited_api=True,
            # Anything outside the limited API is undeclared: fail instead of linking to it.
            extra_compile_args=["-std=c11", "-Wall", "-Wextra", "-Wno-missing-field-initializers",
                                "-Wno-cast-function-type", "-Werror=implicit-function-declaration"],
            **cfg,
        )
    ],
    options={"bdist_wheel": {"py_limited_api": "cp310"}},
)
