"""Pages anyone may open without logging in: send a tip (举报) and look one up by its tracking
code. The CAPTCHA's pictures (django-simple-captcha, drawn on this server) are under
/tips/captcha/ (``apps.py``: its URL names are global, as its widget reverses them)."""

from django.urls import path

from fugong.cases import tip_views

app_name = "tips"

urlpatterns = [
    path("", tip_views.public_new, name="new"),
    path("done/", tip_views.public_done, name="done"),
    path("lookup/", tip_views.public_lookup, name="lookup"),
]
