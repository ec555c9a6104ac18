import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kommunalschutz.config.settings")
application = get_wsgi_application()

# A worker loads this module before it accepts requests (gunicorn and runserver alike): load matplotlib
# and its fonts now, or the first page with a chart waits seconds for it (decision 0024).
from kommunalschutz.foundation.core.charts import warm_up  # noqa: E402 - after Django is set up

warm_up()
