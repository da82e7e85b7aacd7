"""Messaging and announcements (issue 5): who may write to whom both ways (DESIGN §4), forged
ids, attachment limits, unread counts, the audience of announcements, the API."""

from __future__ import annotations

import json
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from zhurnal.accounts.context import forget_contexts
from zhurnal.accounts.models import ApiToken, Role
from zhurnal.core.access import require
from zhurnal.messaging import access, queries, rules, services
from zhurnal.messaging.models import (
    Announcement,
    AnnouncementAttachment,
    Message,
    MessageAttachment,
    Scope,
    Thread,
)
from zhurnal.school import models as m

from .factories import GuardianFactory, StudentFactory, UserFactory, enroll, grant
from .personas import build_world

pytestmark = pytest.mark.usefixtures("english")
NOW = datetime(2026, 11, 20, 10, 0, tzinfo=ZoneInfo("Europe/Moscow"))


@pytest.fixture
def world(db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    with time_machine.travel(NOW):
        yield build_world()


def _parent_of(world, student, username):
    """A parent with a login for a student of the world."""
    user = UserFactory(username=username)
    guardian = GuardianFactory(school=world.school, user=user)
    m.StudentGuardian.objects.create(
        school=world.school, student=student, guardian=guardian, relation="father"
    )
    grant(user, world.school, Role.PARENT)
    return user


def _start(world, author, *recipients, **extra):
    """A new conversation as the pages and the API start it: the recipients through the access
    rule (``access.recipients_for``), then the service."""
    user = world.users[author] if isinstance(author, str) else author
    ids = [world.users[r].pk if isinstance(r, str) else r.pk for r in recipients]
    return services.start_thread(
        author=user,
        school=world.school,
        recipients=access.recipients_for(user, world.school, ids),
        subject=extra.pop("subject", "Вопрос"),
        body=extra.pop("body", "Добрый день!"),
        **extra,
    )


def _ids(groups) -> set[int]:
    return {c.user_id for g in groups for c in g.contacts}


# --- the rules, pure ------------------------------------------------------------------------


def test_rules_parent_student_and_staff():
    parent = rules.Reach(
        user_id=1,
        school_id=1,
        is_parent=True,
        teachers=frozenset({10}),
        class_teachers=frozenset({11}),
        administration=frozenset({12}),
    )
    assert rules.may_write_to(parent, 10)
    assert rules.may_write_to(parent, 11)
    assert rules.may_write_to(parent, 12)
    assert not rules.may_write_to(parent, 13)  # another parent, another class's teacher
    assert not rules.may_write_to(parent, 1)  # themself
    student = rules.Reach(
        user_id=2,
        school_id=1,
        is_student=True,
        teachers=frozenset({10}),
        class_teachers=frozenset({11}),
        administration=frozenset({12}),
    )
    assert rules.may_write_to(student, 10) and rules.may_write_to(student, 11)
    assert not rules.may_write_to(student, 12)  # students: teachers and class teacher only
    staff = rules.Reach(user_id=3, school_id=1, is_staff=True, members=frozenset({1, 2, 3, 4}))
    assert rules.may_write_to(staff, 4)
    assert not rules.may_write_to(staff, 99)  # not in the school
    assert rules.refused_recipients(staff, [1, 3, 99]) == {99}


def test_one_family():
    assert rules.one_family({})
    assert rules.one_family({1: frozenset({100})})
    assert rules.one_family({1: frozenset({100}), 2: frozenset({100, 101})})
    assert rules.one_family(
        {1: frozenset({100}), 2: frozenset({101, 102}), 3: frozenset({100, 102})}
    )
    assert not rules.one_family({1: frozenset({100}), 2: frozenset({101})})


def test_announce_rule():
    teacher = rules.Reach(user_id=1, school_id=1, is_staff=True, announce_class_ids=frozenset({5}))
    assert rules.may_announce(teacher, "class", 5)
    assert not rules.may_announce(teacher, "class", 6)
    assert not rules.may_announce(teacher, "school", None)
    head = rules.Reach(user_id=2, school_id=1, is_staff=True, is_administration=True)
    assert rules.may_announce(head, "school", None) and rules.may_announce(head, "parallel", None)


# --- who may write to whom, both ways -------------------------------------------------------


def test_a_parent_writes_to_the_teachers_and_class_teacher_of_their_child_and_the_administration(
    world,
):
    book = queries.address_book(world.users["parent"], world.school)
    ids = _ids(book)
    assert world.users["class_teacher"].pk in ids  # class teacher of 5А, teaches Russian there
    assert {world.users[p].pk for p in ("admin", "director", "deputy")} <= ids
    assert world.users["teacher"].pk not in ids  # teaches 6Б only
    assert world.users["secretary"].pk not in ids
    thread = _start(world, "parent", "class_teacher", "director")
    assert thread.participants.count() == 3


@pytest.mark.parametrize("recipient", ["teacher", "secretary", "student", "outsider"])
def test_a_parent_cannot_write_to_another_class_or_another_family(world, recipient):
    with pytest.raises(Http404):
        _start(world, "parent", recipient)
    other_parent = _parent_of(world, world.older_student, "father_6b")
    with pytest.raises(Http404):
        _start(world, "parent", other_parent)
    assert not Thread.objects.exists()


def test_a_student_writes_to_their_teachers_only(world):
    ids = _ids(queries.address_book(world.users["student"], world.school))
    assert ids == {world.users["teacher"].pk}  # teaches 6Б; 6Б has no class teacher
    for recipient in ("class_teacher", "director", "parent"):
        with pytest.raises(Http404):
            _start(world, "student", recipient)
    world.class_6b.class_teacher = world.class_teacher_staff
    world.class_6b.save()
    student = world.users["student"]
    forget_contexts(student)
    queries.forget_reach(student)
    _start(world, student, "class_teacher")


def test_a_teacher_sees_the_parents_of_their_classes_and_may_write_to_anyone_in_the_school(
    world,
):
    father = _parent_of(world, world.older_student, "father_6b")
    book = queries.address_book(world.users["teacher"], world.school)
    ids = _ids(book)
    assert father.pk in ids and world.users["student"].pk in ids  # 6Б, the class they teach
    assert world.users["parent"].pk not in ids  # 5А: not in their address book …
    assert world.users["director"].pk in ids  # colleagues
    _start(world, "teacher", "parent")  # … but staff may write to anyone in the school
    _start(world, "teacher", father)
    with pytest.raises(Http404):
        _start(world, "teacher", "outsider")
    ct_ids = _ids(queries.address_book(world.users["class_teacher"], world.school))
    assert world.users["parent"].pk in ct_ids


def test_staff_may_not_mix_families_in_one_conversation(world):
    father = _parent_of(world, world.older_student, "father_6b")
    with pytest.raises(ValidationError) as refused:
        _start(world, "director", "parent", father)
    assert refused.value.error_list[0].code == "families"
    mother_and_father = _parent_of(world, world.student, "father_5a")
    _start(world, "class_teacher", "parent", mother_and_father)


def test_a_parent_may_reply_to_whoever_wrote_to_them(world):
    thread = _start(world, "secretary", "parent")  # the parent could not start this one
    own = access.thread_for(world.users["parent"], world.school, thread.pk)
    services.reply(thread=own, author=world.users["parent"], body="Спасибо")
    with pytest.raises(Http404):
        access.thread_for(world.users["teacher"], world.school, thread.pk)


def test_the_permission_names_the_same_rule(world):
    from zhurnal.messaging.rules import Recipient

    parent = world.users["parent"]
    assert parent.has_perm(
        "messaging.write_to", Recipient(world.school, world.users["class_teacher"].pk)
    )
    assert not parent.has_perm(
        "messaging.write_to", Recipient(world.school, world.users["teacher"].pk)
    )
    assert world.users["hr"].has_perm("messaging.write_to", Recipient(world.school, parent.pk))


# --- pages ----------------------------------------------------------------------------------


def test_a_conversation_through_the_pages_with_unread_counts(client, world):
    parent, ct = world.users["parent"], world.users["class_teacher"]
    client.force_login(parent)
    response = client.post(
        reverse("messaging:new"),
        {"recipients": [ct.pk], "subject": "Домашнее задание", "body": "Что задано?"},
    )
    thread = Thread.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("messaging:thread", kwargs={"thread_id": thread.pk})
    assert queries.unread_total(ct, world.school) == 1
    assert queries.unread_total(parent, world.school) == 0
    client.force_login(ct)
    inbox = client.get(reverse("messaging:inbox"))
    assert [row.unread for row in inbox.context["rows"]] == [1]
    # The menu's counter is fetched after the page loads (out of the page's query budget).
    assert reverse("messaging:unread_badge").encode() in inbox.content
    badge = client.get(reverse("messaging:unread_badge"))
    assert badge.content == b'<span class="badge">1</span>'
    assert (
        client.get(reverse("messaging:thread", kwargs={"thread_id": thread.pk})).status_code == 200
    )
    assert queries.unread_total(ct, world.school) == 0
    client.post(
        reverse("messaging:thread", kwargs={"thread_id": thread.pk}), {"body": "§ 12, упр. 3"}
    )
    assert queries.unread_total(parent, world.school) == 1
    assert queries.unread_total(ct, world.school) == 0
    assert Message.objects.filter(thread=thread).count() == 2


@pytest.mark.parametrize("persona", ["teacher", "director", "student", "outsider"])
def test_a_conversation_of_others_is_not_found(client, world, persona):
    thread = _start(world, "class_teacher", "parent")
    client.force_login(world.users[persona])
    url = reverse("messaging:thread", kwargs={"thread_id": thread.pk})
    assert client.get(url).status_code == 404
    assert client.post(url, {"body": "взлом"}).status_code == 404
    assert Message.objects.count() == 1


def test_a_forged_recipient_on_the_page_is_refused(client, world):
    client.force_login(world.users["parent"])
    response = client.post(
        reverse("messaging:new"),
        {"recipients": [world.users["teacher"].pk], "subject": "x", "body": "y"},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["recipients"]
    assert not Thread.objects.exists()


def test_inbox_queries_do_not_grow_with_threads(client, world):
    ct = world.users["class_teacher"]
    client.force_login(ct)
    _start(world, "parent", "class_teacher")
    client.get(reverse("messaging:inbox"))  # warm up the session
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("messaging:inbox"))
    for n in range(8):
        _start(world, "director", "class_teacher", subject=f"Тема {n}")
    with CaptureQueriesContext(connection) as many:
        response = client.get(reverse("messaging:inbox"))
    assert len(response.context["rows"]) == 9
    assert len(many) == len(few)


def test_address_book_queries_are_bounded(world):
    for persona, most in (("parent", 6), ("student", 5), ("class_teacher", 7), ("director", 7)):
        user = world.users[persona]
        with CaptureQueriesContext(connection) as captured:
            queries.address_book(user, world.school)
        assert len(captured) <= most, (persona, [q["sql"] for q in captured])


# --- attachments ----------------------------------------------------------------------------


def _file(name: str, size: int = 10) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"x" * size)


