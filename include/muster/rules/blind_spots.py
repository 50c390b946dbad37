"""What providers do not report about use, as data: the rules read it, no rule branches on a provider.

A null ``last_used_at`` means different things, told apart by the ``last_used_source`` the transform wrote
(a convention every provider follows; see docs/RULES.md):

* ``...never used...`` — the provider reports no use since it began tracking (within its window);
* ``...no use in the tracking period...`` — no use within the provider's trailing window;
* anything else (``not reported by AWS``, ``no_information``, null) — unknown: the rule says ``unknown``.

``window_days`` is how far back the provider's last-used data reaches (None: since tracking began, for as
long as the credential existed); ``lag_hours`` how long a use may take to appear. A credential created less
than ``lag_hours`` before the source's as-of time may have been used without it showing yet.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa
import pyarrow.compute as pc

from .vector import per_value

NEVER_USED = "never used"
NO_USE_IN_WINDOW = "no use in the tracking period"


@dataclass(frozen=True)
class LastUse:
    window_days: int | None
    lag_hours: float
    note: str


#: Per provider. AWS: the credential report and RoleLastUsed lag by up to ~4 h; RoleLastUsed (and the
#: service last-accessed data) cover a trailing 400 days, so "no use" is read as "none in 400 days".
LAST_USE: dict[str, LastUse] = {
    "aws": LastUse(400, 4.0, "AWS last-used data covers a trailing 400 days and lags up to ~4 hours"),
    "gcp": LastUse(
        None,
        24.0,
        "GCP activity data lags up to a day and misses requests authenticated by API keys and domain-wide "
        "delegation",
    ),
    "azure": LastUse(
        None,
        24.0,
        "Entra sign-in activity of service principals and of application secrets and certificates comes from "
        "beta reports and lags up to a day; a credential absent from its report is unknown, not unused",
    ),
}
DEFAULT = LastUse(None, 24.0, "the provider's last-used data is assumed to lag up to a day")

#: Principals the provider itself creates and owns, by path prefix: they need no owner of ours.
#: Azure: service principals of Microsoft's own first-party applications (published from Microsoft's service
#: tenant and its corporate tenant), recorded by the Azure transform as appOwnerOrganizationId/<org>.
PROVIDER_MANAGED_PATHS: dict[str, tuple[str, ...]] = {
    "aws": ("/aws-service-role/",),
    "azure": (
        "appOwnerOrganizationId/f8cdef31-a31e-4b4a-93e4-5f571e91255a",
        "appOwnerOrganizationId/72f988bf-86f1-41af-91ab-2d7cd011db47",
    ),
}


def last_use(provider: str) -> LastUse:
    return LAST_USE.get(provider, DEFAULT)


def use_state(last_used_at: pa.Array, last_used_source: pa.Array) -> pa.Array:
    """Per row: "used" (a date), "never" (never used), "window" (none in the window) or "unknown"."""
    state = per_value(pc.fill_null(last_used_source, ""), _unused_state)
    return pc.if_else(pc.is_valid(last_used_at), "used", state)


def _unused_state(source: pa.Array) -> pa.Array:
    """What a source without a date says: "never", "window" or "unknown"."""
    never = pc.match_substring(source, NEVER_USED, ignore_case=True)
    window = pc.match_substring(source, NO_USE_IN_WINDOW, ignore_case=True)
    state = pc.if_else(window, "window", "unknown")
    return pc.if_else(never, "never", state)
