"""Call records (CDRs): the exchange's own per-call data, imported, stored as day-partitioned Parquet
beside the database, and rolled up into the plan's KPIs. See loaders/calls/schema.py for the one
declaration of a call record."""
