"""The one schema definition: every table in the database, declared once.

Everything that needs to know a table's shape (DDL, validation, templates,
the wide→long unpivot, exports, the live views SQL users query) reads it from here.

Storage: a tracked table keeps every row ever loaded, with `batch_id` and `superseded_by`, under
`<name>_history`; the plan's own names (`observations`, `metrics_daily`, `team_metrics_daily`,
`compliance_metrics_daily`) are VIEWS over the live rows, so anyone opening the database file in
DuckDB's CLI or a BI tool counts each day once. The three wide views are pivoted back from the
observations store: they show exactly the figures the app computes from.
"""
from __future__ import annotations

from dataclasses import dataclass

from loaders import contract


@dataclass(frozen=True)
class Column:
    name: str
    sql_type: str                      # DuckDB type
    required: bool = True
    percent: bool = False              # value must lie in 0–100
    fraction: bool = False             # value must lie in 0–1; observations store it ×100 (as percent)
    metric_id: str | None = None       # wide tables: the registry metric this column feeds


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[Column, ...]
    key: tuple[str, ...] = ()          # natural key: duplicates within a file are refused
    uploadable: bool = False           # analysts may upload files into it
    period_column: str | None = None   # the day column (keys, the views, a batch's period)
    description: str = ""
    tracked: bool = False              # rows carry batch_id / superseded_by (audit + undo)

    @property
    def storage_name(self) -> str:
        """The physical table: tracked tables keep their full history under `<name>_history`."""
        return f"{self.name}_history" if self.tracked else self.name

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)

    @property
    def wide_metrics(self) -> dict[str, str]:
        """column name → metric_id for the columns unpivoted into observations."""
        return {c.name: c.metric_id for c in self.columns if c.metric_id}


def _c(name, sql_type, **kw) -> Column:
    return Column(name, sql_type, **kw)


# --- plan registry (built from data/plan, not uploadable) -------------------------
# Declared in data/plan/contract.toml (the data contract beside the data, loaders/contract.py), which the
# build enforces on every plan CSV: these tables take their columns, types and keys from it, so the plan's
# tables are declared in one place.
_CONTRACT = contract.load()


def _declared(name: str) -> tuple[tuple[Column, ...], tuple[str, ...]]:
    declared = _CONTRACT[name]
    return tuple(_c(c, t, required=c not in declared.optional) for c, t in declared.columns.items()), declared.key


METRICS = Table("metrics", *_declared("metrics"), description="The metric registry: one row per KPI.")
TARGETS = Table("targets", *_declared("targets"), description="Structured targets: one row per target the plan states.")

# --- observations: the long fact table every figure is computed from -------------
# data/plan/observations.csv (the plan's "Current" values) and every upload of this shape.

OBSERVATIONS = Table("observations", *_declared("observations"), uploadable=True, period_column="as_of",
                     tracked=True, description="One value of one metric on one day (long format).")

# --- the plan document's own schema, as its SQL defines it (wide) -----------------

METRICS_DAILY = Table("metrics_daily", (
    _c("date", "DATE"),
    _c("overall_health_score", "INTEGER", required=False, percent=True, metric_id="overall_health_score"),
    _c("security_score", "INTEGER", required=False, percent=True, metric_id="security_score"),
    _c("compliance_score", "INTEGER", required=False, percent=True, metric_id="compliance_score"),
    _c("performance_score", "INTEGER", required=False, percent=True, metric_id="performance_score"),
    _c("business_value_score", "INTEGER", required=False, percent=True, metric_id="business_value_score"),
    _c("team_velocity_total", "INTEGER", required=False, metric_id="team_velocity_total"),
    _c("revenue_pipeline_amount", "DECIMAL(12,2)", required=False, metric_id="revenue_pipeline_usd"),
    _c("critical_vulnerabilities", "INTEGER", required=False, metric_id="critical_vulnerabilities"),
    _c("compliance_violations", "INTEGER", required=False, metric_id="compliance_violations_per_day"),
    _c("api_latency_p99", "DECIMAL(8,2)", required=False, metric_id="api_latency_p99_ms"),
    _c("test_coverage_percentage", "DECIMAL(5,2)", required=False, percent=True, metric_id="test_coverage_overall_pct"),
    # DECIMAL(5,4) cannot hold 99.99: the plan's SQL implies a fraction (0.9999), shown as a percent.
    _c("uptime_percentage", "DECIMAL(5,4)", required=False, fraction=True, metric_id="system_uptime_pct"),
), key=("date",), uploadable=True, period_column="date", tracked=True,
   description="The plan's daily roll-up (one row per day).")

