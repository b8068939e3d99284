// One important date kept on a client or a person, by its id.
MATCH (important:ImportantDate {id: $id})
RETURN important {.*} AS important_date
