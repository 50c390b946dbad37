"""active_people picks out exactly the owners person_states calls active (the rule skips them), whatever
the matching (exact, by local part, several people)."""

from __future__ import annotations

import datetime as dt

import people_reference as ref_people
import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st
from muster.rules.inputs import Context
from muster.rules.people import active_people, owner_matches, person_states

DAY0 = dt.date(2026, 11, 1)
PEOPLE = ref_people.PEOPLE_SCHEMA
OBSERVED = ref_people.OBSERVED_SCHEMA
ROW = st.tuples(
    st.sampled_from(["aws/t1", "azure/t1", "gcp/p2"]),
    st.integers(0, 3),
    st.sampled_from(["dana.kim", "Dana.Kim@acme.example", "dana.kim@other.example", "alice", "bob"]),
    st.one_of(st.none(), st.booleans()),
)


@settings(max_examples=80, deadline=None)
@given(
    st.lists(ROW, max_size=12),
    st.lists(
        st.tuples(st.sampled_from(["aws/t1", "azure/t1", "gcp/p2"]), st.integers(0, 3), st.booleans()),
        max_size=6,
    ),
    st.integers(0, 3),
)
def test_active_people_are_exactly_those_person_states_calls_active(rows, observed, on):
    # people are read from sealed tenant-days only
    rows = [r for r in rows if (r[0], r[1]) in {(t, d) for t, d, _ in observed}]
    people = pa.Table.from_pylist(
        [
            {
                "tenant_id": t,
                "snapshot_date": DAY0 + dt.timedelta(days=d),
                "principal_id": f"{t}/{name}",
                "name": name,
                "enabled": enabled,
            }
            for t, d, name, enabled in rows
        ],
        schema=PEOPLE,
    )
    seen = pa.Table.from_pylist(
        [
            {"tenant_id": t, "snapshot_date": DAY0 + dt.timedelta(days=d), "complete": c}
            for t, d, c in observed
        ],
        schema=OBSERVED,
    )
    keys = [
        "dana.kim",
        "dana.kim@acme.example",
        "dana.kim@x.example",
        "alice",
        "alice@acme.example",
        "bob",
        "carol",
    ]
    date = DAY0 + dt.timedelta(days=on)
    data = ref_people.history_context(people, seen, date)
    context = Context(data["people"], data["observed"])
    states = person_states(context, set(keys), date)
    active = active_people(context, pa.array(keys), date).to_pylist()
    assert sorted(active) == sorted(k for k, s in states.items() if s.state == "active")


def test_owner_matches_full_names_first_and_local_parts_only_where_one_side_has_no_domain():
    names = ["dana.kim", "j.smith@acme.example", "j.smith@contractor.example", "bob@acme.example", "@odd"]
    people = pa.Table.from_pylist(
        [
            {"tenant_id": "azure/t1", "snapshot_date": DAY0, "principal_id": n, "name": n, "enabled": True}
            for n in names
        ],
        schema=PEOPLE,
    )
    seen = pa.Table.from_pylist(
        [{"tenant_id": "azure/t1", "snapshot_date": DAY0, "complete": True}], schema=OBSERVED
    )
    data = ref_people.history_context(people, seen, DAY0)
    context = Context(data["people"], data["observed"])
    owners = [
        "dana.kim",
        "dana.kim@acme.example",
        "j.smith@acme.example",
        "j.smith",
        "bob",
        "bob@other.example",
        "",
    ]
    assert owner_matches(context, owners) == {
        "dana.kim": ("dana.kim",),  # exact
        "dana.kim@acme.example": ("dana.kim",),  # the IAM user's name has no domain
        "j.smith@acme.example": ("j.smith@acme.example",),  # never the contractor's j.smith
        "j.smith": ("j.smith@acme.example", "j.smith@contractor.example"),  # both: they must agree
        "bob": ("bob@acme.example",),
        "bob@other.example": (),  # both have a domain, and they differ
        "": (),
    }
