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
