"""Sign-in in Chromium against the served app: behind a trusted proxy header (as viewer, as analyst, and with
no header), and a full st.login round trip against a local OpenID Connect provider (oidc-provider-mock)."""
from __future__ import annotations

import shutil
import time
from datetime import timedelta
from pathlib import Path

import duckdb
import pytest

from tests.browser import DONE, page_text, served_app, settle
from tests.proxy import signed_in_proxy
from tests.conftest import write

pytestmark = pytest.mark.browser
playwright = pytest.importorskip("playwright.sync_api")
if not Path("/usr/bin/chromium").exists():
    pytest.skip("Chromium not found at /usr/bin/chromium", allow_module_level=True)

ROLES = "who,role\nann@example.com,analyst\nvera@example.com,viewer\ngroup:dce-analysts,analyst\n"
HEADER = "X-Forwarded-Email"


def batches(db) -> list:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute("SELECT batch_id, file_name, loaded_by, loaded_via FROM batches ORDER BY 1").fetchall()


@pytest.fixture(scope="module")
def proxied(plan_db, tmp_path_factory, chromium):
    """The app configured to trust X-Forwarded-Email (as behind oauth2-proxy), over a database this module keeps."""
    tmp = tmp_path_factory.mktemp("browser_auth")
    db = tmp / "dce.duckdb"
    shutil.copy(plan_db, db)
    roles = write(tmp / "roles.csv", ROLES)
    env = {"DCE_TRUSTED_HEADER": HEADER, "DCE_TRUSTED_GROUPS_HEADER": "X-Forwarded-Groups", "DCE_ROLES": str(roles)}
    with served_app(db, copy=False, env=env) as base:
        yield base, chromium, db


def new_page(browser):
    return browser.new_context(viewport={"width": 1440, "height": 2000}).new_page()


def test_without_the_header_nobody_gets_in(proxied):
    """Straight to the app, past the proxy: no identity header, so no page and no navigation."""
    base, browser, _ = proxied
    page = new_page(browser)
    text = page_text(page, f"{base}/data")
    assert "Not signed in" in text and "Load history" not in text and "KPI" not in text
    assert page.locator("[data-testid='stSidebarNav']").count() == 0
    page.context.close()


def test_concurrent_first_visits_after_a_restart_all_meet_the_gate(plan_db, tmp_path, chromium):
    """Four tabs reopening at once on a fresh server, with no identity: each gets the sign-in answer. Their
    first runs overlap in Streamlit's legacy pages/ mode; before ui.guard() a run that started before another
    switched the mode off showed its page (/alerts, /phases, /teams) to nobody in particular. Pages that
    import the transforms before `ui` left the widest window. Two fresh servers, as the race is timing."""
    env = {"DCE_TRUSTED_HEADER": HEADER, "DCE_ROLES": str(write(tmp_path / "roles.csv", ROLES))}
    for _ in range(2):
        with served_app(plan_db, env=env) as base:
            tabs = [new_page(chromium) for _ in range(4)]
            for tab, path in zip(tabs, ("alerts", "data", "phases", "teams")):
                tab.goto(f"{base}/{path}", wait_until="commit")     # all four connect before any has run
            texts = [settle(tab) for tab in tabs]
            for tab in tabs:
                tab.context.close()
        for text in texts:
            assert "Not signed in" in text and "CSV" not in text and "Load history" not in text, text[:300]


def test_a_viewer_browses_and_exports_but_has_no_write_control(proxied):
    app, browser, db = proxied
    with signed_in_proxy(app, HEADER, "vera@example.com") as base:
        page = new_page(browser)
        viewer_browses(page, base, db)
        page.context.close()


