"""Pages anyone may open without logging in: the verification of a notice by its QR code."""

from django.urls import path

from fugong.resumption import public_views

app_name = "public"

urlpatterns = [
    path("<slug:token>/", public_views.verify, name="verify"),
]
