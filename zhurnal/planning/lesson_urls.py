from django.urls import path

from .views import lessons

app_name = "lessons"

urlpatterns = [
    path("<int:lesson_id>/", lessons.lesson_page, name="lesson"),
    path("course/<int:course_id>/", lessons.course_lessons, name="course"),
    path(
        "course/<int:course_id>/fulfilment/",
        lessons.course_fulfilment_page,
        name="fulfilment",
    ),
    path("fulfilment/", lessons.fulfilment_overview_page, name="overview"),
]
