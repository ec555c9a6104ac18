"""URLs of the findings app (/auswertung/)."""

from django.urls import URLPattern, path

from kommunalschutz.surveys.findings import report_urls, views

app_name = "findings"

urlpatterns: list[URLPattern] = [
    path("<int:project_pk>/", views.overview, name="overview"),
    path("<int:project_pk>/gewichtung/", views.weighting, name="weighting"),
    path("<int:project_pk>/ergebnisse-berechnen/", views.compute_results, name="compute_results"),
    path("<int:project_pk>/ergebnisse-berechnen/fortschritt/", views.results_progress, name="results_progress"),
    path("<int:project_pk>/schaetzungen.<str:fmt>", views.export_estimates, name="export_estimates"),
    path("<int:project_pk>/mikrodaten.csv", views.export_microdata, name="export_microdata"),
]
urlpatterns += report_urls.urlpatterns