def viewer_browses(page, base, db):
    assert "55.4/100" in page_text(page, base)
    assert "vera@example.com · viewer" in page.inner_text("[data-testid='stSidebar']").replace("\u2060", "")
    text = page_text(page, f"{base}/data")
    assert "You have the viewer role" in text and "Load history" in text
    assert page.locator("input[type=file]").count() == 0
    assert page.get_by_role("button", name="Load sample history").count() == 0
    assert page.get_by_text("Undo a batch").count() == 0
    with page.expect_download(timeout=120_000) as download:
        page.get_by_role("button", name="⬇ Export workbook (XLSX)").click()
    assert download.value.suggested_filename.endswith(".xlsx")
    assert [b[0] for b in batches(db)] == [1]


def test_an_analysts_load_is_recorded_with_their_email(proxied, tmp_path):
    app, browser, db = proxied
    with signed_in_proxy(app, HEADER, "ann@example.com") as base:
        page = new_page(browser)
        analyst_loads(page, base, db, tmp_path)
        page.context.close()


def test_a_group_the_proxy_names_gives_its_role(proxied):
    """gus is in no line of the roles file by email; the proxy's groups header puts him in dce-analysts."""
    app, browser, _ = proxied
    with signed_in_proxy(app, HEADER, "gus@elsewhere.org", groups=("X-Forwarded-Groups", "staff, dce-analysts")) \
            as base:
        page = new_page(browser)
        page_text(page, base)
        assert "gus@elsewhere.org · analyst" in page.inner_text("[data-testid='stSidebar']").replace("\u2060", "")
        page.context.close()
    with signed_in_proxy(app, HEADER, "gus@elsewhere.org") as base:            # without the group: no role
        page = new_page(browser)
        assert "Ask an admin for access" in page_text(page, base)
        page.context.close()


def analyst_loads(page, base, db, tmp_path):
    page_text(page, f"{base}/data")
    good = write(tmp_path / "week2.csv", "metric_id,as_of,value\nsecurity_score,2025-01-20,85\n")
    page.locator("input[type=file]").first.set_input_files(str(good))
    page.wait_for_selector("text=No problems found", timeout=120_000)
    page.get_by_role("button", name="Load 1 rows into observations").click()
    page.wait_for_selector("text=batch 2: loaded 1 rows into observations from week2.csv", timeout=120_000)
    assert batches(db)[-1] == (2, "week2.csv", "ann@example.com", "page")
    page.wait_for_selector(DONE, timeout=120_000)
    text = page.inner_text("[data-testid='stMain']")
    assert "Undo a batch" in text and "Undo batch 2" in text          # their own batch, offered to undo
    assert page.get_by_role("button", name="Load sample history").count() == 0          # an admin's


# ---- st.login against a local OpenID Connect provider -------------------------------------------------------

SHORT_S = 45          # the ID tokens of the "brief" provider expire this soon after sign-in


@pytest.fixture(scope="module")
def providers():
    """Two oidc-provider-mock servers on loopback, each with two people it signs in with one click: "company"
    (ID tokens valid an hour) and "brief" (valid SHORT_S seconds)."""
    mock = pytest.importorskip("oidc_provider_mock")
    import os
    os.environ.setdefault("AUTHLIB_INSECURE_TRANSPORT", "1")      # plain http on loopback, for the provider
    people = [mock.User(sub=email, claims={"email": email, "email_verified": True, "name": email.split("@")[0]})
              for email in ("ann@example.com", "stranger@elsewhere.org")]
    with mock.run_server_in_thread(user_claims=people) as company, \
            mock.run_server_in_thread(user_claims=people, access_token_max_age=timedelta(seconds=SHORT_S)) as brief:
        yield {name: f"http://127.0.0.1:{server.server_address[1]}" for name, server in
               (("company", company), ("brief", brief))}


