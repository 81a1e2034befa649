"""The bundled CJK TrueType font, registered with reportlab once.

WenQuanYi Micro Hei (Apache-2.0, see resources/fonts/LICENSE-wqy-microhei.txt) ships
with the application, so every PDF embeds a subset of it and Chinese renders on a
machine with no Chinese font installed.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

FONT_FILE = Path(__file__).resolve().parent.parent / "resources" / "fonts" / "wqy-microhei.ttc"
FONT_NAME = "WenQuanYiMicroHei"


@cache
def register_cjk_font() -> str:
    """Register the font (idempotent) and return its reportlab name."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    pdfmetrics.registerFont(TTFont(FONT_NAME, str(FONT_FILE), subfontIndex=0))
    return FONT_NAME
