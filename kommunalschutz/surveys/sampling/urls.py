"""URLs of the sampling app (mounted under /stichprobe/)."""

from django.urls import path

from kommunalschutz.surveys.sampling import views

app_name = "sampling"

urlpatterns = [
    path("<int:project_pk>/", views.overview, name="overview"),
    path("<int:project_pk>/melderegister/", views.upload, name="upload"),
    path("<int:project_pk>/melderegister/<int:pk>/spalten/", views.mapping, name="mapping"),
    path("<int:project_pk>/melderegister/<int:pk>/bericht/", views.report, name="report"),
    path("<int:project_pk>/melderegister/<int:pk>/bericht.csv", views.report_csv, name="report_csv"),
    path("<int:project_pk>/melderegister/<int:pk>/loeschen/", views.extract_delete, name="extract_delete"),
    path("<int:project_pk>/ziehen/", views.draw, name="draw"),
    path("<int:project_pk>/anschreiben/", views.letters, name="letters"),
    path("<int:project_pk>/erinnerungen/", views.reminders, name="reminders"),
    path("<int:project_pk>/erinnerungen/<int:round_>/", views.reminders_again, name="reminders_again"),
    path("<int:project_pk>/druckdatei/<int:pk>/", views.rendering, name="rendering"),
    path("<int:project_pk>/ruecklauf/", views.tracking, name="tracking"),
    path("<int:project_pk>/ruecklauf/<int:number>/", views.member_detail, name="member_detail"),
    path("<int:project_pk>/adressen-loeschen/", views.addresses_delete, name="addresses_delete"),
]

# The practice project's synthetic register, mounted under /befragungen/ in the "surveys" namespace
# (config/urls.py) next to the project page that offers it.
practice_urlpatterns = [
    path("<int:pk>/demo/melderegister.csv", views.practice_register, name="demo_register"),
]
