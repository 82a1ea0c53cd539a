"""The house rules a reader relies on, checked on the layer's source (issue 18)."""

from __future__ import annotations

import ast
from pathlib import Path

LAYER = Path(__file__).parents[2] / "layers" / "shared" / "periodyear"
LONGEST = 50  # lines; a longer function says why it must be, in words a reviewer can check
WHY = "Long by design:"


def long_functions_without_a_reason(root: Path) -> list[str]:
    found = []
    for path in sorted(root.rglob("*.py")):
        source = path.read_text(encoding="utf-8")
        lines = source.splitlines()
        for node in ast.walk(ast.parse(source)):
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            length = (node.end_lineno or node.lineno) - node.lineno + 1
            body = "\n".join(lines[node.lineno - 1 : node.end_lineno])
            if length > LONGEST and WHY not in body:
                found.append(f"{path.relative_to(root)}:{node.lineno} {node.name} ({length} lines)")
    return found


def test_no_function_in_the_layer_is_over_50_lines_without_saying_why() -> None:
    assert long_functions_without_a_reason(LAYER) == []


def test_the_rule_finds_a_long_function_that_does_not_say_why(tmp_path: Path) -> None:
    body = "\n".join(f"    x{n} = {n}" for n in range(LONGEST))
    (tmp_path / "long.py").write_text(f"def long() -> None:\n{body}\n", encoding="utf-8")
    (tmp_path / "said.py").write_text(f'def said() -> None:\n    """{WHY} a table."""\n{body}\n')
    assert long_functions_without_a_reason(tmp_path) == ["long.py:1 long (51 lines)"]


# ------------------------------------------------------------------ module size (issue 25, item 6)
SOURCES = (LAYER, Path(__file__).parents[2] / "src" / "periodyear_local")
LONGEST_MODULE = 400  # lines: a module a reader can hold in one reading
# Modules allowed over the limit, each at most the size given (a ratchet while one is split, so
# none grows and no new one joins it). Empty since issue 25 split the last six.
OVER_THE_LIMIT: dict[str, int] = {}


def modules_too_long(roots: tuple[Path, ...], allowed: dict[str, int]) -> list[str]:
    found = []
    for root in roots:
        for path in sorted(root.rglob("*.py")):
            name = f"{root.name}/{path.relative_to(root)}"
            length = len(path.read_text(encoding="utf-8").splitlines())
            if length > max(LONGEST_MODULE, allowed.get(name, 0)):
                found.append(f"{name} ({length} lines)")
    return found


def test_no_module_is_over_400_lines_and_none_over_it_grows() -> None:
    assert modules_too_long(SOURCES, OVER_THE_LIMIT) == []


def test_the_rule_finds_a_module_that_is_too_long(tmp_path: Path) -> None:
    (tmp_path / "long.py").write_text("x = 1\n" * (LONGEST_MODULE + 1), encoding="utf-8")
    (tmp_path / "old.py").write_text("x = 1\n" * (LONGEST_MODULE + 5), encoding="utf-8")
    allowed = {f"{tmp_path.name}/old.py": LONGEST_MODULE + 5}
    assert modules_too_long((tmp_path,), allowed) == [f"{tmp_path.name}/long.py (401 lines)"]
