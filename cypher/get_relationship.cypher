// One relationship by id; its type (from the id) lets the lookup use that type's index.
MATCH (a:Entity)-[r:`{{rel_type}}` {id: $id}]->(b:Entity)
RETURN r {.*} AS relationship, type(r) AS type, a {.*} AS from_entity, b {.*} AS to_entity
