#!/usr/bin/env python3
"""Write a tiny IDX data set for the shell tests: train-* and t10k-* image and label files.
usage: tiny_idx.py DIR N_TRAIN N_TEST [SEED]
Pixels are random with a faint class-dependent stripe (so a model learns something and then
overfits); labels are i % 10."""
import os, random, struct, sys

d, n_train, n_test = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
random.seed(int(sys.argv[4]) if len(sys.argv) > 4 else 1)
os.makedirs(d, exist_ok=True)
for name, n in (("train", n_train), ("t10k", n_test)):
    pix = bytearray()
    for i in range(n):
        img = bytearray(random.randrange(200) for _ in range(784))
        for j in range(28):
            img[(i % 10) * 2 * 28 + j] = 255
        pix += img
    open(f"{d}/{name}-images-idx3-ubyte", "wb").write(struct.pack(">IIII", 0x803, n, 28, 28) + bytes(pix))
    open(f"{d}/{name}-labels-idx1-ubyte", "wb").write(struct.pack(">II", 0x801, n) + bytes(i % 10 for i in range(n)))
