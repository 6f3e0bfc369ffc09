#!/usr/bin/env python3
"""Checks an Emend log export, and what the server says about it, without any of Emend's code.

Usage: python3 scripts/verify_log.py LOG.ndjson [--checkpoint CHECKPOINT --key KEY]
                                     [--inclusion PROOF]... [--consistency FROM TO PROOF]...

LOG.ndjson is `emend log export` (or - for standard input). CHECKPOINT, KEY and PROOF are JSON files, or the URLs
of a running server that answer with them: /api/checkpoints/latest, /api/checkpoints/key,
/api/log/SEQ/proof?treeSize=N and /api/checkpoints/consistency?from=FROM&to=TO.

The chain (DESIGN §2): canonical(e) = JSON of {actor, data, id, recordedAt, seq, stream, streamVersion, type} with
keys sorted, no whitespace, non-ASCII unescaped; hash(e) = SHA-256(prevHash || canonical(e)); prevHash of seq 1 =
32 zero bytes.
The tree (RFC 6962 §2.1): leaf = SHA-256(0x00 || the event's hash bytes), node = SHA-256(0x01 || left || right),
over events 1..n in seq order, split at the largest power of two smaller than n. A checkpoint is an Ed25519
signature over "emend-checkpoint/v1\\n<treeSize>\\n<rootHash hex>\\n<timestamp>\\n"; checking it needs the Python
package cryptography (Debian: python3-cryptography).

Exits 0 and prints a one-line summary when all holds; exits 1 naming the first thing that does not otherwise.
"""
import argparse
import hashlib
import json
import sys
import urllib.request

FIELDS = ("actor", "data", "id", "recordedAt", "seq", "stream", "streamVersion", "type")


class Failure(Exception):
    pass


def sha256(data):
    return hashlib.sha256(data).digest()


def leaf_hash(data):
    return sha256(b"\x00" + data)


def node_hash(left, right):
    return sha256(b"\x01" + left + right)


def root_of(stack):
    """The root of a tree kept as its frontier: the roots of its perfect subtrees, largest first."""
    if not stack:
        return sha256(b"")
    root = stack[-1]
    for left in reversed(stack[:-1]):
        root = node_hash(left, root)
    return root


def root_from_inclusion_proof(leaf, index, size, path):
    """RFC 9162 §2.1.3.2; None when the path cannot be one of leaf `index` in a tree of `size`."""
    if not 0 <= index < size:
        return None
    fn, sn, r = index, size - 1, leaf
    for p in path:
        if sn == 0:
            return None
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return r if sn == 0 else None


def consistency_holds(first, second, first_root, second_root, path):
    """RFC 9162 §2.1.4.2, for 0 < first <= second."""
    if not 0 < first <= second:
        return False
    if first == second:
        return not path and first_root == second_root
    if not path:
        return False
    if first & (first - 1) == 0:
        path = [first_root] + path
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return sn == 0 and fr == first_root and sr == second_root


def load_json(source):
    try:
        if source.startswith(("http://", "https://")):
            with urllib.request.urlopen(source, timeout=60) as response:
                return json.load(response)
        with open(source, encoding="utf-8") as file:
            return json.load(file)
    except (OSError, ValueError) as error:
        raise Failure(f"cannot read {source}: {error}")


def hashes(values, what):
    try:
        result = [bytes.fromhex(value) for value in values]
    except (TypeError, ValueError):
        raise Failure(f"{what} holds something other than hex hashes")
    if any(len(value) != 32 for value in result):
        raise Failure(f"{what} holds a hash that is not 32 bytes")
    return result


def read_log(path, sizes, seqs):
    """Checks the chain; returns the number of events, the last hash, the roots of the trees of `sizes` events and
    the leaves of the events `seqs`, all in the one pass."""
    stream = sys.stdin if path == "-" else open(path, encoding="utf-8")
    previous = bytes(32)
    count = 0
    stack, roots, leaves = [], {}, {}
    for number, line in enumerate(stream, 1):
        if not line.strip():
            continue
        event = json.loads(line)
        seq = event.get("seq")
        if seq != count + 1:
            raise Failure(f"line {number}: seq {seq}, expected {count + 1}")
        if event.get("prevHash") != previous.hex():
            raise Failure(f"seq {seq}: prevHash does not match the hash of seq {seq - 1}")
        canonical = json.dumps({k: event[k] for k in FIELDS}, sort_keys=True, separators=(",", ":"),
                               ensure_ascii=False).encode("utf-8")
        digest = sha256(previous + canonical)
        if digest.hex() != event.get("hash"):
            raise Failure(f"seq {seq}: hash does not match the event")
        previous = digest
        count = seq
        # The tree grows by the new leaf: each set low bit of the old size is a subtree as wide to join with.
        node, width = leaf_hash(digest), 1
        while (count - 1) & width:
            node = node_hash(stack.pop(), node)
            width <<= 1
        stack.append(node)
        if count in sizes:
            roots[count] = root_of(stack)
        if count in seqs:
            leaves[count] = leaf_hash(digest)
    return count, previous, roots, leaves


