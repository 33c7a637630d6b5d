"""Roles in the write path (loaders/access.py): every write function refuses a role that may not make it,
on a real database, and the batches table records who loaded, from where, and who undid."""
from __future__ import annotations

import getpass
import subprocess
import sys

import duckdb
import pytest

from loaders import access, assumptions, build, load, nominations, removal, sample, scenarios
from loaders.access import Actor, Forbidden
from loaders.errors import LoadError
from tests.conftest import ROOT, write

VIEWER = Actor("vera@example.com", "viewer", "page")
ANALYST = Actor("ann@example.com", "analyst", "page")
OTHER = Actor("otto@example.com", "analyst", "page")
ADMIN = Actor("ada@example.com", "admin", "page")
UNKNOWN = Actor("anonymous", None, "page")


def query(db, sql, params=()):
    with duckdb.connect(str(db)) as con:
        return con.execute(sql, params).fetchall()


def snapshot(db) -> list:
    """Everything a write could change."""
    tables = ["batches", "observations_history", "scenarios", "assumptions", "nominations"]
    return [query(db, f"SELECT * FROM {t} ORDER BY ALL") for t in tables]


def obs_file(tmp_path, value=70, day="2025-01-20", name="obs.csv"):
    return write(tmp_path / name, f"metric_id,as_of,value\nsecurity_score,{day},{value}\n")


# ---- the roles file -------------------------------------------------------------------------------------

def test_the_most_specific_line_wins():
    rules = access.parse_roles("# comment\nwho,role\nAda@Example.com,admin\ngroup:dce-analysts,analyst\n"
                               "group:auditors,viewer\n@example.com,viewer\nbarred@example.com,none\n*,viewer\n")
    assert access.role_for("ada@EXAMPLE.com", (), rules) == "admin"           # email, case-insensitive
    assert access.role_for("bo@example.com", ("DCE-Analysts", "auditors"), rules) == "analyst"   # highest group
    assert access.role_for("bo@example.com", (), rules) == "viewer"            # domain
    assert access.role_for("barred@example.com", ("dce-analysts",), rules) is None   # an email's 'none' wins
    assert access.role_for("someone@elsewhere.org", (), rules) == "viewer"     # '*'
    assert access.role_for("x@sub.example.com", (), access.parse_roles("@example.com,admin\n")) is None
    assert access.role_for("anyone@example.com", (), []) is None               # no file: nobody


def test_a_bad_roles_file_names_each_line_and_refuses_everyone(tmp_path, monkeypatch):
    path = write(tmp_path / "roles.csv", "who,role\nada@example.com,boss\nnot-an-email,viewer\n"
                                         "ann@example.com,analyst\nANN@example.com,viewer\n")
    monkeypatch.setenv("DCE_ROLES", str(path))
    with pytest.raises(LoadError) as caught:
        access.read_roles()
    found = [(p.row, p.column, p.code) for p in caught.value.problems]
    assert found == [(2, "role", "roles_role"), (3, "who", "roles_who"), (5, "who", "roles_duplicate")]


def test_write_roles_keeps_the_admin_who_saves_and_refuses_others(tmp_path):
    path = tmp_path / "roles.csv"
    rules = [access.Rule("ada@example.com", "admin"), access.Rule("@example.com", "viewer")]
    with pytest.raises(Forbidden):
        access.write_roles(rules, actor=ANALYST, path=path)
    with pytest.raises(LoadError, match="would no longer be an admin"):
        access.write_roles(rules[1:], actor=ADMIN, path=path)
    assert not path.exists()
    access.write_roles(rules, actor=ADMIN, path=path)
    assert access.read_roles(path) == rules


# ---- the write path refuses, and nothing is written -------------------------------------------------------

def test_a_viewer_cannot_write_by_any_function(db, tmp_path):
    """Every write function, called directly as a viewer (and as someone with no role): Forbidden, a clear
    message naming them and the role needed, and the database unchanged."""
    batch = load.load_file(obs_file(tmp_path), actor=ANALYST, db=db).batch_id
    sid = scenarios.save("Mine", {"a": 1.0}, actor=ANALYST, db=db)
    before = snapshot(db)
    attempts = {
        "load_file": lambda who: load.load_file(obs_file(tmp_path, 71, name="b.csv"), actor=who, db=db),
        "commit": lambda who: load.commit(load.prepare(obs_file(tmp_path, 72, name="c.csv"), db=db), actor=who, db=db),
        "rollback": lambda who: load.rollback(batch, db=db, actor=who),
        "remove_days": lambda who: removal.remove_days("2025-01-20", "2025-01-20", actor=who, db=db),
        "load_sample": lambda who: sample.load_sample(db, actor=who),
        "scenario save": lambda who: scenarios.save("Theirs", {"a": 2.0}, actor=who, db=db),
        "scenario delete": lambda who: scenarios.delete(sid, actor=who, db=db),
        "nomination": lambda who: nominations.record("Sam", "Security", "Daily Heroes", 1, "Fixed it", actor=who,
                                                     db=db),
        "assumption": lambda who: assumptions.save({"investment_weeks": 10}, actor=who, db=db),
        "rebuild": lambda who: build.build(db, actor=who),
    }
    for name, attempt in attempts.items():
        for who in (VIEWER, UNKNOWN):
            with pytest.raises(Forbidden) as caught:
                attempt(who)
            message = str(caught.value)
            assert who.who in message and "needs the" in message and "Nothing was written" in message, (name, message)
            assert isinstance(caught.value, PermissionError) and caught.value.codes == {"forbidden"}
    assert "viewer role" in str(pytest.raises(Forbidden, attempts["load_file"], VIEWER).value)
    assert "needs the admin role" in str(pytest.raises(Forbidden, attempts["load_sample"], VIEWER).value)
    assert snapshot(db) == before


