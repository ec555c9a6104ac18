from django.urls import path

from kommunalschutz.alliance.councils import views

app_name = "councils"

urlpatterns = [
    path("", views.council_list, name="council_list"),
    path("neu/", views.council_create, name="council_create"),
    path("<int:pk>/", views.council_detail, name="council_detail"),
    path("<int:pk>/bearbeiten/", views.council_edit, name="council_edit"),
    path("<int:pk>/aufloesen/", views.council_dissolve, name="council_dissolve"),
    path("<int:pk>/mitglieder/neu/", views.member_add, name="member_add"),
    path("<int:pk>/mitglieder/<int:member_pk>/austritt/", views.member_leave, name="member_leave"),
    path("<int:pk>/sitzungen/neu/", views.meeting_create, name="meeting_create"),
    path("<int:pk>/arbeitsgruppen/neu/", views.working_group_create, name="working_group_create"),
    path("<int:pk>/projekte/neu/", views.project_create, name="project_create"),
    path("sitzungen/<int:pk>/", views.meeting_detail, name="meeting_detail"),
    path("sitzungen/<int:pk>/bearbeiten/", views.meeting_edit, name="meeting_edit"),
    path("sitzungen/<int:pk>/protokoll/", views.meeting_minutes, name="meeting_minutes"),
    path("sitzungen/<int:pk>/anwesenheit/", views.meeting_attendance, name="meeting_attendance"),
    path("sitzungen/<int:pk>/beschluesse/neu/", views.decision_add, name="decision_add"),
    path("arbeitsgruppen/<int:pk>/bearbeiten/", views.working_group_edit, name="working_group_edit"),
    path("projekte/<int:pk>/", views.project_detail, name="project_detail"),
    path("projekte/<int:pk>/bearbeiten/", views.project_edit, name="project_edit"),
    path("projekte/<int:pk>/meilensteine/neu/", views.milestone_add, name="milestone_add"),
    path("meilensteine/<int:pk>/erreicht/", views.milestone_record, name="milestone_record"),
]
