# SPDX-License-Identifier: BSD-3-Clause
"""The demo with ``--context dask [ADDRESS]``: the analysis on a Dask cluster.

The window tests use an in-process LocalCluster by its address; the tour
runs as a command, with the embedded LocalCluster of worker processes.
"""

import pytest

distributed = pytest.importorskip("distributed")

from tests.demo.test_demo_app import click, panel_ui, start_live_view, started  # noqa: E402
from tests.demo.test_demo_processes import ENDLESS, PROCESS_WAIT  # noqa: E402
from tests.demo.test_tour import run_demo  # noqa: E402
from traits_jobs.api import CANCELLED, COMPLETED, DaskContext  # noqa: E402
from traits_jobs.demo import __main__ as demo_main  # noqa: E402
from traits_jobs.demo import tour  # noqa: E402
from traits_jobs.demo.instruments import AnalysisResult  # noqa: E402


@pytest.fixture(scope="module")
def address():
    cluster = distributed.LocalCluster(
        processes=False, n_workers=1, threads_per_worker=1, dashboard_address=":0"
    )
    yield cluster.scheduler_address
    cluster.close()


def test_the_analysis_runs_on_the_cluster_and_says_so(make_window, qtbot, address):
    """Analyse runs on the cluster at the address; its row says "dask", its result shows."""
    demo, ui = make_window(context="dask", dask_address=address)
    assert isinstance(demo.processes.context, DaskContext)
    start_live_view(qtbot, demo, ui)
    click(qtbot, ui, "stop")
    qtbot.waitUntil(lambda: demo.live_future.done, timeout=PROCESS_WAIT)
    click(qtbot, ui, "analyse")
    analysis = started(qtbot, demo, "analysis_future")
    qtbot.waitUntil(lambda: analysis.done, timeout=PROCESS_WAIT)
    assert analysis.state == COMPLETED
    assert isinstance(analysis.result, AnalysisResult)
    where = {row.name: row.where for row in demo.jobs_panel.rows}
    assert where["analysis"] == "dask"
    assert where["live view"] == "thread"


def test_an_analysis_on_the_cluster_is_cancelled_by_cancel_all(make_window, qtbot, address):
    """The panel's Cancel all reaches the analysis on the cluster."""
    demo, ui = make_window(context="dask", dask_address=address, **ENDLESS)
    start_live_view(qtbot, demo, ui)
    click(qtbot, ui, "stop")
    qtbot.waitUntil(lambda: demo.live_future.done, timeout=PROCESS_WAIT)
    click(qtbot, ui, "analyse")
    analysis = started(qtbot, demo, "analysis_future")
    assert demo.status.endswith("spectra on a Dask cluster")
    qtbot.waitUntil(lambda: analysis.progress_info is not None, timeout=PROCESS_WAIT)
    click(qtbot, panel_ui(ui), "cancel_all")
    qtbot.waitUntil(lambda: analysis.done, timeout=PROCESS_WAIT)
    assert analysis.state == CANCELLED


def test_the_context_option_takes_an_address_for_dask_only(monkeypatch, tmp_path, capsys):
    """``--context dask ADDRESS`` reaches the tour; an address elsewhere is refused."""
    calls = []
    monkeypatch.setattr(tour, "run_tour", lambda path, **kwargs: calls.append((path, kwargs)))
    argv = ["--tour", "--context", "dask", "tcp://10.0.0.5:8786", "--screenshots", str(tmp_path)]
    assert demo_main.main(argv) == 0
    assert calls == [(tmp_path, {"context": "dask", "address": "tcp://10.0.0.5:8786"})]
    for wrong in (["process", "tcp://x:1"], ["dask", "a", "b"], ["teleport"]):
        with pytest.raises(SystemExit):
            demo_main.parse_args(["--context", *wrong])
    assert "--context" in capsys.readouterr().err


def test_module_runs_the_tour_with_the_analysis_on_a_local_cluster(tmp_path):
    """``python -m traits_jobs.demo --tour --context dask`` exits 0; the panel says dask."""
    shots = tmp_path / "tour"
    run = run_demo("--tour", "--context", "dask", "--screenshots", str(shots))
    assert run.returncode == 0, run.stdout + run.stderr
    assert "the analysis on a Dask cluster" in run.stdout
    assert "5. Analyse the latest spectra (on a Dask cluster)" in run.stdout
    assert "the jobs panel: analysis [dask], call" in run.stdout
    assert len(list(shots.glob("*.png"))) == 15
