"""factory-boy factories for the models every app builds on."""

from __future__ import annotations

import datetime as dt

import factory

from kommunalschutz.apps.accounts.models import Membership, Organisation, User
from kommunalschutz.apps.registry.models import District, Municipality, PoliceDirectorate, StateAuthority

REFERENCE_DATE = dt.date(2025, 11, 30)


class PoliceDirectorateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PoliceDirectorate
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"pd-{n}")
    name = factory.LazyAttribute(lambda o: f"Polizeidirektion {o.code}")


class StateAuthorityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StateAuthority
        django_get_or_create = ("code",)

    code = "lka"
    kind = StateAuthority.Kind.LKA
    name = "Landeskriminalamt Sachsen"


class DistrictFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = District
        django_get_or_create = ("ags",)

    ags = factory.Sequence(lambda n: f"{14900 + n:05d}")
    name = factory.Sequence(lambda n: f"Landkreis {n}")
    kind = District.Kind.RURAL
    land = "14"
    population = 100_000
    reference_date = REFERENCE_DATE


class MunicipalityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Municipality
        django_get_or_create = ("ags",)

    district = factory.SubFactory(DistrictFactory)
    ags = factory.Sequence(lambda n: f"149{n:05d}")
    name = factory.Sequence(lambda n: f"Gemeinde {n}")
    population = 5_000
    reference_date = REFERENCE_DATE


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation
        django_get_or_create = ("name",)

    kind = Organisation.Kind.COORDINATION_OFFICE
    name = factory.Sequence(lambda n: f"Organisation {n}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.org")
    first_name = "Test"
    last_name = factory.LazyAttribute(lambda o: o.username.title())
    password = factory.django.Password("correct horse battery staple")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    role = "coordinator"
