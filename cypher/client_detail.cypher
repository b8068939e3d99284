// A client with its active members (and their roles) and its owner; for a restricted caller,
// only if they may see the client (its members and owner are visible with it).
MATCH (c:Entity:Client {id: $id})
// visible: c:Client
OPTIONAL MATCH (p:Entity:Person)-[m]->(c)
WHERE m.category = 'membership' AND (m.until IS NULL OR m.until > $today) AND (m.since IS NULL OR m.since <= $today)
WITH c, collect(CASE WHEN m IS NULL THEN null ELSE {person: p {.*}, relationship: m {.*}, type: type(m)} END) AS members
OPTIONAL MATCH (o:Entity:TeamMember {id: c.owner_id})
RETURN c {.*} AS client, members, o {.*} AS owner
