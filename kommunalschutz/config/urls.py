from django.urls import include, path

from kommunalschutz.config.api import api

urlpatterns = [
    path("api/v1/", api.urls),
    path("konto/", include("kommunalschutz.apps.accounts.urls")),
    path("register/", include("kommunalschutz.apps.registry.urls")),
    path("", include("kommunalschutz.core.urls")),
]
