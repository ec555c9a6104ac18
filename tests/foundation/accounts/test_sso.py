"""Single sign-on with OpenID Connect against a real provider (tests/oidc/provider.mjs, the npm package
oidc-provider), driven by a real HTTP client through Django's live server: the provider's login page is
filled in and every redirect followed, as a browser would."""

from __future__ import annotations

import json
from collections.abc import Iterator
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urljoin

import pytest
import requests
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from kommunalschutz.foundation.accounts import oidc
from kommunalschutz.foundation.accounts.models import Membership, Organisation, Role, SignOnIdentity, User
from kommunalschutz.foundation.core.models import AuditEvent
from tests.conftest import PASSWORD
from tests.factories import MembershipFactory, MunicipalityFactory, OrganisationFactory, UserFactory
from tests.foundation.accounts.otp import totp
from tests.oidc.provider import CLIENT_SECRET, RunningProvider, running_provider

pytestmark = pytest.mark.once  # what it checks does not depend on the suite's database: CI runs it once

MAPPING = [
    {"group": "ks-koordination", "organisation": "Koordinierungsstelle", "role": "coordinator"},
    {"group": "ks-kommune-pirna", "organisation": "Stadt Pirna", "role": "municipal_coordinator"},
    {"group": "ks-kommune-plauen", "organisation": "Stadt Plauen", "role": "municipal_coordinator"},
    {"group": "ks-polizei-dresden", "organisation": "PD Dresden", "role": "police_contact"},
]


@pytest.fixture(scope="module")
def provider(live_server: Any) -> Iterator[RunningProvider]:
    """One provider process for the module; it knows the live server's callback and logout addresses."""
    with running_provider(redirect_uri=live_server.url + reverse("accounts:sso_callback"),
                          post_logout_redirect_uri=live_server.url + reverse("core:home")) as running:
        yield running


@pytest.fixture
def organisations(transactional_db: None) -> dict[str, Organisation]:
    from tests.factories import PoliceDirectorateFactory

    pirna = MunicipalityFactory.create(ags="14628270", name="Pirna, Stadt")
    plauen = MunicipalityFactory.create(ags="14523320", name="Plauen, Stadt")
    return {
        "coordination": OrganisationFactory.create(kind=Organisation.Kind.COORDINATION_OFFICE,
                                                   name="Koordinierungsstelle"),
        "pirna": OrganisationFactory.create(kind=Organisation.Kind.MUNICIPALITY, name="Stadt Pirna",
                                            municipality=pirna),
        "plauen": OrganisationFactory.create(kind=Organisation.Kind.MUNICIPALITY, name="Stadt Plauen",
                                             municipality=plauen),
        "police": OrganisationFactory.create(
            kind=Organisation.Kind.POLICE_DIRECTORATE, name="PD Dresden",
            police_directorate=PoliceDirectorateFactory.create(code="pd-dresden", name="Polizeidirektion Dresden")),
        "analysis": OrganisationFactory.create(kind=Organisation.Kind.ANALYSIS_CONTRACTOR, name="Analyse-Institut"),
    }


@pytest.fixture
def sso(settings: Any, provider: RunningProvider, organisations: dict[str, Organisation]) -> RunningProvider:
    """The platform configured for the test provider, its endpoints from the provider's discovery document."""
    settings.OIDC_ISSUER = provider.issuer
    settings.OIDC_CLIENT_ID = "ks-app"
    settings.OIDC_CLIENT_SECRET = CLIENT_SECRET
    settings.OIDC_SCOPES = "openid email profile groups"
    settings.OIDC_ROLE_MAPPING = json.dumps(MAPPING)
    settings.OIDC_LINK_BY_EMAIL = False
    settings.LOCAL_LOGIN = True
    # The live server speaks plain HTTP; a browser treats localhost as secure and still sends secure cookies,
    # the HTTP client here does not.
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = False
    oidc.forget_discovery()
    return provider


