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
"""

from __future__ import annotations

import math
from array import array
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import networkx as nx
import numpy as np
import scipy.sparse as sp

__all__ = ["KINDS", "CATEGORIES", "RelationshipGraph", "symmetric_csr", "csr_from_pairs", "unique_keys"]

#: Entity kinds, in the order of their integer codes in :attr:`RelationshipGraph.kinds`.
KINDS: tuple[str, ...] = ("client", "person", "team_member", "provider", "division")
#: Relationship categories, in the order of their codes in :attr:`RelationshipGraph.categories`.
CATEGORIES: tuple[str, ...] = ("membership", "referral", "professional", "family", "other")

_KIND_CODE = {kind: code for code, kind in enumerate(KINDS)}
_CATEGORY_CODE = {category: code for code, category in enumerate(CATEGORIES)}

CLIENT = _KIND_CODE["client"]
PERSON = _KIND_CODE["person"]
TEAM_MEMBER = _KIND_CODE["team_member"]
REFERRAL = _CATEGORY_CODE["referral"]
MEMBERSHIP = _CATEGORY_CODE["membership"]


def _float_or_nan(value: Any) -> float:
    return math.nan if value is None else float(value)


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
    @classmethod
    def from_records(
        cls,
        entities: Iterable[Mapping[str, Any]],
        relationships: Iterable[Mapping[str, Any]],
    ) -> RelationshipGraph:
        """Build the graph from entity and relationship mappings, reading each once.

        Parameters
        ----------
        entities : iterable of mapping
            Keys ``id``, ``kind`` (one of :data:`KINDS`) and optionally ``name``,
            ``stage``, ``annual_revenue``, ``assets_under_management``.
        relationships : iterable of mapping
            Keys ``id``, ``from_id``, ``to_id``, ``type``, ``category`` (one of
            :data:`CATEGORIES`), ``weight`` (>= 0), ``strength`` (0..1 or None, read as
            1.0), ``active`` (bool), ``phrase``, ``reverse_phrase``. All relationships of
            one type must agree on category and phrases.

        Returns
        -------
        RelationshipGraph

        Raises
        ------
        ValueError
            On duplicate entity ids, unknown kinds or categories, relationships naming
            unknown entities, out-of-range weights or strengths, or relationship types
            whose records disagree on category or phrases.

        Examples
        --------
        >>> G = RelationshipGraph.from_records(
        ...     [{"id": "a", "kind": "person"}, {"id": "b", "kind": "person"}],
        ...     [{"id": "r", "from_id": "a", "to_id": "b", "type": "REFERRER_OF",
        ...       "category": "referral", "weight": 1.0, "strength": 0.5, "active": True,
        ...       "phrase": "the Referrer of", "reverse_phrase": "was referred by"}])
        >>> G.type_codes, float(G.strengths[0])
        (('REFERRER_OF',), 0.5)
        """
        ids: list[str] = []
        names: list[str | None] = []
        kinds = array("b")
        stages = array("h")
        revenue = array("d")
        aum = array("d")
        stage_code: dict[str, int] = {}
        for entity in entities:
            ids.append(entity["id"])
            kind = _KIND_CODE.get(entity["kind"])
            if kind is None:
                raise ValueError(f"entity {entity['id']!r}: unknown kind {entity['kind']!r}")
            kinds.append(kind)
            names.append(entity.get("name"))
            stage = entity.get("stage")
            stages.append(-1 if stage is None else stage_code.setdefault(stage, len(stage_code)))
            revenue.append(_float_or_nan(entity.get("annual_revenue")))
            aum.append(_float_or_nan(entity.get("assets_under_management")))
        index = {entity_id: i for i, entity_id in enumerate(ids)}
        if len(index) != len(ids):
            raise ValueError("duplicate entity ids")

        edge_ids: list[str] = []
        src = array("i")
        dst = array("i")
        types = array("i")
        weights = array("d")
        strengths = array("d")
        active = array("b")
        # Relationship types: code -> (type index, category, phrase, reverse phrase).
        type_table: dict[str, tuple[int, str, str, str]] = {}
        for rel in relationships:
            try:
                src.append(index[rel["from_id"]])
                dst.append(index[rel["to_id"]])
            except KeyError as missing:
                raise ValueError(f"relationship {rel['id']!r} names unknown entity {missing}") from None
            code = rel["type"]
            entry = type_table.get(code)
            described = (rel["category"], rel["phrase"], rel["reverse_phrase"])
            if entry is None:
                entry = (len(type_table), *described)
                type_table[code] = entry
            elif entry[1:] != described:
                raise ValueError(f"relationship type {code!r} has conflicting category or phrases")
            types.append(entry[0])
            edge_ids.append(rel["id"])
            weights.append(float(rel["weight"]))
            strength = rel.get("strength")
            strengths.append(1.0 if strength is None else float(strength))
            active.append(1 if rel.get("active", True) else 0)

        entries = sorted(type_table.items(), key=lambda item: item[1][0])
        try:
            type_categories = np.array([_CATEGORY_CODE[e[1][1]] for e in entries], dtype=np.int8)
        except KeyError as unknown:
            raise ValueError(f"unknown relationship category {unknown}") from None
        types_arr = np.frombuffer(types, dtype=np.int32) if types else np.zeros(0, np.int32)
        return cls._checked(
            ids=_object_array(ids),
            kinds=np.frombuffer(kinds, dtype=np.int8).copy() if kinds else np.zeros(0, np.int8),
            names=_object_array(names),
            stages=np.frombuffer(stages, dtype=np.int16).copy() if stages else np.zeros(0, np.int16),
            stage_labels=tuple(sorted(stage_code, key=stage_code.__getitem__)),
            annual_revenue=_float_array(revenue),
            assets_under_management=_float_array(aum),
            edge_ids=_object_array(edge_ids),
            src=np.frombuffer(src, dtype=np.int32).copy() if src else np.zeros(0, np.int32),
            dst=np.frombuffer(dst, dtype=np.int32).copy() if dst else np.zeros(0, np.int32),
            types=types_arr.copy(),
            type_codes=tuple(code for code, _ in entries),
            phrases=tuple(e[1][2] for e in entries),
            reverse_phrases=tuple(e[1][3] for e in entries),
            categories=type_categories[types_arr] if len(types_arr) else np.zeros(0, np.int8),
            weights=_float_array(weights),
            strengths=_float_array(strengths),
            active=np.frombuffer(active, dtype=np.int8).astype(bool) if active else np.zeros(0, bool),
        )

    @classmethod
    def from_arrays(
        cls,
        ids: Sequence[str] | np.ndarray,
        kinds: np.ndarray,
        src: np.ndarray,
        dst: np.ndarray,
        types: np.ndarray,
        *,
        type_codes: Sequence[str],
        type_categories: Sequence[str],
        type_weights: Sequence[float] | None = None,
        phrases: Sequence[str] | None = None,
        reverse_phrases: Sequence[str] | None = None,
        names: Sequence[str | None] | np.ndarray | None = None,
        stages: np.ndarray | None = None,
        stage_labels: Sequence[str] = (),
        annual_revenue: np.ndarray | None = None,
        assets_under_management: np.ndarray | None = None,
        weights: np.ndarray | None = None,
        strengths: np.ndarray | None = None,
        active: np.ndarray | None = None,
        edge_ids: Sequence[str] | np.ndarray | None = None,
        shares: np.ndarray | None = None,
    ) -> RelationshipGraph:
        """Build the graph from arrays, without per-record Python objects.

        Parameters
        ----------
        ids : sequence of str
            Entity ids, in index order.
        kinds : array of int
            Kind codes into :data:`KINDS`.
        src, dst : array of int
            Entity positions of each relationship's start and end.
        types : array of int
            Relationship type codes into ``type_codes``.
        type_codes, type_categories : sequence of str
            Per relationship type: its code and its category (one of :data:`CATEGORIES`).
        type_weights : sequence of float, optional
            Per type analytics weight, used when ``weights`` is not given (default 1.0).
        phrases, reverse_phrases : sequence of str, optional
            Per type phrases (default: the lower-cased code, e.g. ``"referrer of"``).
        names : sequence of str or None, optional
        stages : array of int, optional
            Codes into ``stage_labels``, -1 for none (default: all -1).
        annual_revenue, assets_under_management : array of float, optional
            NaN where unknown (default: all NaN).
        weights : array of float, optional
            Per relationship weight (default: its type's weight).
        strengths : array of float, optional
            Per relationship strength in [0, 1] (default 1.0).
        active : array of bool, optional
            Default: all active.
        shares : array of float, optional
            Per relationship membership share, NaN where none (default: none set).
        edge_ids : sequence of str, optional
            Relationship ids (default: none; relationship ``e`` is called ``"#e"``).

        Returns
        -------
        RelationshipGraph

        Examples
        --------
        >>> import numpy as np
        >>> G = RelationshipGraph.from_arrays(
        ...     ["a", "b", "c"], np.array([1, 1, 0]), np.array([0, 1]), np.array([1, 2]),
        ...     np.array([0, 1]), type_codes=["REFERRER_OF", "PRIMARY_CONTACT_AT"],
        ...     type_categories=["referral", "membership"])
        >>> G.relationship_id(1), G.phrases[1]
        ('#1', 'primary contact at')
        """
        n = len(ids)
        m = len(src)
        n_types = len(type_codes)
        try:
            type_category_codes = np.array([_CATEGORY_CODE[c] for c in type_categories], dtype=np.int8)
        except KeyError as unknown:
            raise ValueError(f"unknown relationship category {unknown}") from None
        if len(type_category_codes) != n_types:
            raise ValueError("type_categories must have one entry per type code")
        types = np.asarray(types, dtype=np.int32)
        if m and (types.min() < 0 or types.max() >= n_types):
            raise ValueError("type code out of range")
        if weights is None:
            tw = np.ones(n_types) if type_weights is None else np.asarray(type_weights, dtype=np.float64)
            weights = tw[types]
        default_phrases = tuple(code.lower().replace("_", " ") for code in type_codes)
        return cls._checked(
            ids=_object_array(ids),
            kinds=np.asarray(kinds, dtype=np.int8).copy(),
            names=_object_array(names) if names is not None else np.full(n, None, dtype=object),
            stages=(np.asarray(stages, dtype=np.int16).copy() if stages is not None
                    else np.full(n, -1, dtype=np.int16)),
            stage_labels=tuple(stage_labels),
            annual_revenue=(np.asarray(annual_revenue, dtype=np.float64).copy()
                            if annual_revenue is not None else np.full(n, np.nan)),
            assets_under_management=(np.asarray(assets_under_management, dtype=np.float64).copy()
                                     if assets_under_management is not None else np.full(n, np.nan)),
            edge_ids=_object_array(edge_ids) if edge_ids is not None else None,
            src=np.asarray(src, dtype=np.int32).copy(),
            dst=np.asarray(dst, dtype=np.int32).copy(),
            types=types.copy(),
            type_codes=tuple(type_codes),
            phrases=tuple(phrases) if phrases is not None else default_phrases,
            reverse_phrases=(tuple(reverse_phrases) if reverse_phrases is not None
                             else tuple(f"has {p}" for p in default_phrases)),
            categories=type_category_codes[types] if m else np.zeros(0, np.int8),
            weights=np.asarray(weights, dtype=np.float64).copy(),
            strengths=(np.asarray(strengths, dtype=np.float64).copy()
                       if strengths is not None else np.ones(m)),
            active=np.asarray(active, dtype=bool).copy() if active is not None else np.ones(m, dtype=bool),
            shares=np.asarray(shares, dtype=np.float64).copy() if shares is not None else None,
        )

    @classmethod
    def _checked(cls, **fields: Any) -> RelationshipGraph:
        n = len(fields["ids"])
        m = len(fields["src"])
        for name in ("kinds", "names", "stages", "annual_revenue", "assets_under_management"):
            if len(fields[name]) != n:
                raise ValueError(f"{name} must have one entry per entity")
        for name in ("dst", "types", "weights", "strengths", "active"):
            if len(fields[name]) != m:
                raise ValueError(f"{name} must have one entry per relationship")
        if fields.get("shares") is not None and len(fields["shares"]) != m:
            raise ValueError("shares must have one entry per relationship")
        if fields["edge_ids"] is not None and len(fields["edge_ids"]) != m:
            raise ValueError("edge_ids must have one entry per relationship")
        if n and (fields["kinds"].min() < 0 or fields["kinds"].max() >= len(KINDS)):
            raise ValueError("kind code out of range")
        if m:
            if min(fields["src"].min(), fields["dst"].min()) < 0 or max(fields["src"].max(), fields["dst"].max()) >= n:
                raise ValueError("relationship endpoint out of range")
            if not (fields["weights"] >= 0).all():
                raise ValueError("relationship weights must be >= 0")
            strengths = fields["strengths"]
            if not ((strengths >= 0) & (strengths <= 1)).all():
                raise ValueError("relationship strengths must lie in [0, 1]")
        n_types = len(fields["type_codes"])
        if len(fields["phrases"]) != n_types or len(fields["reverse_phrases"]) != n_types:
            raise ValueError("phrases must have one entry per relationship type")
        for array_field in fields.values():
            if isinstance(array_field, np.ndarray):
                array_field.flags.writeable = False
        return cls(**fields)

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


def _object_array(values: Iterable[Any]) -> np.ndarray:
    values = list(values) if not isinstance(values, (list, np.ndarray)) else values
    out = np.empty(len(values), dtype=object)
    out[:] = values
    return out


def _float_array(values: array) -> np.ndarray:
    return np.frombuffer(values, dtype=np.float64).copy() if values else np.zeros(0)
