// One page of ownerships (app/domain/catalogue.py OWNERSHIP: read from owner_id, not stored) in
// id order after the cursor, beside list_relationships' pages: an ownership's id is 'OWNER_OF-'
// and its client's id, so the client's id orders them.
MATCH (c:Client)
WHERE c.owner_id IS NOT NULL AND ($after IS NULL OR c.id > $after)
MATCH (t:Entity:TeamMember {id: c.owner_id})
// visible: c:Client
RETURN c {.*} AS client, t {.*} AS owner
ORDER BY c.id
LIMIT $limit