@pytest.mark.parametrize(
    ("files", "code"),
    [
        ([_file("virus.exe")], "file_type"),
        ([_file("scan.pdf", 10 * 1024 * 1024 + 1)], "file_too_big"),
        ([_file(f"p{n}.jpg") for n in range(6)], "too_many_files"),
    ],
)
def test_attachment_limits(world, files, code):
    with pytest.raises(ValidationError) as refused:
        _start(world, "parent", "class_teacher", files=files)
    assert code in {e.code for e in refused.value.error_list}
    assert not Thread.objects.exists()


def test_attachments_are_saved_and_served_to_participants_only(client, world):
    files = [_file("справка.pdf", 100), _file("photo.PNG", 50)]
    thread = _start(world, "parent", "class_teacher", files=files)
    items = list(MessageAttachment.objects.order_by("pk"))
    assert [(a.name, a.size) for a in items] == [("справка.pdf", 100), ("photo.PNG", 50)]
    url = reverse("messaging:attachment", kwargs={"attachment_id": items[0].pk})
    client.force_login(world.users["class_teacher"])
    response = client.get(url)
    assert response.status_code == 200 and b"".join(response.streaming_content) == b"x" * 100
    client.force_login(world.users["teacher"])
    assert client.get(url).status_code == 404
    client.force_login(world.users["class_teacher"])
    page = client.post(
        reverse("messaging:thread", kwargs={"thread_id": thread.pk}),
        {"body": "ответ", "files": [_file("a.exe")]},
    )
    assert page.status_code == 200 and page.context["form"].errors
    assert Message.objects.count() == 1