class _Forms(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict[str, Any]] = []
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {key: value or "" for key, value in attrs}
        if tag == "form":
            self.forms.append({"action": values.get("action", ""), "id": values.get("id", ""), "fields": {}})
        elif tag == "input" and self.forms and values.get("name"):
            self.forms[-1]["fields"][values["name"]] = values.get("value", "")
        elif tag == "a" and values.get("href"):
            self.links.append(values["href"])


def _parse(html: str) -> _Forms:
    parser = _Forms()
    parser.feed(html)
    return parser


def _start(http: requests.Session, live_server: Any, next_url: str = "") -> requests.Response:
    """Open the login page and press its single sign-on button."""
    page = http.get(live_server.url + reverse("accounts:login") + (f"?next={next_url}" if next_url else ""))
    assert page.status_code == 200
    start = next(link for link in _parse(page.text).links if link.startswith(reverse("accounts:sso_start")))
    return http.get(urljoin(page.url, start))


def sign_in(http: requests.Session, live_server: Any, login: str, next_url: str = "") -> requests.Response:
    """The whole sign-on: the platform sends the browser to the provider, the person signs in there, the
    provider sends the browser back; returns the platform's last answer."""
    at_provider = _start(http, live_server, next_url)
    assert at_provider.status_code == 200, at_provider.text
    form = _parse(at_provider.text).forms[0]
    assert "/interaction/" in form["action"]
    return http.post(urljoin(at_provider.url, form["action"]), data={"login": login, "password": "test"})


def _signed_in(http: requests.Session, live_server: Any) -> bool:
    profile = http.get(live_server.url + reverse("accounts:profile"), allow_redirects=False)
    return profile.status_code == 200


def test_a_coordinator_signs_in_and_lands_in_the_mapped_role(sso: RunningProvider, live_server: Any) -> None:
    http = requests.Session()
    landed = sign_in(http, live_server, "anna.koordination")
    # The provider's sign-in was multi-factor (amr otp), so the coordinator's second factor is satisfied:
    # straight to the start page, no code asked.
    assert landed.status_code == 200, list(AuditEvent.objects.values_list("summary", flat=True))
    assert landed.url == live_server.url + reverse("core:home")
    user = User.objects.get(email="anna.koordination@lds.example")
    assert (user.first_name, user.last_name) == ("Anna", "Koordination")
    assert not user.has_usable_password()
    assert set(user.memberships.values_list("organisation__name", "role")) == {
        ("Koordinierungsstelle", Role.COORDINATOR)}
    assert SignOnIdentity.objects.get(user=user).issuer == sso.issuer
    profile = http.get(live_server.url + reverse("accounts:profile"))
    assert profile.status_code == 200
    assert "Koordination (Koordinierungsstelle)" in profile.text
    # A page only the coordination office sees.
    assert http.get(live_server.url + reverse("accounts:organisation_list")).status_code == 200
    summaries = list(AuditEvent.objects.filter(actor=user, action=AuditEvent.Action.LOGIN)
                     .values_list("summary", flat=True))
    assert any("single sign-on" in s and "multi-factor at the identity provider" in s for s in summaries)
    assert AuditEvent.objects.filter(object_type="accounts.membership", action=AuditEvent.Action.CREATE,
                                     summary__contains="ks-koordination").exists()


def test_the_start_page_continues_to_the_page_asked_for(sso: RunningProvider, live_server: Any) -> None:
    http = requests.Session()
    target = reverse("accounts:profile")
    landed = sign_in(http, live_server, "mara.pirna", next_url=target)
    assert landed.url == live_server.url + target, list(AuditEvent.objects.values_list("summary", flat=True))
    assert "Kommunale Koordination" in landed.text


