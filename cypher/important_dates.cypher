// Important dates kept on clients and people (of one entity, or all), with the entity's name,
// and people's birthdays from their birth dates.
MATCH (important:ImportantDate)
WHERE $entity_id IS NULL OR important.entity_id = $entity_id
MATCH (n:Entity {id: important.entity_id})
RETURN important {.*} AS important_date, n.name AS name
UNION ALL
MATCH (p:Person)
WHERE p.birth_date IS NOT NULL AND ($entity_id IS NULL OR p.id = $entity_id)
RETURN {id: 'birth_date:' + p.id, entity_id: p.id, entity_kind: 'person', kind: 'birthday', date: p.birth_date,
        recurring: true, notes: null} AS important_date, p.name AS name
