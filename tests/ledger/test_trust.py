"""Trust that outlives whoever holds the database: fingerprints on paper, signed decisions,
a reset password, the 国密 choice and the sealed year (issue 12)."""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime
from pathlib import Path

import pytest

from ledger import history, signing
from ledger.db import Database
from ledger.errors import AuthError, InvalidReception, PermissionDenied
from ledger.records import Bureau, Role
from ledger.service import LedgerService
from ledger.trust import fingerprint_of, parse_fingerprint
from tests.conftest import PASSWORD, Team, make_team, sample_reception


@pytest.fixture
def approved(service: LedgerService, team: Team, db_url: str) -> tuple[LedgerService, str]:
    """One approved and one returned reception: signed submissions, an approval and a return."""
    a = service.submit(team.clerk, sample_reception(unit="市教育局", guests=3, companions=2, amount="200.00"))
    service.approve(team.approver, a.id)  # type: ignore[arg-type]
    b = service.submit(team.clerk, sample_reception(unit="邻县教育局"))
    service.return_reception(team.approver, b.id, "请补充公函")  # type: ignore[arg-type]
    return service, db_url.removeprefix("sqlite:///")


def sql(path: str, statement: str, *params: object) -> list[tuple]:
    with sqlite3.connect(path) as conn:
        return conn.execute(statement, params).fetchall()


def rebuild(path: str, ref: str, field: str, old: str, new: str) -> None:
    """What the holder of the file can do with the program's own code: change one value of a
    reception in the table and in every history entry, then recompute the whole chain."""
    with sqlite3.connect(path) as conn:
        conn.row_factory = sqlite3.Row
        rows = [dict(r) for r in conn.execute("SELECT * FROM history ORDER BY id")]
        prev = history.GENESIS
        for row in rows:
            if row["ref"] == ref:
                for side in ("before", "after"):
                    row[side] = row[side].replace(f'"{field}":"{old}"', f'"{field}":"{new}"')
            row["prev_hash"] = prev
            row["at"] = __import__("datetime").datetime.fromisoformat(row["at"])
            row["hash"] = prev = history._entry_hash(row)
            conn.execute(
                "UPDATE history SET before = ?, after = ?, prev_hash = ?, hash = ? WHERE id = ?",
                (row["before"], row["after"], row["prev_hash"], row["hash"], row["id"]),
            )


# ---------------------------------------------------------------------------- fingerprints
def test_fingerprint_is_sixteen_hex_digits_in_four_groups() -> None:
    assert fingerprint_of("1a2b3c4d5e6f7a8b" + "0" * 48) == "1a2b-3c4d-5e6f-7a8b"
    assert parse_fingerprint("账本指纹 1A2B-3C4D-5E6F-7A8B") == "1a2b3c4d5e6f7a8b"
    assert parse_fingerprint("1a2b-3c4d") is None
    assert parse_fingerprint("zzzz-3c4d-5e6f-7a8b") is None


def test_full_width_fingerprint_is_read() -> None:
    """Typed with a Chinese input method: full-width letters, digits and dashes."""
    assert parse_fingerprint("账本指纹 ＡＢ１２－３Ｃ４Ｄ－５Ｅ６Ｆ－７Ａ８Ｂ") == "ab123c4d5e6f7a8b"
    assert parse_fingerprint("ａｂ１２ ３ｃ４ｄ ５ｅ６ｆ ７ａ８ｂ") == "ab123c4d5e6f7a8b"


def test_own_fingerprint_is_found_and_registered(approved: tuple[LedgerService, str]) -> None:
    service, path = approved
    stamp = service.print_stamp("notice", "2025年3月")
    head = sql(path, "SELECT hash FROM history ORDER BY id DESC LIMIT 1")[0][0]
    assert stamp.fingerprint == fingerprint_of(head)
    assert stamp.label == f"账本指纹 {stamp.fingerprint}"
    # the QR code holds the fingerprint with the date and the reference
    assert stamp.qr_text == f"账本指纹 {stamp.fingerprint}\n{stamp.printed_at:%Y-%m-%d}\n2025年3月"
    # later work does not remove it from the history
    service.save(service.user("li"), sample_reception(unit="后来的接待"))
    answer = service.anchor(stamp.fingerprint)
    assert answer.found and answer.entry_id is not None
    assert any("公示表 2025年3月" in p for p in answer.printed)
    assert service.printed_fingerprints()[0].fingerprint == stamp.fingerprint


