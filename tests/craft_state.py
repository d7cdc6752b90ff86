#!/usr/bin/env python3
"""Rewrite a safetensors file (a regmnist state or model) with one or more changes, for the tests of
what regmnist refuses to trust (tests/state_trust.sh). Plain Python, no numpy.

usage: craft_state.py IN OUT [OP ...]   where OP is one of
  meta KEY VALUE        set a __metadata__ string
  set NAME INDEX VALUE  set element INDEX of tensor NAME (an I64 integer, or an F32 such as nan, -inf, 1.5)
  outside NAME N        set element 0 of NAME to the smallest value below N that NAME does not hold
  dup NAME              set element 1 of NAME to element 0
  zero NAME             set every element of NAME to 0
  add NAME              add an F32 tensor NAME of shape [2]
  drop NAME             remove tensor NAME
  flip NAME BYTE        flip bit 0 of byte BYTE of NAME's data, keeping the old checksum
  nosums                remove every crc32:NAME checksum
The checksums (crc32:NAME = zlib CRC-32 of the tensor's bytes, 8 lowercase hex digits) are recomputed
for every tensor except those flipped; with nosums none is written."""
import json, struct, sys, zlib

FMT = {"F32": "<f", "I64": "<q"}
SIZE = {"F32": 4, "I64": 8}


def load(path):
    raw = open(path, "rb").read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + n])
    data = raw[8 + n:]
    meta = header.pop("__metadata__", {})
    order = sorted(header, key=lambda k: header[k]["data_offsets"][0])
    tensors = {}
    for name in order:
        t = header[name]
        b, e = t["data_offsets"]
        tensors[name] = {"dtype": t["dtype"], "shape": t["shape"], "data": bytearray(data[b:e])}
    return tensors, meta


def values(t):
    k = SIZE[t["dtype"]]
    return [struct.unpack_from(FMT[t["dtype"]], t["data"], i)[0] for i in range(0, len(t["data"]), k)]


def put(t, i, v):
    v = float(v) if t["dtype"] == "F32" else int(v)
    struct.pack_into(FMT[t["dtype"]], t["data"], i * SIZE[t["dtype"]], v)


def save(path, tensors, meta, keep, sums):
    meta = {k: v for k, v in meta.items() if not k.startswith("crc32:")}
    header, off = {}, 0
    for name, t in tensors.items():
        header[name] = {"dtype": t["dtype"], "shape": t["shape"], "data_offsets": [off, off + len(t["data"])]}
        off += len(t["data"])
        if sums:
            meta["crc32:" + name] = keep.get(name, "%08x" % zlib.crc32(bytes(t["data"])))
    h = json.dumps({"__metadata__": meta, **header}, separators=(",", ":")).encode()
    h += b" " * (-len(h) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + b"".join(bytes(t["data"]) for t in tensors.values()))


def main(argv):
    src, dst, ops = argv[1], argv[2], argv[3:]
    tensors, meta = load(src)
    keep, sums = {}, True
    i = 0
    while i < len(ops):
        op = ops[i]
        if op == "meta":
            meta[ops[i + 1]] = ops[i + 2]
            i += 3
        elif op == "set":
            put(tensors[ops[i + 1]], int(ops[i + 2]), ops[i + 3])
            i += 4
        elif op == "outside":
            t = tensors[ops[i + 1]]
            held = set(values(t))
            put(t, 0, min(v for v in range(int(ops[i + 2])) if v not in held))
            i += 3
        elif op == "dup":
            t = tensors[ops[i + 1]]
            put(t, 1, values(t)[0])
            i += 2
        elif op == "zero":
            t = tensors[ops[i + 1]]
            t["data"] = bytearray(len(t["data"]))
            i += 2
        elif op == "add":
            tensors[ops[i + 1]] = {"dtype": "F32", "shape": [2], "data": bytearray(8)}
            i += 2
        elif op == "drop":
            del tensors[ops[i + 1]]
            i += 2
        elif op == "flip":
            name, at = ops[i + 1], int(ops[i + 2])
            keep[name] = meta.get("crc32:" + name, "%08x" % zlib.crc32(bytes(tensors[name]["data"])))
            tensors[name]["data"][at] ^= 1
            i += 3
        elif op == "nosums":
            sums = False
            i += 1
        else:
            sys.exit("craft_state.py: unknown op " + op)
    save(dst, tensors, meta, keep, sums)


if __name__ == "__main__":
    main(sys.argv)
