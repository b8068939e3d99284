"""A deterministic generator of realistic practices, from a few dozen entities to millions.

``generate_practice(entities, relationships, seed=...)`` yields batches of rows in the
import format (``app/domain/transfer.py``), entity records first and each team member after
the one they report to, so the import's bulk path can load them as they come
(``app.services.transfer.load_generated_practice``). The same arguments give the same rows.

The practice's shape (team, clients, providers, relationships) is drawn up front
(``app.services.generator_shape``); rows are built batch by batch from it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from app.domain.model import EntityKind as K
from app.domain.transfer import RecordKind
from app.services.generator_shape import DAY, OFFICES, PROVIDER_KINDS, Edges, PracticeShape

#: The fewest entities a generated practice can have (a team of three, a division, a
#: provider with a person, and a few clients).
MIN_ENTITIES = 12

#: The relationship types and category codes a generated practice uses (all defaults).
GENERATED_TYPES = (
    "PRIMARY_CONTACT_AT", "PARTNER_CONTACT_AT", "DEPENDANT_IN", "DIRECTOR_AT", "EMPLOYEE_AT", "WORKS_AT",
    "ADVISER_OF", "MEMBER_OF_DIVISION", "SPOUSE_OF", "PARENT_OF", "SIBLING_OF", "REFERRER_OF",
    "SOLICITOR_FOR", "ACCOUNTANT_FOR", "INTRODUCER_OF", "RELATED_HOUSEHOLD_OF", "BUSINESS_GROUP_WITH",
    "ACQUAINTANCE_OF",
)
STAGES = ("prospect", "client", "inactive", "for_sale")
SEGMENTS = ("A", "B", "C", "D")
SOURCES = ("referral", "bought_list", "event", "website_enquiry")

FIRST_NAMES = (
    "Aisha", "Alan", "Alice", "Amir", "Anna", "Ben", "Carla", "Chen", "Chloe", "Daniel", "David", "Elena",
    "Emma", "Farid", "Fatima", "Freya", "George", "Grace", "Hannah", "Harry", "Isla", "Jack", "James", "Jean",
    "John", "Kate", "Kwame", "Laura", "Leo", "Lily", "Lucy", "Mark", "Maya", "Mei", "Mohammed", "Nadia",
    "Nina", "Noah", "Olivia", "Omar", "Oscar", "Priya", "Rahul", "Rose", "Ruth", "Sam", "Sara", "Sofia",
    "Tom", "Uma", "Victor", "Wei", "Yusuf", "Zara", "Zoe", "Ewan", "Niamh", "Siobhan", "Dev", "Ines",
)
LAST_NAMES = (
    "Adams", "Ahmed", "Ali", "Baker", "Bennett", "Brooks", "Brown", "Campbell", "Carter", "Chen", "Clarke",
    "Cole", "Cooper", "Davies", "Edwards", "Elliott", "Evans", "Fischer", "Fraser", "Garcia", "Green",
    "Haddad", "Hall", "Harper", "Hughes", "Hussain", "Jackson", "James", "Jones", "Khan", "King", "Kowalski",
    "Lee", "Lewis", "Lowe", "Martin", "Mensah", "Morgan", "Murphy", "Nguyen", "Novak", "O'Brien", "Okafor",
    "Owen", "Patel", "Price", "Reid", "Roberts", "Robinson", "Rossi", "Scott", "Shah", "Shaw", "Singh",
    "Smith", "Taylor", "Thomas", "Turner", "Walker", "Wang", "Ward", "Watson", "White", "Williams", "Wilson",
    "Wood", "Wright", "Young", "Zhang", "Moreau", "Silva", "Kaur", "Byrne", "Doyle", "Quinn", "Ibrahim",
)
_BUSINESS_SUFFIXES = ("Ltd", "Holdings", "Partners LLP", "& Co", "Systems Ltd", "Logistics", "Consulting",
                      "Engineering Ltd", "Dental Practice", "Farms", "Properties", "Design Studio")
_PROVIDER_NAMES = {"law_firm": "{} & {} Solicitors", "accountancy": "{} {} Accountants",
                   "product_provider": "{} {} Life", "other": "{} {} Services"}


@dataclass(frozen=True)
class Batch:
    """Rows of one record kind, in the import format (external ids, blank fields as None)."""

    record: RecordKind
    rows: list[dict[str, Any]]


def practice_shape(entities: int, relationships: int) -> None:
    """Refuse sizes the generator cannot honour, with the reason (ValueError)."""
    if entities < MIN_ENTITIES:
        raise ValueError(f"a generated practice needs at least {MIN_ENTITIES} entities, not {entities}")
    if relationships < 0:
        raise ValueError("the number of relationships cannot be negative")


def generate_practice(entities: int, relationships: int, *, seed: int, batch_size: int = 10_000) -> Iterator[Batch]:
    """Batches of rows for a practice of exactly ``entities`` entities and ``relationships``
    relationships, the same for the same arguments (batch size aside).

    Raises ValueError when the sizes cannot be honoured: fewer than MIN_ENTITIES entities,
    fewer relationships than the memberships the entities need, or more than they can hold.
    """
    practice_shape(entities, relationships)
    if batch_size < 1:
        raise ValueError("batch_size must be positive")
    practice = _Practice(entities, relationships, seed)
    yield from practice.batches(batch_size)


class _Practice(PracticeShape):
    """One generated practice: its shape, drawn once, written as rows by ``batches``."""

    def __init__(self, entities: int, relationships: int, seed: int) -> None:
        super().__init__(entities, relationships, seed)
        self.width = max(6, len(str(max(self.n.values()))), len(str(relationships)))

    def batches(self, size: int) -> Iterator[Batch]:
        for record, count, make in (
            (RecordKind.team_members, self.n[K.team_member], self._team_rows),
            (RecordKind.divisions, self.n[K.division], self._division_rows),
            (RecordKind.providers, self.n[K.provider], self._provider_rows),
            (RecordKind.clients, self.n[K.client], self._client_rows),
            (RecordKind.people, self.n[K.person], self._person_rows),
        ):
            for start in range(0, count, size):
                yield Batch(record, make(start, min(count, start + size)))
        yield from self._relationship_batches(size)

    def ext(self, kind: K, position: int) -> str:
        return f"{_PREFIX[kind]}{position + 1:0{self.width}d}"

    def _attribute_rng(self, kind: K, start: int) -> np.random.Generator:
        """Attributes of a block of rows come from a stream of their own, so they do not
        depend on the batch size (blocks are always 1,000 rows)."""
        return np.random.default_rng(np.random.SeedSequence([self.seed, _STREAM[kind], start // _BLOCK]))

    def _attributes(self, kind: K, start: int, stop: int, draw) -> list:
        values: list = []
        for block in range(start - start % _BLOCK, stop, _BLOCK):
            drawn = draw(self._attribute_rng(kind, block), _BLOCK)
            lo, hi = max(start, block) - block, min(stop, block + _BLOCK) - block
            values.extend(zip(*(column[lo:hi] for column in drawn), strict=True))
        return values

    def _team_rows(self, start: int, stop: int) -> list[dict[str, Any]]:
        def draw(rng, n):
            return rng.integers(len(FIRST_NAMES), size=n), rng.integers(len(LAST_NAMES), size=n)

        rows = []
        for position, (first, last) in zip(range(start, stop), self._attributes(K.team_member, start, stop, draw), strict=True):
            name = f"{FIRST_NAMES[first]} {LAST_NAMES[last]}"
            manager = int(self.reports_to[position])
            rows.append({
                "external_id": self.ext(K.team_member, position), "name": name, "role": self.team_roles[position],
                "email": f"{FIRST_NAMES[first].lower()}.{position + 1}@practice.example", "phone": None,
                "reports_to": self.ext(K.team_member, manager) if manager >= 0 else None,
            })
        return rows

    def _division_rows(self, start: int, stop: int) -> list[dict[str, Any]]:
        return [{"external_id": self.ext(K.division, d),
                 "name": f"{OFFICES[d % len(OFFICES)]} Office" + (f" {d // len(OFFICES) + 1}" if d >= len(OFFICES) else ""),
                 "description": "Head office" if d == 0 else None} for d in range(start, stop)]

    def _provider_rows(self, start: int, stop: int) -> list[dict[str, Any]]:
        def draw(rng, n):
            return rng.integers(len(LAST_NAMES), size=n), rng.integers(len(LAST_NAMES), size=n)

        rows = []
        for position, (a, b) in zip(range(start, stop), self._attributes(K.provider, start, stop, draw), strict=True):
            kind = PROVIDER_KINDS[self.provider_kinds[position]]
            name = _PROVIDER_NAMES[kind].format(LAST_NAMES[a], LAST_NAMES[b])
            rows.append({"external_id": self.ext(K.provider, position), "name": f"{name} ({position + 1})", "kind": kind,
                         "email": None, "phone": None, "website": f"https://provider{position + 1}.example", "notes": None})
        return rows

    def _client_rows(self, start: int, stop: int) -> list[dict[str, Any]]:
        def draw(rng, n):
            stage = rng.choice(4, size=n, p=[0.15, 0.7, 0.1, 0.05])
            segment = rng.choice(4, size=n, p=[0.1, 0.25, 0.4, 0.25])
            source = rng.choice(3, size=n, p=[0.25, 0.35, 0.4]) + 1
            revenue = np.round(np.exp(rng.normal(np.log([20_000, 8_000, 3_000, 800])[segment], 0.5)), 0)
            assets = np.round(revenue * rng.uniform(60, 140, size=n), -2)
            name = rng.integers(len(LAST_NAMES), size=n)
            suffix = rng.integers(len(_BUSINESS_SUFFIXES), size=n)
            return stage, segment, source, revenue, assets, name, suffix

        rows = []
        attributes = self._attributes(K.client, start, stop, draw)
        for position, (stage, segment, source, revenue, assets, name, suffix) in zip(range(start, stop), attributes, strict=True):
            kind = int(self.client_kinds[position])
            contact = self.client_first_person[position]
            last = LAST_NAMES[self._person_last_name(contact)]
            if kind == 0:
                label = f"{last} Household"
            elif kind == 1:
                label = f"{LAST_NAMES[name]} {_BUSINESS_SUFFIXES[suffix]}"
            else:
                label = f"{FIRST_NAMES[self._person_first_name(contact)]} {last}"
            stage_code = STAGES[stage]
            served = stage_code in ("client", "inactive", "for_sale")
            rows.append({
                "external_id": self.ext(K.client, position), "name": label, "kind": ("household", "business", "individual")[kind],
                "stage": stage_code, "segment": SEGMENTS[segment] if served else None,
                "source": "referral" if self.referred[position] else SOURCES[source],
                "owner": self.ext(K.team_member, int(self.client_owner[position])), "influencer_segment": None,
                "annual_revenue": float(revenue) if served else None, "assets_under_management": float(assets),
                "notes": None,
            })
        return rows

    def _person_first_name(self, person: int) -> int:
        return (person * 7919 + self.seed) % len(FIRST_NAMES)

    def _person_last_name(self, person: int) -> int:
        """A household shares its primary contact's last name; anyone else has their own."""
        if person < len(self.person_client):
            client = int(self.person_client[person])
            if self.client_kinds[client] == 0:
                person = int(self.client_first_person[client])
        return (person * 104729 + self.seed * 31) % len(LAST_NAMES)

    def _person_rows(self, start: int, stop: int) -> list[dict[str, Any]]:
        def draw(rng, n):
            return rng.random(n), rng.random(n), rng.random(n)

        birth = self._birth_days[start:stop]
        birth_dates = (DAY + birth).astype(str)
        rows = []
        for position, (email, phone, preferred), born in zip(
            range(start, stop), self._attributes(K.person, start, stop, draw), birth_dates, strict=True
        ):
            first, last = FIRST_NAMES[self._person_first_name(position)], LAST_NAMES[self._person_last_name(position)]
            rows.append({
                "external_id": self.ext(K.person, position), "first_name": first, "last_name": last,
                "preferred_name": first[:3] if preferred < 0.05 else None,
                "email": f"{first.lower()}.{last.lower().replace(chr(39), '')}.{position + 1}@example.com" if email < 0.6 else None,
                "phone": f"+44 20 7946 {position % 10_000:04d}" if phone < 0.4 else None,
                "birth_date": str(born), "notes": None,
            })
        return rows

    def _relationship_batches(self, size: int) -> Iterator[Batch]:
        numbers = {RecordKind.memberships: 0, RecordKind.relationships: 0}
        for record in (RecordKind.memberships, RecordKind.relationships):
            rows: list[dict[str, Any]] = []
            for edges in (b for b in self.blocks if b.record is record):
                for start in range(0, len(edges), size):
                    rows.extend(self._edge_rows(edges, start, min(len(edges), start + size), numbers))
                    while len(rows) >= size:
                        yield Batch(record, rows[:size])
                        rows = rows[size:]
            if rows:
                yield Batch(record, rows)

    def _edge_rows(self, edges: Edges, start: int, stop: int, numbers: dict[RecordKind, int]) -> list[dict[str, Any]]:
        since = _dates(edges.since, start, stop)
        until = _dates(edges.until, start, stop)
        strength = [None] * (stop - start) if edges.strength is None else [
            None if np.isnan(s) else float(s) for s in edges.strength[start:stop]]
        rows = []
        prefix = _PREFIX[edges.record]
        membership = edges.record is RecordKind.memberships
        for i, position in enumerate(range(start, stop)):
            numbers[edges.record] += 1
            ends = (self.ext(edges.from_kind, int(edges.from_index[position])), self.ext(edges.to_kind, int(edges.to_index[position])))
            row = {"external_id": f"{prefix}{numbers[edges.record]:0{self.width}d}"}
            if membership:
                row.update(person=ends[0], client=ends[1], role=_ROLES[edges.type_code], type=None)
            else:
                row.update({"type": edges.type_code, "from": ends[0], "to": ends[1]})
            row.update(since=since[i], until=until[i], strength=strength[i], notes=None)
            rows.append(row)
        return rows


def _dates(days: np.ndarray | None, start: int, stop: int) -> list[str | None]:
    if days is None:
        return [None] * (stop - start)
    chunk = days[start:stop]
    text = (DAY + np.maximum(chunk, 0)).astype(str)
    return [None if d < 0 else str(t) for d, t in zip(chunk, text, strict=True)]


_PREFIX = {K.team_member: "T", K.division: "D", K.provider: "V", K.client: "C", K.person: "P",
           RecordKind.memberships: "M", RecordKind.relationships: "R"}
_STREAM = {K.team_member: 1, K.division: 2, K.provider: 3, K.client: 4, K.person: 5}
_BLOCK = 1_000
_ROLES = {"PRIMARY_CONTACT_AT": "primary_contact", "PARTNER_CONTACT_AT": "partner", "DEPENDANT_IN": "dependant",
          "DIRECTOR_AT": "director", "EMPLOYEE_AT": "employee"}
