"""Service name patterns over a column against Python's ``re`` one name at a time (hypothesis): whichever
engine ``first_matches`` uses, each name gets the first pattern that the row classifier would name."""

import re

import pyarrow as pa
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from muster.config import Classification
from muster.providers.aws.name_patterns import first_matches, re2_safe

SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
TOKENS = [
    "^", "$", "svc", "bot", "a", "Z", ".", "-", "_", "[-_.]", "[a-c]", "\\d", "\\w", "\\b", "\\s", "x{2}",
    "x{,2}", "x{1,}", "*", "+", "?", "*?", "|", "(", ")", "(?:", "[[:alpha:]]", "(?i)", "\\1", "(?=a)",
    "[^a]", "ſ", "K", "\\Z", "\\A", "{", "}", "]",
]  # fmt: skip
NAMES = [
    "svc-a",
    "SVC_B",
    "x-bot",
    "bot",
    "a\nsvc-",
    "abc\n",
    "ſvc-x",
    "Kbot",
    "xx",
    "X",
    "",
    "a1_b",
    "B0T",
    "é-bot",
]


def pattern_texts():
    return st.lists(st.sampled_from(TOKENS), min_size=1, max_size=6).map("".join).filter(_compiles)


def _compiles(text: str) -> bool:
    try:
        re.compile(text, re.IGNORECASE)
    except re.error:
        return False
    return True


def reference(patterns: list[re.Pattern], names: list[str]) -> list[int | None]:
    joined = re.compile("|".join(f"(?:{p.pattern})" for p in patterns), re.IGNORECASE)
    out = []
    for name in names:
        out.append(next(k for k, p in enumerate(patterns) if p.search(name)) if joined.search(name) else None)
    return out


@pytest.mark.filterwarnings("ignore::FutureWarning")  # "[[:alpha:]]" is a nested set to Python
@SETTINGS
@given(st.lists(pattern_texts(), min_size=1, max_size=3), st.lists(st.sampled_from(NAMES), max_size=10))
@example([r"\w$", "^svc"], ["abc\n", "svc-a", "a\nsvc-"])  # "$" before a final line break, "^" after one
@example(["^svc[-_.]", "[-_.](svc|bot)$"], ["SVC_B", "x-BOT", "ſvc-x", "Kbot"])  # case folding
def test_each_name_gets_the_pattern_the_row_classifier_names(texts, names):
    patterns = [re.compile(t, re.IGNORECASE) for t in texts]
    try:
        joined = re.compile("|".join(f"(?:{t})" for t in texts), re.IGNORECASE)
    except re.error:
        return  # a scope file like this is refused when the classifier is built
    try:
        want = reference(patterns, names)
    except StopIteration:
        return  # the joined pattern and its parts disagree (back-references): the row path fails too
    assert first_matches(patterns, joined, pa.array(names, pa.string())).to_pylist() == want


def test_the_default_patterns_go_to_re2():
    assert all(re2_safe(p) for p in Classification().service_name_patterns)


@pytest.mark.parametrize(
    "pattern",
    [
        "x{,2}",
        "[[:alpha:]]",
        "[:a]",
        "[[a]]",
        r"\s",
        "(?i)x",
        "a*+",
        r"(a)\1",
        "(?=a)",
        "[^a]",
        "é",
        r"a\Z",
        "a{",
        "[a",
    ],
)
def test_patterns_read_differently_by_re2_stay_with_python(pattern):
    assert not re2_safe(pattern)
