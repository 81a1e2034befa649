"""A process that imports the command line's modules once and forks a fresh child for each
command a test runs (tests.cli.run_cli).

A command's process spends most of its 1 to 1.5 s importing SQLAlchemy, the models and the
program's modules; the suite runs a few hundred of them. Each child here is still a process of
its own, with its own environment, folder, arguments, standard streams (stdin empty, stdout
and stderr to files) and exit code, running ``main.main`` as ``python main.py ...`` does; only
the imports were made before it started. The server itself never runs a command, so every
child starts from the same state.

Requests (one JSON line on stdin): {"id", "args", "env", "cwd", "stdout", "stderr"}, or
{"kill": id} (SIGKILL to that command's child while it is still unreaped, so never to a pid the
system has since given to another process). Replies (JSON lines on stdout): {"id", "pid"} when
the child started, {"id", "code"} when it ended (by request id: pids are reused).
"""

from __future__ import annotations

import json
import os
import select
import sys
from typing import Any


def serve() -> None:
    replies = os.dup(1)
    os.dup2(os.open(os.devnull, os.O_RDWR), 1)  # nothing the imports print reaches the replies
    import main  # noqa: F401  (main.main imports ui.cli and the rest when it runs)
    import ui.cli  # noqa: F401

    running: dict[int, int] = {}  # pid -> request id
    pending = b""
    while True:
        _reap(running, replies)
        ready, _, _ = select.select([0], [], [], 0.005 if running else None)
        if not ready:
            continue
        data = os.read(0, 1 << 16)
        if not data:  # the test process is gone
            return
        pending += data
        while b"\n" in pending:
            line, pending = pending.split(b"\n", 1)
            request = json.loads(line)
            if "kill" in request:
                for pid, request_id in running.items():
                    if request_id == request["kill"]:
                        os.kill(pid, 9)  # unreaped: the pid is still this child's
                continue
            sys.stdout.flush()  # nothing buffered here is written again by the child
            sys.stderr.flush()
            pid = os.fork()
            if pid == 0:
                os.close(replies)
                _run(request)  # ends the child
            running[pid] = request["id"]
            _reply(replies, {"id": request["id"], "pid": pid})


def _reap(running: dict[int, int], replies: int) -> None:
    for pid in list(running):
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            _reply(replies, {"id": running.pop(pid), "code": os.waitstatus_to_exitcode(status)})


def _reply(fd: int, message: dict[str, Any]) -> None:
    os.write(fd, json.dumps(message).encode() + b"\n")


def _run(request: dict[str, Any]) -> None:
    """In the child: the command, then its exit. The interpreter's own teardown would take a
    quarter of a second here (it frees every imported object); what it does that a ledger
    needs is done instead: atexit, the streams flushed, and every SQLite connection closed,
    which folds the write-ahead log into the ledger file, as when ``python main.py`` ends."""
    import sqlite3
    import sqlite3.dbapi2

    connections: list[sqlite3.Connection] = []
    connect = sqlite3.connect

    def tracked(*args: Any, **kwargs: Any) -> sqlite3.Connection:
        connection = connect(*args, **kwargs)
        connections.append(connection)
        return connection

    sqlite3.connect = sqlite3.dbapi2.connect = tracked  # type: ignore[assignment]  (SQLAlchemy's is dbapi2's)
    code: Any = 1
    try:
        os.dup2(os.open(os.devnull, os.O_RDONLY), 0)
        os.dup2(os.open(request["stdout"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), 1)
        os.dup2(os.open(request["stderr"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), 2)
        os.environ.clear()
        os.environ.update(request["env"])
        import time

        time.tzset()  # TZ as the command's environment says, as a fresh interpreter reads it
        os.chdir(request["cwd"])
        sys.argv = list(request["args"])
        import main

        code = main.main(sys.argv[1:])
    except SystemExit as exc:
        code = exc.code
    except BaseException:
        import traceback

        traceback.print_exc()
    if code is None:
        code = 0
    elif not isinstance(code, int):  # as sys.exit("message") ends
        print(code, file=sys.stderr)
        code = 1
    try:
        import atexit
        import threading

        threading._shutdown()  # type: ignore[attr-defined]  (as Py_Finalize: wait for non-daemon threads)
        atexit._run_exitfuncs()
        for connection in connections:
            try:
                connection.close()
            except sqlite3.Error:
                pass
        sys.stdout.flush()
        sys.stderr.flush()
    finally:
        os._exit(code & 0xFF)
