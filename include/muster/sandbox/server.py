"""The sandbox cloud: moto on loopback, seeded in this process with one scenario day.

`Sandbox(scenario).start()` serves on 127.0.0.1 at a free port and `.serve_day(n)` reseeds it; the
same process must do both, because dates are written into moto's backend objects directly. Other
processes reach it over HTTP through the standard `AWS_ENDPOINT_URL`:

    python -m muster.sandbox.server --scenario demo --day 3      # prints "PORT <n>", serves until killed
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading
from pathlib import Path

from .scenario import Scenario, State, builtin, load_scenario, state_on

log = logging.getLogger(__name__)

#: Credentials moto accepts; they belong to no IAM user, so using them marks nothing as used.
FAKE_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "sandbox-not-a-key",
    "AWS_SECRET_ACCESS_KEY": "sandbox-not-a-secret",
    "AWS_DEFAULT_REGION": "us-east-1",
}

#: Keep the developer's own AWS profiles, config files and instance metadata out of sandbox runs.
ISOLATION = {
    "AWS_CONFIG_FILE": os.devnull,
    "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
    "AWS_EC2_METADATA_DISABLED": "true",
}
#: Variables that would redirect SDK clients away from the sandbox; unset them when using it.
CONFLICTING = (
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_ROLE_ARN",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "MOTO_ACCOUNT_ID",
    "AWS_ENDPOINT_URL_IAM",
    "AWS_ENDPOINT_URL_STS",
    "AWS_ENDPOINT_URL_ORGANIZATIONS",
    "MUSTER_GCP_IAM_ENDPOINT",
    "MUSTER_GCP_CRM_ENDPOINT",
    "MUSTER_GCP_POLICYANALYZER_ENDPOINT",
    "MUSTER_GCP_STORAGE_ENDPOINT",
)


class Sandbox:
    """A moto server on loopback that serves a scenario's state for the day asked for."""

    def __init__(self, scenario: Scenario):
        self.scenario = scenario
        self._server = None
        self.url: str | None = None
        self.day: int | None = None
        self.gcp = None  # GcpFake, when the scenario has a gcp: section
        self.azure = None  # AzureFake, when the scenario has an azure: section

    def start(self) -> str:
        """Start serving on 127.0.0.1 at a free port; return the endpoint URL."""
        from moto.server import ThreadedMotoServer

        _quiet_werkzeug()
        self._server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        self._server.start()
        host, port = self._server.get_host_and_port()
        self.url = f"http://{host}:{port}"
        log.info("sandbox serving on %s", self.url)
        if self.scenario.gcp is not None:
            from .gcp_fake import GcpFake

            self.gcp = GcpFake()
            self.gcp.start()
        if self.scenario.azure is not None:
            from .azure_fake import AzureFake
            from .azure_world import World

            self.azure = AzureFake(World(tenant_id=self.scenario.azure.tenants[0].id))
            self.azure.start()
        return self.url

    def serve_day(self, day: int) -> State:
        """Replace the emulated clouds' contents with the scenario's state on `day`."""
        from . import aws

        state = state_on(self.scenario, day)
        if state.aws is not None:
            aws.seed(state.aws, state.observed_at)
        if state.gcp is not None and self.gcp is not None:
            from .gcp import world_of

            self.gcp.world = world_of(state.gcp)
        if state.azure is not None and self.azure is not None:
            from . import azure

            self.azure.serve(azure.world_of(state.azure.tenants[0], state.observed_at))
        self.day = day
        return state

    def client_env(self) -> dict[str, str]:
        """Environment for SDK clients (any process) to reach this sandbox with fake credentials."""
        if self.url is None:
            raise RuntimeError("the sandbox is not started")
        env = {**FAKE_CREDENTIALS, **ISOLATION, "AWS_ENDPOINT_URL": self.url}
        if self.gcp is not None:
            env |= {"MUSTER_GCP_ENDPOINT": self.gcp.url, "MUSTER_GCP_CREDENTIALS": "anonymous"}
        if self.azure is not None:
            env |= {
                "MUSTER_GRAPH_URL": self.azure.url,
                "MUSTER_ARM_URL": self.azure.url,
                "MUSTER_AZURE_STATIC_TOKEN": "sandbox-not-a-token",
            }
        return env

    def stop(self) -> None:
        from . import aws

        aws.set_clock(None)
        if self.gcp is not None:
            self.gcp.stop()
            self.gcp = None
        if self.azure is not None:
            self.azure.stop()
            self.azure = None
        if self._server is not None:
            self._server.stop()
            self._server = None

    def __enter__(self) -> Sandbox:
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


class _DropBelowCritical(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno >= logging.CRITICAL


def _quiet_werkzeug() -> None:
    """werkzeug logs every request, and a traceback for every action moto does not implement (an HTTP 500
    the collector expects and records as not collected). A filter, unlike a level, survives Airflow
    reconfiguring logging."""
    logger = logging.getLogger("werkzeug")
    logger.setLevel(logging.CRITICAL)
    if not any(isinstance(f, _DropBelowCritical) for f in logger.filters):
        logger.addFilter(_DropBelowCritical())


def resolve_scenario(name_or_path: str) -> Scenario:
    """A packaged scenario by name (`demo`) or a scenario file by path."""
    if Path(name_or_path).suffix in (".yaml", ".yml") or os.sep in name_or_path:
        return load_scenario(name_or_path)
    return builtin(name_or_path)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m muster.sandbox.server", description=__doc__.splitlines()[0])
    p.add_argument("--scenario", default="demo", help="packaged scenario name or a YAML file")
    p.add_argument("--day", type=int, default=0, help="scenario day to serve (0 = baseline)")
    args = p.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    sandbox = Sandbox(resolve_scenario(args.scenario))
    url = sandbox.start()
    sandbox.serve_day(args.day)
    sys.stdout.write(f"PORT {url.rsplit(':', 1)[1]}\n")
    sys.stdout.flush()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        stop.wait()
    except KeyboardInterrupt:
        pass
    sandbox.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
