from django.urls import path  # noqa: F401

from kommunalschutz.apps.insights import views  # noqa: F401

app_name = "insights"

urlpatterns: list[object] = []
