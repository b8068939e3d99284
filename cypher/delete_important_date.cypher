// Remove one important date.
MATCH (important:ImportantDate {id: $id})
DELETE important
RETURN count(*) AS deleted
