# SPDX-License-Identifier: BSD-3-Clause
"""The README's Python code blocks run as written and print what the README says.

Each ``python`` block runs in a fresh interpreter, as it would pasted into a
file; where a ``text`` block follows it, the block's output must be exactly
that text.
"""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"

#: Seconds one block may take.
BLOCK_TIMEOUT = 60

#: A fenced block: its language and its text.
_FENCE = re.compile(r"^```(\w+)\n(.*?)^```$", re.MULTILINE | re.DOTALL)


def readme_examples() -> list[tuple[str, str | None]]:
    """Each Python block of the README, with the text block right after it, if any."""
    blocks = [(match.group(1), match.group(2)) for match in _FENCE.finditer(README.read_text())]
    examples = []
    for index, (language, code) in enumerate(blocks):
        if language != "python":
            continue
        following = blocks[index + 1] if index + 1 < len(blocks) else None
        output = following[1] if following is not None and following[0] == "text" else None
        examples.append((code, output))
    return examples


def test_the_readme_has_a_python_example_with_its_output():
    """The opening example and its output are found: the tests below cannot pass empty."""
    assert any(output for _, output in readme_examples())


@pytest.mark.parametrize(("code", "output"), readme_examples())
def test_readme_block_runs_and_prints_what_the_readme_says(tmp_path, code, output):
    script = tmp_path / "example.py"
    script.write_text(code)
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(README.parent), env.get("PYTHONPATH")]))
    run = subprocess.run(
        [sys.executable, str(script)],
        env=env,
        capture_output=True,
        text=True,
        timeout=BLOCK_TIMEOUT,
        check=False,
        cwd=tmp_path,
    )
    assert run.returncode == 0, run.stderr
    if output is not None:
        assert run.stdout == output
