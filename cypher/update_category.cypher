// Relabel, describe or move one category.
MATCH (c:Category {key: $key})
SET c += $changes
RETURN c {.*} AS category
