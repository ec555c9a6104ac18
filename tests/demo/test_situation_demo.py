"""The demo has a released situation report for 27 Feb 2024 whose alliance figures are the seed's."""

from __future__ import annotations

import datetime as dt

from kommunalschutz.demo.situation import load_situation_demo
from kommunalschutz.situation.models import SituationReport
from tests.demo.database import DemoData
from tests.demo.test_alliance_demo_figures import PRESS_RELEASE


def test_the_demo_report_of_27_february_2024_is_released_with_the_seed_figures(demo_db: DemoData) -> None:
    report = SituationReport.objects.get(status=SituationReport.Status.RELEASED, period_end=dt.date(2024, 2, 27))
    assert report.is_synthetic and report.released_at is not None
    assert "Heute sind es 56 Kommunen." in report.press_text
    assert ("Seit dem Start gab es 144 Beratungen zu den Angeboten der Landesstrategie, 50 Coachingprozesse, "
            "41 kriminalpräventive Räte haben sich gebildet und 26 Sicherheitsanalysen wurden durchgeführt.") in (
        report.press_text)
    for content in (report.internal, report.public):
        assert content is not None
        figures = next(s for s in content["sections"] if s["key"] == "alliance")["figures"]["end"]
        assert {name: figures[name] for name in PRESS_RELEASE} == PRESS_RELEASE
    # The officials' survey of autumn 2023 (closed in December) is in it, beside KoMo, in both editions.
    for content in (report.internal, report.public):
        assert content is not None
        officials = next(s for s in content["sections"] if s["key"] == "officials_survey")
        assert officials["state"] == "ready" and officials["figures"]["wave"]["start"] == "2023-05-01"
        assert officials["figures"]["komo"] == {"wave": "Herbst 2023", "value": 38.0, "same_period": True}
        assert any("KoMo" in sentence for sentence in officials["sentences"])
        assert officials["sentences"][0] in content["press"]
    assert "Bürgermeister und Landräte" in report.press_text
    # A second load finds it and makes no other.
    assert load_situation_demo().pk == report.pk
    assert SituationReport.objects.count() == 1
