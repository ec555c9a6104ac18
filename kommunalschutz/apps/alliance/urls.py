from django.urls import path  # noqa: F401

from kommunalschutz.apps.alliance import views  # noqa: F401

app_name = "alliance"

urlpatterns: list[object] = []
