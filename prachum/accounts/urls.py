from django.urls import path

from prachum.accounts import invitation_views, operator_views, views

app_name = "accounts"
urlpatterns = [
    path("login/", views.login_view, name="login"),
    path("login/code/", views.second_factor_view, name="second_factor"),
    path("login/code/resend/", views.resend_code_view, name="resend_code"),
    path("login/enrol/", views.enrol_view, name="enrol"),
    path("logout/", views.logout_view, name="logout"),
    path(
        "invitation/<str:token>/",
        invitation_views.invitation_view,
        name="invitation",
    ),
    path("security/", views.security_view, name="security"),
    path("security/authenticator/", views.totp_enrol_view, name="totp_enrol"),
    path("security/recovery-codes/", views.recovery_codes_view, name="recovery_codes"),
    path("people/", operator_views.people_view, name="people"),
    path("people/<uuid:pk>/", operator_views.person_view, name="person"),
    path(
        "people/<uuid:pk>/email/",
        operator_views.person_email_view,
        name="person_email",
    ),
    path(
        "people/<uuid:pk>/<slug:action>/",
        operator_views.person_action_view,
        name="person_action",
    ),
]
