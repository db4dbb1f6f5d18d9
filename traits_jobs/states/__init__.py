# SPDX-License-Identifier: BSD-3-Clause
"""States, message kinds and exceptions: the layer that knows nothing else."""
