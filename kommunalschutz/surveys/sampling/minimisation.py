"""Data minimisation of the sample: names, addresses and access codes go when the field period ends.

By hand (the team's button) or nightly (tasks.delete_due_addresses), in one transaction with its audit
row; any register extract left is deleted with them and the rendered letter PDFs leave the file store
once the transaction has committed.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kommunalschutz.foundation.accounts.models import Actor
from kommunalschutz.foundation.core import audit
from kommunalschutz.surveys.projects.models import SurveyProject
from kommunalschutz.surveys.projects.progress import sync_phases
from kommunalschutz.surveys.sampling.letters import letters_file_prefix
from kommunalschutz.surveys.sampling.models import RegisterExtract, Sample
from kommunalschutz.surveys.sampling.register import discard_extract

PERSONAL_FIELDS = ("family_name", "given_names", "street", "postcode", "city", "access_code")


def delete_addresses(*, actor: Actor, project: SurveyProject) -> int:
    """Clear the sample's names, addresses and access codes (and any register extract left); returns how
    many members were cleared. Strata, weights and status stay for weighting and the response rate."""
    sample = Sample.objects.filter(project=project).first()
    if sample is None:
        raise ValidationError(_("No sample has been drawn yet."))
    if sample.addresses_deleted_at is not None:
        raise ValidationError(_("The addresses have been deleted already."))
    with transaction.atomic():
        count = sample.members.update(**dict.fromkeys(PERSONAL_FIELDS, ""))
        before = audit.snapshot(sample, ["addresses_deleted_at"])
        sample.addresses_deleted_at = timezone.now()
        sample.save(update_fields=["addresses_deleted_at"])
        audit.record_update(actor=actor, obj=sample, before=before,
                            summary=f"names, addresses and access codes of {count} members deleted")
        for extract in project.register_extracts.exclude(status=RegisterExtract.Status.DELETED):
            discard_extract(actor, extract, reason="addresses deleted")
        sync_phases(actor=actor, project=project)
        transaction.on_commit(lambda: delete_letter_files(project.pk))
    return count


def delete_letter_files(project_id: int) -> int:
    """Remove the rendered letter PDFs of a project from the file store (they hold names, addresses and
    access codes); returns how many were removed."""
    from django.core.files.storage import default_storage

    prefix = letters_file_prefix(project_id)
    try:
        _dirs, files = default_storage.listdir(prefix)
    except FileNotFoundError:
        return 0
    for name in files:
        default_storage.delete(prefix + name)
    return len(files)


def delete_due_addresses(*, today: dt.date | None = None) -> int:
    """Delete the addresses of every sample whose field period has ended (nightly); returns how many
    samples were cleared."""
    today = today or timezone.localdate()
    due = Sample.objects.filter(addresses_deleted_at__isnull=True, project__field_end__lt=today).select_related(
        "project")
    count = 0
    for sample in due:
        delete_addresses(actor=None, project=sample.project)
        count += 1
    return count
