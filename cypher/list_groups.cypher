// One page of groups, in id order (the order they were made) after the cursor.
MATCH (g:Group)
WHERE $after IS NULL OR g.id > $after
RETURN g {.*} AS group
ORDER BY g.id
LIMIT $limit
