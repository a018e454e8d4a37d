import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "otop_portal.settings")
application = get_wsgi_application()
# What is loaded so far (Django, the apps, their modules: ~115,000 objects) lives as long as the
# worker: frozen, the collector's full passes do not walk it on every request that triggers
# one (a full pass took ~75 ms here; docs/performance.md, issue 13).
gc.freeze()
