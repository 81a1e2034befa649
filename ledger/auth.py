"""Password hashing (argon2id) and the roles a user may hold."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from ledger.i18n import tr
from ledger.records import Role

_hasher = PasswordHasher()
MIN_PASSWORD_LENGTH = 6
# after this many wrong passwords in a row, each further try waits longer
FREE_ATTEMPTS = 3
MAX_DELAY_SECONDS = 60


def hash_password(password: str) -> str:
    check_password_strength(password)
    return _hasher.hash(password)


def password_matches(stored_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def check_password_strength(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValueError(tr("密码至少需要 {n} 个字符").format(n=MIN_PASSWORD_LENGTH))


def login_delay(failed_logins: int) -> int:
    """Seconds a user must wait before the next try, after so many failures in a row."""
    if failed_logins < FREE_ATTEMPTS:
        return 0
    return min(2 ** (failed_logins - FREE_ATTEMPTS + 1), MAX_DELAY_SECONDS)


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
