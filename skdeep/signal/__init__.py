"""The signal family."""

# Authors: The skdeep developers
# SPDX-License-Identifier: BSD-3-Clause

__all__ = []