def test_the_hook_is_called_after_commit(world, monkeypatch, django_capture_on_commit_callbacks):
    posted = []
    monkeypatch.setattr(services, "on_message_posted", posted.append)
    with django_capture_on_commit_callbacks(execute=True):
        _start(world, "parent", "class_teacher")
    assert [m.body for m in posted] == ["Добрый день!"]


# --- announcements --------------------------------------------------------------------------


def _announce(world, author, scope, audience, **target):
    """An announcement as the page publishes it: the rule on the school and on the audience
    (``access.check_audience``), then the service."""
    user = world.users[author]
    require(user, "messaging.announce", world.school)
    access.check_audience(user, world.school, scope, target.get("school_class"))
    return services.announce(
        author=user,
        school=world.school,
        title=f"{scope} {audience}",
        body="Текст",
        scope=scope,
        audience=audience,
        **target,
    )


def _titles(world, persona) -> set[str]:
    return {a.title for a in queries.announcements_for(world.users[persona], world.school)}


def test_announcements_reach_their_audience(world):
    _announce(world, "admin", Scope.CLASS, "parents", school_class=world.class_5a)
    _announce(world, "admin", Scope.CLASS, "both", school_class=world.class_6b)
    _announce(world, "deputy", Scope.PARALLEL, "students", grade_level=world.class_6b.grade_level)
    _announce(world, "director", Scope.PARALLEL, "both", grade_level=world.class_5a.grade_level)
    _announce(world, "director", Scope.SCHOOL, "parents")
    _announce(world, "director", Scope.SCHOOL, "students")
    # The parent's child is in 5А; the student persona in 6Б.
    assert _titles(world, "parent") == {"class parents", "parallel both", "school parents"}
    assert _titles(world, "student") == {"class both", "parallel students", "school students"}
    assert len(_titles(world, "teacher")) == 6  # staff see all


