"""Run the command line in a process of its own, as a user would.

Each command runs in a fresh process with its own environment, standard streams and exit code.
On Linux and macOS it is forked from a process that has already imported the program's modules
(tests/cli_zygote.py), which saves the second a command spends importing them; elsewhere, or
with LEDGER_TEST_FRESH_CLI=1, it is ``python main.py ...`` started anew.
"""

from __future__ import annotations

import io
import json
import locale
import os
import subprocess
import sys
import tempfile
import threading
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def run_cli(
    *args: str, env: dict[str, str] | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    full_env = {
        k: v for k, v in os.environ.items() if not k.startswith("LEDGER_") or k == "LEDGER_ANCHOR_DIR"
    }
    full_env.update(env or {})
    command = [sys.executable, str(ROOT / "main.py"), *args]
    zygote = None if not hasattr(os, "fork") or os.environ.get("LEDGER_TEST_FRESH_CLI") else _Zygote.get()
    if zygote is None or _read_at_start(full_env, zygote.env):
        return subprocess.run(
            command,
            capture_output=True,
            text=True,
            env=full_env,
            cwd=ROOT,
            timeout=timeout,
            stdin=subprocess.DEVNULL,
        )
    return zygote.run(command, full_env, timeout)


# what an interpreter or the program's imports read once, at start: a forked child keeps the
# zygote's (hash seed, stream encodings, locale, ledger.i18n's language), so such a command runs anew
_AT_START = ("PYTHON", "LC_", "LANG", "LEDGER_LANG")


def _read_at_start(env: dict[str, str], zygote: dict[str, str]) -> bool:
    names = {k for k in env.keys() | zygote.keys() if k.startswith(_AT_START)}
    return any(env.get(k) != zygote.get(k) for k in names)


def _zygote_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("LEDGER_")}


class _Zygote:
    """The forking server of this test process (one per pytest-xdist worker), started at its
    first command; it ends when this process does (its stdin closes)."""

    _instance: _Zygote | None = None
    _lock = threading.Lock()

    @classmethod
    def get(cls) -> _Zygote:
        with cls._lock:
            if cls._instance is None or cls._instance.process.poll() is not None:
                cls._instance = cls()
            return cls._instance

    def __init__(self) -> None:
        self.env = _zygote_env()
        self.process = subprocess.Popen(
            [sys.executable, "-c", "from tests.cli_zygote import serve; serve()"],
            cwd=ROOT,
            env=self.env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
        )
        self.write_lock = threading.Lock()
        self.started: dict[int, int] = {}  # request id -> pid
        self.ended: dict[int, int] = {}  # request id -> exit code (not by pid: pids are reused)
        self.changed = threading.Condition()
        self.next_id = 0
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            message: dict[str, Any] = json.loads(line)
            with self.changed:
                if "pid" in message:
                    self.started[message["id"]] = message["pid"]
                else:
                    self.ended[message["id"]] = message["code"]
                self.changed.notify_all()
        with self.changed:  # the server ended: nobody waits for it in vain
            self.changed.notify_all()

    def run(self, command: list[str], env: dict[str, str], timeout: float) -> subprocess.CompletedProcess[str]:
        with tempfile.TemporaryDirectory(prefix="ledger-cli-") as folder:
            out, err = Path(folder) / "stdout", Path(folder) / "stderr"
            with self.write_lock:
                self.next_id += 1
                request_id = self.next_id
                request = {"id": request_id, "args": command[1:], "env": env, "cwd": str(ROOT)}
                assert self.process.stdin is not None
                self._send(request | {"stdout": str(out), "stderr": str(err)})
            try:
                pid = self._wait(lambda: self.started.get(request_id), 30)
                if pid is None:
                    raise RuntimeError("the command-line server did not start the command")
                code = self._wait(lambda: self.ended.get(request_id), timeout)
                if code is None and self.process.poll() is not None:
                    raise RuntimeError("the command-line server ended while the command ran")
                if code is None:
                    with self.write_lock:
                        self._send({"kill": request_id})
                    self._wait(lambda: self.ended.get(request_id), 30)
                    raise subprocess.TimeoutExpired(command, timeout, _text(out), _text(err))
                return subprocess.CompletedProcess(command, code, _text(out), _text(err))
            finally:
                with self.changed:
                    self.started.pop(request_id, None)
                    self.ended.pop(request_id, None)

    def _send(self, message: dict[str, Any]) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(json.dumps(message).encode() + b"\n")
        self.process.stdin.flush()

    def _wait(self, answer: Any, timeout: float) -> Any:
        with self.changed:
            self.changed.wait_for(lambda: answer() is not None or self.process.poll() is not None, timeout)
            return answer()


def _text(path: Path) -> str:
    """What ``subprocess.run(text=True)`` gives: the locale's encoding, universal newlines."""
    data = path.read_bytes() if path.exists() else b""
    return io.TextIOWrapper(io.BytesIO(data), encoding=locale.getpreferredencoding(False)).read()
