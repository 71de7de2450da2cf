from django.contrib.auth import views as auth_views
from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/", views.PasswordChangeView.as_view(), name="password_change"),
    path("language/", views.set_language, name="set_language"),
    path("", views.account_list, name="list"),
    path("<int:pk>/reveal/", views.account_reveal, name="reveal"),
    path("personal-data/rekey/", views.personal_data_rekey, name="rekey"),
    path("<int:pk>/second-factor/reset/", views.second_factor_reset, name="second_factor_reset"),
    path("security/", views.account_security, name="security"),
    path("second-factor/", views.second_factor, name="second_factor"),
    path("second-factor/setup/", views.second_factor_setup, name="second_factor_setup"),
    path("second-factor/setup/qr.svg", views.second_factor_qr, name="second_factor_qr"),
    path("tokens/", views.token_list, name="tokens"),
    path("tokens/<int:pk>/revoke/", views.token_revoke, name="token_revoke"),
]
