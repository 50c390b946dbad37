"""Scenario files: an organisation's identities and how they change, day by day.

A scenario states the baseline (the day-0 state, with realistic past dates) and a timeline of events.
`state_on(scenario, n)` applies the events of days 1..n in order and returns the state the emulated
clouds serve on day n. Day n is the date `start_date + n`; its snapshot is taken at `SNAPSHOT_TIME`
UTC, and every event of that day happens earlier (`at`, default 01:00), so it is visible that night.

The format is provider-keyed so that GCP and Azure can be added beside `aws:`: every event names its
`provider`, and the event type is looked up as `<provider>:<action>`. Each provider's state lives in
`sandbox/<provider>_model.py` (AWS's and Azure's events in `sandbox/aws_events.py`, `sandbox/azure_events.py`).
"""

from __future__ import annotations

import datetime as dt
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Union, get_args

import yaml
from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag, ValidationError, model_validator

from .aws_events import AWS_EVENTS
from .aws_model import AwsSpec, ScenarioStateError
from .azure_events import AZURE_EVENTS
from .azure_model import AzureSpec
from .gcp_model import GCP_EVENTS, GcpSpec

#: The time of day (UTC) each scenario day is observed; events of a day happen before it.
SNAPSHOT_TIME = dt.time(3, 0)


class ScenarioError(ValueError):
    """A scenario file cannot be used; the message names the day, event and field."""


def _event_tag(value: Any) -> str | None:
    if isinstance(value, dict):
        return f"{value.get('provider')}:{value.get('action')}"
    return f"{getattr(value, 'provider', None)}:{getattr(value, 'action', None)}"


#: Every event type of every provider, told apart by "<provider>:<action>".
EVENT_TYPES = AWS_EVENTS + GCP_EVENTS + AZURE_EVENTS


def _tag_of(event_type: type[BaseModel]) -> str:
    fields = event_type.model_fields
    return f"{get_args(fields['provider'].annotation)[0]}:{get_args(fields['action'].annotation)[0]}"


Event = Annotated[
    Union[tuple(Annotated[t, Tag(_tag_of(t))] for t in EVENT_TYPES)],  # noqa: UP007
    Discriminator(_event_tag),
]


class Day(BaseModel):
    model_config = ConfigDict(extra="forbid")

    day: int = Field(ge=1, description="Day number: the date start_date + day.")
    note: str | None = Field(None, description="What happens, in words; shown by the demo.")
    events: list[Event] = Field(
        default_factory=list, description="Changes; `provider` + `action` pick the type."
    )