def test_memberships_follow_the_groups_at_every_sign_on(sso: RunningProvider, live_server: Any,
                                                         organisations: dict[str, Organisation]) -> None:
    mara = UserFactory.create(username="mara", email="mara.pirna@pirna.example")
    SignOnIdentity.objects.create(user=mara, issuer=sso.issuer, subject="mara.pirna")
    # Plauen is in the mapping and her groups no longer name it: removed. The analyst role was given by hand
    # in a pair the mapping never names: it stays.
    MembershipFactory.create(user=mara, organisation=organisations["plauen"], role=Role.MUNICIPAL_COORDINATOR)
    MembershipFactory.create(user=mara, organisation=organisations["analysis"], role=Role.ANALYST)
    landed = sign_in(requests.Session(), live_server, "mara.pirna")
    assert landed.url == live_server.url + reverse("core:home")
    assert set(Membership.objects.filter(user=mara).values_list("organisation__name", "role")) == {
        ("Stadt Pirna", Role.MUNICIPAL_COORDINATOR), ("Analyse-Institut", Role.ANALYST)}
    assert User.objects.filter(email="mara.pirna@pirna.example").count() == 1
    assert AuditEvent.objects.filter(object_type="accounts.membership", action=AuditEvent.Action.DELETE).exists()


def test_a_person_without_a_mapped_group_is_refused_and_no_account_made(sso: RunningProvider,
                                                                         live_server: Any) -> None:
    http = requests.Session()
    refused = sign_in(http, live_server, "otto.ohnerolle")
    assert refused.status_code == 403
    assert "keine Rolle auf dieser Plattform" in refused.text
    assert not User.objects.filter(email="otto.ohnerolle@lds.example").exists()
    assert not _signed_in(http, live_server)
    assert AuditEvent.objects.filter(action=AuditEvent.Action.LOGIN_FAILED,
                                     summary__contains="no group maps to a role").exists()


def test_an_id_token_for_another_audience_is_refused(sso: RunningProvider, live_server: Any, settings: Any) -> None:
    settings.OIDC_CLIENT_ID = "ks-app-foreign-aud"  # the provider signs its ID tokens for "another-app"
    http = requests.Session()
    refused = sign_in(http, live_server, "mara.pirna")
    assert refused.status_code == 403
    assert "nicht für diese Plattform ausgestellt" in refused.text
    assert not _signed_in(http, live_server)
    assert not User.objects.filter(email="mara.pirna@pirna.example").exists()
    assert AuditEvent.objects.filter(action=AuditEvent.Action.LOGIN_FAILED,
                                     summary__contains="another audience").exists()


def test_an_expired_id_token_is_refused(sso: RunningProvider, live_server: Any, settings: Any) -> None:
    settings.OIDC_CLIENT_ID = "ks-app-expired"  # the provider issues its ID tokens already expired
    http = requests.Session()
    refused = sign_in(http, live_server, "mara.pirna")
    assert refused.status_code == 403
    assert "abgelaufen" in refused.text
    assert not _signed_in(http, live_server)
    assert AuditEvent.objects.filter(action=AuditEvent.Action.LOGIN_FAILED,
                                     summary__contains="ID token expired").exists()


def test_a_police_contact_signed_in_with_mfa_needs_no_code_here(sso: RunningProvider, live_server: Any) -> None:
    http = requests.Session()
    landed = sign_in(http, live_server, "paul.polizei")
    assert landed.url == live_server.url + reverse("core:home")
    assert _signed_in(http, live_server)
    user = User.objects.get(email="paul.polizei@polizei.example")
    assert user.role_set == {Role.POLICE_CONTACT}


def test_a_police_contact_without_mfa_and_without_a_local_factor_is_refused(sso: RunningProvider,
                                                                            live_server: Any) -> None:
    http = requests.Session()
    refused = sign_in(http, live_server, "petra.polizei")
    assert refused.status_code == 403
    assert "zweiten Faktor" in refused.text
    assert not _signed_in(http, live_server)
    assert AuditEvent.objects.filter(action=AuditEvent.Action.LOGIN_FAILED,
                                     summary__contains="not multi-factor").exists()
    # Refused before anything was written: no account, identity or membership, nor their trail entries.
    assert not User.objects.filter(email="petra.polizei@polizei.example").exists()
    assert not SignOnIdentity.objects.exists()
    assert not AuditEvent.objects.filter(summary__contains="account created at single sign-on").exists()
    # Again: still refused, still nothing made.
    assert sign_in(requests.Session(), live_server, "petra.polizei").status_code == 403
    assert not User.objects.filter(email="petra.polizei@polizei.example").exists()


