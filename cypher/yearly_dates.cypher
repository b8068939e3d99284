// The yearly important dates (birthdays, anniversaries and other recurring ones) kept on
// these clients and people, with whose they are.
MATCH (important:ImportantDate)
WHERE important.entity_id IN $ids AND important.kind <> 'review' AND coalesce(important.recurring, true)
MATCH (n:Entity {id: important.entity_id})
RETURN important {.*} AS important_date, n.name AS name
