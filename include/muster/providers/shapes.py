"""Field types of raw API items, checked where an item enters a transform (shared by AWS, GCP and Azure).

Transforms read JSON-shaped items. A field with the wrong type (a number where a name belongs, an object in a
list of names, a list as an id) would otherwise surface deep in a transform as a TypeError that loses the whole
tenant, or reach validation as an unwritable value. Each provider declares the fields its transform reads
(``aws/item_shapes.py``, ``gcp/item_shapes.py``, ``azure/shapes.py``) and checks an item with ``fit`` where it
enters (``shaped``): a field or list entry that does not fit is left out and reported through the provider's
own message format (tenant, entity, item, field). Fields not declared are left alone.

A shape maps field names to: ``str`` or ``bool``; ``ANY`` (present, any type: checked by its reader); a
``OneOf`` (several types, e.g. a date as text or datetime); a dict (an object with those fields); a
one-element list (a list of entries of that shape; an entry that does not fit is dropped, a null entry is left
for the reader). A null or absent field is left as it is.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class OneOf:
    """A field that may hold any of ``types`` (``name`` says what it is, for messages)."""

    name: str
    types: tuple[type, ...]


ANY = object
_NAMES = {str: "a string", bool: "true or false"}
_DROP = object()


def fit(item: dict, shape: dict) -> tuple[dict, list[str]]:
    """(``item`` itself when every declared field fits, else a copy without what does not; descriptions of
    what was left out, as "F is not a string", "F[2].PolicyArn is not a string", ...)."""
    problems: list[str] = []
    return _fit(item, shape, "", problems), problems


def shaped(report: Callable[[str], None], what: str | Callable[[], str], item: dict, shape: dict) -> dict:
    """``fit``, each thing left out reported as "WHAT field F is not ...: ignored" through ``report`` (the
    provider's own message format). WHAT names the item; a callable is called only when there is something to
    report, so that streamed listings build no label for the items that fit."""
    fitted, problems = fit(item, shape)
    if problems:
        label = what() if callable(what) else what
        for problem in problems:
            report(f"{label} field {problem}: ignored")
    return fitted


def text(item: dict, *fields: str) -> str | None:
    """The first of ``fields`` that holds non-empty text (an item's name, for messages and rows)."""
    for field in fields:
        value = item.get(field)
        if isinstance(value, str) and value:
            return value
    return None


def _fit(item: dict, shape: dict, prefix: str, problems: list[str]) -> dict:
    out = item
    for field, want in shape.items():
        value = item.get(field)
        if value is None:
            continue
        fitted = _value(value, want, f"{prefix}{field}", problems)
        if fitted is not value:
            if out is item:
                out = dict(item)
            if fitted is _DROP:
                del out[field]
            else:
                out[field] = fitted
    return out


def _value(value: object, want: object, path: str, problems: list[str]) -> object:
    if want is ANY:
        return value
    if isinstance(want, dict):
        if not isinstance(value, dict):
            problems.append(f"{path} is not an object")
            return _DROP
        return _fit(value, want, f"{path}.", problems)
    if isinstance(want, list):
        if not isinstance(value, list):
            problems.append(f"{path} is not a list")
            return _DROP
        return _entries(value, want[0], path, problems)
    types, name = (want.types, want.name) if isinstance(want, OneOf) else (want, _NAMES[want])
    if isinstance(value, types):  # True is not a str: a boolean where text belongs is refused
        return value
    problems.append(f"{path} is not {name}")
    return _DROP


def _entries(values: list, want: object, path: str, problems: list[str]) -> list:
    out = values
    for i, value in enumerate(values):
        if value is None:  # the readers skip or report null entries themselves
            if out is not values:
                out.append(value)
            continue
        fitted = _value(value, want, f"{path}[{i}]", problems)
        if fitted is not value:
            if out is values:
                out = list(values[:i])
            if fitted is not _DROP:
                out.append(fitted)
        elif out is not values:
            out.append(value)
    return out
