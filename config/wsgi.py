import os

from django.core.wsgi import get_wsgi_application

# A bare `gunicorn config.wsgi:application` is production; `fugong serve` passes its own choice.
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.prod")
application = get_wsgi_application()
