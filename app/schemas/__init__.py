"""Request and response bodies (pydantic v2): XBase / XCreate / XUpdate / XPublic families."""
