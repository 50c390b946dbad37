"""Muster: a nightly roll call of cloud identities, kept as audit evidence."""

__version__ = "0.1.0"
