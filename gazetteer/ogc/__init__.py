"""OGC API – Features collections: definitions, validated queries, paged reads, encoding."""
