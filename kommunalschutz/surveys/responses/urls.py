"""URLs of the responses app (mounted at /umfrage/; kept out of the access logs, see docs/deployment.md)."""

from django.urls import URLPattern, path

from kommunalschutz.surveys.responses import views

app_name = "responses"

urlpatterns: list[URLPattern] = [
    path("", views.start, name="start"),
    path("weiter/", views.resume, name="resume"),
    path("seite/<int:number>/", views.page, name="page"),
    path("absenden/", views.submit, name="submit"),
    path("danke/", views.done, name="done"),
    path("erfassung/<int:project_pk>/", views.entry, name="entry"),
    path("erfassung/<int:project_pk>/abgleich/<int:number>/", views.compare, name="compare"),
]

# The practice project's simulated answers, mounted under /befragungen/ in the "surveys" namespace
# (config/urls.py) next to the project page that offers them.
practice_urlpatterns: list[URLPattern] = [
    path("<int:pk>/demo/antworten-simulieren/", views.practice_simulate, name="demo_simulate"),
]
