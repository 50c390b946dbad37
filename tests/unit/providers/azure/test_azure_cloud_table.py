"""The declaration of the Azure clouds agrees with the scope file's choices and with azure-identity's own
authority hosts (a typo in a host would only show against the real national cloud)."""

from typing import get_args

from azure.identity import AzureAuthorityHosts
from muster.config import AzureCloud
from muster.providers.azure.clouds import CLOUDS


def test_every_cloud_the_scope_file_accepts_is_declared():
    assert set(CLOUDS) == set(get_args(AzureCloud))
    assert all(name == cloud.name for name, cloud in CLOUDS.items())


def test_the_authorities_are_azure_identitys():
    assert {name: cloud.authority for name, cloud in CLOUDS.items()} == {
        "public": AzureAuthorityHosts.AZURE_PUBLIC_CLOUD,
        "usgov": AzureAuthorityHosts.AZURE_GOVERNMENT,
        "usgov_dod": AzureAuthorityHosts.AZURE_GOVERNMENT,
        "china": AzureAuthorityHosts.AZURE_CHINA,
    }
