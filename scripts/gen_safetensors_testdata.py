#!/usr/bin/env python3
"""Generates Tests/SafeTensorsTests/Generated/ReferenceData.generated.swift: what the Python `safetensors` library
and numpy say about the fixture files, a golden file written by `safetensors.torch.save`, and
hashes of numpy's float16 conversions. Run once with the repo's .venv:

    .venv/bin/python scripts/gen_safetensors_testdata.py [FIXTURES_DIR]
"""
import glob, json, os, struct, sys
import numpy as np
import torch
from safetensors.numpy import load_file
from safetensors import safe_open
from safetensors.torch import save as torch_save

root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "../../shared/fixtures")
root = os.path.abspath(root)
M64 = (1 << 64) - 1

def weighted_hash(bits):
    """sum(bits[i] * (2i+1)) mod 2^64: an odd multiplier per position, so any change shows."""
    b = bits.astype(np.uint64)
    w = np.arange(len(b), dtype=np.uint64) * np.uint64(2) + np.uint64(1)
    with np.errstate(over="ignore"):
        return int(np.sum(b * w, dtype=np.uint64))

# -- fixture summary -------------------------------------------------------------------------
files = []
patterns = ["models/*/model.safetensors", "reference/**/*.safetensors", "teacher/*.safetensors"]
paths = sorted({p for pat in patterns for p in glob.glob(os.path.join(root, pat), recursive=True)})
for p in paths:
    with open(p, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
    arrays = load_file(p)
    with safe_open(p, "np") as so:
        meta = header.get("__metadata__", {})  # file order (safe_open.metadata() order varies)
    tensors = []
    for name, info in header.items():
        if name == "__metadata__":
            continue
        a = arrays[name]
        flat = a.reshape(-1)
        if a.dtype.kind == "f":
            s = float(np.sum(flat.astype(np.float64)))
            sa = float(np.sum(np.abs(flat.astype(np.float64))))
            first = [float(x) for x in flat[:4].astype(np.float64)]
        else:
            s = int(np.sum(flat.astype(np.int64)))
            sa = int(np.sum(np.abs(flat.astype(np.int64))))
            first = [int(x) for x in flat[:4]]
        tensors.append({"name": name, "dtype": info["dtype"], "shape": list(a.shape),
                        "data_offsets": info["data_offsets"], "sum": s, "abs_sum": sa, "first": first})
    files.append({"path": os.path.relpath(p, root), "header_length": n,
                  "metadata": meta, "tensors": tensors})

# -- golden file written by Python -----------------------------------------------------------
golden_tensors = {
    "embeddings": torch.tensor([[0.5, -1.25, 3.0], [65504.0, 1e-7, -0.0]], dtype=torch.float16),
    "weights": torch.tensor([0.1, 0.2, 0.3], dtype=torch.float64),
    "mapping": torch.tensor([2, 0, 1, 1], dtype=torch.int32),
    "ids64": torch.tensor([-(1 << 40), 7], dtype=torch.int64),
    "bf": torch.tensor([1.0, -2.5, 3.140625], dtype=torch.bfloat16),
    "q8": torch.tensor([[-127, 5], [0, 127]], dtype=torch.int8),
    "u8": torch.tensor([255, 0, 1], dtype=torch.uint8),
    "flags": torch.tensor([True, False], dtype=torch.bool),
    "s16": torch.tensor([-300, 300], dtype=torch.int16),
    "scalar": torch.tensor(2.5, dtype=torch.float32),
    "empty": torch.zeros((0, 3), dtype=torch.float32),
    "Zeta": torch.tensor([1.0], dtype=torch.float32),
    "\u00e9t\u00e9 \"q\"\n": torch.tensor([4.0, 5.0], dtype=torch.float32),
}
golden = torch_save(golden_tensors, metadata={"format": "pt"})

# -- numpy float16 conversions ---------------------------------------------------------------
half_bits = np.arange(65536, dtype=np.uint32).astype(np.uint16)
h2f = half_bits.view(np.float16).astype(np.float32).view(np.uint32)

N = 1 << 20
i = np.arange(N, dtype=np.uint64)
with np.errstate(over="ignore"):
    raw32 = ((i * np.uint64(2654435761) + np.uint64(12345)) & np.uint64(0xFFFFFFFF)).astype(np.uint32)
    mant32 = ((i * np.uint64(0x9E3779B1)) >> np.uint64(7)) & np.uint64(0x7FFFFF)
    exp32 = np.uint64(95) + i % np.uint64(50)
    sign32 = (i % np.uint64(2)) << np.uint64(31)
    near32 = (sign32 | (exp32 << np.uint64(23)) | mant32).astype(np.uint32)
    with np.errstate(over="ignore", invalid="ignore"):
        f2h_raw = raw32.view(np.float32).astype(np.float16).view(np.uint16)
        f2h_near = near32.view(np.float32).astype(np.float16).view(np.uint16)
    mant64 = (i * np.uint64(0x9E3779B97F4A7C15)) & np.uint64((1 << 52) - 1)
    exp64 = np.uint64(993) + i % np.uint64(50)
    sign64 = (i % np.uint64(2)) << np.uint64(63)
    near64 = sign64 | (exp64 << np.uint64(52)) | mant64
    with np.errstate(over="ignore", invalid="ignore"):
        d2h = near64.view(np.float64).astype(np.float16).view(np.uint16)

hashes = {
    "halfToFloat_all": weighted_hash(h2f),
    "floatToHalf_raw": weighted_hash(f2h_raw),
    "floatToHalf_near": weighted_hash(f2h_near),
    "doubleToHalf_near": weighted_hash(d2h),
}

summary = json.dumps({"files": files}, ensure_ascii=False, indent=1)
assert '"""#' not in summary
out = os.path.join(os.path.dirname(__file__), "../Tests/SafeTensorsTests/Generated/ReferenceData.generated.swift")
with open(out, "w") as f:
    f.write("// Generated by scripts/gen_safetensors_testdata.py from the Python `safetensors` library,\n")
    f.write(f"// numpy {np.__version__} and torch {torch.__version__}. Do not edit by hand.\n\n")
    f.write("enum ReferenceData {\n")
    f.write("    /// `safetensors.torch.save(golden_tensors, metadata={\"format\": \"pt\"})` (see the script).\n")
    f.write("    static let goldenFile: [UInt8] = [")
    for k in range(0, len(golden), 20):
        f.write("\n        " + ", ".join(str(b) for b in golden[k:k + 20]) + ",")
    f.write("\n    ]\n\n")
    f.write("    /// numpy conversion hashes: sum(bits[i] * (2i+1)) mod 2^64 (inputs: see the script).\n")
    for k, v in hashes.items():
        f.write(f"    static let {k}: UInt64 = 0x{v:016x}\n")
    f.write("\n    /// Names, dtypes, shapes, offsets, metadata and value checksums of every fixture file.\n")
    f.write('    static let fixtureSummary = #"""\n')
    f.write(summary)
    f.write('\n"""#\n}\n')
print(f"{len(files)} files, golden {len(golden)} bytes -> {out}")
