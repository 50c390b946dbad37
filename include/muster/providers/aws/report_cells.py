"""The credential report's cells as Arrow columns: the fast reader of ``credential_report``.

Every cell is first read as text by Arrow's CSV reader, then typed a whole column at a time with Arrow
kernels (and numpy for the usual fixed-width date column). What a kernel cannot vouch for is marked, and
``credential_report`` sends those rows through its line-by-line conversion, which names the bad cell.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

#: Markers the report uses for "no value"; all normalise to None.
NULL_MARKERS = frozenset({"", "N/A", "not_supported", "no_information"})
#: Column kinds (compared by identity on the hot path).
STR, BOOL, TIME = "str", "bool", "time"

UTC_TS = pa.timestamp("us", tz="UTC")
ARROW_TYPES = {STR: pa.string(), BOOL: pa.bool_(), TIME: UTC_TS}
_NULLS = pa.array(sorted(NULL_MARKERS))
_TRUE, _FALSE = pa.array(["true", "TRUE"]), pa.array(["false", "FALSE"])
#: The one date shape read by Arrow, ``YYYY-MM-DDTHH:MM:SS`` plus one of these; any other (offsets,
#: fractions, single-digit fields) takes the line-by-line conversion.
_UTC_SUFFIXES = pa.array(["", "+00:00", "Z"])
_TIME_FORMAT = "%Y-%m-%dT%H:%M:%S"
#: That shape as a whole cell (RE2: ``\d`` is an ASCII digit).
_TIME_SHAPE = r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\+00:00|Z)?$"
#: The same shape character by character ("d": an ASCII digit), and the suffix that goes with each width.
_TIME_HEAD = b"dddd-dd-ddTdd:dd:dd"
_HEAD = np.frombuffer(_TIME_HEAD, np.uint8)
_DIGIT = _HEAD == ord("d")
_FIXED_SUFFIXES = {
    len(_TIME_HEAD) + len(s): np.frombuffer(s.encode(), np.uint8) for s in _UTC_SUFFIXES.to_pylist()
}
#: Characters ``str.splitlines`` treats as line breaks but a CSV reader does not.
_ODD_BREAKS = "\x0b\x0c\x1c\x1d\x1e"


def arrow_readable(text: str, names: list[str]) -> bool:
    """Whether Arrow's reader splits this text exactly as the line-by-line reader would."""
    return (
        '"' not in text
        and len(set(names)) == len(names)
        and text.isascii()
        and not any(c in text for c in _ODD_BREAKS)
    )


def read_strings(text: str, names: list[str]) -> pa.Table:
    """Every cell as text, columns named as the header; raises ArrowInvalid on a row of the wrong width."""
    return pacsv.read_csv(
        pa.py_buffer(text.encode()),
        read_options=pacsv.ReadOptions(skip_rows=1, column_names=names),
        parse_options=pacsv.ParseOptions(quote_char=False),
        convert_options=pacsv.ConvertOptions(
            column_types=dict.fromkeys(names, pa.string()),
            strings_can_be_null=False,
            null_values=[],
            check_utf8=False,  # the text is ASCII (``arrow_readable``): valid UTF-8 throughout
        ),
    )


