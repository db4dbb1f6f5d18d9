# SPDX-License-Identifier: BSD-3-Clause
"""Render benchmark results (JSONL) as markdown.

Cells are ``median [min-max]`` over the completed runs, followed by
``xR``: how many times worse than traits_jobs the system is on that metric
(``traits_jobs / system`` where higher is better, ``system / traits_jobs``
where lower is better; below 1 means better than traits_jobs).

Re-render a results file with ``python -m benchmarks.report results.jsonl``.
"""

import argparse
import json
import statistics
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from benchmarks.catalog import TARGETS, TESTS, Metric
from benchmarks.systems import REFERENCE

#: Statuses whose numbers are used (``problems`` runs finished, with a note).
COMPLETED = ("ok", "problems")


def load(path: Path) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Read a results file.

    Parameters
    ----------
    path : Path
        A JSONL file written by the driver.

    Returns
    -------
    tuple
        The metadata dict (empty if absent) and the list of run results.
    """
    meta: dict[str, Any] = {}
    runs: list[dict[str, Any]] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        record = json.loads(line)
        if record.get("kind") == "meta":
            meta = record
        else:
            runs.append(record)
    return meta, runs


def fmt(value: float) -> str:
    """A number with a sensible number of digits."""
    if value != value:  # NaN
        return "nan"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    if abs(value) >= 100:
        return f"{value:.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    if abs(value) >= 0.1 or value == 0:
        return f"{value:.2f}"
    return f"{value:.4f}"


def _values(runs: Iterable[dict[str, Any]], key: str) -> list[float]:
    """The numeric values of ``key`` in completed runs."""
    return [
        float(r[key])
        for r in runs
        if r.get("status") in COMPLETED and isinstance(r.get(key), int | float)
    ]


def _median(runs: Iterable[dict[str, Any]], key: str) -> float | None:
    values = _values(runs, key)
    return statistics.median(values) if values else None


def _worse_factor(metric: Metric, value: float, reference: float) -> float | None:
    """How many times worse than the reference ``value`` is (None if undefined)."""
    if metric.better == "up" and value > 0:
        return reference / value
    if metric.better == "down" and reference > 0:
        return value / reference
    return None


def _cell(runs: list[dict[str, Any]], metric: Metric, reference: float | None, is_ref: bool) -> str:
    """``median [min-max] xR`` for one system, or why there is no number."""
    values = _values(runs, metric.key)
    if not values:
        statuses = sorted({str(r.get("status")) for r in runs})
        return ", ".join(statuses) if runs else "—"
    med = statistics.median(values)
    text = f"{fmt(med)} [{fmt(min(values))}-{fmt(max(values))}]"
    if is_ref and metric.better:
        text += " (ref)"
    elif reference is not None and metric.better:
        factor = _worse_factor(metric, med, reference)
        if factor is not None:
            text += f" **x{fmt(factor)}**"
    completed = sum(r.get("status") in COMPLETED for r in runs)
    if completed < len(runs):
        text += f" ({completed}/{len(runs)} runs)"
    return text


def _systems(meta: dict[str, Any], runs: Sequence[dict[str, Any]]) -> list[str]:
    """The systems in column order: traits_jobs first."""
    seen = list(meta.get("systems") or dict.fromkeys(r["system"] for r in runs))
    return sorted(seen, key=lambda s: s != REFERENCE)


def _by(runs: Iterable[dict[str, Any]], **match: Any) -> list[dict[str, Any]]:
    return [r for r in runs if all(r.get(k) == v for k, v in match.items())]


def _header(meta: dict[str, Any], runs: Sequence[dict[str, Any]]) -> list[str]:
    """Title, versions, machine, load and run counts."""
    versions = meta.get("versions", {})
    ran = [r for r in runs if r.get("status") != "skipped" and "load1" in r]
    loads = [float(r["load1"]) for r in ran]
    statuses: dict[str, int] = {}
    for r in runs:
        statuses[str(r.get("status"))] = statuses.get(str(r.get("status")), 0) + 1
    qt = sorted({r["qt"] for r in runs if "qt" in r})
    single = ", ".join(f"`{t.name}`" for t in TESTS.values() if t.single_worker)
    out = [
        "# traits_jobs benchmarks",
        "",
        f"Date: {meta.get('date', '?')}. Machine: {meta.get('machine', '?')}. "
        f"traits_jobs checkout: {meta.get('git', '?')}.",
        "",
        "Versions: "
        + ", ".join(f"{k} {v}" for k, v in versions.items())
        + "."
        + (f" Runtime: {', '.join(qt)}." if qt else ""),
        "",
        f"Settings: {meta.get('workers', '?')} workers per system (1 for {single}), "
        f"latency rate {meta.get('rate_hz', '?')} Hz, "
        f"child timeout {meta.get('timeout_s', '?')} s, "
        "`QT_QPA_PLATFORM=offscreen`, `ETS_TOOLKIT=qt`, QApplication (widgets). Each "
        "(system, test, size, rep) is a fresh process; systems interleaved and rotated. "
        f"Command: `{' '.join(meta.get('argv', []))}`.",
        "",
    ]
    if loads:
        out.append(
            f"1-min load average before each run: median {statistics.median(loads):.2f}, "
            f"min {min(loads):.2f}, max {max(loads):.2f}."
        )
        out.append("")
    revisions = sorted({r["traits_jobs_source"] for r in runs if "traits_jobs_source" in r})
    if len(revisions) > 1:
        out += [
            f"**traits_jobs/ changed during the run**: {len(revisions)} different source "
            "states were measured (`traits_jobs_source` in the .jsonl), so its min-max "
            "spans library versions.",
            "",
        ]
    violations = sum(int(r.get("violations", 0)) for r in runs)
    out += [
        f"Runs: {len(runs)} ("
        + ", ".join(f"{k}: {v}" for k, v in sorted(statuses.items()))
        + f"). Handler calls off the main thread: **{violations}** (must be 0).",
        "",
        "Cells: median [min-max]; **xR** = how many times worse than traits_jobs "
        "(traits_jobs / system where higher is better, system / traits_jobs where lower is "
        "better; below 1: better than traits_jobs).",
        "",
    ]
    return out


def _summary(systems: list[str], runs: Sequence[dict[str, Any]]) -> list[str]:
    """The issue's table: each target measure, all systems, target met or not."""
    others = [s for s in systems if s != REFERENCE]
    order = [*others, REFERENCE] if REFERENCE in systems else others
    out = [
        "## Targets (medians)",
        "",
        "| measure | " + " | ".join(order) + " | target | met |",
        "|---|" + "---|" * (len(order) + 2),
    ]
    for target in TARGETS:
        test_runs = _by(runs, test=target.test)
        if not test_runs:
            continue
        size = test_runs[0]["size"]
        cells = []
        for system in order:
            med = _median(_by(test_runs, system=system), target.key)
            cells.append(fmt(med) if med is not None else "—")
        ref = _median(_by(test_runs, system=REFERENCE), target.key)
        met = "—" if ref is None else ("yes" if target.met(ref) else "**no**")
        if target.test == "progress" and ref is not None:
            last = _values(_by(test_runs, system=REFERENCE), "last_ok")
            if last and min(last) < 1:
                met = "**no** (last value lost)"
        row = [f"{target.label} (N={size:,})", *cells, target.target, met]
        out.append("| " + " | ".join(row) + " |")
    if len(out) == 4:  # none of the tests run has a target
        return []
    return [*out, ""]


