"""The business projection: monthly revenue per stream, annual total, cost avoidance and ROI.

Pure numpy/pandas, no Streamlit. One vectorised core (`_annual_core`) serves both the
single deterministic projection and the Monte Carlo draws, so the two cannot disagree.

What the plan gives (data/plan/revenue_streams.csv): per stream a Current (month 0),
Month 3, Month 6 and Month 12 figure and a separate Annual Target.

Interpolation — monotone cubic (PCHIP, Fritsch–Carlson), not linear:
  * it passes exactly through the plan's points at months 0, 3, 6 and 12;
  * it never overshoots: "Risk avoidance" is $2M at month 6 and at month 12 and stays
    $2M in between (a natural cubic spline would bulge above it), and a rising stream
    never dips;
  * it ramps smoothly instead of turning sharply at months 3 and 6 as a linear
    interpolation does — closer to how an adoption curve behaves.
  Implemented here (scipy is not a dependency) and vectorised over draws.

What the monthly figures are: the plan writes its month columns as yearly amounts, so each
is read as the revenue-impact *level* (annualised run-rate) reached at that month. The
monthly table also gives `cumulative`: what those levels earn month by month (level ÷ 12,
summed) — $4.82M over months 1–12 at plan levers.

What "annual total" means: the plan's Annual Target column ($13.9M) is its own stated
figure. It is not the month-12 column ($7.6M), nor the sum of months 1–12 ÷ 12
($4.82M), and no formula links it to the month columns (annual ÷ month 12 ranges from
1.5 to 2.5 across streams). So the plan's annual target is the anchor and the levers move
it: annual total = Σ over streams of annual target × delivery, where delivery = the
scenario's months 1–12 (area under its monthly curve) ÷ the plan's months 1–12. At
neutral levers delivery is 1 for every stream and the total is exactly $13.9M; a
multiplier, a ramp delay, churn or fewer customers reduce it in proportion to the
revenue the year actually loses. The month-12 level ($7.6M at plan) is reported beside it.

Levers (a flat dict, the same keys as the page's widgets and the saved scenarios):
  mult_<stream_id>   % of the plan for that stream (100 = plan)
  delay_months       the whole ramp starts this many months later (the current level holds)
  customers          new enterprise customers at month 12 (plan 30)
  deal_size          average deal size at month 12 (plan $100K)
      → scale "Compliance-enabled new customers" by customers × deal ÷ (30 × $100K); the
        plan's 30 × $100K = $3.0M is not that stream's $2.5M, so the levers act as a ratio.
  churn_pct          annual churn of recurring revenue (plan 2% = 100 − the 98% retention at
                     month 12); recurring streams are multiplied by ((1−c)/(1−c_plan))^(m/12)
  protect_<risk_id>  target protection % per risk → cost avoidance (audit.savings)
  investment         $; default: the stored investment assumption (see `Investment`)

ROI = (annual revenue impact + cost avoidance − investment) ÷ investment (`roi_pct`, the one definition:
the what-if, /business's ROI to date and both weekly reports call it with the same `Investment`).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import pandas as pd

from transforms.audit import savings

MONTHS = np.arange(13)                    # months 0..12
KNOTS = np.array([0.0, 3.0, 6.0, 12.0])   # the plan's points: current, month 3, 6, 12
POINT_COLUMNS = ("current", "month_3", "month_6", "month_12")
CUSTOMER_STREAM = "compliance_new_customers"
RECURRING_STREAMS = ("compliance_new_customers", "premium_compliance_features", "api_usage_monetization")

# Investment assumption, default (editable on /business, stored by loaders/assumptions.py): every team
# has 2 engineers (teams.engineers_needed) and a team with a named lead role has one lead on top; each
# person costs a fully loaded $4,000 per week (≈ $208K a year: salary, benefits, overhead, tooling) for
# the 12-week plan.
LOADED_COST_PER_WEEK = 4_000.0
PLAN_WEEKS = 12


@dataclass(frozen=True)
class Investment:
    """The ROI's investment: people × loaded cost per person-week × weeks, an editable assumption."""
    people: int
    cost_per_week: float
    weeks: int
    edited_at: pd.Timestamp | None = None     # None: the default, computed from the plan's teams
    edited_by: str | None = None

    @property
    def total(self) -> float:
        return self.people * self.cost_per_week * self.weeks

    def basis(self, money) -> str:
        """"13 people × $4,000 a person-week × 12 weeks = $624K" (money: the caller's fmt.money)."""
        return (f"{self.people} people × {money(self.cost_per_week)} a person-week × {self.weeks} weeks "
                f"= {money(self.total)}")

    def provenance(self) -> str:
        if self.edited_at is None:
            return "the default from the plan's teams, editable on /business"
        return f"edited on /business by {self.edited_by} on {pd.Timestamp(self.edited_at):%d %b %Y %H:%M}"

    @classmethod
    def default(cls, people: int) -> "Investment":
        return cls(people, LOADED_COST_PER_WEEK, PLAN_WEEKS)

    @classmethod
    def from_plan(cls, plan: dict[str, pd.DataFrame], people: int) -> "Investment":
        """The stored assumption (plan["assumptions"], newest value per name) over the defaults."""
        stored = plan.get("assumptions")
        if stored is None or stored.empty:
            return cls.default(people)
        values = dict(zip(stored["name"], stored["value"]))
        return cls(int(values.get("investment_people", people)),
                   float(values.get("investment_cost_per_person_week", LOADED_COST_PER_WEEK)),
                   int(values.get("investment_weeks", PLAN_WEEKS)),
                   pd.Timestamp(stored["saved_at"].max()), str(stored.sort_values("saved_at")["saved_by"].iloc[-1]))

    def values(self) -> dict[str, float]:
        """As loaders/assumptions.py stores them."""
        return {"investment_people": self.people, "investment_cost_per_person_week": self.cost_per_week,
                "investment_weeks": self.weeks}


