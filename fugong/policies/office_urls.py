"""The office's policy pages (the catalog is everyone's; enterprises see its published part)."""

from django.urls import path

from fugong.policies import views

urlpatterns = [
    path("", views.policy_list, name="list"),
    path("new/", views.policy_new, name="policy_new"),
    path("match/", views.match_all, name="match_all"),
    path("<int:pk>/", views.policy_detail, name="policy"),
    path("<int:pk>/edit/", views.policy_edit, name="policy_edit"),
    path("<int:pk>/publish/", views.policy_publish, name="policy_publish"),
    path("<int:pk>/withdraw/", views.policy_withdraw, name="policy_withdraw"),
    path("<int:pk>/benefits/new/", views.benefit_new, name="benefit_new"),
    path("benefits/<int:pk>/", views.benefit_detail, name="benefit"),
    path("benefits/<int:pk>/edit/", views.benefit_edit, name="benefit_edit"),
    path("benefits/<int:pk>/delete/", views.benefit_delete, name="benefit_delete"),
    path("benefits/<int:pk>/grant/", views.benefit_grant, name="benefit_grant"),
    path("benefits/<int:pk>/confirm/", views.benefit_confirm, name="benefit_confirm"),
    path("claims/", views.claim_list, name="claims"),
    path("claims/<int:pk>/", views.claim_detail, name="claim"),
    path("claims/<int:pk>/step/", views.claim_step, name="claim_step"),
    path("claims/files/<int:pk>/", views.claim_file, name="claim_file"),
    path("payments/", views.payment_list, name="payments"),
]
