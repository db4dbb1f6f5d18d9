# SPDX-License-Identifier: BSD-3-Clause
"""Job kinds: a worker-side task and a main-thread future for each."""
