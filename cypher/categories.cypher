// One ordered category list (stages, segments, sources or influencer segments), or all.
MATCH (c:Category)
WHERE $list IS NULL OR c.list = $list
RETURN c {.*} AS category
ORDER BY c.list, c.position, c.code
