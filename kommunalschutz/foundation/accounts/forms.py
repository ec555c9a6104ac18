"""Forms of the accounts app. They validate input; writes happen in services."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib.auth import authenticate
from django.contrib.auth import forms as auth_forms
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from kommunalschutz.foundation.accounts import services, throttle
from kommunalschutz.foundation.accounts.models import Office, Organisation, Role, User
from kommunalschutz.foundation.core.collation import german
from kommunalschutz.foundation.registry.models import District, Municipality, PoliceDirectorate, StateAuthority

NON_FIELD_ERRORS_ID = "form-errors"


class DescribedErrorsMixin:
    """Point the given fields' aria-describedby at the form-wide error message too.

    Django links each field to its own errors; a login failure is an error of the whole
    form, and a screen reader in the password field should still hear it.
    """

    described_fields: tuple[str, ...] = ()

    def link_form_errors(self) -> None:
        form: Any = self
        if not form.non_field_errors():
            return
        for name in self.described_fields:
            bound = form[name]
            own = bound.aria_describedby
            form.fields[name].widget.attrs["aria-describedby"] = " ".join(filter(None, [NON_FIELD_ERRORS_ID, own]))
            form.fields[name].widget.attrs["aria-invalid"] = "true"


class LoginForm(DescribedErrorsMixin, forms.Form):
    username = forms.CharField(
        label=_("Username or e-mail address"), max_length=254,
        widget=forms.TextInput(attrs={
            "autocomplete": "username", "autocapitalize": "none", "spellcheck": "false",
        }),
    )
    password = forms.CharField(
        label=_("Password"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )
    described_fields = ("username", "password")

    def __init__(self, request: HttpRequest, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.request = request
        self.user: User | None = None
        self.lock: throttle.Lock | None = None
        self.throttle_attempt: throttle.Attempt | None = None  # set when a name and a password were given
        self.slowed_seconds = 0.0

    @property
    def attempted(self) -> bool:
        """A name and a password were given (so this counts as an attempt)."""
        return self.throttle_attempt is not None

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        identifier, password = cleaned.get("username"), cleaned.get("password")
        if not identifier or not password:
            return cleaned
        account = services.find_user_for_login(identifier)
        attempt = self.throttle_attempt = throttle.login_attempt(
            identifier, account, throttle.client_address(self.request))
        # Checked before the password, so a locked name gives away nothing about it. Only this
        # address is refused: the owner elsewhere is never locked out by someone else's guesses.
        self.lock = throttle.check(attempt)
        if self.lock is not None:
            minutes = self.lock.retry_after_minutes
            raise ValidationError(
                ngettext(
                    "Too many failed login attempts from your connection. For your protection, logging in "
                    "from here is blocked for %(minutes)d minute. Please try again later or reset your password.",
                    "Too many failed login attempts from your connection. For your protection, logging in "
                    "from here is blocked for %(minutes)d minutes. Please try again later or reset your password.",
                    minutes,
                ) % {"minutes": minutes},
                code="throttled",
            )
        # Many failures from elsewhere only slow the check down; they never refuse it.
        self.slowed_seconds = throttle.slow_down(attempt)
        username = account.get_username() if account else identifier
        user = authenticate(self.request, username=username, password=password)
        if not isinstance(user, User):
            raise ValidationError(
                _("The username, e-mail address or password is not correct. Please check your entries."),
                code="invalid_login",
            )
        self.user = user
        return cleaned

    def full_clean(self) -> None:
        super().full_clean()
        self.link_form_errors()


class TokenForm(forms.Form):
    """A six-digit code from an authenticator app (field named as in django-otp's own forms)."""

    otp_token = forms.CharField(
        label=_("Six-digit code"), max_length=16,
        help_text=_("The code your authenticator app currently shows for this platform."),
        widget=forms.TextInput(attrs={
            "autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True, "size": 8,
        }),
    )

    def clean_otp_token(self) -> str:
        token = "".join(str(self.cleaned_data["otp_token"]).split())
        if len(token) != 6 or not token.isdigit():
            raise ValidationError(_("Please enter the six digits of the code."), code="format")
        return token


class PasswordResetForm(auth_forms.PasswordResetForm):
    email = forms.EmailField(
        label=_("E-mail address"), max_length=254, widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )

    def get_users(self, email: str) -> Any:
        # Unlike Django's default, accounts still without a password are included: they were
        # created by an administrator, and this is how their owners recover an expired link.
        wanted = email.casefold()
        return (user for user in User.objects.filter(email__iexact=email, is_active=True)
                if user.email.casefold() == wanted)

    def save(self, *args: Any, **kwargs: Any) -> None:
        """Queue the e-mails instead of sending them in the request.

        Sending takes time only when the address exists; doing it in the background keeps
        the response time from telling whether it does.
        """
        from kommunalschutz.foundation.accounts.tasks import send_account_email

        request: HttpRequest = kwargs["request"]
        email = self.cleaned_data["email"]
        # Limited per (mailbox, client), per client and per mailbox (throttle.reset_mail_allowed), so
        # the form cannot flood a mailbox while the owner can always reset. Past a limit nothing is
        # sent, and the page still looks the same, so the limit reveals nothing about the address.
        if not throttle.reset_mail_allowed(email, throttle.client_address(request)):
            return
        site_url = request.build_absolute_uri("/")
        for user in self.get_users(email):
            send_account_email(user.pk, site_url, "reset")


if TYPE_CHECKING:
    _SetPasswordBase = auth_forms.SetPasswordForm[User]
else:  # Django's forms are not subscriptable at runtime
    _SetPasswordBase = auth_forms.SetPasswordForm


class SetPasswordForm(_SetPasswordBase):
    """Django's form (validators, autocomplete="new-password"); the view saves through services."""


class PasswordChangeForm(auth_forms.PasswordChangeForm):
    """Asks for the current password first, so an unattended session cannot take over the account."""


class TokenCreateForm(forms.Form):
    name = forms.CharField(
        label=_("Name"), max_length=100,
        help_text=_("What the token is for, e.g. the programme or server that uses it."),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    days = forms.IntegerField(
        label=_("Valid for (days)"), min_value=1, max_value=services.MAX_TOKEN_DAYS,
        widget=forms.NumberInput(attrs={"autocomplete": "off", "inputmode": "numeric"}),
    )


def _current_municipalities() -> Any:
    return Municipality.objects.filter(valid_until__isnull=True).only("pk", "name", "ags").order_by(
        *german("name"), "ags")


class MunicipalityChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.name} ({obj.ags})"


class OrganisationForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200, widget=forms.TextInput(attrs={"autocomplete": "off"}))
    kind = forms.ChoiceField(label=_("Type"), choices=Organisation.Kind.choices)
    municipality = MunicipalityChoiceField(
        label=_("Municipality"), queryset=Municipality.objects.none(), required=False,
        help_text=_("Required for organisations of the type municipality."),
    )
    district = forms.ModelChoiceField(
        label=_("District"), queryset=District.objects.order_by(*german("name")), required=False,
        help_text=_("Required for organisations of the type district."),
    )
    police_directorate = forms.ModelChoiceField(
        label=_("Police directorate"), queryset=PoliceDirectorate.objects.order_by(*german("name")), required=False,
        help_text=_("Required for organisations of the type police directorate."),
    )
    authority = forms.ModelChoiceField(
        label=_("State authority"), queryset=StateAuthority.objects.order_by(*german("name")), required=False,
        help_text=_("Required for the LKA; optional for the coordination office."),
    )
    email = forms.EmailField(label=_("E-mail"), required=False,
                             widget=forms.EmailInput(attrs={"autocomplete": "email"}))
    phone = forms.CharField(label=_("Phone"), max_length=50, required=False,
                            widget=forms.TextInput(attrs={"autocomplete": "tel"}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Evaluated per form, not at import, so a registry import shows up without a restart.
        self.fields["municipality"].queryset = _current_municipalities()  # type: ignore[attr-defined]


class MemberForm(forms.Form):
    email = forms.EmailField(
        label=_("E-mail address"), widget=forms.EmailInput(attrs={"autocomplete": "off"}),
        help_text=_("If an account with this address exists, the role is added to it."),
    )
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)
    username = forms.CharField(
        label=_("Username"), max_length=150, required=False, widget=forms.TextInput(attrs={"autocomplete": "off"}),
        help_text=_("Only for a new account: the name used to log in."),
    )
    first_name = forms.CharField(label=_("First name"), max_length=150, required=False,
                                 widget=forms.TextInput(attrs={"autocomplete": "off"}))
    last_name = forms.CharField(label=_("Last name"), max_length=150, required=False,
                                widget=forms.TextInput(attrs={"autocomplete": "off"}))


class OfficeForm(forms.Form):
    office = forms.ChoiceField(
        label=_("Office or mandate"), required=False, widget=forms.RadioSelect,
        choices=[("", _("none or not stated")), *Office.choices],
        help_text=_("Your own reports of incidents take it as the role of the affected person, so the report "
                    "does not ask for it. You can still correct it in a single report."),
    )
