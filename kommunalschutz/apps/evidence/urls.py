from django.urls import path

from kommunalschutz.apps.evidence import views

app_name = "evidence"

urlpatterns = [
    path("fall/<int:pk>/", views.case_evidence, name="case_evidence"),
]
