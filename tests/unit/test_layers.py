"""Layers stay apart: pages -> state -> services -> database, and nothing imports upward."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "portal_app"
# The unit of work is the one state module that opens database sessions (SessionState._call runs it).
UNIT_OF_WORK = "state/unit_of_work.py"
DATABASE = ("portal_app.db.session_scope", "portal_app.db.engine", "sqlmodel", "sqlalchemy")


def imports_of(path: Path) -> set[str]:
    """Every module the file imports (absolute names; `from a import b` counts as a and a.b)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def modules_in(folder: str) -> list[Path]:
    return sorted((PACKAGE / folder).rglob("*.py"))


def _rel(path: Path) -> str:
    return path.relative_to(PACKAGE).as_posix()


def offending(path: Path, forbidden: tuple[str, ...]) -> list[str]:
    return sorted(name for name in imports_of(path) if name.startswith(forbidden))


@pytest.mark.parametrize("page", modules_in("pages") + modules_in("components"), ids=_rel)
def test_pages_and_components_use_state_only(page):
    assert (
        offending(page, ("portal_app.services", "portal_app.db", "portal_app.models", "sqlmodel", "sqlalchemy")) == []
    )


@pytest.mark.parametrize("state", modules_in("state"), ids=_rel)
def test_states_open_no_database_session_and_decide_no_access(state):
    forbidden = ("portal_app.services.access", "portal_app.pages", *([] if _rel(state) == UNIT_OF_WORK else DATABASE))
    assert offending(state, forbidden) == []


@pytest.mark.parametrize("service", modules_in("services") + modules_in("payments"), ids=_rel)
def test_services_never_import_reflex_or_anything_above_them(service):
    above = ("reflex", "portal_app.state", "portal_app.pages", "portal_app.components", "portal_app.api")
    assert offending(service, (*above, "portal_app.cli", "portal_app.demo")) == []


LOWER = ["db.py", "config.py", "errors.py", "models", "mail", "payments"]


@pytest.mark.parametrize(
    "module",
    [p for name in LOWER for p in ([PACKAGE / name] if name.endswith(".py") else modules_in(name))],
    ids=_rel,
)
def test_the_lower_modules_import_nothing_from_the_layers_above(module):
    above = ("portal_app.services", "portal_app.state", "portal_app.pages", "portal_app.components", "portal_app.api")
    assert offending(module, (*above, "portal_app.cli", "portal_app.demo")) == []
