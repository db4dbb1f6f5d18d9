# SPDX-License-Identifier: BSD-3-Clause
"""The harness's finder and loader of traits-futures' test sources."""

import importlib.util
import re
import sys
import textwrap
from pathlib import Path

import pytest

from tests.compat import _source


def _fake_package(root: Path, body: str = "from traits_futures.api import submit_call\n") -> Path:
    """Write a ``traits_futures`` package with one mixin module under ``root``."""
    tests = root / "traits_futures" / "tests"
    tests.mkdir(parents=True)
    (root / "traits_futures" / "version.py").write_text('version = "0.3.1"\n')
    (tests / "traits_executor_tests.py").write_text(body)
    return root / "traits_futures"


def test_source_env_names_an_unpacked_wheel(tmp_path, monkeypatch):
    """A directory holding the traits_futures package is used as it is."""
    package = _fake_package(tmp_path)
    monkeypatch.setenv(_source.SOURCE_ENV, str(tmp_path))
    assert _source.find_package_dir() == package


def test_source_env_without_the_package_is_an_error(tmp_path, monkeypatch):
    """A source directory without traits-futures' tests fails loudly, naming it."""
    monkeypatch.setenv(_source.SOURCE_ENV, str(tmp_path))
    with pytest.raises(FileNotFoundError, match="holds no traits_futures package"):
        _source.find_package_dir()


def test_no_source_anywhere_says_how_to_get_one(monkeypatch):
    """Without the variable or an installed traits-futures the reason names both."""
    monkeypatch.delenv(_source.SOURCE_ENV, raising=False)
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None)
    with pytest.raises(_source.SourceNotFound, match=re.escape("traits-futures==0.3.1")):
        _source.find_package_dir()


@pytest.fixture
def spare_module():
    """Put back the real mixin module a test replaces: jobs pickle by reference to it."""
    name = f"{_source.MODULE_PREFIX}.traits_executor_tests"
    original = sys.modules.pop(name, None)
    yield name
    sys.modules.pop(name, None)
    if original is not None:
        sys.modules[name] = original


def test_loaded_module_imports_from_traits_jobs(tmp_path, spare_module):
    """The mixin module's traits_futures.api import is served by traits_jobs.api."""
    package = _fake_package(tmp_path)
    name = spare_module
    try:
        module = _source.load_mixin_module(package, "traits_executor_tests")
        from traits_jobs.api import submit_call

        assert module.submit_call is submit_call
        assert module.__file__ == str(package / "tests" / "traits_executor_tests.py")
    finally:
        sys.modules.pop(name, None)


def test_unexpected_source_is_refused(tmp_path, spare_module):
    """A module that mentions traits_futures elsewhere is not run half-converted."""
    body = textwrap.dedent(
        """
        from traits_futures.api import submit_call
        from traits_futures.testing.test_assistant import TestAssistant
        """
    )
    package = _fake_package(tmp_path, body)
    name = spare_module
    with pytest.raises(ImportError, match="expected exactly one 'traits_futures'"):
        _source.load_mixin_module(package, "traits_executor_tests")
    assert name not in sys.modules


def test_package_version_reads_version_py(tmp_path):
    """The version is read from the package's version.py without importing it."""
    assert _source.package_version(_fake_package(tmp_path)) == "0.3.1"