def test_foreign_fingerprint_is_not_found(approved: tuple[LedgerService, str], tmp_path: Path) -> None:
    service, _ = approved
    other = LedgerService(Database(f"sqlite:///{tmp_path / 'other.sqlite3'}"))
    make_team(other)
    foreign = other.print_stamp("notice", "别的单位")
    other.db.dispose()
    assert not service.anchor(foreign.fingerprint).found


def test_rebuilt_ledger_fails_the_anchor_and_the_signatures(approved: tuple[LedgerService, str]) -> None:
    service, path = approved
    stamp = service.print_stamp("notice", "2025年3月")
    before = service.verify()
    assert before.ok, before.problems
    rebuild(path, "JD-2025-0001", "visiting_unit", "市教育局", "市教育厅")
    sql(path, "UPDATE receptions SET visiting_unit = '市教育厅' WHERE ref = 'JD-2025-0001'")
    result = service.verify()
    # the chain itself was recomputed consistently: no broken link, no entry off its hash
    assert not [p for p in result.problems if "链接断开" in p or "内容与校验值不符" in p]
    # but the paper fingerprint no longer matches, and the signed decisions name the rewrite
    assert not service.anchor(stamp.fingerprint).found
    assert not result.ok
    signatures = [p for p in result.problems if "签名" in p]
    assert "签名不符" in signatures[0] and "JD-2025-0001" in signatures[0]


def test_rebuilt_amount_fails_the_anchor(approved: tuple[LedgerService, str]) -> None:
    service, path = approved
    after = json.loads(sql(path, "SELECT after FROM history WHERE action = 'approve'")[0][0])
    amount = after["meals"][0]["amount"]
    stamp = service.print_stamp("slip", "JD-2025-0001")
    rebuild(path, "JD-2025-0001", "amount", amount, "1.00")
    assert not service.anchor(stamp.fingerprint).found


def test_verify_names_the_first_failing_signature_after_a_database_edit(
    approved: tuple[LedgerService, str],
) -> None:
    """Someone edits who approved, in the history too, and recomputes the chain."""
    service, path = approved
    sql(path, "UPDATE history SET comment = '同意' WHERE action = 'approve'")
    rebuild(path, "", "x", "x", "x")  # recompute every hash with the program's own code
    result = service.verify()
    assert not result.ok
    assert "approve" in result.problems[0] and "签名不符" in result.problems[0]


def test_re_signed_with_another_key_is_named(approved: tuple[LedgerService, str], team: Team) -> None:
    service, path = approved
    entry = sql(
        path, "SELECT id, prev_hash, hash, username, action, ref, after FROM history WHERE action = 'approve'"
    )[0]
    # the clerk (who knows their own password) signs the approval with their key
    clerk_key = sql(path, "SELECT id, sealed_private, public_key FROM user_keys WHERE username = 'li'")[0]
    private = signing.unseal(clerk_key[1], PASSWORD, "li")
    assert private is not None
    text = signing.message(*entry[1:6])
    sig = signing.sign_bytes("ed25519", private, clerk_key[2], text)
    sql(
        path,
        "UPDATE signatures SET key_id = ?, signature = ? WHERE history_id = ?",
        clerk_key[0],
        sig,
        entry[0],
    )
    result = service.verify()
    assert "签名密钥属于 li" in result.problems[0]
    # a brand-new key nobody registered
    public, private = signing.generate("ed25519")
    sql(
        path,
        "UPDATE signatures SET key_id = 99, signature = ? WHERE history_id = ?",
        signing.sign_bytes("ed25519", private, public, text),
        entry[0],
    )
    assert "不在历史记录中" in service.verify().problems[0]


def test_swapped_public_key_is_named(approved: tuple[LedgerService, str]) -> None:
    service, path = approved
    entry = sql(
        path, "SELECT id, prev_hash, hash, username, action, ref, after FROM history WHERE action = 'approve'"
    )[0]
    public, private = signing.generate("ed25519")
    text = signing.message(*entry[1:6])
    sql(path, "UPDATE user_keys SET public_key = ? WHERE username = 'zhang'", public)
    sql(
        path,
        "UPDATE signatures SET signature = ? WHERE history_id = ?",
        signing.sign_bytes("ed25519", private, public, text),
        entry[0],
    )
    problems = service.verify().problems
    assert any("zhang 的公钥" in p and "被替换" in p for p in problems)
    assert any("签名不符" in p and f"第 {entry[0]} 条" in p for p in problems)


