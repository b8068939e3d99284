// Relationships of one type by id, with the ids of their ends (an import compares what it
// would write with what is stored).
UNWIND $ids AS id
MATCH (a)-[r:`{{rel_type}}` {id: id}]->(b)
RETURN r {.*} AS relationship, a.id AS from_id, b.id AS to_id
