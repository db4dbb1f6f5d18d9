# SPDX-License-Identifier: BSD-3-Clause
"""Find traits-futures' contract test mixins and load them against traits_jobs.api.

The mixins ship inside traits-futures' wheel (``traits_futures/tests/*_tests.py``).
They are read from there and executed unchanged except for one line: their
``from traits_futures.api import ...`` becomes ``from traits_jobs.api import ...``.
Nothing of traits-futures is imported, so the mixins cannot fall back on it.

Where the sources come from, first match wins:

1. the directory named by :data:`SOURCE_ENV`, which must hold the
   ``traits_futures`` package (an unpacked wheel, as ``nox -s compat`` makes);
2. an installed ``traits_futures``, found without importing it.
"""

import importlib.abc
import importlib.machinery
import importlib.util
import os
import sys
import types
from pathlib import Path
from typing import Any

#: Environment variable naming a directory that holds the ``traits_futures`` package.
SOURCE_ENV = "TRAITS_FUTURES_SOURCE"

#: The only traits-futures version whose tests the harness knows.
EXPECTED_VERSION = "0.3.1"

#: Parent name of the loaded modules; the last part of each name is the mixin
#: module's own, which the deprecation tests compare with a warning's filename.
MODULE_PREFIX = "_traits_jobs_compat"

_ORIGINAL_IMPORT = "from traits_futures.api import"
_REPLACEMENT_IMPORT = "from traits_jobs.api import"


class SourceNotFound(LookupError):
    """No traits-futures sources: the compat tests are skipped with this message."""


def find_package_dir() -> Path:
    """Return the directory of the ``traits_futures`` package whose tests to run.

    Raises
    ------
    SourceNotFound
        If neither :data:`SOURCE_ENV` nor an installed ``traits_futures``
        gives one.
    FileNotFoundError
        If :data:`SOURCE_ENV` is set but holds no ``traits_futures`` package
        with its tests: a mistake to report, not a reason to skip.
    """
    root = os.environ.get(SOURCE_ENV)
    if root:
        for candidate in (Path(root) / "traits_futures", Path(root)):
            if (candidate / "tests" / "traits_executor_tests.py").is_file():
                return candidate
        msg = (
            f"{SOURCE_ENV}={root!r} holds no traits_futures package with its tests "
            "(expected traits_futures/tests/traits_executor_tests.py under it). "
            "Point it at an unpacked traits-futures 0.3.1 wheel."
        )
        raise FileNotFoundError(msg)
    spec = importlib.util.find_spec("traits_futures")
    if spec is None or not spec.submodule_search_locations:
        msg = (
            "traits-futures is not installed and "
            f"{SOURCE_ENV} is not set: install traits-futures==0.3.1 (the 'test' extra "
            "does) or run 'nox -s compat'."
        )
        raise SourceNotFound(msg)
    return Path(next(iter(spec.submodule_search_locations)))


def package_version(package_dir: Path) -> str:
    """Return the version that ``traits_futures/version.py`` declares, or "unknown"."""
    namespace: dict[str, object] = {}
    version_file = package_dir / "version.py"
    if version_file.is_file():
        exec(
            compile(version_file.read_text(encoding="utf-8"), str(version_file), "exec"), namespace
        )
    return str(namespace.get("version", "unknown"))


class _RewritingLoader(importlib.abc.SourceLoader):
    """Loads one mixin module from its file with the import line rewritten.

    ``path_stats`` is not implemented, so no bytecode is read or written:
    the cached bytecode beside the file is that of the unrewritten module.
    """

    def __init__(self, path: Path) -> None:
        self._path = path

    def get_filename(self, fullname: str) -> str:
        return str(self._path)

    def get_data(self, path: str) -> bytes:
        source = Path(path).read_text(encoding="utf-8")
        count = source.count(_ORIGINAL_IMPORT)
        if count != 1 or source.count("traits_futures") != 1:
            msg = (
                f"{path}: expected exactly one 'traits_futures' in the file, in "
                f"{_ORIGINAL_IMPORT!r}; found {source.count('traits_futures')} "
                f"occurrence(s), {count} in that import. Is this traits-futures "
                f"{EXPECTED_VERSION}?"
            )
            raise ImportError(msg)
        return source.replace(_ORIGINAL_IMPORT, _REPLACEMENT_IMPORT).encode("utf-8")


def load_mixin_module(package_dir: Path, name: str) -> types.ModuleType:
    """Load ``traits_futures/tests/<name>.py`` importing from traits_jobs.api instead.

    The module is registered as ``_traits_jobs_compat.<name>``; loading it
    again returns the same module.
    """
    fullname = f"{MODULE_PREFIX}.{name}"
    module = sys.modules.get(fullname)
    if module is not None:
        return module
    path = package_dir / "tests" / f"{name}.py"
    if not path.is_file():
        msg = f"{path} does not exist: is {package_dir} traits-futures {EXPECTED_VERSION}?"
        raise FileNotFoundError(msg)
    loader = _RewritingLoader(path)
    spec = importlib.util.spec_from_file_location(fullname, path, loader=loader)
    assert spec is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[fullname] = module
    try:
        loader.exec_module(module)
    except BaseException:
        del sys.modules[fullname]
        raise
    return module


class _MixinFinder(importlib.abc.MetaPathFinder):
    """Finds ``_traits_jobs_compat`` and its mixin modules: for worker processes."""

    def __init__(self, package_dir: Path) -> None:
        self._package_dir = package_dir

    def find_spec(self, fullname: str, path: Any, target: Any = None) -> Any:
        if fullname == MODULE_PREFIX:
            spec = importlib.machinery.ModuleSpec(fullname, None, is_package=True)
            spec.submodule_search_locations = []
            return spec
        prefix, _, name = fullname.partition(".")
        if prefix != MODULE_PREFIX or not name:
            return None
        path_ = self._package_dir / "tests" / f"{name}.py"
        if not path_.is_file():
            return None
        return importlib.util.spec_from_file_location(
            fullname, path_, loader=_RewritingLoader(path_)
        )


def install_in_worker(package_dir: str) -> None:
    """Let a worker process import the mixin modules, as the main process loaded them.

    The ``initializer`` of the harness's ``MultiprocessingContext``: jobs
    defined in a mixin module are pickled by reference to
    ``_traits_jobs_compat.<module>``, which the worker must be able to import.
    """
    sys.meta_path.insert(0, _MixinFinder(Path(package_dir)))
