from django.urls import path

from kommunalschutz.alliance.insights import views

app_name = "insights"

urlpatterns = [
    path("kennzahlen/", views.figures_page, name="figures"),
    path("kennzahlen/zeitreihe.<str:fmt>", views.figures_export, name="figures_export"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("karte/", views.public_map, name="public_map"),
]
