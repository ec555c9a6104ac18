from django.urls import path

from kommunalschutz.protection.evidence import views

app_name = "evidence"

urlpatterns = [
    path("fall/<int:pk>/", views.case_evidence, name="case_evidence"),
    path("fall/<int:pk>/beweismittelpaket/", views.evidence_package, name="evidence_package"),
    path("fall/<int:pk>/beweismittelpaket/<int:run_pk>/datei/", views.evidence_package_download,
         name="evidence_package_download"),
    path("<int:pk>/original/", views.download_original, name="download_original"),
]
