"""Records: the schema, the grounding and claim checks that make a record's flags true, the
JSONL store, and what is made of records (validation, rendered digests, tables, result queries).
"""