def _test_table(
    test: str, size: int, systems: list[str], runs: Sequence[dict[str, Any]]
) -> list[str]:
    """One table: a test at one size, metrics by system."""
    spec = TESTS[test]
    group = _by(runs, test=test, size=size)
    out = [
        f"### {test}, N={size:,}: {spec.description}",
        "",
        "| metric | " + " | ".join(systems) + " |",
        "|---|" + "---|" * len(systems),
    ]
    for metric in spec.metrics:
        ref = _median(_by(group, system=REFERENCE), metric.key)
        arrow = {"up": " ↑", "down": " ↓"}.get(metric.better or "", "")
        cells = [_cell(_by(group, system=s), metric, ref, s == REFERENCE) for s in systems]
        out.append(f"| {metric.label}{arrow} | " + " | ".join(cells) + " |")
    return [*out, ""]


def _growth(test: str, systems: list[str], runs: Sequence[dict[str, Any]]) -> list[str]:
    """How much worse each metric gets from the smallest to the largest size."""
    sizes = sorted({r["size"] for r in _by(runs, test=test)})
    if len(sizes) < 2:
        return []
    small, large = sizes[0], sizes[-1]
    out = [
        f"Growth of the per-job cost from N={small:,} to the largest N measured "
        f"(N={large:,} unless skipped; x1 = constant per job, x10 per 10x size = quadratic):",
        "",
        "| metric | " + " | ".join(systems) + " |",
        "|---|" + "---|" * len(systems),
    ]
    for metric in TESTS[test].metrics:
        if not metric.better:
            continue
        cells = []
        for system in systems:
            medians = [
                (size, _median(_by(runs, test=test, size=size, system=system), metric.key))
                for size in sizes
            ]
            known = [(size, m) for size, m in medians if m is not None]
            factor = None
            if len(known) >= 2 and known[0][0] == small:
                factor = _worse_factor(metric, known[-1][1], known[0][1])
            top = "" if not known or known[-1][0] == large else f" (N={known[-1][0]:,})"
            cells.append("—" if factor is None else f"x{fmt(factor)}{top}")
        out.append(f"| {metric.label} | " + " | ".join(cells) + " |")
    return [*out, ""]


