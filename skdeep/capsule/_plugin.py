"""Registers the capsule network family with skdeep's plugin manager."""

# Authors: The skdeep developers
# SPDX-License-Identifier: BSD-3-Clause

from skdeep import hookimpl


@hookimpl
def register_estimators(register):
    from skdeep.capsule import CapsNetClassifier

    register(CapsNetClassifier)
