// Relationships of one type by their external ids, with the ids of their ends: how an
// import recognises the relationships it wrote before.
UNWIND $external_ids AS external_id
MATCH (a)-[r:`{{rel_type}}` {external_id: external_id}]->(b)
RETURN r {.*} AS relationship, a.id AS from_id, b.id AS to_id
