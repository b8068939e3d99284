// Every client (for a restricted caller, those they see) with the fields tiers and the cycle
// of service read, and its active members.
MATCH (c:Client)
// visible: c:Client
OPTIONAL MATCH (p:Person)-[m]->(c)
WHERE m.category = 'membership' AND (m.until IS NULL OR m.until > $today) AND (m.since IS NULL OR m.since <= $today)
WITH c, collect(CASE WHEN p IS NULL THEN null ELSE {id: p.id, name: p.name, role: m.role, share: m.share} END) AS members
RETURN c {.*} AS client, members
ORDER BY c.name, c.id
