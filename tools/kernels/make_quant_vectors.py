#!/usr/bin/env python3
"""Writes the quantization test vectors of kvasir-core (src/test/resources/quant-vectors/).

Independent ground truth for the Java weight kernels: random rows of each ggml type are
dequantized by the `gguf` Python package (gguf.quants.dequantize, numpy re-implementations of
ggml's dequantize_row_* functions), not by any Kvasir code.

Each file <TYPE>.bin is little-endian:
    magic   b"KVQV"
    int32   version (1)
    int32   ggml type id
    int32   rows, cols
    int32   nbytes of the quantized data
    u8      data[nbytes]                 rows one after the other, ggml block layout
    f32     dequantized[rows*cols]       gguf.quants.dequantize(data)
    f32     x[cols]                      a random activation vector
    f64     dot[rows]                    sum(dequantized[r] * x) in float64

Usage: pip install gguf numpy; python3 tools/kernels/make_quant_vectors.py [out_dir]
The output is deterministic for a given gguf/numpy version (fixed seed).
"""
import struct
import sys
from pathlib import Path

import numpy as np
from gguf import GGMLQuantizationType as T
from gguf import GGML_QUANT_SIZES
from gguf.quants import dequantize

OUT = Path(sys.argv[1]) if len(sys.argv) > 1 else \
    Path(__file__).resolve().parents[2] / "kvasir-core/src/test/resources/quant-vectors"

# byte offsets of the f16 scale fields inside each block: random bytes there could be
# NaN/inf or absurdly large, so they are overwritten with sane values
SCALE_FIELDS = {
    T.Q4_0: [0], T.Q4_1: [0, 2], T.Q5_0: [0], T.Q5_1: [0, 2], T.Q8_0: [0],
    T.Q4_K: [0, 2], T.Q5_K: [0, 2], T.Q6_K: [208],
}
# (rows, cols): several blocks per row and several rows, kept small
SHAPES = {
    T.F32: (3, 40), T.F16: (3, 40), T.BF16: (3, 40),
    T.Q4_0: (4, 128), T.Q4_1: (4, 128), T.Q5_0: (4, 128), T.Q5_1: (4, 128), T.Q8_0: (4, 128),
    T.Q4_K: (3, 512), T.Q5_K: (3, 512), T.Q6_K: (3, 512),
}


def sane_halves(rng, n):
    """Random halves of magnitude 2^-17 .. 2^-1 (some subnormal) and random sign."""
    mag = np.exp2(rng.uniform(-17, -1, n)).astype(np.float32)
    sign = np.where(rng.random(n) < 0.5, -1.0, 1.0).astype(np.float32)
    return (mag * sign).astype(np.float16)


def make(qtype, rng):
    rows, cols = SHAPES[qtype]
    if qtype == T.F32:
        w = rng.standard_normal((rows, cols)).astype(np.float32)
        return w.view(np.uint8).reshape(rows, -1)
    if qtype == T.F16:
        w = sane_halves(rng, rows * cols).reshape(rows, cols)
        return w.view(np.uint8).reshape(rows, -1)
    if qtype == T.BF16:
        w = rng.standard_normal((rows, cols)).astype(np.float32)
        bits = (w.view(np.uint32) >> 16).astype(np.uint16)
        return bits.view(np.uint8).reshape(rows, -1)
    block, size = GGML_QUANT_SIZES[qtype]
    nblocks = rows * cols // block
    data = rng.integers(0, 256, (nblocks, size), dtype=np.uint8)
    for off in SCALE_FIELDS[qtype]:
        data[:, off:off + 2] = sane_halves(rng, nblocks).view(np.uint8).reshape(nblocks, 2)
    return data.reshape(rows, -1)


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(20240601)
    total = 0
    for qtype in SHAPES:
        rows, cols = SHAPES[qtype]
        data = make(qtype, rng)
        deq = np.asarray(dequantize(data, qtype), dtype=np.float32).reshape(rows, cols)
        assert np.all(np.isfinite(deq)), qtype.name
        x = rng.standard_normal(cols).astype(np.float32)
        dot = (deq.astype(np.float64) @ x.astype(np.float64)).astype("<f8")
        blob = (b"KVQV" + struct.pack("<iiiii", 1, int(qtype), rows, cols, data.size)
                + data.tobytes() + deq.astype("<f4").tobytes() + x.astype("<f4").tobytes() + dot.tobytes())
        path = OUT / f"{qtype.name}.bin"
        path.write_bytes(blob)
        total += len(blob)
        print(f"{path.name}: {rows}x{cols}, {data.size} bytes of weights, file {len(blob)} bytes")
    print(f"total {total} bytes")


if __name__ == "__main__":
    main()
