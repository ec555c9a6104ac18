from django.urls import path

from kommunalschutz.alliance.events import views

app_name = "events"

# The fixed words before the slug patterns are reserved (services.RESERVED_SLUGS).
urlpatterns = [
    path("", views.event_list, name="event_list"),
    path("neu/", views.event_create, name="event_create"),
    path("meine/", views.my_events, name="my_events"),
    path("abmeldung/<str:token>/", views.public_cancel, name="public_cancel"),
    path("<slug:slug>/", views.event_detail, name="event_detail"),
    path("<slug:slug>/bearbeiten/", views.event_edit, name="event_edit"),
    path("<slug:slug>/veroeffentlichen/", views.event_publish, name="event_publish"),
    path("<slug:slug>/absagen/", views.event_cancel, name="event_cancel"),
    path("<slug:slug>/neuer-link/", views.regenerate_link, name="regenerate_link"),
    path("<slug:slug>/einladen/", views.invite, name="invite"),
    path("<slug:slug>/teilnehmende/", views.attendee_list, name="attendee_list"),
    path("<slug:slug>/teilnehmende.<str:fmt>", views.attendee_export, name="attendee_export"),
    path("<slug:slug>/teilnehmende/<int:pk>/anwesenheit/", views.attendance, name="attendance"),
    path("<slug:slug>/namensschilder/", views.badges, name="badges"),
    path("<slug:slug>/namensschilder/<int:run_pk>/datei/", views.badges_download, name="badges_download"),
    path("<slug:slug>/anmelden/", views.register, name="register"),
    path("<slug:slug>/abmelden/", views.cancel_my_registration, name="cancel_registration"),
    path("<slug:slug>/anmeldung/<str:token>/", views.public_register, name="public_register"),
]