def test_an_analyst_undoes_their_own_batches_and_an_admin_anyones(db, tmp_path):
    mine = load.load_file(obs_file(tmp_path, 60, "2025-01-20", "mine.csv"), actor=ANALYST, db=db).batch_id
    theirs = load.load_file(obs_file(tmp_path, 61, "2025-01-21", "theirs.csv"), actor=OTHER, db=db).batch_id
    with pytest.raises(Forbidden, match="undoing another person's batch needs the admin role"):
        load.rollback(theirs, db=db, actor=ANALYST)
    load.rollback(mine, db=db, actor=Actor("ANN@example.com", "analyst", "page"))    # the same person
    load.rollback(theirs, db=db, actor=ADMIN)
    rows = query(db, "SELECT batch_id, loaded_by, loaded_via, rolled_back_by FROM batches WHERE batch_id IN (?, ?) "
                     "ORDER BY 1", [mine, theirs])
    assert rows == [(mine, "ann@example.com", "page", "ANN@example.com"),
                    (theirs, "otto@example.com", "page", "ada@example.com")]


def test_only_an_admin_loads_or_removes_the_sample(db):
    with pytest.raises(Forbidden, match="sample history needs the admin role"):
        sample.load_sample(db, actor=ANALYST)
    assert "loaded the sample history" in sample.load_sample(db, actor=ADMIN)
    with pytest.raises(Forbidden):
        sample.remove_sample(db, actor=ANALYST)
    assert query(db, "SELECT DISTINCT loaded_by, loaded_via FROM batches WHERE kind = 'sample'") == \
        [("ada@example.com", "page")]
    assert "removed the sample history" in sample.remove_sample(db, actor=ADMIN)


def test_scenarios_and_nominations_are_signed_by_the_actor(db):
    sid = scenarios.save("Ann's", {"a": 1.0}, actor=ANALYST, db=db)
    with pytest.raises(Forbidden, match="deleting another person's scenario"):
        scenarios.delete(sid, actor=OTHER, db=db)
    assert scenarios.delete(sid, actor=ADMIN, db=db)
    nominations.record("Sam", "Security", "Daily Heroes", 1, "Fixed it", actor=ANALYST, db=db)
    assumptions.save({"investment_weeks": 10}, actor=ANALYST, db=db)
    assert query(db, "SELECT nominated_by FROM nominations") == [("ann@example.com",)]
    assert query(db, "SELECT saved_by FROM assumptions") == [("ann@example.com",)]


def test_without_an_actor_a_script_acts_as_the_operating_system_user(db, tmp_path):
    batch = load.load_file(obs_file(tmp_path), db=db).batch_id
    assert query(db, "SELECT loaded_by, loaded_via FROM batches WHERE batch_id = ?", [batch]) == \
        [(getpass.getuser(), "script")]


# ---- a database built before these columns ------------------------------------------------------------------

def test_build_adds_the_audit_columns_to_an_older_database(db, tmp_path):
    batch = load.load_file(obs_file(tmp_path), actor=ANALYST, db=db).batch_id
    with duckdb.connect(str(db)) as con:
        con.execute("ALTER TABLE batches DROP COLUMN loaded_via")
        con.execute("ALTER TABLE batches DROP COLUMN rolled_back_by")
        assert not build.is_current(con)
    assert build.build(db) is True
    with duckdb.connect(str(db)) as con:
        assert build.is_current(con)
    assert query(db, "SELECT loaded_by, loaded_via FROM batches WHERE batch_id = ?", [batch]) == \
        [("ann@example.com", None)]                                   # what the old row knew
    load.rollback(batch, db=db, actor=ADMIN)                           # and the new columns are written
    assert query(db, "SELECT rolled_back_by FROM batches WHERE batch_id = ?", [batch]) == [("ada@example.com",)]
    assert build.build(db) is False                                    # once upgraded, nothing to do


# ---- the command line ---------------------------------------------------------------------------------------

def cli(db, *args):
    return subprocess.run([sys.executable, "-m", "loaders", *args], cwd=ROOT, capture_output=True, text=True,
                          env={"PATH": "/usr/bin:/bin", "DCE_DB": str(db), "HOME": str(db.parent)}, timeout=120)


def test_the_cli_records_the_os_user_or_who_it_acts_as(db, tmp_path):
    out = cli(db, "load", str(obs_file(tmp_path, 80)))
    assert out.returncode == 0, out.stdout
    out = cli(db, "load", str(obs_file(tmp_path, 81, "2025-01-21", "b.csv")), "--as", "ann@example.com")
    assert out.returncode == 0, out.stdout
    out = cli(db, "rollback", "2", "--as", "ada@example.com")
    assert out.returncode == 0 and "rolled back batch 2" in out.stdout
    assert query(db, "SELECT batch_id, loaded_by, loaded_via, rolled_back_by FROM batches WHERE kind = 'upload' "
                     "ORDER BY 1") == [(2, getpass.getuser(), "cli", "ada@example.com"),
                                       (3, "ann@example.com", "cli", None)]
    out = cli(db, "history", "--as", "")
    assert out.returncode == 1 and out.stdout.startswith("error: --as: give a name")
