#!/usr/bin/env python3
"""Anchor for `hive bench aggregate`: times Flower's aggregation functions on the arrays the
Swift benchmark wrote, single-threaded, and writes Flower's results back for the correctness
check.

Input directory (written by the Swift side):
    updates.f32   n × d little-endian float32, row-major
    meta.json     {"n", "d", "weights": [int], "num_malicious", "to_keep", "beta", "repeats"}
Output (into the same directory): flower_<rule>.f32 and, on stdout, JSON
    {"flwr_version", "numpy_version", "seconds": {"mean": median_s, ...}}
"""
import json
import os
import sys
import time

# One thread, like the Swift side (numpy's BLAS is not used by these functions, but be explicit).
for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(var, "1")

import numpy as np  # noqa: E402
import flwr  # noqa: E402
from flwr.server.strategy.aggregate import (  # noqa: E402
    aggregate,
    aggregate_krum,
    aggregate_median,
    aggregate_trimmed_avg,
)


def main():
    directory = sys.argv[1]
    with open(os.path.join(directory, "meta.json")) as f:
        meta = json.load(f)
    n, d = meta["n"], meta["d"]
    matrix = np.fromfile(os.path.join(directory, "updates.f32"), dtype="<f4")
    if matrix.size != n * d:
        raise SystemExit(f"updates.f32 holds {matrix.size} values, expected {n} × {d}")
    matrix = matrix.reshape(n, d)
    results = [([matrix[i].copy()], int(meta["weights"][i])) for i in range(n)]
    f, keep, beta, repeats = meta["num_malicious"], meta["to_keep"], meta["beta"], meta["repeats"]

    rules = {
        "mean": lambda: aggregate(results),
        "median": lambda: aggregate_median(results),
        "trimmed_mean": lambda: aggregate_trimmed_avg(results, beta),
        "krum": lambda: aggregate_krum(results, f, 0),
        "multi_krum": lambda: aggregate_krum(results, f, keep),
    }
    seconds = {}
    for name, rule in rules.items():
        times = []
        out = None
        for _ in range(repeats):
            start = time.perf_counter()
            out = rule()
            times.append(time.perf_counter() - start)
        seconds[name] = float(np.median(times))
        np.asarray(out[0], dtype="<f4").ravel().tofile(os.path.join(directory, f"flower_{name}.f32"))
    json.dump({"flwr_version": flwr.__version__, "numpy_version": np.__version__, "seconds": seconds}, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
