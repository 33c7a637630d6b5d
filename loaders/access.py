"""Who may change what: the three roles, the roles file, and the check every write function makes.

Pure (no Streamlit): the loaders call `require(actor, action)` before they write, so a viewer is refused
in the write path itself, whatever a page shows or a crafted widget state asks for. ui/auth.py says who
the app's user is (st.login, a trusted proxy header, or local mode) and builds the `Actor`; the CLI acts
as the operating-system user or `--as NAME`.

Roles: viewer (every page and export), analyst (loads, removing days, undo of their own batches, shared
scenarios, nominations, assumptions), admin (everything: rebuild, the sample, undo of any batch, roles).

The roles file (`data/roles.csv`, or `$DCE_ROLES`) maps people to roles, one `who,role` line each:
    alice@example.com,admin        an email (exact, case-insensitive)
    group:dce-analysts,analyst     a group (the OIDC `groups` claim, or the proxy's groups header)
    @example.com,viewer            everyone whose email is at that domain
    *,viewer                       anyone signed in
The most specific line wins (email, then group, then domain, then *; among groups the highest role), so a
person can be given more, or less (role `none`: no access), than their domain. Lines starting with # are
comments. A malformed file refuses everyone (and says which line is wrong) rather than guess.
"""
from __future__ import annotations

import csv
import getpass
import io
import os
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from loaders.errors import LoadError, Problem

ROLES = ("viewer", "analyst", "admin")
NO_ACCESS = "none"
RANK = {role: rank for rank, role in enumerate(ROLES)}
ROLES_FILE = Path(__file__).resolve().parents[1] / "data" / "roles.csv"
VIAS = ("page", "cli", "import", "script", "build")      # where a write came from (batches.loaded_via)
MAX_WHO = 120

# action → (the role it needs, how a refusal words it). "Own" actions need analyst for one's own
# batch or scenario and admin for anyone else's (see `require`).
ACTIONS = {
    "load": ("analyst", "loading files"),
    "remove_days": ("analyst", "removing days"),
    "undo": ("analyst", "undoing a batch"),
    "scenario": ("analyst", "saving a shared scenario"),
    "delete_scenario": ("analyst", "deleting a scenario"),
    "nominate": ("analyst", "recording a nomination"),
    "assumption": ("analyst", "editing an assumption"),
    "sample": ("admin", "loading or removing the sample history"),
    "rebuild": ("admin", "rebuilding the database"),
    "roles": ("admin", "editing the roles"),
}
OWNED = {"undo": "undoing another person's batch", "delete_scenario": "deleting another person's scenario"}


class Forbidden(LoadError, PermissionError):
    """The acting user's role does not allow this write; nothing was written."""


@dataclass(frozen=True)
class Actor:
    """Who acts, in which role (None: no role, i.e. unknown or signed out), and from where."""
    who: str
    role: str | None
    via: str = "script"
    groups: tuple[str, ...] = field(default=(), compare=False)

    def can(self, action: str, owner: str | None = None) -> bool:
        try:
            require(self, action, owner=owner)
        except Forbidden:
            return False
        return True


def os_user() -> str:
    try:
        return getpass.getuser()
    except Exception:           # no login name (some containers)
        return "unknown"


def operator(who: str | None = None, via: str = "script") -> Actor:
    """Whoever runs Python on the server (the CLI, a script, a test): admin, since they can write the
    database file directly anyway. `who` (the CLI's --as) only names them in the audit."""
    return Actor(clean_who(who) if who is not None else os_user(), "admin", via)


def clean_who(text) -> str:
    """A name or email fit for the audit: one line of printable text."""
    who = " ".join(str(text or "").split())
    if not who:
        raise ValueError("give a name or email to act as")
    if len(who) > MAX_WHO or any(unicodedata.category(ch) in ("Cc", "Cf") for ch in who):
        raise ValueError(f"a name to act as is plain text of at most {MAX_WHO} characters")
    return who


# ---- the default actor: the session's user inside a page run, else the operator -----------------------

_session_actor: Callable[[], Actor | None] | None = None


def use_session_actor(resolve: Callable[[], Actor | None]) -> None:
    """ui/auth.py registers how to find the user of the page run in progress (None outside one), so a
    write called from a page without an actor acts as that page's user, never as the operator."""
    global _session_actor
    _session_actor = resolve


def default_actor() -> Actor:
    found = _session_actor() if _session_actor is not None else None
    return found if found is not None else operator()


def require(actor: Actor | None, action: str, *, owner: str | None = None) -> Actor:
    """The actor (the default one when None) if its role allows `action`, else Forbidden.

    For an owned action (undo, deleting a scenario) `owner` is who made the thing: an analyst may act on
    their own, an admin on anyone's."""
    actor = actor if actor is not None else default_actor()
    needed, words = ACTIONS[action]
    if action in OWNED and not _same(owner, actor.who):
        needed, words = "admin", OWNED[action]
    if actor.role in RANK and RANK[actor.role] >= RANK[needed]:
        return actor
    has = f"has the {actor.role} role" if actor.role in RANK else "has no role in this app"
    raise Forbidden(Problem(actor.who, f"{has}; {words} needs the {needed} role{' or admin' if needed != 'admin' else ''}. "
                            "Nothing was written", code="forbidden",
                            fix=f"ask an admin to give {actor.who} the {needed} role in the roles file"))


