from django.urls import path

from kommunalschutz.alliance.engagements import views

app_name = "engagements"

urlpatterns = [
    path("", views.engagement_list, name="engagement_list"),
    path("neu/<slug:offer>/", views.engagement_create, name="engagement_create"),
    path("<int:pk>/", views.engagement_detail, name="engagement_detail"),
    path("<int:pk>/bearbeiten/", views.engagement_edit, name="engagement_edit"),
    path("<int:pk>/aufgaben/neu/", views.task_add, name="task_add"),
    path("<int:pk>/aufgaben/<int:task_pk>/erledigt/", views.task_complete, name="task_complete"),
    path("<int:pk>/sitzungen/neu/", views.session_add, name="session_add"),
    path("<int:pk>/abschluss/", views.coaching_close, name="coaching_close"),
    path("<int:pk>/phasen/<int:phase_pk>/", views.phase_edit, name="phase_edit"),
    path("<int:pk>/entscheidung/", views.funding_decide, name="funding_decide"),
    path("<int:pk>/verwendungsnachweis/", views.funding_report, name="funding_report"),
    path("katalog/", views.offer_list, name="offer_list"),
    path("katalog/neu/", views.offer_create, name="offer_create"),
    path("katalog/<int:pk>/", views.offer_edit, name="offer_edit"),
    path("coaching/", views.coaching_list, name="coaching_list"),
    path("coaches/", views.coach_list, name="coach_list"),
    path("coaches/neu/", views.coach_create, name="coach_create"),
    path("coaches/<int:pk>/", views.coach_edit, name="coach_edit"),
]
