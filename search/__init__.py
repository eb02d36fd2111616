"""Search: the query language, the query object and the service that answers it."""
