"""The sandbox: emulated clouds on loopback, seeded day by day from a scenario, for the demo and tests."""
