"""The lessons' records against the plan and programme fulfilment, mounted at /lessons/."""

from django.urls import path

from .views import fulfilment, topics

app_name = "lessons"

urlpatterns = [
    path("<int:lesson_id>/", topics.lesson_page, name="lesson"),
    path("course/<int:course_id>/", topics.course_lessons, name="course"),
    path(
        "course/<int:course_id>/fulfilment/",
        fulfilment.course_fulfilment_page,
        name="fulfilment",
    ),
    path("fulfilment/", fulfilment.fulfilment_overview_page, name="overview"),
]
