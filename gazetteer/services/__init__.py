"""Use cases: what the API and the CLI call, one transaction each."""
