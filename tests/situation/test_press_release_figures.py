"""The press release block writes the programme figures of the chosen date, as the ministry's press office did
on 27 Feb 2024 (../shared/domain/press-release-2024-02-27.txt), and on the seed's start (6 Feb 2019)."""

from __future__ import annotations

import datetime as dt

import pytest

from kommunalschutz.alliance.insights.figures import FIGURE_NAMES, figures_as_of
from kommunalschutz.situation import sections
from tests.demo.database import DemoData
from tests.situation.helpers import computed_report, section, table

PRESS_RELEASE_DAY = dt.date(2024, 2, 27)
SEED_START = dt.date(2019, 2, 6)


def test_the_press_release_of_27_february_2024_has_the_published_figures(demo_db: DemoData) -> None:
    report = computed_report(None, dt.date(2024, 1, 1), PRESS_RELEASE_DAY)
    public = report.public
    assert public is not None
    text = report.press_text
    assert "Acht" not in text  # numbers are written as figures
    assert "8 Kommunen sind von Beginn an Teil des Netzwerks." in text
    assert "Heute sind es 56 Kommunen." in text
    assert ("Seit dem Start gab es 144 Beratungen zu den Angeboten der Landesstrategie, 50 Coachingprozesse, "
            "41 kriminalpräventive Räte haben sich gebildet und 26 Sicherheitsanalysen wurden durchgeführt.") in text
    # The block, the section's figures and its table all equal the programme figures of the day.
    expected = figures_as_of(PRESS_RELEASE_DAY).values()
    for content in (report.internal, public):
        assert content is not None
        assert {name: section(content, "alliance")["figures"]["end"][name] for name in FIGURE_NAMES} == expected
        rows = {row["key"]: row["cells"][1]["value"] for row in table(content, "alliance_figures")["rows"]}
        assert {name: rows[name] for name in FIGURE_NAMES} == expected


def test_the_press_release_on_the_seed_start_has_the_eight_model_municipalities(demo_db: DemoData) -> None:
    expected = figures_as_of(SEED_START).values()
    assert expected["model_municipalities"] == 8
    report = computed_report(None, SEED_START, SEED_START)
    assert report.public is not None
    alliance = section(report.public, "alliance")
    assert {name: alliance["figures"]["end"][name] for name in FIGURE_NAMES} == expected
    sentences = sections.press_sentences(alliance)
    assert sentences[0] == "8 Kommunen sind von Beginn an Teil des Netzwerks."
    members = expected["member_municipalities"]
    assert sentences[1] == ("Heute ist es 1 Kommune." if members == 1 else f"Heute sind es {members} Kommunen.")
    assert " ".join(sentences[:3]) in report.press_text
    # The change over the period is the difference to the day before it.
    before = figures_as_of(SEED_START - dt.timedelta(days=1)).values()
    rows = {row["key"]: row["cells"] for row in table(report.public, "alliance_figures")["rows"]}
    assert rows["model_municipalities"][0]["value"] == before["model_municipalities"]
    assert rows["model_municipalities"][2]["value"] == 8 - before["model_municipalities"]


@pytest.mark.parametrize("day", [PRESS_RELEASE_DAY, SEED_START])
def test_the_map_counts_the_members_of_the_day(demo_db: DemoData, day: dt.date) -> None:
    report = computed_report(None, day, day)
    assert report.public is not None and report.internal is not None
    districts = table(report.internal, "alliance_districts")
    members = sum(row["cells"][1]["value"] for row in districts["rows"])
    assert members == figures_as_of(day).member_municipalities
    # The public edition shows the same counts where they are 0 or at least 5 and hides the others.
    public = table(report.public, "alliance_districts")
    for shown, full in zip(public["rows"], districts["rows"], strict=True):
        value = full["cells"][1]["value"]
        assert shown["cells"][1]["value"] == (value if value == 0 or value >= 5 else None)
    blocks = next(chart for chart in section(report.public, "alliance")["charts"] if chart["kind"] == "map")
    assert len(blocks["data"]["blocks"]) >= figures_as_of(day).member_municipalities
