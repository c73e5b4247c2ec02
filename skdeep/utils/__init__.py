"""Shared machinery for skdeep estimators and plugin authors."""

# Authors: The skdeep developers
# SPDX-License-Identifier: BSD-3-Clause
