"""Reception Ledger (公务接待台账): composition root.

``python main.py`` opens the window; ``python main.py COMMAND ...`` runs a command
(see ``python main.py --help``).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        from ui.cli import gui_options, run

        options = gui_options(args)
        if options is None:
            return run(args)
        from ui.app import run_gui

        return run_gui(options)
    except KeyboardInterrupt:  # Ctrl-C while the program was still starting (a command says it itself)
        print("已中断", file=sys.stderr)
        return 2


if __name__ == "__main__":
    import multiprocessing

    multiprocessing.freeze_support()  # verify's worker processes, in a packaged program too
    sys.exit(main())
