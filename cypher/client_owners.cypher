// The ownership (app/domain/catalogue.py OWNERSHIP: read from owner_id, not stored) of each of
// the given entities that is an owned client: the client and its owner, where owner_id names
// a stored team member.
MATCH (c:Entity)
WHERE c.id IN $ids AND c:Client AND c.owner_id IS NOT NULL
MATCH (t:Entity:TeamMember {id: c.owner_id})
// visible: c:Client
RETURN c {.*} AS client, t {.*} AS owner
ORDER BY c.id
