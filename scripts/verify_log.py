#!/usr/bin/env python3
"""Checks an Emend log export without any of Emend's code: recomputes every hash of the chain.

Usage: python3 scripts/verify_log.py LOG.ndjson     (or - for standard input)

DESIGN §2: canonical(e) = JSON of {actor, data, id, recordedAt, seq, stream, streamVersion, type} with keys sorted,
no whitespace, non-ASCII unescaped; hash(e) = SHA-256(prevHash || canonical(e)); prevHash of seq 1 = 32 zero bytes.
Exits 0 and prints the count and the last hash when the chain holds; exits 1 naming the first bad seq otherwise.
"""
import hashlib
import json
import sys

FIELDS = ("actor", "data", "id", "recordedAt", "seq", "stream", "streamVersion", "type")


def main(path):
    stream = sys.stdin if path == "-" else open(path, encoding="utf-8")
    previous = bytes(32)
    expected_seq = 1
    for number, line in enumerate(stream, 1):
        if not line.strip():
            continue
        event = json.loads(line)
        seq = event.get("seq")
        if seq != expected_seq:
            return fail(f"line {number}: seq {seq}, expected {expected_seq}")
        if event.get("prevHash") != previous.hex():
            return fail(f"seq {seq}: prevHash does not match the hash of seq {seq - 1}")
        canonical = json.dumps({k: event[k] for k in FIELDS}, sort_keys=True, separators=(",", ":"),
                               ensure_ascii=False).encode("utf-8")
        digest = hashlib.sha256(previous + canonical).digest()
        if digest.hex() != event.get("hash"):
            return fail(f"seq {seq}: hash does not match the event")
        previous = digest
        expected_seq += 1
    print(f"OK: {expected_seq - 1} events, last hash {previous.hex()}")
    return 0


def fail(message):
    print(f"FAILED: {message}")
    return 1


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    sys.exit(main(sys.argv[1]))
