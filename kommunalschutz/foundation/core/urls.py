from django.urls import path

from kommunalschutz.foundation.core import views

app_name = "core"

urlpatterns = [
    path("", views.home, name="home"),
    path("impressum/", views.imprint, name="imprint"),
    path("datenschutz/", views.privacy, name="privacy"),
    path("datenquellen/", views.data_sources, name="data_sources"),
    path("protokoll/", views.audit_log, name="audit_log"),
    path("protokoll/export.csv", views.audit_export, name="audit_export"),
    path("protokoll/export/", views.audit_export_start, name="audit_export_start"),
    path("protokoll/<str:object_type>/<str:object_id>/", views.object_history, name="object_history"),
    path("aufgaben/", views.task_list, name="task_list"),
    path("aufgaben/<int:pk>/", views.task_detail, name="task_detail"),
    path("aufgaben/<int:pk>/datei/", views.task_download, name="task_download"),
]