TEAM_METRICS_DAILY = Table("team_metrics_daily", (
    _c("date", "DATE"), _c("team_name", "VARCHAR"),
    _c("story_points_completed", "INTEGER", required=False),
    _c("story_points_planned", "INTEGER", required=False),
    _c("velocity_percentage", "DECIMAL(5,2)", required=False),
    _c("test_coverage", "DECIMAL(5,2)", required=False, percent=True),
    _c("build_success_rate", "DECIMAL(5,2)", required=False, percent=True),
), key=("date", "team_name"), uploadable=True, period_column="date", tracked=True,
   description="Per-team daily figures (one row per team per day).")

COMPLIANCE_METRICS_DAILY = Table("compliance_metrics_daily", (
    _c("date", "DATE"),
    _c("tcpa_violations", "INTEGER", required=False, metric_id="tcpa_violations_per_day"),
    _c("gdpr_violations", "INTEGER", required=False, metric_id="gdpr_violations_per_day"),
    _c("dnc_list_sync_status", "BOOLEAN", required=False, metric_id="dnc_list_sync_status"),
    _c("consent_coverage_percentage", "DECIMAL(5,2)", required=False, percent=True, metric_id="consent_coverage_pct"),
    _c("audit_trail_completeness", "DECIMAL(5,2)", required=False, percent=True, metric_id="audit_trail_completeness_pct"),
), key=("date",), uploadable=True, period_column="date", tracked=True,
   description="The plan's daily compliance figures.")

# team_metrics_daily feeds per-team metrics: <column metric prefix>_<team>.
TEAM_COLUMN_METRICS = {
    "story_points_completed": "velocity",      # velocity_<team> (points per day, summed to weeks)
    "test_coverage": "test_coverage_unit",     # test_coverage_unit_<team>
    "build_success_rate": "build_success_rate",
    "story_points_planned": "story_points_planned",   # story_points_planned_<team> (sprint completion)
}

# --- audit and app state -----------------------------------------------------------

BATCHES = Table("batches", (
    _c("batch_id", "BIGINT"), _c("file_name", "VARCHAR"), _c("sha256", "VARCHAR"),
    _c("table_name", "VARCHAR"), _c("row_count", "BIGINT"), _c("loaded_at", "TIMESTAMP"),
    _c("loaded_by", "VARCHAR"), _c("kind", "VARCHAR"),           # plan | upload | sample
    _c("period_start", "DATE", required=False), _c("period_end", "DATE", required=False),
    _c("replaced_rows", "BIGINT", required=False),
    _c("rolled_back_at", "TIMESTAMP", required=False),
    _c("loaded_via", "VARCHAR", required=False),        # page | cli | import | script | build (loaders/access.py)
    _c("rolled_back_by", "VARCHAR", required=False),    # who undid it
), key=("batch_id",), description="Every load: what, from where (the file and page/cli/import), when, by "
                                   "whom; who undid it. Columns added later go last: build adds them to an "
                                   "older database.")

SCENARIOS = Table("scenarios", (
    _c("scenario_id", "BIGINT"), _c("name", "VARCHAR"), _c("levers_json", "VARCHAR"),
    _c("outcomes_json", "VARCHAR", required=False), _c("saved_at", "TIMESTAMP"),
    _c("saved_by", "VARCHAR", required=False),
), key=("scenario_id",), description="Saved what-if scenarios.")

ASSUMPTIONS = Table("assumptions", (
    _c("name", "VARCHAR"), _c("value", "DOUBLE"), _c("saved_at", "TIMESTAMP"),
    _c("saved_by", "VARCHAR", required=False),
), key=("name", "saved_at"),
   description="Editable assumptions (the ROI's investment): every edit is a row, the newest per name applies.")

NOMINATIONS = Table("nominations", (
    _c("nomination_id", "BIGINT"), _c("week", "INTEGER"), _c("award", "VARCHAR"), _c("person", "VARCHAR"),
    _c("team", "VARCHAR"), _c("reason", "VARCHAR"), _c("nominated_by", "VARCHAR"),
    _c("nominated_at", "TIMESTAMP"),
), key=("nomination_id",), description="Individual recognition: who was nominated for which award, for which "
                                        "plan week, why, by whom and when (loaders/nominations.py).")