class Scenario(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: int = Field(1, ge=1, le=1)
    name: str
    description: str | None = None
    start_date: dt.date = Field(description="Day 0: the baseline state.")
    days: int = Field(ge=1, le=366, description="Number of observed days: day 0 .. days-1.")
    aws: AwsSpec | None = None
    gcp: GcpSpec | None = None
    azure: AzureSpec | None = None
    timeline: list[Day] = Field(default_factory=list)

    @model_validator(mode="after")
    def _days_in_range(self) -> Scenario:
        seen = set()
        for d in self.timeline:
            if d.day >= self.days:
                raise ValueError(
                    f"timeline day {d.day} is beyond the scenario's {self.days} days (0..{self.days - 1})"
                )
            if d.day in seen:
                raise ValueError(f"timeline day {d.day} is listed twice")
            seen.add(d.day)
        return self

    def date_of(self, day: int) -> dt.date:
        return self.start_date + dt.timedelta(days=day)

    def observed_at(self, day: int) -> dt.datetime:
        """When day `day` is observed (the simulated clock of that night's run)."""
        return dt.datetime.combine(self.date_of(day), SNAPSHOT_TIME, tzinfo=dt.UTC)

    def note(self, day: int) -> str | None:
        return next((d.note for d in self.timeline if d.day == day), None)


class State(BaseModel):
    """What the emulated clouds hold on one day."""

    day: int
    date: dt.date
    observed_at: dt.datetime
    aws: AwsSpec | None
    gcp: GcpSpec | None = None
    azure: AzureSpec | None = None


def state_on(scenario: Scenario, day: int) -> State:
    """The state on `day`: the baseline with the events of days 1..day applied in file order."""
    if not 0 <= day < scenario.days:
        raise ScenarioError(f"scenario {scenario.name}: day {day} is outside 0..{scenario.days - 1}")
    aws = scenario.aws.model_copy(deep=True) if scenario.aws else None
    gcp = scenario.gcp.model_copy(deep=True) if scenario.gcp else None
    azure = scenario.azure.model_copy(deep=True) if scenario.azure else None
    for d in sorted(scenario.timeline, key=lambda x: x.day):
        if d.day > day:
            break
        for i, event in enumerate(d.events, start=1):
            at = dt.datetime.combine(scenario.date_of(d.day), event.at, tzinfo=dt.UTC)
            try:
                target = {"aws": aws, "gcp": gcp, "azure": azure}.get(event.provider)
                if target is None:
                    raise ScenarioStateError(
                        f"an {event.provider} event but the scenario has no {event.provider}:"
                    )
                event.apply(target, at)
            except ScenarioStateError as e:
                raise ScenarioError(
                    f"scenario {scenario.name}: day {d.day}, event {i} ({event.provider} {event.action}): {e}"
                ) from None
    return State(
        day=day,
        date=scenario.date_of(day),
        observed_at=scenario.observed_at(day),
        aws=aws,
        gcp=gcp,
        azure=azure,
    )


def _where(data: dict, loc: list) -> tuple[list[str], list]:
    """'day N, event M (aws create_user)' for an error inside the timeline; the rest of loc is the field."""
    if len(loc) < 2 or loc[0] != "timeline" or not isinstance(loc[1], int):
        return [], loc
    entry = (data.get("timeline") or [])[loc[1]]
    day = entry.get("day") if isinstance(entry, dict) else None
    where, loc = [f"day {day}" if day is not None else f"timeline entry {loc[1] + 1}"], loc[2:]
    if len(loc) >= 2 and loc[0] == "events" and isinstance(loc[1], int):
        where.append(f"event {loc[1] + 1}")
        loc = loc[2:]
        if loc and isinstance(loc[0], str) and ":" in loc[0]:
            where[-1] += f" ({loc[0].replace(':', ' ')})"
            loc = loc[1:]
    return where, loc


def _format(source: str, data: dict, err: ValidationError) -> str:
    parts = []
    for e in err.errors():
        where, loc = _where(data, list(e["loc"]))
        msg = e["msg"]
        if e["type"] == "union_tag_invalid":
            msg = f"unknown event type {e['ctx']['tag']!r} (provider:action)"
        field = ".".join(str(p) for p in loc)
        parts.append(", ".join(where) + (": " if where else "") + (f"{field}: " if field else "") + msg)
    return f"scenario {source}: " + "; ".join(parts)


def parse_scenario(data: object, source: str = "<scenario>") -> Scenario:
    """Validate a scenario and replay its whole timeline once, so that every error shows at load time."""
    if not isinstance(data, dict):
        raise ScenarioError(f"scenario {source}: expected a mapping at top level, got {type(data).__name__}")
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as e:
        raise ScenarioError(_format(source, data, e)) from None
    state_on(scenario, scenario.days - 1)
    return scenario


def load_scenario(path: str | Path) -> Scenario:
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text())
    except FileNotFoundError:
        raise ScenarioError(f"scenario {path}: not found") from None
    except yaml.YAMLError as e:
        raise ScenarioError(f"scenario {path}: not valid YAML: {e}".replace("\n", " ")) from None
    return parse_scenario(data, str(path))


def builtin(name: str = "demo") -> Scenario:
    """A scenario shipped with the package (`sandbox/scenarios/<name>.yaml`)."""
    ref = resources.files("muster.sandbox") / "scenarios" / f"{name}.yaml"
    return parse_scenario(yaml.safe_load(ref.read_text()), f"{name}.yaml")


def builtin_path(name: str = "demo") -> Path:
    return Path(str(resources.files("muster.sandbox") / "scenarios" / f"{name}.yaml"))
