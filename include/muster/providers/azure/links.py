"""What the Entra identity rows settle once every listing is in: Arrow joins over the sorted principals
columns (stage.py says why nothing waits during the listings). In order:

1. an application's service principal (the last one listed with its appId): nhi_reason names it, and the
   application is enabled as far as its principal is;
2. a service principal's application registration (the last application listed with its appId, when the
   appId is not empty): nhi_reason names it, and a principal with no owner of its own (nor one from the scope
   file) shows the application's Entra owners;
3. objects listed with an id that an object listed before already holds: dropped and reported (the first
   one keeps the id, whatever the population);
4. owner names: users by their userPrincipalName, service principals by their displayName (their id when
   they have none), anything else by its id; several owners sorted and joined with ", ".

Steps 1 and 2 see every object listed, dropped ones included, as the Graph listings do.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pyarrow as pa
import pyarrow.compute as pc

if TYPE_CHECKING:  # pragma: no cover - type names only
    from .transform import Run

USER_KINDS = ("human_user", "service_user")
SP_KINDS = ("service_principal", "managed_identity")
#: principals.kind -> (the word naming the object in messages, the entity that listed it).
ORIGIN = {
    "human_user": ("user", "users"),
    "service_user": ("user", "users"),
    "service_principal": ("service principal", "service_principals"),
    "managed_identity": ("service principal", "service_principals"),
    "application": ("application", "applications"),
    "group": ("group", "groups"),
}
APP_LINK = "; its application registration is "


def settle_principals(run: Run, c: dict[str, pa.Array]) -> None:
    """Complete the sorted principals columns ``c`` in place (hidden ``_obj`` and ``_app_id`` included)."""
    _service_principal_of_applications(c)
    pending = {**_application_of_service_principals(run, c), **run.owners}
    _drop_duplicates(run, c)
    _name_owners(run, c, pending)


def drop_losers(run: Run, c: dict[str, pa.Array]) -> None:
    """Remove the rows of objects that lost their id (``run.losers``) from sorted columns ``c``."""
    if run.losers:
        keep = pc.invert(pc.is_in(c["_obj"], value_set=pa.array(sorted(run.losers), pa.int32())))
        _filter(c, keep)


def _is_kind(c: dict[str, pa.Array], kinds: tuple[str, ...]) -> pa.Array:
    """Mask of the rows of these kinds."""
    return pc.is_in(c["kind"], value_set=pa.array(kinds, pa.string()))


def _latest_first(c: dict[str, pa.Array], mask: pa.Array) -> tuple[pa.Array, pa.Array]:
    """(appIds, row indices) of the rows of ``mask``, the last listed first: ``index_in`` over these appIds
    finds the last object listed with an appId, as a dict built in listing order would."""
    rows = pc.indices_nonzero(mask)
    rows = rows.take(pc.array_sort_indices(c["_obj"].take(rows), order="descending"))
    return c["_app_id"].take(rows), rows


def _service_principal_of_applications(c: dict[str, pa.Array]) -> None:
    """Each application's nhi_reason names its service principal, whose accountEnabled it takes."""
    apps = _is_kind(c, ("application",))
    if not pc.any(apps).as_py():
        return
    sp_app_ids, sp_rows = _latest_first(c, _is_kind(c, SP_KINDS))
    # skip_nulls=False: an application without an appId meets a service principal without one, as in a dict.
    found = sp_rows.take(pc.index_in(c["_app_id"].filter(apps), value_set=sp_app_ids))
    sp_id = c["principal_id"].take(found)
    reason = pc.if_else(
        pc.is_valid(sp_id),
        pc.binary_join_element_wise(
            "application registration; its service principal ", sp_id, " holds its grants", ""
        ),
        "application registration; no service principal in this tenant",
    )
    c["nhi_reason"] = pc.replace_with_mask(c["nhi_reason"], apps, reason)
    c["enabled"] = pc.replace_with_mask(c["enabled"], apps, c["enabled"].take(found))


