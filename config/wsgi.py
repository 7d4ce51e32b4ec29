import os

from django.core.wsgi import get_wsgi_application

# A bare `gunicorn config.wsgi:application` is production; `fugong serve` passes its own choice.
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.prod")
django_application = get_wsgi_application()

from fugong.core.fastlane import FastLane  # noqa: E402 - after Django is set up

# The few hot API calls' common case answered in front of Django (fugong/core/fastlane.py).
application = FastLane(django_application)
