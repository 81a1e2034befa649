"""Chinese on every machine: the bundled CJK font, or a good system one when present.

WenQuanYi Micro Hei (Apache-2.0, resources/fonts/LICENSE-wqy-microhei.txt) ships with
the application and is always registered, so a machine with no Chinese font still
draws Chinese instead of boxes. Where the system has Microsoft YaHei, PingFang or
Noto Sans CJK, the window prefers it and keeps the bundled font as a fallback.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtGui import QFont, QFontDatabase, QGuiApplication

FONT_FILE = Path(__file__).resolve().parent.parent / "resources" / "fonts" / "wqy-microhei.ttc"
BUNDLED_FAMILY = "WenQuanYi Micro Hei"
PREFERRED_SYSTEM_FAMILIES: tuple[str, ...] = (
    "Microsoft YaHei UI",
    "Microsoft YaHei",
    "微软雅黑",
    "PingFang SC",
    "Noto Sans CJK SC",
    "Noto Sans SC",
    "Source Han Sans SC",
    "思源黑体",
)
DEFAULT_POINT_SIZE = 10.0

_bundled_families: list[str] | None = None


def load_bundled_font() -> list[str]:
    """Register the bundled font with Qt once; the families it provides."""
    global _bundled_families
    if _bundled_families is None:
        font_id = QFontDatabase.addApplicationFont(str(FONT_FILE))
        _bundled_families = list(QFontDatabase.applicationFontFamilies(font_id)) if font_id >= 0 else []
    return list(_bundled_families)


def choose_family(available: list[str], bundled: list[str]) -> str:
    """A preferred system CJK family when installed, else the bundled one."""
    installed = set(available)
    for family in PREFERRED_SYSTEM_FAMILIES:
        if family in installed:
            return family
    if BUNDLED_FAMILY in bundled:
        return BUNDLED_FAMILY
    return bundled[0] if bundled else ""


def install_cjk_font(app: QGuiApplication) -> str:
    """Load the bundled font, pick the family to use and make it the application font.

    The bundled family is also installed as a substitute for whatever family is chosen,
    so a glyph missing from a system font still falls back to a Chinese glyph.
    Returns the family in use ("" only if the bundled file is missing and no CJK font exists).
    """
    bundled = load_bundled_font()
    family = choose_family(list(QFontDatabase.families()), bundled)
    if not family:
        return ""
    font = QFont(app.font())
    font.setFamilies([family, *[b for b in bundled if b != family]])
    if font.pointSizeF() < DEFAULT_POINT_SIZE:
        font.setPointSizeF(DEFAULT_POINT_SIZE)
    app.setFont(font)
    for generic in ("Sans Serif", "sans-serif", "Helvetica", "Arial", "SimSun", "宋体"):
        if bundled and generic != family:
            QFont.insertSubstitution(generic, bundled[0])
    return family
