"""Postal addresses, salutations and mailing lists: who a letter goes to, how it greets them,
and where it is sent, worked out from stored entities with no store and no clock.

**Addresses.** Clients and people may hold a postal address: ``address_line1``,
``address_line2``, ``locality`` (town or city), ``region`` (county, state), ``postcode`` and
``country`` (ISO 3166-1 alpha-2: ``GB``, ``IE``, ``US``). An entity *has* an address when it
holds a first line and a locality or a postcode; anything less cannot be posted.

**Salutations.** ``salutation`` is the greeting after "Dear": a stored ``salutation`` wins;
else a person's is their title and last name ("Mrs Elliott") or, without a title, the name
they go by and their last name ("Jean Elliott"); a household's names its adult members (its
primary contact and partners: "John and Jean Elliott", "Grace Okafor and David Adeyemi"), or
is "The Elliott Household" when none is known; a business or an individual client is
greeted by its name. ``addressee`` is the name on the envelope: a person's title, first and
last name; a household's the same names as its greeting; another client's its name.

**Who is written to** (:func:`mailing_list`). Each member of a mailing resolves to one
addressee, and each addressee gets one row, however many members lead to it:

* a client is written to itself;
* a person who is an active member of a household client the caller sees is written to
  through that household (so the Elliotts get one letter, not four), unless they hold an
  address of their own that differs from the household's (a grown child who moved out);
* with ``fold_households=False`` (birthday and anniversary cards, which are personal) a
  person is written to by name, at their own address or, without one, their household's;
* anyone else is written to by name at their own address.

Addressees without an address are not rows: they are listed apart, so that someone can fill
the gap (a mail merge would print an empty envelope).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from app.domain.model import ClientKind, EntityKind

#: The address fields of clients and people, as stored.
ADDRESS_FIELDS = ("address_line1", "address_line2", "locality", "region", "postcode", "country")

#: ISO 3166-1 alpha-2: every officially assigned code.
COUNTRY_CODES = frozenset("""
AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY
BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK
FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR
IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK
ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM
PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF
TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW
""".split())
#: Codes people write that ISO does not assign, and the one they mean.
COUNTRY_HINTS = {"UK": "GB", "EN": "GB", "EL": "GR"}

#: Membership roles whose holders a household's greeting names, in this order.
ADULT_ROLES = ("primary_contact", "partner")

#: The columns of a mailing file, in order.
MAILING_COLUMNS = ("name", "salutation", "address_line1", "address_line2", "locality", "region", "postcode", "country")

#: Text a spreadsheet would read as a formula when it starts a cell.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def country_problem(code: str) -> str | None:
    """Why ``code`` is no ISO 3166-1 alpha-2 country code, or None when it is one."""
    if code in COUNTRY_CODES:
        return None
    hint = COUNTRY_HINTS.get(code.upper()) or (code.upper() if code.upper() in COUNTRY_CODES else None)
    return f"'{code}' is not an ISO 3166-1 alpha-2 country code" + (f": did you mean {hint}?" if hint else
                                                                     " (two capital letters, such as GB, IE or US)")


@dataclass(frozen=True)
class PostalAddress:
    line1: str
    line2: str | None
    locality: str | None
    region: str | None
    postcode: str | None
    country: str | None

    def key(self) -> tuple[str, ...]:
        """What makes two addresses the same place: each part, trimmed, in any case."""
        return tuple(" ".join((part or "").split()).casefold() for part in (
            self.line1, self.line2, self.locality, self.region, self.postcode, self.country))


def postal_address(entity: Mapping[str, Any]) -> PostalAddress | None:
    """The entity's address, or None when it has none that could be posted (no first line,
    or neither a locality nor a postcode)."""
    line1 = (entity.get("address_line1") or "").strip()
    if not line1 or not ((entity.get("locality") or "").strip() or (entity.get("postcode") or "").strip()):
        return None
    return PostalAddress(line1, entity.get("address_line2"), entity.get("locality"), entity.get("region"),
                         entity.get("postcode"), entity.get("country"))


@dataclass(frozen=True)
class Member:
    """A person's active membership of a client, as a salutation reads it."""

    person: Mapping[str, Any]
    role: str | None


def salutation(entity: Mapping[str, Any], members: Sequence[Member] = ()) -> str:
    """The greeting after "Dear" (see the module's notes); ``members``: a household's active
    members (others are not read)."""
    stored = (entity.get("salutation") or "").strip()
    if stored:
        return stored
    if entity.get("entity_kind") == EntityKind.person.value:
        title = (entity.get("title") or "").strip()
        if title:
            return f"{title} {entity['last_name']}"
        return f"{entity.get('preferred_name') or entity['first_name']} {entity['last_name']}"
    if entity.get("kind") == ClientKind.household.value:
        return _household_names(entity, members)
    return entity["name"]


