"""A ledger's address as a person sees it: printed without its password, and compared by
the ledger it names (two spellings of one address are one ledger)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url

from ledger.i18n import tr

DEFAULT_PORTS = {"postgresql": 5432, "mysql": 3306, "mariadb": 3306}
_LOOPBACK = {"localhost", "127.0.0.1", "::1", "[::1]"}


_SECRET_KEYS = ("password", "passwd", "pwd", "sslpassword", "secret", "token")


def shown(url: str) -> str:
    """The ledger's address as printed: a password is never shown, whether it is written
    before the host (``user:secret@host``), in the query (``?password=secret``) or the address
    cannot be parsed at all (then everything between ``://`` and the last ``@`` is hidden)."""
    if "://" not in url:
        return url
    try:
        if url.partition("://")[2].split("/")[0].count("@") > 1:  # an unencoded @ in the password
            raise ValueError(url)
        parsed = make_url(url)
        query = {
            k: ("***" if any(secret in k.lower() for secret in _SECRET_KEYS) else v)
            for k, v in parsed.query.items()
        }
        return parsed.set(query=query).render_as_string(hide_password=True).replace("%2A%2A%2A", "***")
    except Exception:
        scheme, _, rest = url.partition("://")
        if "@" in rest:
            rest = "***@" + rest.rpartition("@")[2]
        return f"{scheme}://{rest.split('?')[0]}"


def secrets(url: str) -> list[str]:
    """The password texts of ``url``, to be taken out of any message that repeats them."""
    found: list[str] = []
    try:
        if url.partition("://")[2].split("/")[0].count("@") > 1:
            raise ValueError(url)
        parsed = make_url(url)
    except Exception:
        rest = url.partition("://")[2]
        return [rest.rpartition("@")[0]] if "@" in rest else []
    if parsed.password:
        found.append(str(parsed.password))
    for key, value in parsed.query.items():
        if any(secret in key.lower() for secret in _SECRET_KEYS):
            found += [value] if isinstance(value, str) else list(value)
    return [f for f in found if f]


def identity(url: str) -> tuple[str, ...]:
    """What makes two addresses the same ledger: the file of a SQLite ledger (its device and
    inode when it exists, so links and every path spelling agree), the server and database of
    any other (the default port filled in, every loopback name one host)."""
    try:
        if "://" not in url:
            return _file_identity(url)
        parsed = make_url(url)
        if parsed.get_backend_name() == "sqlite":
            database = parsed.database or ""
            if database.startswith("file:"):
                database = database[5:].split("?")[0]
            return _file_identity(database)
        return server_identity(parsed)
    except Exception:
        return ("unparsed", url)


def server_identity(parsed: Any) -> tuple[str, str, str, str]:
    """A server ledger as (backend, host, port, database): the default port filled in and every
    loopback name one host, so two spellings of one address agree."""
    backend = parsed.get_backend_name()
    host = (parsed.host or "localhost").lower()
    return (
        backend,
        "localhost" if host in _LOOPBACK else host,
        str(parsed.port or DEFAULT_PORTS.get(backend, "")),
        parsed.database or "",
    )


def _file_identity(path: str) -> tuple[str, ...]:
    resolved = Path(path).expanduser().resolve()
    try:
        stat = os.stat(resolved)
        return ("sqlite-file", str(stat.st_dev), str(stat.st_ino))
    except OSError:
        return ("sqlite", str(resolved))


def one_line(message: str, url: str, source: str) -> str:
    """``message`` on one line, with ``url`` as ``source`` and every password of it hidden, and
    without the SQL statement and link a database driver's error adds."""
    for tail in (" [SQL:", "(Background on this error"):
        message = message.split(tail)[0]
    message = message.replace(url, source)
    for secret in secrets(url):
        message = message.replace(secret, "***")
    return " ".join(message.split()) or tr("无法打开")
