"""Result rows as named tuples: what read loaders and lists hand to the API objects.

SQLAlchemy's ``Row`` answers ``row.name`` through a ``__getattr__`` that runs only after the
normal attribute lookup failed: about 0.7 µs a column, where ``row[i]`` takes 0.05 µs. A users
page reads ~7 000 columns by name (the API objects' ``from_row``, loader keys, cursors). A named
tuple type made once per set of result columns answers the same names in C, so code written
for rows (and ORM entities: every column is mapped under its own name) reads them unchanged.
"""

from __future__ import annotations

import functools
from collections import namedtuple
from typing import Any

from sqlalchemy.engine import Result


@functools.lru_cache(maxsize=256)
def record_type(columns: tuple[str, ...]) -> Any:
    """The named tuple type of a result with these column names (each a valid identifier)."""
    return namedtuple("Record", columns)  # the names are only known at run time


def records(result: Result[Any]) -> list[Any]:
    """Every row of ``result`` as a named tuple with the result's column names."""
    make = record_type(tuple(result.keys()))._make
    return [make(row) for row in result.all()]  # all(): iterating the result costs ~0.5 µs a row
