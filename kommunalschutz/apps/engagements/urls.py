from django.urls import path  # noqa: F401

from kommunalschutz.apps.engagements import views  # noqa: F401

app_name = "engagements"

urlpatterns: list[object] = []
