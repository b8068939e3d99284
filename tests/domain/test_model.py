"""Model helpers: kinds' labels and paths, the identifier gate, relationship ids, dates and
instants in their stored form, display names."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone

import pytest

from app.domain.errors import InvalidInput
from app.domain.model import (
    PRACTICE_RECORD_KEYS,
    PRACTICE_RECORD_LABELS,
    EntityKind,
    PracticeRecordKind,
    check_identifier,
    iso_instant,
    new_entity_id,
    new_relationship_id,
    no_such_date,
    now_iso,
    person_display_name,
    relationship_type_of,
)


def test_each_kind_has_a_label_and_a_path_that_leads_back_to_it():
    assert [kind.label for kind in EntityKind] == ["Client", "Person", "TeamMember", "Provider", "Division"]
    assert EntityKind.team_member.path == "team-members"
    assert EntityKind.person.path == "people"
    for kind in EntityKind:
        assert EntityKind.from_path(kind.path) is kind
    with pytest.raises(KeyError):
        EntityKind.from_path("team_member")  # the value is no path


@pytest.mark.parametrize("code", ["AB", "SPOUSE_OF", "A1", "X" * 63, "OWNER_OF"])
def test_the_identifier_gate_lets_through_upper_case_codes(code):
    assert check_identifier(code) == code


@pytest.mark.parametrize("code", ["A", "X" * 64, "spouse_of", "1AB", "_AB", "AB-C", "AB C", "AB`) DETACH DELETE (n", "ÄB", "AB\n"])
def test_the_identifier_gate_refuses_anything_else_and_says_what_a_code_is(code):
    with pytest.raises(InvalidInput) as refused:
        check_identifier(code)
    assert refused.value.detail == (
        f"'{code}' is not a valid code: use 2-63 characters A-Z, 0-9 and _, starting with a letter"
    )


def test_relationship_ids_name_their_type():
    made = new_relationship_id("SPOUSE_OF")
    assert re.fullmatch(r"SPOUSE_OF-[0-9A-Z]{26}", made)
    assert relationship_type_of(made) == "SPOUSE_OF"
    assert relationship_type_of("PARENT_OF-01HZY3K5V6W7X8Y9Z0ABCDEFGH") == "PARENT_OF"
    with pytest.raises(InvalidInput):
        new_relationship_id("not a code")


@pytest.mark.parametrize("bad", [
    "SPOUSE_OF",
    "SPOUSE_OF-",
    "SPOUSE_OF-01HZY3K5V6W7X8Y9Z0ABCDEF",  # 24 characters
    "SPOUSE_OF-01HZY3K5V6W7X8Y9Z0ABCDEFGI",  # I is not in ULID's alphabet
    "spouse_of-01HZY3K5V6W7X8Y9Z0ABCDEFGH",
    "OWNER_OF-c1",  # an ownership id is no stored relationship's
    "",
])
def test_a_malformed_relationship_id_has_no_type(bad):
    assert relationship_type_of(bad) is None


def test_entity_ids_are_distinct_ulids():
    ids = {new_entity_id() for _ in range(50)}
    assert len(ids) == 50
    assert all(re.fullmatch(r"[0-9A-HJKMNP-TV-Z]{26}", i) for i in ids)


@pytest.mark.parametrize(("year", "month", "day", "problem"), [
    (2024, 2, 29, None),
    (2000, 2, 29, None),  # divisible by 400: a leap year
    (1900, 2, 29, "1900-02-29 has no such day (February 1900 has 28 days)"),  # by 100 only: not
    (2026, 6, 31, "2026-06-31 has no such day (June 2026 has 30 days)"),
    (2026, 12, 31, None),
    (2026, 12, 32, "2026-12-32 has no such day (December 2026 has 31 days)"),
    (2026, 1, 0, "2026-01-00 has no such day (January 2026 has 31 days)"),
    (2026, 13, 1, "2026-13-01 has no such month (months run from 01 to 12)"),
    (2026, 0, 1, "2026-00-01 has no such month (months run from 01 to 12)"),
])
def test_no_such_date_says_why_a_date_names_no_day(year, month, day, problem):
    assert no_such_date(year, month, day) == problem


def test_instants_are_stored_in_utc_with_milliseconds_and_z():
    assert iso_instant(datetime(2024, 5, 1, 9, 30, 0, 123_456, tzinfo=UTC)) == "2024-05-01T09:30:00.123Z"
    assert iso_instant(datetime(2024, 5, 1, 9, 30)) == "2024-05-01T09:30:00.000Z"  # naive: taken as UTC
    east = timezone(timedelta(hours=2))
    assert iso_instant(datetime(2024, 5, 1, 1, 0, tzinfo=east)) == "2024-04-30T23:00:00.000Z"
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z", now_iso())


def test_a_person_is_shown_by_preferred_or_first_name():
    assert person_display_name("Jean", "Elliott") == "Jean Elliott"
    assert person_display_name("Margaret", "Elliott", "Peggy") == "Peggy Elliott"
    assert person_display_name("Margaret", "Elliott", "") == "Margaret Elliott"
    assert person_display_name("", "Elliott") == "Elliott"


def test_record_kinds_read_as_nouns_and_every_record_label_has_a_backup_key():
    assert PracticeRecordKind.service_request.noun == "service request"
    assert PracticeRecordKind.group.noun == "group"
    assert set(PRACTICE_RECORD_KEYS) == set(PRACTICE_RECORD_LABELS)
    assert PRACTICE_RECORD_KEYS["TierSuggestion"] == ("run_id", "position")
    assert PRACTICE_RECORD_KEYS["Touch"] == ("id",)
