"""The API commands, one module per group; each has `register(commands, common)`."""
