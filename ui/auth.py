"""Who is using the app, and the gate app.py runs before any page: sign-in, "ask an admin", or local mode.

One source of identity, chosen by configuration:
- **OpenID Connect through st.login**: an `[auth]` section in `.streamlit/secrets.toml` (needs Authlib).
  Streamlit does not check the ID token's expiry: `_expired()` reads its `exp` claim, and the gate signs
  the user out once it has passed; a write after it is refused (the actor has no role).
- **A trusted proxy header**: `$DCE_TRUSTED_HEADER` names the header the proxy (oauth2-proxy, authentik,
  Pomerium) puts the signed-in email in, e.g. `X-Forwarded-Email`; `$DCE_TRUSTED_GROUPS_HEADER` optionally
  the comma-separated groups. Safe only when the app listens where nothing but the proxy can reach it, and
  the proxy overwrites (never passes on) those headers from the browser.
- **Local mode** (neither configured): everyone who can reach the app is an admin, and every page says so.
  `make run` listens on 127.0.0.1 only.

The actor is computed from st.user or st.context.headers on every call, never kept in session state, so no
widget state can change who acts; the roles come from the roles file (loaders/access.py).
"""
from __future__ import annotations

import logging
import os
import time

import pandas as pd
import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from loaders import access
from loaders.access import Actor
from loaders.errors import LoadError
from transforms import fmt

TRUSTED_HEADER = "DCE_TRUSTED_HEADER"
GROUPS_HEADER = "DCE_TRUSTED_GROUPS_HEADER"
LOCAL_BADGE = "Local mode: anyone who can reach this app is an admin"
ANONYMOUS = "anonymous"
LOOPBACK = ("127.0.0.1", "localhost", "::1")
_log = logging.getLogger(__name__)


def _auth_section() -> dict:
    try:
        section = st.secrets.get("auth")
    except Exception:           # noqa: BLE001 - no secrets file (or an unreadable one): no [auth]
        return {}
    return dict(section) if section else {}


def mode() -> str:
    """'oidc', 'proxy', 'local', or 'conflict' (both configured: refused rather than guess which to trust)."""
    oidc, proxy = bool(_auth_section()), bool(os.environ.get(TRUSTED_HEADER, "").strip())
    return "conflict" if oidc and proxy else "oidc" if oidc else "proxy" if proxy else "local"


def providers() -> list[str | None]:
    """The st.login providers [auth] configures: None for the unnamed one, else each [auth.NAME]."""
    section = _auth_section()
    named = [name for name, value in section.items() if hasattr(value, "get") and value.get("client_id")]
    return ([None] if section.get("client_id") else []) + named


def _claims() -> dict:
    return st.user.to_dict() if st.user.get("is_logged_in") else {}


def _expired(claims: dict) -> bool:
    """The ID token's expiry (`exp`, seconds since the epoch) has passed. A token without one never expires
    here: the provider chose so."""
    try:
        return claims.get("exp") is not None and time.time() >= float(claims["exp"])
    except (TypeError, ValueError):
        return True             # an exp we cannot read: treat the sign-in as over


def _groups(value) -> tuple[str, ...]:
    if isinstance(value, str):
        value = value.split(",")
    return tuple(str(g).strip() for g in (value or ()) if str(g).strip())


def identity() -> tuple[str, tuple[str, ...]] | None:
    """(email, groups) of the signed-in person, or None (signed out, expired, unverified, no header)."""
    how = mode()
    if how == "oidc":
        claims = _claims()
        email = str(claims.get("email") or "").strip().lower()
        if not email or _expired(claims) or claims.get("email_verified") is False:
            return None
        return email, _groups(claims.get("groups"))
    if how == "proxy":
        headers = st.context.headers
        email = (headers.get(os.environ[TRUSTED_HEADER].strip()) or "").strip().lower()
        groups_header = os.environ.get(GROUPS_HEADER, "").strip()
        return (email, _groups(headers.get(groups_header) if groups_header else None)) if email else None
    return None


def actor() -> Actor:
    """Who acts in this page run, with their role (None: no role; every write refuses them)."""
    how = mode()
    if how == "local":
        return Actor(access.os_user(), "admin", "page")
    found = identity() if how != "conflict" else None
    if found is None:
        return Actor(ANONYMOUS, None, "page")
    email, groups = found
    try:
        role = access.role_for(email, groups)
    except LoadError:           # a malformed roles file refuses everyone (the gate says so)
        role = None
    return Actor(email, role, "page", groups)


def can(action: str, owner: str | None = None) -> bool:
    return actor().can(action, owner)


def _page_actor() -> Actor | None:
    """The loaders' default actor inside a page run (outside one: None, the operator acts)."""
    return actor() if get_script_run_ctx(suppress_warning=True) is not None else None


access.use_session_actor(_page_actor)


# ---- the gate ------------------------------------------------------------------------------------------

