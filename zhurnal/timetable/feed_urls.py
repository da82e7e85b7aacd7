"""Calendar (.ics) feeds: the pages that manage the secret addresses, and the feed itself."""

from django.urls import path

from . import feed_views

app_name = "feeds"
urlpatterns = [
    path("", feed_views.index, name="index"),
    path("classes/<int:class_id>/", feed_views.class_feed, name="class"),
    path("<slug:token>.ics", feed_views.ics, name="ics"),
]
