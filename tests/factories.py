"""factory-boy factories for the models every app builds on."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

import factory
from django.utils import timezone

from kommunalschutz.foundation.accounts.models import Membership, Organisation, User
from kommunalschutz.foundation.registry.models import District, Municipality, PoliceDirectorate, StateAuthority

if TYPE_CHECKING:
    # Only for the factories' type parameters (quoted, so ruff does not see the use): at runtime
    # these factories name their models by label ("cases.Case"), as before.
    from kommunalschutz.alliance.councils.models import PreventionCouncil  # noqa: F401
    from kommunalschutz.alliance.engagements.models import Coach, CoachingProcess, Engagement  # noqa: F401
    from kommunalschutz.alliance.events.models import Event  # noqa: F401
    from kommunalschutz.alliance.programme.models import CooperationAgreement  # noqa: F401
    from kommunalschutz.protection.cases.models import Case, CaseTeamMember  # noqa: F401
    from kommunalschutz.protection.measures.models import Measure, Partner  # noqa: F401

REFERENCE_DATE = dt.date(2025, 11, 30)


class PoliceDirectorateFactory(factory.django.DjangoModelFactory[PoliceDirectorate]):
    class Meta:
        model = PoliceDirectorate
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"pd-{n}")
    name = factory.LazyAttribute(lambda o: f"Polizeidirektion {o.code}")


class StateAuthorityFactory(factory.django.DjangoModelFactory[StateAuthority]):
    class Meta:
        model = StateAuthority
        django_get_or_create = ("code",)

    code = "lka"
    kind = StateAuthority.Kind.LKA
    name = "Landeskriminalamt Sachsen"


class DistrictFactory(factory.django.DjangoModelFactory[District]):
    class Meta:
        model = District
        django_get_or_create = ("ags",)

    ags = factory.Sequence(lambda n: f"{14900 + n:05d}")
    name = factory.Sequence(lambda n: f"Landkreis {n}")
    kind = District.Kind.RURAL
    land = "14"
    population = 100_000
    reference_date = REFERENCE_DATE


class MunicipalityFactory(factory.django.DjangoModelFactory[Municipality]):
    class Meta:
        model = Municipality
        django_get_or_create = ("ags",)

    district = factory.SubFactory(DistrictFactory)
    ags = factory.Sequence(lambda n: f"149{n:05d}")
    name = factory.Sequence(lambda n: f"Gemeinde {n}")
    population = 5_000
    reference_date = REFERENCE_DATE


class OrganisationFactory(factory.django.DjangoModelFactory[Organisation]):
    class Meta:
        model = Organisation
        django_get_or_create = ("name",)

    kind = Organisation.Kind.COORDINATION_OFFICE
    name = factory.Sequence(lambda n: f"Organisation {n}")


class UserFactory(factory.django.DjangoModelFactory[User]):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.org")
    first_name = "Test"
    last_name = factory.LazyAttribute(lambda o: o.username.title())
    password = factory.django.Password("correct horse battery staple")


class MembershipFactory(factory.django.DjangoModelFactory[Membership]):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    role = "coordinator"


# --- the alliance family (alliance, engagements, councils, events) ---------------------------------
# Factories write models directly: they build test fixtures, not user actions. Tests of the
# write paths themselves call the services.


def _offer(kind: str) -> Any:
    from kommunalschutz.alliance.engagements.models import OfferType

    return OfferType.objects.filter(kind=kind).order_by("position").first()


class AgreementFactory(factory.django.DjangoModelFactory["CooperationAgreement"]):
    class Meta:
        model = "alliance.CooperationAgreement"

    municipality = factory.SubFactory(MunicipalityFactory)
    title = factory.LazyAttribute(lambda o: f"Kooperationsvereinbarung {o.municipality.name}")
    status = "signed"
    police_directorate = factory.SubFactory(PoliceDirectorateFactory)
    coordination_office = factory.SubFactory(OrganisationFactory, name="Koordinierungsstelle")
    signed_on = dt.date(2021, 6, 25)


class EngagementFactory(factory.django.DjangoModelFactory["Engagement"]):
    class Meta:
        model = "engagements.Engagement"

    municipality = factory.SubFactory(MunicipalityFactory)
    offer_type = factory.LazyFunction(lambda: _offer("consultation"))
    title = factory.Sequence(lambda n: f"Vorhaben {n}")
    status = "active"
    started_on = dt.date(2021, 3, 1)


class CoachFactory(factory.django.DjangoModelFactory["Coach"]):
    class Meta:
        model = "engagements.Coach"
        django_get_or_create = ("user",)

    user = factory.SubFactory(UserFactory)


class CoachingProcessFactory(factory.django.DjangoModelFactory["CoachingProcess"]):
    class Meta:
        model = "engagements.CoachingProcess"

    engagement = factory.SubFactory(EngagementFactory, offer_type=factory.LazyFunction(lambda: _offer("coaching")))
    coach = factory.SubFactory(CoachFactory)
    goals = "Aufbau eines Präventionsrats"


class CouncilFactory(factory.django.DjangoModelFactory["PreventionCouncil"]):
    class Meta:
        model = "councils.PreventionCouncil"

    municipality = factory.SubFactory(MunicipalityFactory)
    name = factory.LazyAttribute(lambda o: f"Kriminalpräventiver Rat {o.municipality.name}")
    established_on = dt.date(2020, 10, 26)


class EventFactory(factory.django.DjangoModelFactory["Event"]):
    class Meta:
        model = "events.Event"

    slug = factory.Sequence(lambda n: f"veranstaltung-{n}")
    title = factory.Sequence(lambda n: f"Netzwerktreffen {n}")
    status = "published"
    venue = "Dresden"
    starts_at = factory.LazyFunction(lambda: dt.datetime(2027, 2, 27, 9, 0, tzinfo=dt.UTC))
    ends_at = factory.LazyFunction(lambda: dt.datetime(2027, 2, 27, 16, 0, tzinfo=dt.UTC))
    capacity = 300
    public_token = factory.Sequence(lambda n: f"public-token-{n:032d}")


# --- protection of officials ----------------------------------------------------------------------


class CaseFactory(factory.django.DjangoModelFactory["Case"]):
    """A case as intake leaves it: routed to the municipality's police directorate. Use
    ``cases.services.sync_statistic`` or the intake service when a test needs the statistical record."""

    class Meta:
        model = "cases.Case"

    reference = factory.Sequence(lambda n: f"2026-{n + 1:06d}")
    intake = "self"
    municipality = factory.SubFactory(MunicipalityFactory)
    district = factory.LazyAttribute(lambda o: o.municipality.district)
    police_directorate = factory.LazyAttribute(lambda o: o.municipality.district.police_directorate)
    description = "Drohbrief im Briefkasten des Rathauses."
    incident_types = factory.LazyFunction(lambda: ["threat"])
    occurred_at = factory.LazyFunction(lambda: timezone.now() - dt.timedelta(days=1))
    place = "office"
    channel = "letter"
    affected_role = "mayor"


class CaseTeamMemberFactory(factory.django.DjangoModelFactory["CaseTeamMember"]):
    class Meta:
        model = "cases.CaseTeamMember"

    case = factory.SubFactory(CaseFactory)
    user = factory.SubFactory(UserFactory)
    function = "case_worker"


class PartnerFactory(factory.django.DjangoModelFactory["Partner"]):
    class Meta:
        model = "measures.Partner"

    name = factory.Sequence(lambda n: f"Beratungsstelle {n}")
    category = "victim_counselling"


class MeasureFactory(factory.django.DjangoModelFactory["Measure"]):
    class Meta:
        model = "measures.Measure"

    case = factory.SubFactory(CaseFactory)
    kind = "behaviour_advice"
