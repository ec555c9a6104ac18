"""`kommunalschutz demo`: deterministic, idempotent, usable logins, refused in production.

The demo is loaded once per session (the ``demo_db`` fixture, tests/demo/database.py): into an empty database
with only the registry (and the PKS tables and the programme, as `make demo` does), with DEBUG off and forced.
The tests below check that load's result on a copy of it; those about loading *again* load once more.
"""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import translation
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from pytest_django import Settings

from kommunalschutz.demo.alliance import COACHES
from kommunalschutz.demo.loader import DEMO_PASSWORD, USERS, DemoRefused, load_demo, totp_secret_base32
from kommunalschutz.foundation.accounts.models import Membership, Organisation, User
from kommunalschutz.foundation.core.models import AuditEvent, SiteState
from kommunalschutz.foundation.registry.services import import_registry
from tests.demo.database import DemoData
from tests.german import english_in


@pytest.fixture
def registry(db: None) -> None:
    import_registry(actor=None, boundaries=False)


def test_demo_refuses_with_debug_off(registry: None, settings: Settings) -> None:
    settings.DEBUG = False
    with pytest.raises(DemoRefused, match="--force-demo"):
        load_demo()
    assert not User.objects.exists() and SiteState.load().demo_loaded_at is None


def test_demo_loads_with_force_even_with_debug_off(demo_db: DemoData) -> None:
    # The session's load into the empty registry was this one: forced, with DEBUG off.
    assert demo_db.loaded_with_debug is False
    assert len(demo_db.logins) == len(USERS)


def test_demo_refuses_an_installation_for_another_state_in_german_and_writes_nothing(
        db: None, settings: Settings) -> None:
    settings.DEBUG = True
    settings.STATE_PACKAGE = "th"
    with translation.override("de"), pytest.raises(DemoRefused) as refused:
        load_demo()
    message = str(refused.value)
    assert "Thüringen" in message and "KOMMUNALSCHUTZ_STATE=sn" in message and "Demodaten" in message
    assert not english_in(message), message
    assert not Organisation.objects.exists() and not User.objects.exists() and not AuditEvent.objects.exists()


def test_demo_refuses_an_empty_registry(db: None, settings: Settings) -> None:
    settings.DEBUG = True
    with pytest.raises(DemoRefused, match="import-registry"):
        load_demo()


def test_demo_creates_one_user_per_role_with_the_documented_organisations(demo_db: DemoData) -> None:
    roles = dict(Membership.objects.values_list("user__username", "role"))
    assert roles["koordination"] == "coordinator"
    assert roles["pirna-koordination"] == "municipal_coordinator"
    assert roles["plauen-koordination"] == "municipal_coordinator"
    assert roles["pd-dresden"] == "police_contact"
    assert len(set(roles.values())) == 9  # every role of the platform
    pirna = Organisation.objects.get(name="Stadt Pirna")
    assert pirna.municipality is not None and pirna.municipality.ags == "14628270" and pirna.is_synthetic
    assert SiteState.load().demo_loaded_at is not None


def test_demo_is_idempotent_and_deterministic(demo_db: DemoData, settings: Settings) -> None:
    settings.DEBUG = True
    first = demo_db.logins  # the session's first load
    events = AuditEvent.objects.count()
    second = load_demo()
    assert first == second
    assert AuditEvent.objects.count() == events  # nothing changed, nothing recorded
    assert User.objects.count() == len(USERS) + len(COACHES)  # the alliance demo adds the coach pool


def test_demo_logins_work_with_password_totp_and_api_token(demo_db: DemoData, settings: Settings,
                                                           client: Client) -> None:
    settings.DEBUG = True
    logins = {login["username"]: login for login in demo_db.logins}
    assert client.post("/konto/anmelden/", {"username": "koordination", "password": DEMO_PASSWORD}).status_code == 302
    device = TOTPDevice.objects.get(user__username="koordination")
    assert logins["koordination"]["totp_secret"] == totp_secret_base32("koordination")
    response = client.post("/konto/zweiter-faktor/", {"otp_token": f"{totp(device.bin_key):06d}"})
    assert response.status_code == 302
    assert client.get("/protokoll/").status_code == 200
    api = Client().get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {logins['pd-dresden']['api_token']}")
    assert api.status_code == 200 and api.json()["username"] == "pd-dresden"


def test_demo_command_prints_logins_and_tokens(demo_db: DemoData, settings: Settings,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    settings.DEBUG = True
    call_command("demo")  # loads again (nothing changes) and prints
    out = capsys.readouterr().out
    assert "kommunalschutz-demo" in out and "pirna-koordination" in out and "ks_demo_" in out
    assert "TOTP-Geheimnis" in out


def test_rerunning_demo_restores_a_deactivated_account_and_its_password(demo_db: DemoData, settings: Settings) -> None:
    settings.DEBUG = True
    User.objects.filter(username="coach").update(is_active=False)
    user = User.objects.get(username="coach")
    user.set_password("something else entirely")
    user.save()
    load_demo()
    user.refresh_from_db()
    assert user.is_active and user.check_password(DEMO_PASSWORD)
    summaries = set(AuditEvent.objects.filter(object_type="accounts.user", object_id=str(user.pk))
                    .values_list("summary", flat=True))
    assert {"account created", "account reactivated", "password set"} <= summaries
