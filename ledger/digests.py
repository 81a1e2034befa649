"""SM3 (国密 hash), for the history chain and SM2 signatures when a bureau chooses 国密."""

from __future__ import annotations


def sm3_hex(data: bytes) -> str:
    from gmssl import func, sm3

    return str(sm3.sm3_hash(func.bytes_to_list(data)))
