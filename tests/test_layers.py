"""ledger/ and reports/ never import Qt: the core installs and runs without a screen."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_no_qt_below_ui() -> None:
    offenders = []
    for package in ("ledger", "reports"):
        for path in (ROOT / package).rglob("*.py"):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                names = []
                if isinstance(node, ast.Import):
                    names = [a.name for a in node.names]
                elif isinstance(node, ast.ImportFrom) and node.module:
                    names = [node.module]
                offenders += [
                    f"{path.relative_to(ROOT)}: {n}"
                    for n in names
                    if n.split(".")[0] in ("PySide6", "PyQt5", "PyQt6", "ui")
                ]
    assert offenders == []
