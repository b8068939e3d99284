// One group by id.
MATCH (g:Group {id: $id})
RETURN g {.*} AS group
