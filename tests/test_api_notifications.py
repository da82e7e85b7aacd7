"""Notifications through the API (issue 5, for a mobile app): the list (newest first, paged,
with the unread count), marking read (all, or by id), and the preferences."""

from __future__ import annotations

import json
from datetime import timedelta

from zhurnal.notifications import services
from zhurnal.notifications.models import Kind, Notification, Preference

from .api_support import NOW, PREFIX, auth


def call(api, method: str, path: str, headers: dict, body=None, **params):
    if method == "GET":
        return api.get(PREFIX + path, params, **headers)
    return api.generic(
        method, PREFIX + path, json.dumps(body or {}), content_type="application/json", **headers
    )


def notify(world, user, n: int, school=None) -> list[Notification]:
    return [
        Notification.objects.create(
            school=school or world.school,
            user=user,
            kind=Kind.MESSAGE,
            title=f"Сообщение {i}",
            body="Текст",
            link="/messages/1/",
            created_at=NOW - timedelta(minutes=n - i),
        )
        for i in range(n)
    ]


def test_the_list_is_newest_first_paged_with_the_unread_count(api, world):
    parent = world.users["parent"]
    made = notify(world, parent, 5)
    made[0].read_at = NOW
    made[0].save()
    notify(world, world.users["teacher"], 2)  # someone else's
    headers = auth(parent)
    path = f"/schools/{world.school.pk}/notifications"
    response = call(api, "GET", path, headers, limit=2)
    assert response.status_code == 200
    data = response.json()
    assert data["total"] == 5
    assert data["unread"] == 4
    assert [item["title"] for item in data["items"]] == ["Сообщение 4", "Сообщение 3"]
    assert data["items"][0]["kind"] == "message"
    assert data["items"][0]["link"] == "/messages/1/"
    assert data["items"][0]["read_at"] is None
    second = call(api, "GET", path, headers, limit=2, offset=2).json()
    assert [item["title"] for item in second["items"]] == ["Сообщение 2", "Сообщение 1"]
    last = call(api, "GET", path, headers, limit=2, offset=4).json()
    assert [item["title"] for item in last["items"]] == ["Сообщение 0"]
    assert last["items"][0]["read_at"] is not None
    unread = call(api, "GET", path, headers, unread_only="true").json()
    assert unread["total"] == 4
    # The limit is capped.
    assert call(api, "GET", path, headers, limit=1000).json()["limit"] == 100


def test_the_list_is_of_the_school_asked_for(api, world):
    outsider = world.users["outsider"]
    notify(world, outsider, 2, school=world.other_school)
    headers = auth(outsider)
    own = call(api, "GET", f"/schools/{world.other_school.pk}/notifications", headers)
    assert own.json()["total"] == 2
    other = call(api, "GET", f"/schools/{world.school.pk}/notifications", headers)
    assert other.status_code == 404


def test_mark_some_then_all_read(api, world):
    parent = world.users["parent"]
    made = notify(world, parent, 4)
    others = notify(world, world.users["teacher"], 1)
    headers = auth(parent)
    path = f"/schools/{world.school.pk}/notifications/read"
    # Another user's id is ignored.
    response = call(api, "POST", path, headers, {"ids": [made[0].pk, made[1].pk, others[0].pk]})
    assert response.status_code == 200
    assert response.json() == {"marked": 2, "unread": 2}
    others[0].refresh_from_db()
    assert others[0].read_at is None
    assert call(api, "POST", path, headers, {"ids": [made[0].pk]}).json()["marked"] == 0
    assert call(api, "POST", path, headers, {}).json() == {"marked": 2, "unread": 0}
    assert services.unread_count(parent, world.school) == 0


def test_preferences_read_and_change(api, world):
    student = world.users["student"]
    headers = auth(student)
    response = call(api, "GET", "/notifications/preferences", headers)
    assert response.status_code == 200
    rows = {row["kind"]: row for row in response.json()}
    assert set(rows) == set(Kind.values)
    assert rows["marks"]["in_app"] and rows["marks"]["email"]
    body = {
        "preferences": [
            {"kind": "marks", "in_app": True, "email": False},
            {"kind": "message", "in_app": False, "email": False},
        ]
    }
    response = call(api, "PUT", "/notifications/preferences", headers, body)
    assert response.status_code == 200
    rows = {row["kind"]: row for row in response.json()}
    assert rows["marks"] == {**rows["marks"], "in_app": True, "email": False}
    assert rows["message"]["in_app"] is False
    assert rows["note"]["email"] is True
    chosen = services.preferences(student)
    assert chosen["marks"] == services.Choice(in_app=True, email=False)


def test_an_unknown_kind_changes_nothing(api, world):
    headers = auth(world.users["parent"])
    body = {
        "preferences": [
            {"kind": "marks", "in_app": False, "email": False},
            {"kind": "gossip", "in_app": True, "email": True},
        ]
    }
    response = call(api, "PUT", "/notifications/preferences", headers, body)
    assert response.status_code == 422
    assert response.json()["code"] == "unknown_kind"
    assert not Preference.objects.exists()


def test_a_user_without_a_role_has_no_preferences(api, world):
    headers = auth(world.users["nobody"])
    assert call(api, "GET", "/notifications/preferences", headers).status_code == 403
    assert (
        call(api, "PUT", "/notifications/preferences", headers, {"preferences": []}).status_code
        == 403
    )


def test_the_list_takes_a_fixed_number_of_queries(api, world, django_assert_max_num_queries):
    parent = world.users["parent"]
    notify(world, parent, 30)
    headers = auth(parent)
    path = f"/schools/{world.school.pk}/notifications"
    call(api, "GET", path, headers)  # warm up
    with django_assert_max_num_queries(8):
        assert call(api, "GET", path, headers).status_code == 200
