# SPDX-License-Identifier: BSD-3-Clause
"""Sphinx configuration for the traits_jobs documentation.

Build with ``sphinx-build -W -b html docs docs/_build/html`` (or ``nox -s docs``).
Nothing here reaches the network.
"""

import os
import sys
from pathlib import Path

# Before autodoc imports anything: Qt must not look for a display.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
sys.path.insert(0, str(ROOT))

import traits_jobs  # noqa: E402

# -- Project -----------------------------------------------------------------

project = "traits_jobs"
author = "the traits_jobs developers"
copyright = "the traits_jobs developers"
release = traits_jobs.__version__
version = ".".join(release.split(".")[:2])

# -- General -----------------------------------------------------------------

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.napoleon",
    "sphinx.ext.viewcode",
    "myst_parser",  # the changelog page includes CHANGELOG.md
]

exclude_patterns = ["_build", "examples"]
templates_path: list[str] = []
root_doc = "index"
source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
pygments_style = "sphinx"

# -- autodoc and napoleon ----------------------------------------------------

autodoc_member_order = "bysource"
autodoc_typehints = "signature"
autodoc_preserve_defaults = True
autoclass_content = "class"
napoleon_google_docstring = False
napoleon_numpy_docstring = True
napoleon_use_rtype = False
napoleon_use_ivar = True

# -- HTML --------------------------------------------------------------------

html_theme = "furo"
html_title = f"traits_jobs {release}"
html_static_path: list[str] = []
