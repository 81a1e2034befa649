"""tests/cli.py's forking server: a command forked from it must give what
``python main.py`` started anew gives."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import tests.cli as cli
from tests.cli import run_cli

NS_LAST_PID = Path("/proc/sys/kernel/ns_last_pid")


@pytest.mark.skipif(not os.access(NS_LAST_PID, os.W_OK), reason="needs to choose the next pid (root)")
def test_a_pid_the_system_gives_again_is_not_taken_for_the_earlier_command() -> None:
    """pid_max is 32,768 on many machines and each command forks and spawns more: a later
    command's child gets an earlier one's pid. It must not be answered with that one's exit."""
    pids: list[int] = []

    class Logged(dict[int, int]):
        def __setitem__(self, key: int, pid: int) -> None:
            pids.append(pid)
            super().__setitem__(key, pid)

    zygote = cli._Zygote.get()
    zygote.started = Logged()
    missing = run_cli("check", "/nonexistent/台账.xlsx")
    assert missing.returncode == 2
    for _ in range(20):
        NS_LAST_PID.write_text(str(pids[0] - 1))
        helped = run_cli("--help")
        assert helped.returncode == 0 and "用法" in helped.stdout, (helped.returncode, helped.stderr)
        if pids[-1] == pids[0]:
            return
    pytest.skip("the machine gave the pid to another process each time")

def test_an_environment_python_reads_at_start_is_honoured(monkeypatch: pytest.MonkeyPatch) -> None:
    """PYTHONIOENCODING, LANG/LC_*, PYTHONHASHSEED take effect when an interpreter starts:
    a child forked from the server keeps the server's."""
    env = {"PYTHONIOENCODING": "ascii"}
    forked = run_cli("check", "/nonexistent/台账.xlsx", env=env)
    monkeypatch.setenv("LEDGER_TEST_FRESH_CLI", "1")
    fresh = run_cli("check", "/nonexistent/台账.xlsx", env=env)
    assert (forked.returncode, forked.stderr) == (fresh.returncode, fresh.stderr)
