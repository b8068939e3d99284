// How many relationships of one type the store holds; an import looks for re-imported
// relationships only among the types in use.
MATCH ()-[r:`{{rel_type}}`]->()
RETURN count(r) AS relationships
