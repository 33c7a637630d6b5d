"""Sign-in and roles through the real app in AppTest: st.user set as a provider would (AppTest's `user`), the
[auth] section as secrets.toml would give it, the roles file in a temp folder (ui/auth.py, loaders/access.py)."""
from __future__ import annotations

import time
from datetime import date

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

from loaders import load
from loaders.access import Actor
from tests.apptest import run_app, run_page
from tests.conftest import shown, write

AUTH = {"auth": {"redirect_uri": "http://localhost:8501/oauth2callback", "cookie_secret": "test-secret",
                 "client_id": "dce", "client_secret": "dce-secret",
                 "server_metadata_url": "http://127.0.0.1:9/.well-known/openid-configuration"}}
ROLES = "who,role\nada@example.com,admin\nann@example.com,analyst\notto@example.com,analyst\n@example.com,viewer\n"


def signed_in(email: str, **claims) -> dict:
    return {"is_logged_in": True, "email": email, "email_verified": True, "exp": int(time.time()) + 3600, **claims}


@pytest.fixture
def roles(tmp_path, monkeypatch):
    path = write(tmp_path / "roles.csv", ROLES)
    monkeypatch.setenv("DCE_ROLES", str(path))
    monkeypatch.delenv("DCE_TRUSTED_HEADER", raising=False)
    return path


def texts(at) -> str:
    parts = [e.value for kind in ("title", "markdown", "caption", "subheader", "header", "error", "info")
             for e in getattr(at, kind)]
    return shown("\n".join(str(p) for p in parts))


def labels(at) -> set[str]:
    return {b.label for b in at.button} | {b.label for b in at.get("form_submit_button")}


def assert_no_data(at):
    assert not at.exception
    assert not at.metric and not at.dataframe and not at.get("download_button")
    assert not at.sidebar.selectbox          # not even the week picker


def test_local_mode_says_everyone_is_an_admin(db, monkeypatch):
    monkeypatch.delenv("DCE_TRUSTED_HEADER", raising=False)
    at = run_app()
    assert not at.exception
    assert any("Local mode: anyone who can reach this app is an admin" in m.value for m in at.sidebar.markdown)
    assert "anyone on the network is an admin" in at.sidebar.warning[0].value     # AppTest binds no address
    at = run_page("data")
    assert {"Upload", "Access"} <= {s.value for s in at.subheader}
    assert "Load sample history" in labels(at)


def test_both_sources_configured_is_refused_rather_than_guessed(db, roles, monkeypatch):
    monkeypatch.setenv("DCE_TRUSTED_HEADER", "X-Forwarded-Email")
    at = run_app(user=signed_in("ada@example.com"), secrets=AUTH)
    assert_no_data(at)
    assert at.title[0].value == "Sign-in is configured twice"


def test_behind_a_proxy_a_request_without_the_header_gets_no_data(db, roles, monkeypatch):
    monkeypatch.setenv("DCE_TRUSTED_HEADER", "X-Forwarded-Email")     # AppTest sends no headers
    at = run_app()
    assert_no_data(at)
    assert at.title[0].value == "Not signed in"


def test_an_anonymous_visitor_sees_only_the_sign_in_page(db, roles):
    at = run_app(user={"is_logged_in": False}, secrets=AUTH)
    assert_no_data(at)
    assert [t.value for t in at.title] == ["DCE Metrics Tracker"]
    assert labels(at) == {"Sign in"}
    assert "Local mode" not in texts(at)


def test_an_unknown_user_is_asked_to_see_an_admin_and_shown_no_data(db, roles):
    at = run_app(user=signed_in("stranger@elsewhere.org"), secrets=AUTH)
    assert_no_data(at)
    assert at.title[0].value == "Ask an admin for access"
    assert "stranger@elsewhere.org" in texts(at) and labels(at) == {"Sign out"}


def test_an_unverified_email_is_not_let_in(db, roles):
    at = run_app(user=signed_in("ada@example.com", email_verified=False), secrets=AUTH)
    assert_no_data(at)
    assert at.title[0].value == "Email not verified"


def test_an_expired_id_token_signs_the_user_out(db, roles):
    """Streamlit keeps its cookie for 30 days whatever the token says; the app reads `exp` and signs out."""
    at = run_app(user=signed_in("ada@example.com", exp=int(time.time()) - 5), secrets=AUTH)
    assert at.user == {"is_logged_in": False}                  # st.logout() ran
    at.run()
    assert_no_data(at)
    assert labels(at) == {"Sign in"}


def test_a_viewer_sees_every_page_but_no_write_control(db, roles):
    viewer = signed_in("vera@example.com")
    at = run_page("data", user=viewer, secrets=AUTH)
    assert not at.exception
    assert not {"Upload", "Access"} & {s.value for s in at.subheader}
    assert not at.get("file_uploader")
    assert not {"Load sample history", "Show what would be removed", "Save roles"} & labels(at)
    assert not [b for b in at.button if b.label.startswith("Undo")]
    assert "undo_batch" not in [s.key for s in at.selectbox]
    assert "You have the **viewer** role" in "\n".join(c.value for c in at.caption)
    assert at.get("download_button")                               # exports stay
    at = run_page("business", user=viewer, secrets=AUTH)
    assert not at.exception and "Save scenario" not in labels(at) and "Save" not in labels(at)
    assert at.get("download_button")
    at = run_page("teams", user=viewer, secrets=AUTH)
    assert not at.exception and "Record nomination" not in labels(at)