PLAN_TABLES = (METRICS, TARGETS)
UPLOADABLE = (OBSERVATIONS, METRICS_DAILY, TEAM_METRICS_DAILY, COMPLIANCE_METRICS_DAILY)
ALL_TABLES = (METRICS, TARGETS, OBSERVATIONS, METRICS_DAILY, TEAM_METRICS_DAILY,
              COMPLIANCE_METRICS_DAILY, BATCHES, SCENARIOS, ASSUMPTIONS, NOMINATIONS)
TABLES = {t.name: t for t in ALL_TABLES}

# Reference tables of the plan shipped as CSV under data/plan/ and loaded as `plan_<file stem>`, with the
# columns and types data/plan/contract.toml declares (`reference_tables`).
REFERENCE_PREFIX = "plan_"


def reference_tables() -> dict[str, dict[str, str]]:
    """file stem → {column: DuckDB type} for every plan table loaded as `plan_<stem>`."""
    core = {t.name for t in PLAN_TABLES} | {OBSERVATIONS.name}
    return {name: dict(d.columns) for name, d in _CONTRACT.items() if name not in core}


def ddl(table: Table) -> str:
    cols = [f'"{c.name}" {c.sql_type}' for c in table.columns]
    if table.tracked:
        cols += ['"batch_id" BIGINT NOT NULL', '"superseded_by" BIGINT']
    return f'CREATE TABLE IF NOT EXISTS "{table.storage_name}" ({", ".join(cols)})'


def key_sql(table: Table, prefix: str = "") -> list[str]:
    """The natural key as SQL expressions. Team names are keyed case-insensitively (validation accepts
    'security' for 'Security', and both feed velocity_security)."""
    return [f'lower({prefix}"{k}")' if k == "team_name" else f'{prefix}"{k}"' for k in table.key]


# --- the live views (what SQL users and the app read) ----------------------------------------------
# Bump when a view's definition changes: build.py recreates the views when the stored marker differs.
LAYOUT = "layout 2: live views over *_history tables"
LIVE_OBSERVATIONS = "observations"      # the view every read query uses


def _pivot_value(column: Column, metric_id: str, where: str = "") -> str:
    """One wide column from the observations store, in the meaning the plan's schema gives it."""
    picked = f"max(o.value) FILTER (WHERE o.metric_id = {metric_id}{where})"
    if column.fraction:
        return f"{picked} / 100"                  # stored as percent (99.95), the plan's column is 0.9995
    if column.sql_type == "BOOLEAN":
        return f"{picked} >= 100"                 # done-type: 100 = true
    return picked


def view_sql() -> dict[str, str]:
    """name → CREATE VIEW statement for the four live views.

    Numbers come out as DOUBLE, not the plan's INTEGER/DECIMAL: an observation may be 9.5 or 48.555,
    and a view that rounded it would disagree with the app. Names and column order are the plan's.
    """
    live = "superseded_by IS NULL"
    views = {OBSERVATIONS.name: f"SELECT metric_id, as_of, value, batch_id FROM {OBSERVATIONS.storage_name} "
                                f"WHERE {live}"}
    for table in (METRICS_DAILY, COMPLIANCE_METRICS_DAILY):
        feeds = table.wide_metrics
        cols = [f'{_pivot_value(table.column(c), repr(m))} AS "{c}"' for c, m in feeds.items()]
        ids = ", ".join(repr(m) for m in feeds.values())
        views[table.name] = (f'SELECT o.as_of AS "date", {", ".join(cols)} FROM {OBSERVATIONS.storage_name} o '
                             f"WHERE o.{live} AND o.metric_id IN ({ids}) GROUP BY o.as_of")
    views[TEAM_METRICS_DAILY.name] = _team_view()
    return views


