"""Deterministic demo data: organisations and one user per role.

Everything is derived from fixed seeds, so every `kommunalschutz demo` run gives the
same logins, second-factor secrets and API tokens, and running it twice changes nothing.
Demo data is for trying the platform out: it refuses to load with DEBUG off unless forced.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from kommunalschutz.foundation.core import audit, states
from kommunalschutz.foundation.core.models import SiteState

DEMO_PASSWORD = "kommunalschutz-demo"  # noqa: S105 - published on purpose, demo only
SEED = "kommunalschutz-demo-2026"
DEMO_STATE_KEY = "14"  # the demo's people and places are Saxon: it loads into a Saxon installation only


class DemoRefused(Exception):
    """Demo data would be loaded into what looks like a production installation."""


@dataclass(frozen=True)
class DemoOrganisation:
    key: str
    kind: str
    name: str
    municipality_ags: str = ""
    district_ags: str = ""
    police_directorate_code: str = ""
    authority_code: str = ""


@dataclass(frozen=True)
class DemoUser:
    username: str
    first_name: str
    last_name: str
    role: str
    organisation: str
    office: str = ""  # accounts.models.Office: what the person's own reports take as their role


ORGANISATIONS = [
    DemoOrganisation("office", "coordination_office", "Koordinierungsstelle der Allianz (Landespräventionsrat)",
                     authority_code="koordinierungsstelle"),
    DemoOrganisation("pirna", "municipality", "Stadt Pirna", municipality_ags="14628270"),
    DemoOrganisation("plauen", "municipality", "Stadt Plauen", municipality_ags="14523320"),
    DemoOrganisation("bannewitz", "municipality", "Gemeinde Bannewitz", municipality_ags="14628050"),
    DemoOrganisation("pd_dresden", "police_directorate", "Polizeidirektion Dresden",
                     police_directorate_code="pd-dresden"),
    DemoOrganisation("lka", "lka", "Landeskriminalamt Sachsen", authority_code="lka"),
    DemoOrganisation("coaching", "coaching_institute", "Coaching-Institut (Demo)"),
    DemoOrganisation("analysis", "analysis_contractor", "Institut für Sicherheitsanalysen (Demo)"),
    DemoOrganisation("counselling", "counselling_partner", "Beratungsstelle (Demo)"),
]

USERS = [
    DemoUser("koordination", "Karin", "Koordinatorin", "coordinator", "office"),
    DemoUser("pirna-koordination", "Paul", "Pirnaer", "municipal_coordinator", "pirna"),
    DemoUser("pirna-buergermeisterin", "Birgit", "Bürgermeisterin", "official", "pirna", office="mayor"),
    DemoUser("pd-dresden", "Dirk", "Polizeikontakt", "police_contact", "pd_dresden"),
    DemoUser("lka-schutz", "Lena", "Schutzbeamtin", "protection_officer", "lka"),
    DemoUser("coach", "Claudia", "Coach", "coach", "coaching"),
    DemoUser("analyse", "Anton", "Analyst", "analyst", "analysis"),
    DemoUser("pruefung", "Petra", "Prüferin", "auditor", "office"),
    DemoUser("plauen-koordination", "Peter", "Plauener", "municipal_coordinator", "plauen"),
    DemoUser("admin", "Ada", "Administratorin", "administrator", "office"),
    DemoUser("bannewitz-koordination", "Berit", "Bannewitzer", "municipal_coordinator", "bannewitz"),
]


def _derive(purpose: str, username: str, length: int) -> bytes:
    return hashlib.sha256(f"{SEED}:{purpose}:{username}".encode()).digest()[:length]


def totp_key_hex(username: str) -> str:
    return _derive("totp", username, 20).hex()


def totp_secret_base32(username: str) -> str:
    """The secret as authenticator apps want it."""
    return base64.b32encode(bytes.fromhex(totp_key_hex(username))).decode("ascii").rstrip("=")


def api_token(username: str) -> str:
    return "ks_demo_" + base64.urlsafe_b64encode(_derive("token", username, 24)).decode("ascii").rstrip("=")


def check_allowed(*, force: bool) -> None:
    if not settings.DEBUG and not force:
        raise DemoRefused(gettext(
            "Demo data is refused with DEBUG off: this looks like a production installation. "
            "Use --force-demo if you really want demo users with published passwords here."
        ))


@transaction.atomic
def load_demo(*, force: bool = False) -> list[dict[str, Any]]:
    """Create (or restore) the demo organisations and users; return their logins."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from kommunalschutz.foundation.accounts import services as account_services
    from kommunalschutz.foundation.accounts.models import APIToken, Membership, Organisation, User
    from kommunalschutz.foundation.accounts.services import hash_token
    from kommunalschutz.foundation.registry.models import Municipality, PoliceDirectorate, StateAuthority

    check_allowed(force=force)
    package = states.current()
    if package.key != DEMO_STATE_KEY:
        # Its organisations, people, cases and surveys are Pirna's, Plauen's and Bannewitz's.
        raise DemoRefused(gettext(
            "The demo data is set in Saxony (Pirna, Plauen, Bannewitz); this installation is set up for "
            "%(state)s. Load the demo in an installation for Saxony (KOMMUNALSCHUTZ_STATE=sn).")
            % {"state": package.name})
    if not Municipality.objects.filter(ags="14628270").exists():
        raise DemoRefused(gettext("The registry is empty: run `kommunalschutz import-registry` first."))

    organisations: dict[str, Organisation] = {}
    for spec in ORGANISATIONS:
        links: dict[str, Any] = {}
        if spec.municipality_ags:
            links["municipality"] = Municipality.objects.get(ags=spec.municipality_ags)
        if spec.police_directorate_code:
            links["police_directorate"] = PoliceDirectorate.objects.get(code=spec.police_directorate_code)
        if spec.authority_code:
            links["authority"] = StateAuthority.objects.filter(code=spec.authority_code).first()
        org, created = Organisation.objects.get_or_create(
            name=spec.name, defaults={"kind": spec.kind, "is_synthetic": True, **links}
        )
        if created:
            audit.record_create(actor=None, obj=org, summary="demo data")
        organisations[spec.key] = org

    logins: list[dict[str, Any]] = []
    expires = timezone.now() + dt.timedelta(days=365)
    for person in USERS:
        # Accounts are created, reactivated and given the demo password through the accounts services,
        # which validate and audit; only what must be deterministic (keys, tokens) is written here.
        user = User.objects.filter(username=person.username).first()
        if user is None:
            user = account_services.create_user(
                actor=None, username=person.username, email=f"{person.username}@demo.kommunalschutz.invalid",
                first_name=person.first_name, last_name=person.last_name,
            )
        if not user.is_active:
            account_services.set_account_active(actor=None, user=user, active=True)
        if not user.check_password(DEMO_PASSWORD):
            account_services.set_password(actor=None, user=user, password=DEMO_PASSWORD)
        if user.office != person.office:
            user = account_services.set_office(actor=None, user=user, office=person.office)
        membership, m_created = Membership.objects.get_or_create(
            user=user, organisation=organisations[person.organisation], role=person.role
        )
        if m_created:
            audit.record_create(actor=None, obj=membership, summary="demo data")
        user = User.objects.get(pk=user.pk)  # fresh role cache
        secret = ""
        if user.needs_second_factor:
            device, d_created = TOTPDevice.objects.update_or_create(
                user=user, name="demo", defaults={"key": totp_key_hex(person.username), "confirmed": True}
            )
            if d_created:
                audit.record(actor=None, action="create", obj=device, changes={}, summary="demo second factor")
            secret = totp_secret_base32(person.username)
        token = api_token(person.username)
        token_obj, t_created = APIToken.objects.update_or_create(
            token_hash=hash_token(token),
            defaults={"user": user, "name": "Demo", "prefix": token[:12], "expires_at": expires, "revoked_at": None},
        )
        if t_created:
            audit.record_create(actor=None, obj=token_obj, summary="demo token")
        logins.append({"username": person.username, "password": DEMO_PASSWORD, "role": person.role,
                       "organisation": organisations[person.organisation].name, "totp_secret": secret,
                       "api_token": token})

    from kommunalschutz.demo.alliance import load_alliance_demo

    load_alliance_demo()

    from kommunalschutz.demo.protection import load_protection_demo

    load_protection_demo()

    from kommunalschutz.demo.surveys import load_survey_demo

    load_survey_demo()

    from kommunalschutz.demo.officials import load_officials_demo

    load_officials_demo()
    from kommunalschutz.demo.situation import load_situation_demo

    load_situation_demo()

    state = SiteState.load()
    if state.demo_loaded_at is None:
        before = audit.snapshot(state, ["demo_loaded_at"])
        state.demo_loaded_at = timezone.now()
        state.save(update_fields=["demo_loaded_at"])
        audit.record_update(actor=None, obj=state, before=before, summary="demo data loaded")
    return logins
