// Add the default relationship types that are missing; existing entries are left as edited.
UNWIND $types AS type
MERGE (t:RelationshipType {code: type.code})
ON CREATE SET t = type
RETURN count(t) AS ensured
