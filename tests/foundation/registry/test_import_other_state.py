"""--land imports another state from the national Gemeindeverzeichnis, beside Saxony."""

from __future__ import annotations

from kommunalschutz.foundation.registry.importer import ImportResult
from kommunalschutz.foundation.registry.models import District, Municipality, PoliceDirectorate
from kommunalschutz.foundation.registry.services import import_registry


def test_bavaria_has_2056_municipalities_in_96_districts_without_boundaries(saxony: ImportResult) -> None:
    result = import_registry(actor=None, land="09")
    assert (result.municipalities, result.districts) == (2056, 96)
    assert result.skipped_unincorporated == 165  # uninhabited gemeindefreie Gebiete are not municipalities
    assert Municipality.objects.filter(land="09", boundary__isnull=False).count() == 0
    munich = District.objects.get(ags="09162")
    assert munich.kind == District.Kind.URBAN and munich.police_directorate is None
    assert Municipality.objects.get(ags="09162000").name == "München, Landeshauptstadt"
    # Saxony is untouched.
    assert Municipality.objects.filter(land="14", valid_until__isnull=True).count() == 418
    assert PoliceDirectorate.objects.count() == 5
