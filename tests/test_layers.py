# SPDX-License-Identifier: BSD-3-Clause
"""The import contracts of .importlinter hold: layers, public API only, Qt in one place."""

import os
import pathlib
import shutil
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent

_LINT = (
    "import sys; from importlinter.cli import lint_imports; "
    "sys.exit(lint_imports(config_filename='.importlinter', no_cache=True))"
)


def lint(package_parent: pathlib.Path) -> subprocess.CompletedProcess[str]:
    """Run lint-imports on the traits_jobs package found in ``package_parent``."""
    shutil.copy(ROOT / ".importlinter", package_parent / ".importlinter")
    env = {**os.environ, "PYTHONPATH": str(package_parent)}
    return subprocess.run(
        [sys.executable, "-c", _LINT],
        cwd=package_parent,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture
def package_copy(tmp_path: pathlib.Path) -> pathlib.Path:
    """A copy of the traits_jobs package, to break on purpose."""
    shutil.copytree(ROOT / "traits_jobs", tmp_path / "traits_jobs")
    return tmp_path


def test_the_import_contracts_hold(package_copy):
    """lint-imports keeps every contract of .importlinter."""
    done = lint(package_copy)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 broken" in done.stdout


@pytest.mark.parametrize(
    ("module", "bad_import", "contract"),
    [
        ("states/failure.py", "import traits_jobs.executor.job", "Each layer imports only"),
        ("ui/job_row.py", "import traits_jobs.jobs.base_future", "use only the public API"),
        ("jobs/call.py", "import PySide6", "Only traits_jobs._qt imports"),
    ],
)
def test_a_wrong_import_breaks_a_contract(package_copy, module, bad_import, contract):
    """An import against the layering makes lint-imports fail, naming the contract."""
    path = package_copy / "traits_jobs" / module
    path.write_text(path.read_text() + f"\n{bad_import}  # noqa\n")
    done = lint(package_copy)
    assert done.returncode != 0
    assert f"{contract}" in done.stdout
    assert "BROKEN" in done.stdout
