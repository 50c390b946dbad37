"""The rule catalogue: one module per rule, named after the rule id, holding META and evaluate()."""
