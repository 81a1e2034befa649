"""Every PDF the program prints embeds every font it uses (a county's printer or archive may
have no Helvetica metrics or no Chinese font): the summary, the notice, the reception list."""

from __future__ import annotations

import shutil
import subprocess
from datetime import date
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

from ledger.service import LedgerService
from ledger.targets import dashboard_figures
from reports.notice import load_notice, render_notice
from reports.slip import load_slip, render_slip
from reports.summary import render_summary
from tests.conftest import Team, sample_reception


def fonts_of(pdf: bytes) -> dict[str, bool]:
    """Every font of every page (and of the page's forms) by its base name: embedded or not."""
    found: dict[str, bool] = {}

    def visit(resources: Any) -> None:
        if resources is None:
            return
        resources = resources.get_object()
        for font in (resources.get("/Font") or {}).values():
            font = font.get_object()
            descriptor_of = font
            if font.get("/Subtype") == "/Type0":
                descriptor_of = font["/DescendantFonts"][0].get_object()
            descriptor = (descriptor_of.get("/FontDescriptor") or {})
            descriptor = descriptor.get_object() if descriptor else {}
            embedded = any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3"))
            found[str(font.get("/BaseFont"))] = embedded or font.get("/Subtype") == "/Type3"
        for xobject in (resources.get("/XObject") or {}).values():
            visit(xobject.get_object().get("/Resources"))

    for page in PdfReader(BytesIO(pdf)).pages:
        visit(page.get("/Resources"))
    return found


@pytest.fixture
def pdfs(service: LedgerService, team: Team) -> dict[str, bytes]:
    breach = sample_reception(
        date(2025, 3, 5),
        guests=10,
        companions=4,
        amount="600.00",
        unit="省教育厅督导组",
        explanations={"companions_over_cap": "分管股室负责人临时陪同汇报工作"},
    )
    submitted = service.submit(team.clerk, breach)
    approved = service.approve(team.approver, submitted.id, "同意")
    stamp = service.print_stamp("notice", "2025-03")  # as printed: every sheet carries the fingerprint
    return {
        "summary": render_summary(
            dashboard_figures(service, 2025, date(2025, 12, 31)), "XX县教育局", stamp=stamp
        ),
        "notice": render_notice(load_notice(service, date(2025, 3, 1), date(2025, 3, 31)), stamp),
        "slip": render_slip(load_slip(service, approved), stamp),
    }


@pytest.mark.parametrize("name", ["summary", "notice", "slip"])
def test_every_font_of_every_pdf_is_embedded(pdfs: dict[str, bytes], name: str) -> None:
    fonts = fonts_of(pdfs[name])
    assert fonts, "no font found"
    assert {f: e for f, e in fonts.items() if not e} == {}
    assert not any("Helvetica" in f for f in fonts)


@pytest.mark.skipif(shutil.which("pdffonts") is None, reason="poppler-utils (pdffonts) not installed")
@pytest.mark.parametrize("name", ["summary", "notice", "slip"])
def test_pdffonts_reports_no_unembedded_font(pdfs: dict[str, bytes], name: str, tmp_path: Path) -> None:
    path = tmp_path / f"{name}.pdf"
    path.write_bytes(pdfs[name])
    listing = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    rows = listing.splitlines()[2:]
    assert rows
    for row in rows:
        emb = row.split()[-5]  # name, type (may hold a space), encoding, emb, sub, uni, id, gen
        assert emb == "yes", row
