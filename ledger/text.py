"""Text as it enters the ledger: one normal form, applied once on the way in.

Everything a person types in the window, a workbook cell or a command-line argument passes
through here before it is checked or stored, so that what looks the same *is* the same:
a zero-width space, a right-to-left mark or a full-width letter cannot make "boss" a
different person from "ｂｏｓｓ\u200b", nor "市\u200b教育局" a different unit.

Two forms, because Chinese prose keeps its own punctuation:

- ``clean_line`` (names, units, numbers, venues: anything compared or searched) is Unicode
  NFKC — full-width letters, digits and brackets become their plain forms — with every
  control, format (zero-width, bidirectional) and private character removed and white
  space folded to single spaces;
- ``clean_prose`` (activities, remarks, explanations, comments) removes the same invisible
  characters and keeps line breaks, but is only NFC, so "，：（）" stay as the writer typed them.

``person_key`` is the form in which names of people (and user names) are compared.
"""

from __future__ import annotations

import functools
import re
import unicodedata

# Cc control, Cf format (zero-width, bidi marks and isolates, BOM, soft hyphen), Co private use,
# Cs surrogates, Cn unassigned: nothing a reader can see, so nothing a ledger should hold
_INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Co", "Cs", "Cn"})
# Unicode's Default_Ignorable_Code_Point characters of other categories: combining grapheme
# joiner, Hangul fillers, Khmer inherent vowels, variation selectors, Mongolian selectors — they
# render as nothing, so "ad\u034fm" would pass for "adm"
_IGNORABLE = re.compile(
    "[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u202a-\u202e"
    "\u2060-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0\ufff0-\ufff8\U0001bca0-\U0001bca3"
    "\U0001d173-\U0001d17a\U000e0000-\U000e0fff]"
)
_SPACES = re.compile(r"\s+")
_LINE_END = re.compile(r"\r\n?|[\u2028\u2029\x0b\x0c\x85]")


def _visible(text: str) -> str:
    text = _IGNORABLE.sub("", text)
    return "".join(ch for ch in text if ch.isspace() or unicodedata.category(ch) not in _INVISIBLE_CATEGORIES)


def _already_clean(value: str, form: str) -> bool:
    """Whether ``value`` is already in its normal form, checked at C speed: the usual case (a
    workbook cell the reader cleaned, a record read back) costs no character-by-character pass.
    ``isprintable`` is False for every control, format, private, unassigned and separator
    character but the ASCII space; the few invisible letters and marks are matched apart."""
    return (
        value.isprintable()
        and "  " not in value
        and value == value.strip()
        and (value.isascii() or (unicodedata.is_normalized(form, value) and not _IGNORABLE.search(value)))
    )


_CACHED_CHARS = 100  # short texts repeat (units, names, venues): their clean form is remembered


# what separates the names of a list in a workbook cell (接待对象名单): no name may hold one
NAME_SEPARATORS = re.compile(r"[、;；,，\n]+")


def clean_line(text: object) -> str:
    """One line of identifying text: NFKC, no invisible characters, single spaces, trimmed."""
    if text is None:
        return ""
    value = text if type(text) is str else str(text)
    if len(value) <= _CACHED_CHARS:
        return _clean_line_cached(value)
    return _clean_line(value)


def _clean_line(value: str) -> str:
    if _already_clean(value, "NFKC"):
        return value
    value = _visible(unicodedata.normalize("NFKC", value))
    return _SPACES.sub(" ", value).strip()


_clean_line_cached = functools.lru_cache(maxsize=1 << 15)(_clean_line)


def clean_prose(text: object) -> str:
    """Free text: NFC, no invisible characters, line breaks kept as "\\n", lines right-trimmed."""
    if text is None:
        return ""
    value = text if type(text) is str else str(text)
    if len(value) <= _CACHED_CHARS:
        return _clean_prose_cached(value)
    return _clean_prose(value)


def _clean_prose(value: str) -> str:
    if _already_clean(value, "NFC"):
        return value
    value = _LINE_END.sub("\n", unicodedata.normalize("NFC", value)).replace("\t", " ")
    value = _visible(value)
    lines = [_SPACES.sub(" ", line).rstrip() for line in value.split("\n")]
    return "\n".join(lines).strip()


_clean_prose_cached = functools.lru_cache(maxsize=1 << 15)(_clean_prose)


def person_key(name: object) -> str:
    """How names of people and user names are compared: clean, case-folded, without spaces
    ("张 局长" is "张局长", "BOSS" is "boss")."""
    return clean_line(name).casefold().replace(" ", "")


_BRACKETS = str.maketrans(
    {
        **dict.fromkeys("〔[【〖〘〚（［｛{⦅︹︵︻︽﹙﹝〈《<「『﹤︿﹁﹃", "("),
        **dict.fromkeys("〕]】〗〙〛）］｝}⦆︺︶︼︾﹚﹞〉》>」』﹥﹀﹂﹄", ")"),
    }
)


def text_key(text: str) -> str:
    """A letter number, invoice number or unit as compared: 市教函〔2025〕12号 = 市教函[２０２５] 12号."""
    if not unicodedata.is_normalized("NFKC", text):  # text is stored in NFKC: rarely needed
        text = unicodedata.normalize("NFKC", text)
    return "".join(text.translate(_BRACKETS).split()).casefold()
