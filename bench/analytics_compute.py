"""Benchmark the analytics fast paths against the networkx pipeline producing the same outputs.

Builds a random practice-like graph directly as arrays (heavy-tailed degrees, a referral
forest with a few diamonds and cycles), times each analytics function and its networkx
equivalent, and prints seconds, the ratio networkx / fast, and peak RSS.

    .venv/bin/python bench/analytics_compute.py --entities 100000 --relationships 1000000

Where networkx would take too long (betweenness on large graphs, the per-entity
descendant sets, the cut-off clients of every articulation point), it runs on a
smaller share of the work and the full time is extrapolated linearly; those rows are
marked "extrapolated".
"""

from __future__ import annotations

import argparse
import gc
import os
import resource
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import networkx as nx  # noqa: E402

from analytics import (  # noqa: E402
    KINDS,
    RelationshipGraph,
    betweenness,
    communities,
    degree,
    influence_scores,
    key_person_risk,
    pagerank,
    referral_reach,
    suggest_influencer_segments,
    warm_introductions,
)

# (code, phrase, reverse phrase, category, weight): the default catalogue.
RELATIONSHIP_TYPES = [
    ("PRIMARY_CONTACT_AT", "a Primary Contact at", "has Primary Contact", "membership", 1.0),
    ("PARTNER_CONTACT_AT", "a Partner Contact at", "has Partner Contact", "membership", 0.9),
    ("DEPENDANT_IN", "a Dependant in", "has Dependant", "membership", 0.6),
    ("DIRECTOR_AT", "a Director at", "has Director", "membership", 0.9),
    ("EMPLOYEE_AT", "an Employee at", "has Employee", "membership", 0.5),
    ("REFERRER_OF", "the Referrer of", "was referred by", "referral", 1.0),
    ("INTRODUCER_OF", "the Introducer of", "was introduced by", "referral", 0.7),
    ("ADVISER_OF", "the Adviser of", "is advised by", "professional", 1.0),
    ("SOLICITOR_FOR", "a Solicitor for", "has Solicitor", "professional", 0.6),
    ("ACCOUNTANT_FOR", "an Accountant for", "has Accountant", "professional", 0.6),
    ("WORKS_AT", "a Staff Member at", "has Staff Member", "professional", 0.5),
    ("MEMBER_OF_DIVISION", "in", "includes", "other", 0.3),
    ("SPOUSE_OF", "the Spouse of", "is the Spouse of", "family", 1.0),
    ("PARENT_OF", "the Parent of", "is the Child of", "family", 0.8),
    ("RELATED_HOUSEHOLD_OF", "a Related Household of", "is a Related Household of", "other", 0.6),
    ("ACQUAINTANCE_OF", "an Acquaintance of", "is an Acquaintance of", "other", 0.3),
]
TYPE = {row[0]: i for i, row in enumerate(RELATIONSHIP_TYPES)}
KIND = {kind: code for code, kind in enumerate(KINDS)}
STAGES = ["prospect", "client", "inactive", "for_sale"]