def _application_of_service_principals(run: Run, c: dict[str, pa.Array]) -> dict:
    """Name each service principal's application registration; return the application owners due to
    service principals without owners of their own (object number -> (owner ids, owner_source))."""
    sps = _is_kind(c, SP_KINDS)
    app_ids = c["_app_id"]
    registered = pc.and_(_is_kind(c, ("application",)), pc.fill_null(pc.not_equal(app_ids, ""), False))
    if not pc.any(sps).as_py() or not pc.any(registered).as_py():
        return {}
    app_app_ids, app_rows = _latest_first(c, registered)
    found = app_rows.take(pc.index_in(app_ids.filter(sps), value_set=app_app_ids, skip_nulls=True))
    app_oid = c["principal_id"].take(found)
    reason = c["nhi_reason"].filter(sps)
    reason = pc.if_else(pc.is_valid(app_oid), pc.binary_join_element_wise(reason, app_oid, APP_LINK), reason)
    c["nhi_reason"] = pc.replace_with_mask(c["nhi_reason"], sps, reason)
    bare = pc.and_(pc.is_valid(found), pc.is_null(c["owner"].filter(sps)))
    sp_objs = c["_obj"].filter(sps).filter(bare).to_pylist()
    app_objs = c["_obj"].take(found.filter(bare)).to_pylist()
    fallback = {}
    for sp_obj, app_obj in zip(sp_objs, app_objs, strict=True):
        owners = run.app_owners.get(app_obj)
        if owners and sp_obj not in run.owners:
            fallback[sp_obj] = (owners, "entra-owners:application")
    return fallback


def _drop_duplicates(run: Run, c: dict[str, pa.Array]) -> None:
    """Rows are sorted by id, objects with one id in listing order: every row but the first of an id goes,
    with a message naming both objects."""
    ids = c["principal_id"]
    n = len(ids)
    if n < 2:
        return
    repeat = pc.equal(ids.slice(1), ids.slice(0, n - 1))
    if not pc.any(repeat).as_py():
        return
    losers = [i + 1 for i in pc.indices_nonzero(repeat).to_pylist()]
    repeated = set(losers)
    names, kinds, objs = c["name"], c["kind"], c["_obj"]
    first = 0
    for i in losers:
        if i - 1 not in repeated:
            first = i - 1  # the object that holds the id
        word, entity = ORIGIN[kinds[i].as_py()]
        holder = f"{ORIGIN[kinds[first].as_py()][0]} {names[first].as_py()}"
        run.fail(entity, f"{word} {names[i].as_py()} has the same id {ids[i].as_py()} as {holder}; skipped")
        run.losers.add(objs[i].as_py())
    _filter(c, pc.invert(pa.concat_arrays([pa.array([False]), repeat])))


def _name_owners(run: Run, c: dict[str, pa.Array], pending: dict) -> None:
    """owner / owner_source of the rows in ``pending`` (object number -> (owner ids, source))."""
    if not pending:
        return
    ids, objs = c["principal_id"], c["_obj"]
    refs = sorted({i for owner_ids, _ in pending.values() for i in owner_ids if isinstance(i, str)})
    at = pc.index_in(pa.array(refs, pa.string()), value_set=ids)
    shown = zip(
        refs,
        c["name"].take(at).to_pylist(),
        c["kind"].take(at).to_pylist(),
        objs.take(at).to_pylist(),
        strict=True,
    )
    name_of = {
        ref: ref if obj in run.unnamed else name
        for ref, name, kind, obj in shown
        if kind in USER_KINDS or kind in SP_KINDS
    }
    keys = list(pending)
    rows = pc.index_in(objs, value_set=pa.array(keys, pa.int32()))
    mask = pc.is_valid(rows)
    chosen = rows.filter(mask)
    owner = [", ".join(sorted(name_of.get(i, i) for i in pending[k][0])) for k in keys]
    source = [pending[k][1] for k in keys]
    c["owner"] = pc.replace_with_mask(c["owner"], mask, pa.array(owner, pa.string()).take(chosen))
    c["owner_source"] = pc.replace_with_mask(
        c["owner_source"], mask, pa.array(source, pa.string()).take(chosen)
    )


def _filter(c: dict[str, pa.Array], keep: pa.Array) -> None:
    for name in list(c):
        c[name] = c[name].filter(keep)
