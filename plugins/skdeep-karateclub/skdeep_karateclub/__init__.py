"""karateclub's models as skdeep (scikit-learn) estimators.

Every model of ``WORKING`` becomes a class ``KarateClub<Model>``: node
embedders follow skdeep's graph conventions, community detectors are
clusterers of a graph's nodes, whole-graph embedders are transformers over
lists of graphs. ``NOT_WORKING`` says why the others are left out.
"""

# Authors: The skdeep developers
# SPDX-License-Identifier: BSD-3-Clause

from skdeep_karateclub._models import (
    CLASSES,
    NOT_WORKING,
    WORKING,
    KarateClubClusterer,
    KarateClubEmbedder,
    KarateClubGraphEmbedder,
)

globals().update(CLASSES)

__all__ = [
    "KarateClubClusterer",
    "KarateClubEmbedder",
    "KarateClubGraphEmbedder",
    "NOT_WORKING",
    "WORKING",
    *CLASSES,
]
__version__ = "0.1.0"
