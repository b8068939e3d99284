// Add the default categories that are missing; existing entries are left as edited.
UNWIND $categories AS category
MERGE (c:Category {key: category.key})
ON CREATE SET c = category
RETURN count(c) AS ensured
