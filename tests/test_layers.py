"""Dependencies point one way, and no module imports itself round a cycle (issue 13).

Every module of ``plaincrm/`` is parsed with ``ast``; every import counts, those inside
functions too.  The rules (docs/ARCHITECTURE.md, "What each package may import"):

- ``core/`` imports no domain, no front end and of ``git/`` only ``git/repo.py``,
  which imports only ``core/errors.py``; the rest of ``git/`` imports the core;
- a domain (``tasks``, ``clients``, ``sales``, ``documents``, ``service``,
  ``marketing``, ``mail``) imports the core, ``git/repo.py``, itself, and of
  another domain only the modules that domain declares as its interface
  (``INTERFACE`` in its ``__init__.py``); the domains import each other without
  a cycle;
- a domain's ``kind.py`` imports only ``core.kinds`` when it is loaded (the
  registry loads every one of them);
- ``formats/`` imports the core, ``git/`` and the domains; ``crm/`` those and
  ``formats/``; ``views/`` is imported by the front ends only; nothing imports a
  front end (``cli/``, ``web/``) but itself and ``__main__`` (and ``cli/serve.py``, the
  command that starts ``web/``).

Imports under ``if TYPE_CHECKING:`` count for the direction but not for cycles (they
never run).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest

import plaincrm

DOMAINS = ("tasks", "clients", "sales", "documents", "service", "marketing", "mail")
FRONT_ENDS = ("cli", "web")
SERVE = "plaincrm.cli.serve"  # the one command that starts the web front end
GIT_REPO = "plaincrm.git.repo"


@dataclass(frozen=True)
class Import:
    source: str  # the importing module
    target: str  # the module imported (the package, for a name it defines)
    path: str  # the file, as the messages name it
    line: int
    typing_only: bool  # under ``if TYPE_CHECKING:``
    in_function: bool = False

    def where(self) -> str:
        return f"{self.path}:{self.line}: {self.source} imports {self.target}"


def modules(root: Path, package: str) -> dict[str, Path]:
    """Every module of the package at ``root``: dotted name -> file."""
    found = {}
    for path in sorted(root.rglob("*.py")):
        parts = [package, *path.relative_to(root).with_suffix("").parts]
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def imports(name: str, path: Path, known: dict[str, Path], shown: str) -> list[Import]:
    """The imports of the module ``name`` of the package, at every depth (``shown``: the
    file as messages name it)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    root = name.partition(".")[0]
    found: list[Import] = []

    def visit(node: ast.AST, typing_only: bool, in_function: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _is_type_checking(child):
                for part in child.body:
                    visit_one(part, True, in_function)
                for part in child.orelse:
                    visit_one(part, typing_only, in_function)
            else:
                visit_one(child, typing_only, in_function)

    def visit_one(node: ast.AST, typing_only: bool, in_function: bool) -> None:
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package
                for _ in range(node.level - 1):
                    base = base.rpartition(".")[0]
                base = f"{base}.{node.module}" if node.module else base
            else:
                base = node.module or ""
            for alias in node.names:
                inner = f"{base}.{alias.name}"
                targets.append(inner if inner in known else base)
        for target in targets:
            if target == root or target.startswith(root + "."):
                line = getattr(node, "lineno", 0)
                found.append(Import(name, target, shown, line, typing_only, in_function))
        function = isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
        visit(node, typing_only, in_function or function)

    visit(tree, False, False)
    return found


def layer(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def interfaces(known: dict[str, Path], package: str) -> dict[str, set[str]]:
    """Each domain's ``INTERFACE``: the modules other domains may import."""
    found: dict[str, set[str]] = {}
    for domain in DOMAINS:
        path = known.get(f"{package}.{domain}")
        if path is None:
            continue
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id == "INTERFACE" for t in node.targets
            ):
                names = ast.literal_eval(node.value)
                found[domain] = {f"{package}.{domain}.{name}" for name in names}
    return found


def upward(edge: Import, declared: dict[str, set[str]]) -> str | None:
    """Why the import ``edge`` points the wrong way; None when it may be made."""
    source, target = layer(edge.source), layer(edge.target)
    if edge.source == edge.target or (source == target and edge.source != GIT_REPO):
        if source in DOMAINS and edge.source.endswith(".kind") and not edge.typing_only:
            return _kind_rule(edge)
        return None
    if source in DOMAINS and edge.source.endswith(".kind") and not edge.typing_only:
        return _kind_rule(edge)
    if edge.source == GIT_REPO:
        if edge.target.endswith(".core.errors"):
            return None
        return "git/repo.py imports only core/errors.py (the core commits through it)"
    if target == "views" and source not in (*FRONT_ENDS, "views"):
        return "only the front ends import views/ (the screens they render)"
    if target in FRONT_ENDS:
        if source == "__main__" or (edge.source == SERVE and target == "web"):
            return None  # ``plaincrm serve`` starts the web front end
        return f"nothing imports the front end {target}/ (it imports the views and domains)"
    if source == "core":
        if target in ("", "core") or edge.target == GIT_REPO:
            return None
        return (
            "core imports no domain, front end or git module but git/repo.py: let the "
            "domain register what the core needs in its kind.py (core.kinds)"
        )
    if source == "git":
        if target == "core" or target == "git":
            return None
        return "git/ imports the core only: a domain's part goes in its registration"
    if source in DOMAINS:
        if target in ("", "core") or edge.target == GIT_REPO:
            return None
        if target in DOMAINS:
            if edge.target in declared.get(target, set()):
                return None
            allowed = ", ".join(sorted(declared.get(target, set()))) or "none"
            return (
                f"a domain imports another only through the interface it declares "
                f"(INTERFACE of {target}/__init__.py: {allowed}); or let {target} "
                "register what it adds (core.kinds)"
            )
        return f"a domain imports the core, not {target or 'the package'}/"
    if source == "formats" and target == "crm":
        return "formats/ is below crm/"
    return None


def _kind_rule(edge: Import) -> str | None:
    if edge.target.endswith(".core.kinds") or edge.in_function:
        return None
    return "a kind.py imports only core.kinds when loaded (import the rest inside the functions)"


def cycles(edges: list[Import]) -> list[list[str]]:
    """The import cycles among the modules (Tarjan's strongly connected components),
    counting the imports that run; each cycle listed from its first module."""
    graph: dict[str, set[str]] = {}
    for edge in edges:
        if not edge.typing_only and edge.source != edge.target:
            graph.setdefault(edge.source, set()).add(edge.target)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def connect(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for other in sorted(graph.get(node, ())):
            if other not in index:
                connect(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            component = []
            while True:
                other = stack.pop()
                on_stack.discard(other)
                component.append(other)
                if other == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            connect(node)
    return found


def package_cycles(edges: list[Import]) -> list[list[str]]:
    """Cycles among the domain packages (a domain that imports one that imports it)."""
    lifted = [
        Import(layer(e.source), layer(e.target), e.path, e.line, e.typing_only)
        for e in edges
        if layer(e.source) in DOMAINS and layer(e.target) in DOMAINS
    ]
    return cycles([e for e in lifted if e.source != e.target])


def problems(root: Path, package: str) -> list[str]:
    """Every import that points the wrong way and every cycle, in words."""
    known = modules(root, package)
    edges = [
        edge
        for name, path in known.items()
        for edge in imports(name, path, known, str(path.relative_to(root.parent)))
    ]
    declared = interfaces(known, package)
    found = []
    for edge in edges:
        why = upward(edge, declared)
        if why:
            found.append(f"{edge.where()}: {why}")
    for cycle in cycles(edges):
        found.append(f"import cycle: {' -> '.join(cycle)} (counting imports inside functions)")
    for cycle in package_cycles(edges):
        found.append(f"the domains import each other: {', '.join(cycle)}")
    return found


def test_dependencies_point_one_way_without_cycles() -> None:
    found = problems(Path(plaincrm.__file__).parent, "plaincrm")
    assert not found, "\n".join(found)


def test_every_domain_says_what_others_may_import() -> None:
    known = modules(Path(plaincrm.__file__).parent, "plaincrm")
    declared = interfaces(known, "plaincrm")
    for domain, names in declared.items():
        assert names <= set(known), f"{domain}: INTERFACE names no module {names - set(known)}"


def _tree(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / "pkg" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root / "pkg"


CLEAN = {
    "__init__.py": "",
    "core/__init__.py": "",
    "core/store.py": "from . import model\n",
    "core/model.py": "import json\n",
    "sales/__init__.py": 'INTERFACE = ("pipeline",)\n',
    "sales/pipeline.py": "from ..core import model\n",
    "sales/kind.py": "from ..core.kinds import register\n\ndef f():\n    from .pipeline import x\n",
    "core/kinds.py": "",
    "documents/__init__.py": "",
    "documents/gate.py": "from ..sales.pipeline import x\n",
    "cli/__init__.py": "from ..sales import pipeline\n",
}


def test_the_checker_accepts_a_clean_tree(tmp_path: Path) -> None:
    assert problems(_tree(tmp_path, CLEAN), "pkg") == []


@pytest.mark.parametrize(
    ("files", "message"),
    [
        (  # the core names a domain, even inside a function
            {"core/model.py": "def f():\n    from ..sales import pipeline\n"},
            "pkg/core/model.py:2: pkg.core.model imports pkg.sales.pipeline: "
            "core imports no domain",
        ),
        (
            {"sales/pipeline.py": "from ..documents import gate\n"},
            "pkg.sales.pipeline imports pkg.documents.gate: a domain imports another only "
            "through the interface it declares (INTERFACE of documents/__init__.py: none)",
        ),
        (
            {"sales/pipeline.py": "from ..cli import x\n"},
            "nothing imports the front end cli/",
        ),
        (
            {"sales/kind.py": "from .pipeline import x\n"},
            "a kind.py imports only core.kinds when loaded",
        ),
        (  # a cycle hidden in a function
            {"core/model.py": "def f():\n    from . import store\n"},
            "import cycle: pkg.core.model -> pkg.core.store",
        ),
        (  # the domains import each other through their interfaces
            {
                "documents/__init__.py": 'INTERFACE = ("gate",)\n',
                "sales/pipeline.py": "def f():\n    from ..documents.gate import y\n",
            },
            "the domains import each other: documents, sales",
        ),
    ],
)
def test_the_checker_finds_an_upward_import_or_a_cycle(
    tmp_path: Path, files: dict[str, str], message: str
) -> None:
    found = problems(_tree(tmp_path, {**CLEAN, **files}), "pkg")
    assert any(message in line for line in found), found
