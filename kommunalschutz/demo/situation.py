"""The demo's situation report: released, as of 27 Feb 2024, the day of the ministry's press release on five
years of the alliance (../shared/domain/press-release-2024-02-27.txt). Its alliance figures are the seed's
(56 members, 144 consultations, 50 coaching processes, 41 councils, 26 analyses); its protection figures come
from the demo's synthetic case history, so the report is marked synthetic."""

from __future__ import annotations

import datetime as dt

from kommunalschutz.situation import services
from kommunalschutz.situation.models import SituationReport

PRESS_RELEASE_DAY = dt.date(2024, 2, 27)
PROGRAMME_START = dt.date(2019, 2, 6)


def load_situation_demo() -> SituationReport:
    """Create, compute and release the report once; a second run finds it and changes nothing."""
    found = SituationReport.objects.filter(period_start=PROGRAMME_START, period_end=PRESS_RELEASE_DAY,
                                           status=SituationReport.Status.RELEASED).first()
    if found is not None:
        return found
    report = services.create_report(actor=None, period_start=PROGRAMME_START, period_end=PRESS_RELEASE_DAY,
                                    title=services.default_title(PRESS_RELEASE_DAY, PRESS_RELEASE_DAY),
                                    generate=False, is_synthetic=True)
    report = services.store_figures(actor=None, report=report, computed=services.compute(report))
    return services.release_report(actor=None, report=report)
