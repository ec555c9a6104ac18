"""Loading the programme from its data file (``kommunalschutz load_programme``, the demo, first setup).

Each function runs in one transaction with its audit record naming the actor (None = the system),
raises django's ValidationError with a dict naming the fields on bad input, and saves nothing then.
Callers check permissions (views and API through rules); these functions check the data.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _

from kommunalschutz.alliance.programme.models import Programme
from kommunalschutz.foundation.accounts.models import Actor, Organisation
from kommunalschutz.foundation.core import audit, states

PROGRAMME_FILE = Path(__file__).resolve().parent / "data" / "programme.json"
PROGRAMME_FIELDS = ("name", "short_name", "land", "started_on", "source_url")


def load_programme(*, actor: Actor, path: str | Path | None = None) -> Programme:
    """Create or update the programme from its data file (idempotent: unchanged data changes nothing).

    Without ``path`` the state package's programme file is read (Saxony's is data/programme.json).

    Links the coordination office organisation when the programme has none yet and one exists.
    """
    source = Path(path) if path is not None else states.current().programme_file
    try:
        data = json.loads(source.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ValidationError({"path": [_("The programme file %(path)s cannot be read: %(error)s")
                                        % {"path": source, "error": exc}]}) from exc
    if not isinstance(data, dict) or not data.get("code"):
        raise ValidationError({"code": [_("The programme file must be a JSON object with a “code”.")]})
    values: dict[str, Any] = {name: data.get(name, "") for name in PROGRAMME_FIELDS}
    started_on = parse_date(str(values["started_on"] or ""))
    if started_on is None:
        raise ValidationError({"started_on": [_("The start date must be a date like 2019-02-06.")]})
    values["started_on"] = started_on
    with transaction.atomic():
        programme = Programme.objects.select_for_update().filter(code=data["code"]).first()
        creating = programme is None
        if programme is None:
            programme = Programme(code=data["code"])
        before = {} if creating else audit.snapshot(programme)
        for name, value in values.items():
            setattr(programme, name, value)
        if programme.coordination_office_id is None:
            programme.coordination_office = (
                Organisation.objects.filter(kind=Organisation.Kind.COORDINATION_OFFICE).order_by("pk").first())
        programme.full_clean(validate_unique=False)
        if creating:
            programme.save()
            audit.record_create(actor=actor, obj=programme, summary="programme loaded from its data file")
        elif audit.diff(before, audit.snapshot(programme)):
            programme.save()
            audit.record_update(actor=actor, obj=programme, before=before,
                                summary="programme updated from its data file")
    return programme
