"""The API's kinds: their schemas, defaulting and validation, names and short names."""
