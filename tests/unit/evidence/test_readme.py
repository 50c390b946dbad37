"""docs/AUDITOR.md is the bundle README's generic text; regenerate with python -m muster.evidence.readme."""

from pathlib import Path

from muster.evidence import readme

DOC = Path(__file__).resolve().parents[3] / "docs" / "AUDITOR.md"


def test_docs_auditor_md_is_current():
    assert DOC.read_text() == readme.generic(), "run: python -m muster.evidence.readme > docs/AUDITOR.md"


def test_bundle_readme_names_its_parameters():
    text = readme.render(
        {
            "framework": "soc1",
            "report_type": "type1",
            "period_start": "2026-01-01",
            "period_end": "2026-06-30",
            "sample_size": 15,
            "seed": 42,
        },
        "tenants tagged soc1",
        {"CO-1": "x"},
    )
    assert "SOC1 Type 1 (design, one as-of population), period 2026-01-01 to 2026-06-30" in text
    assert "Criteria: CO-1." in text and "The seed\nis 42." in text and "the 15 members" in text
