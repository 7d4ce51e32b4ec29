from django.urls import path

from fugong.accounts import views

app_name = "accounts"

urlpatterns = [
    path("account/login/", views.LoginView.as_view(), name="login"),
    path("account/logout/", views.LogoutView.as_view(), name="logout"),
    path("account/login-log/", views.login_log, name="login_log"),
    path("account/password/", views.PasswordChangeView.as_view(), name="password_change"),
    path("jurisdictions/", views.jurisdictions, name="jurisdictions"),
]
