// One relationship by id; its type (from the id) lets the lookup use that type's index.
// Endpoints unlabelled: a labelled endpoint makes FalkorDB scan every entity before the index.
MATCH ()-[r:`{{rel_type}}` {id: $id}]->()
WITH r, startNode(r) AS a, endNode(r) AS b
// visible: a, b
RETURN r {.*} AS relationship, type(r) AS type, a {.*} AS from_entity, b {.*} AS to_entity
