"""docs/architecture.md shows the `wait` step kind whole; it must stay the code's text."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_step_kind_example_is_the_code() -> None:
    doc = (ROOT / "docs" / "architecture.md").read_text()
    [block] = re.findall(r"```python\n(# simulator/cases/steps/wait.py.*?)```", doc, re.S)
    parts = re.split(r"^# (simulator/\S+\.py)\n", block, flags=re.M)[1:]
    assert [name for name in parts[::2]] == [
        "simulator/cases/steps/wait.py",
        "simulator/runner/executors/wait.py",
    ]
    for name, snippet in zip(parts[::2], parts[1::2], strict=True):
        assert snippet.strip() in (ROOT / name).read_text(), name
