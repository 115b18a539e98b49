#!/usr/bin/env python3
"""Anchor for `hive bench vectors`: FAISS IndexFlatIP and hnswlib on the same vectors.

The Swift benchmark writes the data file (magic b"HVBENCH1", u64 n, u64 nq, u64 d, then
n*d base float32, nq*d query float32, all little-endian; vectors already unit length) and
runs this script, which writes one JSON object with the anchor figures:

  flat:   FAISS IndexFlatIP, 1 query per call and `--batch` queries per call, per thread count
  load:   FAISS write_index / read_index time for the flat index
  hnsw:   hnswlib (space "ip", M, efConstruction) single-thread build and an ef sweep per thread count
  ids:    FAISS exact top-k ids of the first `--check` queries, for the Swift side's correctness check

Timings are medians of `--repeat` runs. Usage: see `hive bench vectors --help`.
"""
import argparse
import json
import os
import statistics
import tempfile
import time

import numpy as np


def read_data(path):
    with open(path, "rb") as f:
        magic = f.read(8)
        if magic != b"HVBENCH1":
            raise SystemExit(f"{path}: not a HVBENCH1 file")
        n, nq, d = np.frombuffer(f.read(24), dtype="<u8")
        base = np.frombuffer(f.read(int(n * d) * 4), dtype="<f4").reshape(int(n), int(d))
        queries = np.frombuffer(f.read(int(nq * d) * 4), dtype="<f4").reshape(int(nq), int(d))
    return np.ascontiguousarray(base), np.ascontiguousarray(queries)


def median_rate(count, fn, repeat):
    rates = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        rates.append(count / (time.perf_counter() - t0))
    return statistics.median(rates)


def recall(found, truth):
    k = truth.shape[1]
    hits = sum(len(set(f[:k]) & set(t)) for f, t in zip(found, truth))
    return hits / (truth.shape[0] * k)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--k", type=int, default=10)
    ap.add_argument("--single", type=int, default=200, help="queries timed one per call")
    ap.add_argument("--batch", type=int, default=1000, help="queries per batched call")
    ap.add_argument("--check", type=int, default=100)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--hnsw", action="store_true")
    ap.add_argument("--m", type=int, default=16)
    ap.add_argument("--ef-construction", type=int, default=200)
    ap.add_argument("--ef", default="10,16,32,64,128,256")
    args = ap.parse_args()

    import faiss

    base, queries = read_data(args.data)
    n, d = base.shape
    k = args.k
    threads = [int(t) for t in args.threads.split(",")]
    out = {"n": n, "d": d, "faiss_version": faiss.__version__, "flat": {}, "hnsw": None}

    faiss.omp_set_num_threads(1)
    index = faiss.IndexFlatIP(d)
    index.add(base)
    truth = index.search(queries, k)[1]
    out["ids"] = truth[: args.check].tolist()

    single = queries[: args.single]
    batch = queries[: args.batch]
    for t in threads:
        faiss.omp_set_num_threads(t)

        def one_per_call():
            for i in range(single.shape[0]):
                index.search(single[i : i + 1], k)

        out["flat"][str(t)] = {
            "single_qps": median_rate(single.shape[0], one_per_call, args.repeat),
            "batch_qps": median_rate(batch.shape[0], lambda: index.search(batch, k), args.repeat),
        }
    faiss.omp_set_num_threads(1)

    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "flat.faiss")
        faiss.write_index(index, path)
        loads = []
        for _ in range(max(args.repeat, 3)):
            t0 = time.perf_counter()
            faiss.read_index(path)
            loads.append((time.perf_counter() - t0) * 1000)
        out["load_ms"] = statistics.median(loads)
        out["index_bytes"] = os.path.getsize(path)

    if args.hnsw:
        import hnswlib

        p = hnswlib.Index(space="ip", dim=d)
        p.init_index(max_elements=n, M=args.m, ef_construction=args.ef_construction, random_seed=100)
        p.set_num_threads(1)
        t0 = time.perf_counter()
        p.add_items(base, np.arange(n), num_threads=1)
        build = time.perf_counter() - t0
        hnsw = {"build_seconds": build, "build_vps": n / build, "m": args.m,
                "ef_construction": args.ef_construction, "sweep": {}}
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "hnsw.bin")
            p.save_index(path)
            hnsw["index_bytes"] = os.path.getsize(path)
        for t in threads:
            rows = []
            for ef in [int(e) for e in args.ef.split(",")]:
                p.set_ef(max(ef, k))
                labels = p.knn_query(queries, k=k, num_threads=t)[0]
                qps = median_rate(queries.shape[0], lambda: p.knn_query(queries, k=k, num_threads=t), args.repeat)
                rows.append({"ef": ef, "qps": qps, "recall": recall(labels, truth)})
            hnsw["sweep"][str(t)] = rows
        out["hnsw"] = hnsw

    with open(args.out, "w") as f:
        json.dump(out, f)


if __name__ == "__main__":
    main()