def test_deleted_signature_is_named(approved: tuple[LedgerService, str]) -> None:
    service, path = approved
    sql(path, "DELETE FROM signatures WHERE history_id = (SELECT id FROM history WHERE action = 'return')")
    assert "缺少签名" in service.verify().problems[0]


def test_private_key_is_sealed_by_the_password(approved: tuple[LedgerService, str]) -> None:
    _, path = approved
    sealed = sql(path, "SELECT sealed_private FROM user_keys WHERE username = 'zhang'")[0][0]
    assert signing.unseal(sealed, "wrong-password", "zhang") is None
    assert signing.unseal(sealed, PASSWORD, "someone-else") is None
    assert signing.unseal(sealed, PASSWORD, "zhang") is not None
    assert json.loads(sealed)["kdf"] == "argon2id"


def test_a_new_session_must_log_in_to_sign(approved: tuple[LedgerService, str], team: Team) -> None:
    service, _ = approved
    fresh = LedgerService(Database(service.db.url))
    with pytest.raises(PermissionDenied, match="签名密钥未解锁"):  # the clerk never logged in on this desk
        fresh.submit(team.clerk, sample_reception(unit="另一台电脑"))
    fresh.authenticate("li", PASSWORD)
    assert fresh.submit(team.clerk, sample_reception(unit="另一台电脑")).status == "submitted"
    assert fresh.verify().ok
    fresh.db.dispose()


def test_reset_password_makes_a_new_key_recorded_as_such(
    approved: tuple[LedgerService, str], team: Team
) -> None:
    service, path = approved
    old_key = sql(path, "SELECT id FROM user_keys WHERE username = 'zhang' AND active")[0][0]
    service.set_password(team.admin, "zhang", "brand-new-pw")
    keys = sql(path, "SELECT id, reason, active FROM user_keys WHERE username = 'zhang' ORDER BY id")
    assert keys[0] == (old_key, "created", 0) and keys[1][1:] == ("password_reset", 1)
    entry = sql(path, "SELECT username, comment FROM history WHERE entity = 'key' ORDER BY id DESC LIMIT 1")[
        0
    ]
    assert entry == ("admin", "管理员重置密码")
    with pytest.raises(AuthError):
        service.authenticate("zhang", PASSWORD)
    fresh = LedgerService(Database(service.db.url))
    fresh.authenticate("zhang", "brand-new-pw")
    r = service.submit(team.clerk, sample_reception(unit="重置后"))
    fresh.approve(team.approver, r.id)  # type: ignore[arg-type]
    result = fresh.verify()
    assert result.ok, result.problems  # old approvals by the old key, new by the new
    fresh.db.dispose()


def test_signature_by_a_replaced_key_is_refused(approved: tuple[LedgerService, str], team: Team) -> None:
    service, path = approved
    old = sql(path, "SELECT id, sealed_private, public_key FROM user_keys WHERE username = 'zhang'")[0]
    r = service.submit(team.clerk, sample_reception(unit="换钥之后"))
    service.set_password(team.admin, "zhang", "brand-new-pw")
    service.approve(team.approver, r.id)  # type: ignore[arg-type]  # signed by the new key
    entry = sql(
        path,
        "SELECT id, prev_hash, hash, username, action, ref, after FROM history WHERE action = 'approve' ORDER BY id DESC LIMIT 1",
    )[0]
    private = signing.unseal(old[1], PASSWORD, "zhang")
    assert private is not None
    text = signing.message(*entry[1:6])
    sql(
        path,
        "UPDATE signatures SET key_id = ?, signature = ? WHERE history_id = ?",
        old[0],
        signing.sign_bytes("ed25519", private, old[2], text),
        entry[0],
    )
    assert "此前已被更换" in service.verify().problems[0]


def test_own_password_change_keeps_the_key(approved: tuple[LedgerService, str], team: Team) -> None:
    service, path = approved
    service.authenticate("zhang", PASSWORD)
    service.set_password(team.approver, "zhang", "my-new-secret", PASSWORD)
    assert sql(path, "SELECT count(*) FROM user_keys WHERE username = 'zhang'")[0][0] == 1
    fresh = LedgerService(Database(service.db.url))
    fresh.authenticate("zhang", "my-new-secret")
    r = service.submit(team.clerk, sample_reception(unit="改密后"))
    fresh.approve(team.approver, r.id)  # type: ignore[arg-type]
    assert fresh.verify().ok
    fresh.db.dispose()


