// One entity of a known kind by id.
MATCH (n:Entity:`{{label}}` {id: $id})
RETURN n {.*} AS entity
