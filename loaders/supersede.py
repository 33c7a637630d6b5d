"""Loads replace keys, never spans: which live rows a batch replaces, and how undo puts them back.

A key is what one stored value is about: (metric_id, as_of) in the observations store, and the row
key in a wide table's history (date, or date × team). A batch supersedes exactly the live rows whose
keys it writes. A blank cell writes nothing, so it replaces nothing, and a day a file does not
contain is never touched. Removing data is a batch of its own (kind 'removal') that supersedes the
chosen keys and writes none, so undo brings them back like any other batch.

Invariant: at most one live row per key. Undo keeps it: the rows a batch B superseded take B's place
in the chain of versions of their key (`_reconnect`), so undoing a batch that was itself replaced
later does not bring back a second live row.
Runs inside the caller's transaction (loaders/load.py); never commits.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from loaders import schema

STORE = schema.OBSERVATIONS.storage_name
TRACKED = [t for t in schema.ALL_TABLES if t.tracked]
NAMED_KEYS = 5          # a preview replacing this many values or fewer names each one
DETAIL_ROWS = 200


def _keys(table: schema.Table, prefix: str = "") -> list[str]:
    return schema.key_sql(table, prefix)


def _match(table: schema.Table, left: str, right: str) -> str:
    """`left`'s key expressions equal `right`'s projected key columns k0, k1, …"""
    return " AND ".join(f"{k} = {right}.k{i}" for i, k in enumerate(_keys(table, f"{left}.")))


def _projected(table: schema.Table, prefix: str = "") -> str:
    return ", ".join(f"{k} AS k{i}" for i, k in enumerate(_keys(table, prefix)))


def supersede(con, table: schema.Table, batch_id: int) -> int:
    """Batch `batch_id` is in the tables: mark the live rows holding its keys as replaced by it.

    Wide tables: their history rows by row key, then the observations store by (metric, day).
    Returns the number of observation values replaced.
    """
    if table is not schema.OBSERVATIONS:
        _supersede_keys(con, table, batch_id)
    return _supersede_keys(con, schema.OBSERVATIONS, batch_id)


def _supersede_keys(con, table: schema.Table, batch_id: int) -> int:
    store, day, b = table.storage_name, table.period_column, int(batch_id)
    lo, hi = con.execute(f'SELECT min("{day}"), max("{day}") FROM {store} WHERE batch_id = ?', [b]).fetchall()[0]
    if lo is None:
        return 0
    # Only the days on which older live rows exist can hold a replaced key: usually none (new days) or a
    # few (a correction). Bounding both sides by them keeps the key join off the batch's other rows
    # (profile, 1M new rows, 87 replaced: 0.19 s joining every new key, ~0.01 s bounded).
    lo, hi = con.execute(f'SELECT min("{day}"), max("{day}") FROM {store} WHERE superseded_by IS NULL '
                         f'AND batch_id <> ? AND "{day}" BETWEEN ? AND ?', [b, lo, hi]).fetchall()[0]
    if lo is None:
        return 0
    return con.execute(f"""
        UPDATE {store} AS t SET superseded_by = {b}
        FROM (SELECT {_projected(table)} FROM {store} WHERE batch_id = {b} AND "{day}" BETWEEN ? AND ?) n
        WHERE t.superseded_by IS NULL AND t.batch_id <> {b} AND t."{day}" BETWEEN ? AND ?
          AND {_match(table, 't', 'n')}""", [lo, hi, lo, hi]).fetchall()[0][0]


def undo(con, batch_id: int, table_name: str) -> int:
    """Take batch `batch_id` out: its rows go, the rows it replaced take its place. Returns the rows it
    had in `table_name`."""
    removed = 0
    for table in TRACKED:
        _reconnect(con, table, batch_id)
        count = con.execute(f"DELETE FROM {table.storage_name} WHERE batch_id = ?", [batch_id]).fetchall()[0][0]
        removed += count if table.name == table_name else 0
    return removed


def _reconnect(con, table: schema.Table, batch_id: int) -> None:
    """Rows superseded by B, per key: the newest becomes what B's own row was (live, or superseded by the
    batch that replaced B's row later); without a row of B for that key (a removal), what the next batch
    that wrote the key replaced. Older ones (a plan rebuild slots its row in beside them) point at the newest.
    """
    store, b = table.storage_name, int(batch_id)
    ks = ", ".join(f"k{i}" for i in range(len(table.key)))
    con.execute(f"""
        UPDATE {store} AS t SET superseded_by = CASE WHEN t.batch_id = p.head THEN p.nxt ELSE p.head END
        FROM (
            WITH head AS (SELECT {_projected(table)}, max(batch_id) AS head FROM {store}
                          WHERE superseded_by = {b} GROUP BY ALL),
            mine AS (SELECT {_projected(table)}, superseded_by AS nxt, true AS has_row FROM {store}
                     WHERE batch_id = {b}),
            later AS (SELECT {", ".join(f"h.k{i}" for i in range(len(table.key)))}, min(x.batch_id) AS nb
                      FROM {store} x JOIN head h ON {_match(table, 'x', 'h')}
                      WHERE x.batch_id > {b} AND x.superseded_by IS DISTINCT FROM {b} GROUP BY ALL)
            SELECT head.*, CASE WHEN mine.has_row THEN mine.nxt ELSE later.nb END AS nxt
            FROM head LEFT JOIN mine USING ({ks}) LEFT JOIN later USING ({ks})) p
        WHERE t.superseded_by = {b} AND {_match(table, 't', 'p')}""")


# ---- what a load would replace (no write) ------------------------------------------------------

def new_keys_sql(table: schema.Table, source: str = "_staged") -> str:
    """(metric_id, as_of, value) the file would write into the observations store."""
    if table is schema.OBSERVATIONS:
        return (f"SELECT metric_id, CAST(as_of AS DATE) AS as_of, CAST(value AS DOUBLE) AS value FROM {source} "
                "WHERE metric_id IS NOT NULL AND as_of IS NOT NULL AND value IS NOT NULL")
    return schema.unpivot_sql(table, source)


@dataclass(frozen=True)
class Replacement:
    """What loading a file (or removing days) would do to the live values: which keys it replaces."""

    values: int                                 # values (metric × day) the file holds
    file_days: tuple[date, ...]                 # the days it holds (at most MAX_DAYS of them)
    n_file_days: int
    rows: int                                   # live values it replaces
    days: tuple[date, ...]                      # the days those are on (at most MAX_DAYS)
    n_days: int
    sources: tuple[tuple[int, str, int], ...]   # (batch_id, file_name, values) they came from
    named: tuple[tuple[str, date, float, float | None], ...] = ()   # (metric, day, was, becomes) when few
    same_as: tuple[int, str] | None = None      # identical content already loaded: (batch_id, file_name)
    removal: bool = False

    @property
    def period(self) -> tuple[date, date] | None:
        return (self.file_days[0], self.file_days[-1]) if self.file_days else None

    def sentence(self) -> str:
        if self.same_as:
            return (f"identical content was already loaded as batch {self.same_as[0]} ({self.same_as[1]}): "
                    "loading it again changes nothing")
        if self.removal:
            if not self.rows:
                return "there are no live values to remove on those days"
            return f"this removes {self.rows:,} value{_s(self.rows)}{self._keys()} — {self._origin()}. Undo brings them back"
        if not self.values:
            return "this file holds no values for the observations store"
        holds = f"this file holds {self.values:,} value{_s(self.values)} on {days_text(self.file_days, self.n_file_days)}"
        if not self.rows:
            return f"{holds} and replaces none loaded earlier"
        return (f"{holds}. It replaces {self.rows:,} value{_s(self.rows)} loaded earlier{self._keys()} — "
                f"{self._origin()}. Days the file does not contain are not touched")

    def _keys(self) -> str:
        """': security_score on 2025-01-20 (70 → 72); …' when few, else ' on <days>'."""
        if not self.named:
            return f" on {days_text(self.days, self.n_days)}"
        return ": " + "; ".join(f"{m} on {d:%Y-%m-%d} ({_num(was)}" + (f" → {_num(new)})" if new is not None else ")")
                                for m, d, was, new in self.named)

    def _origin(self) -> str:
        if len(self.sources) == 1:
            return f"from {self.sources[0][1]} (batch {self.sources[0][0]})"
        text = "; ".join(f"{n:,} from {name} (batch {b})" for b, name, n in self.sources[:5])
        more = len(self.sources) - 5
        return text + (f" and {more} more batches" if more > 0 else "")


MAX_DAYS = 400


def _s(n: int) -> str:
    return "" if n == 1 else "s"


def _num(value) -> str:
    return "—" if value is None else f"{value:,.6g}"


def days_text(days, total: int | None = None, runs: int = 6) -> str:
    """2025-01-13 · 2025-01-15 – 2025-01-17 (consecutive days as one run), at most `runs` runs."""
    days = sorted(days)
    total = len(days) if total is None else total
    if not days:
        return "no day"
    groups, start, prev = [], days[0], days[0]
    for d in days[1:]:
        if (d - prev).days == 1:
            prev = d
            continue
        groups.append((start, prev))
        start = prev = d
    groups.append((start, prev))
    shown = [f"{a:%Y-%m-%d}" if a == b else f"{a:%Y-%m-%d} – {b:%Y-%m-%d}" for a, b in groups[:runs]]
    more = total - sum((b - a).days + 1 for a, b in groups[:runs])
    label = f"{total:,} day{_s(total)}: " if total > 1 else ""
    return label + ", ".join(shown) + (f" and {more:,} more" if more > 0 else "")


def preview(con, new_sql: str) -> Replacement:
    """The keys relation `new_sql` (metric_id, as_of, value) against the live store, counted in DuckDB."""
    con.execute(f"CREATE OR REPLACE TEMP VIEW _new AS {new_sql}")
    try:
        values, n_file_days = con.execute("SELECT count(*), count(DISTINCT as_of) FROM _new").fetchall()[0]
        file_days = _days(con, "SELECT DISTINCT as_of FROM _new")
        hit = f"""SELECT o.metric_id, o.as_of, o.value AS was, n.value AS becomes, o.batch_id
                  FROM {schema.LIVE_OBSERVATIONS} o JOIN _new n USING (metric_id, as_of)"""
        return _replacement(con, hit, values=values, file_days=file_days, n_file_days=n_file_days)
    finally:
        con.execute("DROP VIEW IF EXISTS _new")


def _days(con, sql: str) -> tuple[date, ...]:
    return tuple(r[0] for r in con.execute(f"{sql} ORDER BY 1 LIMIT {MAX_DAYS}").fetchall())


def _replacement(con, hit: str, **kw) -> Replacement:
    con.execute(f"CREATE OR REPLACE TEMP VIEW _hit AS {hit}")
    try:
        rows, n_days = con.execute("SELECT count(*), count(DISTINCT as_of) FROM _hit").fetchall()[0]
        sources = con.execute("SELECT h.batch_id, b.file_name, count(*) FROM _hit h JOIN batches b USING (batch_id) "
                              "GROUP BY ALL ORDER BY h.batch_id").fetchall()
        named = con.execute(f"SELECT metric_id, as_of, was, becomes FROM _hit ORDER BY as_of, metric_id "
                            f"LIMIT {NAMED_KEYS}").fetchall() if rows <= NAMED_KEYS else []
        return Replacement(rows=rows, days=_days(con, "SELECT DISTINCT as_of FROM _hit"), n_days=n_days,
                           sources=tuple(tuple(s) for s in sources), named=tuple(tuple(n) for n in named), **kw)
    finally:
        con.execute("DROP VIEW IF EXISTS _hit")


def detail(con, new_sql: str, limit: int = DETAIL_ROWS):
    """The first values a load would replace: metric, day, value now, value after, batch it came from."""
    frame = con.execute(f"""
        WITH n AS ({new_sql})
        SELECT o.metric_id AS metric, o.as_of AS day, o.value AS "value now", n.value AS "value after",
               o.batch_id AS "from batch"
        FROM {schema.LIVE_OBSERVATIONS} o JOIN n USING (metric_id, as_of)
        ORDER BY o.as_of, o.metric_id LIMIT {int(limit)}""").df()
    frame["day"] = frame["day"].dt.date          # a day, not a midnight timestamp
    return frame


# ---- removing days ------------------------------------------------------------------------------

def removal_scope(table: schema.Table | None, metric_ids: list[str] | None) -> tuple[str, list[schema.Table]]:
    """(SQL listing the metric ids to remove, wide tables whose history rows on those days go too)."""
    if metric_ids:
        return "SELECT unnest(?::VARCHAR[]) AS metric_id", []
    if table is None or table is schema.OBSERVATIONS:
        return "SELECT metric_id FROM metrics", [t for t in TRACKED if t is not schema.OBSERVATIONS]
    return schema.fed_metrics_sql(table), [table]


def _removal_hit(scope_sql: str) -> str:
    return f"""SELECT o.metric_id, o.as_of, o.value AS was, CAST(NULL AS DOUBLE) AS becomes, o.batch_id
               FROM {schema.LIVE_OBSERVATIONS} o
               WHERE o.as_of BETWEEN ? AND ? AND o.metric_id IN ({scope_sql})"""


def removal_preview(con, start: date, end: date, table: schema.Table | None,
                    metric_ids: list[str] | None) -> Replacement:
    scope_sql, _ = removal_scope(table, metric_ids)
    params = [start, end] + ([list(metric_ids)] if metric_ids else [])
    # The temp view cannot take parameters: the days and ids are bound into a table first.
    con.execute("CREATE OR REPLACE TEMP TABLE _removal AS " + _removal_hit(scope_sql), params)
    try:
        return _replacement(con, "SELECT * FROM _removal", values=0, file_days=(), n_file_days=0, removal=True)
    finally:
        con.execute("DROP TABLE IF EXISTS _removal")


def remove(con, batch_id: int, start: date, end: date, table: schema.Table | None,
           metric_ids: list[str] | None) -> int:
    """Supersede the live values (and wide history rows) in scope on start..end by removal batch `batch_id`."""
    scope_sql, wide = removal_scope(table, metric_ids)
    params = [start, end] + ([list(metric_ids)] if metric_ids else [])
    removed = con.execute(f"""UPDATE {STORE} SET superseded_by = {int(batch_id)}
                              WHERE superseded_by IS NULL AND as_of BETWEEN ? AND ? AND metric_id IN ({scope_sql})""",
                          params).fetchall()[0][0]
    for t in wide:
        con.execute(f'UPDATE {t.storage_name} SET superseded_by = {int(batch_id)} '
                    f'WHERE superseded_by IS NULL AND "{t.period_column}" BETWEEN ? AND ?', [start, end])
    return removed