def _known_account(sso: RunningProvider, subject: str, email: str, **fields: Any) -> User:
    """A local account already linked to the provider's ``subject``."""
    user = UserFactory.create(username=subject.split(".")[0], email=email, **fields)
    SignOnIdentity.objects.create(user=user, issuer=sso.issuer, subject=subject)
    return user


def _refused(live_server: Any, subject: str, reason: str) -> None:
    """The provider's sign-on of ``subject`` ends in the German refusal page naming ``reason``, signed out."""
    http = requests.Session()
    refused = sign_in(http, live_server, subject)
    assert refused.status_code == 403
    assert reason in refused.text
    assert not _signed_in(http, live_server)


def test_an_existing_police_contact_without_mfa_and_without_a_local_factor_is_refused_and_kept(
        sso: RunningProvider, live_server: Any, organisations: dict[str, Organisation]) -> None:
    petra = _known_account(sso, "petra.polizei", "petra.polizei@polizei.example")
    _refused(live_server, "petra.polizei", "zweiten Faktor")
    # The account stays and follows the provider's groups; only the session is refused.
    petra.refresh_from_db()
    assert petra.is_active
    assert Membership.objects.filter(user=petra, role=Role.POLICE_CONTACT).exists()


def test_a_police_contact_without_mfa_is_asked_for_the_local_code(sso: RunningProvider, live_server: Any,
                                                                  organisations: dict[str, Organisation]) -> None:
    petra = _known_account(sso, "petra.polizei", "petra.polizei@polizei.example")
    MembershipFactory.create(user=petra, organisation=organisations["police"], role=Role.POLICE_CONTACT)
    device = TOTPDevice.objects.create(user=petra, name="phone", confirmed=True)
    http = requests.Session()
    asked = sign_in(http, live_server, "petra.polizei")
    assert asked.status_code == 200
    assert asked.url.startswith(live_server.url + reverse("accounts:otp_verify"))
    # Signed in, but nothing beyond the code prompt until the code is given.
    assert http.get(live_server.url + reverse("accounts:profile"), allow_redirects=False).status_code == 302
    form = _parse(asked.text).forms[-1]
    fields = {**form["fields"], "otp_token": totp(device.key)}
    landed = http.post(asked.url, data=fields, headers={"Referer": asked.url})
    assert landed.url == live_server.url + reverse("core:home")
    assert _signed_in(http, live_server)


def test_a_deactivated_account_is_refused(sso: RunningProvider, live_server: Any,
                                          organisations: dict[str, Organisation]) -> None:
    mara = _known_account(sso, "mara.pirna", "mara.pirna@pirna.example", is_active=False)
    _refused(live_server, "mara.pirna", "deaktiviert")
    assert not Membership.objects.filter(user=mara).exists()


def test_an_existing_local_account_is_linked_by_e_mail_only_when_allowed(
        sso: RunningProvider, live_server: Any, settings: Any) -> None:
    lena = UserFactory.create(username="lena", email="Lena.Lokal@pirna.example")
    refused = sign_in(requests.Session(), live_server, "lena.lokal")
    assert refused.status_code == 403
    assert "existiert bereits ein Konto" in refused.text
    assert not SignOnIdentity.objects.exists()

    settings.OIDC_LINK_BY_EMAIL = True
    landed = sign_in(requests.Session(), live_server, "lena.lokal")
    assert landed.url == live_server.url + reverse("core:home")
    identity = SignOnIdentity.objects.get(subject="lena.lokal")
    assert identity.user_id == lena.pk
    lena.refresh_from_db()
    assert lena.has_usable_password()  # her password login stays as it was
    assert lena.role_set == {Role.MUNICIPAL_COORDINATOR}


