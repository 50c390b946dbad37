"""The parameters of one evidence bundle, validated once and recorded verbatim in its manifest."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator


class BundleError(ValueError):
    """A bundle cannot be built or read as asked; the message names the parameter or file."""


class BundleParams(BaseModel):
    """What the auditor asked for: period, framework, report type, scope, sampling."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    period_start: dt.date
    period_end: dt.date
    framework: Literal["soc2", "soc1"] = "soc2"
    report_type: Literal["type1", "type2"] = "type2"
    tenants: tuple[str, ...] = Field(
        (), description="provider:tenant_id (or a bare tenant id) to include; empty means by scope tag."
    )
    scope_tags: tuple[Literal["soc1", "soc2"], ...] = Field(
        (), description="Audit scope tags selecting tenants; empty means the framework's own tag."
    )
    sample_size: int = Field(25, ge=1, le=100_000)
    seed: int = Field(0, ge=0)
    generated_at: dt.datetime | None = Field(
        None, description="Stamped into the bundle; default: the latest collected_at among its inputs."
    )

    @field_validator("generated_at")
    @classmethod
    def _aware(cls, v: dt.datetime | None) -> dt.datetime | None:
        if v is not None and v.tzinfo is None:
            raise ValueError("generated_at must carry a timezone")
        return v.astimezone(dt.UTC) if v is not None else None

    @model_validator(mode="after")
    def _period(self) -> BundleParams:
        if self.period_end < self.period_start:
            raise ValueError(f"period_end {self.period_end} is before period_start {self.period_start}")
        if (self.period_end - self.period_start).days > 3660:
            raise ValueError("a period longer than ten years is not an audit period")
        return self

    @property
    def as_of(self) -> dt.date:
        """The as-of date of a Type 1 population: the last day of the period."""
        return self.period_end

    @property
    def tags(self) -> tuple[str, ...]:
        return self.scope_tags or (self.framework,)

    def dates(self) -> list[dt.date]:
        """Every day whose evidence the bundle covers: the as-of day (Type 1) or the whole period (Type 2)."""
        if self.report_type == "type1":
            return [self.as_of]
        n = (self.period_end - self.period_start).days + 1
        return [self.period_start + dt.timedelta(days=i) for i in range(n)]

    def recorded(self) -> dict:
        """The parameters as written into manifest.json and the report."""
        return self.model_dump(mode="json")


def parse_params(data: dict) -> BundleParams:
    """Validate parameters from a CLI or DAG run; errors name the parameter."""
    try:
        return BundleParams.model_validate(data)
    except ValidationError as e:
        parts = [f"{'.'.join(str(p) for p in err['loc']) or 'params'}: {err['msg']}" for err in e.errors()]
        raise BundleError("bundle parameters: " + "; ".join(parts)) from None