def check_signature(checkpoint, key):
    try:
        from cryptography.exceptions import InvalidSignature
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
    except ImportError:
        raise Failure("checking a signature needs the Python package cryptography "
                      "(apt install python3-cryptography, or pip install cryptography)")
    message = (f"emend-checkpoint/v1\n{checkpoint['treeSize']}\n{checkpoint['rootHash']}\n"
               f"{checkpoint['timestamp']}\n").encode("utf-8")
    try:
        Ed25519PublicKey.from_public_bytes(bytes.fromhex(key["publicKey"])).verify(
            bytes.fromhex(checkpoint["signature"]), message)
    except (InvalidSignature, ValueError, KeyError, TypeError):
        raise Failure(f"the signature of the checkpoint of {checkpoint['treeSize']} events does not verify with the key")


def main(arguments):
    checkpoint = load_json(arguments.checkpoint) if arguments.checkpoint else None
    key = load_json(arguments.key) if arguments.key else None
    inclusions = [(source, load_json(source)) for source in arguments.inclusion]
    try:
        consistencies = [(int(first), int(second), source, load_json(source))
                         for first, second, source in arguments.consistency]
    except ValueError:
        raise Failure("--consistency takes FROM TO PROOF, the sizes as whole numbers")
    try:
        sizes = {proof["treeSize"] for _, proof in inclusions}
        sizes |= {size for first, second, _, _ in consistencies for size in (first, second)}
        seqs = {proof["leafIndex"] + 1 for _, proof in inclusions}
        if checkpoint:
            sizes.add(checkpoint["treeSize"])
    except (KeyError, TypeError):
        raise Failure("an inclusion proof needs leafIndex and treeSize; a checkpoint, treeSize")

    count, last, roots, leaves = read_log(arguments.log, sizes, seqs)
    summary = [f"OK: {count} events, last hash {last.hex()}"]

    def root(size, what):
        if size not in roots:
            raise Failure(f"the log has {count} events but {what} covers {size}")
        return roots[size]

    if checkpoint:
        size = checkpoint["treeSize"]
        signed = hashes([checkpoint.get("rootHash")], "the checkpoint's rootHash")[0]
        if root(size, "the checkpoint") != signed:
            raise Failure(f"the checkpoint of {size} events signed the root {signed.hex()}, "
                          f"but the log's first {size} events give {roots[size].hex()}")
        check_signature(checkpoint, key)
        summary.append(f"checkpoint of {size} events signed by {key['publicKey']}, root {signed.hex()}")
    for source, proof in inclusions:
        index, size = proof["leafIndex"], proof["treeSize"]
        path = hashes(proof.get("auditPath"), f"the inclusion proof {source}")
        expected = root(size, f"the proof {source}")
        if root_from_inclusion_proof(leaves.get(index + 1), index, size, path) != expected:
            raise Failure(f"the inclusion proof of seq {index + 1} in the tree of {size} events does not lead to its root")
    for first, second, source, proof in consistencies:
        path = hashes(proof.get("proof"), f"the consistency proof {source}")
        if not consistency_holds(first, second, root(first, f"the proof {source}"), root(second, f"the proof {source}"),
                                 path):
            raise Failure(f"the consistency proof from {first} to {second} events does not hold between their roots")
    if inclusions or consistencies:
        summary.append(f"{len(inclusions)} inclusion and {len(consistencies)} consistency proofs hold")
    print("; ".join(summary))
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("log", help="the NDJSON export, or - for standard input")
    parser.add_argument("--checkpoint", help="a checkpoint's JSON: a file, or a URL such as .../api/checkpoints/latest")
    parser.add_argument("--key", help="the checkpoint key's JSON: a file, or .../api/checkpoints/key")
    parser.add_argument("--inclusion", action="append", default=[], metavar="PROOF",
                        help="an inclusion proof's JSON: a file, or .../api/log/SEQ/proof?treeSize=N")
    parser.add_argument("--consistency", action="append", default=[], nargs=3, metavar=("FROM", "TO", "PROOF"),
                        help="a consistency proof's JSON between the trees of FROM and TO events: a file, or "
                             ".../api/checkpoints/consistency?from=FROM&to=TO")
    arguments = parser.parse_args()
    if arguments.checkpoint and not arguments.key:
        parser.error("--checkpoint needs --key, to check its signature")
    try:
        sys.exit(main(arguments))
    except Failure as failure:
        print(f"FAILED: {failure}")
        sys.exit(1)