def test_logout_ends_the_session_here_and_at_the_provider(sso: RunningProvider, live_server: Any) -> None:
    http = requests.Session()
    sign_in(http, live_server, "mara.pirna")
    assert _signed_in(http, live_server)
    logout_page = http.get(live_server.url + reverse("accounts:logout"))
    form = _parse(logout_page.text).forms[-1]
    at_provider = http.post(live_server.url + reverse("accounts:logout"), data=form["fields"],
                            headers={"Referer": logout_page.url})
    # The platform's session is gone before the provider even answers.
    assert not _signed_in(http, live_server)
    assert at_provider.url.startswith(sso.issuer)
    confirm = next(f for f in _parse(at_provider.text).forms if f["id"] == "op.logoutForm")
    back = http.post(urljoin(at_provider.url, confirm["action"]), data={**confirm["fields"], "logout": "yes"})
    assert back.url == live_server.url + reverse("core:home")
    events = requests.get(sso.issuer + "/_test/events", timeout=10).json()
    assert {"event": "end_session.success", "client": "ks-app"} in events
    # The provider's session ended too: signing on again asks for name and password at the provider.
    again = _start(http, live_server)
    assert again.url.startswith(sso.issuer + "/interaction/")
    assert "password" in _parse(again.text).forms[0]["fields"]


def test_local_login_can_be_switched_off(sso: RunningProvider, live_server: Any, settings: Any) -> None:
    local = UserFactory.create(username="lokal", email="lokal@pirna.example")
    settings.LOCAL_LOGIN = False
    http = requests.Session()
    page = http.get(live_server.url + reverse("accounts:login"))
    assert "Mit dem Konto Ihrer Verwaltung anmelden" in page.text
    assert 'name="password"' not in page.text
    form_token = http.cookies.get("csrftoken")
    refused = http.post(live_server.url + reverse("accounts:login"), data={
        "username": local.username, "password": PASSWORD, "csrfmiddlewaretoken": form_token,
    }, headers={"Referer": page.url})
    assert refused.status_code == 403
    assert "Anmeldung mit Passwort ist auf dieser Plattform abgeschaltet" in refused.text
    assert not _signed_in(http, live_server)
    # No password can be set either: it could not be used.
    assert http.get(live_server.url + reverse("accounts:password_reset")).status_code == 404
    # Single sign-on still works.
    assert sign_in(http, live_server, "mara.pirna").url == live_server.url + reverse("core:home")


def test_the_login_page_offers_single_sign_on_only_when_configured(client: Any, settings: Any, db: None) -> None:
    settings.OIDC_ISSUER = ""
    page = client.get(reverse("accounts:login"))
    assert "Mit dem Konto Ihrer Verwaltung anmelden" not in page.content.decode()
    assert client.get(reverse("accounts:sso_start")).status_code == 404
    settings.OIDC_ISSUER = "https://idp.example"
    settings.OIDC_CLIENT_ID = "ks-app"
    page = client.get(reverse("accounts:login"))
    assert "Mit dem Konto Ihrer Verwaltung anmelden" in page.content.decode()
    assert 'name="password"' in page.content.decode()


@pytest.mark.parametrize(("text", "message"), [
    ('[{"group": "g", "organisation": "O", "role": "emperor"}]', "unknown role"),
    ('[{"group": "g"}]', "needs group, organisation and role"),
    ("not json = [ nor toml", "neither JSON nor TOML"),
])
def test_a_broken_mapping_is_named(settings: Any, text: str, message: str) -> None:
    settings.OIDC_ROLE_MAPPING = text
    with pytest.raises(ImproperlyConfigured, match=message):
        oidc.role_mapping()


def test_the_mapping_may_be_toml(settings: Any) -> None:
    settings.OIDC_ROLE_MAPPING = (
        '[[rules]]\ngroup = "ks-koordination"\norganisation = "Koordinierungsstelle"\nrole = "coordinator"\n')
    assert oidc.role_mapping() == (oidc.MappingRule("ks-koordination", "Koordinierungsstelle", "coordinator"),)


@pytest.mark.parametrize(("claims", "expected"), [
    ({"amr": ["pwd", "otp"]}, True),
    ({"amr": ["pwd", "hwk"]}, True),
    ({"amr": ["pwd"]}, False),
    ({"acr": "urn:example:loa:high"}, True),
    ({"acr": "urn:example:loa:low"}, False),
    ({}, False),
])
def test_multi_factor_by_amr_or_acr(settings: Any, claims: dict[str, Any], expected: bool) -> None:
    settings.OIDC_MFA_ACR = ["urn:example:loa:high"]
    assert oidc.provider_mfa(claims) is expected
