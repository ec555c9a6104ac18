from django.urls import path

from kommunalschutz.foundation.accounts import views

app_name = "accounts"

urlpatterns = [
    path("anmelden/", views.login_view, name="login"),
    path("abmelden/", views.logout_view, name="logout"),
    path("sso/anmelden/", views.sso_start, name="sso_start"),
    path("sso/rueckkehr/", views.sso_callback, name="sso_callback"),
    path("zweiter-faktor/", views.otp_verify, name="otp_verify"),
    path("zweiter-faktor/einrichten/", views.otp_setup, name="otp_setup"),
    path("zweiter-faktor/qr.svg", views.otp_qr, name="otp_qr"),
    path("passwort-vergessen/", views.password_reset, name="password_reset"),
    path("passwort-vergessen/gesendet/", views.password_reset_done, name="password_reset_done"),
    path("passwort-neu/<uidb64>/<token>/", views.password_reset_confirm, name="password_reset_confirm"),
    path("passwort-neu/fertig/", views.password_reset_complete, name="password_reset_complete"),
    path("profil/", views.profile, name="profile"),
    path("passwort-aendern/", views.password_change, name="password_change"),
    path("tokens/", views.token_list, name="token_list"),
    path("tokens/<int:pk>/widerrufen/", views.token_revoke, name="token_revoke"),
    path("organisationen/", views.organisation_list, name="organisation_list"),
    path("organisationen/neu/", views.organisation_create, name="organisation_create"),
    path("organisationen/<int:pk>/", views.organisation_detail, name="organisation_detail"),
    path("organisationen/<int:pk>/mitglieder/neu/", views.membership_add, name="membership_add"),
    path("organisationen/<int:pk>/mitglieder/<int:membership_pk>/entfernen/", views.membership_remove,
         name="membership_remove"),
    path("personen/<int:pk>/zweiter-faktor-zuruecksetzen/", views.second_factor_reset,
         name="second_factor_reset"),
    path("personen/<int:pk>/status/", views.account_status, name="account_status"),
    path("personen/<int:pk>/amt/", views.office_edit, name="office_edit"),
]
