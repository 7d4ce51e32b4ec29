"""The published policies, without login (/open/policies/)."""

from django.urls import path

from fugong.policies import public_views

app_name = "policies_public"
urlpatterns = [
    path("", public_views.policy_list, name="list"),
    path("<int:pk>/", public_views.policy_detail, name="policy"),
]
