"""Every collection entity of every collector names the requests behind it (the bundle's queries.csv): a
new population cannot reach an auditor without the query that produced it."""

from __future__ import annotations

import pytest
from muster.providers.queries import CATALOGUE, query_rows


@pytest.mark.parametrize("provider", sorted(CATALOGUE))
def test_the_requests_name_exactly_the_entities_the_collector_records(provider):
    feeds, requests = CATALOGUE[provider]
    assert set(requests) == set(feeds)
    assert all(text.strip() for text in requests.values())


def test_rows_are_sorted_and_cover_only_the_providers_asked_for():
    rows = query_rows(["gcp", "aws", "gcp"])
    assert [r["provider"] for r in rows] == sorted(r["provider"] for r in rows)
    assert {r["provider"] for r in rows} == {"aws", "gcp"}
    assert [r["entity"] for r in rows if r["provider"] == "aws"] == sorted(CATALOGUE["aws"][0])
    paging = next(r for r in rows if r["entity"] == "authorization_details")
    assert "MaxItems=1000" in paging["requests"] and "Marker" in paging["requests"]
