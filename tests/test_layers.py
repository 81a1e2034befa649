"""The arrows of docs/ARCHITECTURE.md hold: main → ui → reports → ledger, nothing points back.

ledger/ (the domain and its storage) imports no Qt, no file-format library and nothing of
reports/ or ui/; reports/ imports no Qt; no package has an import circle; no module is
longer than a newcomer reads in ten minutes.
"""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

FORBIDDEN = {
    "ledger": ("PySide6", "PyQt5", "PyQt6", "openpyxl", "reportlab", "pypdf", "reports", "ui"),
    "reports": ("PySide6", "PyQt5", "PyQt6", "ui"),
}


def test_ledger_and_reports_import_nothing_above_them() -> None:
    offenders = []
    for package, forbidden in FORBIDDEN.items():
        for path in (ROOT / package).rglob("*.py"):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                names = []
                if isinstance(node, ast.Import):
                    names = [a.name for a in node.names]
                elif isinstance(node, ast.ImportFrom) and node.module:
                    names = [node.module]
                offenders += [f"{path.relative_to(ROOT)}: {n}" for n in names if n.split(".")[0] in forbidden]
    assert offenders == []


# ====================================================================== import circles and sizes
MAX_LINES = 700


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports(path: Path, package: str, known: set[str]) -> set[str]:
    """Every module of ``known`` that ``path`` imports: at the top, in functions, under TYPE_CHECKING."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    me = _module_name(path)
    base = me.split(".") if path.name == "__init__.py" else me.split(".")[:-1]
    found: set[str] = set()
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                anchor = base[: len(base) - (node.level - 1)]
                module = ".".join([*anchor, node.module] if node.module else anchor)
            else:
                module = node.module or ""
            names = [module] + [f"{module}.{a.name}" for a in node.names]
        for name in names:
            # the module itself, or the package a name was taken from
            while name and name not in known:
                name = name.rpartition(".")[0]
            if name and name != me and name.split(".")[0] == package:
                found.add(name)
    return found


def import_graph(package: str) -> dict[str, set[str]]:
    paths = sorted((ROOT / package).rglob("*.py"))
    known = {_module_name(p) for p in paths}
    return {_module_name(p): _imports(p, package, known) for p in paths}


def find_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Each import circle once, as the modules around it (depth-first search on the graph)."""
    cycles: list[list[str]] = []
    seen: set[frozenset[str]] = set()
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                cycle = path[path.index(nxt) :]
                if frozenset(cycle) not in seen:
                    seen.add(frozenset(cycle))
                    cycles.append([*cycle, nxt])
            elif nxt not in state:
                visit(nxt)
        path.pop()
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node)
    return cycles


def test_the_cycle_finder_finds_a_circle() -> None:
    assert find_cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c", "a"]]
    assert find_cycles({"a": {"b"}, "b": set()}) == []


def test_the_graph_sees_imports_in_functions_and_under_type_checking(tmp_path: Path) -> None:
    graph = import_graph("ui")
    # ui/reception/__init__.py re-exports the dialog: the package depends on its modules
    assert "ui.reception.dialog" in graph["ui.reception"]
    assert "ui.reception" in graph["ui.main_window"]


def test_no_import_circle_in_ui() -> None:
    """No module of ui/ imports, however indirectly or lazily, a module that imports it."""
    assert [" → ".join(c) for c in find_cycles(import_graph("ui"))] == []


def test_no_import_circle_in_ledger_or_reports() -> None:
    for package in ("ledger", "reports"):
        assert [" → ".join(c) for c in find_cycles(import_graph(package))] == [], package


def test_no_module_over_700_lines() -> None:
    """A newcomer reads any one module in ten minutes."""
    too_long = []
    for package in ("ledger", "reports", "ui"):
        for path in sorted((ROOT / package).rglob("*.py")):
            name = path.relative_to(ROOT).as_posix()
            lines = len(path.read_text(encoding="utf-8").splitlines())
            if lines > MAX_LINES:
                too_long.append(f"{name}: {lines} lines")
    assert too_long == []