def practice_graph(n_entities: int, n_relationships: int, seed: int) -> RelationshipGraph:
    """A random practice: team members advising clients, persons belonging to clients,
    providers, family ties, acquaintances, and a referral forest; heavy-tailed degrees."""
    rng = np.random.default_rng(seed)
    n = n_entities
    n_team = max(2, n // 200)
    n_div = max(1, n // 20000)
    n_prov = max(1, n // 100)
    n_client = max(1, int(n * 0.3))
    n_person = n - n_team - n_div - n_prov - n_client
    kinds = np.concatenate([
        np.full(n_team, KIND["team_member"]), np.full(n_div, KIND["division"]),
        np.full(n_prov, KIND["provider"]), np.full(n_client, KIND["client"]),
        np.full(n_person, KIND["person"]),
    ]).astype(np.int8)
    team = np.arange(n_team)
    div0 = n_team
    prov0 = div0 + n_div
    client0 = prov0 + n_prov
    person0 = client0 + n_client

    def heavy(size: int, count: int, exponent: float = 2.5) -> np.ndarray:
        # Low positions are picked far more often: a heavy-tailed degree distribution.
        return np.minimum((count * rng.random(size) ** exponent).astype(np.int64), count - 1)

    parts: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []

    def add(src: np.ndarray, dst: np.ndarray, type_code: np.ndarray | int) -> None:
        parts.append((src, dst, np.broadcast_to(np.asarray(type_code), src.shape)))

    # Every person belongs to a client; some to a second one.
    persons = person0 + np.arange(n_person)
    home = client0 + heavy(n_person, n_client, 1.6)
    role = rng.choice([TYPE["PRIMARY_CONTACT_AT"], TYPE["PARTNER_CONTACT_AT"], TYPE["DEPENDANT_IN"],
                       TYPE["DIRECTOR_AT"], TYPE["EMPLOYEE_AT"]], n_person, p=[.3, .2, .2, .1, .2])
    add(persons, home, role)
    second = persons[rng.random(n_person) < 0.15]
    add(second, client0 + heavy(len(second), n_client, 2.0), TYPE["DIRECTOR_AT"])
    # Every client has an adviser (the owner); advisers' books are uneven.
    add(team[heavy(n_client, n_team, 1.5)], client0 + np.arange(n_client), TYPE["ADVISER_OF"])
    add(team[heavy(n_team, n_team)], div0 + rng.integers(0, n_div, n_team), TYPE["MEMBER_OF_DIVISION"])
    # Providers: solicitors and accountants for clients, provider staff.
    n_pro = n_client // 3
    add(prov0 + heavy(n_pro, n_prov, 3.0), client0 + rng.integers(0, n_client, n_pro),
        rng.choice([TYPE["SOLICITOR_FOR"], TYPE["ACCOUNTANT_FOR"]], n_pro))
    staff = person0 + rng.integers(0, n_person, n_prov * 3)
    add(staff, prov0 + rng.integers(0, n_prov, len(staff)), TYPE["WORKS_AT"])
    # Family ties between persons of the same household block.
    n_fam = n_person // 3
    a = person0 + rng.integers(0, n_person, n_fam)
    b = np.minimum(a + rng.integers(1, 4, n_fam), n - 1)
    add(a, b, rng.choice([TYPE["SPOUSE_OF"], TYPE["PARENT_OF"]], n_fam))
    # Referral forest: each referred entity has one referrer among earlier entities,
    # chosen preferentially (a few prolific referrers); a few extra referrals make
    # diamonds and cycles.
    referred = client0 + rng.choice(n_client + n_person, size=(n_client + n_person) // 4, replace=False)
    referred.sort()
    span = referred - client0
    referrer = client0 + (span * rng.random(len(span)) ** 3).astype(np.int64)
    ok = referrer < referred
    add(referrer[ok], referred[ok], np.where(rng.random(int(ok.sum())) < 0.8, TYPE["REFERRER_OF"],
                                               TYPE["INTRODUCER_OF"]))
    extra = len(referred) // 100
    add(client0 + heavy(extra, n_client + n_person, 3.0), referred[rng.integers(0, len(referred), extra)],
        TYPE["REFERRER_OF"])
    add(referred[rng.integers(0, len(referred), extra // 10)],
        client0 + heavy(extra // 10, n_client + n_person, 3.0), TYPE["REFERRER_OF"])
    used = sum(len(p[0]) for p in parts)
    # The rest: acquaintances and related households, preferential on both ends.
    rest = max(0, n_relationships - used)
    n_rel = rest // 10
    add(client0 + heavy(n_rel, n_client, 1.8), client0 + rng.integers(0, n_client, n_rel),
        TYPE["RELATED_HOUSEHOLD_OF"])
    n_acq = rest - n_rel
    add(person0 + heavy(n_acq, n_person, 2.2), person0 + rng.integers(0, n_person, n_acq),
        TYPE["ACQUAINTANCE_OF"])

    src = np.concatenate([p[0] for p in parts])[:n_relationships]
    dst = np.concatenate([p[1] for p in parts])[:n_relationships]
    types = np.concatenate([p[2] for p in parts])[:n_relationships]
    m = len(src)
    stages = np.full(n, -1, dtype=np.int16)
    stages[client0:person0] = rng.choice(4, n_client, p=[.25, .6, .1, .05])
    revenue = np.full(n, np.nan)
    revenue[client0:person0] = np.round(rng.lognormal(8, 1.2, n_client), 2)
    aum = np.full(n, np.nan)
    aum[client0:person0] = np.round(rng.lognormal(12, 1.5, n_client), 2)
    names = np.array([f"Entity {i}" for i in range(n)], dtype=object)
    return RelationshipGraph.from_arrays(
        [f"e{i}" for i in range(n)], kinds, src, dst, types,
        type_codes=[r[0] for r in RELATIONSHIP_TYPES], type_categories=[r[3] for r in RELATIONSHIP_TYPES],
        type_weights=[r[4] for r in RELATIONSHIP_TYPES], phrases=[r[1] for r in RELATIONSHIP_TYPES],
        reverse_phrases=[r[2] for r in RELATIONSHIP_TYPES], names=names, stages=stages,
        stage_labels=STAGES, annual_revenue=revenue, assets_under_management=aum,
        strengths=np.round(rng.beta(4, 2, m), 3), active=rng.random(m) < 0.95,
    )


# ---------------------------------------------------------------------- networkx side
def nx_walk_graph(G: RelationshipGraph) -> nx.DiGraph:
    """The PageRank walk as networkx sees it (documented in analytics.pagerank)."""
    mask = G.relationship_mask()
    s, d = G.src[mask], G.dst[mask]
    w = (G.weights * G.strengths)[mask]
    referral = G.categories[mask] == 1
    D = nx.DiGraph()
    D.add_nodes_from(range(G.n_entities))
    rows = np.concatenate([d[referral], s[~referral], d[~referral]])
    cols = np.concatenate([s[referral], d[~referral], s[~referral]])
    vals = np.concatenate([w[referral], w[~referral], w[~referral]])
    for u, v, x in zip(rows.tolist(), cols.tolist(), vals.tolist()):
        data = D.get_edge_data(u, v)
        if data is None:
            D.add_edge(u, v, weight=x)
        else:
            data["weight"] += x
    return D


def nx_simple_graph(G: RelationshipGraph) -> nx.Graph:
    mask = G.relationship_mask()
    H = nx.Graph()
    H.add_nodes_from(range(G.n_entities))
    H.add_edges_from(zip(G.src[mask].tolist(), G.dst[mask].tolist()))
    return H


def nx_multigraph(G: RelationshipGraph) -> nx.MultiGraph:
    mask = G.relationship_mask()
    M = nx.MultiGraph()
    M.add_nodes_from(range(G.n_entities))
    M.add_edges_from(zip(G.src[mask].tolist(), G.dst[mask].tolist()))
    return M


def nx_weighted_graph(G: RelationshipGraph) -> nx.Graph:
    mask = G.relationship_mask()
    W = nx.Graph()
    W.add_nodes_from(range(G.n_entities))
    for u, v, x in zip(G.src[mask].tolist(), G.dst[mask].tolist(), (G.weights * G.strengths)[mask].tolist()):
        data = W.get_edge_data(u, v)
        if data is None:
            W.add_edge(u, v, weight=x)
        else:
            data["weight"] += x
    W.remove_edges_from([(u, v) for u, v, x in W.edges(data="weight") if x == 0])
    return W


def nx_referral_graph(G: RelationshipGraph) -> nx.DiGraph:
    mask = G.relationship_mask() & (G.categories == 1)
    D = nx.DiGraph()
    D.add_edges_from(zip(G.src[mask].tolist(), G.dst[mask].tolist()))
    return D


def nx_introduction_graph(G: RelationshipGraph) -> nx.DiGraph:
    """Each related pair once at its cheapest usable relationship, both directions."""
    from analytics.introductions import introduction_costs

    cost = introduction_costs(G)
    D = nx.DiGraph()
    D.add_nodes_from(range(G.n_entities))
    for e in np.flatnonzero(np.isfinite(cost)).tolist():
        u, v, c = int(G.src[e]), int(G.dst[e]), float(cost[e])
        for a, b in ((u, v), (v, u)):
            data = D.get_edge_data(a, b)
            if data is None or data["cost"] > c:
                D.add_edge(a, b, cost=c)
    return D


# ---------------------------------------------------------------------- timing helpers
class Table:
    def __init__(self) -> None:
        self.rows: list[tuple[str, float | None, float | None, str]] = []

    def add(self, step: str, fast: float | None, slow: float | None, note: str = "") -> None:
        self.rows.append((step, fast, slow, note))
        ratio = f"{slow / fast:8.1f}x" if fast and slow else "        -"
        print(f"  {step:<34} fast {_s(fast)}  networkx {_s(slow)}  {ratio}  {note}", flush=True)

    def print(self) -> None:
        print()
        print(f"{'step':<34} {'fast s':>10} {'networkx s':>12} {'nx/fast':>9}  note")
        print("-" * 100)
        for step, fast, slow, note in self.rows:
            ratio = f"{slow / fast:8.1f}x" if fast and slow else "-"
            print(f"{step:<34} {_s(fast)} {_s(slow):>12} {ratio:>9}  {note}")


def _s(value: float | None) -> str:
    return f"{value:10.3f}" if value is not None else f"{'-':>10}"


def timed(function, *args, **kwargs):
    gc.collect()
    start = time.perf_counter()
    result = function(*args, **kwargs)
    return time.perf_counter() - start, result


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# ---------------------------------------------------------------------- the benchmark
def add_comparison_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of :func:`compare`, shared with bench/analytics_bench.py."""
    parser.add_argument("--entities", type=int, default=100_000)
    parser.add_argument("--relationships", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--betweenness-k", type=int, default=64)
    parser.add_argument("--queries", type=int, default=100, help="warm-introduction queries timed (fast)")
    parser.add_argument("--skip-networkx", action="store_true", help="time the fast paths only")
    parser.add_argument("--networkx-betweenness-max-entities", type=int, default=20_000,
                        help="above this, networkx betweenness runs a smaller k and is extrapolated")
    parser.add_argument("--networkx-budget", type=float, default=120.0,
                        help="seconds for per-entity networkx loops before extrapolating")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    add_comparison_arguments(parser)
    args = parser.parse_args(argv)
    print(f"analytics_compute: {args.entities:,} entities, {args.relationships:,} relationships, seed {args.seed}, "
          f"betweenness k={args.betweenness_k}; python {sys.version.split()[0]}, numpy {np.__version__}, networkx {nx.__version__}, "
          f"{os.cpu_count()} cpus")

    build, G = timed(practice_graph, args.entities, args.relationships, args.seed)
    referral_count = int((G.relationship_mask() & (G.categories == 1)).sum())
    print(f"  generated in {build:.2f} s: {G.n_entities:,} entities, {G.n_relationships:,} relationships "
          f"({int(G.active.sum()):,} active, {referral_count:,} active referrals)")
    compare(G, args)


def compare(G: RelationshipGraph, args: argparse.Namespace) -> None:
    """Time every fast path on ``G`` and, unless ``args.skip_networkx``, the networkx pipeline
    producing the same outputs; print both with ratios (also used by bench/analytics_bench.py)."""
    k = args.betweenness_k
    table = Table()

    def fresh(function, *a, **kw):
        G._cache.clear()  # each fast path pays for the sparse structures it builds
        return timed(function, G, *a, **kw)

    fast: dict[str, tuple[float, object]] = {}
    fast["pagerank"] = fresh(pagerank)
    fast["referral_reach"] = fresh(referral_reach)
    fast["betweenness"] = fresh(betweenness, k=k, seed=args.seed)
    fast["degree"] = fresh(degree)
    fast["key_person_risk"] = fresh(key_person_risk)
    fast["communities"] = fresh(communities, seed=args.seed)
    fast["influence_scores"] = fresh(influence_scores, betweenness_k=k, seed=args.seed)
    fast["segments"] = timed(suggest_influencer_segments, fast["influence_scores"][1])
    rng = np.random.default_rng(args.seed)
    team = np.flatnonzero(G.kinds == KIND["team_member"])
    targets = rng.integers(0, G.n_entities, args.queries)
    t_index, _ = timed(warm_introductions, G, None, G.ids[int(targets[0])])  # builds the cached index
    query_times = {"every team member": [], "one team member": []}
    for target in targets.tolist():
        query_times["every team member"].append(timed(warm_introductions, G, None, G.ids[target])[0])
        one = [G.ids[int(rng.choice(team))]]
        query_times["one team member"].append(timed(warm_introductions, G, one, G.ids[target])[0])
    fast_rss = peak_rss_mib()
    print(f"  fast paths done; peak RSS so far {fast_rss:,.0f} MiB")
    for name, (seconds, _) in fast.items():
        print(f"    {name:<20} {seconds:8.3f} s")
    for mode, times in query_times.items():
        ms = np.array(times) * 1000
        print(f"    warm_introductions from {mode}: p50 {np.percentile(ms, 50):.1f} ms, "
              f"p95 {np.percentile(ms, 95):.1f} ms, max {ms.max():.1f} ms over {len(ms)} queries "
              f"(first call incl. index build {t_index * 1000:.0f} ms)")

    if args.skip_networkx:
        print(f"\npeak RSS {peak_rss_mib():,.0f} MiB (networkx skipped)")
        return

    print("networkx pipeline:")
    slow: dict[str, float] = {}
    t_walk, D_walk = timed(nx_walk_graph, G)
    t_simple, H = timed(nx_simple_graph, G)
    t_ref, D_ref = timed(nx_referral_graph, G)
    print(f"  built networkx graphs: walk {t_walk:.1f} s, simple {t_simple:.1f} s, referral {t_ref:.1f} s")

    # PageRank.
    slow["pagerank"], reference = timed(nx.pagerank, D_walk, weight="weight", tol=1e-10, max_iter=200)
    ours = fast["pagerank"][1]
    diff = max(abs(ours[G.ids[i]] - reference[i]) for i in range(G.n_entities))
    table.add("pagerank", fast["pagerank"][0], slow["pagerank"], f"max |diff| {diff:.1e}")
    del D_walk

    # Referral reach: descendants of every referral entity, with the same sums.
    converted = G.converted_clients()
    revenue = np.nan_to_num(G.annual_revenue)
    aum = np.nan_to_num(G.assets_under_management)
    nodes = list(D_ref)
    random_order = np.random.default_rng(0).permutation(len(nodes))
    start = time.perf_counter()
    done = 0
    mismatches = 0
    reach_table = fast["referral_reach"][1]
    for j in random_order.tolist():
        v = nodes[j]
        below = np.fromiter(nx.descendants(D_ref, v), dtype=np.int64)
        count, conv = len(below), int(converted[below].sum())
        money = (float(revenue[below].sum()), float(aum[below].sum()))
        mismatches += (count != reach_table.reach[v]) + (conv != reach_table.converted_reach[v]) + (
            not np.allclose(money, (reach_table.revenue[v], reach_table.assets_under_management[v])))
        done += 1
        if time.perf_counter() - start > args.networkx_budget:
            break
    elapsed = time.perf_counter() - start
    slow["referral_reach"] = elapsed * len(nodes) / done
    note = f"{done:,}/{len(nodes):,} entities checked, {mismatches} mismatches"
    if done < len(nodes):
        note += "; extrapolated"
    table.add("referral_reach", fast["referral_reach"][0], slow["referral_reach"], note)

    # Betweenness with k sampled sources.
    if G.n_entities <= args.networkx_betweenness_max_entities:
        slow["betweenness"], reference = timed(nx.betweenness_centrality, H, k=k, seed=args.seed)
        ours = fast["betweenness"][1]
        diff = max(abs(ours[G.ids[i]] - reference[i]) for i in range(G.n_entities))
        table.add(f"betweenness k={k}", fast["betweenness"][0], slow["betweenness"], f"max |diff| {diff:.1e}")
    else:
        small_k = max(2, k // 16)
        t_small, reference = timed(nx.betweenness_centrality, H, k=small_k, seed=args.seed)
        check = betweenness(G, k=small_k, seed=args.seed)
        diff = max(abs(check[G.ids[i]] - reference[i]) for i in range(G.n_entities))
        slow["betweenness"] = t_small * k / small_k
        table.add(f"betweenness k={k}", fast["betweenness"][0], slow["betweenness"],
                  f"extrapolated from networkx k={small_k} ({t_small:.1f} s x {k / small_k:g}); "
                  f"k={small_k} max |diff| {diff:.1e}")

    # Degree.
    slow["degree"], reference = timed(lambda: dict(H.degree()))
    same = all(fast["degree"][1][G.ids[i]] == reference[i] for i in range(G.n_entities))
    table.add("degree", fast["degree"][0], slow["degree"], f"identical: {same}")

    # Key-person risk: articulation points, bridges, clients cut off per articulation point.
    t_multi, M = timed(nx_multigraph, G)
    t_ap, points = timed(lambda: set(nx.articulation_points(H)))
    t_br, bridges = timed(lambda: {frozenset(e) for e in nx.bridges(M)})
    del M
    risk = fast["key_person_risk"][1]
    agree = points == {G.index_of(v) for v in risk.articulation_points} and bridges == {
        frozenset((G.index_of(b.from_id), G.index_of(b.to_id))) for b in risk.bridges}
    kinds = G.kinds

    def reaching_team(graph: nx.Graph) -> int:
        total = 0
        for component in nx.connected_components(graph):
            members = np.fromiter(component, dtype=np.int64)
            if (kinds[members] == KIND["team_member"]).any():
                total += int((kinds[members] == KIND["client"]).sum())
        return total

    sample = sorted(points)[: min(len(points), 5)]
    start = time.perf_counter()
    base = reaching_team(H)
    for v in sample:
        edges = list(H.edges(v))
        H.remove_node(v)
        reaching_team(H)
        H.add_node(v)
        H.add_edges_from(edges)
    per_point = (time.perf_counter() - start) / max(len(sample), 1)
    t_cut = per_point * len(points)
    # Counted: articulation points and bridges only. A per-point removal-and-search for
    # the cut-off clients (the naive networkx way) is extrapolated and shown, not counted.
    slow["key_person_risk"] = t_ap + t_br
    table.add("key_person_risk", fast["key_person_risk"][0], slow["key_person_risk"],
              f"networkx = APs {t_ap:.1f} s + bridges {t_br:.1f} s only (agree: {agree}); its cut-off clients "
              f"per AP would add ~{t_cut:,.0f} s (from {len(sample)} of {len(points):,} APs), not counted")
    del base

    # Communities.
    t_weighted, W = timed(nx_weighted_graph, G)
    slow["communities"], parts = timed(nx.community.louvain_communities, W, weight="weight", seed=args.seed)
    q_nx = nx.community.modularity(W, parts, weight="weight")
    del W
    table.add("communities (Louvain)", fast["communities"][0], slow["communities"],
              f"modularity fast {fast['communities'][1].modularity:.4f} vs networkx {q_nx:.4f}")

    # The influence pipeline is the parts above; networkx needs the same four.
    slow["influence_scores"] = slow["pagerank"] + slow["referral_reach"] + slow["betweenness"] + slow["degree"]
    table.add(f"influence_scores (k={k})", fast["influence_scores"][0], slow["influence_scores"],
              "networkx = pagerank + reach + betweenness + degree rows")
    table.add("suggest_influencer_segments", fast["segments"][0], None, "no networkx equivalent")

    # Warm introductions: networkx's k shortest simple paths from every team member.
    t_intro_graph, D_intro = timed(nx_introduction_graph, G)
    team_set = set(team.tolist())
    for s in team.tolist():
        D_intro.remove_edges_from([(x, s) for x in list(D_intro.predecessors(s))])
        D_intro.add_edge("S", s, cost=0.0)
    nx_times = []
    agree_costs = 0
    for target in targets[:5].tolist():
        if target in team_set:
            continue
        start = time.perf_counter()
        costs = []
        try:
            for path in nx.shortest_simple_paths(D_intro, "S", target, weight="cost"):
                if len(path) - 2 <= 4:
                    costs.append(nx.path_weight(D_intro, path, "cost"))
                if len(costs) == 3 or time.perf_counter() - start > 60:
                    break
        except nx.NetworkXNoPath:
            pass
        nx_times.append(time.perf_counter() - start)
        ours = [p.cost for p in warm_introductions(G, None, G.ids[target])]
        agree_costs += bool(np.allclose(ours, costs)) if len(ours) == len(costs) else 0
    fast_p50 = float(np.percentile(query_times["every team member"], 50))
    table.add("warm_introductions (per query)", fast_p50, float(np.mean(nx_times)),
              f"fast p50 vs networkx mean of {len(nx_times)} queries; top-3 costs agree {agree_costs}/{len(nx_times)}")
    del D_intro

    compute = ["pagerank", "referral_reach", "betweenness", "degree", "key_person_risk", "communities"]
    fast_total = sum(fast[name][0] for name in compute)
    slow_total = sum(slow[name] for name in compute)
    table.add("TOTAL compute (6 analytics)", fast_total, slow_total,
              "pagerank, reach, betweenness, degree, key-person risk, communities")
    table.print()
    print("\nnetworkx graphs built in "
          f"{t_walk + t_simple + t_ref + t_multi + t_weighted + t_intro_graph:.1f} s (not in the totals)")
    print(f"peak RSS: {fast_rss:,.0f} MiB after the fast paths; {peak_rss_mib():,.0f} MiB after networkx")


if __name__ == "__main__":
    main()
