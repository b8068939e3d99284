// Each client's ownership, as the analytics walk it (app/domain/catalogue.py OWNERSHIP): the
// owner and the client as "owner_id client_id" strings (see analytics_relationships), only
// where the owner is a stored team member.
MATCH (c:Entity:Client)
WHERE c.owner_id IS NOT NULL
MATCH (t:Entity:TeamMember {id: c.owner_id})
RETURN collect(t.id + ' ' + c.id) AS ends