def _same(owner: str | None, who: str) -> bool:
    return owner is not None and owner.strip().casefold() == who.strip().casefold()


# ---- the roles file -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Rule:
    match: str          # 'alice@example.com' | 'group:name' | '@example.com' | '*'
    role: str           # viewer | analyst | admin | none

    @property
    def kind(self) -> str:
        return ("any" if self.match == "*" else "group" if self.match.startswith("group:")
                else "domain" if self.match.startswith("@") else "email")


def roles_path() -> Path:
    return Path(os.environ["DCE_ROLES"]) if os.environ.get("DCE_ROLES") else ROLES_FILE


def parse_roles(text: str, name: str = "roles.csv") -> list[Rule]:
    """Rules from the roles file's text; LoadError naming every bad line (nothing is half-applied)."""
    rules, problems, seen = [], [], {}
    lines = [(n, line) for n, line in enumerate(text.splitlines(), 1) if line.strip() and not line.lstrip().startswith("#")]
    for n, row in zip([n for n, _ in lines], csv.reader([line for _, line in lines])):
        cells = [c.strip() for c in row]
        if [c.lower() for c in cells] == ["who", "role"]:
            continue                              # the header
        if len(cells) != 2:
            problems.append(Problem(name, "a line holds two cells, who and role", row=n, code="roles_shape",
                                    fix="write one 'who,role' per line, e.g. alice@example.com,analyst"))
            continue
        match, role = cells[0].lower(), cells[1].lower()
        if role not in (*ROLES, NO_ACCESS):
            problems.append(Problem(name, f"unknown role; use one of {', '.join(ROLES)} or {NO_ACCESS}", row=n,
                                    column="role", value=cells[1], code="roles_role"))
            continue
        if not _valid_match(match):
            problems.append(Problem(name, "who must be an email, @domain, group:NAME or *", row=n, column="who",
                                    value=cells[0], code="roles_who"))
            continue
        if match in seen:
            problems.append(Problem(name, f"listed twice (first on line {seen[match]})", row=n, column="who",
                                    value=cells[0], code="roles_duplicate", fix="keep one line per person"))
            continue
        seen[match] = n
        rules.append(Rule(match, role))
    if problems:
        raise LoadError(problems)
    return rules


def _valid_match(match: str) -> bool:
    if match == "*":
        return True
    if any(unicodedata.category(ch) in ("Cc", "Cf", "Zs") for ch in match) or len(match) > MAX_WHO:
        return False
    if match.startswith("group:"):
        return len(match) > len("group:")
    if match.startswith("@"):
        return "." in match[1:] and "@" not in match[1:]
    return match.count("@") == 1 and not match.endswith("@")


_cache: dict[Path, tuple[tuple, list[Rule]]] = {}


def read_roles(path: Path | None = None) -> list[Rule]:
    """The rules in force (no file: none, so nobody has a role). Re-read when the file changes."""
    path = Path(path or roles_path())
    try:
        stat = path.stat()
    except FileNotFoundError:
        return []
    stamp = (stat.st_mtime_ns, stat.st_size)
    cached = _cache.get(path)
    if cached is None or cached[0] != stamp:
        cached = (stamp, parse_roles(path.read_text(encoding="utf-8-sig"), path.name))
        _cache[path] = cached
    return list(cached[1])


def role_for(who: str, groups=(), rules: list[Rule] | None = None) -> str | None:
    """The role the most specific matching rule gives (None: no rule, or role `none`)."""
    rules = read_roles() if rules is None else rules
    who = who.strip().lower()
    domain = "@" + who.rsplit("@", 1)[1] if "@" in who else None
    wanted = {f"group:{g.strip().lower()}" for g in groups if g and g.strip()}
    for kind, hit in (("email", lambda r: r.match == who), ("group", lambda r: r.match in wanted),
                      ("domain", lambda r: r.match == domain), ("any", lambda r: True)):
        found = [r.role for r in rules if r.kind == kind and hit(r)]
        if found:
            best = max(found, key=lambda role: RANK.get(role, -1))
            return best if best in RANK else None
    return None


def write_roles(rules: list[Rule], *, actor: Actor | None = None, path: Path | None = None,
                keep_admin: bool = True) -> None:
    """Replace the roles file (admin only). With `keep_admin` (a signed-in admin), refused when it would leave
    the acting admin without the admin role, so nobody locks the app's last door behind them. Written to a
    temporary file, then renamed (a reader never sees half a file)."""
    actor = require(actor, "roles")
    text = rules_text(rules)
    path = Path(path or roles_path())
    checked = parse_roles(text, path.name)
    if keep_admin and role_for(actor.who, actor.groups, checked) != "admin":
        raise LoadError(Problem(path.name, f"{actor.who} would no longer be an admin; nothing was saved",
                                code="roles_lockout", fix=f"keep a line that makes {actor.who} an admin"))
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def rules_text(rules: list[Rule]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows([("who", "role"), *((r.match, r.role) for r in rules)])
    return out.getvalue()
