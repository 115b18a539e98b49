#!/usr/bin/env python3
"""Cross-check for `hive bench recsys`'s personalisation figure with a library model.

Trains `implicit` ALS on the leave-one-out training data of ML-100K (latest interaction held
out, ties by larger item id; 99 negatives sampled here with numpy, so not the Swift split's),
then folds in users from only 10 of their training interactions (closed-form least squares
against the fixed item factors, the ALS user step) and reports HR@10 relative to the
full-history users:
  - the *first* 10 interactions (the issue's "personalisation within 10 interactions"),
  - the same blended with popularity / genre priors,
  - the *latest* 10 interactions.
If the latest 10 match full history while the first 10 do not, the gap is taste drift between a
user's first and last interactions, not too few interactions.

Usage: scripts/experiments/recsys_coldstart.py /work/shared/data/ml-100k
"""
import os, sys
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
import numpy as np
import scipy.sparse as sp
from implicit.als import AlternatingLeastSquares


def main(directory):
    rng = np.random.default_rng(1)
    data = np.loadtxt(os.path.join(directory, "u.data"), dtype=np.int64)
    users, items = int(data[:, 0].max()), int(data[:, 1].max())
    history = {}
    for u, i, _, t in data:
        history.setdefault(u - 1, []).append((t, i - 1))
    genres = []
    with open(os.path.join(directory, "u.item"), encoding="latin-1") as f:
        for line in f:
            genres.append([float(x) for x in line.rstrip("\n").split("|")[5:24]])
    g = np.array(genres)
    g /= np.maximum(np.linalg.norm(g, axis=1, keepdims=True), 1e-9)
    train, tests = [], []
    for u in range(users):
        h = sorted(history[u])
        train.append([i for _, i in h[:-1]])
        seen, negatives = {i for _, i in h}, []
        while len(negatives) < 99:
            j = int(rng.integers(items))
            if j not in seen and j not in negatives:
                negatives.append(j)
        tests.append((u, h[-1][1], negatives))
    rows = [u for u in range(users) for _ in train[u]]
    cols = [i for u in range(users) for i in train[u]]
    matrix = sp.csr_matrix((np.ones(len(rows), dtype=np.float32), (rows, cols)), shape=(users, items))

    def hit_rate(score):
        hits = 0
        for u, held, negatives in tests:
            s = score(u, np.array([held] + negatives))
            rank = np.sum(s[1:] > s[0]) + np.sum(s[1:] == s[0]) / 2
            hits += rank < 10
        return hits / len(tests)

    alpha, lam = 10.0, 0.05
    als = AlternatingLeastSquares(factors=32, regularization=lam, iterations=15, alpha=alpha, random_state=1)
    als.fit(matrix, show_progress=False)
    uf, vf = np.asarray(als.user_factors), np.asarray(als.item_factors)
    gram = vf.T @ vf

    def fold_in(chosen):
        v = vf[chosen]
        return np.linalg.solve(gram + alpha * v.T @ v + lam * np.eye(vf.shape[1]), (1 + alpha) * v.sum(0))

    def z(x):
        return (x - x.mean()) / (x.std() + 1e-9)

    full = hit_rate(lambda u, c: vf[c] @ uf[u])
    print(f"full history            HR@10 {full:.3f}")
    first = {u: fold_in(train[u][:10]) for u in range(users)}
    latest = {u: fold_in(train[u][-10:]) for u in range(users)}
    popularity = z(np.log1p(np.asarray(matrix.sum(0)).ravel()))
    for name, score in [
        ("first 10", lambda u, c: vf[c] @ first[u]),
        ("first 10 + popularity", lambda u, c: z(vf @ first[u])[c] + popularity[c]),
        ("first 10 + pop. + genres", lambda u, c: z(vf @ first[u])[c] + 0.5 * popularity[c] + 0.1 * z(g @ g[train[u][:10]].sum(0))[c]),
        ("latest 10", lambda u, c: vf[c] @ latest[u]),
    ]:
        hr = hit_rate(score)
        print(f"{name:24s}HR@10 {hr:.3f} = {hr / full:.2f}x full history")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "/work/shared/data/ml-100k")
