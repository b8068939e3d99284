"""The shape of a generated practice (``app.services.generator``), drawn once as numpy arrays.

The shape is drawn up front (a few bytes per entity and per relationship, so a million
entities and five million relationships fit in a few hundred megabytes); the generator
builds rows batch by batch from it:

- a team hierarchy: a practice manager, a head adviser per division, advisers, client
  service, analysts and admin, each reporting to someone above;
- clients: households of 1-6 people (primary contact, partner, dependants, with spouse,
  parent and sibling links), businesses with directors and staff (some directors also
  belong to a household), individuals; each owned and advised by an adviser, with a stage,
  segment, source, revenue and assets under management;
- providers (law firms, accountancies, product providers) with their people;
- referral trees: each referred client has one referrer, drawn from the primary contacts of
  earlier clients with heavy-tailed (Pareto) weights, so a few people refer many and chains
  form; professional links (solicitors, accountants, introducers), related households and
  business groups, and acquaintances fill the relationship count exactly.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from app.domain.model import EntityKind as K
from app.domain.transfer import RecordKind

PROVIDER_KINDS = ("law_firm", "accountancy", "product_provider", "other")
_TEAM_ROLES = ("adviser", "client_service", "analyst", "admin")
OFFICES = ("London", "Leeds", "Manchester", "Bristol", "Edinburgh", "Cardiff", "Birmingham", "Glasgow",
           "Belfast", "Norwich", "Exeter", "York", "Cambridge", "Oxford", "Brighton", "Newcastle")

# Days since 1970-01-01 for the dates the generator draws; nothing is dated after
# 2025-12-31, and every ended relationship ended before 2025, whatever today is.
DAY = np.datetime64("1970-01-01", "D")


def _days(iso: str) -> int:
    return int((np.datetime64(iso, "D") - DAY).astype(np.int64))


_FIRST_START, _LAST_START, _LAST_END = _days("1995-01-01"), _days("2025-12-31"), _days("2024-12-31")


@dataclass(frozen=True)
class Edges:
    """Relationships of one type, as the positions of their ends among their kinds."""

    record: RecordKind
    type_code: str
    from_kind: K
    from_index: np.ndarray
    to_kind: K
    to_index: np.ndarray
    since: np.ndarray | None = None  # days since 1970, or -1 for none
    until: np.ndarray | None = None
    strength: np.ndarray | None = None  # NaN for none

    def __len__(self) -> int:
        return len(self.from_index)

    def head(self, count: int) -> Edges:
        def cut(values: np.ndarray | None) -> np.ndarray | None:
            return None if values is None else values[:count]

        return Edges(self.record, self.type_code, self.from_kind, self.from_index[:count], self.to_kind,
                     self.to_index[:count], cut(self.since), cut(self.until), cut(self.strength))


class PracticeShape:
    """The shape of one generated practice, drawn once from its sizes and seed."""

    def __init__(self, entities: int, relationships: int, seed: int) -> None:
        self.seed = seed
        self.rng = np.random.default_rng(np.random.SeedSequence([seed, 0x5EED]))
        self._team(entities)
        self._providers(entities)
        self._clients(entities - self.n[K.team_member] - self.n[K.division] - self.n[K.provider] - self.provider_people)
        self._relationships(relationships)

    def _team(self, entities: int) -> None:
        rng = self.rng
        size = max(3, round(entities * 0.01))
        divisions = max(1, min(len(OFFICES) * 8, round(size / 20)))
        heads = min(divisions, size - 2)
        roles = np.empty(size, dtype=object)
        roles[0] = "practice_manager"
        roles[1:1 + heads] = "adviser"
        rest = size - 1 - heads
        # Advisers first, then client service, analysts and admin, so everyone reports to an
        # earlier member and the rows can be written in order.
        counts = np.maximum([1, 0, 0, 0], np.floor(np.array([0.5, 0.3, 0.1, 0.1]) * rest).astype(int))
        counts[0] = rest - counts[1:].sum()
        roles[1 + heads:] = np.repeat(np.array(_TEAM_ROLES, dtype=object), counts)
        reports_to = np.zeros(size, dtype=np.int64)
        reports_to[0] = -1
        division = np.zeros(size, dtype=np.int64)
        division[1:1 + heads] = np.arange(heads) % divisions
        advisers = np.flatnonzero(roles == "adviser")
        for position in range(1 + heads, size):
            role = roles[position]
            if role == "adviser":
                reports_to[position] = 1 + rng.integers(heads) if heads else 0
            elif role == "client_service":
                earlier = advisers[advisers < position]
                reports_to[position] = rng.choice(earlier) if len(earlier) else 0
            else:
                reports_to[position] = 0 if rng.random() < 0.5 or not heads else 1 + rng.integers(heads)
            division[position] = division[reports_to[position]]
        self.n = {K.team_member: size, K.division: divisions}
        self.team_roles, self.reports_to, self.team_division = roles, reports_to, division
        # Owners: advisers with Zipf-like weights, so some advisers own many clients.
        weights = 1.0 / np.arange(1, len(advisers) + 1) ** 0.8
        self.owners, self.owner_weights = advisers, weights / weights.sum()

    def _providers(self, entities: int) -> None:
        rng = self.rng
        count = max(1, round(entities * 0.008))
        kinds = rng.choice(len(PROVIDER_KINDS), size=count, p=[0.35, 0.35, 0.2, 0.1])
        kinds[0] = 0  # at least one law firm and, below, one accountancy
        if count > 1:
            kinds[1] = 1
        staff = np.minimum(6, 1 + rng.poisson(1.0, size=count))
        if entities < 100:  # leave a small practice room for clients
            staff[:] = 1
        self.n[K.provider] = count
        self.provider_kinds, self.provider_staff = kinds, staff
        self.provider_people = int(staff.sum())

    def _clients(self, budget: int) -> None:
        """Clients and the people they bring, using exactly ``budget`` entities."""
        rng = self.rng
        if budget < 2:
            raise ValueError("too few entities left for clients once the team and providers are made")
        upper = budget  # every client takes at least one entity
        kinds = rng.choice(3, size=upper, p=[0.5, 0.15, 0.35])  # household, business, individual
        household_size = rng.choice(np.arange(1, 7), size=upper, p=[0.25, 0.40, 0.15, 0.12, 0.06, 0.02])
        directors = 1 + rng.binomial(2, 0.4, size=upper)
        staff = np.minimum(8, rng.geometric(0.35, size=upper) - 1)
        seen_household = np.cumsum(kinds == 0) > 0
        # Some businesses have a director who also belongs to an earlier household.
        shared = (kinds == 1) & np.roll(seen_household, 1) & (rng.random(upper) < 0.3)
        shared[0] = False
        new_people = np.where(kinds == 0, household_size, np.where(kinds == 1, directors + staff - shared, 1))
        used = np.cumsum(1 + new_people)
        count = int(np.searchsorted(used, budget, side="right"))
        count = max(count, 1)
        if used[count - 1] > budget:  # the first client alone is too big: make it an individual
            kinds[0], new_people[0], shared[0] = 2, 1, False
            used = np.cumsum(1 + new_people)
            count = int(np.searchsorted(used, budget, side="right"))
        left = budget - int(used[count - 1])
        # What is left becomes individuals (two entities each) and, if one is left, a
        # provider person.
        extra_individuals, extra_person = divmod(left, 2)
        kinds = np.concatenate([kinds[:count], np.full(extra_individuals, 2)])
        household_size = np.concatenate([household_size[:count], np.ones(extra_individuals, dtype=int)])
        directors = np.concatenate([directors[:count], np.ones(extra_individuals, dtype=int)])
        staff = np.concatenate([staff[:count], np.zeros(extra_individuals, dtype=int)])
        shared = np.concatenate([shared[:count], np.zeros(extra_individuals, dtype=bool)])
        new_people = np.concatenate([new_people[:count], np.ones(extra_individuals, dtype=int)])
        if extra_person:
            self.provider_staff[0] += 1
            self.provider_people += 1
        clients = len(kinds)
        self.n[K.client] = clients
        self.client_kinds = kinds
        first_person = np.concatenate([[0], np.cumsum(new_people)[:-1]])
        client_people = int(new_people.sum())
        self.n[K.person] = client_people + self.provider_people
        self.client_first_person, self.client_new_people = first_person, new_people
        self.household_size, self.directors, self.staff, self.shared = household_size, directors, staff, shared
        # Each person's client and rank in it (households: 0 primary contact, 1 partner, then
        # dependants; businesses: directors, then staff).
        self.person_client = np.repeat(np.arange(clients), new_people)
        self.person_rank = np.arange(client_people) - np.repeat(first_person, new_people)
        # The shared director: an adult of an earlier household, drawn at random.
        household_adults = np.flatnonzero(np.repeat(kinds == 0, new_people) & (self.person_rank < 2))
        self.shared_person = np.full(clients, -1, dtype=np.int64)
        for client in np.flatnonzero(shared):
            earlier = household_adults[: np.searchsorted(household_adults, first_person[client])]
            self.shared_person[client] = earlier[rng.integers(len(earlier))]
        self.primary_contact = np.where(kinds == 1, np.where(shared, self.shared_person, first_person), first_person)
        # People of providers come after the people of clients.
        self.provider_first_person = client_people + np.concatenate([[0], np.cumsum(self.provider_staff)[:-1]])
        self.client_start = rng.integers(_FIRST_START, _LAST_START, size=clients)

    def _relationships(self, wanted: int) -> None:
        rng = self.rng
        clients, kinds = self.n[K.client], self.client_kinds
        person_kind = np.repeat(kinds, self.client_new_people)
        rank = self.person_rank
        client_of = self.person_client
        people = np.arange(len(rank))
        start_of_person = self.client_start[client_of]

        def membership(code: str, persons: np.ndarray, of: np.ndarray) -> Edges:
            return Edges(RecordKind.memberships, code, K.person, persons, K.client, of, self.client_start[of])

        is_household = person_kind == 0
        is_business = person_kind == 1
        # A business's first people are its directors (one fewer where a household adult is one).
        business_person = is_business & (rank < self.directors[client_of] - self.shared[client_of])
        shared_clients = np.flatnonzero(self.shared)
        blocks = [
            membership("PRIMARY_CONTACT_AT", self.primary_contact, np.arange(clients)),
            membership("PARTNER_CONTACT_AT", people[is_household & (rank == 1)], client_of[is_household & (rank == 1)]),
            membership("DEPENDANT_IN", people[is_household & (rank >= 2)], client_of[is_household & (rank >= 2)]),
            membership("DIRECTOR_AT", np.concatenate([self.shared_person[shared_clients], people[business_person]]),
                       np.concatenate([shared_clients, client_of[business_person]])),
            membership("EMPLOYEE_AT", people[is_business & ~business_person], client_of[is_business & ~business_person]),
        ]
        provider_people = np.arange(self.provider_people) + len(rank)
        provider_of = np.repeat(np.arange(self.n[K.provider]), self.provider_staff)
        blocks.append(Edges(RecordKind.relationships, "WORKS_AT", K.person, provider_people, K.provider, provider_of))
        mandatory = sum(len(b) for b in blocks)
        if wanted < mandatory:
            raise ValueError(
                f"{sum(self.n.values())} entities need at least {mandatory} relationships (their memberships), not {wanted}"
            )
        # Structure that may be cut short when the count asks for fewer relationships.
        owner = self.owners[rng.choice(len(self.owners), size=clients, p=self.owner_weights)]
        self.client_owner = owner
        partner = is_household & (rank == 1)
        married = rng.random(clients) < 0.85
        spouses = people[partner & married[client_of]]
        spouse_of = self.client_first_person[client_of[spouses]]
        dependants = people[is_household & (rank >= 2)]
        parents_a = self.client_first_person[client_of[dependants]]
        two_parents = dependants[(self.household_size[client_of[dependants]] >= 2) & married[client_of[dependants]]]
        sibling = dependants[rank[dependants] >= 3]
        birth = self._birth_days
        team = np.arange(self.n[K.team_member])
        optional = [
            Edges(RecordKind.relationships, "ADVISER_OF", K.team_member, owner, K.client, np.arange(clients),
                  self.client_start),
            Edges(RecordKind.relationships, "MEMBER_OF_DIVISION", K.team_member, team, K.division, self.team_division),
            Edges(RecordKind.relationships, "SPOUSE_OF", K.person, spouse_of, K.person, spouses,
                  start_of_person[spouses] - rng.integers(0, 3650, size=len(spouses)),
                  strength=np.round(rng.uniform(0.7, 1.0, size=len(spouses)), 2)),
            Edges(RecordKind.relationships, "PARENT_OF", K.person,
                  np.concatenate([parents_a, two_parents - rank[two_parents] + 1]), K.person,
                  np.concatenate([dependants, two_parents]),
                  np.concatenate([birth[dependants], birth[two_parents]])),
            Edges(RecordKind.relationships, "SIBLING_OF", K.person, sibling - 1, K.person, sibling),
        ]
        budget = wanted - mandatory
        for edges in optional:
            take = min(len(edges), budget)
            blocks.append(edges.head(take))
            budget -= take
        blocks += self._extras(budget, ceiling=wanted - budget)
        self.blocks = [b for b in blocks if len(b)]
        # Clients referred by someone have "referral" as their source.
        referred = np.zeros(clients, dtype=bool)
        for b in self.blocks:
            if b.type_code == "REFERRER_OF" and b.to_kind is K.client:
                referred[b.to_index] = True
        self.referred = referred

    def _extras(self, budget: int, *, ceiling: int) -> list[Edges]:
        """Referrals, professional and strategic links and acquaintances: ``budget`` in all
        (``ceiling`` relationships are made already)."""
        clients, persons = self.n[K.client], self.n[K.person]
        law_staff = self._staff_of(0)
        accountancies = np.flatnonzero(self.provider_kinds == 1)
        introducers = np.flatnonzero(self.provider_kinds >= 2)
        households = np.flatnonzero(self.client_kinds == 0)
        businesses = np.flatnonzero(self.client_kinds == 1)
        capacity = {
            "referral": self._referable_clients() + persons,
            "professional": clients * (int(len(law_staff) > 0) + int(len(accountancies) > 0) + int(len(introducers) > 0)),
            "strategic": len(households) // 2 + len(businesses) // 2,
            "acquaintance": persons * ((persons - 1) // 2),
        }
        share = {"referral": 0.25, "professional": 0.2, "strategic": 0.05, "acquaintance": 0.5}
        if budget > sum(capacity.values()):
            raise ValueError(f"too many relationships: {sum(self.n.values())} generated entities can hold at most "
                             f"{ceiling + sum(capacity.values())}")
        counts = {name: min(capacity[name], int(budget * share[name])) for name in share}
        for name in ("acquaintance", "referral", "professional", "strategic"):  # hand out the rest
            counts[name] += min(capacity[name] - counts[name], budget - sum(counts.values()))
        return [*self._referrals(counts["referral"]), *self._professional(counts["professional"], law_staff, accountancies, introducers),
                *self._strategic(counts["strategic"], households, businesses), *self._acquaintances(counts["acquaintance"])]

    def _referrals(self, count: int) -> list[Edges]:
        """Referral trees: each referred client (then person) has one referrer, a primary
        contact of an earlier client drawn with Pareto weights, or now and then a provider's
        person (a centre of influence)."""
        rng = self.rng
        clients = self.n[K.client]
        to_clients = min(count, self._referable_clients())
        referees = np.sort(1 + rng.choice(clients - 1, size=to_clients, replace=False))
        # Pareto weights (capped, so that no one person refers half the practice).
        influence = np.minimum(rng.pareto(1.3, size=clients) + 1.0, 300.0)
        cumulative = np.cumsum(influence)
        draw = rng.random(to_clients) * cumulative[referees - 1]
        referrer_client = np.minimum(np.searchsorted(cumulative, draw, side="right"), referees - 1)
        referrers = self.primary_contact[referrer_client]
        provider_people = np.arange(self.provider_people) + self.n[K.person] - self.provider_people
        by_provider = rng.random(to_clients) < 0.1
        if len(provider_people):
            weights = 1.0 / np.arange(1, len(provider_people) + 1) ** 1.2
            referrers = np.where(by_provider, rng.choice(provider_people, size=to_clients, p=weights / weights.sum()), referrers)
        since = np.maximum(self.client_start[referees] - rng.integers(1, 120, size=to_clients), _FIRST_START)
        strength = np.round(rng.uniform(0.3, 1.0, size=to_clients), 2)
        blocks = [Edges(RecordKind.relationships, "REFERRER_OF", K.person, referrers, K.client, referees, since,
                        strength=strength)]
        to_people = count - to_clients
        if to_people:
            persons = self.n[K.person]
            referee_people = rng.choice(persons, size=to_people, replace=False)
            draw = rng.random(to_people) * cumulative[-1]
            referrer_people = self.primary_contact[np.searchsorted(cumulative, draw, side="right").clip(max=clients - 1)]
            clash = referrer_people == referee_people  # nobody refers themselves
            referrer_people[clash] = self.primary_contact[(self._client_of_person(referee_people[clash]) + 1) % clients]
            still = referrer_people == referee_people
            referrer_people[still] = (referee_people[still] + 1) % persons
            blocks.append(Edges(RecordKind.relationships, "REFERRER_OF", K.person, referrer_people, K.person,
                                referee_people, strength=np.round(rng.uniform(0.3, 1.0, size=to_people), 2)))
        return blocks

    def _referable_clients(self) -> int:
        """At most this many clients came by referral: the others came from lists, events
        and enquiries (the first client by none of them)."""
        return int(0.45 * (self.n[K.client] - 1))

    def _professional(self, count: int, law_staff: np.ndarray, accountancies: np.ndarray, introducers: np.ndarray) -> list[Edges]:
        """Solicitors, accountants and introducers for clients: at most one of each per client."""
        rng = self.rng
        clients = self.n[K.client]
        kinds = [("SOLICITOR_FOR", K.person, law_staff), ("ACCOUNTANT_FOR", K.provider, accountancies),
                 ("INTRODUCER_OF", K.provider, introducers)]
        kinds = [k for k in kinds if len(k[2])]
        blocks = []
        for position, (code, from_kind, pool) in enumerate(kinds):
            share = count // len(kinds) + (1 if position < count % len(kinds) else 0)
            of = np.sort(rng.choice(clients, size=share, replace=False))
            weights = 1.0 / np.arange(1, len(pool) + 1) ** 0.9
            by = rng.choice(pool, size=share, p=weights / weights.sum())
            since = np.maximum(self.client_start[of] + rng.integers(0, 400, size=share), _FIRST_START).clip(max=_LAST_START)
            until = np.full(share, -1, dtype=np.int64)
            if code == "ACCOUNTANT_FOR":  # some are history: the client moved on
                ended = rng.random(share) < 0.1
                until[ended] = np.minimum(since[ended] + rng.integers(200, 3000, size=int(ended.sum())), _LAST_END)
                until[ended & (until <= since)] = -1
            blocks.append(Edges(RecordKind.relationships, code, from_kind, by, K.client, of, since, until,
                                np.round(rng.uniform(0.2, 0.9, size=share), 2)))
        return blocks

    def _strategic(self, count: int, households: np.ndarray, businesses: np.ndarray) -> list[Edges]:
        """Related households and business groups: disjoint pairs, so none repeats."""
        rng = self.rng
        blocks = []
        pairs = {"RELATED_HOUSEHOLD_OF": rng.permutation(households), "BUSINESS_GROUP_WITH": rng.permutation(businesses)}
        household_pairs = min(count, len(households) // 2)
        for code, take in (("RELATED_HOUSEHOLD_OF", household_pairs), ("BUSINESS_GROUP_WITH", count - household_pairs)):
            order = pairs[code]
            blocks.append(Edges(RecordKind.relationships, code, K.client, order[0:2 * take:2], K.client, order[1:2 * take:2]))
        return blocks

    def _acquaintances(self, count: int) -> list[Edges]:
        """People who know each other: person i and the person ``offset`` places on in a
        shuffled circle, for distinct offsets below half the circle, so no pair repeats."""
        rng = self.rng
        persons = self.n[K.person]
        if not count:
            return []
        order = rng.permutation(persons)
        rounds = -(-count // persons)
        offsets = 1 + rng.choice((persons - 1) // 2, size=rounds, replace=False)
        positions = np.arange(count)
        offset = offsets[positions // persons]
        start = positions % persons
        return [Edges(RecordKind.relationships, "ACQUAINTANCE_OF", K.person, order[start], K.person,
                      order[(start + offset) % persons], strength=np.round(rng.uniform(0.1, 0.6, size=count), 2))]

    def _staff_of(self, provider_kind: int) -> np.ndarray:
        providers = np.flatnonzero(self.provider_kinds == provider_kind)
        return np.concatenate([np.arange(self.provider_first_person[p], self.provider_first_person[p] + self.provider_staff[p])
                               for p in providers]) if len(providers) else np.array([], dtype=np.int64)

    def _client_of_person(self, persons: np.ndarray) -> np.ndarray:
        """The client each person came with (providers' people: the first client)."""
        within = persons < len(self.person_client)
        return np.where(within, self.person_client[np.minimum(persons, len(self.person_client) - 1)], 0)

    @cached_property
    def _birth_days(self) -> np.ndarray:
        rng = np.random.default_rng(np.random.SeedSequence([self.seed, 0xB1D]))
        persons = self.n[K.person]
        adult = rng.integers(_days("1940-01-01"), _days("2000-12-31"), size=persons)
        child = rng.integers(_days("2001-01-01"), _days("2020-12-31"), size=persons)
        dependant = np.zeros(persons, dtype=bool)
        households = len(self.person_rank)
        dependant[:households] = (np.repeat(self.client_kinds, self.client_new_people) == 0) & (self.person_rank >= 2)
        return np.where(dependant, child, adult)
