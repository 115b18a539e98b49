#!/usr/bin/env python3
"""Writes seed corpora for the libFuzzer targets (scripts/fuzz/run.sh): small, valid inputs of each
format generated here (no copied data), so the fuzzers start from the accepted paths.

    seeds.py DIR   → DIR/<target>/seed-*
"""
import base64
import hashlib
import json
import os
import struct
import sys

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat


def canonical(value):
    # Equal to RFC 8785 for the values used here (ASCII keys, integers, short decimals).
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def write(directory, name, data):
    os.makedirs(directory, exist_ok=True)
    with open(os.path.join(directory, name), "wb") as handle:
        handle.write(data)


def envelope_seeds(out):
    key = Ed25519PrivateKey.from_private_bytes(bytes([7]) * 32)  # the fuzz target's fixed signer
    public = key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    node = base64.b32encode(hashlib.sha256(public).digest()).decode().lower().rstrip("=")[:26]
    stamp = "%016x-%s" % ((1_700_000_000_000 << 16) | 3, node)
    payloads = {
        "pattern.v1": {
            "id": "p1", "task_type": "preference", "approach": "Similar to recent 5-star rated content",
            "tags": ["drama"], "context": {"genres": ["drama"], "mood": "calm"}, "alpha": 3, "beta": 1,
            "origin": "local", "provenance": [], "stamp": stamp,
        },
        "skill-trace.v1": {
            "trace_id": "t1", "intent": "find a thriller for tonight",
            "reasoning_path": [{"step": 1, "action": "look up the schedule"}], "result": "done",
            "confidence": 0.9, "verification_score": 0.8, "lineage": [], "created_at": "2026-11-21T12:00:00Z",
            "instance_id": "twin-1",
        },
        "episode.v1": {
            "id": "e1", "session_id": "s1", "task": "recommend", "input": "something funny", "output": "m42",
            "reward": 1, "success": True, "critique": "", "latency_ms": 12, "tags": ["comedy"], "stamp": stamp,
        },
        "model-update.v1": {
            "twin_id": "twin-1", "base_version": 0, "rank": 2, "interaction_count": 5,
            "rows": [{"item": 3, "factors": [0.5, -0.25], "bias": 0.125}],
        },
        "vote.v1": {"subject": "x", "verdict": "safe", "voter": node},
    }
    kinds = ["pattern.v1", "skill-trace.v1", "model-update.v1", "episode.v1", "vote.v1", "snapshot-diff.v1"]
    directory = os.path.join(out, "envelope")
    for index, (kind, record) in enumerate(payloads.items()):
        payload = canonical(record)
        message = b"hive.envelope.v1\0" + kind.encode() + b"\0" + stamp.encode() + b"\0" + payload
        wire = {
            "kind": kind, "payload": base64.b64encode(payload).decode(), "signer": public.hex(),
            "signature": base64.b64encode(key.sign(message)).decode(), "stamp": stamp,
        }
        # Byte 0 even: wire JSON; odd: a payload the harness signs as kinds[byte >> 1].
        write(directory, f"wire-{index}", b"\x00" + json.dumps(wire).encode())
        write(directory, f"payload-{index}", bytes([kinds.index(kind) * 2 + 1]) + payload)


def canonical_json_seeds(out):
    directory = os.path.join(out, "canonical-json")
    documents = [
        '{"b":[1,2.5,-0,1e21,1e-7,"x\\u0001"],"a":null,"\\u00e9":true}',
        '[{"z":{"y":[[],{}]}}, 123456789012345678901234567890, 0.1, -1.5e-300]',
        '"\\ud83d\\ude00 \\"quoted\\" \\\\ tab\\t"',
        '{"\\u20ac":1,"\\r":2,"\\ud800\\udc00":3,"a":{"aa":[true,false,null]}}',
        '  [ 4.50 , 2e+00 , 0.000001 , 999999999999999999999 ]  ',
    ]
    for index, text in enumerate(documents):
        write(directory, f"seed-{index}", text.encode())


def safetensors_file(tensors, metadata=None):
    header, data = {}, b""
    for name, (dtype, shape, raw) in tensors.items():
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [len(data), len(data) + len(raw)]}
        data += raw
    if metadata is not None:
        header["__metadata__"] = metadata
    text = json.dumps(header).encode()
    return struct.pack("<Q", len(text)) + text + data


def safetensors_seeds(out):
    directory = os.path.join(out, "safetensors")
    floats = lambda *values: struct.pack("<%df" % len(values), *values)
    write(directory, "seed-0", safetensors_file({
        "w": ("F32", [2, 3], floats(1, 2, 3, 4, 5, 6)), "b": ("F32", [3], floats(0.5, -0.5, 0)),
    }, {"format": "pt"}))
    write(directory, "seed-1", safetensors_file({
        "h": ("F16", [2], b"\x00\x3c\x00\xc0"), "i": ("I64", [1], struct.pack("<q", -7)), "e": ("F32", [0], b""),
    }))
    write(directory, "seed-2", safetensors_file({"nan": ("F32", [1], floats(float("nan")))}))


def movielens_seeds(out):
    directory = os.path.join(out, "movielens")
    flags = lambda *on: "|".join("1" if index in on else "0" for index in range(19))
    items = (f"1|Toy Story (1995)|01-Jan-1995||http://example.invalid/1|{flags(3, 4, 5)}\n"
             f"2|GoldenEye (1995)|01-Jan-1995||http://example.invalid/2|{flags(1, 2, 16)}\n")
    ratings = "196\t1\t3\t881250949\n186\t2\t5\t891717742\r\n196\t2\t1\t881251000\n"
    write(directory, "seed-100k", b"\x00" + items.encode() + b"\0" + ratings.encode())
    write(directory, "seed-100k-latin1", b"\x00" + "3|Caf\xe9 (1996)|||x|".encode("latin-1")
          + flags(8).encode() + b"\n\0" + b"1\t3\t4\t1\n")
    movies = "1::Toy Story (1995)::Animation|Children's|Comedy\n2::Jumanji (1995)::Adventure\n"
    write(directory, "seed-1m", b"\x01" + movies.encode() + b"\0" + b"1::1::5::978300760\n2::2::3::978302109\n")


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: seeds.py DIR")
    out = sys.argv[1]
    envelope_seeds(out)
    canonical_json_seeds(out)
    safetensors_seeds(out)
    movielens_seeds(out)


if __name__ == "__main__":
    main()
