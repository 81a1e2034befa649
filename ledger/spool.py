"""What an import keeps aside while it works (ledger.importing): the checked rows on disk until
it takes the write lock, and Python's garbage collector paused."""

from __future__ import annotations

import errno
import gc
from collections.abc import Iterator
from typing import Any

from ledger.db import DiskFull
from ledger.i18n import tr

DISK_FULL = (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC))


def temp_folder_full() -> DiskFull:
    """The temporary folder's disk is full (an import's spool, a report's rows): named, since
    it may be another disk than the ledger's."""
    import tempfile

    return DiskFull(
        tr("临时文件夹 {folder} 所在磁盘已满，未写入任何数据：请腾出空间（或用环境变量 TMPDIR 另选临时文件夹）后再试").format(
            folder=tempfile.gettempdir()
        )
    )


class Collector:
    """Python's cyclic garbage collector paused while an import works, and run every
    ``_COLLECT_EVERY`` rows instead. An import makes millions of objects and almost no reference
    cycles; the collector, run by the number of objects made, walks every live object again and
    again for nothing: a quarter of the time under the write lock. Run now and then, it still
    keeps the few cycles (a failed statement's traceback, say) from piling up."""

    def __init__(self) -> None:
        self.enabled = gc.isenabled()
        self.last = 0
        gc.disable()

    def now_and_then(self, done: int) -> None:
        if done - self.last >= _COLLECT_EVERY:
            self.last = done
            gc.collect()

    def close(self) -> None:
        if self.enabled:
            gc.enable()


_COLLECT_EVERY = 100_000


class Spool:
    """The checked rows, in order, in a temporary file (a batch at a time, pickled and
    compressed to about a fifth): a million rows wait for the write lock without being held in
    memory, in about 1 KB of disk a row. A full disk is the one-line ``DiskFull``; the file is gone
    when it is closed, or when the process ends however it ends."""

    def __init__(self) -> None:
        import tempfile

        self.file = tempfile.TemporaryFile()
        self.sizes: list[int] = []

    def put(self, items: list[Any]) -> None:
        import pickle
        import zlib

        if not items:
            return
        data = zlib.compress(pickle.dumps(items, protocol=pickle.HIGHEST_PROTOCOL), 1)
        try:
            self.file.write(data)
            self.file.flush()  # a full disk is found here, before the write lock is taken
        except OSError as exc:
            if exc.errno in DISK_FULL:
                raise temp_folder_full() from None
            raise
        self.sizes.append(len(data))

    def batches_in_order(self) -> Iterator[list[Any]]:
        import pickle
        import zlib

        self.file.seek(0)
        for size in self.sizes:
            yield pickle.loads(zlib.decompress(self.file.read(size)))

    def close(self) -> None:
        self.file.close()
