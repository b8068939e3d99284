// The ownerships (app/domain/catalogue.py OWNERSHIP: read from owner_id, not stored) of the
// given team members: each client one of them owns, with its owner.
MATCH (c:Client)
WHERE c.owner_id IN $ids
MATCH (t:Entity:TeamMember {id: c.owner_id})
// visible: c:Client
RETURN c {.*} AS client, t {.*} AS owner
ORDER BY c.name, c.id
LIMIT $limit
