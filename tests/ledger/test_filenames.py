"""Attachment names are made safe on the way in (ledger.filenames, called by the service)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from ledger.filenames import MAX_NAME_BYTES, safe_attachment_name
from ledger.service import LedgerService
from tests.conftest import Team, sample_reception


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ("公函.pdf", "公函.pdf"),
        ("..", "附件"),
        (".", "附件"),
        ("", "附件"),
        ("   ", "附件"),
        ("/", "附件"),
        ("../../etc/passwd", "passwd"),
        ("..\\..\\Windows\\win.ini", "win.ini"),
        ("C:\\扫描\\发票.JPG", "发票.JPG"),
        ("dir/", "附件"),
        (".pdf", "附件.pdf"),
        ("...pdf", "附件.pdf"),
        ("菜单.", "菜单"),
        (".hidden.png", "hidden.png"),
        ("a\x00b\nc\x1b\x7f.pdf", "abc.pdf"),
        ("\x0b.pdf", "附件.pdf"),
        ('发票?<1>:"x"|*.png', "发票__1___x___.png"),
        ("CON.pdf", "_CON.pdf"),
        ("nul.tar.gz", "_nul.tar.gz"),
        ("report.tar.gz", "report.tar.gz"),
        ("scan.not an extension", "scan.not an extension"),
    ],
)
def test_names_are_made_safe(given: str, stored: str) -> None:
    assert safe_attachment_name(given) == stored


@pytest.mark.parametrize("stem", ["a" * 300, "公" * 300])
def test_long_names_are_cut_but_keep_their_extension(stem: str) -> None:
    name = safe_attachment_name(stem + ".pdf")
    assert name.endswith(".pdf") and name.startswith(stem[:10])
    assert len(name.encode("utf-8")) <= MAX_NAME_BYTES
    assert safe_attachment_name(name) == name  # already safe: unchanged


def test_a_safe_name_is_one_plain_file_name(tmp_path: Path) -> None:
    for given in ("..", ".", "", "a/b", "a\\b", "\x00", "x" * 300):
        name = safe_attachment_name(given)
        assert (tmp_path / name).parent == tmp_path and name not in (".", "..")
        (tmp_path / name).write_bytes(b"ok")  # the file system takes it


@pytest.mark.parametrize(
    ("given", "stored"),
    [("..", "附件"), (".", "附件"), ("", "附件"), ("../x/公函.pdf", "公函.pdf"), ("a\\b.png", "b.png")],
)
def test_the_service_stores_the_safe_name(
    service: LedgerService, team: Team, given: str, stored: str
) -> None:
    draft = service.save(team.clerk, sample_reception(date(2025, 3, 5)))
    assert draft.id is not None
    with_file = service.add_attachment(team.clerk, draft.id, given, b"%PDF-1.4 x", "letter")
    assert [a.filename for a in with_file.attachments] == [stored]
    long = service.add_attachment(team.clerk, draft.id, "扫" * 300 + ".jpg", b"jpg", "other")
    assert long.attachments[-1].filename.endswith(".jpg") and len(long.attachments[-1].filename) < 100
