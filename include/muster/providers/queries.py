"""Every provider's collection entities with the requests behind them, for the evidence bundle's
queries.csv: the "query or script that produced" each population (AUDIT.md, IPE)."""

from __future__ import annotations

from .aws.queries import QUERIES as AWS
from .aws.raw import ENTITY_FEEDS as AWS_FEEDS
from .azure.populations import FEEDS as AZURE_FEEDS
from .azure.queries import QUERIES as AZURE
from .gcp.queries import QUERIES as GCP
from .gcp.raw import FEEDS as GCP_FEEDS

#: provider -> (entity -> tables it feeds, entity -> requests).
CATALOGUE: dict[str, tuple[dict[str, str], dict[str, str]]] = {
    "aws": (AWS_FEEDS, AWS),
    "azure": (AZURE_FEEDS, AZURE),
    "gcp": (GCP_FEEDS, GCP),
}

QUERY_COLUMNS = ["provider", "entity", "feeds", "requests"]


def query_rows(providers: list[str]) -> list[dict[str, str]]:
    """One row per entity of each provider named, sorted: provider, entity, feeds, requests."""
    return [
        {"provider": p, "entity": entity, "feeds": feeds[entity], "requests": requests[entity]}
        for p in sorted(set(providers))
        for feeds, requests in [CATALOGUE[p]]
        for entity in sorted(feeds)
    ]
