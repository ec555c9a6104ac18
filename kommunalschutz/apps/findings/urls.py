"""URLs of the findings app."""

from django.urls import URLPattern

from kommunalschutz.apps.findings import report_urls

app_name = "findings"

urlpatterns: list[URLPattern] = []
urlpatterns += report_urls.urlpatterns
