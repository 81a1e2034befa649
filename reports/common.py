"""What the PDF reports share: the bundled font, paragraph styles, page numbers, dates on paper."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_LEFT
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Paragraph

from ledger.i18n import tr
from ledger.trust import Stamp
from reports.fonts import register_cjk_font


def cjk_style(
    name: str, size: float, *, leading: float | None = None, align: int = TA_LEFT
) -> ParagraphStyle:
    return ParagraphStyle(
        name,
        fontName=register_cjk_font(),
        fontSize=size,
        leading=leading if leading is not None else size * 1.3,
        alignment=align,
        wordWrap="CJK",
    )


def para(text: str, style: ParagraphStyle) -> Paragraph:
    """A paragraph of plain text (escaped: a unit called "A&B" prints as written)."""
    return Paragraph(escape(text).replace("\n", "<br/>"), style)


class CellMaker:
    """Table cells as cheap as possible: plain strings, broken into lines here when the text
    is wider than its column (a long unit name, a long activity).

    A plain string cell costs reportlab a fraction of a Paragraph, which matters for a
    1,000-row notice. Chinese text may break between any two characters; a run of Latin
    letters or digits is kept whole where it fits on a line.
    """

    def __init__(self, size: float) -> None:
        self.font = register_cjk_font()
        self.size = size
        self._widths: dict[str, float] = {}

    def _width(self, char: str) -> float:
        width = self._widths.get(char)
        if width is None:
            width = self._widths[char] = stringWidth(char, self.font, self.size)
        return width

    def __call__(self, text: str, inner_width: float) -> str:
        # every glyph of the font is at most one em wide, so short text needs no measuring
        if len(text) * self.size <= inner_width and "\n" not in text:
            return text
        return "\n".join(line for part in text.split("\n") for line in self.lines(part, inner_width))

    def lines(self, text: str, inner_width: float) -> list[str]:
        out: list[str] = []
        line: list[str] = []
        used = 0.0
        for token in _tokens(text):
            width = sum(self._width(c) for c in token)
            if used + width <= inner_width or not line:
                if width > inner_width:  # a token wider than the column: break it by character
                    for char in token:
                        w = self._width(char)
                        if used + w > inner_width and line:
                            out.append("".join(line))
                            line, used = [], 0.0
                        line.append(char)
                        used += w
                    continue
                line.append(token)
                used += width
            else:
                out.append("".join(line).rstrip())
                token = token.lstrip()
                line, used = [token], sum(self._width(c) for c in token)
        if line:
            out.append("".join(line))
        return out or [""]


def _tokens(text: str) -> list[str]:
    """Characters of Chinese text one by one; runs of ASCII letters and digits together."""
    tokens: list[str] = []
    run = ""
    for char in text:
        if char.isascii() and char.isalnum() or char in ".-/":
            run += char
            continue
        if run:
            tokens.append(run)
            run = ""
        tokens.append(char)
    if run:
        tokens.append(run)
    return tokens


def long_date(day: date) -> str:
    return tr("{y}年{m}月{d}日").format(y=day.year, m=day.month, d=day.day)


def period_label(date_from: date, date_to: date) -> str:
    """``2025年3月`` for a calendar month, ``2025年3月7日`` for one day, else a range."""
    if date_from == date_to:
        return long_date(date_from)
    if date_from.day == 1 and date_from.year == date_to.year and date_from.month == date_to.month:
        next_day = date_to.toordinal() + 1
        if date.fromordinal(next_day).day == 1:
            return tr("{y}年{m}月").format(y=date_from.year, m=date_from.month)
    if date_from.month == 1 and date_from.day == 1 and (date_to.month, date_to.day) == (12, 31):
        if date_from.year == date_to.year:
            return tr("{y}年").format(y=date_from.year)
    return tr("{a}至{b}").format(a=long_date(date_from), b=long_date(date_to))


QR_SIZE_MM = 14  # from 1.5 mm up: below the 16 mm bottom margin of a4_pdf


def draw_fingerprint(canvas: Canvas, stamp: Stamp, page_width: float, *, bottom: float | None = None) -> None:
    """The ledger fingerprint at the foot of a page: ``账本指纹 1a2b-3c4d-5e6f-7a8b`` at the left,
    and at the right a QR code holding it with the printing date and the reference.

    Every printed sheet (notice, reception list, pre-approval form, year summary, disclosure)
    calls this, through ``a4_pdf(stamp=...)`` or directly on its own canvas.
    """
    from reportlab.graphics.barcode.qr import QrCodeWidget
    from reportlab.lib.units import mm

    bottom = 1.5 * mm if bottom is None else bottom
    size = QR_SIZE_MM * mm
    # the modules drawn as rectangles on the page itself: reportlab's drawing renderer would set
    # its default font (a Helvetica that is not embedded) on the page
    qr = QrCodeWidget(stamp.qr_text, barLevel="M").qr
    qr.make()
    count = qr.getModuleCount()
    border = 4
    box = size / (count + 2 * border)
    left = page_width - 10 * mm - size
    canvas.saveState()
    canvas.setFillColorRGB(0, 0, 0)
    for r, row in enumerate(qr.modules):
        for c, dark in enumerate(row):
            if dark:
                x = left + (border + c) * box
                y = bottom + size - (border + r + 1) * box
                canvas.rect(x, y, box, box, stroke=0, fill=1)
    canvas.setFont(register_cjk_font(), 8)
    canvas.drawString(12 * mm, bottom + 5 * mm, stamp.label)
    canvas.restoreState()


def numbered_canvas(footer: str, stamp: Stamp | None = None) -> Callable[..., Canvas]:
    """A canvasmaker that writes ``footer  第 x 页 共 y 页`` at the foot of every page, and the
    ledger fingerprint when a ``stamp`` is given."""

    font = register_cjk_font()

    class NumberedCanvas(Canvas):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._page_states: list[dict[str, Any]] = []

        def showPage(self) -> None:
            self._page_states.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self._page_states)
            for state in self._page_states:
                self.__dict__.update(state)
                self._draw_footer(total)
                super().showPage()
            super().save()

        def _draw_footer(self, total: int) -> None:
            width, _ = self._pagesize
            self.saveState()
            self.setFont(font, 8)
            text = tr("第 {page} 页 共 {total} 页").format(page=self._pageNumber, total=total)
            if footer:
                text = f"{footer}    {text}"
            self.drawCentredString(width / 2, 8 * 2.834645669, text)
            self.restoreState()
            if stamp is not None:
                draw_fingerprint(self, stamp, width)

    return NumberedCanvas


CENTER = TA_CENTER


# the A4 forms (the reception list, the pre-approval form): their text width and header shade
FORM_WIDTH = 186 * mm
GREY = colors.HexColor("#e6e6e6")


def grid(font: str, size: float) -> list[tuple[object, ...]]:
    """The style of a ruled table of the bundled font (the reception list's, the pre-approval form's)."""
    return [
        ("FONTNAME", (0, 0), (-1, -1), font),
        ("FONTSIZE", (0, 0), (-1, -1), size),
        ("LEADING", (0, 0), (-1, -1), size * 1.3),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
        ("LEFTPADDING", (0, 0), (-1, -1), 3),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3),
        ("TOPPADDING", (0, 0), (-1, -1), 1.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
    ]


def a4_pdf(
    story: list[Any],
    *,
    title: str,
    author: str,
    footer: str,
    font_size: float,
    side_margin_mm: float = 12,
    stamp: Stamp | None = None,
    on_page: Callable[[Canvas, Any], None] | None = None,
    pages: list[int] | None = None,
) -> bytes:
    """Build a numbered A4 document of the bundled font: notice sheet, reception list, summary.
    ``on_page`` draws under each page's content (the pre-approval form's 未审批 / 已作废);
    ``pages``, when given, receives the number of pages built."""
    import io

    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.platypus import SimpleDocTemplate

    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=side_margin_mm * mm,
        rightMargin=side_margin_mm * mm,
        topMargin=14 * mm,
        bottomMargin=16 * mm,
        title=title,
        author=author,
        creator="Reception Ledger",
        initialFontName=register_cjk_font(),
        initialFontSize=font_size,
    )
    if on_page is None:
        doc.build(story, canvasmaker=numbered_canvas(footer, stamp))
    else:
        doc.build(story, onFirstPage=on_page, onLaterPages=on_page, canvasmaker=numbered_canvas(footer, stamp))
    if pages is not None:
        pages.append(doc.page)
    return out.getvalue()
