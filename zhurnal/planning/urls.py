from django.urls import path

from .views import plans

app_name = "planning"

urlpatterns = [
    path("", plans.plan_list, name="list"),
    path("new/", plans.plan_create, name="create"),
    path("<int:plan_id>/", plans.plan_detail, name="detail"),
    path("<int:plan_id>/edit/", plans.plan_edit, name="edit"),
    path("<int:plan_id>/items/", plans.plan_items, name="items"),
    path("<int:plan_id>/copy/", plans.plan_copy, name="copy"),
    path("course/<int:course_id>/", plans.course_plan_choice, name="course_plan"),
]
