"""Pages anyone may open without logging in: the published random draws (双随机、一公开).
Registered in apps.py: ``registry.add_urls("open/inspections/", ..., order=470)``."""

from django.urls import path

from fugong.inspections import public_views

app_name = "open_draws"

urlpatterns = [
    path("", public_views.draw_list, name="list"),
    path("<int:pk>/", public_views.draw_detail, name="detail"),
    path("<int:pk>/record.json", public_views.draw_record, name="record"),
]
