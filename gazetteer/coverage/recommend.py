"""Where to build next: maximal covering (greedy and exact) and set covering with HiGHS.

Only demand not yet covered by the existing facilities counts. Candidate sites are the
demand points themselves, network nodes near uncovered demand, or a supplied list. The
coverage matrix (candidate x uncovered demand) comes from one limited Dijkstra per
candidate (:func:`gazetteer.coverage.analysis.coverage_matrix`).

* Greedy: repeatedly take the candidate covering the most still-uncovered weight (a
  (1 - 1/e)-approximation for the maximal covering location problem).
* Exact: the MCLP integer program (max sum w_j y_j; y_j <= sum_{i covers j} x_i;
  sum x_i = k; x binary, 0 <= y <= 1) solved by HiGHS with a time limit; the result
  reports the solver's status and the gap between greedy and exact.
* Set covering: the fewest sites that lift coverage to a target share (greedy and exact).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy.sparse import csc_matrix, csr_matrix
from scipy.spatial import cKDTree

from gazetteer.coverage.analysis import coverage_matrix, nearest_times
from gazetteer.coverage.data import Context, FacilitySet
from gazetteer.coverage.inputs import search_limit_s
from gazetteer.coverage.model import Candidate, CoverageQuery, Pick, Recommendation, SetCover
from gazetteer.errors import InvalidInput
from gazetteer.network.graph import ProfileGraph, Snapped
from gazetteer.types import metric_to_lonlat

FloatArray = NDArray[np.float64]
MAX_K = 200
MAX_CANDIDATES = 20_000
CANDIDATE_SOURCES = ("demand", "nodes", "list")


def greedy_max_cover(a: csr_matrix, w: FloatArray, k: int) -> list[tuple[int, float]]:
    """Up to ``k`` (row, gain) picks; stops early when nothing more can be gained."""
    rem = np.asarray(w, float).copy()
    picks: list[tuple[int, float]] = []
    a = csr_matrix(a, dtype=np.float64)
    for _ in range(k):
        gains = a @ rem
        if len(gains) == 0:
            break
        i = int(np.argmax(gains))
        if gains[i] <= 0:
            break
        picks.append((i, float(gains[i])))
        rem[a.indices[a.indptr[i] : a.indptr[i + 1]]] = 0.0
    return picks


def _highs() -> Any:
    import highspy  # imported here: only the exact solvers need it

    h = highspy.Highs()  # type: ignore[no-untyped-call]
    h.setOptionValue("output_flag", False)
    h.setOptionValue("log_to_console", False)
    return h


def _solve(
    a: csr_matrix,
    w: FloatArray,
    *,
    k: int | None,
    need: float | None,
    time_limit_s: float,
) -> tuple[list[int], str, float | None]:
    """MCLP (``k`` given: maximise covered weight) or partial set cover (``need`` given:
    minimise sites covering at least ``need``). Returns chosen rows, status, mip gap."""
    import highspy

    nc, nd = a.shape
    h = _highs()
    h.setOptionValue("time_limit", float(time_limit_s))
    h.setOptionValue("mip_rel_gap", 1e-6)
    inf = highspy.kHighsInf
    lp = highspy.HighsLp()
    n_var = nc + nd
    lp.num_col_ = n_var
    if k is not None:
        cost = np.concatenate([np.zeros(nc), -np.asarray(w, float)])  # minimise -covered
    else:
        cost = np.concatenate([np.ones(nc), np.zeros(nd)])
    lp.col_cost_ = cost
    lp.col_lower_ = np.zeros(n_var)
    lp.col_upper_ = np.ones(n_var)
    # rows: y_j - sum_i a_ij x_i <= 0 (nd rows), then the budget / target row
    at = csc_matrix(a, dtype=np.float64)  # column j of a = candidates covering demand j
    cols_x = csr_matrix(-at.T)  # nd x nc
    eye = csr_matrix((np.ones(nd), (np.arange(nd), np.arange(nd))), shape=(nd, nd))
    from scipy.sparse import hstack, vstack

    cover_rows = hstack([cols_x, eye])
    if k is not None:
        last = csr_matrix(np.concatenate([np.ones(nc), np.zeros(nd)])[None, :])
        lo_last, hi_last = float(k), float(k)
    else:
        last = csr_matrix(np.concatenate([np.zeros(nc), np.asarray(w, float)])[None, :])
        lo_last, hi_last = float(need or 0.0), inf
    m = csc_matrix(vstack([cover_rows, last]))
    lp.num_row_ = nd + 1
    lp.row_lower_ = np.concatenate([np.full(nd, -inf), [lo_last]])
    lp.row_upper_ = np.concatenate([np.zeros(nd), [hi_last]])
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = m.indptr.astype(np.int32)
    lp.a_matrix_.index_ = m.indices.astype(np.int32)
    lp.a_matrix_.value_ = m.data.astype(float)
    lp.integrality_ = [highspy.HighsVarType.kInteger] * nc + [highspy.HighsVarType.kContinuous] * nd
    h.passModel(lp)
    h.run()
    status = h.getModelStatus()
    name = h.modelStatusToString(status).lower()
    sol = h.getSolution()
    if status == highspy.HighsModelStatus.kInfeasible:
        return [], "infeasible", None
    x = np.asarray(sol.col_value[:nc]) if len(sol.col_value) else np.zeros(nc)
    chosen = [int(i) for i in np.flatnonzero(x > 0.5)]
    info = h.getInfo()
    gap = float(info.mip_gap) if np.isfinite(info.mip_gap) else None
    if status == highspy.HighsModelStatus.kOptimal:
        return chosen, "optimal", gap
    return chosen, ("time_limit" if "time" in name else name), gap


def _candidates(
    pg: ProfileGraph,
    ctx_demand_xy: FloatArray,
    uncovered_xy: FloatArray,
    *,
    source: str,
    supplied: Sequence[Candidate],
    demand_ids: NDArray[np.int64],
    demand_names: Sequence[str],
    demand_ll: FloatArray,
    reach_m: float,
) -> list[Candidate]:
    if source == "list":
        if not supplied:
            raise InvalidInput("请提供候选位置 (candidates list is empty)")
        return list(supplied)
    if source == "demand":
        return [
            Candidate(
                float(demand_ll[i, 0]),
                float(demand_ll[i, 1]),
                demand_names[i],
                "demand",
                int(demand_ids[i]),
            )
            for i in range(len(demand_ids))
        ]
    if source == "nodes":
        g = pg.graph
        if len(uncovered_xy) == 0:
            return []
        tree = cKDTree(uncovered_xy)
        d, _ = tree.query(g.node_xy, k=1, distance_upper_bound=reach_m)
        near = np.flatnonzero(np.isfinite(d))
        if len(near) > MAX_CANDIDATES:
            near = near[np.linspace(0, len(near) - 1, MAX_CANDIDATES).astype(int)]
        ll = metric_to_lonlat(g.node_xy[near])
        return [
            Candidate(
                float(ll[k, 0]),
                float(ll[k, 1]),
                f"node {int(g.node_ids[i])}",
                "node",
                int(g.node_ids[i]),
            )
            for k, i in enumerate(near)
        ]
    raise InvalidInput(
        f"未知候选来源 (unknown candidate source): {source}; 可选 (choose from): "
        + ", ".join(CANDIDATE_SOURCES)
    )


class Problem:
    """A site-selection problem: the uncovered demand of an area, the candidate sites and
    which candidate covers which demand point (the coverage matrix)."""

    def __init__(
        self,
        ctx: Context,
        facilities: FacilitySet,
        query: CoverageQuery,
        prefix: str,
        *,
        source: str,
        supplied: Sequence[Candidate],
        progress: object | None,
    ) -> None:
        pg = ctx.pg
        limit_s = query.minutes * 60.0
        demand = ctx.demand
        w_all = demand.weights(query.weight)
        mask = (
            np.char.startswith(demand.admin_codes, prefix) if prefix else np.ones(len(w_all), bool)
        )
        if len(facilities):
            sites = pg.snap_lonlat(facilities.lonlat, max_snap_m=None)
            near = nearest_times(pg, sites, ctx.demand_sites, limit_s=limit_s)
            covered = near.time_s <= limit_s
        else:
            covered = np.zeros(len(w_all), bool)
        self.total = float(w_all[mask].sum())
        self.baseline = float(w_all[mask & covered].sum())
        unc = np.flatnonzero(mask & ~covered & (w_all > 0))
        self.w = w_all[unc]
        unc_sites = ctx.demand_sites.take(unc)
        reach_m = limit_s * max(pg.profile.default_speed_kmh, 1.0) / 3.6
        if pg.profile.use_edge_speed:
            reach_m = limit_s * 120 / 3.6
        cands = _candidates(
            pg,
            ctx.demand_sites.xy,
            unc_sites.xy,
            source=source,
            supplied=supplied,
            demand_ids=demand.ids[mask],
            demand_names=[n for n, m in zip(demand.names, mask, strict=True) if m],
            demand_ll=demand.lonlat[mask],
            reach_m=reach_m,
        )
        if len(cands) > MAX_CANDIDATES:
            raise InvalidInput(f"候选位置过多 (at most {MAX_CANDIDATES} candidates)")
        self.candidates = cands
        ll = np.array([(c.lon, c.lat) for c in cands], float).reshape(-1, 2)
        cand_sites: Snapped = pg.snap_lonlat(ll, max_snap_m=2000.0 if source == "list" else None)
        if progress is not None:
            progress.total = len(cands)  # type: ignore[attr-defined]
        self.a = coverage_matrix(pg, cand_sites, unc_sites, limit_s=limit_s, progress=progress)
        self.query = query
        self.search_limit_s = search_limit_s(query)

    def picks(self, order: Sequence[tuple[int, float]]) -> list[Pick]:
        """The picks in ``order`` with the coverage reached after each."""
        out = []
        cum = self.baseline
        for r, (i, gain) in enumerate(order, start=1):
            cum += gain
            out.append(
                Pick(r, self.candidates[i], gain, cum, cum / self.total if self.total else 0.0)
            )
        return out

    def order_exact(self, chosen: Sequence[int]) -> list[tuple[int, float]]:
        """Exact picks ordered greedily among themselves, each with its marginal gain."""
        if not chosen:
            return []
        sub = self.a[list(chosen)]
        order = greedy_max_cover(sub, self.w, len(chosen))
        used = {chosen[i] for i, _ in order}
        rest = [(i, 0.0) for i in chosen if i not in used]
        return [(chosen[i], g) for i, g in order] + rest


def check_k(k: int) -> int:
    """``k`` when it is a number of sites this module solves for."""
    if not (1 <= k <= MAX_K):
        raise InvalidInput(f"k 须在 1–{MAX_K} 之间 (k must be between 1 and {MAX_K})")
    return k


def check_target_share(target_share: float) -> float:
    """``target_share`` when it is a share in (0, 1]."""
    if not (0 < target_share <= 1):
        raise InvalidInput("目标覆盖率须在 0–1 之间 (target share must be in (0, 1])")
    return target_share


def best_sites(
    p: Problem, k: int, *, exact: bool = True, time_limit_s: float = 10.0
) -> Recommendation:
    """The ``k`` new sites covering the most uncovered weight (greedy and exact)."""
    query = p.query
    g = greedy_max_cover(p.a, p.w, k)
    greedy_gain = float(sum(x for _, x in g))
    ex_picks: list[Pick] | None = None
    ex_gain: float | None = None
    status = "skipped"
    mip_gap = None
    if exact and p.a.shape[0] and p.a.nnz:
        chosen, status, mip_gap = _solve(
            p.a, p.w, k=min(k, p.a.shape[0]), need=None, time_limit_s=time_limit_s
        )
        ordered = p.order_exact(chosen)
        ex_picks = p.picks([x for x in ordered if x[1] > 0] or ordered[:0])
        ex_gain = float(sum(x for _, x in ordered))
    elif exact:
        status, ex_picks, ex_gain = "optimal", [], 0.0
    gap = None
    if ex_gain is not None:
        gap = (ex_gain - greedy_gain) / ex_gain if ex_gain > 0 else 0.0
    return Recommendation(
        k=k,
        candidates=len(p.candidates),
        weight=query.weight,
        baseline_covered=p.baseline,
        total=p.total,
        greedy=p.picks(g),
        greedy_gain=greedy_gain,
        exact=ex_picks,
        exact_gain=ex_gain,
        exact_status=status,
        mip_gap=mip_gap,
        greedy_gap=gap,
        minutes=query.minutes,
        profile=query.profile,
    )


def fewest_sites(
    p: Problem, target_share: float, *, exact: bool = True, time_limit_s: float = 10.0
) -> SetCover:
    """The fewest new sites lifting coverage to ``target_share`` (0-1)."""
    need = target_share * p.total - p.baseline
    reachable_w = float(p.w[np.asarray(p.a.sum(axis=0)).ravel() > 0].sum())
    reachable = (p.baseline + reachable_w) / p.total if p.total else 0.0
    if need <= 1e-9:
        return SetCover(target_share, reachable, [], [], "optimal", p.baseline, p.total)
    if reachable_w + 1e-9 < need:
        raise InvalidInput(
            f"即使使用全部候选位置也达不到目标覆盖率 (the target share {target_share:.1%} "
            f"cannot be reached; all candidates together reach {reachable:.1%})",
            details={"reachable_share": reachable},
        )
    picks: list[tuple[int, float]] = []
    got = 0.0
    for i, gain in greedy_max_cover(p.a, p.w, p.a.shape[0]):
        picks.append((i, gain))
        got += gain
        if got + 1e-9 >= need:
            break
    ex: list[Pick] | None = None
    status = "skipped"
    if exact:
        chosen, status, _gap = _solve(p.a, p.w, k=None, need=need, time_limit_s=time_limit_s)
        ex = p.picks(p.order_exact(chosen))
    return SetCover(target_share, reachable, p.picks(picks), ex, status, p.baseline, p.total)


__all__ = [
    "CANDIDATE_SOURCES",
    "MAX_CANDIDATES",
    "MAX_K",
    "Problem",
    "best_sites",
    "check_k",
    "check_target_share",
    "fewest_sites",
    "greedy_max_cover",
]
