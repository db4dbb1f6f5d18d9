# SPDX-License-Identifier: BSD-3-Clause
"""Development tasks: ``nox`` runs tests, lint and docs; ``nox -s NAME`` runs one.

Sessions: tests, lint, fuzz, typecheck, docs, bench, compat, examples, screenshots. Arguments after
``--`` go to the session's main command, e.g. ``nox -s tests -- -k cancel``.
"""

import tempfile
import zipfile
from pathlib import Path

import nox

PYTHON = "3.11"

nox.options.sessions = ["tests", "lint", "docs"]
nox.options.error_on_missing_interpreters = True

# Qt must not look for a display: sessions that may start Qt run offscreen.
QT_ENV = {"QT_QPA_PLATFORM": "offscreen"}


@nox.session(python=PYTHON)
def tests(session: nox.Session) -> None:
    """Run the test suite on Qt and asyncio."""
    session.install(".[test]")
    session.run("pytest", *session.posargs, env=QT_ENV)


@nox.session(python=PYTHON)
def lint(session: nox.Session) -> None:
    """Check style and formatting with ruff, and the layer contracts; changes nothing."""
    session.install("ruff", "import-linter", "-e", ".")
    session.run("ruff", "check", *(session.posargs or ["."]))
    session.run("ruff", "format", "--check", *(session.posargs or ["."]))
    session.run("lint-imports", "--config", ".importlinter")


@nox.session(python=PYTHON)
def fuzz(session: nox.Session) -> None:
    """Run the Hypothesis state machines with the "fuzz" profile (10,000+ examples each)."""
    session.install(".[test]")
    session.run(
        "pytest",
        "tests/test_executor_machine.py",
        "tests/test_scheduler_machine.py",
        # 10,000 examples take minutes: no per-test time limit.
        "-o",
        "timeout=0",
        *session.posargs,
        env={**QT_ENV, "HYPOTHESIS_PROFILE": "fuzz"},
    )


@nox.session(python=PYTHON)
def typecheck(session: nox.Session) -> None:
    """Type-check traits_jobs with mypy (configured in pyproject.toml)."""
    session.install(".[demo]", "mypy")
    session.run("mypy", *session.posargs)


@nox.session(python=PYTHON)
def docs(session: nox.Session) -> None:
    """Build the HTML docs with warnings as errors, and run the scripts they show.

    The tests beside those scripts run in the ``tests`` session.
    """
    session.install(".[docs,test]")
    session.run(
        "sphinx-build",
        "-W",
        "--keep-going",
        "-b",
        "html",
        "docs",
        "docs/_build/html",
        *session.posargs,
        env=QT_ENV,
    )
    session.run("python", "docs/examples/getting_started.py", env=QT_ENV)
    session.run("python", "docs/examples/fizz_buzz.py", env=QT_ENV)


@nox.session(python=PYTHON)
def bench(session: nox.Session) -> None:
    """Run the benchmark suite against traits-futures, superqt and raw QThreadPool.

    Writes ``benchmarks/results/latest.md`` (and ``.jsonl``). Options go after
    ``--``, e.g. ``nox -s bench -- --reps 3 --tests calls,iter``; see
    ``python -m benchmarks --help``.
    """
    session.install(".[bench]")
    session.run("python", "-m", "benchmarks", *session.posargs, env=QT_ENV)


#: The traits-futures release whose own contract tests define "drop-in".
TRAITS_FUTURES = "traits-futures==0.3.1"


@nox.session(python=PYTHON)
def compat(session: nox.Session) -> None:
    """Run traits-futures 0.3.1's own contract tests against traits_jobs.api.

    Downloads the traits-futures wheel (it is not installed), unpacks it to a
    temporary directory and runs the harness in ``tests/compat`` on its
    sources, named by ``TRAITS_FUTURES_SOURCE``. The tests that traits_jobs
    deliberately fails are listed in ``tests/compat/_differences.py`` and in
    docs/howto/migrating.rst.
    """
    session.install(".[test]")
    with tempfile.TemporaryDirectory(prefix="traits-futures-") as tmp:
        wheels, source = Path(tmp, "wheels"), Path(tmp, "source")
        session.run(
            "python",
            "-m",
            "pip",
            "download",
            "--no-deps",
            "--only-binary=:all:",
            "--dest",
            str(wheels),
            TRAITS_FUTURES,
        )
        (wheel,) = wheels.glob("traits_futures-*.whl")
        with zipfile.ZipFile(wheel) as archive:
            archive.extractall(source)
        env = {**QT_ENV, "TRAITS_FUTURES_SOURCE": str(source)}
        # The harness needs none of the rest of the suite's configuration
        # (its fixtures, Hypothesis profiles): conftest files above it are skipped.
        session.run(
            "pytest", "tests/compat", "--confcutdir=tests/compat", *session.posargs, env=env
        )


@nox.session(python=PYTHON)
def examples(session: nox.Session) -> None:
    """Smoke-run the examples under examples/ and the demo's scripted tour."""
    session.install(".[demo]")
    session.run("python", "examples/prime_counting.py", *session.posargs, env=QT_ENV)
    session.run("python", "examples/instrument_control.py", env=QT_ENV)
    shots = session.create_tmp()
    session.run("python", "-m", "traits_jobs.demo", "--tour", "--screenshots", shots, env=QT_ENV)


@nox.session(python=PYTHON)
def screenshots(session: nox.Session) -> None:
    """Retake the documentation's screenshots (docs/_static/tour) with the demo's tour."""
    session.install(".[demo]")
    session.run(
        "python",
        "-m",
        "traits_jobs.demo",
        "--tour",
        "--screenshots",
        "docs/_static/tour",
        env=QT_ENV,
    )
