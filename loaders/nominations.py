"""Individual recognition: nominations, in the `nominations` table (loaders/schema.py), written here and only here.

The plan's individual awards (Daily Heroes, Weekly MVPs, Cross-team Champions, Innovation Awards) need
people's judgement, not a metric: someone nominates a person of a team for an award in a plan week, with
a reason. Every nomination is one write transaction (`db.transaction`); the id is taken inside it, so
two people nominating at the same moment both land. Input is checked first and refused whole, with a
message that says what to fix and never repeats the text it refuses (pages show messages as Markdown).
Names and reasons are people's free text: pages show them in table cells only, never as Markdown.
The reads are here too (not in queries.py) because the table belongs to this module.
"""
from __future__ import annotations

import unicodedata
from datetime import datetime
from pathlib import Path

import pandas as pd

from loaders import access, schema
from loaders.access import Actor
from loaders.db import connect, has_table, transaction

AWARDS = {                 # the plan's "Individual Recognition", as it describes each award
    "Daily Heroes": "Outstanding daily contributions",
    "Weekly MVPs": "Exceptional sprint performance",
    "Cross-team Champions": "Collaboration excellence",
    "Innovation Awards": "Creative problem solving",
}
MAX_NAME, MAX_REASON = 80, 500
FIRST_WEEK, LAST_WEEK = 1, 12
COLUMNS = [c.name for c in schema.NOMINATIONS.columns]
JOINERS = "\u200c\u200d"     # zero-width (non-)joiners belong to some names; other format characters (bidi) do not


def _text(value, what: str, limit: int, *, lines: bool = False, required: bool = True) -> str:
    """Trimmed text without control characters (line breaks kept where `lines`), within `limit`."""
    text = str(value or "").strip()
    if not lines:
        text = " ".join(text.split())
    if required and not text:
        raise ValueError(f"give the {what}")
    if any(unicodedata.category(ch) in ("Cc", "Cf") and ch not in JOINERS and not (lines and ch in "\n\t")
           for ch in text):
        raise ValueError(f"the {what} holds control characters: type it as plain text")
    if len(text) > limit:
        raise ValueError(f"the {what} has at most {limit} characters ({len(text)} given)")
    return text


def _teams(con) -> list[str]:
    return [r[0] for r in con.execute(f'SELECT team FROM "{schema.REFERENCE_PREFIX}teams" ORDER BY 1').fetchall()]


def record(person: str, team: str, award: str, week: int, reason: str, *, nominated_by: str | None = None,
           actor: Actor | None = None, db: Path | None = None) -> int:
    """Store one nomination by `actor` (an analyst or admin; None: the page's user, else the operator);
    returns its id. ValueError (nothing written) when an input is not acceptable. `nominated_by` names the
    nominator where the app cannot (local mode); by default it is the actor."""
    actor = access.require(actor, "nominate")
    person = _text(person, "person's name", MAX_NAME)
    reason = _text(reason, "reason", MAX_REASON, lines=True)
    by = _text(nominated_by, "nominator's name", MAX_NAME, required=False) or actor.who
    if award not in AWARDS:
        raise ValueError(f"the award must be one of the plan's individual awards: {', '.join(AWARDS)}")
    if isinstance(week, bool) or not isinstance(week, int) or not FIRST_WEEK <= week <= LAST_WEEK:
        raise ValueError(f"the week must be a plan week, {FIRST_WEEK} to {LAST_WEEK}")
    with transaction(db) as con:
        teams = _teams(con)
        if team not in teams:
            raise ValueError(f"the team must be one of the plan's teams: {', '.join(teams)}")
        con.execute(schema.ddl(schema.NOMINATIONS))
        nomination_id = con.execute("SELECT coalesce(max(nomination_id), 0) + 1 FROM nominations").fetchone()[0]
        con.execute(f"INSERT INTO nominations ({', '.join(COLUMNS)}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    [nomination_id, week, award, person, team, reason, by, datetime.now()])
    return int(nomination_id)


def listing(*, up_to_week: int | None = None, db: Path | None = None) -> pd.DataFrame:
    """Every nomination (for plan weeks up to `up_to_week`), by week, then in the order they were made."""
    cutoff = "" if up_to_week is None else "WHERE week <= ?"
    with connect(db) as con:
        if not has_table(con, "nominations"):        # a database built before the table existed
            return pd.DataFrame(columns=COLUMNS)
        return con.execute(f"SELECT {', '.join(COLUMNS)} FROM nominations {cutoff} "
                           "ORDER BY week, nominated_at, nomination_id",
                           [] if up_to_week is None else [int(up_to_week)]).df()
