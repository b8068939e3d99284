// Keep an important date on a client or a person, with its audit record, if that entity
// exists and is of the kind the service read ($properties.entity_kind).
MATCH (n:Entity {id: $entity_id})
WHERE n.entity_kind IN ['client', 'person'] AND n.entity_kind = $properties.entity_kind
CREATE (important:ImportantDate)
SET important = $properties
CREATE (log:AuditRecord)
SET log = $audit
RETURN important {.*} AS important_date, n.name AS name
