"""Password hashing (argon2id) and the roles a user may hold."""

from __future__ import annotations

import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from ledger.i18n import tr
from ledger.records import Role

_hasher = PasswordHasher()
MIN_PASSWORD_LENGTH = 6
_dummy: tuple[PasswordHasher, str] | None = None


def hash_password(password: str) -> str:
    check_password_strength(password)
    return _hasher.hash(password)


def password_matches(stored_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def dummy_hash() -> str:
    """A hash of an unguessable secret, made by the current hasher (tests swap in a cheap one).

    Checking a password against it costs what checking a real user's costs, so an unknown
    or disabled name answers no faster than a wrong password.
    """
    global _dummy
    if _dummy is None or _dummy[0] is not _hasher:
        _dummy = (_hasher, _hasher.hash(secrets.token_urlsafe(24)))
    return _dummy[1]


def check_password_strength(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValueError(tr("密码至少需要 {n} 个字符").format(n=MIN_PASSWORD_LENGTH))


def parse_roles(text: str) -> frozenset[Role]:
    roles = set()
    for part in text.replace("，", ",").split(","):
        part = part.strip()
        if not part:
            continue
        for role in Role:
            if part in (role.value, role.label):
                roles.add(role)
                break
        else:
            raise ValueError(
                tr("未知角色：{role}（可用：clerk 经办人、approver 分管领导、admin 管理员）").format(
                    role=part
                )
            )
    return frozenset(roles)


def roles_text(roles: frozenset[Role]) -> str:
    return ",".join(r.value for r in Role if r in roles)