def test_teachers_announce_to_their_classes_only(world):
    _announce(world, "teacher", Scope.CLASS, "both", school_class=world.class_6b)
    _announce(world, "class_teacher", Scope.CLASS, "both", school_class=world.class_5a)
    with pytest.raises(PermissionDenied):
        _announce(world, "teacher", Scope.CLASS, "both", school_class=world.class_5a)
    with pytest.raises(PermissionDenied):
        _announce(world, "teacher", Scope.SCHOOL, "both")
    with pytest.raises(PermissionDenied):
        _announce(world, "secretary", Scope.SCHOOL, "both")
    with pytest.raises(PermissionDenied):
        _announce(world, "parent", Scope.SCHOOL, "both")


def test_announce_page(client, world):
    client.force_login(world.users["class_teacher"])
    url = reverse("messaging:announce")
    response = client.post(
        url,
        {
            "title": "Собрание",
            "body": "В пятницу",
            "scope": "class",
            "school_class": world.class_5a.pk,
            "audience": "parents",
        },
    )
    assert response.status_code == 302
    response = client.post(
        url,
        {
            "title": "Чужой",
            "body": "x",
            "scope": "class",
            "school_class": world.class_6b.pk,
            "audience": "parents",
        },
    )
    assert response.status_code == 200 and response.context["form"].errors
    # A class left unchosen is the form's error to correct, not a refusal.
    response = client.post(
        url, {"title": "Без класса", "body": "x", "scope": "class", "audience": "parents"}
    )
    assert response.status_code == 200 and response.context["form"].errors
    client.force_login(world.users["parent"])
    page = client.get(reverse("messaging:announcements"))
    assert [a.title for a in page.context["rows"]] == ["Собрание"]


