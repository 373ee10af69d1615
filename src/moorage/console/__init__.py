"""The web console: server-rendered pages on the API listener, a client of the API."""
