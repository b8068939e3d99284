// Active memberships in household clients the caller may see: those of the people in
// $people, and those of the households in $households (a person attached to a client the
// caller sees is seen too), each with the person, the household and the role.
MATCH (p:Entity:Person)-[m]->(c:Entity:Client)
WHERE p.id IN $people AND c.kind = 'household' AND m.category = 'membership'
  AND (m.until IS NULL OR m.until > $today)
// visible: c:Client
RETURN p {.*} AS person, c {.*} AS client, m.role AS role
UNION ALL
MATCH (p:Entity:Person)-[m]->(c:Entity:Client)
WHERE c.id IN $households AND c.kind = 'household' AND m.category = 'membership'
  AND (m.until IS NULL OR m.until > $today)
// visible: c:Client
RETURN p {.*} AS person, c {.*} AS client, m.role AS role
