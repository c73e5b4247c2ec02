"""Equality for dataclasses that hold NumPy arrays."""

# Authors: The skdeep developers
# SPDX-License-Identifier: BSD-3-Clause

import dataclasses

import numpy as np


def array_fields_eq(self, other):
    """``__eq__`` for a dataclass with array fields (assign it in the class body).

    The generated ``__eq__`` compares fields with ``==``, and an array's
    ``==`` is element-wise, whose truth value raises: on Python 3.13 as soon
    as an array field is compared, before that whenever two array fields are
    not the same object. Here two instances of one class are equal when every
    compared field is, arrays by shape and values (``np.array_equal``).
    """
    if type(other) is not type(self):
        return NotImplemented
    for f in dataclasses.fields(self):
        if not f.compare:
            continue
        a, b = getattr(self, f.name), getattr(other, f.name)
        if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
            if not np.array_equal(a, b):
                return False
        elif not a == b:
            return False
    return True
