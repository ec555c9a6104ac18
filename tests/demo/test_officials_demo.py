"""The officials' survey demo: a finished wave for Saxony, autumn 2023, whose synthetic shares follow KoMo
(issue 16, item 3). The demo is the session's shared demo database (``demo_db``, tests/demo/database.py)."""

from __future__ import annotations

from kommunalschutz.demo.officials import TITLE, load_officials_demo
from kommunalschutz.foundation.registry.models import District, Municipality
from kommunalschutz.surveys.officials import darkfield, results
from kommunalschutz.surveys.officials.models import FrameEntry, OfficialRole, Response, Wave
from tests.demo.database import DemoData


def test_the_demo_has_a_finished_synthetic_wave_for_saxony(demo_db: DemoData) -> None:
    wave = Wave.objects.get(title=TITLE)
    assert wave.is_synthetic and wave.status == Wave.Status.CLOSED and wave.contractor is not None
    assert wave.opened_at is not None and wave.opened_at.year == 2023
    heads = Municipality.objects.filter(valid_until__isnull=True).count()
    districts = District.objects.filter(kind=District.Kind.RURAL).count()
    assert wave.frame.filter(source=FrameEntry.Source.REGISTRY).count() == heads + districts
    assert wave.frame.filter(role=OfficialRole.COUNCIL_MEMBER).count() == 26
    responses = Response.objects.filter(wave=wave)
    assert responses.count() > 200 and not responses.filter(is_synthetic=False).exists()
    assert not wave.frame.filter(code_digest__isnull=False).exists()  # codes deleted at the close

    computed = results.compute(wave)
    komo_group = computed.komo_group
    assert komo_group.estimate is not None and 0.30 < komo_group.estimate < 0.55  # KoMo autumn 2023: 38 %
    assert computed.reported_ratio.estimate is not None and 0.04 < computed.reported_ratio.estimate < 0.25
    dark = darkfield.dark_field(wave, computed)
    assert [year.year for year in dark.police] == [2023] and dark.police[0].count == 317
    assert dark.police_pro_rata == 317 * 6 / 12
    assert load_officials_demo().pk == wave.pk  # runs once
