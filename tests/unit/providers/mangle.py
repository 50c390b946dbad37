"""Seeded mutations of raw API payloads, for the tests that feed each transform mangled input.

A mutation deletes a field, repeats a list entry, or replaces a value by one of ``ODD`` (wrong types, empty
and marker strings, huge numbers). The tests then check that the transform reports the problem, validates
strictly, and keeps every item the mutations did not touch.
"""

from __future__ import annotations

import copy
import random
from collections.abc import Iterator

ODD = [
    None,
    0,
    1.5,
    True,
    "",
    "x",
    [],
    {},
    [None],
    {"a": 1},
    "None",
    "N/A",
    "not-a-date",
    -1,
    10**30,
    ["a", 1],
]


def paths(value: object, path: tuple = ()) -> Iterator[tuple]:
    """Every place in a JSON-shaped value, as the keys and indexes leading to it."""
    yield path
    children = (
        value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    )
    for key, child in children:
        yield from paths(child, (*path, key))


def mangle(data: object, path: tuple, rnd: random.Random) -> bool:
    """Apply one mutation at ``path`` (at least one key long) in place; False when the place is gone (an
    earlier mutation replaced what led to it)."""
    parent = data
    try:
        for key in path[:-1]:
            parent = parent[key]
        roll = rnd.random()
        if roll < 0.2 and isinstance(parent, dict):
            del parent[path[-1]]
        elif roll < 0.3 and isinstance(parent, list):
            parent.append(copy.deepcopy(parent[path[-1]]))
        else:
            parent[path[-1]] = copy.deepcopy(rnd.choice(ODD))
    except (KeyError, IndexError, TypeError):
        return False
    return True
