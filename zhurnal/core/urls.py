from django.urls import path

from . import views

# No namespace: monitoring asks /healthz by its path.
urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    # The user guides (docs/user-guide/), served to signed-in users.
    path("help/", views.help_page, name="help"),
    path("help/<slug:name>/", views.help_page, name="help_guide"),
]
