"""What signed decisions cost: signing and checking one signature (Ed25519, SM2), one SM3 chain
link, and the projection to a ledger of 1,000,000 receptions (about two signed decisions each:
the submission and the approval). Prints figures; asserts nothing.

    .venv/bin/python bench/bench_trust.py [--ed25519 20000] [--sm2 200]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ledger import signing  # noqa: E402
from ledger.digests import sm3_hex  # noqa: E402

SIGNED_PER_RECEPTION = 2  # submit + approve
RECEPTIONS = 1_000_000


def _snapshot() -> str:
    """A reception's canonical content of a typical size (about 2 KB)."""
    people = [{"name": f"客人{i}", "unit": "省教育厅督导组", "title": "处长"} for i in range(9)]
    return json.dumps(
        {"visiting_unit": "省教育厅督导组", "people": people, "meals": [{"amount": 31900}]},
        ensure_ascii=False,
    )


def measure(algo: str, n: int) -> tuple[float, float]:
    public, private = signing.generate(algo)
    messages = [
        signing.message(f"{i:064x}", f"{i + 1:064x}", "zhang", "approve", f"JD-2025-{i:04d}")
        for i in range(n)
    ]
    start = time.perf_counter()
    signatures = [signing.sign_bytes(algo, private, public, m) for m in messages]
    sign = (time.perf_counter() - start) / n
    checker = signing.Checker()
    start = time.perf_counter()
    for m, s in zip(messages, signatures, strict=True):
        # what verify does per signed entry: the content digest, the message, the check
        signing.message("0" * 64, "1" * 64, "zhang", "approve", "JD")
        assert checker.ok(algo, public, m, s)
    check = (time.perf_counter() - start) / n
    return sign, check


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--ed25519", type=int, default=20000)
    parser.add_argument("--sm2", type=int, default=200)
    args = parser.parse_args()
    signed = RECEPTIONS * SIGNED_PER_RECEPTION
    for algo, n in (("ed25519", args.ed25519), ("sm2", args.sm2)):
        sign, check = measure(algo, n)
        print(
            f"{algo:8s} sign {sign * 1e3:8.3f} ms   check {check * 1e3:8.3f} ms   "
            f"checking {signed:,} signatures (1M receptions): {check * signed:9.0f} s"
        )
    body = (_snapshot() * 2).encode()
    for name, fn in (("sha256", lambda: hashlib.sha256(body).hexdigest()), ("sm3", lambda: sm3_hex(body))):
        start = time.perf_counter()
        for _ in range(20000):
            fn()
        per = (time.perf_counter() - start) / 20000
        print(f"chain link {name:6s} {per * 1e6:8.1f} µs per {len(body)} bytes")


if __name__ == "__main__":
    main()
