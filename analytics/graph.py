"""The relationship graph as flat numpy arrays, the input of every analytics function.

A :class:`RelationshipGraph` holds the entities (clients, persons, team members,
providers, divisions) and the relationships between them in columnar form: one numpy
array per attribute, entities addressed by their position (``0 .. n_entities - 1``) and
relationships by theirs (``0 .. n_relationships - 1``). The analytics build the sparse
matrices they need from these arrays (and cache them on the graph), so one graph can be
built once and analysed many times.

Relationships are directed: relationship ``e`` reads "``ids[src[e]]`` is
``phrases[types[e]]`` ``ids[dst[e]]``", for example "Anna Shaw is the Adviser of
Elliott Household".

Building a graph (:meth:`RelationshipGraph.from_records`, :meth:`RelationshipGraph.from_arrays`),
its checks and the kind and category codes are in :mod:`analytics.graph_input`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import networkx as nx
import numpy as np
import scipy.sparse as sp

from analytics import graph_input
from analytics.graph_input import CATEGORIES, CLIENT, KIND_CODES, KINDS

__all__ = ["KINDS", "KIND_CODES", "CATEGORIES", "RelationshipGraph", "symmetric_csr", "csr_from_pairs", "unique_keys"]


@dataclass(frozen=True, eq=False)
class RelationshipGraph:
    """Entities and relationships of one practice, stored as numpy arrays.

    Build it with :meth:`from_records` (mappings, as read from the store) or
    :meth:`from_arrays` (arrays, for generators and benchmarks). Instances are
    immutable; derived sparse structures are cached in a private dictionary.

    Attributes
    ----------
    ids : numpy.ndarray of object, shape (n_entities,)
        Entity ids (str), in index order.
    kinds : numpy.ndarray of int8, shape (n_entities,)
        Entity kind codes into :data:`KINDS`.
    names : numpy.ndarray of object, shape (n_entities,)
        Display names (str or None).
    stages : numpy.ndarray of int16, shape (n_entities,)
        Stage codes into :attr:`stage_labels`; -1 where the entity has no stage.
    stage_labels : tuple of str
        The stage names the codes refer to (stages are administrator-defined).
    annual_revenue, assets_under_management : numpy.ndarray of float64
        Per entity; NaN where unknown.
    edge_ids : numpy.ndarray of object, shape (n_relationships,), or None
        Relationship ids; None when the graph was built without them (the relationship
        at position ``e`` is then called ``"#e"``).
    src, dst : numpy.ndarray of int32, shape (n_relationships,)
        Entity positions of each relationship's start ("from") and end ("to").
    types : numpy.ndarray of int32, shape (n_relationships,)
        Relationship type codes into :attr:`type_codes`.
    type_codes, phrases, reverse_phrases : tuple of str
        Per relationship type: its code (e.g. ``"REFERRER_OF"``), the phrase read from
        the start (``"the Referrer of"``) and the phrase read from the end
        (``"was referred by"``).
    categories : numpy.ndarray of int8, shape (n_relationships,)
        Category codes into :data:`CATEGORIES` (the category of the relationship type).
    weights : numpy.ndarray of float64
        The catalogue's analytics weight of each relationship's type (>= 0).
    strengths : numpy.ndarray of float64
        Strength of each relationship in [0, 1] (1.0 where the store had none).
    active : numpy.ndarray of bool
        False for relationships that have ended. Analytics use active ones only.
    shares : numpy.ndarray of float64, or None
        A membership's share of its client (in [0, 1], NaN where none is set).
    counted : numpy.ndarray of bool, or None
        False for entities hidden from whoever reads the answers (see :meth:`hiding`).

    Examples
    --------
    >>> G = RelationshipGraph.from_records(
    ...     [{"id": "p1", "kind": "person", "name": "Jean Elliott"},
    ...      {"id": "c1", "kind": "client", "name": "Smart Systems Ltd", "stage": "client"}],
    ...     [{"id": "r1", "from_id": "p1", "to_id": "c1", "type": "PRIMARY_CONTACT_AT",
    ...       "category": "membership", "weight": 1.0, "strength": None, "active": True,
    ...       "phrase": "a Primary Contact at", "reverse_phrase": "has Primary Contact"}])
    >>> G.n_entities, G.n_relationships
    (2, 1)
    >>> G.sentence(0)
    'Jean Elliott is a Primary Contact at Smart Systems Ltd'
    """

    ids: np.ndarray
    kinds: np.ndarray
    names: np.ndarray
    stages: np.ndarray
    stage_labels: tuple[str, ...]
    annual_revenue: np.ndarray
    assets_under_management: np.ndarray
    edge_ids: np.ndarray | None
    src: np.ndarray
    dst: np.ndarray
    types: np.ndarray
    type_codes: tuple[str, ...]
    phrases: tuple[str, ...]
    reverse_phrases: tuple[str, ...]
    categories: np.ndarray
    weights: np.ndarray
    strengths: np.ndarray
    active: np.ndarray
    #: Per relationship, the membership share set on it (NaN where none); None: none set.
    shares: np.ndarray | None = None
    #: False for entities left out of every figure and count (see :meth:`hiding`); None: all count.
    counted: np.ndarray | None = None
    _cache: dict = field(default_factory=dict, repr=False, compare=False)

    # ------------------------------------------------------------------ building
    # Built and checked in analytics.graph_input, with the kind and category codes.
    from_records = classmethod(graph_input.from_records)
    from_arrays = classmethod(graph_input.from_arrays)

    # ------------------------------------------------------------------ lookups
    @property
    def n_entities(self) -> int:
        """Number of entities."""
        return len(self.ids)

    @property
    def n_relationships(self) -> int:
        """Number of relationships, ended ones included."""
        return len(self.src)

    def index_of(self, entity_id: str) -> int:
        """Position of an entity; raises ``KeyError`` for an unknown id."""
        index = self._cache.get("index")
        if index is None:
            index = {entity_id: i for i, entity_id in enumerate(self.ids.tolist())}
            self._cache["index"] = index
        return index[entity_id]

    def indices_of(self, entity_ids: Iterable[str]) -> np.ndarray:
        """Positions of several entities, as an int64 array."""
        return np.fromiter((self.index_of(e) for e in entity_ids), dtype=np.int64)

    def name_of(self, i: int) -> str:
        """Display name of entity ``i``, falling back to its id."""
        name = self.names[i]
        return self.ids[i] if name is None else name

    def kind_of(self, i: int) -> str:
        """Kind of entity ``i`` as a word from :data:`KINDS`."""
        return KINDS[self.kinds[i]]

    def stage_of(self, i: int) -> str | None:
        """Stage of entity ``i``, or None."""
        code = int(self.stages[i])
        return None if code < 0 else self.stage_labels[code]

    def relationship_id(self, e: int) -> str:
        """Id of relationship ``e`` (``"#e"`` when the graph has no relationship ids)."""
        return f"#{e}" if self.edge_ids is None else self.edge_ids[e]

    def sentence(self, e: int) -> str:
        """Relationship ``e`` read from its start, as the catalogue phrases it."""
        return f"{self.name_of(self.src[e])} is {self.phrases[self.types[e]]} {self.name_of(self.dst[e])}"

    def reverse_sentence(self, e: int) -> str:
        """Relationship ``e`` read from its end ("Elliott Household has Adviser Anna Shaw")."""
        return f"{self.name_of(self.dst[e])} {self.reverse_phrases[self.types[e]]} {self.name_of(self.src[e])}"

    def hiding(
        self, positions: np.ndarray, *, names: Sequence[str] | np.ndarray, keep_relationships: bool = False
    ) -> RelationshipGraph:
        """This graph as seen by someone who may not see the entities at ``positions``.

        Those entities carry no stage, revenue or assets and are not counted, and their
        names become ``names`` (one per position), so sentences about them name nobody.
        Their relationships end (``active`` False), so no figure, count or ranking an
        analysis derives depends on anything of theirs; with ``keep_relationships`` they
        stay, for chains and paths that may pass through someone unnamed.

        Examples
        --------
        >>> import numpy as np
        >>> G = RelationshipGraph.from_arrays(["anna", "ben"], np.array([1, 0]), np.array([0]),
        ...     np.array([1]), np.zeros(1), type_codes=["REFERRER_OF"], type_categories=["referral"],
        ...     names=["Anna", "Ben Ltd"], annual_revenue=np.array([0.0, 500.0]))
        >>> seen = G.hiding(np.array([1]), names=["a client you cannot see"])
        >>> seen.sentence(0), seen.annual_revenue.tolist(), seen.counted.tolist(), seen.active.tolist()
        ('Anna is referrer of a client you cannot see', [0.0, nan], [True, False], [False])
        >>> G.hiding(np.array([1]), names=["someone"], keep_relationships=True).active.tolist()
        [True]
        """
        positions = np.asarray(positions, dtype=np.int64)
        counted = np.ones(self.n_entities, dtype=bool) if self.counted is None else self.counted.copy()
        counted[positions] = False
        stages, revenue, assets, shown = (
            self.stages.copy(), self.annual_revenue.copy(), self.assets_under_management.copy(), self.names.copy()
        )
        stages[positions] = -1
        revenue[positions] = np.nan
        assets[positions] = np.nan
        shown[positions] = np.asarray(names, dtype=object)
        active = self.active if keep_relationships else self.active & counted[self.src] & counted[self.dst]
        for array_field in (counted, stages, revenue, assets, shown, active):
            array_field.flags.writeable = False
        return replace(self, stages=stages, annual_revenue=revenue, assets_under_management=assets, names=shown,
                       active=active, counted=counted, _cache={})

    def counted_entities(self) -> np.ndarray:
        """Boolean mask of the entities figures and counts include (all, unless :meth:`hiding`)."""
        return np.ones(self.n_entities, dtype=bool) if self.counted is None else self.counted

    def converted_clients(self) -> np.ndarray:
        """Boolean mask of converted clients: kind ``client`` at stage ``client``."""
        try:
            code = self.stage_labels.index("client")
        except ValueError:
            return np.zeros(self.n_entities, dtype=bool)
        return (self.kinds == CLIENT) & (self.stages == code)

    # ------------------------------------------------------------------ derived views
    def edge_weights(self, weight: str | np.ndarray | None = "weight") -> np.ndarray:
        """Per-relationship weights used by the weighted analytics.

        Parameters
        ----------
        weight : {"weight", "type_weight", "strength", None} or array
            ``"weight"``: type weight x strength (the default everywhere);
            ``"type_weight"``: the type weight alone; ``"strength"``: the strength alone;
            None: 1.0 for every relationship; an array: one weight per relationship.

        Examples
        --------
        >>> import numpy as np
        >>> G = RelationshipGraph.from_arrays(["a", "b"], np.array([1, 1]), np.array([0]),
        ...     np.array([1]), np.array([0]), type_codes=["SPOUSE_OF"],
        ...     type_categories=["family"], type_weights=[0.8], strengths=np.array([0.5]))
        >>> G.edge_weights().tolist(), G.edge_weights(None).tolist()
        ([0.4], [1.0])
        """
        if weight is None:
            return np.ones(self.n_relationships)
        if isinstance(weight, str):
            if weight == "weight":
                return self.weights * self.strengths
            if weight == "type_weight":
                return np.asarray(self.weights)
            if weight == "strength":
                return np.asarray(self.strengths)
            raise ValueError(f"unknown weight {weight!r}")
        weight = np.asarray(weight, dtype=np.float64)
        if weight.shape != (self.n_relationships,):
            raise ValueError("a weight array needs one entry per relationship")
        if not (weight >= 0).all():
            raise ValueError("weights must be >= 0")
        return weight

    def cached(self, key: Any, build: Callable[[], Any]) -> Any:
        """Return ``build()``, computed once per graph and key (for derived structures)."""
        try:
            return self._cache[key]
        except KeyError:
            value = self._cache[key] = build()
            return value

    def relationship_mask(self, *, active_only: bool = True, loops: bool = False) -> np.ndarray:
        """Relationships to analyse: active ones (unless ``active_only=False``), without
        self-relationships (an entity related to itself adds no connection) unless ``loops``."""
        mask = np.asarray(self.active) if active_only else np.ones(self.n_relationships, dtype=bool)
        if not loops:
            mask = mask & (self.src != self.dst)
        return mask

    def undirected_adjacency(self, *, active_only: bool = True) -> sp.csr_array:
        """Symmetric 0/1 adjacency (CSR, sorted indices) of the simple undirected graph.

        Each pair of related entities counts once however many relationships join them,
        in whichever direction; self-relationships are left out.

        Examples
        --------
        >>> import numpy as np
        >>> G = RelationshipGraph.from_arrays(["a", "b", "c"], np.zeros(3), np.array([0, 1, 0]),
        ...     np.array([1, 0, 0]), np.zeros(3), type_codes=["X"], type_categories=["other"])
        >>> G.undirected_adjacency().toarray().astype(int).tolist()
        [[0, 1, 0], [1, 0, 0], [0, 0, 0]]
        """
        return self.cached(("undirected", active_only), lambda: self._build_undirected(active_only))

    def _build_undirected(self, active_only: bool) -> sp.csr_array:
        mask = self.relationship_mask(active_only=active_only)
        n = self.n_entities
        s = self.src[mask].astype(np.int64)
        d = self.dst[mask].astype(np.int64)
        pairs = unique_keys(np.minimum(s, d) * n + np.maximum(s, d))
        lo, hi = np.divmod(pairs, n)
        return symmetric_csr(lo, hi, n)

    def weighted_undirected_adjacency(self, weight: str | np.ndarray | None = "weight", *,
                                      active_only: bool = True) -> sp.csr_array:
        """Symmetric weighted adjacency: each pair's weight is the sum of the weights of
        the relationships joining it (both directions), self-relationships left out.
        Pairs whose relationships all weigh 0 are left out. Cached for named weights."""
        if weight is None or isinstance(weight, str):
            return self.cached(("weighted", weight, active_only),
                               lambda: self._build_weighted(weight, active_only))
        return self._build_weighted(weight, active_only)

    def _build_weighted(self, weight: str | np.ndarray | None, active_only: bool) -> sp.csr_array:
        mask = self.relationship_mask(active_only=active_only)
        w = self.edge_weights(weight)[mask]
        s = self.src[mask].astype(np.int64)
        d = self.dst[mask].astype(np.int64)
        n = self.n_entities
        keys = np.minimum(s, d) * n + np.maximum(s, d)
        pairs, inverse = unique_keys(keys, return_inverse=True)
        summed = np.bincount(inverse, weights=w, minlength=len(pairs))
        keep = summed > 0
        lo, hi = np.divmod(pairs[keep], n)
        return symmetric_csr(lo, hi, n, summed[keep])

    # ------------------------------------------------------------------ networkx
    def to_networkx(self, *, active_only: bool = True) -> nx.MultiDiGraph:
        """The graph as a networkx ``MultiDiGraph``: the reference the tests check against.

        Nodes are added in index order (so ``list(H)`` matches :attr:`ids`) with
        attributes ``kind``, ``name``, ``stage``, ``annual_revenue``,
        ``assets_under_management``. Every relationship is one edge from its start to its
        end, keyed by relationship id, with attributes ``type``, ``category``, ``weight``
        (type weight), ``strength``, ``effective_weight`` (weight x strength),
        ``active``, ``phrase``, ``reverse_phrase``. Self-relationships are kept here.

        Parameters
        ----------
        active_only : bool
            Leave out ended relationships (default True).

        Examples
        --------
        >>> import numpy as np
        >>> G = RelationshipGraph.from_arrays(["a", "b"], np.array([1, 0]), np.array([0, 0]),
        ...     np.array([1, 1]), np.array([0, 0]), type_codes=["PRIMARY_CONTACT_AT"],
        ...     type_categories=["membership"], active=np.array([True, False]))
        >>> H = G.to_networkx()
        >>> list(H.nodes), H.number_of_edges(), G.to_networkx(active_only=False).number_of_edges()
        (['a', 'b'], 1, 2)
        """
        H = nx.MultiDiGraph()
        for i, entity_id in enumerate(self.ids.tolist()):
            H.add_node(
                entity_id,
                kind=KINDS[self.kinds[i]],
                name=self.names[i],
                stage=self.stage_of(i),
                annual_revenue=float(self.annual_revenue[i]),
                assets_under_management=float(self.assets_under_management[i]),
            )
        ids = self.ids
        for e in np.flatnonzero(self.active if active_only else np.ones(self.n_relationships, bool)).tolist():
            t = int(self.types[e])
            H.add_edge(
                ids[self.src[e]], ids[self.dst[e]], key=self.relationship_id(e),
                type=self.type_codes[t], category=CATEGORIES[self.categories[e]],
                weight=float(self.weights[e]), strength=float(self.strengths[e]),
                effective_weight=float(self.weights[e] * self.strengths[e]),
                active=bool(self.active[e]), phrase=self.phrases[t],
                reverse_phrase=self.reverse_phrases[t],
            )
        return H


def symmetric_csr(lo: np.ndarray, hi: np.ndarray, n: int, data: np.ndarray | None = None) -> sp.csr_array:
    """CSR matrix with entries (lo, hi) and (hi, lo) for distinct unordered pairs.

    Indices are int32 (int64 beyond 2**31 entities) and sorted within each row.
    """
    lo = np.asarray(lo, dtype=np.int64)
    hi = np.asarray(hi, dtype=np.int64)
    rows = np.concatenate([lo, hi])
    cols = np.concatenate([hi, lo])
    vals = None if data is None else np.concatenate([data, data])
    return csr_from_pairs(rows, cols, n, vals)


def csr_from_pairs(rows: np.ndarray, cols: np.ndarray, n: int, data: np.ndarray | None = None,
                   n_cols: int | None = None) -> sp.csr_array:
    """CSR matrix from distinct (row, col) pairs, indices sorted within each row."""
    width = n if n_cols is None else n_cols
    rows = np.asarray(rows, dtype=np.int64)
    cols = np.asarray(cols, dtype=np.int64)
    index_dtype = np.int32 if len(rows) < 2**31 and max(n, width) < 2**31 else np.int64
    indptr = np.zeros(n + 1, dtype=index_dtype)
    np.cumsum(np.bincount(rows, minlength=n), out=indptr[1:])
    # One int64 key sort is much faster than a two-key lexsort.
    keys = rows * width + cols
    if data is None:
        indices = (np.sort(keys) % width).astype(index_dtype)
        values = np.ones(len(rows))
    else:
        order = np.argsort(keys, kind="stable")
        indices = cols[order].astype(index_dtype)
        values = np.asarray(data, dtype=np.float64)[order]
    matrix = sp.csr_array((values, indices, indptr), shape=(n, width))
    matrix.has_sorted_indices = True
    return matrix


def unique_keys(keys: np.ndarray, *, return_inverse: bool = False):
    """Sorted distinct values of an int64 array (and, optionally, each value's position
    among them). Sort-based: on millions of keys it beats numpy 2's hash-based unique."""
    keys = np.asarray(keys, dtype=np.int64)
    if not return_inverse:
        ordered = np.sort(keys)
        return ordered[np.r_[True, ordered[1:] != ordered[:-1]]] if len(ordered) else ordered
    order = np.argsort(keys, kind="stable")
    ordered = keys[order]
    starts = np.r_[True, ordered[1:] != ordered[:-1]] if len(ordered) else np.zeros(0, bool)
    inverse = np.empty(len(keys), dtype=np.int64)
    inverse[order] = np.cumsum(starts) - 1
    return ordered[starts], inverse

