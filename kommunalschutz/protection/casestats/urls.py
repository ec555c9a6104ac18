from django.urls import path

from kommunalschutz.protection.casestats import views

app_name = "casestats"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("tabelle/<slug:table>.<str:fmt>", views.export, name="export"),
]
