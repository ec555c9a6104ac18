from django.urls import path

from kommunalschutz.protection.assessments import views

app_name = "assessments"

urlpatterns = [
    path("fall/<int:pk>/", views.case_assessments, name="case_assessments"),
    path("bewertung/<int:pk>/zweitpruefung/", views.review, name="review"),
]
