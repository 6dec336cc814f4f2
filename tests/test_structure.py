"""Structure: the public surface and the direction of imports inside the package."""

from __future__ import annotations

import ast
from pathlib import Path

import moderation

PACKAGE = Path(moderation.__file__).parent

# Lower layers never import higher ones (see the layout in README.md).
LAYERS = {
    "errors": 0, "text": 0, "text_tables": 0,
    "settings": 1, "decision": 1, "schema": 1,
    "engine": 2, "rules": 2, "classifier": 2,
    "moderator": 3, "store": 3,
    "web": 4, "cli": 4, "serve": 4, "worker": 4, "arbiter": 4, "webhooks": 4, "__main__": 5,
}
# Same-layer pairs that must stay apart.
FORBIDDEN = {("engine", "rules"), ("rules", "classifier"), ("web", "cli"), ("cli", "web")}


def top(module_file: Path) -> str:
    parts = module_file.relative_to(PACKAGE).with_suffix("").parts
    return parts[0]


def imported_tops(module_file: Path) -> set[str]:
    depth = len(module_file.relative_to(PACKAGE).parts)  # 1 for moderation/x.py, 2 for moderation/pkg/x.py
    found = set()
    for node in ast.walk(ast.parse(module_file.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level == 0 and node.module and node.module.startswith("moderation."):
                found.add(node.module.split(".")[1])
            elif node.level:
                up = node.level - (depth - 1)  # levels above the package root
                if up == 1:
                    names = [node.module.split(".")[0]] if node.module else [a.name for a in node.names]
                    found.update(names)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("moderation."):
                    found.add(alias.name.split(".")[1])
    return found


def test_public_surface_is_moderator_and_create_app():
    assert moderation.__all__ == ["Moderator", "create_app"]
    assert callable(moderation.Moderator.from_config)
    assert callable(moderation.create_app)


def test_every_module_is_in_a_layer():
    tops = {top(f) for f in PACKAGE.rglob("*.py") if f.name != "__init__.py" or f.parent != PACKAGE}
    tops.discard("__init__")
    assert tops <= set(LAYERS), tops - set(LAYERS)


def test_imports_point_down_only():
    problems = []
    for module_file in PACKAGE.rglob("*.py"):
        if module_file.parent == PACKAGE and module_file.name == "__init__.py":
            continue
        me = top(module_file)
        for other in imported_tops(module_file) - {me}:
            if other not in LAYERS:
                continue
            if LAYERS[other] > LAYERS[me] or (me, other) in FORBIDDEN:
                problems.append(f"{module_file.relative_to(PACKAGE)} imports {other}")
    assert problems == []


def test_every_module_opens_with_a_docstring():
    missing = [str(f.relative_to(PACKAGE)) for f in PACKAGE.rglob("*.py")
               if f.stat().st_size and ast.get_docstring(ast.parse(f.read_text(encoding="utf-8"))) is None]
    assert missing == []
