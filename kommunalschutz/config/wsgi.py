import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kommunalschutz.config.settings")
application = get_wsgi_application()

# A worker loads this module before it accepts requests (gunicorn and runserver alike). Do the slow first
# steps now, not in the first visitor's request (decision 0024): import every view and the API (Django
# resolves the URLconf lazily) and load matplotlib with its fonts (seconds in a cold process).
from django.urls import get_resolver  # noqa: E402 - after Django is set up

from kommunalschutz.foundation.core.charts import warm_up  # noqa: E402

get_resolver().url_patterns  # noqa: B018 - the property imports the URLconf
warm_up()