def typed_column(kind: str, cells: pa.Array) -> tuple[pa.Array, pa.Array | None]:
    """(typed values, mask of cells the fast conversion cannot vouch for, or None when there are none)."""
    null = pc.is_in(cells, value_set=_NULLS)
    if kind is STR:
        if not null.true_count:  # e.g. user and arn: no marker, nothing to replace
            return cells, None
        return pc.if_else(null, pa.scalar(None, pa.string()), cells), None
    if kind is BOOL:
        true = pc.is_in(cells, value_set=_TRUE)
        bad = pc.invert(pc.or_(pc.or_(true, pc.is_in(cells, value_set=_FALSE)), null))
        return pc.if_else(null, pa.scalar(None, pa.bool_()), true), bad
    strict = _strict_times(cells, null)
    if strict is not None:
        return strict, None
    text = pc.utf8_slice_codeunits(cells, 0, 19)
    parsed = pc.strptime(text, format=_TIME_FORMAT, unit="us", error_is_null=True)
    # strptime rolls 30 February over to 1 March: a value must print back as it was read.
    printed = parsed.cast(pa.timestamp("s")).cast(pa.string())  # "YYYY-MM-DD HH:MM:SS"
    same = pc.equal(printed, pc.replace_substring(text, "T", " ", max_replacements=1))
    suffix = pc.is_in(pc.utf8_slice_codeunits(cells, 19, 32), value_set=_UTC_SUFFIXES)
    plain = pc.and_(suffix, pc.fill_null(same, False))
    bad = pc.invert(pc.or_(plain, null))
    values = pc.if_else(pc.or_(null, bad), pa.scalar(None, parsed.type), parsed)
    return values.cast(UTC_TS), bad


def _strict_times(cells: pa.Array, null: pa.Array) -> pa.Array | None:
    """The usual column, fast: every cell a null marker or exactly the one date shape, every date valid.

    Arrow's ISO-8601 cast rejects what ``strptime`` would roll over (30 February, second 60), so when it
    accepts the whole column every value is what the checks in ``typed_column`` would have let through;
    otherwise (None) the column takes those checks.
    """
    dated = pc.invert(null)
    given = cells.filter(dated)
    if not len(given):
        return pa.nulls(len(cells), UTC_TS)
    width = fixed_shape(given)
    try:
        if width is None:  # cells of several widths: RE2 checks the shape
            if not pc.all(pc.match_substring_regex(given, _TIME_SHAPE)).as_py():
                return None
            parsed = pc.cast(pc.utf8_slice_codeunits(given, 0, 19), pa.timestamp("us")).cast(UTC_TS)
        elif width == len(_TIME_HEAD):
            parsed = pc.cast(given, pa.timestamp("us")).cast(UTC_TS)
        else:  # a "+00:00" or "Z" suffix, read by the same parser as the zone
            parsed = pc.cast(given, UTC_TS)
    except pa.ArrowInvalid:
        return None
    return (
        parsed
        if len(given) == len(cells)
        else pc.replace_with_mask(pa.nulls(len(cells), UTC_TS), dated, parsed)
    )


def fixed_shape(cells: pa.Array) -> int | None:
    """The width of the cells when every one is exactly ``_TIME_HEAD`` plus one and the same suffix of
    ``_UTC_SUFFIXES`` (the usual column), else None.

    Cells of one width lie end to end in the text buffer, so numpy checks every character of the column at
    once: several times faster than a regular expression per cell.
    """
    n = len(cells)
    if cells.null_count:
        return None
    offsets = np.frombuffer(cells.buffers()[1], np.int32, n + 1, cells.offset * 4)
    width = int(offsets[1] - offsets[0])
    suffix = _FIXED_SUFFIXES.get(width)
    if suffix is None or offsets[-1] - offsets[0] != width * n or np.any(np.diff(offsets) != width):
        return None
    text = np.frombuffer(cells.buffers()[2], np.uint8, width * n, int(offsets[0])).reshape(n, width)
    head = text[:, : len(_TIME_HEAD)]
    digits = head[:, _DIGIT]
    fits = (
        ((digits >= ord("0")) & (digits <= ord("9"))).all()
        and (head[:, ~_DIGIT] == _HEAD[~_DIGIT]).all()
        and (text[:, len(_TIME_HEAD) :] == suffix).all()
    )
    return width if fits else None


def duplicated(values: pa.Array) -> pa.Array:
    """Mask of values that occur more than once."""
    if len(pc.unique(values)) == len(values):  # the usual case: one hash pass instead of three
        return pa.repeat(pa.scalar(False), len(values))
    counts = pc.value_counts(values)
    repeated = counts.field("values").filter(pc.greater(counts.field("counts"), 1))
    return pc.is_in(values, value_set=repeated)
