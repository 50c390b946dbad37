"""What every cloud's part of a scenario shares: strict models, UTC datetimes, the event time rule, lookups.

The AWS, GCP and Azure models (`<provider>_model.py`) build on these, so an event of any cloud is dated
the same way and a missing name fails the same way.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field, field_validator

#: The sandbox observes each day at 03:00 UTC; an event must happen before that to be seen that day.
OBSERVED_AT = dt.time(3, 0)


class ScenarioStateError(ValueError):
    """An event does not fit the state it is applied to (unknown user, a third key, ...)."""


def _utc(value: dt.datetime) -> dt.datetime:
    return value.astimezone(dt.UTC)


UtcDateTime = Annotated[AwareDatetime, AfterValidator(_utc)]


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class TimedEvent(Model):
    """An event of one day, at a UTC time of day before the day is observed."""

    at: dt.time = Field(dt.time(1, 0), description="Time of day (UTC, quoted 'HH:MM') the event happens.")

    @field_validator("at")
    @classmethod
    def _before_snapshot(cls, v: dt.time) -> dt.time:
        if v.tzinfo is not None or v >= OBSERVED_AT:
            raise ValueError("must be a UTC time before 03:00, when the day is observed")
        return v


def find_named(items: list, name: str, message: str):
    """The item called `name`, or ScenarioStateError(message)."""
    for x in items:
        if x.name == name:
            return x
    raise ScenarioStateError(message)