def test_an_analyst_loads_and_sees_only_their_own_batches_to_undo(db, roles, tmp_path):
    load.load_file(write(tmp_path / "o.csv", "metric_id,as_of,value\nsecurity_score,2025-01-20,70\n"),
                   actor=Actor("otto@example.com", "analyst", "page"), db=db)
    mine = load.load_file(write(tmp_path / "a.csv", "metric_id,as_of,value\nsecurity_score,2025-01-21,71\n"),
                          actor=Actor("ann@example.com", "analyst", "page"), db=db).batch_id
    at = run_page("data", user=signed_in("ann@example.com"), secrets=AUTH)
    assert not at.exception
    assert "Upload" in {s.value for s in at.subheader} and at.get("file_uploader")
    assert "Load sample history" not in labels(at) and "Access" not in {s.value for s in at.subheader}
    assert at.selectbox(key="undo_batch").options == [f"batch {mine} · a.csv · 1 rows · upload"]
    at = run_app(user=signed_in("ann@example.com"), secrets=AUTH)
    assert any("Signed in as **ann@example.com** · analyst" in shown(c.value) for c in at.sidebar.caption)
    assert "Sign out" in {b.label for b in at.sidebar.button}


def test_crafted_session_state_gives_a_viewer_no_write(db, roles, tmp_path):
    """A viewer's /data run with the state an analyst's session holds when about to undo and to remove days
    (the picker on a batch, its confirmation ticked, a removal asked for): no control appears, nothing is
    written."""
    batch = load.load_file(write(tmp_path / "o.csv", "metric_id,as_of,value\nsecurity_score,2025-01-20,70\n"),
                           actor=Actor("otto@example.com", "analyst", "page"), db=db).batch_id
    at = run_page("data", user=signed_in("vera@example.com"), secrets=AUTH)
    for key, value in {"undo_batch": batch, f"undo_confirm_{batch}": True, "undo": True, "remove_days": True,
                       "_removal": (date(2025, 1, 20), date(2025, 1, 20), None, None), "sample_load_data": True}.items():
        at.session_state[key] = value
    at.run()
    assert not at.exception
    assert not [b for b in at.button if b.key in ("undo", "remove_days", "sample_load_data")]
    with duckdb.connect(str(db)) as con:
        assert con.execute("SELECT batch_id, kind, rolled_back_at FROM batches ORDER BY 1").fetchall() == \
            [(1, "plan", None), (batch, "upload", None)]


def test_a_write_called_from_a_page_run_acts_as_that_pages_user(db, roles, monkeypatch):
    """A page that calls the write functions with no actor, or with its own: as a viewer both are refused
    (the default actor inside a page run is the session's user, never the server's)."""
    monkeypatch.setenv("DCE_TEST_DB", str(db))

    def page():
        import os
        from pathlib import Path

        import streamlit as st

        from loaders import load, sample, scenarios
        from loaders.errors import LoadError
        from ui import auth

        db = Path(os.environ["DCE_TEST_DB"])
        for name, write in {"sample": lambda: sample.load_sample(db),
                            "scenario": lambda: scenarios.save("x", {"a": 1.0}, db=db),
                            "undo": lambda: load.rollback(1, db=db),
                            "sample as me": lambda: sample.load_sample(db, actor=auth.actor())}.items():
            try:
                write()
                st.write(f"{name}: written")
            except LoadError as exc:
                st.write(f"{name}: refused: {exc}")

    at = AppTest.from_function(page, default_timeout=60)
    at.user, at.secrets = signed_in("vera@example.com"), dict(AUTH)
    at.run()
    lines = [m.value for m in at.markdown]
    assert len(lines) == 4 and all("refused: vera@example.com: has the viewer role" in line for line in lines), lines
    with duckdb.connect(str(db)) as con:
        assert con.execute("SELECT count(*) FROM batches").fetchall() == [(1,)]
        assert con.execute("SELECT count(*) FROM scenarios").fetchall() == [(0,)]


@pytest.mark.parametrize("page", ["alerts", "data", "phases", "teams"])
def test_a_page_run_in_streamlits_legacy_mode_still_meets_the_gate(db, roles, monkeypatch, page):
    """A fresh server runs its first script runs in Streamlit's legacy pages/ mode: the requested page alone,
    without app.py and its gate. The first run to leave that mode flips it for the process, so a second
    session's run that started before the flip reached its page with `ui` already imported: in the browser,
    concurrent first visits after a restart showed /alerts, /phases and /teams with no identity. Replayed
    here: the mode is on when the page is asked for, and the gate must still answer."""
    from streamlit.runtime.pages_manager import PagesManager
    at = run_app()                                # local mode: every page is registered
    monkeypatch.setenv("DCE_TRUSTED_HEADER", "X-Forwarded-Email")     # now behind a proxy; AppTest sends no headers
    monkeypatch.setattr(PagesManager, "uses_pages_directory", True)
    at.switch_page(f"pages/{page}.py").run()
    assert not at.exception
    assert_no_data(at)
    assert at.title[0].value == "Not signed in"


def test_a_page_under_apptest_runs_inside_app_py(db):
    """run_page() runs a page as the server does, inside app.py (AppTest would start each run in Streamlit's
    legacy pages/ mode and run the page alone: tests/apptest.py). The sidebar is app.py's: the local-mode
    badge from its gate and the week picker."""
    from ui.auth import LOCAL_BADGE
    for page in ("alerts", "business", "data"):
        at = run_page(page)
        assert not at.exception
        assert [s.label for s in at.sidebar.selectbox] == ["As of plan week"]
        assert any(LOCAL_BADGE in m.value for m in at.sidebar.markdown)
