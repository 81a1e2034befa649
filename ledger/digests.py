"""SM3 (国密 hash), for the history chain and SM2 signatures when a bureau chooses 国密.

OpenSSL's SM3 (through ``cryptography``) is used: about a thousand times faster than the pure
Python one of ``gmssl``, which stands in only where OpenSSL was built without SM3. Both give
the same digest.
"""

from __future__ import annotations


def sm3_hex(data: bytes) -> str:
    try:
        from cryptography.hazmat.primitives import hashes

        digest = hashes.Hash(hashes.SM3())
        digest.update(data)
        return digest.finalize().hex()
    except Exception:  # UnsupportedAlgorithm: an OpenSSL without SM3
        from gmssl import func, sm3

        return str(sm3.sm3_hash(func.bytes_to_list(data)))
