#!/usr/bin/env python3
"""Independent reference frames for phy/frame (not produced by our Go code).

Builds frames from the wire format of phy/frame/doc.go with struct.pack and
zlib.crc32 (IEEE 802.3 CRC-32) and prints one JSON object per line:
{"name", "version", "type", "key_id", "seq", "payload_hex", "frame_hex"}.
Run: python3 make_reference.py > reference_v1.jsonl
"""
import json, struct, zlib

cases = [
    ("empty", 1, 1, 0, 0, b""),
    ("hello", 1, 1, 7, 1, b"hello"),
    ("ciphertext", 1, 2, 0xBEEF, 0xDEADBEEF, bytes(range(256))),
    ("key", 1, 4, 65535, 4294967295, b"\x00" * 33),
]
for name, ver, typ, kid, seq, payload in cases:
    body = struct.pack(">BBHIH", ver, typ, kid, seq, len(payload)) + payload
    frame = body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)
    print(json.dumps({"name": name, "version": ver, "type": typ, "key_id": kid, "seq": seq,
                      "payload_hex": payload.hex(), "frame_hex": frame.hex()}))
