"""The Azure clouds a tenant can live in: where its Graph and ARM answer, and which Entra authority signs in.

A national cloud is a separate instance of Entra ID, Graph and ARM. Its tokens come from its own Entra
endpoint, and a ``.default`` scope must name its own Graph / ARM domain; a public-cloud token or scope is
refused there (https://learn.microsoft.com/graph/deployments,
https://learn.microsoft.com/graph/sdks/national-clouds). GCC (moderate) tenants live in the public cloud;
GCC High is ``usgov`` and DoD is ``usgov_dod``, which differ only in their Graph domain.
"""

from __future__ import annotations

from dataclasses import dataclass

from ...config import AzureCloud


@dataclass(frozen=True)
class Cloud:
    name: AzureCloud
    graph_url: str
    arm_url: str
    #: The Entra endpoint's host, as azure-identity's ``AzureAuthorityHosts`` names it.
    authority: str

    @property
    def graph_scope(self) -> str:
        return f"{self.graph_url}/.default"

    @property
    def arm_scope(self) -> str:
        return f"{self.arm_url}/.default"


CLOUDS: dict[AzureCloud, Cloud] = {
    c.name: c
    for c in (
        Cloud(
            "public",
            "https://graph.microsoft.com",
            "https://management.azure.com",
            "login.microsoftonline.com",
        ),
        Cloud(
            "usgov",
            "https://graph.microsoft.us",
            "https://management.usgovcloudapi.net",
            "login.microsoftonline.us",
        ),
        Cloud(
            "usgov_dod",
            "https://dod-graph.microsoft.us",
            "https://management.usgovcloudapi.net",
            "login.microsoftonline.us",
        ),
        Cloud(
            "china",
            "https://microsoftgraph.chinacloudapi.cn",
            "https://management.chinacloudapi.cn",
            "login.chinacloudapi.cn",
        ),
    )
}
