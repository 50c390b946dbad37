"""AWS test data moved to another partition (``aws-us-gov``, ``aws-cn``, ...), for the partition tests of the
transform and of the privilege analysis (importable from both: this folder's conftest puts it on the path)."""

from __future__ import annotations


def moved(value: object, partition: str, source: str = "aws") -> object:
    """``value`` (raw API data, rows, a case's documents and reasons) with every ARN of partition ``source``
    moved to ``partition``.

    Strings are rewritten wherever they occur (dict keys and values, lists, tuples, the text of a document or
    of a reason); anything else (datetimes, numbers, None) is kept.
    """
    if isinstance(value, str):
        return value.replace(f"arn:{source}:", f"arn:{partition}:")
    if isinstance(value, dict):
        return {moved(k, partition, source): moved(v, partition, source) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(moved(v, partition, source) for v in value)
    return value
