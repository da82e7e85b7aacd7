"""The shape of the code (DESIGN §5, docs/architecture.md), checked on its source: what the
import contract (import-linter, ``[tool.importlinter]`` in pyproject.toml) cannot say.

* Views and API endpoints are thin: no write of a model (every write is a service's, with its
  audit in the same transaction) and no object loaded by id except through an access entry
  point (``core.access`` and each app's ``access.py``).
* No app imports another app's views or its private names.
* An import inside a function says why, in a comment on its line or the line above.
* The audit trail is written by the apps' ``events`` modules only (one function per kind of
  event, DESIGN §5).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent / "zhurnal"
APPS = sorted(p.name for p in ROOT.iterdir() if (p / "__init__.py").exists())

# Model writes: a call of one of these methods (``form.save()`` included: a model form writes).
WRITES = {"save", "delete", "create", "bulk_create", "get_or_create", "update_or_create"}
# ``.update(...)`` writes when it is called on a queryset (``X.objects…update``, ``….filter(…)
# .update``), not on a dict.
QUERYSET_METHODS = {"objects", "filter", "exclude", "all", "select_for_update"}
# Loading by id outside the access entry points.
LOADERS = {"get_object_or_404", "get_list_or_404"}


def _modules():
    for path in sorted(ROOT.rglob("*.py")):
        if "migrations" in path.parts:
            continue
        yield path, ast.parse(path.read_text(), filename=str(path))


def _is_entry_point(path: Path) -> bool:
    """A view module or an API module: what answers requests."""
    relative = path.relative_to(ROOT).parts
    if relative[0] == "api":
        return path.name not in {"schemas.py", "journal_schemas.py", "timetable_schemas.py"}
    return "views" in relative or path.stem.endswith("views")


def _where(path: Path, node: ast.AST) -> str:
    return f"{path.relative_to(ROOT.parent)}:{node.lineno}"


def _chain(node: ast.AST) -> list[str]:
    """The names of a call chain, outermost last: ``A.objects.filter(x).update`` → A, objects,
    filter, update."""
    names = []
    while True:
        if isinstance(node, ast.Call):
            node = node.func
        elif isinstance(node, ast.Attribute):
            names.append(node.attr)
            node = node.value
        elif isinstance(node, ast.Name):
            names.append(node.id)
            return list(reversed(names))
        else:
            return list(reversed(names))


def test_views_and_endpoints_write_no_model_and_load_no_object_by_themselves():
    found = []
    for path, tree in _modules():
        if not _is_entry_point(path):
            continue
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            if isinstance(func, ast.Attribute) and _chain(func.value)[:1] == ["router"]:
                continue  # an API route's decorator (``@router.delete``)
            if isinstance(func, ast.Attribute) and func.attr in WRITES:
                found.append(f"{_where(path, node)} .{func.attr}()")
            is_update = isinstance(func, ast.Attribute) and func.attr == "update"
            if is_update and QUERYSET_METHODS & set(_chain(func.value)):
                found.append(f"{_where(path, node)} queryset .update()")
            if isinstance(func, ast.Name) and func.id in LOADERS:
                found.append(f"{_where(path, node)} {func.id}()")
            is_get = isinstance(func, ast.Attribute) and func.attr == "get"
            if is_get and "objects" in _chain(func.value):
                found.append(f"{_where(path, node)} .objects.get()")
    assert found == [], "write through a service, load through an access entry point:\n" + (
        "\n".join(found)
    )


def _app_of(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[0] == "zhurnal" and parts[1] in APPS else None


def _imports(path: Path, tree: ast.AST):
    """(node, absolute module, imported names) of every import of a zhurnal module."""
    package = ".".join(path.relative_to(ROOT.parent).with_suffix("").parts[:-1])
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node, alias.name, []
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            yield node, module, [alias.name for alias in node.names]


def test_no_app_imports_another_apps_views_or_private_names():
    found = []
    for path, tree in _modules():
        own = _app_of(".".join(path.relative_to(ROOT.parent).with_suffix("").parts))
        for node, module, names in _imports(path, tree):
            app = _app_of(module)
            if app is None or app == own:
                continue
            targets = [module] + [f"{module}.{name}" for name in names]
            if any(part.endswith("views") for t in targets for part in t.split(".")[2:]):
                found.append(f"{_where(path, node)} imports views of {app}: {module}")
            private = [n for n in names if n.startswith("_")]
            private += [p for p in module.split(".")[2:] if p.startswith("_")]
            if private:
                found.append(f"{_where(path, node)} imports private {private} of {app}")
    assert found == [], "\n".join(found)


def _in_functions(tree: ast.AST):
    for function in ast.walk(tree):
        if isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
            for node in ast.walk(function):
                if isinstance(node, ast.Import | ast.ImportFrom):
                    yield node


def test_the_audit_trail_is_written_by_the_events_modules_only():
    found = []
    for path, tree in _modules():
        if path.name == "events.py" or path.parent.name == "audit":
            continue
        for node, module, names in _imports(path, tree):
            if module == "zhurnal.audit.services" and "record" in names:
                found.append(f"{_where(path, node)} imports audit.services.record")
    assert found == [], "write the event through the app's events.py:\n" + "\n".join(found)


def _commented(lines: list[str], index: int) -> bool:
    """The import on line ``index`` has a comment: on its line, or above it in the block of
    imports it belongs to."""
    if "#" in lines[index]:
        return True
    while index > 0:
        index -= 1
        line = lines[index].strip()
        if line.startswith("#"):
            return True
        if line and not line.startswith(("from ", "import ")):
            return False
    return False


def test_an_import_inside_a_function_says_why():
    found = []
    for path, tree in _modules():
        lines = path.read_text().splitlines()
        for node in set(_in_functions(tree)):
            modules = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            if isinstance(node, ast.ImportFrom):
                modules = [("." * node.level) + (node.module or "")]
            if not any(m.startswith(("zhurnal", ".")) for m in modules):
                continue  # a library imported lazily (WeasyPrint, openpyxl): its cost is why
            if not _commented(lines, node.lineno - 1):
                found.append(f"{_where(path, node)} {modules[0]}")
    assert found == [], "say why the import is not at the top:\n" + "\n".join(sorted(found))


@pytest.mark.parametrize("snippet", ["obj.save()", "X.objects.filter(a=1).update(b=2)"])
def test_the_write_check_sees_a_write(snippet):
    """The checks above can fail: a write in a view module is found."""
    call = ast.parse(snippet).body[0].value
    chain = _chain(call.func.value) if call.func.attr == "update" else []
    assert call.func.attr in WRITES or QUERYSET_METHODS & set(chain)
