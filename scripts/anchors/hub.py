#!/usr/bin/env python3
"""Anchor for `hive bench hub`: the same ingest work in Python.

Reads envelopes written by the Swift benchmark (JSON lines: id, signer hex, signature base64,
signing message base64, payload base64) and, batch by batch, verifies each Ed25519 signature
(cryptography), parses the payload JSON and stores the envelope with INSERT OR IGNORE in one
SQLite (WAL) transaction per batch — then replays everything to check nothing is stored twice.
Prints one JSON object: rate, counts.
"""
import base64, json, os, sqlite3, sys, tempfile, time

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.exceptions import InvalidSignature


def main():
    path, batch = sys.argv[1], int(sys.argv[2])
    rows = [json.loads(line) for line in open(path)]
    for r in rows:
        r["key"] = Ed25519PublicKey.from_public_bytes(bytes.fromhex(r["signer"]))
        r["sig"] = base64.b64decode(r["signature"])
        r["msg"] = base64.b64decode(r["message"])
        r["payload_bytes"] = base64.b64decode(r["payload"])
    directory = tempfile.mkdtemp()
    db = sqlite3.connect(os.path.join(directory, "anchor.sqlite"), isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    db.execute("CREATE TABLE envelopes (id TEXT PRIMARY KEY, twin_id TEXT, kind TEXT, payload TEXT, signer TEXT,"
               " signature TEXT, received_at INTEGER)")

    def ingest():
        inserted = verified = 0
        for start in range(0, len(rows), batch):
            db.execute("BEGIN")
            for r in rows[start:start + batch]:
                try:
                    r["key"].verify(r["sig"], r["msg"])
                except InvalidSignature:
                    continue
                verified += 1
                json.loads(r["payload_bytes"])
                cur = db.execute("INSERT OR IGNORE INTO envelopes VALUES (?, ?, ?, ?, ?, ?, ?)",
                                 (r["id"], "twin", "pattern.v1", r["payload_bytes"].decode(), r["signer"],
                                  r["signature"], int(time.time() * 1000)))
                inserted += cur.rowcount
            db.execute("COMMIT")
        return verified, inserted

    t0 = time.perf_counter()
    verified, inserted = ingest()
    elapsed = time.perf_counter() - t0
    _, replayed = ingest()
    print(json.dumps({"envelopes_per_s": len(rows) / elapsed, "verified": verified, "inserted": inserted,
                      "replay_inserted": replayed}))


if __name__ == "__main__":
    main()
