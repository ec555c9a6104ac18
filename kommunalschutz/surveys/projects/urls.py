"""Survey URLs under /befragungen/: projects (the hub of a survey) and the questionnaire builder.

The practice project's tools under /befragungen/<pk>/demo/ are in this namespace too, but belong to the
apps whose data they make (sampling.urls, responses.urls); config/urls.py mounts them here.
"""

from django.urls import path

from kommunalschutz.surveys.projects import views

app_name = "surveys"

Q = "<int:pk>/fragebogen/<int:version>/"

urlpatterns = [
    path("", views.project_list, name="list"),
    path("neu/", views.project_create, name="create"),
    path("<int:pk>/", views.project_detail, name="detail"),
    path("<int:pk>/bearbeiten/", views.project_edit, name="edit"),
    path("<int:pk>/wappen/", views.crest_upload, name="crest_upload"),
    path("<int:pk>/wappen/bild/", views.crest_image, name="crest_image"),
    path("<int:pk>/wappen/entfernen/", views.crest_remove, name="crest_remove"),
    path("<int:pk>/feldphase/beginn/", views.field_start, name="field_start"),
    path("<int:pk>/feldphase/ende/", views.field_end, name="field_end"),
    path("<int:pk>/fragebogen/neu/", views.questionnaire_new, name="questionnaire_new"),
    path(Q, views.questionnaire_detail, name="questionnaire"),
    path(Q + "bearbeiten/", views.questionnaire_edit, name="questionnaire_edit"),
    path(Q + "neue-version/", views.questionnaire_copy, name="questionnaire_copy"),
    path(Q + "pdf/", views.questionnaire_pdf, name="questionnaire_pdf"),
    path(Q + "pdf/<int:run_pk>/datei/", views.questionnaire_pdf_download, name="questionnaire_pdf_download"),
    path(Q + "fragen/aus-der-fragenbank/", views.item_add_bank, name="item_add_bank"),
    path(Q + "fragen/neu/", views.item_add, name="item_add"),
    path(Q + "fragen/<int:item_pk>/bearbeiten/", views.item_edit, name="item_edit"),
    path(Q + "fragen/<int:item_pk>/verschieben/", views.item_move, name="item_move"),
    path(Q + "fragen/<int:item_pk>/loeschen/", views.item_delete, name="item_delete"),
]
