// What plans are made from, for these clients (by id, in id order): the client's fields, its
// active members with their birth dates, the date of its last review (a touch of kind review),
// and every service task it holds. An id that names no client gives no row.
UNWIND $ids AS client_id
MATCH (c:Entity:Client {id: client_id})
OPTIONAL MATCH (p:Person)-[m]->(c)
WHERE m.category = 'membership' AND (m.until IS NULL OR m.until > $today)
WITH c, collect(CASE WHEN p IS NULL THEN null ELSE {id: p.id, name: p.name, birth_date: p.birth_date} END) AS people
OPTIONAL MATCH (review:Touch {client_id: c.id})
WHERE review.kind = 'review'
WITH c, people, max(review.date) AS last_review
OPTIONAL MATCH (task:ServiceTask {client_id: c.id})
WITH c, people, last_review, collect(CASE WHEN task IS NULL THEN null ELSE task {.*} END) AS tasks
RETURN c {.id, .name, .version, .tier, .stage, .owner_id, .next_review_date} AS client, people, last_review, tasks
ORDER BY c.id
