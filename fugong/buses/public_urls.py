"""Pages anyone may open without logging in: the verification of a commuter-bus letter."""

from django.urls import path

from fugong.buses import public_views

app_name = "buses_public"

urlpatterns = [
    path("letter/<slug:token>/", public_views.verify, name="verify"),
]
