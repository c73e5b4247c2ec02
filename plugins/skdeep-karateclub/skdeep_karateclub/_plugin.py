"""Hook implementations: registers the karateclub wrappers with skdeep."""

# Authors: The skdeep developers
# SPDX-License-Identifier: BSD-3-Clause

import skdeep


@skdeep.hookimpl
def register_estimators(register):
    from skdeep_karateclub import CLASSES

    for klass in CLASSES.values():
        register(klass)
