from django.urls import path

from . import credential_views, regional_views, role_views, security_views, views

app_name = "accounts"

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("password/", views.PasswordChangeView.as_view(), name="password_change"),
    path("logout-everywhere/", views.logout_everywhere, name="logout_everywhere"),
    path("school/", views.switch_school, name="switch_school"),
    path(
        "classes/<int:class_id>/credentials/",
        credential_views.issue_for_class,
        name="credentials_class",
    ),
    path(
        "people/<str:kind>/<int:person_id>/credentials/",
        credential_views.issue_for_person,
        name="credentials_person",
    ),
    path("staff/<int:staff_id>/roles/", role_views.staff_roles, name="staff_roles"),
    path(
        "staff/<int:staff_id>/second-factor/",
        security_views.staff_second_factor,
        name="staff_second_factor",
    ),
    path("security/", security_views.security, name="security"),
    path("security/second-factor/", security_views.second_factor_setup, name="second_factor"),
    path(
        "security/second-factor/off/",
        security_views.second_factor_off,
        name="second_factor_off",
    ),
    path("security/recovery-codes/", security_views.recovery_codes, name="recovery_codes"),
    path(
        "security/regional/<int:identity_id>/unlink/",
        security_views.identity_unlink,
        name="identity_unlink",
    ),
    path("second-factor/", security_views.second_factor_verify, name="second_factor_verify"),
    path("sign-in/", security_views.sign_in_settings, name="sign_in_settings"),
    path("regional/", regional_views.RegionalStartView.as_view(), name="regional_start"),
    path("regional/callback/", regional_views.RegionalCallbackView.as_view(), name="oidc_callback"),
    path("regional/link/", regional_views.regional_link, name="regional_link"),
]
