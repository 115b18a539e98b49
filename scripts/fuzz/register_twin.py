#!/usr/bin/env python3
"""Registers a fresh twin with a live hub and prints {"twinID", "accessToken"} as JSON.

The API fuzz run (scripts/fuzz/api.sh) uses it to get a real twin token for twin routes: it does
what a twin does — asks for a challenge, signs "hive.register.v1" ‖ 0 ‖ challenge ‖ 0 ‖ key hex ‖ 0 ‖
user with a new Ed25519 key — so the token is issued by the hub's own registration path.
"""
import base64
import json
import sys
import urllib.request

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat


def post(url, body):
    data = json.dumps(body).encode() if body is not None else b""
    request = urllib.request.Request(url, data=data, method="POST", headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.load(response)


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: register_twin.py HUB_URL")
    hub = sys.argv[1].rstrip("/")
    key = Ed25519PrivateKey.generate()
    public_hex = key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw).hex()
    user = "fuzz-user"
    challenge = post(f"{hub}/api/v1/twins/challenge", None)["challenge"]
    message = b"hive.register.v1\0" + challenge.encode() + b"\0" + public_hex.encode() + b"\0" + user.encode()
    signature = base64.b64encode(key.sign(message)).decode()
    answer = post(f"{hub}/api/v1/twins", {
        "publicKey": public_hex, "userID": user, "metadata": {"role": "fuzz"},
        "challenge": challenge, "signature": signature,
    })
    print(json.dumps({"twinID": answer["twinID"], "accessToken": answer["accessToken"]}))


if __name__ == "__main__":
    main()
