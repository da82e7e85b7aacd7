from django.urls import path

from . import credential_views, role_views, views

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
]
