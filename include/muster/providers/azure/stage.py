"""One streamed Entra listing's contribution (``Stage``), and the helpers every listing uses.

A page's objects become rows at once (compact Arrow columns, see columnar.py) and the page is dropped:
nothing about one object waits for another, and no per-object map is kept in Python (at 100k objects those
maps and the pages they pin cost more memory than the rows). Every object gets a number in listing order
(hidden ``_obj`` column) and keeps its appId (hidden ``_app_id``); what depends on other objects is settled
once every listing is in (links.py).

A stage's rows and problems stay apart until its listing has been read to the end (``commit``): a listing
that fails halfway leaves no trace, exactly as if nothing had been listed, which is what the entity's failed
status says. An object's problems are tagged with its number: they go if the object turns out to repeat the
id of an object listed before it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from functools import partial
from typing import TYPE_CHECKING

from .shapes import shaped, text

if TYPE_CHECKING:  # pragma: no cover - type names only
    from .transform import Run


def parse_time(value: object) -> dt.datetime:
    """An aware UTC datetime from Graph/ARM ISO-8601 text (``Z``, offsets, up to 7 fraction digits)."""
    if not isinstance(value, str):
        raise TypeError("not a string")
    parsed = dt.datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        raise ValueError("no timezone")
    return parsed.astimezone(dt.UTC)


def checked_time(value: object, report: Callable[[str], None], what: str, field: str) -> dt.datetime | None:
    """`value` as an aware UTC datetime, None when absent; a malformed one is reported (never repeated) and
    read as None, so the entity it belongs to turns partial."""
    if value is None or value == "":
        return None
    try:
        return parse_time(value)
    except (ValueError, TypeError):
        report(f"{what} field {field} is not an ISO-8601 date-time")
        return None


def as_bool(value: object) -> bool | None:
    """A JSON boolean, or None for anything else (unknown, never a guessed default)."""
    return value if isinstance(value, bool) else None


def owner_ids(holder: object) -> tuple[str, ...]:
    """The sorted object ids of an object's ``owners`` (expanded with ``$select=id``)."""
    owners = holder.get("owners") if isinstance(holder, dict) else None
    return tuple(sorted({o["id"] for o in owners or [] if isinstance(o, dict) and o.get("id")}))


class Stage:
    """One listing's contribution, kept apart until the listing is complete."""

    entity = ""
    #: The fields the stage reads and their types (shapes.py), the word naming its objects in messages and
    #: the fields that name an object (its id when none holds text).
    shape: dict = {}
    word = "object"
    names: tuple[str, ...] = ()

    def __init__(self, run: Run) -> None:
        self.run = run
        self.principals = run.new_rows("principals")
        self.credentials = run.new_rows("credentials")
        #: (entity, message, object number or None): an object's problems go if the object loses its id.
        self.problems: list[tuple[str, str, int | None]] = []
        #: object number -> (owner ids, owner_source), for objects with Entra owners and no scope-file owner.
        self.owners: dict[int, tuple[tuple[str, ...], str]] = {}
        #: object number -> owner ids of applications (a service principal without owners shows them).
        self.app_owners: dict[int, tuple[str, ...]] = {}
        #: object numbers of service principals without a displayName (their owners show them by id).
        self.unnamed: set[int] = set()
        self.listed = 0
        self.next_obj = run.objects
        self.obj: int | None = None
        self.rows: list[dict] = []
        self.creds: list[dict] = []

    # -- helpers for page processing -----------------------------------------------------------------
    def objects(self, items: list) -> Iterator[dict]:
        """The page's items that are objects with an id, each numbered (``self.obj``) while it is processed
        and ``shapes.shaped`` (a field of the wrong type is reported on the object and left out); the others
        are reported by listing position."""
        valid = []
        for i, item in enumerate(items, self.listed):
            if isinstance(item, dict) and isinstance(item.get("id"), str) and item["id"]:
                valid.append(item)
            else:
                self.fail(self.entity, f"item {i} is not an object with an id")
        self.listed += len(items)
        for item in valid:
            self.obj, self.next_obj = self.next_obj, self.next_obj + 1
            yield shaped(partial(self.fail, self.entity), partial(self._label, item), item, self.shape)
        self.obj = None

    def _label(self, item: dict) -> str:
        """ "service principal NAME" (its id when no naming field holds text), for messages."""
        return f"{self.word} {text(item, *self.names) or item['id']}"

    def fail(self, entity: str, what: str) -> None:
        self.problems.append((entity, what, self.obj))

    def time(self, value: object, entity: str, what: str, field: str) -> dt.datetime | None:
        return checked_time(value, lambda problem: self.fail(entity, problem), what, field)

    def owner(self, oid: str, name: str, holder: dict) -> tuple:
        """(owner, owner_source) when decided now (scope file); Entra owners are named at the end."""
        override = self.run.tenant.owners.get(name) or self.run.tenant.owners.get(oid)
        if override:
            return override, "scope-file"
        ids = owner_ids(holder)
        if ids:
            self.owners[self.obj] = (ids, "entra-owners")
        return None, None

    def flush(self) -> None:
        self.principals.add(self.rows)
        self.credentials.add(self.creds)
        self.rows, self.creds = [], []

    def page(self, items: list) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def commit(self) -> None:
        """The listing is complete: its rows, problems and pending owners join the tenant's."""
        run = self.run
        run.principals.extend(self.principals)
        run.credentials.extend(self.credentials)
        run.objects = self.next_obj
        run.owners.update(self.owners)
        run.app_owners.update(self.app_owners)
        run.unnamed |= self.unnamed
        for entity, what, obj in self.problems:
            if obj is None:
                run.fail(entity, what)
            else:
                run.object_problems.append((entity, what, obj))
