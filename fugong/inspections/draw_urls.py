"""The office's pages of random draws; included by ``fugong.inspections.urls`` as
``path("draws/", include("fugong.inspections.draw_urls"))`` (names ``inspections:draws:*``)."""

from django.urls import path

from fugong.inspections import draw_views

app_name = "draws"

urlpatterns = [
    path("", draw_views.draw_list, name="list"),
    path("new/", draw_views.draw_new, name="new"),
    path("<int:pk>/", draw_views.draw_detail, name="detail"),
    path("<int:pk>/publish/", draw_views.draw_publish, name="publish"),
    path("<int:pk>/record.json", draw_views.draw_record, name="record"),
]
