"""Who may use the built app from where: this computer everything; another machine only with the owner's token,
a person signing in once for the pages, a device sending it to the API; reading opened to all only on request."""

from __future__ import annotations

import re

from tests.webclient import AWAY, TANK, build_app, form_key  # noqa: F401 (build_app: a fixture)

READING = {"tank_id": "T1", "level_pct": 40.0, "taken_at": "2025-05-01T08:00:00"}
BEARER = {"Authorization": "Bearer s3cret"}


def signed_in(client, token: str = "s3cret"):
    """The client, signed in through the sign-in form as a person on a phone would."""
    key = form_key(client, "/login")
    answer = client.post("/login", data={"token": token, "next": "/collections/tanks", "form_key": key})
    assert answer.status_code == 200 and "You are signed in on this device" in answer.text
    return client


def test_another_machine_without_the_token_can_neither_read_nor_change_the_records_through_the_pages(build_app):
    built = build_app()
    built.store.add("tanks", [{"tank_id": "T1", "village": "Kanyawegi", "capacity_litres": 5000}])
    phone = built.client(host=AWAY, token="s3cret")
    for path in ("/", "/collections/tanks", "/collections/refill_plan", "/collections/tanks/export.csv",
                 "/collections/tanks/1", "/collections/tanks/1/delete"):
        answer = phone.get(path, follow_redirects=False)
        assert answer.status_code == 303 and answer.headers["location"] == f"/login?next={path}", path
    # the forms' own key, read from a page of this computer, is not enough either
    key = form_key(built.client())
    phone.cookies.set("app_form_key", key)
    for path, data in (("/collections/tanks/add", TANK), ("/collections/tanks/1/delete", {}),
                       ("/collections/tanks/1", TANK), ("/collections/tanks/1/restore", {})):
        answer = phone.post(path, data={**data, "form_key": key}, follow_redirects=False)
        assert answer.status_code == 303 and answer.headers["location"] == "/login?next=/collections/tanks", \
            "after signing in, back to the form's page"
    assert built.store.inputs()["tanks"] == [{"tank_id": "T1", "village": "Kanyawegi", "capacity_litres": 5000}]


def test_a_person_signs_in_once_with_the_token_and_then_uses_the_pages(build_app):
    built = build_app()
    phone = built.client(host=AWAY, token="s3cret")
    page = phone.get("/login")
    assert page.status_code == 200 and 'type="password"' in page.text
    wrong = phone.post("/login", data={"token": "guess", "form_key": form_key(phone, "/login")})
    assert wrong.status_code == 401 and "That is not the app&#39;s key" in wrong.text
    assert phone.get("/", follow_redirects=False).status_code == 303
    signed_in(phone)
    cookie = next(c for c in _cookies_set(built, "s3cret") if c.startswith("app_session="))
    assert "HttpOnly" in cookie and "samesite=strict" in cookie.lower()
    assert phone.get("/").status_code == 200
    key = form_key(phone)
    assert phone.post("/collections/tanks/add", data={**TANK, "form_key": key}, follow_redirects=False).status_code == 303
    assert built.store.count("tanks") == 1
    assert phone.post("/collections/tanks/1/delete", data={"form_key": key}, follow_redirects=False).status_code == 303
    assert built.store.count("tanks") == 0
    phone.post("/logout", data={"form_key": key})
    assert phone.get("/", follow_redirects=False).status_code == 303, "signed out"


def _cookies_set(built, token: str) -> list[str]:
    phone = built.client(host=AWAY, token=token)
    key = form_key(phone, "/login")
    return phone.post("/login", data={"token": token, "form_key": key}).headers.get_list("set-cookie")


def test_a_link_made_from_the_token_signs_a_phone_in_and_goes_on_to_the_app(build_app):
    built = build_app()
    phone = built.client(host=AWAY, token="s3cret")
    page = phone.get("/login?key=s3cret&next=/collections/levels")
    assert page.status_code == 200 and '<meta http-equiv="refresh" content="1; url=/collections/levels">' in page.text
    assert phone.get("/collections/levels").status_code == 200
    stranger = built.client(host=AWAY, token="s3cret")
    assert stranger.get("/login?key=wrong").status_code == 401


