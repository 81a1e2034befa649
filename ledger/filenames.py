"""Safe file names for attachments.

An attachment's name comes from outside (the file the clerk picked, or any caller of the
service) and is later used to write the file back to disk when it is opened. Whatever it
was, the stored name is one plain file name: no folder part, no "." or "..", no control
characters, nothing Windows refuses (<>:"/\\|?*, CON, NUL, …), not empty and not too long
for a file system or the database column; the extension is kept.
"""

from __future__ import annotations

import re
import unicodedata

from ledger.i18n import tr

MAX_NAME_BYTES = 200  # UTF-8 bytes: under the usual 255 with room for a folder's temp names
MAX_EXTENSION = 10
_WINDOWS_FORBIDDEN = re.compile(r'[<>:"|?*]')
_WINDOWS_RESERVED = frozenset(
    ["CON", "PRN", "AUX", "NUL"] + [f"COM{i}" for i in range(1, 10)] + [f"LPT{i}" for i in range(1, 10)]
)


def _clean(text: str) -> str:
    text = "".join(c for c in text if unicodedata.category(c) not in ("Cc", "Cs"))
    return _WINDOWS_FORBIDDEN.sub("_", text)


def _truncate(text: str, max_bytes: int) -> str:
    encoded = text.encode("utf-8")
    if len(encoded) <= max_bytes:
        return text
    return encoded[:max_bytes].decode("utf-8", errors="ignore")


def safe_attachment_name(name: str) -> str:
    """``name`` as a plain, safe file name; ``附件`` plus the extension when nothing is left."""
    base = re.split(r"[/\\]", name or "")[-1]  # the file's own name, whichever separator
    base = _clean(base).strip()
    stem, dot, extension = base.rpartition(".")
    if dot and extension.isalnum() and len(extension) <= MAX_EXTENSION:
        extension = "." + extension
    else:
        stem, extension = base, ""
    stem = stem.strip(" .")  # no "." / "..", no hidden file, no trailing dot Windows drops
    if stem.split(".")[0].strip().upper() in _WINDOWS_RESERVED:
        stem = "_" + stem
    if not stem:
        stem = tr("附件")
    stem = _truncate(stem, MAX_NAME_BYTES - len(extension.encode("utf-8"))).rstrip(" .") or tr("附件")
    return stem + extension