def addressee(entity: Mapping[str, Any], members: Sequence[Member] = ()) -> str:
    """The name on the envelope (see the module's notes)."""
    if entity.get("entity_kind") == EntityKind.person.value:
        return " ".join(part for part in (entity.get("title"), entity["first_name"], entity["last_name"]) if part)
    if entity.get("kind") == ClientKind.household.value:
        return _household_names(entity, members)
    return entity["name"]


def _household_names(household: Mapping[str, Any], members: Sequence[Member]) -> str:
    adults = sorted((m for m in members if m.role in ADULT_ROLES),
                    key=lambda m: (ADULT_ROLES.index(m.role or ""), m.person.get("id", "")))
    seen: set[str] = set()
    people = [m.person for m in adults if not (m.person.get("id") in seen or seen.add(m.person.get("id")))]
    if not people:
        name = household["name"]
        return name if name.casefold().startswith("the ") else f"The {name}"
    given = [p.get("preferred_name") or p["first_name"] for p in people]
    surnames = {p["last_name"] for p in people}
    if len(surnames) == 1:
        return f"{_and(given)} {people[0]['last_name']}"
    return _and([f"{first} {p['last_name']}" for first, p in zip(given, people, strict=True)])


def _and(parts: Sequence[str]) -> str:
    return parts[0] if len(parts) == 1 else f"{', '.join(parts[:-1])} and {parts[-1]}"


@dataclass(frozen=True)
class Household:
    """A household client a person is an active member of, with its own active members."""

    client: Mapping[str, Any]
    members: Sequence[Member]


@dataclass
class MailingList:
    #: One per addressee with an address, by name: ``MAILING_COLUMNS`` and ``id``, ``kind``.
    rows: list[dict[str, Any]]
    #: Addressees without an address: ``{id, kind, name}``, by name.
    without_address: list[dict[str, Any]]


def mailing_list(
    entities: Iterable[Mapping[str, Any]], *, members_of: Mapping[str, Sequence[Member]],
    households_of: Mapping[str, Sequence[Household]], fold_households: bool = True,
) -> MailingList:
    """The rows of a mailing to ``entities`` (clients and people; others are passed over).

    ``members_of``: each household client's active members (for its greeting);
    ``households_of``: each person's households, those the caller sees, the one to write
    through first."""
    chosen: dict[str, tuple[Mapping[str, Any], Sequence[Member], PostalAddress | None]] = {}
    for entity in entities:
        kind = entity.get("entity_kind")
        if kind == EntityKind.client.value:
            chosen.setdefault(entity["id"], (entity, members_of.get(entity["id"], ()), postal_address(entity)))
        elif kind == EntityKind.person.value:
            own = postal_address(entity)
            home = next(iter(households_of.get(entity["id"], ())), None)
            home_address = postal_address(home.client) if home else None
            if home is not None and fold_households and (own is None or own.key() == (home_address and home_address.key())):
                chosen.setdefault(home.client["id"], (home.client, home.members, home_address))
            else:
                chosen.setdefault(entity["id"], (entity, (), own or home_address))
    rows, missing = [], []
    for entity, members, address in chosen.values():
        name = addressee(entity, members)
        if address is None:
            missing.append({"id": entity["id"], "kind": entity["entity_kind"], "name": name})
            continue
        rows.append({
            "id": entity["id"], "kind": entity["entity_kind"], "name": name, "salutation": salutation(entity, members),
            "address_line1": address.line1, "address_line2": address.line2, "locality": address.locality,
            "region": address.region, "postcode": address.postcode, "country": address.country,
        })
    order = lambda row: (row["name"].casefold(), row["id"])  # noqa: E731
    return MailingList(sorted(rows, key=order), sorted(missing, key=order))


def spreadsheet_safe(value: Any) -> str:
    """A CSV cell that a spreadsheet shows as text: a value starting with ``=``, ``+``, ``-``,
    ``@``, a tab or a carriage return (which Excel, LibreOffice and Google Sheets would run as
    a formula: CSV injection) gets a leading apostrophe; None is an empty cell."""
    if value is None:
        return ""
    text = str(value)
    return f"'{text}" if text.startswith(_FORMULA_STARTS) else text
