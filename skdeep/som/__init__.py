"""Self-organizing maps: topology-preserving prototype clustering and its pictures."""

# Authors: The skdeep developers
# SPDX-License-Identifier: BSD-3-Clause

from skdeep.som._plot import (
    plot_component_planes,
    plot_hit_map,
    plot_map,
    plot_u_matrix,
)
from skdeep.som._som import SOMClusterer

__all__ = [
    "SOMClusterer",
    "plot_component_planes",
    "plot_hit_map",
    "plot_map",
    "plot_u_matrix",
]
