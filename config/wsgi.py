import os

from django.core.exceptions import ImproperlyConfigured
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
application = get_wsgi_application()

# keys that do not open the stored data: refuse to serve (sistra.core.crypto, docs/decisions/0210)
from sistra.core.crypto import check_canary  # noqa: E402

if reason := check_canary():
    raise ImproperlyConfigured(reason)
