"""The public job board, without login (/open/jobs/)."""

from django.urls import path

from fugong.vacancies import public_views

app_name = "jobs_public"
urlpatterns = [
    path("", public_views.board, name="list"),
    path("<int:pk>/", public_views.detail, name="detail"),
]
