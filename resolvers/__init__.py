"""Query and mutation logic, data loaders, permissions and the request context."""
