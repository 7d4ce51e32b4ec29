from django.urls import path

from fugong.accounts import views

app_name = "accounts"

urlpatterns = [
    path("account/login/", views.LoginView.as_view(), name="login"),
    path("account/logout/", views.LogoutView.as_view(), name="logout"),
    path("account/login-log/", views.login_log, name="login_log"),
    path("account/password/", views.PasswordChangeView.as_view(), name="password_change"),
    path("account/tokens/", views.api_tokens, name="api_tokens"),
    path("account/tokens/<int:pk>/revoke/", views.api_token_revoke_view, name="api_token_revoke"),
    path("account/tokens/revoke-mine/", views.api_tokens_revoke_mine, name="api_tokens_revoke"),
    path("jurisdictions/", views.jurisdictions, name="jurisdictions"),
]
