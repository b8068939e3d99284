"""Access to the graph: the store port, its FalkorDB and Neo4j adapters, and the repository."""
