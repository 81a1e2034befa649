"""The sealed year: what the archive holds, and every kind of tampering named without a database."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import date, datetime
from pathlib import Path

import pytest
from pypdf import PdfReader

from ledger.errors import PermissionDenied
from ledger.service import LedgerService
from reports.archive import MANIFEST, MANIFEST_SIGNATURE, ArchiveError, check_archive, write_archive
from tests.conftest import Team, sample_reception


@pytest.fixture
def archive(service: LedgerService, team: Team, tmp_path: Path) -> Path:
    for i, day in enumerate((date(2025, 3, 5), date(2025, 3, 20), date(2025, 6, 2))):
        r = service.save(team.clerk, sample_reception(on=day, unit=f"来访单位{i}"))
        if i == 0:
            r = service.add_attachment(team.clerk, r.id, "公函.pdf", b"%PDF-1.4 letter", "letter")  # type: ignore[arg-type]
        r = service.submit(team.clerk, r)
        service.approve(team.approver, r.id)  # type: ignore[arg-type]
    service.save(team.clerk, sample_reception(on=date(2025, 7, 1), unit="草稿不入封存"))
    path = tmp_path / "2025.zip"
    summary = write_archive(service, team.admin, 2025, path)
    assert summary.receptions == 3
    return path


def names(path: Path) -> list[str]:
    with zipfile.ZipFile(path) as z:
        return z.namelist()


def rewrite(path: Path, target: Path, change: dict[str, bytes | None]) -> Path:
    """A copy of the archive with some files replaced (None: removed)."""
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(target, "w") as dst:
        for info in src.infolist():
            content = src.read(info)
            if info.filename in change:
                new = change[info.filename]
                if new is None:
                    continue
                content = new
            dst.writestr(info.filename, content)
    return target


def flip(content: bytes, at: int | None = None) -> bytes:
    i = len(content) // 2 if at is None else at
    return content[:i] + bytes([content[i] ^ 0x01]) + content[i + 1 :]


def read(path: Path, name: str) -> bytes:
    with zipfile.ZipFile(path) as z:
        return z.read(name)


def test_archive_holds_the_year(archive: Path, service: LedgerService) -> None:
    files = names(archive)
    assert "台账-2025.xlsx" in files
    assert {"公示表/2025-03.pdf", "公示表/2025-06.pdf"} <= set(files)
    assert {"接待清单/JD-2025-0001.pdf", "接待清单/JD-2025-0003.pdf"} <= set(files)
    assert "接待清单/JD-2025-0004.pdf" not in files  # a draft is not sealed
    assert any(f.startswith("附件/JD-2025-0001/") and f.endswith("公函.pdf") for f in files)
    assert {"history.json", "signatures.json", "keys.json", MANIFEST, MANIFEST_SIGNATURE} <= set(files)
    manifest = json.loads(read(archive, MANIFEST))
    assert manifest["year"] == 2025 and manifest["sealed_by"] == "admin"
    assert set(manifest["files"]) == set(files) - {MANIFEST, MANIFEST_SIGNATURE}
    # the printed pages carry the fingerprint
    text = PdfReader(io.BytesIO(read(archive, "接待清单/JD-2025-0002.pdf"))).pages[0].extract_text()
    assert "账本指纹" in text
    result = check_archive(archive)
    assert result.ok, result.problems
    assert result.signatures == 6  # three submissions, three approvals
    # and the year is closed
    assert 2025 in service.sealed_years()
    assert service.verify().ok


@pytest.mark.parametrize(
    "name",
    [
        "台账-2025.xlsx",
        "公示表/2025-03.pdf",
        "接待清单/JD-2025-0002.pdf",
        "history.json",
        "signatures.json",
        "keys.json",
        "attachment",
    ],
)
def test_a_changed_byte_in_any_file_is_named(archive: Path, tmp_path: Path, name: str) -> None:
    if name == "attachment":
        name = next(f for f in names(archive) if f.startswith("附件/"))
    altered = rewrite(archive, tmp_path / "altered.zip", {name: flip(read(archive, name))})
    result = check_archive(altered)
    assert not result.ok
    assert f"文件 {name} 被改动" in result.problems[0]


def test_a_removed_file_is_named(archive: Path, tmp_path: Path) -> None:
    altered = rewrite(archive, tmp_path / "removed.zip", {"接待清单/JD-2025-0003.pdf": None})
    problems = check_archive(altered).problems
    assert problems == ["文件 接待清单/JD-2025-0003.pdf 已被删除"]


def test_an_added_file_is_named(archive: Path, tmp_path: Path) -> None:
    altered = tmp_path / "added.zip"
    rewrite(archive, altered, {})
    with zipfile.ZipFile(altered, "a") as z:
        z.writestr("接待清单/JD-2025-0099.pdf", b"%PDF-1.4")
    assert "不在清单中" in check_archive(altered).problems[0]


def test_an_edited_manifest_is_named(archive: Path, tmp_path: Path) -> None:
    """The manifest edited to match an altered list: its signature no longer holds."""
    pdf = "接待清单/JD-2025-0002.pdf"
    new_pdf = flip(read(archive, pdf))
    manifest = json.loads(read(archive, MANIFEST))
    import hashlib

    manifest["files"][pdf] = hashlib.sha256(new_pdf).hexdigest()
    edited = json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True).encode()
    altered = rewrite(archive, tmp_path / "manifest.zip", {pdf: new_pdf, MANIFEST: edited})
    problems = check_archive(altered).problems
    assert len(problems) == 1 and "清单 manifest.json 或其签名被改动" in problems[0]


def test_history_rewritten_with_matching_manifest_still_fails(archive: Path, tmp_path: Path) -> None:
    """Even a history entry changed together with its listed hash is named by its own hash."""
    entries = json.loads(read(archive, "history.json"))
    approve = next(e for e in entries if e["action"] == "approve")
    approve["comment"] = "同意（后改）"
    altered = rewrite(
        archive, tmp_path / "h.zip", {"history.json": json.dumps(entries, ensure_ascii=False).encode()}
    )
    problems = check_archive(altered).problems
    assert any(f"history.json 第 {approve['id']} 条" in p for p in problems)


def test_not_an_archive(tmp_path: Path) -> None:
    bad = tmp_path / "x.zip"
    bad.write_bytes(b"not a zip")
    with pytest.raises(ArchiveError, match="不是可读的封存文件"):
        check_archive(bad)


def test_only_an_administrator_archives(service: LedgerService, team: Team, tmp_path: Path) -> None:
    r = service.submit(team.clerk, sample_reception())
    service.approve(team.approver, r.id)  # type: ignore[arg-type]
    with pytest.raises(PermissionDenied):
        write_archive(service, team.approver, 2025, tmp_path / "a.zip")
    assert not (tmp_path / "a.zip").exists()
    assert service.sealed_years() == {}


def test_a_file_twice_under_one_name_is_refused(archive: Path, tmp_path: Path) -> None:
    """A tampered notice followed by the original under the same name: only one would be read."""
    notice = "公示表/2025-03.pdf"
    altered = tmp_path / "twice.zip"
    with zipfile.ZipFile(archive) as src, zipfile.ZipFile(altered, "w") as dst:
        for info in src.infolist():
            if info.filename == notice:
                with pytest.warns(UserWarning, match="Duplicate name"):
                    dst.writestr(notice, flip(src.read(info)))
                    dst.writestr(notice, src.read(info))
            else:
                dst.writestr(info.filename, src.read(info))
    result = check_archive(altered)
    assert not result.ok and result.problems == [
        f"封存文件中有重名的文件 {notice}（同名的两份中只有一份会被读到：被改动）"
    ]


def test_folder_entries_are_additions_and_a_folder_named_like_a_file_is_a_duplicate(
    archive: Path, tmp_path: Path
) -> None:
    shadow = tmp_path / "shadow.zip"  # a folder entry in place of the workbook: unzip makes a folder
    workbook = next(n for n in names(archive) if n.endswith(".xlsx"))
    with zipfile.ZipFile(archive) as src, zipfile.ZipFile(shadow, "w") as dst:
        dst.writestr(workbook + "/", b"")
        for info in src.infolist():
            dst.writestr(info.filename, src.read(info))
    problems = check_archive(shadow).problems
    assert problems == [f"封存文件中有重名的文件 {workbook}（同名的两份中只有一份会被读到：被改动）"]
    hidden = tmp_path / "hidden.zip"  # a folder entry carrying data
    rewrite(archive, hidden, {})
    with zipfile.ZipFile(hidden, "a") as z:
        z.writestr("hidden/", b"x" * 1000)
    assert "文件 hidden/ 不在清单中（被加入）" in check_archive(hidden).problems


def test_a_zip_bomb_stops_early(archive: Path, tmp_path: Path) -> None:
    """30 MB of zeros compressed to ~30 KB: refused by the ratio after a few MB, in one line."""
    bomb = tmp_path / "bomb.zip"
    rewrite(archive, bomb, {})
    with zipfile.ZipFile(bomb, "a", zipfile.ZIP_DEFLATED) as z:
        z.writestr("附件/JD-2025-0001/9-零.bin", bytes(30 << 20))
    with pytest.raises(ArchiveError, match="附件/JD-2025-0001/9-零.bin 解压后过大或压缩比异常"):
        check_archive(bomb)
    listed = tmp_path / "history-bomb.zip"  # a JSON file held whole is capped the same way
    rewrite(archive, listed, {"history.json": None})
    with zipfile.ZipFile(listed, "a", zipfile.ZIP_DEFLATED) as z:
        z.writestr("history.json", b"[" + b" " * (30 << 20) + b"]")
    with pytest.raises(ArchiveError, match="history.json 解压后过大或压缩比异常"):
        check_archive(listed)


@pytest.mark.parametrize(
    "name", [MANIFEST, "history.json", "signatures.json", "keys.json", MANIFEST_SIGNATURE]
)
def test_json_nested_too_deeply_is_named_once(archive: Path, tmp_path: Path, name: str) -> None:
    deep = b"[" * 200_000 + b"]" * 200_000
    altered = rewrite(archive, tmp_path / "deep.zip", {name: deep})
    problems = check_archive(altered).problems
    if name == MANIFEST:
        assert problems == ["清单 manifest.json 被改动（无法读取）"]
    elif name == MANIFEST_SIGNATURE:
        assert problems[0].startswith("清单 manifest.json 或其签名被改动")
    else:
        assert sum(f"文件 {name} 无法读取（被改动）" in p for p in problems) == 1, problems
        assert f"文件 {name} 被改动（与清单中的校验值不符）" in problems


def test_a_broken_history_is_named_once(archive: Path, tmp_path: Path) -> None:
    altered = rewrite(archive, tmp_path / "broken.zip", {"history.json": b"[{"})
    problems = check_archive(altered).problems
    assert sum("history.json 无法读取" in p for p in problems) == 1, problems


def test_the_current_year_is_not_archived(service: LedgerService, team: Team, tmp_path: Path) -> None:
    r = service.submit(team.clerk, sample_reception(on=date(2025, 3, 5)))
    service.approve(team.approver, r.id)  # type: ignore[arg-type]
    service.clock = lambda: datetime(2025, 11, 29, 10, 0)
    with pytest.raises(ArchiveError, match="2025 年尚未结束"):
        write_archive(service, team.admin, 2025, tmp_path / "a.zip")
    assert not (tmp_path / "a.zip").exists() and service.sealed_years() == {}
    service.clock = lambda: datetime(2026, 1, 5, 10, 0)
    write_archive(service, team.admin, 2025, tmp_path / "a.zip")
    before = (tmp_path / "a.zip").read_bytes()
    with pytest.raises(ArchiveError, match="2025 年已于 2026-01-05 10:00 封存.*不能再次封存"):
        write_archive(service, team.admin, 2025, tmp_path / "b.zip")
    assert not (tmp_path / "b.zip").exists() and (tmp_path / "a.zip").read_bytes() == before


def test_the_sealed_year_holds_its_plans_and_the_letters_scans(
    service: LedgerService, team: Team, tmp_path: Path
) -> None:
    from ledger.preapproval import Letter
    from tests.ledger.test_plans import a_plan

    service.clock = lambda: datetime(2025, 3, 1, 9, 0)
    service.register_letter(team.clerk, Letter("市教函〔2025〕7号", "市教育局"), ("函.pdf", b"%PDF-1.4 scan"))
    plan = service.submit_plan(
        team.clerk, a_plan(start_date=date(2025, 3, 10), letter_no="市教函〔2025〕7号", meals=())
    )
    plan = service.approve_plan(team.approver, plan.id, "同意")  # type: ignore[arg-type]
    service.save_plan(
        team.clerk, a_plan(start_date=date(2025, 4, 1), letter_no="另函", meals=())
    )  # a draft: not sealed
    service.clock = lambda: datetime(2025, 3, 12, 9, 0)
    r = service.submit(team.clerk, service.reception_from_plan(plan.id))  # type: ignore[arg-type]
    service.approve(team.approver, r.id)  # type: ignore[arg-type]
    service.clock = lambda: datetime(2026, 1, 5, 9, 0)
    path = tmp_path / "2025.zip"
    write_archive(service, team.admin, 2025, path)
    files = set(names(path))
    assert "接待审批单/SP-2025-0001.pdf" in files and "接待审批单/SP-2025-0002.pdf" not in files
    assert any(f.startswith("公函/") and f.endswith("函.pdf") for f in files)
    text = PdfReader(io.BytesIO(read(path, "接待审批单/SP-2025-0001.pdf"))).pages[0].extract_text()
    assert "SP-2025-0001" in text and "账本指纹" in text
    history = json.loads(read(path, "history.json"))
    assert {(e["entity"], e["action"]) for e in history if e["entity"] == "plan"} >= {
        ("plan", "submit"),
        ("plan", "approve"),
    }
    result = check_archive(path)
    assert result.ok, result.problems
    assert result.signatures == 4  # the plan's submission and approval, the reception's
