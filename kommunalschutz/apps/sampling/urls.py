"""URLs of the sampling app."""

from django.urls import URLPattern

app_name = "sampling"

urlpatterns: list[URLPattern] = []
