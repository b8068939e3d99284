// Keep an important date on a client or a person, if it exists.
MATCH (n:Entity {id: $entity_id})
WHERE n.entity_kind IN ['client', 'person']
CREATE (important:ImportantDate)
SET important = $properties, important.entity_kind = n.entity_kind
RETURN important {.*} AS important_date, n.name AS name
