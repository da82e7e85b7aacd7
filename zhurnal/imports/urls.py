from django.urls import path

from . import views

app_name = "imports"
urlpatterns = [
    path("", views.index, name="index"),
    path("upload/", views.upload, name="upload"),
    path("template/<str:kind>.<str:fmt>", views.template, name="template"),
    path("<int:batch_id>/", views.batch, name="batch"),
    path("<int:batch_id>/commit/", views.commit, name="commit"),
]
