from django.urls import path

from kommunalschutz.protection.cases import views

app_name = "cases"

urlpatterns = [
    path("", views.case_list, name="case_list"),
    path("meine-meldungen/", views.my_reports, name="my_reports"),
    path("eingang/", views.dashboard, name="dashboard"),
    path("benachrichtigungen/", views.notifications, name="notifications"),
    path("benachrichtigungen/alle-gelesen/", views.notifications_read_all, name="notifications_read_all"),
    path("benachrichtigungen/<int:pk>/", views.notification_open, name="notification_open"),
    path("benachrichtigungen/<int:pk>/gelesen/", views.notification_read, name="notification_read"),
    path("<int:pk>/", views.case_detail, name="case_detail"),
    path("<int:pk>/annehmen/", views.case_acknowledge, name="case_acknowledge"),
    path("<int:pk>/zustaendig/", views.case_owner, name="case_owner"),
    path("<int:pk>/team/", views.case_team_add, name="case_team_add"),
    path("<int:pk>/team/<int:member_id>/entfernen/", views.case_team_remove, name="case_team_remove"),
    path("<int:pk>/status/", views.case_status, name="case_status"),
    path("<int:pk>/nachricht/", views.case_message, name="case_message"),
    path("<int:pk>/antwort/", views.case_reply, name="case_reply"),
    path("<int:pk>/aufgaben/", views.case_task, name="case_task"),
    path("<int:pk>/aufgaben/<int:task_id>/erledigt/", views.case_task_done, name="case_task_done"),
    path("<int:pk>/verknuepfen/", views.case_link, name="case_link"),
    path("<int:pk>/abschliessen/", views.case_close, name="case_close"),
    path("<int:pk>/wiedereroeffnen/", views.case_reopen, name="case_reopen"),
    path("<int:pk>/vorfall/", views.incident_edit, name="incident_edit"),
]
