"""Files → DuckDB: readers, the one schema definition, validation and the load audit.

The only package that writes the database.
"""
