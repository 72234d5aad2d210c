from django.urls import path

from prachum.accounts import views

app_name = "accounts"
urlpatterns = [
    path("login/", views.login_view, name="login"),
    path("login/code/", views.second_factor_view, name="second_factor"),
    path("login/code/resend/", views.resend_code_view, name="resend_code"),
    path("logout/", views.logout_view, name="logout"),
    path("security/", views.security_view, name="security"),
    path("security/authenticator/", views.totp_enrol_view, name="totp_enrol"),
    path("security/recovery-codes/", views.recovery_codes_view, name="recovery_codes"),
]
