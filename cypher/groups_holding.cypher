// The groups that hold an entity among their hand-picked members.
MATCH (g:Group)
WHERE $id IN g.member_ids
RETURN g {.*} AS group
ORDER BY g.id
