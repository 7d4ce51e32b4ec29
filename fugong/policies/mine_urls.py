"""The enterprise's pages (政策找企业): its benefits and why, its policy facts, its claims."""

from django.urls import path

from fugong.policies import mine_views

urlpatterns = [
    path("mine/", mine_views.mine, name="mine"),
    path("mine/facts/", mine_views.facts, name="facts"),
    path("benefits/<int:benefit_pk>/claim/", mine_views.claim_new, name="claim_new"),
    path("claims/<int:pk>/edit/", mine_views.claim_edit, name="claim_edit"),
]
