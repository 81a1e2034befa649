"""The sealed year for auditors: one ZIP holding the year's workbook, every monthly notice
and every reception list as PDF, the history and signatures as JSON, the attachments and the
public keys, with a manifest of every file's hash signed by the administrator.

``check_archive`` needs no database: it checks the manifest's signature, every file against
the manifest, every history entry against its own hash, every signature against the public
key the history recorded for it, and names what was altered.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import tempfile
import zipfile
import zlib
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, BinaryIO

from ledger import signing
from ledger.i18n import tr
from ledger.records import LedgerQuery, Status, User
from ledger.trust import entry_hash_ok

MANIFEST = "manifest.json"
MANIFEST_SIGNATURE = "manifest.sig.json"
FORMAT = "reception-ledger-archive/1"


class ArchiveError(ValueError):
    """The archive cannot be written or read at all; the message is for the user."""


@dataclass(frozen=True)
class ArchiveSummary:
    year: int
    files: int  # the files the signed manifest lists, as ``check_archive`` counts them (the
    # manifest and its signature besides: `archive` and `verify --archive` say the same number)
    receptions: int
    manifest_sha256: str


@dataclass
class ArchiveCheck:
    files: int = 0
    entries: int = 0
    signatures: int = 0
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _json(data: Any) -> bytes:
    return json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True).encode("utf-8")


def build_archive(
    service: Any, actor: User, year: int, progress: Callable[[str], None] | None = None
) -> tuple[bytes, ArchiveSummary]:
    """The archive's bytes and what it holds. The caller writes it, then seals the year."""
    from reports.notice import load_notice, month_bounds, render_notice
    from reports.slip import load_slip, render_slip
    from reports.workbook import export_year

    say = progress or (lambda _text: None)
    files: dict[str, bytes] = {}
    say(tr("台账工作簿"))
    with tempfile.TemporaryDirectory(prefix="ledger-archive-") as folder:
        book = Path(folder) / f"台账-{year}.xlsx"
        export_year(service, year, book)
        files[f"台账-{year}.xlsx"] = book.read_bytes()
    query = LedgerQuery(date_from=date(year, 1, 1), date_to=date(year, 12, 31))
    approved = service.receptions(query, approved_only=True, include_classified=True)
    months = sorted({r.reception_date.month for r in approved})
    for month in months:
        say(tr("{m} 月公示表").format(m=month))
        first, last = month_bounds(date(year, month, 1))
        notice = load_notice(service, first, last, posted_on=last)
        stamp = service.print_stamp("archive", notice.period, actor)
        files[f"公示表/{year}-{month:02d}.pdf"] = render_notice(notice, stamp)
    for r in approved:
        say(r.ref)
        record = service.get(r.id)
        slip = load_slip(service, record)
        files[f"接待清单/{r.ref}.pdf"] = render_slip(slip, service.print_stamp("archive", r.ref, actor))
        for a in record.attachments:
            files[f"附件/{r.ref}/{a.id}-{a.filename}"] = service.attachment_content(a.id)
    _before_the_meal(service, actor, year, approved, files, say)
    exported = service.year_history(year)
    files["history.json"] = _json(exported["entries"])
    files["signatures.json"] = _json(exported["signatures"])
    files["keys.json"] = _json(exported["keys"])
    head = exported["entries"][-1]["hash"] if exported["entries"] else ""
    manifest = _json(
        {
            "format": FORMAT,
            "year": year,
            "bureau": service.bureau().name,
            "sealed_by": actor.username,
            "ledger_fingerprint": service.print_stamp("archive", str(year), actor).fingerprint,
            "head": head,
            "receptions": len(approved),
            "files": {name: hashlib.sha256(content).hexdigest() for name, content in sorted(files.items())},
        }
    )
    key_id, algo, public, signature = service.archive_signature(actor, manifest)
    sealed = _json(
        {
            "username": actor.username,
            "key_id": key_id,
            "algo": algo,
            "public_key": public,
            "signature": signature,
        }
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, content in sorted(files.items()):
            z.writestr(name, content)
        z.writestr(MANIFEST, manifest)
        z.writestr(MANIFEST_SIGNATURE, sealed)
    digest = hashlib.sha256(manifest).hexdigest()
    return out.getvalue(), ArchiveSummary(year, len(files), len(approved), digest)


def _before_the_meal(
    service: Any,
    actor: User,
    year: int,
    approved: list[Any],
    files: dict[str, bytes],
    say: Callable[[str], None],
) -> None:
    """The year's pre-approval forms (every plan but drafts) and the scans of the letters its
    approved receptions cite, as kept in the register."""
    from reports.plan_form import load_plan_form, render_plan_form

    for chunk in service.plans_in_chunks(year):
        for plan, _actuals in chunk:
            if plan.status == Status.DRAFT:
                continue
            say(plan.ref)
            form = load_plan_form(service, plan)
            files[f"接待审批单/{plan.ref}.pdf"] = render_plan_form(
                form, service.print_stamp("archive", plan.ref, actor)
            )
    seen: set[str] = set()
    for r in approved:
        letter = service.find_letter(r.letter_no) if r.letter_no else None
        if letter is None or not letter.scan_size or letter.letter_no in seen or letter.id is None:
            continue
        seen.add(letter.letter_no)
        files[f"公函/{letter.id}-{letter.scan_filename}"] = service.letter_scan(letter.id)


def write_archive(service: Any, actor: User, year: int, path: Path) -> ArchiveSummary:
    """Write the sealed archive of ``year`` to ``path``, then close the year (recorded)."""
    from reports.output import write_atomic

    if year not in service.years():
        raise ArchiveError(tr("账本中没有 {year} 年的接待").format(year=year))
    problem = service.seal_problem(year)
    if problem:
        raise ArchiveError(problem)
    content, summary = build_archive(service, actor, year)

    def written_then_sealed(fh: BinaryIO) -> None:
        # the year is sealed once the archive is on disk, and the archive takes its name once
        # the year is sealed: a seal refused (a constraint added to the ledger by hand) leaves
        # no archive of a year that is not sealed
        fh.write(content)
        fh.flush()
        os.fsync(fh.fileno())
        service.seal_year(actor, year, summary.manifest_sha256)

    write_atomic(path, written_then_sealed)
    return summary


# ---------------------------------------------------------------------------- checking
JSON_FILES = (MANIFEST, MANIFEST_SIGNATURE, "history.json", "signatures.json", "keys.json")
MAX_JSON_BYTES = 1 << 30  # the files held whole to be parsed (a year's history as JSON)
MAX_ENTRY_BYTES = 4 << 30  # any file, hashed in chunks (a workbook, a PDF, an attachment)
MAX_TOTAL_BYTES = 16 << 30
MAX_RATIO = 100  # uncompressed / compressed, beyond the first RATIO_FREE bytes of a file
RATIO_FREE = 1 << 20
_CHUNK = 1 << 20


class _Reader:
    """Every member of the ZIP decompressed through a counter (headers can lie): each file's and
    the total size are capped, and so is the compression ratio, so a zip bomb stops early."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.total = 0

    def too_large(self, name: str) -> ArchiveError:
        return ArchiveError(
            tr("封存文件 {path} 中的 {name} 解压后过大或压缩比异常（可能是恶意构造的文件），未校验").format(
                path=self.path, name=name
            )
        )

    def chunks(self, z: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int) -> Iterator[bytes]:
        if info.file_size > limit or self.total + info.file_size > MAX_TOTAL_BYTES:
            raise self.too_large(info.filename)
        allowed = min(limit, max(RATIO_FREE, info.compress_size * MAX_RATIO))
        read = 0
        with z.open(info) as stream:
            while chunk := stream.read(_CHUNK):
                read += len(chunk)
                self.total += len(chunk)
                if read > allowed or self.total > MAX_TOTAL_BYTES:
                    raise self.too_large(info.filename)
                yield chunk


def _read_members(path: Path) -> tuple[dict[str, bytes], dict[str, str], list[str]]:
    """The JSON files' bytes, every other file's SHA-256, and the names found more than once."""
    reader = _Reader(path)
    held: dict[str, bytes] = {}
    digests: dict[str, str] = {}
    try:
        with zipfile.ZipFile(path) as z:
            # directory entries too: the program writes none, so one is an addition (and a name
            # that is also a folder would unpack as a folder in place of the sealed file)
            infos = z.infolist()
            counted = Counter(info.filename.rstrip("/") for info in infos)
            twice = sorted(name for name, n in counted.items() if n > 1)
            if twice:
                return held, digests, twice
            for info in infos:
                if info.filename in JSON_FILES:
                    held[info.filename] = b"".join(reader.chunks(z, info, MAX_JSON_BYTES))
                else:
                    digest = hashlib.sha256()
                    for chunk in reader.chunks(z, info, MAX_ENTRY_BYTES):
                        digest.update(chunk)
                    digests[info.filename] = digest.hexdigest()
    except ArchiveError:
        raise
    except FileNotFoundError:
        raise ArchiveError(tr("找不到文件：{path}").format(path=path)) from None
    except (
        zipfile.BadZipFile,
        zlib.error,
        EOFError,
        NotImplementedError,
        RuntimeError,
        OSError,
        ValueError,
    ) as exc:
        raise ArchiveError(tr("不是可读的封存文件（ZIP）：{path}（{e}）").format(path=path, e=exc)) from None
    return held, digests, []


def _parse(content: bytes | str | None) -> Any:
    """JSON, or ValueError (also for nesting too deep to parse)."""
    try:
        return json.loads(content if content is not None else b"")
    except RecursionError:
        raise ValueError("nested too deeply") from None


def check_archive(path: Path) -> ArchiveCheck:
    """Check a sealed archive without any database; ``problems`` names what was altered."""
    result = ArchiveCheck()
    held, digests, twice = _read_members(path)
    if twice:
        result.problems.append(
            tr("封存文件中有重名的文件 {name}（同名的两份中只有一份会被读到：被改动）").format(
                name="、".join(twice[:5])
            )
        )
        return result
    manifest_bytes = held.pop(MANIFEST, None)
    sealed_bytes = held.pop(MANIFEST_SIGNATURE, None)
    if manifest_bytes is None:
        raise ArchiveError(tr("封存文件缺少清单 {name}，无法校验").format(name=MANIFEST))
    try:
        manifest = _parse(manifest_bytes)
        listed: dict[str, str] = dict(manifest["files"])
    except (ValueError, KeyError, TypeError):
        result.problems.append(tr("清单 {name} 被改动（无法读取）").format(name=MANIFEST))
        return result
    for name, content in held.items():
        digests[name] = hashlib.sha256(content).hexdigest()
    deeper = ArchiveCheck()  # what the contents say, after the files themselves
    parsed = {name: _load(held, name, deeper) for name in ("history.json", "signatures.json", "keys.json")}
    keys_by_history = _keys(parsed, deeper)
    _check_manifest_signature(manifest_bytes, sealed_bytes, keys_by_history, result)
    for name, expected in sorted(listed.items()):
        digest = digests.get(name) if isinstance(name, str) else None
        if digest is None:
            result.problems.append(tr("文件 {name} 已被删除").format(name=name))
        elif digest != expected:
            result.problems.append(tr("文件 {name} 被改动（与清单中的校验值不符）").format(name=name))
        else:
            result.files += 1
    for name in sorted(set(digests) - set(listed)):
        result.problems.append(tr("文件 {name} 不在清单中（被加入）").format(name=name))
    _check_history(parsed, keys_by_history, deeper)
    result.entries, result.signatures = deeper.entries, deeper.signatures
    result.problems += deeper.problems
    result.notes += deeper.notes
    return result


def _load(contents: dict[str, bytes], name: str, result: ArchiveCheck) -> Any:
    if name not in contents:
        return None  # named as deleted by the manifest check
    try:
        return _parse(contents[name])
    except ValueError:
        result.problems.append(tr("文件 {name} 无法读取（被改动）").format(name=name))
        return None


def _keys(parsed: dict[str, Any], result: ArchiveCheck) -> dict[int, signing.KeyEntry]:
    """The keys as the history recorded them (keys.json must list the same)."""
    entries = parsed["history.json"] if isinstance(parsed["history.json"], list) else []
    recorded: dict[int, signing.KeyEntry] = {}
    for e in entries:
        if isinstance(e, dict) and e.get("entity") == "key" and entry_hash_ok(e):
            try:
                data = _parse(e["after"])
                recorded[int(e["entity_id"])] = signing.KeyEntry(
                    int(e["id"]), int(e["entity_id"]), data["username"], data["algo"], data["public_key"]
                )
            except (ValueError, KeyError, TypeError):
                continue
    listed = {}
    for k in parsed["keys.json"] if isinstance(parsed["keys.json"], list) else []:
        try:
            listed[int(k["key_id"])] = k
        except (KeyError, TypeError, ValueError):
            continue
    for key_id, k in sorted(listed.items()):
        r = recorded.get(key_id)
        if r is not None and (r.username, r.algo, r.public) != (
            k.get("username"),
            k.get("algo"),
            k.get("public_key"),
        ):
            result.problems.append(
                tr("keys.json 中用户 {name} 的公钥（第 {id} 号）与历史记录不符（被替换）").format(
                    name=k.get("username"), id=key_id
                )
            )
    return recorded


def _check_manifest_signature(
    manifest: bytes, sealed_bytes: bytes | None, keys: dict[int, signing.KeyEntry], result: ArchiveCheck
) -> None:
    try:
        sealed = _parse(sealed_bytes)
        key = keys.get(int(sealed["key_id"]))
        ok = (
            key is not None
            and key.username == sealed["username"]
            and signing.Checker().ok(key.algo, key.public, manifest, sealed["signature"])
        )
    except (ValueError, KeyError, TypeError):
        ok = False
    if not ok:
        result.problems.insert(
            0,
            tr("清单 {name} 或其签名被改动（管理员签名与历史记录中的公钥不符）").format(name=MANIFEST),
        )


def _check_history(
    parsed: dict[str, Any],
    keys: dict[int, signing.KeyEntry],
    result: ArchiveCheck,
) -> None:
    history, signatures = parsed["history.json"], parsed["signatures.json"]
    entries = [e for e in history if isinstance(e, dict)] if isinstance(history, list) else []
    sigs = {}
    for g in signatures if isinstance(signatures, list) else []:
        try:
            sigs[int(g["history_id"])] = g
        except (KeyError, TypeError, ValueError):
            continue
    by_user: dict[str, list[signing.KeyEntry]] = {}
    for k in sorted(keys.values(), key=lambda k: k.entry_id):
        by_user.setdefault(k.username, []).append(k)
    checker = signing.Checker()
    unsigned = 0
    for e in entries:
        result.entries += 1
        if not entry_hash_ok(e):
            result.problems.append(
                tr("history.json 第 {id} 条（{ref}）与其校验值不符（被改动）").format(
                    id=e.get("id"), ref=e.get("ref", "")
                )
            )
            continue
        if e.get("action") not in signing.SIGNED_ACTIONS:
            continue
        problem = signing.signature_problem(keys, by_user, checker, e, sigs.get(int(e["id"])))
        if problem == "":
            unsigned += 1
        elif problem:
            result.problems.append(problem)
        else:
            result.signatures += 1
    if unsigned:
        result.notes.append(tr("有 {n} 条审核记录早于签名功能，没有签名").format(n=unsigned))