def gate() -> Actor:
    """Run before navigation: returns the actor when they may see the pages, else shows why not and stops."""
    how = mode()
    if how == "conflict":
        _stop("Sign-in is configured twice", f"Both an `[auth]` section in secrets.toml and `{TRUSTED_HEADER}` "
              "are set. Keep one: the app will not guess which identity to trust.")
    if how == "local":
        st.sidebar.badge(LOCAL_BADGE, icon=":material/lock_open:", color="orange")
        if st.get_option("server.address") not in LOOPBACK:
            st.sidebar.warning("This server listens on more than this machine: anyone on the network is an admin. "
                               "Serve it with `make run` (127.0.0.1 only), or configure sign-in (README).",
                               icon=":material/warning:")
        return actor()
    if how == "oidc" and st.user.get("is_logged_in") and _expired(_claims()):
        st.logout()             # Streamlit keeps the cookie for 30 days; the token said less
        _only(lambda: st.caption("Your sign-in has expired: signing out…"))
    found = identity()
    if found is None:
        _signed_out(how)
    try:
        access.read_roles()
    except LoadError as exc:
        _log.error("roles file %s: %s", access.roles_path(), exc)
        _stop("The roles file has a problem", "Nobody can be let in until an admin fixes it; the server's log "
              "names the line.")
    me = actor()
    if me.role is None:
        _stop("Ask an admin for access", f"You are signed in as **{fmt.md_escape(me.who)}**, who has no role in "
              "this app yet. An admin can give you one (viewer, analyst or admin) in the roles file; nothing "
              "of the tracker's data is shown until then.", sign_out=how == "oidc")
    st.sidebar.caption(f"Signed in as **{fmt.md_escape(me.who)}** · {me.role}")
    if how == "oidc":
        st.sidebar.button("Sign out", key="_sign_out", on_click=st.logout, icon=":material/logout:")
    return me


def _only(render) -> None:
    """Show `render` as the app's only page and stop. Navigation is still declared (one hidden page): a run
    without st.navigation would fall back to listing pages/ in the sidebar, each runnable past this gate."""
    st.navigation([st.Page(render, title="DCE Metrics Tracker", url_path="signin", default=True)],
                  position="hidden").run()
    st.stop()


def _signed_out(how: str) -> None:
    _only(lambda: _signed_out_page(how))


def _signed_out_page(how: str) -> None:
    if how == "proxy":
        return _stop_page("Not signed in", "This app takes who you are from the sign-in proxy in front of it, and "
                          "the request carried no identity. Open the app through the proxy's address.", False)
    claims = _claims()
    if claims and claims.get("email_verified") is False:
        return _stop_page("Email not verified", "Your identity provider says your email address is not verified: "
                          "verify it there, then sign in again.", True)
    st.title("DCE Metrics Tracker")
    st.markdown("Sign in to see the plan's metrics. Viewers browse every page and export; analysts load data.")
    for provider in providers() or [None]:
        label = "Sign in" if provider is None else f"Sign in with {provider.title()}"
        if st.button(label, key=f"_sign_in_{provider}", type="primary", icon=":material/login:"):
            st.login(provider)


def _stop(title: str, text: str, sign_out: bool = False) -> None:
    _only(lambda: _stop_page(title, text, sign_out))


def _stop_page(title: str, text: str, sign_out: bool) -> None:
    st.title(title)
    st.markdown(text)
    if sign_out:
        st.button("Sign out", key="_sign_out_stop", on_click=st.logout, icon=":material/logout:")


# ---- roles, for admins ---------------------------------------------------------------------------------

def roles_editor() -> None:
    """The roles file as an editable table (admins only; the write path checks again)."""
    me = actor()
    if not me.can("roles"):
        return
    path = access.roles_path()
    try:
        rules = access.read_roles()
    except LoadError as exc:
        st.error(f"The roles file has a problem: {fmt.md_escape(exc)}")
        rules = []
    st.markdown(f"Who may do what, from the roles file {fmt.md_escape(path.name)}: an email, `@domain`, `group:NAME` or `*` "
                "(anyone signed in), and a role: **viewer** (every page and export), **analyst** (loads, undo "
                "of their own batches, scenarios, nominations), **admin** (also the sample, undo of any batch, "
                "roles), or **none**. The most specific line wins."
                + (" In local mode nobody signs in, so these take effect once sign-in is configured."
                   if mode() == "local" else ""))
    frame = pd.DataFrame([(r.match, r.role) for r in rules], columns=["who", "role"])
    edited = st.data_editor(frame, num_rows="dynamic", hide_index=True, key="roles_editor", column_config={
        "who": st.column_config.TextColumn("who", required=True),
        "role": st.column_config.SelectboxColumn("role", options=[*access.ROLES, access.NO_ACCESS], required=True)})
    if st.button("Save roles", key="roles_save", icon=":material/save:"):
        rows = [access.Rule(str(w).strip().lower(), str(r).strip().lower())
                for w, r in zip(edited["who"], edited["role"]) if pd.notna(w) and str(w).strip()]
        try:
            access.write_roles(rows, actor=actor(), keep_admin=mode() != "local")
        except LoadError as exc:
            st.error(f"Not saved: {fmt.md_escape(exc)}")
        else:
            st.success(f"Saved {len(rows)} line{'s' if len(rows) != 1 else ''}.")
