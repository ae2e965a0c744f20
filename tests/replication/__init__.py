"""The PostgreSQL primary + hot standby setup: read routing, faults, backups."""
