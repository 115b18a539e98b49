#!/usr/bin/env python3
"""Anchor for `hive bench ledger`: pymerkle (an RFC 9162 Merkle tree library) on SQLite.

Measures, on the same machine and run as the Swift side:
  * appends/s with one entry per transaction (SqliteTree.append_entry),
  * appends/s batched (SqliteTree.append_entries, one transaction per batch),
  * inclusion and consistency proof generation time at `--proof-size` entries,
and reports the root at `--proof-size` so the Swift benchmark can check both sides built the
same RFC 9162 tree from the same entries. Entries are b"hive-ledger-bench-%d" % i.
Both databases use WAL journaling, as the hub's store does.

Writes one JSON object to --out.
"""
import argparse
import json
import os
import random
import statistics
import tempfile
import time

from pymerkle import SqliteTree


def entry(i: int) -> bytes:
    return b"hive-ledger-bench-%d" % i


def open_tree(path: str) -> SqliteTree:
    tree = SqliteTree(path)
    tree.con.execute("PRAGMA journal_mode=WAL")
    return tree


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--single", type=int, required=True)
    parser.add_argument("--batched", type=int, required=True)
    parser.add_argument("--batch", type=int, required=True)
    parser.add_argument("--proof-size", type=int, required=True)
    parser.add_argument("--proofs", type=int, required=True)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    result = {"anchor": "pymerkle SqliteTree"}
    with tempfile.TemporaryDirectory() as tmp:
        tree = open_tree(os.path.join(tmp, "single.db"))
        start = time.perf_counter()
        for i in range(args.single):
            tree.append_entry(entry(i))
        result["single_appends_per_s"] = args.single / (time.perf_counter() - start)
        tree.con.close()

        tree = open_tree(os.path.join(tmp, "batched.db"))
        entries = [entry(i) for i in range(args.batched)]
        start = time.perf_counter()
        tree.append_entries(entries, chunksize=args.batch)
        result["batched_appends_per_s"] = args.batched / (time.perf_counter() - start)
        tree.con.close()

        tree = open_tree(os.path.join(tmp, "proofs.db"))
        n = args.proof_size
        start = time.perf_counter()
        tree.append_entries([entry(i) for i in range(n)], chunksize=100_000)
        result["build_seconds"] = time.perf_counter() - start
        result["root_hex"] = tree.get_state(n).hex()
        rng = random.Random(7)
        inclusion = []
        for _ in range(args.proofs):
            index = rng.randrange(n)
            t0 = time.perf_counter()
            tree.prove_inclusion(index + 1, n)
            inclusion.append(time.perf_counter() - t0)
        consistency = []
        for _ in range(args.proofs):
            first = rng.randrange(1, n)
            t0 = time.perf_counter()
            tree.prove_consistency(first, n)
            consistency.append(time.perf_counter() - t0)
        result["inclusion_proof_us_median"] = statistics.median(inclusion) * 1e6
        result["consistency_proof_us_median"] = statistics.median(consistency) * 1e6
        tree.con.close()
    with open(args.out, "w") as fh:
        json.dump(result, fh)


if __name__ == "__main__":
    main()