def _problems(runs: Sequence[dict[str, Any]]) -> list[str]:
    """Every run that did not finish cleanly; "n/a" and skipped runs summarised."""
    quiet = ("n/a", "skipped")
    out = ["## Problems", ""]
    passed = {
        (r["test"], r["system"], r.get("status"), "; ".join(r.get("problems", [])))
        for r in runs
        if r.get("status") in quiet
    }
    for test, system, status, why in sorted(passed):
        out.append(f"- {test} / {system}: {status} ({why})")
    bad = [r for r in runs if r.get("status") not in ("ok", *quiet)]
    if not bad:
        return [*out, "", "Every other run finished cleanly.", ""]
    out += [
        "",
        "| rep | test | size | system | status | problems |",
        "|---|---|---|---|---|---|",
    ]
    for r in bad:
        text = "; ".join(r.get("problems", []))[:300].replace("|", "/")
        out.append(
            f"| {r.get('rep')} | {r['test']} | {r['size']:,} | {r['system']} "
            f"| {r.get('status')} | {text} |"
        )
    return [*out, ""]


def render(meta: dict[str, Any], runs: Sequence[dict[str, Any]]) -> str:
    """The whole markdown report.

    Parameters
    ----------
    meta : dict
        The run's metadata (see :func:`benchmarks.runner.metadata`).
    runs : sequence of dict
        The run results.

    Returns
    -------
    str
        Markdown.
    """
    systems = _systems(meta, runs)
    out = _header(meta, runs) + _summary(systems, runs)
    tests = [t for t in TESTS if _by(runs, test=t)]
    for test in tests:
        kind = "scaling" if TESTS[test].scaling else "test"
        out.append(f"## {kind} `{test}`")
        out.append("")
        for size in sorted({r["size"] for r in _by(runs, test=test)}):
            out += _test_table(test, size, systems, runs)
        if TESTS[test].scaling:
            out += _growth(test, systems, runs)
    out += _problems(runs)
    return "\n".join(out)


def main(argv: list[str] | None = None) -> None:
    """Re-render a results file: ``python -m benchmarks.report RESULTS.jsonl [--out MD]``."""
    parser = argparse.ArgumentParser(description="Render benchmark results as markdown.")
    parser.add_argument("results", type=Path)
    parser.add_argument("--out", type=Path, help="write here instead of printing")
    args = parser.parse_args(argv)
    text = render(*load(args.results))
    if args.out:
        args.out.write_text(text, encoding="utf-8")
    else:
        print(text)


if __name__ == "__main__":
    main()