def test_the_page_after_signing_in_is_always_one_of_this_app(build_app):
    phone = build_app().client(host=AWAY, token="s3cret")
    for target in ("//evil.example/", "https://evil.example/", "/\\evil.example"):
        page = phone.get(f"/login?key=s3cret&next={target}")
        assert 'url=/">' in page.text, target


def test_a_session_ends_when_the_owner_changes_the_token(build_app):
    built = build_app()
    phone = signed_in(built.client(host=AWAY, token="s3cret"))
    session = phone.cookies.get("app_session")
    after = built.client(host=AWAY, token="n3w")
    after.cookies.set("app_session", session)
    assert after.get("/", follow_redirects=False).status_code == 303
    forged = built.client(host=AWAY, token="s3cret")
    forged.cookies.set("app_session", session.split(".")[0] + "." + "0" * 64)
    assert forged.get("/", follow_redirects=False).status_code == 303


def test_wrong_tokens_are_slowed_down_per_device(build_app):
    phone = build_app().client(host=AWAY, token="s3cret")
    for _ in range(5):
        assert phone.get("/login?key=guess").status_code == 401
    waiting = phone.get("/login?key=s3cret")
    assert waiting.status_code == 429 and "Too many wrong keys" in waiting.text


def test_with_no_token_set_other_machines_are_told_the_app_is_for_its_own_computer(build_app):
    phone = build_app().client(host=AWAY)
    page = phone.get("/")
    assert page.status_code == 403 and "open on its own computer only" in page.text
    assert phone.get("/api/collections/levels").status_code == 401


def test_the_api_from_another_machine_needs_the_token_to_read_and_to_write(build_app):
    built = build_app()
    built.store.add("tanks", [{"tank_id": "T1", "village": "Kanyawegi", "capacity_litres": 5000}])
    device = built.client(host=AWAY, token="s3cret")
    for path in ("/api/collections", "/api/collections/levels", "/api/collections/refill_plan", "/openapi.json"):
        refused = device.get(path)
        assert refused.status_code == 401 and "needs the owner's token" in refused.json()["error"], path
        assert device.get(path, headers=BEARER).status_code == 200, path
    assert device.post("/api/collections/levels", json=READING).status_code == 401
    assert device.post("/api/collections/levels", json=READING, headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert device.post("/api/collections/levels", json=READING, headers=BEARER).status_code == 201
    signed = signed_in(built.client(host=AWAY, token="s3cret"))
    assert signed.get("/api/collections/levels").status_code == 200, "a signed-in page may read through the API"
    assert signed.post("/api/collections/levels", json=READING).status_code == 401, "writes need the token itself"
    assert built.store.count("levels") == 1


def test_the_owner_may_open_reading_to_all_but_changing_still_needs_the_token(build_app):
    built = build_app()
    built.store.add("tanks", [{"tank_id": "T1", "village": "Kanyawegi", "capacity_litres": 5000}])
    visitor = built.client(host=AWAY, token="s3cret", open_reading=True)
    page = visitor.get("/collections/tanks")
    assert page.status_code == 200 and "Kanyawegi" in page.text
    assert "Add a record" not in page.text and "Delete" not in page.text and "Sign in</a> to add or change" in page.text
    assert visitor.get("/api/collections/refill_plan").status_code == 200
    assert visitor.post("/api/collections/levels", json=READING).status_code == 401
    answer = visitor.post("/collections/tanks/add", data={**TANK, "form_key": form_key(visitor, "/login")},
                          follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"].startswith("/login")
    assert built.store.count("tanks") == 1


def test_this_computer_needs_no_token(build_app):
    built = build_app()
    here = built.client(token="s3cret")
    assert here.get("/").status_code == 200 and "Sign out" not in here.get("/").text
    assert here.post("/collections/tanks/add", data={**TANK, "form_key": form_key(here)},
                     follow_redirects=False).status_code == 303
    assert here.get("/api/collections/tanks").status_code == 200
    assert re.search(r"T1", here.get("/collections/tanks").text)
