"""Survey URLs (none yet)."""

from django.urls import URLPattern

app_name = "surveys"

urlpatterns: list[URLPattern] = []
