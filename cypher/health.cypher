// Liveness of the graph store.
RETURN 1 AS ok