def test_announcement_files_are_published_and_served_to_its_audience_only(client, world):
    client.force_login(world.users["class_teacher"])
    url = reverse("messaging:announce")
    form = {
        "title": "Собрание",
        "body": "Повестка во вложении",
        "scope": "class",
        "school_class": world.class_5a.pk,
        "audience": "parents",
    }
    refused = client.post(url, {**form, "files": [_file("run.exe")]})
    assert refused.status_code == 200 and refused.context["form"].errors
    assert not Announcement.objects.exists()  # nothing published, the input kept
    assert refused.context["form"]["title"].value() == "Собрание"
    assert "Attach the files again" in refused.content.decode()

    assert client.post(url, {**form, "files": [_file("повестка.pdf", 64)]}).status_code == 302
    item = AnnouncementAttachment.objects.get()
    assert (item.name, item.size, item.announcement.title) == ("повестка.pdf", 64, "Собрание")
    download = reverse("messaging:announcement_attachment", kwargs={"attachment_id": item.pk})

    client.force_login(world.users["parent"])  # a parent of 5А: the audience
    page = client.get(reverse("messaging:announcements"))
    assert download in page.content.decode()
    response = client.get(download)
    assert response.status_code == 200 and b"".join(response.streaming_content) == b"x" * 64
    # The 6Б student (not the audience) does not get the file; staff read every announcement.
    client.force_login(world.users["student"])
    assert client.get(download).status_code == 404
    client.force_login(world.users["teacher"])
    assert client.get(download).status_code == 200


# --- the API --------------------------------------------------------------------------------


def _api(client, user, method, path, body=None):
    raw = ApiToken.issue(user, "test")[1]
    extra = {"data": json.dumps(body), "content_type": "application/json"} if body else {}
    return client.generic(method, "/api/v1" + path, HTTP_AUTHORIZATION=f"Bearer {raw}", **extra)


def test_api_messages_both_ways(client, world):
    school = world.school.pk
    parent, ct = world.users["parent"], world.users["class_teacher"]
    contacts = _api(client, parent, "GET", f"/schools/{school}/contacts").json()
    ids = {c["id"] for g in contacts for c in g["contacts"]}
    assert ct.pk in ids and world.users["teacher"].pk not in ids
    refused = _api(
        client,
        parent,
        "POST",
        f"/schools/{school}/threads",
        {"recipients": [world.users["teacher"].pk], "subject": "x", "body": "y"},
    )
    assert refused.status_code == 404
    empty = _api(
        client,
        parent,
        "POST",
        f"/schools/{school}/threads",
        {"recipients": [ct.pk], "subject": "x", "body": "  "},
    )
    assert empty.status_code == 422 and empty.json()["code"] == "empty"
    created = _api(
        client,
        parent,
        "POST",
        f"/schools/{school}/threads",
        {"recipients": [ct.pk], "subject": "Оценка", "body": "Почему 3?"},
    )
    assert created.status_code == 201
    thread_id = created.json()["id"]
    listed = _api(client, ct, "GET", f"/schools/{school}/threads").json()
    assert [(t["id"], t["unread"]) for t in listed] == [(thread_id, 1)]
    read = _api(client, ct, "GET", f"/schools/{school}/threads/{thread_id}").json()
    assert [msg["body"] for msg in read["messages"]] == ["Почему 3?"]
    assert _api(client, ct, "GET", f"/schools/{school}/threads").json()[0]["unread"] == 0
    answer = _api(
        client,
        ct,
        "POST",
        f"/schools/{school}/threads/{thread_id}/messages",
        {"body": "Не сдана работа"},
    )
    assert answer.status_code == 201
    assert _api(client, parent, "GET", f"/schools/{school}/threads").json()[0]["unread"] == 1
    for persona in ("teacher", "student"):
        hidden = _api(client, world.users[persona], "GET", f"/schools/{school}/threads/{thread_id}")
        assert hidden.status_code == 404
    outsider = _api(
        client,
        world.users["outsider"],
        "GET",
        f"/schools/{world.other_school.pk}/threads/{thread_id}",
    )
    assert outsider.status_code == 404


