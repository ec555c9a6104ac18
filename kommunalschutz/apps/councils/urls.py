from django.urls import path  # noqa: F401

from kommunalschutz.apps.councils import views  # noqa: F401

app_name = "councils"

urlpatterns: list[object] = []