# --- monotone cubic interpolation -------------------------------------------------------

def pchip_slopes(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Fritsch–Carlson slopes at the knots (y: (..., K)), as scipy's PchipInterpolator."""
    h = np.diff(x)
    delta = np.diff(y, axis=-1) / h
    d = np.zeros_like(y, dtype=float)
    # interior: weighted harmonic mean where the secants agree in sign, else flat
    w1 = 2 * h[1:] + h[:-1]
    w2 = h[1:] + 2 * h[:-1]
    same = (delta[..., :-1] * delta[..., 1:]) > 0
    with np.errstate(divide="ignore", invalid="ignore"):
        harmonic = (w1 + w2) / (w1 / delta[..., :-1] + w2 / delta[..., 1:])
    d[..., 1:-1] = np.where(same, harmonic, 0.0)
    d[..., 0] = _end_slope(h[0], h[1], delta[..., 0], delta[..., 1])
    d[..., -1] = _end_slope(h[-1], h[-2], delta[..., -1], delta[..., -2])
    return d


def _end_slope(h0, h1, d0, d1):
    slope = ((2 * h0 + h1) * d0 - h0 * d1) / (h0 + h1)
    slope = np.where(np.sign(slope) != np.sign(d0), 0.0, slope)
    overshoot = (np.sign(d0) != np.sign(d1)) & (np.abs(slope) > np.abs(3 * d0))
    return np.where(overshoot, 3 * d0, slope)


def pchip(x: np.ndarray, y: np.ndarray, slopes: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Evaluate at t (any shape) for S curves (y: (S, K)) → t.shape + (S,). Flat outside the knots."""
    t = np.clip(t, x[0], x[-1])
    i = np.clip(np.searchsorted(x, t, side="right") - 1, 0, len(x) - 2)
    h = (x[i + 1] - x[i])[..., None]
    s = ((t - x[i]) / (x[i + 1] - x[i]))[..., None]
    y0, y1 = y.T[i], y.T[i + 1]                 # t.shape + (S,)
    m0, m1 = slopes.T[i], slopes.T[i + 1]
    s2, s3 = s * s, s * s * s
    return ((2 * s3 - 3 * s2 + 1) * y0 + (s3 - 2 * s2 + s) * h * m0
            + (-2 * s3 + 3 * s2) * y1 + (s3 - s2) * h * m1)


# --- the plan as numbers ---------------------------------------------------------------

@dataclass(frozen=True)
class Baseline:
    """The plan's business figures, as arrays the model runs on."""
    streams: pd.DataFrame           # stream_id, stream, current, month_3, month_6, month_12, annual_target
    costs: pd.DataFrame             # risk_id, risk, annual_exposure, current_protection, target_protection
    points: np.ndarray              # (S, 4) levels at months 0, 3, 6, 12
    slopes: np.ndarray              # (S, 4)
    annual_target: np.ndarray       # (S,)
    plan_months: np.ndarray         # (13, S) plan levels at months 0..12
    customers: float                # 30
    deal_size: float                # 100_000
    churn_pct: float                # 2
    range_low: float                # 6.8M
    range_high: float               # 12.7M
    roi_target_pct: float           # 5460
    people: int                     # engineers + leads (the default investment's head count)
    engineers: int
    stated: dict = field(default_factory=dict)   # stated_totals: total_id → value
    investment: Investment | None = None          # the stored assumption (default: people × $4,000 × 12)

    @cached_property
    def stream_ids(self) -> list[str]:
        return list(self.streams["stream_id"])

    @cached_property
    def risk_ids(self) -> list[str]:
        return list(self.costs["risk_id"])

    @property
    def default_investment(self) -> float:
        """The investment in force: the stored assumption, else the plan's default."""
        return (self.investment or Investment.default(self.people)).total

    @classmethod
    def from_plan(cls, plan: dict[str, pd.DataFrame]) -> "Baseline":
        streams = plan["revenue_streams"].reset_index(drop=True)
        points = streams[list(POINT_COLUMNS)].to_numpy(float)
        slopes = pchip_slopes(KNOTS, points)
        acq = plan["customer_acquisition"].set_index("metric_id")["month_12"]
        stated = plan["stated_totals"].set_index("total_id")["stated_value"].astype(float)
        teams = plan["teams"]
        engineers = int(teams["engineers_needed"].sum())
        leads = int(teams["lead_role"].notna().sum())
        return cls(streams, plan["cost_avoidance"].reset_index(drop=True), points, slopes,
                   streams["annual_target"].to_numpy(float), pchip(KNOTS, points, slopes, MONTHS.astype(float)),
                   float(acq["new_enterprise_customers"]), float(acq["avg_deal_size_usd"]),
                   100.0 - float(acq["customer_retention_pct"]),
                   stated["revenue_target_annual_low"], stated["revenue_target_annual_high"],
                   stated["roi_target_pct"], engineers + leads, engineers, stated.to_dict(),
                   Investment.from_plan(plan, engineers + leads))

    def neutral_levers(self) -> dict[str, float]:
        levers = {f"mult_{s}": 100.0 for s in self.stream_ids}
        levers.update(delay_months=0.0, customers=self.customers, deal_size=self.deal_size,
                      churn_pct=self.churn_pct, investment=self.default_investment)
        levers.update({f"protect_{r}": float(p) for r, p in zip(self.risk_ids, self.costs["target_protection"])})
        return levers


# --- the model -------------------------------------------------------------------------

def _customer_factor(base: Baseline, customers, deal_size) -> np.ndarray:
    return np.asarray(customers, float) * np.asarray(deal_size, float) / (base.customers * base.deal_size)


def _keep(base: Baseline, churn_pct) -> np.ndarray:
    """Yearly retention of recurring revenue relative to the plan's (1 at the plan's churn)."""
    return np.clip(1 - np.asarray(churn_pct, float) / 100, 0, None) / (1 - base.churn_pct / 100)


def _stream_masks(base: Baseline) -> tuple[np.ndarray, np.ndarray]:
    ids = np.array(base.stream_ids)
    return ids == CUSTOMER_STREAM, np.isin(ids, RECURRING_STREAMS)


def _factors(base: Baseline, months, customers, deal_size, churn_pct) -> np.ndarray:
    """Per-draw, per-month, per-stream multiplier from customers and churn: (N, M, S)."""
    cust, keep = (np.atleast_1d(v) for v in (_customer_factor(base, customers, deal_size), _keep(base, churn_pct)))
    is_cust, recurring = _stream_masks(base)
    by_customers = np.where(is_cust, cust[:, None], 1.0)[:, None, :]                    # (N, 1, S)
    by_churn = np.where(recurring, (keep[:, None] ** (months / 12.0))[:, :, None], 1.0)  # (N, M, S)
    return by_customers * by_churn


def _levels(base: Baseline, mult, delay, customers, deal_size, churn_pct, months=MONTHS) -> np.ndarray:
    """Scenario levels (N, M, S): plan curve shifted by the delay, times every factor."""
    delay = np.atleast_1d(np.asarray(delay, float))
    t = months[None, :].astype(float) - delay[:, None]
    curve = pchip(KNOTS, base.points, base.slopes, t)                 # (N, M, S)
    mult = np.asarray(mult, float) / 100
    return curve * _factors(base, months, customers, deal_size, churn_pct) * mult[..., None, :]


def _hermite(t: np.ndarray) -> tuple[np.ndarray, tuple[np.ndarray, ...]]:
    """Interval index and the four cubic Hermite basis values (each t.shape) of times t on KNOTS."""
    t = np.clip(t, KNOTS[0], KNOTS[-1])
    i = np.zeros(t.shape, np.intp)
    for knot in KNOTS[1:-1]:                                           # 2 comparisons: cheaper than searchsorted
        i += t >= knot
    s = (t - KNOTS[i]) / np.diff(KNOTS)[i]
    s2 = s * s
    s3 = s2 * s
    return i, (2 * s3 - 3 * s2 + 1, s3 - 2 * s2 + s, -2 * s3 + 3 * s2, s3 - s2)


def _coefficients(base: Baseline) -> np.ndarray:
    """(J·4, S): per interval j the Hermite weights y_j, h·m_j, y_j+1, h·m_j+1 of every stream."""
    h = np.diff(KNOTS)[:, None]
    y, m = base.points.T, base.slopes.T                              # (K, S)
    return np.stack([y[:-1], h * m[:-1], y[1:], h * m[1:]], axis=1).reshape(-1, y.shape[1])


def _annual_core(base: Baseline, mult, delay, customers, deal_size, churn_pct) -> np.ndarray:
    """Annual total per draw: Σ_s annual target × (scenario months 1–12 ÷ plan months 1–12).

    Months 1–12 of a draw are summed without building the (draws × months × streams) cube: the
    curve is linear in its Hermite coefficients, so the per-draw sums of basis × weight by interval
    (np.bincount) times the coefficient matrix give every stream's year at once.
    """
    delay = np.atleast_1d(np.asarray(delay, float))
    months = MONTHS[1:].astype(float)
    n, intervals = len(delay), len(KNOTS) - 1
    i, basis = _hermite(months[None, :] - delay[:, None])             # (N, 12) each
    slot = (np.arange(n)[:, None] * intervals + i).ravel()             # (draw, interval) of every month

    def by_interval(weight=None) -> np.ndarray:                        # (N, J·4): Σ_m basis × weight per interval
        cols = [np.bincount(slot, (b if weight is None else b * weight).ravel(), minlength=n * intervals)
                for b in basis]
        return np.stack(cols, axis=-1).reshape(n, -1)

    coef = _coefficients(base)                                        # (J·4, S)
    plain = by_interval() @ coef                                      # (N, S): Σ_m curve
    keep = np.broadcast_to(np.atleast_1d(_keep(base, churn_pct)), (n,))
    churned = by_interval(keep[:, None] ** (months / 12.0)) @ coef    # (N, S): Σ_m curve × retention
    is_cust, recurring = _stream_masks(base)
    year = np.where(recurring, churned, plain)
    year = year * np.where(is_cust, np.atleast_1d(_customer_factor(base, customers, deal_size))[:, None], 1.0)
    year = year * np.asarray(mult, float) / 100
    plan_year = base.plan_months[1:].sum(axis=0)
    delivery = np.divide(year, plan_year, out=np.zeros_like(year), where=plan_year > 0)
    return delivery @ base.annual_target


def _mults(base: Baseline, levers: dict) -> np.ndarray:
    return np.array([levers.get(f"mult_{s}", 100.0) for s in base.stream_ids], float)


@dataclass(frozen=True)
class Projection:
    monthly: pd.DataFrame        # month, <stream_id>…, total, plan_total, cumulative, plan_cumulative
    streams: pd.DataFrame        # per stream: month 3/6/12 and annual, plan and scenario
    costs: pd.DataFrame          # per risk: exposure, current, target protection, savings
    annual_total: float
    month_12: float
    cost_avoidance: float
    investment: float
    roi_pct: float

    def outcomes(self) -> dict[str, float]:
        """What a saved scenario stores and exports: money to the cent (float sums leave 13900000.000000002)."""
        cents = {"annual_total": self.annual_total, "month_12": self.month_12,
                 "year_one_earned": float(self.monthly["cumulative"].iloc[-1]),
                 "cost_avoidance": self.cost_avoidance, "investment": self.investment}
        return {**{k: round(v, 2) for k, v in cents.items()}, "roi_pct": self.roi_pct}


def roi_pct(revenue: float, cost_avoidance: float, investment: float) -> float:
    """ROI in percent: (revenue impact + cost avoidance − investment) ÷ investment."""
    return (revenue + cost_avoidance - investment) / investment * 100 if investment > 0 else float("nan")


def implied_investment(roi_target_pct: float, gain: float) -> float:
    """The investment at which `gain` returns `roi_target_pct`: gain ÷ (1 + ROI)."""
    return gain / (1 + roi_target_pct / 100)


def cost_avoidance(base: Baseline, levers: dict) -> pd.DataFrame:
    costs = base.costs.assign(scenario_protection=[float(levers.get(f"protect_{r}", t)) for r, t in
                                                   zip(base.risk_ids, base.costs["target_protection"])])
    costs["savings"] = savings(costs, "scenario_protection")
    return costs


def project(base: Baseline, levers: dict | None = None) -> Projection:
    """The deterministic projection of one scenario (missing levers = the plan).

    Each frame is built in one constructor call: a what-if slider move runs this, and column by
    column assignment (pandas __setitem__, ~0.3 ms each) was half of its ~7 ms (profile)."""
    levers = {**base.neutral_levers(), **(levers or {})}
    args = (_mults(base, levers), levers["delay_months"], levers["customers"], levers["deal_size"], levers["churn_pct"])
    levels = _levels(base, *args)[0]                                     # (13, S)
    total, plan_total = levels.sum(axis=1), base.plan_months.sum(axis=1)
    earning = MONTHS > 0
    monthly = pd.DataFrame({"month": MONTHS, **dict(zip(base.stream_ids, levels.T)), "total": total,
                            "plan_total": plan_total, "cumulative": np.cumsum(np.where(earning, total / 12, 0.0)),
                            "plan_cumulative": np.cumsum(np.where(earning, plan_total / 12, 0.0))})
    annual = float(_annual_core(base, *args)[0])
    year = levels[1:].sum(axis=0)
    plan_year = base.plan_months[1:].sum(axis=0)
    streams = base.streams[["stream_id", "stream", "month_3", "month_6", "month_12", "annual_target"]].assign(
        **{f"scenario_month_{m}": levels[m] for m in (3, 6, 12)},
        scenario_annual=np.divide(year, plan_year, out=np.zeros_like(year), where=plan_year > 0) * base.annual_target)
    costs = cost_avoidance(base, levers)
    saved = float(costs["savings"].sum())
    investment = float(levers["investment"])
    return Projection(monthly, streams, costs, annual, float(levels[12].sum()), saved, investment,
                      roi_pct(annual, saved, investment))


# --- uncertainty -----------------------------------------------------------------------

# Levers the Monte Carlo draws from (uniformly within the user's range); `revenue_delivery`
# is one extra factor (% of the scenario's revenue actually delivered) applied to every stream.
UNCERTAIN = ("revenue_delivery", "delay_months", "customers", "deal_size", "churn_pct")


def monte_carlo(base: Baseline, levers: dict, ranges: dict[str, tuple[float, float]],
                n: int = 10_000, seed: int = 42) -> dict[str, float]:
    """P10/P50/P90 of the annual total over `n` seeded draws: vectorised, reproducible.

    Levers without a range keep the scenario's value.
    """
    levers = {**base.neutral_levers(), **levers}
    rng = np.random.default_rng(seed)
    fixed = {"revenue_delivery": 100.0, **levers}
    draws = {}
    for name in UNCERTAIN:
        low, high = sorted(ranges.get(name, (fixed[name], fixed[name])))
        draws[name] = rng.uniform(low, high, n) if high > low else np.full(n, float(low))
    mult = _mults(base, levers)[None, :] * draws["revenue_delivery"][:, None] / 100    # (N, S)
    annual = _annual_core(base, mult, draws["delay_months"], draws["customers"], draws["deal_size"],
                          draws["churn_pct"])
    p10, p50, p90 = np.percentile(annual, [10, 50, 90])
    return {"p10": float(p10), "p50": float(p50), "p90": float(p90), "n": n, "seed": seed}


def verdict(annual: float, low: float, high: float, fmt_money) -> str:
    """"This scenario lands at $9.2M a year, inside the plan's $6.8M–$12.7M target range." """
    rng = f"the plan's {fmt_money(low)}–{fmt_money(high)} target range"
    if annual < low:
        where = f"{fmt_money(low - annual)} below {rng}"
    elif annual > high:
        where = f"{fmt_money(annual - high)} above {rng}"
    else:
        where = f"inside {rng}"
    return f"This scenario lands at **{fmt_money(annual)}** a year, {where}."
