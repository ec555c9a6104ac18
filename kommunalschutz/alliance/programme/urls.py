from django.urls import path

from kommunalschutz.alliance.programme import views

app_name = "alliance"

urlpatterns = [
    path("", views.record_list, name="record_list"),
    path("mitglieder/", views.members, name="members"),
    path("gemeinden/<str:ags>/", views.municipality_record, name="municipality_record"),
    path("kreise/<str:ags>/", views.district_record, name="district_record"),
    path("schritte/<int:pk>/loeschen/", views.transition_delete, name="transition_delete"),
    # ags: 8 digits for a municipality, 5 for a district.
    path("vereinbarungen/neu/<str:ags>/", views.agreement_create, name="agreement_create"),
    path("vereinbarungen/<int:pk>/", views.agreement_detail, name="agreement_detail"),
    path("vereinbarungen/<int:pk>/bearbeiten/", views.agreement_edit, name="agreement_edit"),
    path("vereinbarungen/<int:pk>/unterzeichnen/", views.agreement_sign, name="agreement_sign"),
    path("vereinbarungen/<int:pk>/dokument/hochladen/", views.agreement_document_upload,
         name="agreement_document_upload"),
    path("vereinbarungen/<int:pk>/beenden/", views.agreement_terminate, name="agreement_terminate"),
    path("vereinbarungen/<int:pk>/ueberpruefungen/neu/", views.review_add, name="review_add"),
    path("ueberpruefungen/<int:pk>/abschliessen/", views.review_complete, name="review_complete"),
    path("vereinbarungen/<int:pk>/vereinbarung.pdf", views.agreement_document, name="agreement_document"),
    path("vereinbarungen/<int:pk>/entwurf.pdf", views.agreement_draft_pdf, name="agreement_draft_pdf"),
]