def test_api_reply_with_files_and_download_by_participants_only(client, world):
    school = world.school.pk
    parent, ct = world.users["parent"], world.users["class_teacher"]
    thread = _start(world, "parent", "class_teacher")
    url = f"/api/v1/schools/{school}/threads/{thread.pk}/messages/files"
    raw = ApiToken.issue(ct, "test")[1]
    auth = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}

    refused = client.post(url, {"body": "Вот", "files": [_file("virus.exe")]}, **auth)
    assert refused.status_code == 422 and refused.json()["code"] == "file_type"
    assert Message.objects.count() == 1 and not MessageAttachment.objects.exists()

    sent = client.post(
        url, {"body": "Справка во вложении", "files": [_file("справка.pdf", 100)]}, **auth
    )
    assert sent.status_code == 201
    [attachment] = sent.json()["attachments"]
    assert (attachment["name"], attachment["size"]) == ("справка.pdf", 100)
    item = MessageAttachment.objects.get()
    assert attachment["download"] == f"/api/v1/schools/{school}/message-attachments/{item.pk}"
    read = _api(client, parent, "GET", f"/schools/{school}/threads/{thread.pk}").json()
    assert read["messages"][-1]["attachments"] == [attachment]

    downloaded = _api(client, parent, "GET", attachment["download"].removeprefix("/api/v1"))
    assert downloaded.status_code == 200
    assert b"".join(downloaded.streaming_content) == b"x" * 100
    for persona in ("teacher", "student", "director"):
        response = _api(
            client, world.users[persona], "GET", attachment["download"].removeprefix("/api/v1")
        )
        assert response.status_code == 404, persona


def test_api_starts_a_conversation_with_files(client, world):
    school = world.school.pk
    parent, ct = world.users["parent"], world.users["class_teacher"]
    raw = ApiToken.issue(parent, "test")[1]
    auth = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    url = f"/api/v1/schools/{school}/threads/files"
    form = {"recipients": [ct.pk], "subject": "Справка", "body": "Болел с 2 по 5 декабря."}

    refused = client.post(url, {**form, "files": [_file("a.exe")]}, **auth)
    assert refused.status_code == 422 and refused.json()["code"] == "file_type"
    assert not Thread.objects.exists()
    hidden = client.post(
        url, {**form, "recipients": [world.users["teacher"].pk], "files": [_file("a.pdf")]}, **auth
    )
    assert hidden.status_code == 404  # not among the parent's contacts

    created = client.post(url, {**form, "files": [_file("справка.pdf", 20)]}, **auth)
    assert created.status_code == 201
    [message] = created.json()["messages"]
    assert [(a["name"], a["size"]) for a in message["attachments"]] == [("справка.pdf", 20)]
    download = message["attachments"][0]["download"].removeprefix("/api/v1")
    assert _api(client, ct, "GET", download).status_code == 200


def test_a_child_in_another_school_does_not_open_contacts_there(world):
    other_student = StudentFactory(school=world.other_school)
    other_class = m.SchoolClass.objects.create(
        school=world.other_school,
        year=world.other_school.years.get(),
        grade_level=m.GradeLevel.objects.create(school=world.other_school, number=5),
        letter="В",
    )
    enroll(other_student, other_class)
    ids = _ids(queries.address_book(world.users["parent"], world.school))
    assert world.users["outsider"].pk not in ids
