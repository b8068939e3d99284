"""Building a :class:`~analytics.graph.RelationshipGraph`: the kind and category codes, and
the checked, read-only arrays read from store records or from given arrays.

The class offers :func:`from_records` and :func:`from_arrays` as its constructors
(``RelationshipGraph.from_records(...)``); they are written here, with the checks every graph
passes, so that ``analytics.graph`` holds what a graph answers once it is built.
"""

from __future__ import annotations

import math
from array import array
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from analytics.graph import RelationshipGraph

__all__ = ["KINDS", "KIND_CODES", "CATEGORIES", "from_records", "from_arrays"]

#: Entity kinds, in the order of their integer codes in :attr:`RelationshipGraph.kinds`.
KINDS: tuple[str, ...] = ("client", "person", "team_member", "provider", "division")
#: Relationship categories, in the order of their codes in :attr:`RelationshipGraph.categories`.
CATEGORIES: tuple[str, ...] = ("membership", "referral", "professional", "family", "other")
#: Each kind's integer code (its place in :data:`KINDS`).
KIND_CODES: dict[str, int] = {kind: code for code, kind in enumerate(KINDS)}

_CATEGORY_CODE = {category: code for code, category in enumerate(CATEGORIES)}

CLIENT = KIND_CODES["client"]
PERSON = KIND_CODES["person"]
TEAM_MEMBER = KIND_CODES["team_member"]
REFERRAL = _CATEGORY_CODE["referral"]
MEMBERSHIP = _CATEGORY_CODE["membership"]


def _float_or_nan(value: Any) -> float:
    return math.nan if value is None else float(value)


def from_records(
    cls: type[RelationshipGraph],
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
    >>> from analytics.graph import RelationshipGraph
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
        kind = KIND_CODES.get(entity["kind"])
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
    return _checked(
        cls,
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

def from_arrays(
    cls: type[RelationshipGraph],
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
    >>> from analytics.graph import RelationshipGraph
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
    return _checked(
        cls,
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

def _checked(cls: type[RelationshipGraph], **fields: Any) -> RelationshipGraph:
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


def _object_array(values: Iterable[Any]) -> np.ndarray:
    values = list(values) if not isinstance(values, (list, np.ndarray)) else values
    out = np.empty(len(values), dtype=object)
    out[:] = values
    return out


def _float_array(values: array) -> np.ndarray:
    return np.frombuffer(values, dtype=np.float64).copy() if values else np.zeros(0)

