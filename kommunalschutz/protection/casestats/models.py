"""Official police figures shown beside the platform's own statistics (DOMAIN.md §1.2).

Preliminary figures rise as late reports come in, so every figure carries its status and the date
it was published as of; a newer publication of the same figure is a new row.
"""

from __future__ import annotations

from typing import ClassVar

from django.db import models
from django.utils.translation import gettext_lazy as _


class PoliceFigure(models.Model):
    class Status(models.TextChoices):
        PRELIMINARY = "preliminary", _("preliminary")
        FINAL = "final", _("final")

    region = models.CharField(_("region"), max_length=2)  # "SN" Saxony, "DE" Germany
    year = models.PositiveIntegerField(_("year"))
    # "all" or an offence group (insult, threat_coercion, property_damage, incitement, violence)
    offence_group = models.CharField(_("offence group"), max_length=40, default="all")
    count = models.PositiveIntegerField(_("offences"))
    status = models.CharField(_("status"), max_length=12, choices=Status.choices)
    as_of = models.DateField(_("as of"))
    source = models.CharField(_("source"), max_length=300)
    source_url = models.URLField(_("source address"), max_length=500, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        ordering: ClassVar[list[str]] = ["region", "year", "offence_group", "-as_of"]
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(fields=["region", "year", "offence_group", "as_of"], name="police_figure_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.region} {self.year} {self.offence_group}: {self.count}"

    @property
    def offence_group_label(self) -> str:
        """The offence group as a person reads it (the stored key is the police statistics' group)."""
        return str(OFFENCE_GROUPS.get(self.offence_group, self.offence_group))


# The police statistics' offence groups (the keys in data/police_figures.csv) and their names.
OFFENCE_GROUPS = {
    "all": _("all offences"),
    "insult": _("insult"),
    "threat_coercion": _("threat and coercion"),
    "property_damage": _("property damage"),
    "incitement": _("incitement"),
    "violence": _("violent offences"),
}
