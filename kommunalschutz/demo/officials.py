"""The officials' survey demo: a finished wave for Saxony, autumn 2023, with synthetic answers.

Every step goes through the services, as the coordination office would take it in the browser: the wave,
the heads of every town hall and district office from the registry, Pirna's council from an (invented) list,
an open link for Plauen's staff, the field period with its sealed envelopes, the answers (synthetic, with
KoMo-like shares; surveys.officials.synthetic) through the respondents' own path, and the close. The
wave is marked synthetic everywhere it is shown. Runs once.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.db import transaction

from kommunalschutz.surveys.officials.models import Wave

BERLIN = ZoneInfo("Europe/Berlin")
TITLE = "Amtsträgerbefragung Herbst 2023"
PIRNA, PLAUEN = "14628270", "14523320"
SEED = 20231106
OPENED, CLOSED = dt.date(2023, 11, 6), dt.date(2023, 12, 16)


def load_officials_demo() -> Wave:
    from kommunalschutz.foundation.accounts.models import Organisation, User
    from kommunalschutz.foundation.registry.models import Municipality
    from kommunalschutz.surveys.officials import frame, services, synthetic
    from kommunalschutz.surveys.officials.models import OfficialRole

    existing = Wave.objects.filter(title=TITLE, is_synthetic=True).first()
    if existing is not None:
        return existing
    coordinator = User.objects.get(username="koordination")
    contractor = Organisation.objects.get(name="Institut für Sicherheitsanalysen (Demo)")
    pirna = Municipality.objects.get(ags=PIRNA)
    plauen = Municipality.objects.get(ags=PLAUEN)
    with transaction.atomic():
        wave = services.create_wave(actor=coordinator, is_synthetic=True, data={
            "title": TITLE, "reference_start": dt.date(2023, 5, 1), "reference_end": dt.date(2023, 10, 31),
            "field_start": OPENED, "field_end": dt.date(2023, 12, 15), "cadence": Wave.Cadence.HALF_YEARLY,
            "contractor": contractor})
        services.add_registry_frame(actor=coordinator, wave=wave)
        frame.import_list(actor=coordinator, wave=wave, municipality=pirna,
                          data=synthetic.council_list(pirna.name, 26, seed=SEED), file_name="stadtrat-pirna.csv")
        link, token = services.create_open_link(actor=coordinator, wave=wave, municipality=plauen,
                                                role=OfficialRole.STAFF, addressed=60)
        services.open_field(actor=coordinator, wave=wave)
        synthetic.answer_wave(wave, seed=SEED, link_tokens={link.pk: token})
        wave = services.close_wave(actor=coordinator, wave=wave)
        # The services stamp "now"; the demo's wave ran in autumn 2023.
        Wave.objects.filter(pk=wave.pk).update(
            opened_at=dt.datetime.combine(OPENED, dt.time(9), tzinfo=BERLIN),
            closed_at=dt.datetime.combine(CLOSED, dt.time(9), tzinfo=BERLIN))
    return wave
