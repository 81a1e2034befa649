"""Signed decisions: every user's key pair, and the signatures of submissions, approvals,
returns and reopenings.

A user's key pair is made when the user is created (or at the first login after this feature
came, or after the ledger switched algorithm). The private half is stored sealed: AES-256-GCM
under a key derived from the password by argon2id with the password hash's own memory-hard
parameters, so only the person who knows the password can sign. Once unlocked (at login, or
when the user is created in this session) it lives only in the memory of this process
(``Desk.keys``); the command line unlocks it from ``--user``/``--password`` the same way.

Each key is also written into the history (entity ``key``, its public half in ``after``), and a
signature is checked against that entry, not against the key table: a public key swapped in the
table is itself named. A signature covers the history link (the previous entry's hash), the
entry's own hash and the digest of the record's canonical content.

The default is Ed25519 with SHA-256 (``cryptography``); a bureau bound to China's commercial
cryptography (国密) chooses SM2 signatures with an SM3 chain (``gmssl``). The algorithm is kept
with every key, signature and history entry, so a ledger can switch going forward.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from argon2.low_level import Type, hash_secret_raw
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from ledger import auth
from ledger.desk import CRYPTO_SETTING, Desk
from ledger.errors import PermissionDenied
from ledger.history import VerifyResult, canonical
from ledger.i18n import tr
from ledger.models import HistoryRow, SettingRow, SignatureRow, UserKeyRow
from ledger.records import User

SIGNED_ACTIONS = ("submit", "approve", "return", "reopen", "plan_approve", "withdraw", "void")
ED25519, SM2 = "ed25519", "sm2"
KEY_REASONS = {
    "created": "新用户",
    "first_login": "首次登录生成",
    "password_reset": "管理员重置密码",
    "password": "本人修改密码",
    "algorithm": "改用新算法",
}


# ---------------------------------------------------------------------------- primitives
def generate(algo: str) -> tuple[str, bytes]:
    """A new key pair: (public key as hex, private key bytes)."""
    if algo == SM2:
        from gmssl import sm2

        n = int(sm2.default_ecc_table["n"], 16)
        d = secrets.randbelow(n - 2) + 1
        private = f"{d:064x}"
        public = sm2.CryptSM2(private_key=private, public_key="")._kg(d, sm2.default_ecc_table["g"])
        return public, bytes.fromhex(private)
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    key = Ed25519PrivateKey.generate()
    return key.public_key().public_bytes_raw().hex(), key.private_bytes_raw()


def _sm2(private: str, public: str) -> Any:
    """gmssl's SM2 key with ``public`` as given: its constructor takes a leading "04" for the
    uncompressed-point prefix and strips it with ``lstrip("04")`` — every leading 0 and 4 — so a
    public key that itself begins with "04" (one key in 256) signed and was checked against a
    wrong point and never verified."""
    from gmssl import sm2

    key = sm2.CryptSM2(private_key=private, public_key="")
    key.public_key = public
    return key


def sign_bytes(algo: str, private: bytes, public: str, message: bytes) -> str:
    if algo == SM2:
        return _sm2(private.hex(), public).sign_with_sm3(message)  # type: ignore[no-any-return]
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    return Ed25519PrivateKey.from_private_bytes(private).sign(message).hex()


class Checker:
    """Checks signatures, loading each public key once (a ledger has few keys, many signatures)."""

    def __init__(self) -> None:
        self._loaded: dict[tuple[str, str], Any] = {}

    def ok(self, algo: str, public: str, message: bytes, signature: str) -> bool:
        try:
            key = self._loaded.get((algo, public))
            if key is None:
                key = self._loaded[(algo, public)] = _public_key(algo, public)
            if algo == SM2:
                return bool(key.verify_with_sm3(signature, message))
            key.verify(bytes.fromhex(signature), message)
            return True
        except Exception:  # any malformed key or signature simply "does not match"
            return False


def _public_key(algo: str, public: str) -> Any:
    if algo == SM2:
        if len(public) != 128:
            raise ValueError(public)
        return _sm2("", public)
    if algo != ED25519:
        raise ValueError(algo)
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    return Ed25519PublicKey.from_public_bytes(bytes.fromhex(public))


def _derive(password: str, salt: bytes, t: int, m: int, p: int) -> bytes:
    return hash_secret_raw(password.encode("utf-8"), salt, t, m, p, 32, Type.ID)


def seal(private: bytes, password: str, username: str) -> str:
    """The private key encrypted under the password (argon2id → AES-256-GCM), as JSON text."""
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    h = auth._hasher  # the same memory-hard parameters as the password hash
    salt, nonce = secrets.token_bytes(16), secrets.token_bytes(12)
    params = {"t": h.time_cost, "m": h.memory_cost, "p": h.parallelism}
    key = _derive(password, salt, params["t"], params["m"], params["p"])
    sealed = AESGCM(key).encrypt(nonce, private, username.encode("utf-8"))
    return json.dumps(
        {"kdf": "argon2id", **params, "salt": salt.hex(), "nonce": nonce.hex(), "ct": sealed.hex()}
    )


def unseal(text: str, password: str, username: str) -> bytes | None:
    """The private key, or None when the password (or the stored text) does not open it."""
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    try:
        data = json.loads(text)
        key = _derive(password, bytes.fromhex(data["salt"]), int(data["t"]), int(data["m"]), int(data["p"]))
        return AESGCM(key).decrypt(
            bytes.fromhex(data["nonce"]), bytes.fromhex(data["ct"]), username.encode("utf-8")
        )
    except (InvalidTag, ValueError, KeyError, TypeError):
        return None


def message(prev_hash: str, entry_hash: str, username: str, action: str, ref: str) -> bytes:
    """What a signature covers: the history link (the previous entry's hash) and the entry's own
    hash, which is the digest of the record's canonical content before and after with who, when
    and what (history._entry_hash; SM3 under 国密); the chain check recomputes it from the
    content, so content, link and signature are bound together. The content itself is not read
    again here: at a million receptions that would double what ``verify`` reads."""
    return canonical([prev_hash, entry_hash, username, action, ref]).encode("utf-8")


# ---------------------------------------------------------------------------- keys of users
@dataclass(frozen=True)
class Unlocked:
    key_id: int
    algo: str
    public: str
    private: bytes


def key_algo(s: Session) -> str:
    row = s.get(SettingRow, CRYPTO_SETTING)
    return SM2 if row is not None and row.value == "gm" else ED25519


def active_key(s: Session, username: str) -> UserKeyRow | None:
    return s.scalars(
        select(UserKeyRow)
        .where(UserKeyRow.username == username, UserKeyRow.active.is_(True))
        .order_by(UserKeyRow.id.desc())
        .limit(1)
    ).first()


def create_key(desk: Desk, s: Session, username: str, password: str, reason: str, *, actor: str) -> Unlocked:
    """A new key pair for ``username`` (the previous one retired), recorded in the history."""
    algo = key_algo(s)
    public, private = generate(algo)
    s.execute(update(UserKeyRow).where(UserKeyRow.username == username).values(active=False))
    row = UserKeyRow(
        username=username,
        algo=algo,
        public_key=public,
        sealed_private=seal(private, password, username),
        reason=reason,
        active=True,
        created_at=desk.clock(),
    )
    s.add(row)
    s.flush()
    desk.log(
        s,
        username=actor,
        action="key",
        entity="key",
        entity_id=row.id,
        ref=username,
        after={"username": username, "algo": algo, "public_key": public, "reason": reason},
        comment=tr(KEY_REASONS.get(reason, reason)),
    )
    unlocked = Unlocked(row.id, algo, public, private)
    desk.keys[username] = unlocked
    return unlocked


def unlock_at_login(desk: Desk, username: str, password: str, wait: Callable[[], bool] | None = None) -> None:
    """After a right password: open this user's key into the session, making one first when
    the user has none yet (or the ledger switched algorithm). A read-only ledger that cannot
    store a new key (or one another process is writing to) leaves the user without one this
    session: nothing can be signed there anyway, and signing later asks to log in again.
    With ``wait``, a new key waits for another desk's write that way (``when_free``); a user
    who stops waiting is not logged in (``StoppedWaiting``)."""
    from ledger.db import DatabaseError, StoppedWaiting, when_free

    with desk.db.read() as s:
        row = active_key(s, username)
        wanted = key_algo(s)
        if row is not None and row.algo == wanted:
            private = unseal(row.sealed_private, password, username)
            if private is not None:
                desk.keys[username] = Unlocked(row.id, row.algo, row.public_key, private)
                return
    reason = "first_login" if row is None else "algorithm" if row.algo != wanted else "password"

    def store() -> None:
        with desk.db.write() as s:
            create_key(desk, s, username, password, reason, actor=username)

    try:
        store() if wait is None else when_free(store, wait, desk.db.at_once)
    except StoppedWaiting:
        raise
    except DatabaseError:  # read-only, or another writer holds the ledger: no key this session
        desk.keys.pop(username, None)


def password_changed(
    desk: Desk, s: Session, username: str, new_password: str, *, actor: str, own: bool
) -> None:
    """A user's own new password re-seals the same key (when it is unlocked in this session);
    an administrator's reset makes a new key, recorded as such."""
    unlocked = desk.keys.get(username)
    row = active_key(s, username)
    if own and unlocked is not None and row is not None and row.id == unlocked.key_id:
        row.sealed_private = seal(unlocked.private, new_password, username)
        return
    create_key(desk, s, username, new_password, "password" if own else "password_reset", actor=actor)


def sign_entry(desk: Desk, s: Session, entry: HistoryRow, actor: User) -> None:
    """Sign a decision just written to the history with the actor's unlocked key."""
    if entry.action not in SIGNED_ACTIONS:
        return
    unlocked = desk.keys.get(actor.username)
    row = active_key(s, actor.username)
    if unlocked is None or row is None or row.id != unlocked.key_id:
        raise PermissionDenied(
            tr("{who}的签名密钥未解锁（或已被更换），请重新登录后再操作").format(who=actor.label)
        )
    text = message(entry.prev_hash, entry.hash, entry.username, entry.action, entry.ref)
    s.add(
        SignatureRow(
            history_id=entry.id,
            key_id=unlocked.key_id,
            algo=unlocked.algo,
            signature=sign_bytes(unlocked.algo, unlocked.private, unlocked.public, text),
        )
    )


def sign_as(desk: Desk, s: Session, username: str, data: bytes) -> tuple[int, str, str, str]:
    """Sign arbitrary bytes (an archive's manifest): key id, algorithm, public key, signature."""
    unlocked = desk.keys.get(username)
    row = active_key(s, username)
    if unlocked is None or row is None or row.id != unlocked.key_id:
        raise PermissionDenied(tr("签名密钥未解锁，请重新登录后再操作"))
    return (
        unlocked.key_id,
        unlocked.algo,
        unlocked.public,
        sign_bytes(unlocked.algo, unlocked.private, unlocked.public, data),
    )


# ---------------------------------------------------------------------------- verification
@dataclass
class KeyEntry:
    entry_id: int
    key_id: int
    username: str
    algo: str
    public: str


def key_entries(s: Session) -> list[KeyEntry]:
    out = []
    for row in s.scalars(select(HistoryRow).where(HistoryRow.entity == "key").order_by(HistoryRow.id)):
        try:
            data = json.loads(row.after)
            out.append(
                KeyEntry(row.id, int(row.entity_id or 0), data["username"], data["algo"], data["public_key"])
            )
        except (ValueError, KeyError, TypeError):
            continue  # an altered entry: the chain check names it
    return out


def signature_problem(
    keys: dict[int, KeyEntry],
    by_user: dict[str, list[KeyEntry]],
    checker: Checker,
    entry: dict[str, Any],
    signature: dict[str, Any] | None,
) -> str | None:
    """Why this signed action's signature fails, "" when it was made before its user had a
    key (unsigned history from before signing), None when it is good. Shared with archives."""
    where = tr("历史记录第 {id} 条（{at}，{user}，{action}{ref}）").format(
        id=entry["id"],
        at=entry["at"],
        user=entry["username"],
        action=entry["action"],
        ref=f"，{entry['ref']}" if entry["ref"] else "",
    )
    own = [k for k in by_user.get(entry["username"], []) if k.entry_id < entry["id"]]
    if signature is None:
        if not own:
            return ""
        return tr("{where}：缺少签名（签名被删除）").format(where=where)
    key = keys.get(int(signature["key_id"]))
    if key is None:
        return tr("{where}：签名所用的密钥不在历史记录中（伪造的签名）").format(where=where)
    if key.username != entry["username"]:
        return tr("{where}：签名密钥属于 {other}，不是操作人").format(where=where, other=key.username)
    if key.entry_id > entry["id"]:
        return tr("{where}：签名密钥生成于此记录之后（伪造的签名）").format(where=where)
    if own and own[-1].key_id != key.key_id:
        return tr("{where}：签名所用的密钥此前已被更换（伪造的签名）").format(where=where)
    text = message(entry["prev_hash"], entry["hash"], entry["username"], entry["action"], entry["ref"])
    if signature["algo"] != key.algo or not checker.ok(key.algo, key.public, text, signature["signature"]):
        return tr("{where}：签名不符（记录或签名在程序外被改动）").format(where=where)
    return None


def signature_digest(s: Session, upto_id: int) -> str:
    """One SHA-256 over every stored signature of the entries up to ``upto_id``: remembered with
    the head at a clean verification, it shows at the next one whether any signature already
    checked was changed, added or removed since (then every signature is checked again)."""
    digest = hashlib.sha256()
    stmt = (
        select(SignatureRow.history_id, SignatureRow.key_id, SignatureRow.algo, SignatureRow.signature)
        .where(SignatureRow.history_id <= upto_id)
        .order_by(SignatureRow.history_id)
    )
    for row in s.execute(stmt).yield_per(20000):
        digest.update(f"{row[0]}|{row[1]}|{row[2]}|{row[3]}\n".encode())
    return digest.hexdigest()


def verify_signatures(s: Session, result: VerifyResult, after_id: int = 0) -> None:
    """Check every stored key against its history entry and every signed decision's signature
    (those after ``after_id`` only, see LedgerService.verify); the problems in history order
    (the first failing signature first)."""
    entries = key_entries(s)
    keys = {k.key_id: k for k in entries}
    by_user: dict[str, list[KeyEntry]] = {}
    for k in entries:
        by_user.setdefault(k.username, []).append(k)
    for row in s.scalars(select(UserKeyRow).order_by(UserKeyRow.id)):
        k = keys.get(row.id)
        if k is None or (k.username, k.algo, k.public) != (row.username, row.algo, row.public_key):
            result.problems.append(
                tr("用户 {name} 的公钥（第 {id} 号）与历史记录不符（在程序外被替换）").format(
                    name=row.username, id=row.id
                )
            )
    stored = {r.id for r in s.scalars(select(UserKeyRow))}
    for k in entries:
        if k.key_id not in stored:
            result.problems.append(
                tr("用户 {name} 的公钥（第 {id} 号）已在程序外被删除").format(name=k.username, id=k.key_id)
            )
    checker = Checker()
    unsigned = 0
    h = HistoryRow
    stmt = (  # the short columns only: the chain check has already read (and hashed) the content
        select(
            h.id,
            h.at,
            h.username,
            h.action,
            h.ref,
            h.prev_hash,
            h.hash,
            SignatureRow.key_id,
            SignatureRow.algo,
            SignatureRow.signature,
        )
        .outerjoin(SignatureRow, SignatureRow.history_id == h.id)
        .where(h.action.in_(SIGNED_ACTIONS), h.id > after_id)
        .order_by(h.id)
    )
    for row in s.execute(stmt).yield_per(5000):
        entry = {
            "id": row.id,
            "at": row.at,
            "username": row.username,
            "action": row.action,
            "ref": row.ref,
            "prev_hash": row.prev_hash,
            "hash": row.hash,
        }
        signature = (
            None
            if row.key_id is None
            else {"key_id": row.key_id, "algo": row.algo, "signature": row.signature}
        )
        problem = signature_problem(keys, by_user, checker, entry, signature)
        if problem == "":
            unsigned += 1
        elif problem:
            result.problems.append(problem)
        else:
            result.signatures += 1
    if after_id:  # the decisions up to after_id were checked last time: count them
        total, signed = s.execute(
            select(func.count(h.id), func.count(SignatureRow.history_id))
            .select_from(h)
            .outerjoin(SignatureRow, SignatureRow.history_id == h.id)
            .where(h.action.in_(SIGNED_ACTIONS), h.id <= after_id)
        ).one()
        result.signatures_before = int(signed)
        unsigned += int(total) - int(signed)
    result.unsigned = unsigned
    if unsigned:
        result.warnings.append(
            tr(
                "有 {n} 条审核决定没有签名（早于签名功能，或签名连同密钥记录一起被删除）。"
                "持有账本的人整本重写（重算历史链）时，只有纸上的账本指纹（verify --anchor）、"
                "此前校验过的电脑或年度封存文件能发现"
            ).format(n=unsigned)
        )