def test_history_from_before_signing_is_a_warning(approved: tuple[LedgerService, str], team: Team) -> None:
    """Entries made before their user had a key are unsigned: said loudly (a warning naming what
    catches a rewrite by the ledger's holder), not a failure."""
    service, path = approved
    # a ledger as it was before this feature: no keys, no signatures
    sql(path, "DELETE FROM signatures")
    sql(path, "DELETE FROM user_keys")
    sql(path, "DELETE FROM history WHERE entity = 'key'")
    rebuild(path, "", "x", "x", "x")
    result = service.verify()
    assert not [p for p in result.problems if "签名" in p], result.problems
    assert result.unsigned == 4 and "有 4 条审核决定没有签名" in " ".join(result.warnings)
    assert "verify --anchor" in " ".join(result.warnings)
    with pytest.raises(PermissionDenied, match="请重新登录"):
        service.submit(team.clerk, sample_reception(unit="升级之后"))
    service.authenticate("li", PASSWORD)  # the first login after the upgrade makes the key
    assert sql(path, "SELECT reason FROM user_keys WHERE username = 'li'") == [("first_login",)]
    service.submit(team.clerk, sample_reception(unit="升级之后"))
    result = service.verify(full=True)
    assert result.signatures == 1 and "有 4 条" in " ".join(result.warnings)
    assert not [p for p in result.problems if "签名" in p], result.problems


# ---------------------------------------------------------------------------- 国密
def test_sm3_chain_and_sm2_signatures_when_chosen(service: LedgerService, team: Team, db_url: str) -> None:
    path = db_url.removeprefix("sqlite:///")
    with pytest.raises(PermissionDenied):
        service.set_crypto(team.clerk, "gm")
    early = service.submit(team.clerk, sample_reception(unit="切换前"))
    service.set_crypto(team.admin, "gm")
    assert service.crypto() == "gm"
    for name in ("li", "zhang"):  # each gets an SM2 key at the next login
        service.authenticate(name, PASSWORD)
    late = service.submit(team.clerk, sample_reception(unit="切换后"))
    service.approve(team.approver, late.id)  # type: ignore[arg-type]
    service.approve(team.approver, early.id)  # type: ignore[arg-type]
    algos = dict(sql(path, "SELECT action || ref, algo FROM history WHERE action IN ('submit', 'approve')"))
    assert algos["submitJD-2025-0001"] == "" and algos["approveJD-2025-0002"] == "sm3"
    sig_algos = {a for (a,) in sql(path, "SELECT algo FROM signatures")}
    assert sig_algos == {"ed25519", "sm2"}
    assert [r[0] for r in sql(path, "SELECT algo FROM user_keys WHERE username = 'zhang' ORDER BY id")] == [
        "ed25519",
        "sm2",
    ]
    result = service.verify()
    assert result.ok, result.problems
    assert result.signatures == 4
    # an SM2 signature tampered with is named
    sid = sql(path, "SELECT history_id, signature FROM signatures WHERE algo = 'sm2' ORDER BY history_id")[0]
    forged = ("0" if sid[1][0] != "0" else "1") + sid[1][1:]
    sql(path, "UPDATE signatures SET signature = ? WHERE history_id = ?", forged, sid[0])
    # a signature row changed under an entry this desk already checked is found too (the digest of
    # the checked signatures no longer matches, so all are checked again)
    assert "签名不符" in service.verify().problems[0]
    assert "签名不符" in service.verify(full=True).problems[0]
    # and an SM3 entry edited is found by the chain
    sql(path, "UPDATE history SET comment = '改' WHERE algo = 'sm3' AND action = 'approve'")
    assert any("内容与校验值不符" in p for p in service.verify().problems)


# ---------------------------------------------------------------------------- sealed year
def test_sealed_year_reopens_only_by_an_administrator(
    approved: tuple[LedgerService, str], team: Team
) -> None:
    service, path = approved
    rid = service.get_by_ref("JD-2025-0001").id
    service.authenticate("admin", PASSWORD)
    service.seal_year(team.admin, 2025, "ab" * 32)
    assert 2025 in service.sealed_years()
    with pytest.raises(PermissionDenied, match="封存"):
        service.reopen(team.approver, rid, "更正金额")  # type: ignore[arg-type]
    reopened = service.reopen(team.admin, rid, "审计要求更正")  # type: ignore[arg-type]
    assert reopened.status == "returned"
    assert service.verify().ok
    sql(path, "DELETE FROM sealed_years")
    assert "封存记录已在程序外被删除" in service.verify().problems[0]


