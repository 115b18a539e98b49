#!/usr/bin/env python3
"""Chaos check (scripts/chaos.sh): every envelope the load generator saw acknowledged is stored
exactly once — one row in `envelopes` and exactly one `envelope` entry in the ledger — and the
ledger holds no envelope twice and nothing the envelopes table lacks.

usage: chaos_check.py (--sqlite PATH | --postgres URL) ACKS_FILE...
Prints a one-line summary; exits 1 naming the first few problems.
"""
import argparse
import collections
import json
import sqlite3
import subprocess
import sys


def read_sqlite(path):
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    ids = [row[0] for row in db.execute("SELECT id FROM envelopes")]
    entries = [bytes(row[0]).decode() for row in db.execute("SELECT data FROM ledger_entries ORDER BY idx")]
    return ids, entries


def read_postgres(url):
    def query(sql):
        out = subprocess.run(["psql", url, "-At", "-v", "ON_ERROR_STOP=1", "-c", sql], check=True,
                             capture_output=True, text=True).stdout
        return [line for line in out.split("\n") if line]
    ids = query("SELECT id FROM envelopes")
    entries = query("SELECT convert_from(data, 'UTF8') FROM ledger_entries ORDER BY idx")
    return ids, entries


def main():
    parser = argparse.ArgumentParser()
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--sqlite")
    group.add_argument("--postgres")
    parser.add_argument("acks", nargs="+")
    args = parser.parse_args()

    acked = []
    for path in args.acks:
        with open(path) as f:
            acked += [line.strip() for line in f if line.strip()]
    ids, entries = read_sqlite(args.sqlite) if args.sqlite else read_postgres(args.postgres)

    rows = collections.Counter(ids)
    ledger = collections.Counter()
    for text in entries:
        entry = json.loads(text)
        if entry.get("kind") == "envelope":
            ledger[entry["ref"]] += 1

    problems = []
    lost = [i for i in set(acked) if rows[i] == 0]
    problems += [f"acknowledged envelope {i} is not stored" for i in lost[:5]]
    unlogged = [i for i in set(acked) if ledger[i] != 1]
    problems += [f"acknowledged envelope {i} has {ledger[i]} ledger entries" for i in unlogged[:5]]
    twice = [i for i, n in rows.items() if n > 1] + [i for i, n in ledger.items() if n > 1]
    problems += [f"envelope {i} is stored more than once" for i in twice[:5]]
    orphans = [i for i in ledger if rows[i] == 0]
    problems += [f"ledger entry for envelope {i} has no stored envelope" for i in orphans[:5]]
    missing_entries = [i for i in rows if ledger[i] == 0]
    problems += [f"stored envelope {i} has no ledger entry" for i in missing_entries[:5]]

    print(f"chaos check: {len(acked)} acknowledged ({len(set(acked))} distinct), {len(ids)} stored, "
          f"{sum(ledger.values())} envelope ledger entries; lost {len(lost)}, duplicated {len(twice)}, "
          f"ledger mismatches {len(unlogged) + len(orphans) + len(missing_entries)}")
    if len(set(acked)) != len(acked):
        problems.append(f"{len(acked) - len(set(acked))} envelopes were acknowledged twice")
    if problems:
        for p in problems:
            print("  PROBLEM:", p)
        sys.exit(1)


if __name__ == "__main__":
    main()
