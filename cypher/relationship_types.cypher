// The relationship-type catalogue, or one entry of it when $code is given.
MATCH (t:RelationshipType)
WHERE $code IS NULL OR t.code = $code
RETURN t {.*} AS relationship_type
ORDER BY t.category, t.code
