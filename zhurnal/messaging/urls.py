from django.urls import path

from . import views

app_name = "messaging"

urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("new/", views.new, name="new"),
    path("unread/", views.unread_badge, name="unread_badge"),
    path("<int:thread_id>/", views.thread, name="thread"),
    path("attachments/<int:attachment_id>/", views.attachment, name="attachment"),
    path("announcements/", views.announcements, name="announcements"),
    path("announcements/new/", views.announce, name="announce"),
    path(
        "announcements/attachments/<int:attachment_id>/",
        views.announcement_attachment,
        name="announcement_attachment",
    ),
]
