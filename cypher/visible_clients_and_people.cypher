// The ids of every client and person the caller may see (the rest of the practice's
// directory is visible to all): what the analytics leave out of figures and counts.
MATCH (n:Entity)
WHERE n:Client OR n:Person
// visible: n
RETURN n.id AS id
