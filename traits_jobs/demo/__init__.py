# SPDX-License-Identifier: BSD-3-Clause
"""The traits_jobs demo: a simulated instrument driven from a TraitsUI window.

Run it with ``python -m traits_jobs.demo``. It needs the ``demo`` extra
(``pip install "traits_jobs[demo]"``: pyqtgraph and numpy). With a display it
opens the window; without one (or with ``--tour``) it runs a scripted tour
offscreen, saves screenshots and prints what it did. ``--context process``
runs the analysis in a worker process.

- :mod:`~traits_jobs.demo.instruments`: the simulated stage, camera,
  temperature sensor and analysis, pure Python and numpy, no hardware.
- :mod:`~traits_jobs.demo.app`: the window's model, :class:`~traits_jobs.demo.app.DemoApp`;
  :mod:`~traits_jobs.demo.view` lays it out, with the pyqtgraph plot of
  :mod:`~traits_jobs.demo.plot_editor`.
- :mod:`~traits_jobs.demo.processes`: the executor on worker processes of
  ``--context process``.
- :mod:`~traits_jobs.demo.tour`: the scripted tour.
"""
