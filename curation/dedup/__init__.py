"""Deduplication: exact (hash of the text) and MinHash-LSH near-duplicate removal, at corpus scale on Ray.

minhash.py     shingling and signatures (datasketch's permutation scheme, compiled kernel)
lsh.py         band keys, the partitioned shuffle on the run directory, candidate edges per bucket
components.py  connected components of the edge list (distributed large-star / small-star) and keep rule
phase.py       the whole-run `dedup` phase that ties them together and moves removed documents
"""
