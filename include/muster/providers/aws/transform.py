"""AWS transform: one account's raw IAM material -> normalised rows of the five snapshot tables.

Pure: no I/O, no clock, no SDK import. Problems that can be described (a policy that is not JSON, a bad date,
a user the credential report does not cover) never raise; they downgrade the entity that supplied the data to
``partial`` or ``failed`` with a message naming account, object and field, and the value becomes None.

Sources, in order of preference per user: the per-user fallback calls in ``RawAccount`` when the extract made
them (fresher, and they carry key ids), else the credential report row, else unknown (never "none").

Two paths give the same rows. The row path (``_Users.add_row``, ``_role``) takes any item and describes every
problem. The column-wise path (``batch_users``, ``batch_roles``, ``grant_columns``) takes the bulk of an
account, every user and role the row path would take without a message, and builds their rows with Arrow
kernels, judging privilege once per distinct way of holding policies; the others go the row way, in order,
so messages and their order are those of the row path alone (tests compare the two on real and synthetic
accounts).

This module is the orchestrator: it reads the report and the GAAD lists and hands items to the parts, in the
order that fixes the order of messages. The parts live beside it: transform_run.py (``Run``, the shared state),
row_users.py and row_roles.py (the row path), batch_*.py (the column-wise path), policies.py, credential_*.py.
``ENTITY_FEEDS`` (raw.py, shared with extract.py) is re-exported here for the callers that name it here.
"""

from __future__ import annotations

import datetime as dt
import gc
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pyarrow as pa
import pyarrow.compute as pc

from ...collected import Collected
from ...config import Tenant
from .batch_roles import RoleBatch, read_roles
from .batch_users import UserBatch, read_users
from .credential_report import CredentialReport, CredentialReportError, start_parse
from .gaad_columns import Items
from .policies import GAAD, PolicyBook
from .raw import RawAccount
from .row_roles import _groups, _role
from .row_users import _Users
from .transform_run import ENTITY_FEEDS as ENTITY_FEEDS
from .transform_run import MAX_NAMES, REPORT, Run

#: Build the users and roles that need no message column-wise (``batch_users``, ``batch_roles``); tests turn
#: it off to prove that the row path, which takes every item, gives the same tables and messages.
COLUMNAR = True


@contextmanager
def _cyclic_gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while building rows, then restore it.

    The transform allocates millions of small, acyclic dicts; CPython's generational collector would keep
    re-scanning them, which costs about a third of the transform's time on a large account. Reference
    counting still frees everything as usual.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def transform_account(raw: RawAccount, tenant: Tenant, snapshot_date: dt.date) -> Collected:
    """Normalise one account's raw IAM material into rows and an entity ledger for ``snapshot_date``."""
    with _cyclic_gc_paused():
        return _transform(raw, tenant, snapshot_date)


def _transform(raw: RawAccount, tenant: Tenant, snapshot_date: dt.date) -> Collected:
    run = Run(raw, tenant, snapshot_date)
    parse = start_parse(raw.credential_report) if raw.credential_report is not None else None
    gaad = raw.authorization_details if isinstance(raw.authorization_details, dict) else {}
    # While Arrow reads the report's CSV on a thread, the GAAD items are read column-wise here (Python
    # objects: this holds the GIL). Reading says nothing; the messages come in their usual order below.
    read = _read_batches(gaad, with_users=parse is not None)
    report = _parse_report(run, parse)
    if gaad is not raw.authorization_details:
        run.fail(GAAD, "authorization details are not an object", "failed")
    book = PolicyBook(run)
    for i, policy in enumerate(_list(run, gaad, "Policies")):
        book.add_managed(i, policy)
    groups = _groups(run, book, _list(run, gaad, "GroupDetailList"))
    users = _Users(run, book, groups, report)
    user_items = _list(run, gaad, "UserDetailList")
    user_batch, role_batch = _batches(users, user_items, _items(gaad, "RoleDetailList"), read)
    for i in user_batch.rest() if user_batch else range(len(user_items)):
        users.add_row(i, user_items[i])
    if user_batch:
        user_batch.build()
    users.finish()
    role_items = _list(run, gaad, "RoleDetailList")  # its messages come after the users'
    for i in role_batch.rest() if role_batch else range(len(role_items)):
        _role(run, book, i, role_items[i])
    if role_batch:
        role_batch.build()
    book.finish()
    for name, parts in run.columnar.items():
        for tbl in parts:
            run.out.add_columnar(name, tbl)
    return run.out


def _items(gaad: dict, field: str) -> list:
    """A GAAD list, or nothing (silently: ``_list`` describes the problem when its turn comes)."""
    value = gaad.get(field)
    return value if isinstance(value, list) else []


def _read_batches(gaad: dict, with_users: bool) -> tuple[Items | None, Items | None] | None:
    """``UserDetailList`` (only when a report may settle their credentials) and ``RoleDetailList`` read
    column-wise, for ``_batches``."""
    if not COLUMNAR:
        return None
    users = read_users(_items(gaad, "UserDetailList")) if with_users else None
    return users, read_roles(_items(gaad, "RoleDetailList"))


def _batches(
    users: _Users, user_items: list, role_items: list, read: tuple[Items | None, Items | None] | None
) -> tuple[UserBatch | None, RoleBatch | None]:
    """The users and roles that go column-wise; an id that two principals claim sends both the row way."""
    if not COLUMNAR or read is None:
        return None, None
    user_batch = UserBatch(users, user_items, read[0])
    role_batch = RoleBatch(users.run, users.book, role_items, read[1])
    ids = pa.concat_arrays([user_batch.ids(), role_batch.ids()])
    counts = pc.value_counts(ids)
    duplicated = counts.field("values").filter(pc.greater(counts.field("counts"), 1))
    user_batch.check(duplicated)
    role_batch.check(duplicated)
    return user_batch, role_batch


def _parse_report(run: Run, parse: Callable[[], CredentialReport] | None) -> CredentialReport | None:
    if parse is None:
        return None
    try:
        report = parse()
    except CredentialReportError as e:
        run.fail(REPORT, f"credential report is unusable: {e}", "failed")
        return None
    marker = f":iam::{run.account_id}:"
    arns = report.typed.column("arn") if report.typed else pa.array([], pa.string())
    foreign = sorted(arns.filter(pc.invert(pc.match_substring(arns, marker))).to_pylist())
    if foreign:
        run.fail(
            REPORT, f"credential report lists ARNs of another account (e.g. {foreign[0]}): not used", "failed"
        )
        return None
    if report.missing_columns:
        run.fail(REPORT, f"credential report lacks column(s) {', '.join(report.missing_columns)}", "failed")
    if report.unknown_columns:
        run.fail(REPORT, f"credential report has undocumented column(s) {', '.join(report.unknown_columns)}")
    for message in report.errors[:MAX_NAMES]:
        run.fail(REPORT, f"credential report {message}")
    if len(report.errors) > MAX_NAMES:
        run.fail(REPORT, f"credential report: {len(report.errors) - MAX_NAMES} more malformed value(s)")
    return report


def _list(run: Run, gaad: dict, field: str) -> list:
    value = gaad.get(field)
    if value is None:
        if gaad:
            run.fail(GAAD, f"authorization details field {field} is missing")
        return []
    if not isinstance(value, list):
        run.fail(GAAD, f"authorization details field {field} is not a list", "failed")
        return []
    return value
