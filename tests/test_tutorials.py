# SPDX-License-Identifier: BSD-3-Clause
"""The tutorials show their code inline, word for word the code of the scripts they teach.

The scripts mark each snippet with ``# [name]`` and ``# [/name]`` lines; the
tests beside the scripts run them. Each snippet must appear in its tutorial
as a ``code-block``, so that a reader of the raw ``.rst`` sees the code too.
"""

import re
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

#: Each tutorial and the script whose snippets it shows.
TUTORIALS = {
    "docs/tutorial/getting_started.rst": "docs/examples/getting_started.py",
    "docs/tutorial/gui.rst": "traits_jobs/demo/stage_gui.py",
}

_SNIPPET = re.compile(r"^# \[(\w+)\]\n(.*?)^# \[/\1\]$", re.MULTILINE | re.DOTALL)
_CODE_BLOCK = re.compile(r"^\.\. code-block:: python\n\n((?:   .*\n|\n)+)", re.MULTILINE)


def snippets(script: str) -> dict[str, str]:
    """The script's marked snippets, by name, without surrounding blank lines."""
    text = (ROOT / script).read_text()
    return {match.group(1): match.group(2).strip("\n") for match in _SNIPPET.finditer(text)}


def code_blocks(tutorial: str) -> list[str]:
    """The tutorial's Python code blocks, dedented, without surrounding blank lines."""
    text = (ROOT / tutorial).read_text()
    return [textwrap.dedent(match.group(1)).strip("\n") for match in _CODE_BLOCK.finditer(text)]


@pytest.mark.parametrize(("tutorial", "script"), TUTORIALS.items())
def test_each_snippet_of_the_script_is_shown_inline(tutorial, script):
    blocks = code_blocks(tutorial)
    marked = snippets(script)
    assert marked, f"{script} has no # [name] snippets"
    missing = [name for name, code in marked.items() if code not in blocks]
    assert missing == [], f"{tutorial} does not show {script}'s snippets {missing} as they are"