def test_only_an_ended_year_is_sealed_and_only_once(approved: tuple[LedgerService, str], team: Team) -> None:
    service, path = approved
    service.authenticate("admin", PASSWORD)
    service.clock = lambda: datetime(2025, 11, 29, 10, 0)
    with pytest.raises(InvalidReception, match="2025 年尚未结束（今天是 2025-11-29）"):
        service.seal_year(team.admin, 2025, "ab" * 32)
    assert service.sealed_years() == {}
    service.clock = lambda: datetime(2026, 1, 2, 9, 0)
    service.seal_year(team.admin, 2025, "ab" * 32)
    with pytest.raises(InvalidReception, match="2025 年已于 2026-01-02 09:00 封存.*不能再次封存"):
        service.seal_year(team.admin, 2025, "cd" * 32)
    assert sql(path, "SELECT manifest_sha256 FROM sealed_years") == [("ab" * 32,)]
    assert service.verify().ok


def test_users_get_keys_when_created(service: LedgerService) -> None:
    service.setup(Bureau(name="某局"), "boss", "局长", PASSWORD)
    with service.db.read() as s:
        assert signing.active_key(s, "boss") is not None
    assert Role.ADMIN in service.user("boss").roles


def test_verify_checks_only_newer_signatures_when_the_head_is_held(
    approved: tuple[LedgerService, str], team: Team
) -> None:
    service, path = approved
    first = service.verify()
    assert first.ok and first.signatures == 4 and first.signatures_after == 0
    service.submit(team.clerk, sample_reception(unit="新的一条"))
    again = service.verify()
    assert again.ok and again.signatures == 1 and again.signatures_after > 0
    assert service.verify(full=True).signatures == 5
    # a bad new signature is named, and the head it came with is not remembered
    newest = service.submit(team.clerk, sample_reception(unit="再一条"))
    sql(
        path,
        "UPDATE signatures SET signature = '00' WHERE history_id = (SELECT max(history_id) FROM signatures)",
    )
    for _ in range(2):  # still checked the second time: the remembered head did not move past it
        problems = service.verify().problems
        assert "签名不符" in problems[0] and newest.ref in problems[0]


def test_an_old_signature_altered_after_a_clean_verify_is_still_found(
    approved: tuple[LedgerService, str], team: Team
) -> None:
    service, path = approved
    assert service.verify().ok  # every signature checked, and their digest remembered
    service.submit(team.clerk, sample_reception(unit="新的一条"))
    # a signature of an entry checked last time, swapped for another entry's valid signature
    sql(
        path,
        "UPDATE signatures SET signature = (SELECT signature FROM signatures ORDER BY history_id DESC LIMIT 1)"
        " WHERE history_id = (SELECT min(history_id) FROM signatures)",
    )
    result = service.verify()
    assert not result.ok and result.signatures_after == 0  # all checked again, not only the new one
    assert "签名不符" in result.problems[0]


def test_an_sm2_key_whose_public_key_begins_with_04_signs_and_verifies() -> None:
    """One SM2 key in 256 has a public key beginning with "04", which gmssl's constructor took for
    the point prefix and stripped (with every 0 and 4 after it): such a user's decisions never
    verified — "签名不符" for every approval, and a test that failed once in a few hundred runs."""
    from ledger.signing import SM2, Checker, message, sign_bytes

    private = bytes.fromhex("e00a5cc9403c485f98b684cfcc62095f69b9fd6ea57d45af21a83d3feb37639b")
    public = (
        "04e668a0166ad9f2541b45508efebb5aae29f5b412eeef56533f503e3b4c2694"
        "22a94462595dea1b49f821f1d564ec1cb7f8ee693462a9c5eab5350bed0ad45f"
    )
    text = message("a" * 64, "b" * 64, "zhang", "approve", "JD-2025-0001")
    signature = sign_bytes(SM2, private, public, text)
    assert Checker().ok(SM2, public, text, signature)
    assert not Checker().ok(SM2, public, text + b" ", signature)
