"""URLs of the officials' survey: the waves under /amtstraeger-befragung/, the questionnaire under
/umfrage/amt/ (in the "officials_answer" namespace; /umfrage/ is kept out of the access logs, and an open
link's token is in its path)."""

from django.urls import URLPattern, path

from kommunalschutz.surveys.officials import views

app_name = "officials"

urlpatterns: list[URLPattern] = [
    path("", views.wave_list, name="list"),
    path("neu/", views.wave_create, name="create"),
    path("<int:pk>/", views.wave_detail, name="detail"),
    path("<int:pk>/aktion/<slug:action>/", views.wave_action, name="action"),
    path("<int:pk>/rolle/", views.head_role, name="head_role"),
    path("<int:pk>/liste/", views.list_upload, name="list_upload"),
    path("<int:pk>/liste/<int:upload_pk>/entfernen/", views.list_remove, name="list_remove"),
    path("<int:pk>/link/", views.link_create, name="link_create"),
    path("<int:pk>/link/<int:link_pk>/", views.link_detail, name="link"),
    path("<int:pk>/link/<int:link_pk>/sperren/", views.link_revoke, name="link_revoke"),
    path("<int:pk>/ergebnisse/", views.wave_results, name="results"),
    path("<int:pk>/freitext/", views.texts_review, name="texts"),
]

answer_urlpatterns: list[URLPattern] = [
    path("", views.answer_start, name="start"),
    path("absenden/", views.answer_submit, name="submit"),
    path("link/<str:token>/", views.answer_link, name="link"),
    path("danke/", views.answer_done, name="done"),
]
