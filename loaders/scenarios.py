"""Saved what-if scenarios: the `scenarios` table (loaders/schema.py), written here and only here.

A scenario is its levers and the outcomes they gave, stored as JSON with a name,
a time and who saved it. Every save is one write transaction (`db.transaction`),
and the id is taken inside it, so two people saving at the same moment both land:
within the process WRITE_LOCK serialises them, across processes the file lock does.
Names need not be unique: the id tells two saves apart.
The reads are here too (not in queries.py) because the table belongs to this module.
"""
from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pandas as pd

from loaders import access, schema
from loaders.access import Actor
from loaders.db import connect, has_table, transaction

MAX_NAME = 80
COLUMNS = ["scenario_id", "name", "levers_json", "outcomes_json", "saved_at", "saved_by"]


def clean_name(name: str) -> str:
    text = " ".join(str(name or "").split())
    if not text:
        raise ValueError("give the scenario a name")
    if len(text) > MAX_NAME:
        raise ValueError(f"a scenario name has at most {MAX_NAME} characters")
    return text


def save(name: str, levers: dict, outcomes: dict | None = None, *, actor: Actor | None = None,
         db: Path | None = None) -> int:
    """Store one scenario as `actor`'s (an analyst or admin; None: the page's user, else the operator)."""
    actor = access.require(actor, "scenario")
    name = clean_name(name)
    row = [name, json.dumps({k: float(v) for k, v in levers.items()}, sort_keys=True),
           json.dumps(outcomes or {}, sort_keys=True, default=float), datetime.now(), actor.who]
    with transaction(db) as con:
        con.execute(schema.ddl(schema.SCENARIOS))
        scenario_id = con.execute("SELECT coalesce(max(scenario_id), 0) + 1 FROM scenarios").fetchone()[0]
        con.execute("INSERT INTO scenarios VALUES (?, ?, ?, ?, ?, ?)", [scenario_id, *row])
    return int(scenario_id)


def delete(scenario_id: int, *, actor: Actor | None = None, db: Path | None = None) -> bool:
    """Remove one scenario (an analyst their own, an admin anyone's); False when there was none with that id."""
    actor = actor if actor is not None else access.default_actor()
    with transaction(db) as con:
        owner = con.execute("SELECT saved_by FROM scenarios WHERE scenario_id = ?", [int(scenario_id)]).fetchall()
        access.require(actor, "delete_scenario", owner=owner[0][0] if owner else actor.who)
        gone = con.execute("DELETE FROM scenarios WHERE scenario_id = ? RETURNING scenario_id",
                           [int(scenario_id)]).fetchall()
    return bool(gone)


def saved(*, db: Path | None = None) -> pd.DataFrame:
    """Every saved scenario, newest first, with `levers` and `outcomes` decoded to dicts."""
    with connect(db) as con:
        if has_table(con, "scenarios"):
            frame = con.execute(f"SELECT {', '.join(COLUMNS)} FROM scenarios "
                                "ORDER BY saved_at DESC, scenario_id DESC").df()
        else:                           # a database built before the table existed
            frame = pd.DataFrame(columns=COLUMNS)
    frame["levers"] = [json.loads(v) for v in frame["levers_json"]]
    frame["outcomes"] = [json.loads(v) if v else {} for v in frame["outcomes_json"]]
    return frame


def get(ids: list[int], *, db: Path | None = None) -> pd.DataFrame:
    """The scenarios with these ids, in the order asked."""
    frame = saved(db=db).set_index("scenario_id", drop=False)
    return frame.loc[[i for i in ids if i in frame.index]].reset_index(drop=True)
