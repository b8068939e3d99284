"""A small sample practice, loaded through the same services (and rules) as any user input."""

from __future__ import annotations

from app.domain.model import EntityKind as K
from app.services.entities import EntityService
from app.services.relationships import RelationshipService

SAMPLE_ENTITY_COUNT = 27


def load_sample_practice(entities: EntityService, relationships: RelationshipService) -> dict[str, str]:
    """Create the sample practice; return its entity ids by a short handle."""
    ids: dict[str, str] = {}

    def add(handle: str, entity_kind: K, /, **data) -> None:
        ids[handle] = entities.create(entity_kind, data)["id"]

    def link(type_code: str, source: str, target: str, **data) -> None:
        relationships.create({"type": type_code, "from_id": ids[source], "to_id": ids[target], **data})

    # The team: a practice manager, two advisers, client service, an analyst.
    add("mark", K.team_member, name="Mark Davies", role="practice_manager", email="mark@rapport.example")
    add("anna", K.team_member, name="Anna Shaw", role="adviser", email="anna@rapport.example", reports_to_id=ids["mark"])
    add("omar", K.team_member, name="Omar Haddad", role="adviser", reports_to_id=ids["mark"])
    add("priya", K.team_member, name="Priya Patel", role="client_service", reports_to_id=ids["anna"])
    add("lee", K.team_member, name="Lee Chen", role="analyst", reports_to_id=ids["mark"])
    add("london", K.division, name="London Office", description="Head office")

    # Clients and their people.
    add("elliott", K.client, name="Elliott Household", kind="household", stage="client", segment="A",
        source="event", owner_id=ids["anna"], annual_revenue=14_500, assets_under_management=1_850_000)
    add("smart", K.client, name="Smart Systems Ltd", kind="business", stage="client", segment="B",
        source="referral", owner_id=ids["anna"], annual_revenue=9_800, assets_under_management=640_000)
    add("okafor", K.client, name="Okafor Household", kind="household", stage="prospect", source="referral",
        owner_id=ids["omar"], assets_under_management=420_000)
    add("reid", K.client, name="Sam Reid", kind="individual", stage="client", segment="C", source="referral",
        owner_id=ids["omar"], annual_revenue=2_100, assets_under_management=150_000)
    add("john", K.person, first_name="John", last_name="Elliott", email="john.elliott@example.com", birth_date="1968-04-12")
    add("jean", K.person, first_name="Jean", last_name="Elliott", email="jean@smartsystems.example", birth_date="1970-09-30")
    add("rose", K.person, first_name="Rose", last_name="Elliott", birth_date="2004-02-17")
    add("james", K.person, first_name="James", last_name="Elliott", birth_date="2007-11-05")
    add("tom", K.person, first_name="Tom", last_name="Hughes", email="tom@smartsystems.example")
    add("grace", K.person, first_name="Grace", last_name="Okafor", phone="+44 20 7946 0012")
    add("david", K.person, first_name="David", last_name="Okafor")
    add("sam", K.person, first_name="Sam", last_name="Reid")

    # Providers and their people.
    add("harper", K.provider, name="Harper & Cole Solicitors", kind="law_firm", website="https://harpercole.example")
    add("brightside", K.provider, name="Brightside Accountants", kind="accountancy")
    add("laura", K.person, first_name="Laura", last_name="Harper", email="laura@harpercole.example")
    add("ben", K.person, first_name="Ben", last_name="Carter")
    add("atlas", K.provider, name="Atlas Life", kind="product_provider")
    add("nina", K.person, first_name="Nina", last_name="Brooks")
    add("okafor_ltd", K.client, name="Okafor Logistics", kind="business", stage="prospect", source="referral",
        owner_id=ids["omar"])
    add("kim", K.person, first_name="Kim", last_name="Lowe")
    add("leeds", K.division, name="Leeds Office")

    link("PRIMARY_CONTACT_AT", "john", "elliott", since="2015-06-01")
    link("PARTNER_CONTACT_AT", "jean", "elliott", since="2015-06-01")
    link("DEPENDANT_IN", "rose", "elliott", since="2015-06-01")
    link("DEPENDANT_IN", "james", "elliott", since="2015-06-01")
    link("PRIMARY_CONTACT_AT", "jean", "smart", since="2018-01-15")
    link("DIRECTOR_AT", "jean", "smart", since="2016-03-01", strength=0.9)
    link("EMPLOYEE_AT", "tom", "smart", since="2019-07-01")
    link("PRIMARY_CONTACT_AT", "grace", "okafor", since="2026-09-01")
    link("PARTNER_CONTACT_AT", "david", "okafor", since="2026-09-01")
    link("PRIMARY_CONTACT_AT", "sam", "reid", since="2022-05-10")
    link("PRIMARY_CONTACT_AT", "david", "okafor_ltd", since="2026-10-01")
    link("SPOUSE_OF", "john", "jean", since="1996-08-24", strength=1.0)
    link("PARENT_OF", "john", "rose")
    link("PARENT_OF", "john", "james")
    link("SPOUSE_OF", "grace", "david")
    link("ADVISER_OF", "anna", "elliott", since="2015-06-01")
    link("ADVISER_OF", "anna", "smart", since="2018-01-15")
    link("ADVISER_OF", "omar", "okafor", since="2026-09-01")
    link("ADVISER_OF", "omar", "reid", since="2022-05-10")
    link("WORKS_AT", "laura", "harper")
    link("WORKS_AT", "ben", "brightside")
    link("WORKS_AT", "nina", "atlas")
    link("SOLICITOR_FOR", "laura", "elliott", since="2017-02-01", strength=0.7)
    link("ACCOUNTANT_FOR", "brightside", "smart", since="2018-04-01")
    # History: the Elliotts' former accountant, kept after the relationship ended.
    link("ACCOUNTANT_FOR", "ben", "elliott", since="2015-06-01", until="2023-03-31")
    # Referral chains: John referred the Okafors, Grace referred Sam Reid; Laura introduced Smart Systems.
    link("REFERRER_OF", "john", "okafor", since="2026-08-20", strength=0.9)
    link("REFERRER_OF", "grace", "reid", since="2022-04-01", strength=0.8)
    link("INTRODUCER_OF", "laura", "smart", since="2018-01-02", strength=0.6)
    link("REFERRER_OF", "david", "okafor_ltd", since="2026-09-20")
    link("ACQUAINTANCE_OF", "kim", "tom")
    link("MEMBER_OF_DIVISION", "anna", "london")
    link("MEMBER_OF_DIVISION", "omar", "leeds")
    return ids
