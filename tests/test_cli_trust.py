"""The trust commands as a user runs them: fingerprints on paper, verify --anchor, archive,
verify --archive, crypto (issue 12)."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import pytest
from pypdf import PdfReader

from ledger.db import Database
from ledger.service import LedgerService
from tests.cli import run_cli
from tests.conftest import PASSWORD, make_team, sample_reception

ADMIN = {"LEDGER_USER": "admin", "LEDGER_PASSWORD": PASSWORD}
FP = re.compile(r"账本指纹 ([0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4})")


@pytest.fixture
def ledger(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'trust.sqlite3'}"
    service = LedgerService(Database(url))
    team = make_team(service)
    for unit in ("市教育局", "省教育厅"):
        r = service.submit(team.clerk, sample_reception(unit=unit))
        service.approve(team.approver, r.id)  # type: ignore[arg-type]
    service.db.dispose()
    return url


def pdf_text(path: Path) -> str:
    return "\n".join(p.extract_text() for p in PdfReader(path).pages)


def test_printed_fingerprint_anchors_the_history(ledger: str, tmp_path: Path) -> None:
    slip = tmp_path / "slip.pdf"
    assert run_cli("--db", ledger, "slip", "JD-2025-0001", "-o", str(slip)).returncode == 0
    notice = tmp_path / "notice.pdf"
    made = run_cli("--db", ledger, "notice", "--from", "2025-03-01", "--to", "2025-03-31", "-o", str(notice))
    assert made.returncode == 0, made.stderr
    printed = FP.search(pdf_text(slip))
    assert printed is not None and FP.search(pdf_text(notice)) is not None
    fingerprint = printed.group(1)
    ok = run_cli("--db", ledger, "verify", "--anchor", fingerprint)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert f"账本指纹 {fingerprint} 在历史记录中" in ok.stdout and "接待清单 JD-2025-0001" in ok.stdout
    listed = run_cli("--db", ledger, "fingerprints")
    assert fingerprint in listed.stdout and "公示表" in listed.stdout
    missing = run_cli("--db", ledger, "verify", "--anchor", "0123-4567-89ab-cdef")
    assert missing.returncode == 1 and "不在此账本的历史记录中" in missing.stdout
    bad = run_cli("--db", ledger, "verify", "--anchor", "12-34")
    assert bad.returncode == 2 and "16 位十六进制" in bad.stderr and "Traceback" not in bad.stderr


def test_archive_and_verify_archive(ledger: str, tmp_path: Path) -> None:
    out = tmp_path / "2025.zip"
    refused = run_cli(
        "--db",
        ledger,
        "archive",
        "--year",
        "2025",
        "-o",
        str(out),
        env={"LEDGER_USER": "li", "LEDGER_PASSWORD": PASSWORD},
    )
    assert refused.returncode == 2 and "管理员" in refused.stderr and not out.exists()
    made = run_cli("--db", ledger, "archive", "--year", "2025", "-o", str(out), env=ADMIN)
    assert made.returncode == 0, made.stderr
    assert "已封存 2025 年" in made.stdout
    good = run_cli("verify", "--archive", str(out))  # no database named or needed
    assert good.returncode == 0 and "封存文件完整" in good.stdout and "4 个签名" in good.stdout
    altered = tmp_path / "altered.zip"
    with zipfile.ZipFile(out) as src, zipfile.ZipFile(altered, "w") as dst:
        for info in src.infolist():
            content = src.read(info)
            if info.filename == "接待清单/JD-2025-0002.pdf":
                content = content.replace(b"/Producer", b"/Producez")
            dst.writestr(info, content)
    bad = run_cli("verify", "--archive", str(altered))
    assert bad.returncode == 1 and "文件 接待清单/JD-2025-0002.pdf 被改动" in bad.stdout
    missing = run_cli("verify", "--archive", str(tmp_path / "none.zip"))
    assert missing.returncode == 2 and "找不到文件" in missing.stderr
    # the ledger itself verifies, the seal included
    assert run_cli("--db", ledger, "verify").returncode == 0


def test_crypto_choice(ledger: str) -> None:
    shown = run_cli("--db", ledger, "crypto")
    assert "SHA-256" in shown.stdout and "Ed25519" in shown.stdout
    refused = run_cli("--db", ledger, "crypto", "gm", env={"LEDGER_USER": "li", "LEDGER_PASSWORD": PASSWORD})
    assert refused.returncode == 2 and "管理员" in refused.stderr
    chosen = run_cli("--db", ledger, "crypto", "gm", env=ADMIN)
    assert chosen.returncode == 0 and "SM3" in chosen.stdout and "SM2" in chosen.stdout
    verify = run_cli("--db", ledger, "verify")
    assert verify.returncode == 0, verify.stdout


def test_pdf_fingerprint_is_the_head(ledger: str, tmp_path: Path) -> None:
    service = LedgerService(Database(ledger))
    from reports.slip import load_slip, render_slip

    stamp = service.print_stamp("slip", "JD-2025-0001")
    text = (
        PdfReader(io.BytesIO(render_slip(load_slip(service, "JD-2025-0001"), stamp))).pages[0].extract_text()
    )
    assert f"账本指纹 {stamp.fingerprint}" in text
    assert service.anchor(stamp.fingerprint).found
    service.db.dispose()


def test_year_summary_carries_the_fingerprint(ledger: str) -> None:
    from datetime import date

    from ledger.targets import dashboard_figures
    from reports.summary import render_summary

    service = LedgerService(Database(ledger))
    stamp = service.print_stamp("summary", "2025")
    pdf = render_summary(dashboard_figures(service, 2025, date(2025, 12, 31)), "XX县教育局", stamp=stamp)
    assert f"账本指纹 {stamp.fingerprint}" in PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    service.db.dispose()


def test_stripped_signatures_are_a_warning_and_incremental_verify_says_what_it_checked(
    ledger: str, tmp_path: Path
) -> None:
    from tests.ledger.test_trust import rebuild, sql

    first = run_cli("--db", ledger, "verify")
    assert first.returncode == 0 and "4 个签名有效" in first.stdout and "警告" not in first.stdout
    again = run_cli("--db", ledger, "verify")
    assert again.returncode == 0, again.stdout
    assert "本次检查了 0 个新签名（此前已在本机检查过的 4 个未变" in again.stdout
    assert "0 个签名有效" not in again.stdout
    # the holder of the file: approval comment changed, signatures and keys removed, chain recomputed
    path = ledger.removeprefix("sqlite:///")
    sql(path, "UPDATE history SET comment = '同意（后改）' WHERE action = 'approve'")
    sql(path, "DELETE FROM signatures")
    sql(path, "DELETE FROM user_keys")
    sql(path, "DELETE FROM history WHERE entity = 'key'")
    rebuild(path, "", "x", "x", "x")
    stripped = run_cli("--db", ledger, "verify", "--full")
    lines = stripped.stdout.splitlines()
    warning = next(line for line in lines if line.startswith("警告："))
    assert "有 4 条审核决定没有签名" in warning and "verify --anchor" in warning
    assert "Traceback" not in stripped.stderr


def test_anchor_full_width_and_the_register_labelled_unprotected(ledger: str, tmp_path: Path) -> None:
    slip = tmp_path / "slip.pdf"
    assert run_cli("--db", ledger, "slip", "JD-2025-0001", "-o", str(slip)).returncode == 0
    printed = FP.search(pdf_text(slip))
    assert printed is not None
    wide = printed.group(1).upper().translate({c: c + 0xFEE0 for c in range(0x21, 0x7F)})
    assert wide != printed.group(1)
    found = run_cli("--db", ledger, "verify", "--anchor", wide)
    assert found.returncode == 0, found.stdout + found.stderr
    assert f"账本指纹 {printed.group(1)} 在历史记录中" in found.stdout
    assert "打印登记（未受校验保护）：" in found.stdout and "接待清单 JD-2025-0001" in found.stdout
    assert "未受校验保护" in run_cli("--db", ledger, "fingerprints").stdout


def test_archive_and_verify_archive_count_the_same_files(ledger: str, tmp_path: Path) -> None:
    """`archive` said "168 个文件" and `verify --archive` of the same file "166 个文件": both now
    count the files the signed manifest lists (the manifest and its signature besides)."""
    out = tmp_path / "2025.zip"
    made = run_cli("--db", ledger, "archive", "--year", "2025", "-o", str(out), env=ADMIN)
    assert made.returncode == 0, made.stderr
    checked = run_cli("verify", "--archive", str(out))
    assert checked.returncode == 0, checked.stdout
    written = re.search(r"条已审核接待，(\d+) 个文件", made.stdout)
    verified = re.search(r"封存文件完整：(\d+) 个文件", checked.stdout)
    assert written is not None and verified is not None
    with zipfile.ZipFile(out) as z:
        listed = len(z.namelist()) - 2  # 清单 and its signature are not listed in themselves
    assert int(written.group(1)) == int(verified.group(1)) == listed


def test_archive_refuses_the_current_year_and_a_second_seal(ledger: str, tmp_path: Path) -> None:
    from datetime import date

    service = LedgerService(Database(ledger))
    service.authenticate("li", PASSWORD)
    this_year = date.today().year
    current = service.submit(service.user("li"), sample_reception(on=date(this_year, 1, 5), unit="今年"))
    service.db.dispose()
    assert current.ref.startswith(f"JD-{this_year}")
    out = tmp_path / "now.zip"
    now = run_cli("--db", ledger, "archive", "--year", str(this_year), "-o", str(out), env=ADMIN)
    assert now.returncode == 2 and f"{this_year} 年尚未结束" in now.stderr and not out.exists()
    assert "Traceback" not in now.stderr and len(now.stderr.strip().splitlines()) == 1
    first = run_cli("--db", ledger, "archive", "--year", "2025", "-o", str(tmp_path / "a.zip"), env=ADMIN)
    assert first.returncode == 0, first.stderr
    second = run_cli("--db", ledger, "archive", "--year", "2025", "-o", str(tmp_path / "b.zip"), env=ADMIN)
    assert second.returncode == 2 and "不能再次封存" in second.stderr and not (tmp_path / "b.zip").exists()


def test_verify_archive_with_deep_history_is_one_line(ledger: str, tmp_path: Path) -> None:
    out = tmp_path / "2025.zip"
    assert run_cli("--db", ledger, "archive", "--year", "2025", "-o", str(out), env=ADMIN).returncode == 0
    deep = tmp_path / "deep.zip"
    with zipfile.ZipFile(out) as src, zipfile.ZipFile(deep, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            content = src.read(info)
            if info.filename in ("history.json", "manifest.json"):
                content = b"[" * 200_000 + b"]" * 200_000
            dst.writestr(info.filename, content)
    checked = run_cli("verify", "--archive", str(deep))
    assert checked.returncode == 1 and "Traceback" not in checked.stderr
    assert "清单 manifest.json 被改动（无法读取）" in checked.stdout
