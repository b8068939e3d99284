// Every client's id, in id order: the clients a whole practice's plans are generated for.
MATCH (c:Entity:Client)
RETURN c.id AS id
ORDER BY c.id
