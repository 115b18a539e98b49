#!/usr/bin/env python3
"""Library baseline for `hive bench recsys`: the `implicit` package's BPR and ALS, trained
centrally on the identical leave-one-out split that Swift wrote, scored on the same test cases
(held-out item vs the same 99 negatives) with the same tie rule (expected rank).

Input file: first line "users items"; "t user item" training pairs; "q user heldout neg..." tests.
Prints a JSON list [{"name", "hr10", "ndcg10"}] on stdout.
"""
import argparse, json, math, os, sys

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
import numpy as np
import scipy.sparse as sp
from implicit.bpr import BayesianPersonalizedRanking
from implicit.als import AlternatingLeastSquares


def evaluate(user_factors, item_factors, tests):
    hr = ndcg = 0.0
    for user, held, negs in tests:
        cand = np.array([held] + negs)
        scores = item_factors[cand] @ user_factors[user]
        pos = scores[0]
        above = float(np.sum(scores[1:] > pos)) + float(np.sum(np.isnan(scores[1:])))
        tied = float(np.sum(scores[1:] == pos))
        rank = above + tied / 2
        if rank < 10:
            hr += 1
            ndcg += 1 / math.log2(rank + 2)
    return hr / len(tests), ndcg / len(tests)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("split")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()
    rows, cols, tests = [], [], []
    with open(args.split) as f:
        users, items = map(int, f.readline().split())
        for line in f:
            p = line.split()
            if p[0] == "t":
                rows.append(int(p[1])); cols.append(int(p[2]))
            else:
                tests.append((int(p[1]), int(p[2]), [int(x) for x in p[3:]]))
    matrix = sp.csr_matrix((np.ones(len(rows), dtype=np.float32), (rows, cols)), shape=(users, items))
    seed = args.seed % (2**31)
    out = []
    bpr = BayesianPersonalizedRanking(factors=32, learning_rate=0.05, regularization=0.01,
                                      iterations=50 if args.quick else 200, random_state=seed)
    bpr.fit(matrix, show_progress=False)
    hr, nd = evaluate(np.asarray(bpr.user_factors), np.asarray(bpr.item_factors), tests)
    out.append({"name": "implicit BPR", "hr10": hr, "ndcg10": nd})
    als = AlternatingLeastSquares(factors=32, regularization=0.05, iterations=15, alpha=10.0, random_state=seed)
    als.fit(matrix, show_progress=False)
    hr, nd = evaluate(np.asarray(als.user_factors), np.asarray(als.item_factors), tests)
    out.append({"name": "implicit ALS", "hr10": hr, "ndcg10": nd})
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
