"""The QR code at the foot of a printed page holds the ledger fingerprint, the date and the
reference: rendered as a reader's phone would see it, and decoded (issue 12)."""

from __future__ import annotations

import io

import zxingcpp
from PIL import Image
from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QSize
from PySide6.QtPdf import QPdfDocument

from ledger.service import LedgerService
from reports.slip import load_slip, render_slip
from tests.conftest import Team, sample_reception


def page_image(pdf: bytes) -> Image.Image:
    data = QByteArray(pdf)
    source = QBuffer(data)
    source.open(QIODevice.OpenModeFlag.ReadOnly)
    document = QPdfDocument()
    document.load(source)
    image = document.render(0, QSize(1654, 2339))  # A4 at 200 dpi
    out = QBuffer()
    out.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(out, "PNG")
    rendered = Image.open(io.BytesIO(bytes(out.data()))).convert("RGBA")
    paper = Image.new("RGBA", rendered.size, "white")  # the page is rendered on a transparent ground
    return Image.alpha_composite(paper, rendered).convert("L")


def test_qr_code_holds_fingerprint_date_and_reference(service: LedgerService, team: Team) -> None:
    r = service.submit(team.clerk, sample_reception())
    service.approve(team.approver, r.id)  # type: ignore[arg-type]
    stamp = service.print_stamp("slip", "JD-2025-0001")
    pdf = render_slip(load_slip(service, "JD-2025-0001"), stamp)
    codes = zxingcpp.read_barcodes(page_image(pdf))
    assert [c.text for c in codes] == [
        f"账本指纹 {stamp.fingerprint}\n{stamp.printed_at:%Y-%m-%d}\nJD-2025-0001"
    ]
    assert service.anchor(codes[0].text.splitlines()[0]).found
