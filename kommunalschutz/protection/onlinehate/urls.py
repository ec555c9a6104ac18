from django.urls import path

from kommunalschutz.protection.onlinehate import views

app_name = "onlinehate"

urlpatterns = [
    path("fall/<int:pk>/import/", views.import_page, name="import"),
    path("fall/<int:pk>/import/<int:import_pk>/spalten/", views.mapping, name="mapping"),
    path("fall/<int:pk>/import/<int:import_pk>/verwerfen/", views.discard, name="discard"),
    path("fall/<int:pk>/sichtung/", views.triage, name="triage"),
    path("fall/<int:pk>/sichtung/<int:item_pk>/entscheidung/", views.decide, name="decide"),
    path("fall/<int:pk>/sichtung/neu-einordnen/", views.rank, name="rank"),
    path("fall/<int:pk>/sichtung/trainingsdaten/", views.corrections, name="corrections"),
]
