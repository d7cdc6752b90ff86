"""Read a .safetensors file (regmnist's model.safetensors, or any F32/I64 one) with plain numpy.

The layout: an 8-byte little-endian header length N, N bytes of JSON {name: {dtype, shape,
data_offsets [begin, end) into the data}, "__metadata__": {str: str}}, then the raw little-endian data.
"""
import json, struct

import numpy as np

DTYPES = {"F64": "<f8", "F32": "<f4", "F16": "<f2", "I64": "<i8", "I32": "<i4", "I16": "<i2", "I8": "i1",
          "U8": "u1", "BOOL": "?"}


def load(path):
    """Return ({name: numpy array}, metadata dict) for the safetensors file at path."""
    with open(path, "rb") as f:
        (n,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(n))
        data = bytearray(f.read())  # writable, so torch.from_numpy takes the arrays without a warning
    meta = header.pop("__metadata__", {})
    tensors = {}
    for name, t in header.items():
        begin, end = t["data_offsets"]
        tensors[name] = np.frombuffer(data[begin:end], DTYPES[t["dtype"]]).reshape(t["shape"])
    return tensors, meta