def _team_view() -> str:
    """Per team and day: the metrics team_metrics_daily feeds (velocity_<team>, …) from the observations
    store; story_points_planned and velocity_percentage feed no metric, so they come from the newest live
    row loaded for that team and day."""
    t = TEAM_METRICS_DAILY
    names = {prefix: f"'{prefix}_' || lower(m.team)" for prefix in TEAM_COLUMN_METRICS.values()}
    fed = ", ".join(f'{_pivot_value(t.column(c), names[p])} AS "{c}"' for c, p in TEAM_COLUMN_METRICS.items())
    own = [c.name for c in t.columns if c.name not in TEAM_COLUMN_METRICS and c.name not in t.key]
    order = []
    for c in t.column_names:
        if c == "date":
            order.append('coalesce(f."date", w."date") AS "date"')
        elif c == "team_name":
            order.append('coalesce(f.team_name, w.team_name) AS team_name')
        else:
            order.append(f'{"w" if c in own else "f"}."{c}"')
    return f"""WITH fed AS (
            SELECT o.as_of AS "date", m.team AS team_name, {fed}
            FROM {OBSERVATIONS.storage_name} o JOIN metrics m USING (metric_id)
            WHERE o.superseded_by IS NULL AND o.metric_id IN ({", ".join(names.values())})
            GROUP BY ALL),
        own AS (
            SELECT "date", team_name, {", ".join(f'"{c}"' for c in own)} FROM {t.storage_name}
            WHERE superseded_by IS NULL AND ({" OR ".join(f'"{c}" IS NOT NULL' for c in own)}))
        SELECT {", ".join(order)}
        FROM fed f FULL JOIN own w ON f."date" = w."date" AND lower(f.team_name) = lower(w.team_name)"""


def unpivot_sql(table: Table, source: str = "_staged") -> str:
    """The one wide→long mapping: a wide row becomes one observation per filled metric column
    (a blank cell becomes none, so it replaces nothing)."""
    period = table.period_column
    parts = []
    for column, metric_id in table.wide_metrics.items():
        col = table.column(column)   # a fraction is stored as percent; a BOOLEAN feeds a done-type metric (true = 100)
        scale = " * 100" if col.fraction or col.sql_type == "BOOLEAN" else ""
        parts.append(f"SELECT '{metric_id}' AS metric_id, CAST(\"{period}\" AS DATE) AS as_of, "
                     f"CAST(\"{column}\" AS DOUBLE){scale} AS value FROM {source} WHERE \"{column}\" IS NOT NULL")
    if table.name == "team_metrics_daily":
        for column, prefix in TEAM_COLUMN_METRICS.items():
            parts.append(f"SELECT '{prefix}_' || lower(team_name) AS metric_id, CAST(\"date\" AS DATE) AS as_of, "
                         f"CAST(\"{column}\" AS DOUBLE) AS value FROM {source} WHERE \"{column}\" IS NOT NULL")
    return " UNION ALL ".join(parts)


def fed_metrics_sql(table: Table) -> str:
    """A query listing the metric ids `table` feeds (every metric for observations)."""
    if table.name == "observations":
        return "SELECT metric_id FROM metrics"
    if table.name == "team_metrics_daily":
        names = ", ".join(f"'{p}_' || lower(team)" for p in TEAM_COLUMN_METRICS.values())
        return f"SELECT metric_id FROM metrics WHERE team IS NOT NULL AND metric_id IN ({names})"
    return " UNION ALL ".join(f"SELECT '{m}' AS metric_id" for m in table.wide_metrics.values())


# --- the plan's daily collectors (JSON) -------------------------------------------------------------

def collector_metric(name: str) -> tuple[str, float] | None:
    """A field of a collector record that names a plan column (uptime_percentage, api_latency_p99, …):
    (the metric it feeds, the factor that turns its value into the metric's unit). None otherwise
    (the field is then read as a metric_id of the registry)."""
    for table in (METRICS_DAILY, COMPLIANCE_METRICS_DAILY):
        if name in table.wide_metrics:
            column = table.column(name)
            return table.wide_metrics[name], 100.0 if (column.fraction or column.sql_type == "BOOLEAN") else 1.0
    return None


# Registry units whose values are percentages (0–100); `index` may exceed 100 (feature parity 110%).
PERCENT_UNITS = ("%", "score")


def detect_table(columns: list[str]) -> Table | None:
    """The uploadable table whose required columns are all present (most columns matched wins)."""
    have = set(columns)
    best, best_score = None, 0
    for table in UPLOADABLE:
        required = {c.name for c in table.columns if c.required}
        if not required <= have:
            continue
        score = len(have & set(table.column_names))
        if score > best_score:
            best, best_score = table, score
    return best
