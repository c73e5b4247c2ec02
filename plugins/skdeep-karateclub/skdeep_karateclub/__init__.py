"""karateclub's node-embedding models as skdeep (scikit-learn) transformers.

Every model of ``WORKING`` becomes a class ``KarateClub<Model>`` following
skdeep's graph conventions; ``NOT_WORKING`` says why the others are left out.
"""

# Authors: The skdeep developers
# SPDX-License-Identifier: BSD-3-Clause

from skdeep_karateclub._models import CLASSES, NOT_WORKING, WORKING, KarateClubEmbedder

globals().update(CLASSES)

__all__ = ["KarateClubEmbedder", "NOT_WORKING", "WORKING", *CLASSES]
__version__ = "0.1.0"
