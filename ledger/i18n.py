"""Translation hook for user-facing text.

Every user-facing string passes through ``tr()``. The source language is Chinese;
a translation is a JSON file ``resources/translations/<lang>.json`` mapping the
Chinese text to the target text, chosen with the environment variable
``LEDGER_LANG``. Missing entries fall back to the Chinese original.
"""

from __future__ import annotations

import json
import os
from functools import cache
from pathlib import Path

_TRANSLATIONS = Path(__file__).resolve().parent.parent / "resources" / "translations"


@cache
def _catalog(lang: str) -> dict[str, str]:
    path = _TRANSLATIONS / f"{lang}.json"
    if not path.is_file():
        return {}
    return json.loads(path.read_text(encoding="utf-8"))


_LANG = os.environ.get("LEDGER_LANG", "")


def tr(text: str) -> str:
    if not _LANG or _LANG.startswith("zh"):
        return text
    return _catalog(_LANG).get(text, text)
