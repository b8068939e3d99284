// Entities of a kind with this name, in any case, whose email does not differ (either has
// none, or both the same in any case), other than the one given: likely duplicates of it.
MATCH (n:Entity:`{{label}}`)
WHERE toLower(n.name) = toLower($name) AND n.id <> $id
  AND ($email IS NULL OR n.email IS NULL OR toLower(n.email) = toLower($email))
// visible: n
RETURN n.id AS id, n.entity_kind AS kind, n.name AS name
ORDER BY n.id
LIMIT $limit
