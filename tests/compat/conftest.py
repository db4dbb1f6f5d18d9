# SPDX-License-Identifier: BSD-3-Clause
"""The compat harness's fixtures: a QApplication for the Qt classes; the source in the header."""

import pytest

from tests.compat import _source


def pytest_report_header() -> str:
    """Say which traits-futures sources the compat tests run, or why they skip."""
    try:
        package_dir = _source.find_package_dir()
    except (_source.SourceNotFound, FileNotFoundError) as error:
        return f"traits-futures compat: not run ({error})"
    version = _source.package_version(package_dir)
    return f"traits-futures compat: {version} tests from {package_dir}"


@pytest.fixture(autouse=True)
def _qapp_for_qt_classes(request: pytest.FixtureRequest) -> None:
    """Make sure a QApplication exists for the classes that run on Qt."""
    if getattr(request.cls, "loop", None) == "qt":
        request.getfixturevalue("qapp")