@pytest.fixture(scope="module")
def oidc_app(plan_db, providers, tmp_path_factory, chromium):
    """The app with an [auth] section (two named providers) in a secrets.toml of its own (--secrets.files), on
    a known port so the provider can send the browser back to /oauth2callback."""
    from tests.browser import free_port
    tmp = tmp_path_factory.mktemp("browser_oidc")
    port = free_port()
    secrets = write(tmp / "secrets.toml", f"""[auth]
redirect_uri = "http://127.0.0.1:{port}/oauth2callback"
cookie_secret = "a-test-cookie-secret-of-some-length"
""" + "".join(f"""
[auth.{name}]
client_id = "dce-tracker"
client_secret = "dce-tracker-secret"
server_metadata_url = "{url}/.well-known/openid-configuration"
""" for name, url in providers.items()))
    roles = write(tmp / "roles.csv", "who,role\nann@example.com,analyst\n")
    env = {"DCE_ROLES": str(roles), "AUTHLIB_INSECURE_TRANSPORT": "1", "DCE_TRUSTED_HEADER": ""}
    with served_app(plan_db, env=env, args=("--secrets.files", str(secrets)), port=port) as base:
        yield base, chromium


def sign_in(page, base: str, email: str, provider: str = "company") -> str:
    """Anonymous visit → the app's sign-in page → the provider's form → back, signed in."""
    text = page_text(page, base)
    assert "Sign in to see the plan's metrics" in text and "55.4/100" not in text
    assert page.locator("[data-testid='stSidebarNav']").count() == 0
    page.get_by_role("button", name=f"Sign in with {provider.title()}").click()
    page.wait_for_selector("text=Authorize Client", timeout=60_000)        # the provider's own page
    page.get_by_role("button", name=email).click()
    page.wait_for_url(f"{base}/**", timeout=60_000)
    page.wait_for_selector(DONE, timeout=120_000)
    page.wait_for_timeout(500)
    page.wait_for_selector(DONE, timeout=120_000)
    return page.inner_text("[data-testid='stApp']").replace("\u2060", "")


def test_st_login_round_trip_signs_an_analyst_in_and_out(oidc_app):
    base, browser = oidc_app
    page = new_page(browser)
    text = sign_in(page, base, "ann@example.com")
    assert "55.4/100" in text and "Signed in as ann@example.com · analyst" in text
    assert "Upload" in page_text(page, f"{base}/data")
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/oauth2/end_session**", timeout=60_000)              # the provider's sign-out too
    page.get_by_role("button", name="End session").click()
    page.wait_for_load_state()
    text = page_text(page, base)
    assert "Sign in to see the plan's metrics" in text and "55.4/100" not in text
    page.context.close()


def test_a_signed_in_stranger_is_asked_to_see_an_admin(oidc_app):
    base, browser = oidc_app
    page = new_page(browser)
    text = sign_in(page, base, "stranger@elsewhere.org")
    assert "Ask an admin for access" in text and "stranger@elsewhere.org" in text and "55.4/100" not in text
    assert "KPI" not in page_text(page, f"{base}/data")
    page.context.close()


def test_the_app_signs_out_once_the_id_token_has_expired(oidc_app):
    """Streamlit's cookie lasts 30 days; the token from "brief" says SHORT_S seconds. Once they have passed, a
    reload no longer shows the data: the app signs the user out (through the provider's end-session page)."""
    base, browser = oidc_app
    page = new_page(browser)
    signed_at = time.monotonic()
    text = sign_in(page, base, "ann@example.com", provider="brief")
    assert "Signed in as ann@example.com · analyst" in text and "55.4/100" in text
    deadline = time.monotonic() + SHORT_S + 120
    while True:                      # reload until the app sends the browser to sign out
        page.goto(base, wait_until="domcontentloaded")
        try:
            page.wait_for_url("**/oauth2/end_session**", timeout=15_000)
            break
        except playwright.TimeoutError:
            assert time.monotonic() < deadline, "still signed in long after the ID token expired"
    assert time.monotonic() - signed_at >= SHORT_S - 5          # not signed out before the token said so
    page.get_by_role("button", name="End session").click()
    text = page_text(page, base)
    assert "Sign in to see the plan's metrics" in text and "55.4/100" not in text
    page.context.close()
